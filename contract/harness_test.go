package contract_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// specPath is openapi.yaml seen from this package's directory, for drills
// that mutate a copy of it.
const specPath = "../openapi.yaml"

// facts are what the tests know of the contract, read from the spec
// itself (not through the Validator's accessors, which are under test).
type facts struct {
	op              contract.Operation
	taskIDMax       int64
	projectIDMaxLen int
	taskIDCode      string // x-oms-error-code of task_id
	projectIDCode   string // x-oms-error-code of project_id
	opCode          string // x-oms-error-code of the operation
	tokenHeader     string // header of the token scheme (x-oms-value with maxLength)
	tokenMaxLen     int
	sigHeader       string   // header of the signature scheme (x-oms-headers)
	sigHeaders      []string // its x-oms-headers
	sigPattern      string
	requestID       string // the header every response declares required
}

// statusCode is the x-oms-error-code documented on op's response status.
func (f facts) statusCode(t testing.TB, status int) string {
	t.Helper()
	ref := f.op.Responses.Status(status)
	if ref == nil || contract.ErrorCode(ref.Value.Extensions) == "" {
		t.Fatalf("the spec documents no x-oms-error-code on StopTask's %d response", status)
	}
	return contract.ErrorCode(ref.Value.Extensions)
}

// exampleCodes lists the error codes of the examples of op's response.
func (f facts) exampleCodes(status string) []string {
	var codes []string
	if ref := f.op.Responses.Value(status); ref != nil {
		for _, mt := range ref.Value.Content {
			for _, ex := range mt.Examples {
				if m, ok := ex.Value.Value.(map[string]any); ok {
					codes = append(codes, m["error_code"].(string))
				}
			}
		}
	}
	return codes
}

func readFacts(t testing.TB, v *contract.Validator) facts {
	t.Helper()
	doc := v.Spec()
	var f facts
	v, err := contract.New(contract.WithSpec(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range v.Operations() {
		if op.OperationID == "StopTask" {
			f.op = op
		}
	}
	if f.op.Operation == nil {
		t.Fatal("the spec has no StopTask")
	}
	f.opCode = contract.ErrorCode(f.op.Extensions)
	for _, p := range f.op.Params {
		s := p.Schema.Value
		switch p.Name {
		case "task_id":
			// Exact past 2^53, where kin-openapi's float64 is not (its
			// own test: TestIntegerBoundsPast2To53AreExact).
			_, max := v.IntBounds(s)
			f.taskIDMax, f.taskIDCode = max.Int64(), contract.ErrorCode(p.Extensions)
		case "project_id":
			f.projectIDMaxLen, f.projectIDCode = int(*s.MaxLength), contract.ErrorCode(p.Extensions)
		}
	}
	for _, ref := range doc.Components.SecuritySchemes {
		s := ref.Value
		value, _ := s.Extensions["x-oms-value"].(map[string]any)
		if headers, ok := s.Extensions["x-oms-headers"].(map[string]any); ok {
			f.sigHeader, f.sigPattern = s.Name, value["pattern"].(string)
			for h := range headers {
				f.sigHeaders = append(f.sigHeaders, h)
			}
		} else if n, ok := value["maxLength"].(float64); ok {
			f.tokenHeader, f.tokenMaxLen = s.Name, int(n)
		}
	}
	required := map[string]int{}
	for _, ref := range f.op.Responses.Map() {
		for h, hr := range ref.Value.Headers {
			if hr.Value.Required {
				required[h]++
			}
		}
	}
	for h, n := range required {
		if n == f.op.Responses.Len() {
			f.requestID = h
		}
	}
	switch {
	case f.taskIDMax == 0, f.projectIDMaxLen == 0, f.taskIDCode == "", f.projectIDCode == "", f.opCode == "",
		f.tokenHeader == "", f.sigHeader == "", len(f.sigHeaders) == 0, f.requestID == "":
		t.Fatalf("the spec lacks a fact the tests need: %+v", f)
	}
	return f
}

// harness is what the tests start from: the validator of the embedded spec
// for requests to any host, the facts of its spec, and a mock with the
// default fixtures.
type harness struct {
	v    *contract.Validator
	spec facts
	mock *mock.Mock
}

// setup builds the harness; opts add to the validator's options. Servers
// the tests start are closed when they end (serve).
func setup(t testing.TB, opts ...contract.Option) *harness {
	t.Helper()
	v, err := contract.New(append([]contract.Option{contract.WithServer("/")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mock.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{v: v, spec: readFacts(t, v), mock: m}
}

// serve runs h on loopback until the test ends.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// validatorFor is a validator of the embedded spec for requests to base.
func validatorFor(t testing.TB, base string, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(append(opts, contract.WithServer(base))...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// path is StopTask's path for these values, escaped.
func (h *harness) path(project, task string) string {
	return strings.NewReplacer("{project_id}", url.PathEscape(project), "{task_id}", url.PathEscape(task)).Replace(h.spec.op.Path)
}

// validPath is the path of the mock's migrating task.
func (h *harness) validPath() string {
	return h.path(mock.DefaultProjectID, strconv.FormatInt(mock.DefaultMigratingTaskID, 10))
}

// request builds a StopTask-like request; edit sets credentials.
func request(t testing.TB, method, rawURL string, edit gen.RequestEditorFn) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		if err := edit(req.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	return req
}

// token authenticates with the mock's token.
var token = gen.WithToken(mock.DefaultToken)

// aksk signs with the mock's AK/SK.
var aksk = gen.WithAKSK(signer.Credentials{AK: mock.DefaultAK, SK: mock.DefaultSK, ProjectID: mock.DefaultProjectID})

// do sends req with client and returns the answer, body read.
func do(t testing.TB, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// canned is an answer an upstream gives to every request.
type canned struct {
	status int
	header http.Header
	body   string
}

// upstream answers every request with a.
func upstream(t testing.TB, a canned) *httptest.Server {
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, vs := range a.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
}

// errorAnswer is a conforming error answer with code.
func errorAnswer(status int, code string) canned {
	return canned{status: status, header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-1"}},
		body: `{"error_code":"` + code + `","error_msg":"m"}`}
}

// recordAnswer sends a valid StopTask call through a record-mode Transport
// to an upstream answering a, and returns what was recorded, as kindNames.
func (h *harness) recordAnswer(t testing.TB, a canned) []string {
	t.Helper()
	return h.recordAnswerTo(t, http.MethodPost, h.validPath(), a)
}

// recordAnswerTo is recordAnswer for any method and path.
func (h *harness) recordAnswerTo(t testing.TB, method, path string, a canned) []string {
	t.Helper()
	srv := upstream(t, a)
	rec := &contract.Recorder{}
	client := &http.Client{Transport: contract.NewTransport(validatorFor(t, srv.URL), nil, contract.WithRecorder(rec))}
	do(t, client, request(t, method, srv.URL+path, token))
	var vs contract.Violations
	for _, r := range rec.Records() {
		vs = append(vs, r.Violations...)
	}
	return kindNames(vs)
}

// validating answers every request with the violations v finds in it, as
// JSON: a server-side view of the request.
func validating(v *contract.Validator) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, vs := v.ValidateRequest(r.Context(), r, body)
		json.NewEncoder(w).Encode(vs)
	})
}

// serverVerdict sends req to a validating server and returns what it found,
// as kindNames.
func serverVerdict(t testing.TB, srv *httptest.Server, req *http.Request) []string {
	t.Helper()
	_, body := do(t, srv.Client(), req)
	var vs contract.Violations
	if err := json.Unmarshal(body, &vs); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return kindNames(vs)
}

// kindNames renders each violation as its kind, and the name it concerns.
func kindNames(vs contract.Violations) []string {
	var out []string
	for _, v := range vs {
		out = append(out, strings.TrimSpace(string(v.Kind)+" "+v.Name))
	}
	return out
}

// logLines collects what a proxy logs, one JSON line per write.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (l *logLines) records(t testing.TB) []contract.Record {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var rs []contract.Record
	for _, line := range l.lines {
		var r contract.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		rs = append(rs, r)
	}
	return rs
}

func (l *logLines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
