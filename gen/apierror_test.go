package gen_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
)

func TestDecodeError(t *testing.T) {
	header := http.Header{"X-Request-Id": {"req-1"}}
	html := "<html>\n<body>\t<h1>502 Bad Gateway</h1>" + strings.Repeat("x", 600) + "</body></html>"
	tests := []struct {
		name   string
		status int
		body   string
		want   gen.APIError // StatusCode and RequestID are filled in below
	}{
		{name: "OMS error", status: 400, body: `{"error_code":"OMS.0066","error_msg":"not migrating"}`,
			want: gen.APIError{Code: "OMS.0066", Message: "not migrating"}},
		{name: "members beyond the pair are ignored", status: 401, body: `{"error_code":"APIGW.0301","error_msg":"bad token","request_id":"x"}`,
			want: gen.APIError{Code: "APIGW.0301", Message: "bad token"}},
		{name: "code and message", status: 400, body: `{"code":"OMS.1009","message":"no such task"}`,
			want: gen.APIError{Code: "OMS.1009", Message: "no such task"}},
		{name: "error_code pair wins over code pair", status: 400, body: `{"code":"C","message":"m1","error_code":"E","error_msg":"m2"}`,
			want: gen.APIError{Code: "E", Message: "m2"}},
		{name: "SDK rule: pair with an empty error_msg is skipped", status: 403,
			body: `{"error_code":"OMS.0072","error_msg":"","code":"APIGW.0301","message":"Incorrect IAM authentication information"}`,
			want: gen.APIError{Code: "APIGW.0301", Message: "Incorrect IAM authentication information"}},
		{name: "nested pair", status: 400, body: `{"error":{"code":"APIGW.0308","message":"throttled"}}`,
			want: gen.APIError{Code: "APIGW.0308", Message: "throttled"}},
		{name: "nested pairs: sorted key order, first found wins", status: 400,
			body: `{"zeta":{"error_code":"Z","error_msg":"z"},"alpha":{"x":{"error_code":"A","error_msg":"a"}},"beta":{"error_code":"B","error_msg":"b"}}`,
			want: gen.APIError{Code: "A", Message: "a"}},
		{name: "top-level pair wins over nested", status: 400, body: `{"a":{"error_code":"N","error_msg":"n"},"code":"T","message":"t"}`,
			want: gen.APIError{Code: "T", Message: "t"}},
		{name: "our rule: lone error_code is kept, message is the body", status: 400, body: `{"error_code":"OMS.0066","error_msg":""}`,
			want: gen.APIError{Code: "OMS.0066", Message: `{"error_code":"OMS.0066","error_msg":""}`}},
		{name: "lone code (not error_code) is not kept", status: 400, body: `{"code":"X"}`,
			want: gen.APIError{Message: `{"code":"X"}`}},
		{name: "repeated member: the last counts", status: 400, body: `{"error_code":"OMS.1009","error_code":"OMS.0066","error_msg":"m"}`,
			want: gen.APIError{Code: "OMS.0066", Message: "m"}},
		{name: "numeric code ignored", status: 400, body: `{"error_code":1009,"error_msg":"m"}`,
			want: gen.APIError{Message: `{"error_code":1009,"error_msg":"m"}`}},
		{name: "message kept exactly", status: 400, body: `{"error_code":"E","error_msg":" two\nlines "}`,
			want: gen.APIError{Code: "E", Message: " two\nlines "}},
		{name: "HTML page: cleaned and cut to 512 bytes", status: 502, body: html,
			want: gen.APIError{Message: strings.Join(strings.Fields(html), " ")[:512]}},
		{name: "cut on a rune boundary", status: 502, body: strings.Repeat("a", 511) + "ü",
			want: gen.APIError{Message: strings.Repeat("a", 511)}},
		{name: "array", status: 400, body: `[{"error_code":"E","error_msg":"m"}]`,
			want: gen.APIError{Message: `[{"error_code":"E","error_msg":"m"}]`}},
		{name: "object followed by more data", status: 400, body: `{"error_code":"E","error_msg":"m"} {}`,
			want: gen.APIError{Message: `{"error_code":"E","error_msg":"m"} {}`}},
		{name: "null", status: 500, body: `null`, want: gen.APIError{Message: "null"}},
		{name: "empty body", status: 503, body: ``, want: gen.APIError{}},
		{name: "control characters and invalid UTF-8 in a raw body", status: 500, body: "a\x00b\xffc\r\nd",
			want: gen.APIError{Message: "a b c d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.StatusCode, tc.want.RequestID = tc.status, "req-1"
			got := gen.DecodeError(tc.status, header, []byte(tc.body))
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeErrorIsDeterministic repeats a body with many nested pairs: Go
// randomises map iteration, so a search in map order would not always give
// the same answer.
func TestDecodeErrorIsDeterministic(t *testing.T) {
	var members []string
	for i := range 20 {
		members = append(members, fmt.Sprintf(`"k%02d":{"code":"C%02d","message":"m"}`, 19-i, 19-i))
	}
	body := []byte("{" + strings.Join(members, ",") + "}")
	for range 50 {
		if got := gen.DecodeError(400, nil, body).Code; got != "C00" {
			t.Fatalf("Code = %q, want C00 (the pair under the first key in sorted order)", got)
		}
	}
}

func TestAPIErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  gen.APIError
		want string
	}{
		{name: "everything", err: gen.APIError{StatusCode: 400, Code: "OMS.0066", Message: "not migrating", RequestID: "r1"},
			want: "oms: 400 OMS.0066: not migrating (request id r1)"},
		{name: "no code", err: gen.APIError{StatusCode: 502, Message: "<html>"}, want: "oms: 502: <html>"},
		{name: "nothing but a status", err: gen.APIError{StatusCode: 503}, want: "oms: 503 Service Unavailable"},
		{name: "forged log lines are flattened", err: gen.APIError{StatusCode: 400, Code: "E\n", Message: "m\nlevel=ERROR forged", RequestID: "r\r\n2"},
			want: "oms: 400 E: m level=ERROR forged (request id r 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// serve answers every request with status, content type and body, and an
// X-Request-Id.
func serve(t *testing.T, status int, contentType, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-1")
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckResponse(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		want     *gen.APIError
		wantBody string // what r.Body reads afterwards
	}{
		{name: "200 untouched", status: 200, body: "", wantBody: ""},
		{name: "204 untouched", status: 204, wantBody: ""},
		{name: "2xx body left unread", status: 202, body: "accepted", wantBody: "accepted"},
		{name: "400", status: 400, body: `{"error_code":"OMS.1009","error_msg":"gone"}`,
			want:     &gen.APIError{StatusCode: 400, Code: "OMS.1009", Message: "gone", RequestID: "req-1"},
			wantBody: `{"error_code":"OMS.1009","error_msg":"gone"}`},
		{name: "3xx is not success", status: 304,
			want: &gen.APIError{StatusCode: 304, RequestID: "req-1"}},
		{name: "body read up to MaxErrorBodyBytes", status: 500, body: `{"error_code":"E","error_msg":"m"}` + strings.Repeat(" ", gen.MaxErrorBodyBytes),
			want:     &gen.APIError{StatusCode: 500, Code: "E", Message: "m", RequestID: "req-1"},
			wantBody: (`{"error_code":"E","error_msg":"m"}` + strings.Repeat(" ", gen.MaxErrorBodyBytes))[:gen.MaxErrorBodyBytes]},
		{name: "pair beyond MaxErrorBodyBytes is not read", status: 500, body: strings.Repeat(" ", gen.MaxErrorBodyBytes) + `{"error_code":"E","error_msg":"m"}`,
			want:     &gen.APIError{StatusCode: 500, RequestID: "req-1"},
			wantBody: strings.Repeat(" ", gen.MaxErrorBodyBytes)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, tc.status, "application/json", tc.body)
			client, err := gen.NewClient(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.StopTask(context.Background(), "p", 1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			err = gen.CheckResponse(resp)
			var got *gen.APIError
			if err != nil && !errors.As(err, &got) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			rest, _ := io.ReadAll(resp.Body)
			if string(rest) != tc.wantBody {
				t.Errorf("r.Body afterwards reads %d bytes %.40q…, want %d bytes %.40q…", len(rest), rest, len(tc.wantBody), tc.wantBody)
			}
		})
	}
}

// TestOffSpecAnswer is the known pitfall: the generated client returns no
// error for an answer outside the contract, here a proxy's HTML 502.
func TestOffSpecAnswer(t *testing.T) {
	srv := serve(t, http.StatusBadGateway, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")
	client, err := gen.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.StopTaskWithResponse(context.Background(), "p", 1)
	if err != nil {
		t.Fatalf("StopTaskWithResponse: %v (the generated client is expected to return no error)", err)
	}
	if resp.JSON502 != nil {
		t.Errorf("JSON502 = %+v, want nil for an HTML body", resp.JSON502)
	}
	err = gen.CheckResult(resp.HTTPResponse, resp.Body)
	want := &gen.APIError{StatusCode: 502, Message: "<html><body><h1>502 Bad Gateway</h1></body></html>", RequestID: "req-1"}
	var got *gen.APIError
	if !errors.As(err, &got) {
		t.Fatalf("CheckResult = %v, want an *APIError", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if gen.IsRetryable(err) {
		t.Error("IsRetryable: a 502 without APIGW.0201 is not the gateway's")
	}
}

func TestCheckResult(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   *gen.APIError
	}{
		{name: "200", status: 200},
		{name: "documented 400", status: 400, body: `{"error_code":"OMS.0070","error_msg":"finished"}`,
			want: &gen.APIError{StatusCode: 400, Code: "OMS.0070", Message: "finished", RequestID: "req-1"}},
		{name: "undocumented 418", status: 418, body: `{"error_code":"OMS.0418","error_msg":"blacklisted"}`,
			want: &gen.APIError{StatusCode: 418, Code: "OMS.0418", Message: "blacklisted", RequestID: "req-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, err := gen.NewClientWithResponses(serve(t, tc.status, "application/json", tc.body).URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.StopTaskWithResponse(context.Background(), "p", 1)
			if err != nil {
				t.Fatal(err)
			}
			var got *gen.APIError
			if err := gen.CheckResult(resp.HTTPResponse, resp.Body); err != nil && !errors.As(err, &got) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if err := gen.CheckResult(nil, nil); err == nil {
		t.Error("CheckResult(nil, nil) = nil")
	}
	if err := gen.CheckResponse(nil); err == nil {
		t.Error("CheckResponse(nil) = nil")
	}
}

func TestPredicates(t *testing.T) {
	type verdicts struct {
		NotFound, NoSuchAPI, NotMigrating, AlreadyFinished, AlreadyStarted, InProgress, Unauthorized, Retryable bool
	}
	apiErr := func(status int, code string) error { return &gen.APIError{StatusCode: status, Code: code} }
	tests := []struct {
		name string
		err  error
		want verdicts
	}{
		{name: "nil", err: nil},
		{name: "not an APIError", err: errors.New("dial tcp: refused")},
		{name: "typed nil *APIError", err: (*gen.APIError)(nil)},
		{name: "400 OMS.1009", err: apiErr(400, gen.CodeTaskNotFound), want: verdicts{NotFound: true}},
		{name: "wrapped 400 OMS.1009", err: fmt.Errorf("stopping: %w", apiErr(400, gen.CodeTaskNotFound)), want: verdicts{NotFound: true}},
		{name: "404 APIGW.0101", err: apiErr(404, gen.CodeGatewayAPINotFound), want: verdicts{NoSuchAPI: true}},
		{name: "404 without a code", err: apiErr(404, ""), want: verdicts{NoSuchAPI: true}},
		{name: "400 OMS.0066", err: apiErr(400, gen.CodeNotMigrating), want: verdicts{NotMigrating: true}},
		{name: "400 OMS.0070", err: apiErr(400, gen.CodeAlreadyFinished), want: verdicts{AlreadyFinished: true}},
		{name: "401 without a code", err: apiErr(401, ""), want: verdicts{Unauthorized: true}},
		{name: "401 APIGW.0301", err: apiErr(401, gen.CodeGatewayAuthFailed), want: verdicts{Unauthorized: true}},
		{name: "400 OMS.0065", err: apiErr(400, gen.CodeAlreadyStarted), want: verdicts{AlreadyStarted: true}},
		{name: "400 OMS.0063", err: apiErr(400, gen.CodeTaskInProgress), want: verdicts{InProgress: true}},
		{name: "400 OMS.0068", err: apiErr(400, gen.CodeAuthFailed), want: verdicts{Unauthorized: true}},
		{name: "400 OMS.0072 is a permission, not bad credentials", err: apiErr(400, gen.CodeInsufficientPermission)},
		{name: "403 APIGW.0302 is a permission, not bad credentials", err: apiErr(403, "APIGW.0302")},
		{name: "429", err: apiErr(429, "APIGW.0308"), want: verdicts{Retryable: true}},
		{name: "503", err: apiErr(503, "APIGW.0613"), want: verdicts{Retryable: true}},
		{name: "502 APIGW.0201", err: apiErr(502, gen.CodeGatewayBackend), want: verdicts{Retryable: true}},
		{name: "504 APIGW.0201", err: apiErr(504, gen.CodeGatewayBackend), want: verdicts{Retryable: true}},
		{name: "502 without a code", err: apiErr(502, "")},
		{name: "504 without a code", err: apiErr(504, "")},
		{name: "502 with a code no source has", err: apiErr(502, "APIGW.0202")},
		{name: "500", err: apiErr(500, "APIGW.0601")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := verdicts{
				NotFound: gen.IsNotFound(tc.err), NoSuchAPI: gen.IsNoSuchAPI(tc.err), NotMigrating: gen.IsNotMigrating(tc.err),
				AlreadyFinished: gen.IsAlreadyFinished(tc.err), AlreadyStarted: gen.IsAlreadyStarted(tc.err), InProgress: gen.IsInProgress(tc.err),
				Unauthorized: gen.IsUnauthorized(tc.err), Retryable: gen.IsRetryable(tc.err),
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestCodesAreSpecExamples keeps the Code constants from drifting from the
// contract: each must be the error_code of an example in openapi.yaml.
func TestCodesAreSpecExamples(t *testing.T) {
	doc := loadSpec(t)
	examples := map[string]bool{}
	for _, ex := range doc.Components.Examples {
		if m, ok := ex.Value.Value.(map[string]any); ok {
			examples[m["error_code"].(string)] = true
		}
	}
	for _, resp := range doc.Components.Responses {
		for _, media := range resp.Value.Content {
			for _, ex := range media.Examples {
				if m, ok := ex.Value.Value.(map[string]any); ok {
					examples[m["error_code"].(string)] = true
				}
			}
		}
	}
	if len(examples) == 0 {
		t.Fatal("found no error_code examples in the spec")
	}
	for name, code := range map[string]string{
		"CodeTaskNotFound": gen.CodeTaskNotFound, "CodeNotMigrating": gen.CodeNotMigrating,
		"CodeAlreadyFinished": gen.CodeAlreadyFinished, "CodeAuthFailed": gen.CodeAuthFailed,
		"CodeInsufficientPermission": gen.CodeInsufficientPermission,
		"CodeGatewayAuthFailed":      gen.CodeGatewayAuthFailed, "CodeGatewayAPINotFound": gen.CodeGatewayAPINotFound,
		"CodeGatewayBackend": gen.CodeGatewayBackend, "CodeAlreadyStarted": gen.CodeAlreadyStarted,
		"CodeTaskInProgress": gen.CodeTaskInProgress, "CodeParametersMissing": gen.CodeParametersMissing,
	} {
		if !examples[code] {
			t.Errorf("%s = %q is not an example error_code in openapi.yaml", name, code)
		}
	}
}

// TestHeaderNamesAreSpecHeaders keeps the client layer's header names from
// drifting from the contract: HeaderRequestID is required on every
// documented response, HeaderAuthToken is an apiKey security scheme's header.
func TestHeaderNamesAreSpecHeaders(t *testing.T) {
	doc := loadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, resp := range op.Responses.Map() {
				if h := resp.Value.Headers[gen.HeaderRequestID]; h == nil || !h.Value.Required {
					t.Errorf("%s %s %s: %s is not a required response header", method, path, status, gen.HeaderRequestID)
				}
			}
		}
	}
	found := false
	for _, s := range doc.Components.SecuritySchemes {
		found = found || s.Value.Type == "apiKey" && s.Value.In == "header" && s.Value.Name == gen.HeaderAuthToken
	}
	if !found {
		t.Errorf("no apiKey security scheme sends %s", gen.HeaderAuthToken)
	}
}

// FuzzDecodeError checks that DecodeError never panics, gives the same
// answer twice, and bounds a message it did not take from a pair.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, []byte(`{"error_code":"OMS.0066","error_msg":"m"}`))
	f.Add(502, []byte("<html>502</html>"))
	f.Add(400, []byte(`{"a":{"b":{"code":"C","message":"m"}},"c":{"code":"D","message":"n"}}`))
	f.Add(400, []byte(`{"error_code":1009,"error_msg":""}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		a, b := gen.DecodeError(status, nil, body), gen.DecodeError(status, nil, body)
		if diff := cmp.Diff(a, b); diff != "" {
			t.Fatalf("two decodings differ (-first +second):\n%s", diff)
		}
		if a.Code == "" && len(a.Message) > 512 {
			t.Fatalf("raw-body message is %d bytes", len(a.Message))
		}
		_ = a.Error()
	})
}

// TestBrokenJSONErrorBody pins what CheckResult's doc says: a
// documented error status with a JSON content type and a body that is not
// JSON makes StopTaskWithResponse fail, while Client.StopTask and
// CheckResponse still give an *APIError.
func TestBrokenJSONErrorBody(t *testing.T) {
	srv := serve(t, http.StatusBadRequest, "application/json", "not json")
	withResponses, err := gen.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := withResponses.StopTaskWithResponse(context.Background(), "p", 1); err == nil {
		t.Errorf("StopTaskWithResponse = %+v, nil; want a JSON error", resp)
	}
	resp, err := withResponses.ClientInterface.StopTask(context.Background(), "p", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got *gen.APIError
	if !errors.As(gen.CheckResponse(resp), &got) {
		t.Fatal("CheckResponse gave no *APIError")
	}
	if diff := cmp.Diff(&gen.APIError{StatusCode: 400, Message: "not json", RequestID: "req-1"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
