package contract_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

type answer struct {
	Status    int
	Code      string
	Allow     string
	HasReqID  bool
	JSONError bool
}

// ask sends r with the default client and sums up the answer.
func ask(t *testing.T, r *http.Request) answer {
	t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{Status: res.StatusCode, Allow: res.Header.Get("Allow"), HasReqID: res.Header.Get("X-Request-Id") != ""}
	var e gen.Error
	if res.Header.Get("Content-Type") == "application/json" && json.Unmarshal(b, &e) == nil && e.ErrorMsg != "" {
		a.JSONError, a.Code = true, e.ErrorCode
	}
	return a
}

func TestMiddlewareAnswersInTheErrorSchema(t *testing.T) {
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	s := &stopServer{}
	var mu sync.Mutex
	var reported []contract.Record
	h := contract.Middleware(v, contract.WithRequestBodyLimit(64), contract.WithViolationHandler(func(_ *http.Request, rec contract.Record) {
		mu.Lock()
		reported = append(reported, rec)
		mu.Unlock()
	}))(goodHandler(s))
	srv := httptest.NewServer(h)
	defer srv.Close()
	// Every answer of the middleware must itself honour the contract; its
	// 404 and 405 are held to the shared Error shape (ValidateErrorAnswer).
	check := newValidator(t, srv)

	tests := []struct {
		name string
		make func(t *testing.T, base string) *http.Request
		want answer
	}{
		{"good request passes", path(stopPath), answer{Status: 200, HasReqID: true}},
		{"SDK request passes", func(t *testing.T, base string) *http.Request { return sdkRequest(t, base, stopPath) }, answer{Status: 200, HasReqID: true}},
		{"handler's own 400 passes", path("/v2/" + projectID + "/tasks/5/stop"), answer{Status: 400, Code: gen.CodeNotMigrating, HasReqID: true, JSONError: true}},
		{"task_id abc", path("/v2/" + projectID + "/tasks/abc/stop"), answer{Status: 400, Code: gen.CodeInvalidTaskID, HasReqID: true, JSONError: true}},
		{"task_id -1", path("/v2/" + projectID + "/tasks/-1/stop"), answer{Status: 400, Code: gen.CodeInvalidTaskID, HasReqID: true, JSONError: true}},
		{"project_id of 1025 characters", path("/v2/" + strings.Repeat("p", 1025) + "/tasks/1/stop"), answer{Status: 400, Code: gen.CodeInvalidParameters, HasReqID: true, JSONError: true}},
		{"request body", func(t *testing.T, base string) *http.Request {
			r := tokenRequest(t, base, stopPath)
			setBody(r, "{}")
			return r
		}, answer{Status: 400, Code: gen.CodeInvalidParameters, HasReqID: true, JSONError: true}},
		{"request body over the limit", func(t *testing.T, base string) *http.Request {
			r := tokenRequest(t, base, stopPath)
			setBody(r, strings.Repeat("x", 65))
			return r
		}, answer{Status: 400, Code: gen.CodeInvalidParameters, HasReqID: true, JSONError: true}},
		{"no authentication", func(t *testing.T, base string) *http.Request {
			r := tokenRequest(t, base, stopPath)
			r.Header.Del("X-Auth-Token")
			return r
		}, answer{Status: 401, Code: gen.CodeGatewayAuthFailed, HasReqID: true, JSONError: true}},
		{"token too long", withHeader("X-Auth-Token", strings.Repeat("t", 16385)), answer{Status: 401, Code: gen.CodeGatewayAuthFailed, HasReqID: true, JSONError: true}},
		{"unknown path", path("/v2/" + projectID + "/tasks/" + taskID + "/start"), answer{Status: 404, Code: "APIGW.0101", HasReqID: true, JSONError: true}},
		{"known path, wrong method", func(t *testing.T, base string) *http.Request {
			r := tokenRequest(t, base, stopPath)
			r.Method = http.MethodGet
			return r
		}, answer{Status: 405, Code: "APIGW.0101", Allow: "POST", HasReqID: true, JSONError: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ask(t, tc.make(t, srv.URL))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("answer mismatch (-want +got):\n%s", diff)
			}
			if vs, _, _ := send(t, check, tc.make(t, srv.URL)); len(only(vs, contract.DirectionResponse)) > 0 {
				t.Errorf("the middleware's answer breaks the contract: %v", vs)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for _, rec := range reported {
		if len(rec.Violations) == 0 || rec.Status < 400 {
			t.Errorf("reported record without violations or with status %d: %+v", rec.Status, rec)
		}
		if strings.Contains(record(t, rec), token) {
			t.Errorf("a reported record contains the token")
		}
	}
}

func only(vs contract.Violations, d contract.Direction) contract.Violations {
	var out contract.Violations
	for _, v := range vs {
		if v.Direction == d {
			out = append(out, v)
		}
	}
	return out
}

func TestMiddlewareResponseViolations(t *testing.T) {
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	broken := canned{status: 201, headers: map[string]string{"X-Request-Id": requestID}}
	tests := []struct {
		name   string
		strict bool
		want   answer
	}{
		{"strict turns it into 500 OMS.0159", true, answer{Status: 500, Code: gen.CodeSystemError, HasReqID: true, JSONError: true}},
		{"lenient lets it through", false, answer{Status: 201, HasReqID: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec contract.Recorder
			opts := []contract.MiddlewareOption{contract.WithViolationHandler(func(_ *http.Request, r contract.Record) { rec.Add(r) })}
			if tc.strict {
				opts = append(opts, contract.WithStrictResponses())
			}
			srv := httptest.NewServer(contract.Middleware(v, opts...)(broken))
			defer srv.Close()
			got := ask(t, tokenRequest(t, srv.URL, stopPath))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("answer mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]where{{resp, 201, contract.KindStatus, "", ""}}, locate(rec.Violations())); diff != "" {
				t.Errorf("reported (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMiddlewareHandsOnHeadersAndStatus: a valid answer reaches the client
// as the handler wrote it.
func TestMiddlewareHandsOnHeadersAndStatus(t *testing.T) {
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	h := contract.Middleware(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", requestID)
		w.Header().Set("X-Extra", "kept")
		w.WriteHeader(http.StatusOK)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.DefaultClient.Do(tokenRequest(t, srv.URL, stopPath))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	got := []string{res.Status, res.Header.Get("X-Request-Id"), res.Header.Get("X-Extra")}
	if diff := cmp.Diff([]string{"200 OK", requestID, "kept"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestMiddlewareKeepsAnOuterRequestID: a request-ID layer outside the
// middleware sets X-Request-Id on the ResponseWriter before calling it;
// every answer, the middleware's own and the handler's, must carry that
// ID, not a fresh one, or the outer layer's logs name a request the client
// never heard of.
func TestMiddlewareKeepsAnOuterRequestID(t *testing.T) {
	const outerID = "0123456789abcdef0123456789abcdef"
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	// noID answers as a handler behind a request-ID layer may: without
	// setting X-Request-Id itself.
	noID := func(status int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) })
	}
	paramError := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gen.ParamErrorHandler(w, r, &gen.InvalidParamFormatError{ParamName: "task_id", Err: io.ErrUnexpectedEOF})
	})
	post := func(p string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, p, nil)
		r.Header.Set("X-Auth-Token", token)
		return r
	}
	tests := []struct {
		name    string
		handler http.Handler
		req     *http.Request
		status  int
	}{
		{"400 from the middleware", noID(200), post("/v2/" + projectID + "/tasks/abc/stop"), 400},
		{"400 for an unreadable body", noID(200), func() *http.Request {
			r := post(stopPath)
			r.Body = io.NopCloser(iotestErrReader{})
			return r
		}(), 400},
		{"400 from gen.ParamErrorHandler in the handler", paramError, post(stopPath), 400},
		{"401", noID(200), func() *http.Request {
			r := post(stopPath)
			r.Header.Del("X-Auth-Token")
			return r
		}(), 401},
		{"404", noID(200), post("/v2/" + projectID + "/tasks/1/start"), 404},
		{"405", noID(200), func() *http.Request {
			r := post(stopPath)
			r.Method = http.MethodGet
			return r
		}(), 405},
		{"strict 500 for a broken answer", noID(201), post(stopPath), 500},
		{"handler's own 200", noID(200), post(stopPath), 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec contract.Recorder
			inner := contract.Middleware(v, contract.WithStrictResponses(),
				contract.WithViolationHandler(func(_ *http.Request, r contract.Record) { rec.Add(r) }))(tc.handler)
			outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set(gen.HeaderRequestID, outerID)
				inner.ServeHTTP(w, r)
			})
			w := httptest.NewRecorder()
			outer.ServeHTTP(w, tc.req)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d (body %s)", w.Code, tc.status, w.Body)
			}
			if got := w.Header().Values(gen.HeaderRequestID); len(got) != 1 || got[0] != outerID {
				t.Errorf("X-Request-Id %q, want only the outer %q", got, outerID)
			}
			if tc.status == 200 && len(rec.Records()) > 0 {
				t.Errorf("a valid answer was reported: %v", rec.Violations())
			}
		})
	}
}

// TestMiddlewareHandlerSeesAndMayDropOuterHeaders: the handler starts from
// the headers outer layers set, and a header it deletes is not sent.
func TestMiddlewareHandlerSeesAndMayDropOuterHeaders(t *testing.T) {
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	inner := contract.Middleware(v)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seen = w.Header().Get("X-Outer")
		w.Header().Del("X-Drop")
		w.Header().Set(gen.HeaderRequestID, requestID)
	}))
	w := httptest.NewRecorder()
	w.Header().Set("X-Outer", "set outside")
	w.Header().Set("X-Drop", "deleted by the handler")
	r := httptest.NewRequest(http.MethodPost, stopPath, nil)
	r.Header.Set("X-Auth-Token", token)
	inner.ServeHTTP(w, r)
	got := []string{seen, w.Header().Get("X-Outer"), w.Header().Get("X-Drop"), w.Header().Get(gen.HeaderRequestID)}
	if diff := cmp.Diff([]string{"set outside", "set outside", "", requestID}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestMiddlewareBehindTLSTermination: behind a load balancer that
// terminates TLS, the server sees plain http (r.TLS nil) for requests its
// clients sent to the declared https server. The middleware must serve
// them, not answer 404.
func TestMiddlewareBehindTLSTermination(t *testing.T) {
	v, err := contract.New() // no WithServer: only the declared https server
	if err != nil {
		t.Fatal(err)
	}
	s := &stopServer{}
	h := contract.Middleware(v, contract.WithStrictResponses())(goodHandler(s))
	// As a server receives it: origin-form target, Host header, no TLS.
	r := httptest.NewRequest(http.MethodPost, stopPath, nil)
	r.Host = "oms.cn-north-4.myhuaweicloud.com"
	r.TLS = nil
	r.Header.Set("X-Auth-Token", token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || s.calls.Load() != 1 {
		t.Errorf("status %d, handler called %d times; want 200 from the handler (body %s)", w.Code, s.calls.Load(), w.Body)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
