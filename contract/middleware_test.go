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
