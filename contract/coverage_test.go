package contract_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
)

// answering is an upstream that answers each request as its query says:
// ?status=400&code=OMS.1009 (an Error body), ?status=400&html=1 (an HTML
// body), ?status=200 (no body). It gzips when asked.
func answering(t testing.TB, requestID string) http.Handler {
	return compressing("gzip", false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		status, _ := strconv.Atoi(q.Get("status"))
		w.Header().Set(requestID, "req-1")
		switch {
		case q.Get("html") != "":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			fmt.Fprint(w, "<h1>error</h1>")
		case status >= 400:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error_code":%q,"error_msg":"m"}`, q.Get("code"))
		default:
			w.WriteHeader(status)
		}
	}))
}

// opCoverage is what coverage should say of op, read from the spec here:
// each documented response with seen[status] answers, and the codes of its
// examples with seenCodes["status code"].
func opCoverage(op *openapi3.Operation, seen, seenCodes map[string]int) contract.OperationCoverage {
	oc := contract.OperationCoverage{OperationID: op.OperationID}
	for _, status := range slices.Sorted(maps.Keys(op.Responses.Map())) {
		rc := contract.ResponseCoverage{Status: status, Seen: seen[status], Codes: []contract.CodeCoverage{}}
		var codes []string
		for _, mt := range op.Responses.Value(status).Value.Content {
			for _, ex := range mt.Examples {
				if c, ok := ex.Value.Value.(map[string]any)["error_code"].(string); ok {
					codes = append(codes, c)
				}
			}
		}
		for _, code := range slices.Compact(slices.Sorted(slices.Values(codes))) {
			rc.Codes = append(rc.Codes, contract.CodeCoverage{Code: code, Seen: seenCodes[status+" "+code]})
		}
		oc.Responses = append(oc.Responses, rc)
	}
	return oc
}

func TestCoverageCountsDocumentedResponsesAndCodes(t *testing.T) {
	h := setup(t)
	f := h.spec
	if f.op.Responses.Status(http.StatusTeapot) != nil || slices.Contains(f.exampleCodes("503"), "APIGW.0999") {
		t.Fatal("the spec now documents 418, or APIGW.0999 for 503; update this test")
	}
	documented400 := slices.Sorted(slices.Values(f.exampleCodes("400")))[0]
	// What is sent, and how it counts.
	type exchange struct {
		query string
		gzip  bool
	}
	sent := []exchange{
		{query: "status=200"},
		{query: "status=200", gzip: true},
		{query: "status=400&code=" + documented400},
		{query: "status=400&code=" + f.taskIDCode, gzip: true},
		{query: "status=400&code=OMS.9999"},
		{query: "status=400&html=1"},
		{query: "status=401&code=" + f.statusCode(t, 401)},
		{query: "status=503&code=APIGW.0999"},
		{query: "status=418&code=X.1"},
	}
	seen := map[string]int{"200": 2, "400": 4, "401": 1, "503": 1}
	seenCodes := map[string]int{"400 " + documented400: 1, "400 " + f.taskIDCode: 1, "401 " + f.statusCode(t, 401): 1}
	want := contract.CoverageReport{Undocumented: []contract.Undocumented{
		{OperationID: f.op.OperationID, Status: "400", Code: "OMS.9999", Seen: 1},
		{OperationID: f.op.OperationID, Status: "503", Code: "APIGW.0999", Seen: 1},
		{OperationID: f.op.OperationID, Status: "418", Code: "X.1", Seen: 1},
	}}
	total := 0
	for _, op := range h.v.Operations() {
		total += op.Responses.Len()
		if op.OperationID == f.op.OperationID {
			want.Operations = append(want.Operations, opCoverage(op.Operation, seen, seenCodes))
		} else {
			want.Operations = append(want.Operations, opCoverage(op.Operation, nil, nil))
		}
	}
	wantSummary := fmt.Sprintf("%d of %d documented responses exercised", len(seen), total)

	up := serve(t, answering(t, f.requestID))
	tests := []struct {
		name string
		// client returns the client that sends the exchanges, and the
		// base URL it sends them to.
		client func(cov *contract.Coverage) (*http.Client, string)
	}{
		{"Transport", func(cov *contract.Coverage) (*http.Client, string) {
			rt := contract.NewTransport(validatorFor(t, up.URL), nil, contract.WithRecorder(&contract.Recorder{}), contract.WithCoverage(cov))
			return &http.Client{Transport: rt}, up.URL
		}},
		{"Proxy", func(cov *contract.Coverage) (*http.Client, string) {
			srv, _ := proxyTo(t, up.URL, contract.WithProxyCoverage(cov))
			return srv.Client(), srv.URL
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cov := contract.NewCoverage(h.v)
			client, base := tt.client(cov)
			for _, x := range sent {
				req := request(t, http.MethodPost, base+h.validPath()+"?"+x.query, token)
				if x.gzip {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				resp, _ := do(t, client, req)
				if x.gzip && resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("%s: not gzipped: the test proves nothing", x.query)
				}
			}
			got := cov.Report()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("coverage (-want +got):\n%s", diff)
			}
			if s := got.Summary(); s != wantSummary {
				t.Errorf("Summary() = %q, want %q", s, wantSummary)
			}
		})
	}
}

func TestCoverageReportJSONShape(t *testing.T) {
	h := setup(t)
	b, err := json.Marshal(contract.NewCoverage(h.v).Report())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	// The expected document, from the spec: every operation's documented
	// responses, unseen, with the codes of their examples.
	ops := []contract.OperationCoverage{}
	for _, op := range h.v.Operations() {
		ops = append(ops, opCoverage(op.Operation, nil, nil))
	}
	js, err := json.Marshal(contract.CoverageReport{Operations: ops, Undocumented: []contract.Undocumented{}})
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(b), `{"status":"200","seen":0,"codes":[]}`) {
		t.Errorf("the 200 answer, which has no example, should list \"codes\":[]: %s", b)
	}
}

// TestCoverageLeavesOutNoSuchAPI guards against listing the gateway's
// documented answer to a request for no operation (a wrong method) as
// undocumented; any other answer to such a request still is.
func TestCoverageLeavesOutNoSuchAPI(t *testing.T) {
	h := setup(t)
	notFound := h.spec.statusCode(t, http.StatusNotFound)
	tests := []struct {
		name   string
		answer canned
		want   []contract.Undocumented
	}{
		{"404 with the documented code", errorAnswer(http.StatusNotFound, notFound), []contract.Undocumented{}},
		{"404 with another code", errorAnswer(http.StatusNotFound, "X.404"), []contract.Undocumented{{Status: "404", Code: "X.404", Seen: 1}}},
		{"200", canned{status: http.StatusOK, header: http.Header{"X-Request-Id": {"r"}}}, []contract.Undocumented{{Status: "200", Seen: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := upstream(t, tt.answer)
			cov := contract.NewCoverage(h.v)
			client := &http.Client{Transport: contract.NewTransport(validatorFor(t, up.URL), nil,
				contract.WithRecorder(&contract.Recorder{}), contract.WithCoverage(cov))}
			do(t, client, request(t, http.MethodGet, up.URL+h.validPath(), token))
			if diff := cmp.Diff(tt.want, cov.Report().Undocumented); diff != "" {
				t.Errorf("undocumented (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCoverageCountsRangesAndHEAD guards two false "undocumented" entries:
// a status counts toward a documented 4XX range when its own status is not
// documented, and the gateway's 404 to a HEAD of no operation, which has no
// body to carry its code, is the documented "no such API".
func TestCoverageCountsRangesAndHEAD(t *testing.T) {
	h := setup(t)
	doc, err := contract.LoadSpec(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	stop := doc.Paths.Find(h.spec.op.Path).Post
	stop.Responses.Set("4XX", stop.Responses.Value("400"))
	tests := []struct {
		name         string
		method       string
		answer       canned
		status       string // the documented response it counts toward
		undocumented []contract.Undocumented
	}{
		{"418 toward 4XX", http.MethodPost, errorAnswer(http.StatusTeapot, h.spec.taskIDCode), "4XX", []contract.Undocumented{}},
		{"400 toward 400, not 4XX", http.MethodPost, errorAnswer(http.StatusBadRequest, h.spec.taskIDCode), "400", []contract.Undocumented{}},
		{"HEAD of no operation, 404 without a body", http.MethodHead,
			canned{status: http.StatusNotFound, header: http.Header{"X-Request-Id": {"r"}}}, "", []contract.Undocumented{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := upstream(t, tt.answer)
			v := validatorFor(t, up.URL, contract.WithSpec(doc))
			cov := contract.NewCoverage(v)
			client := &http.Client{Transport: contract.NewTransport(v, nil, contract.WithRecorder(&contract.Recorder{}), contract.WithCoverage(cov))}
			do(t, client, request(t, tt.method, up.URL+h.validPath(), token))
			r := cov.Report()
			if diff := cmp.Diff(tt.undocumented, r.Undocumented); diff != "" {
				t.Errorf("undocumented (-want +got):\n%s", diff)
			}
			for _, oc := range r.Operations {
				for _, rc := range oc.Responses {
					if want := oc.OperationID == stop.OperationID && rc.Status == tt.status; (rc.Seen == 1) != want {
						t.Errorf("%s %s seen %d times", oc.OperationID, rc.Status, rc.Seen)
					}
				}
			}
		})
	}
}
