package contract_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// knownToken is an authenticator that knows the mock's token and nothing
// else (signatures included).
func knownToken(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.RequestValidationInput.Request.Header.Get(in.SecurityScheme.Name) != mock.DefaultToken {
		return errors.New("unknown credential")
	}
	return nil
}

// finished wraps h so that done receives once each request's handling,
// violation reports included, is over: tests wait for it instead of
// sleeping.
func finished(h http.Handler) (http.Handler, <-chan struct{}) {
	done := make(chan struct{}, 64)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		h.ServeHTTP(w, r)
	}), done
}

// withBody sends body as JSON.
func withBody(body string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
		req.Header.Set("Content-Type", "application/json")
		return nil
	}
}

// middlewareAnswer is what a client of a middleware-wrapped server got.
type middlewareAnswer struct {
	Status    int
	Code      string
	RequestID int // how many request ID values
	// Broken lists the answer's own violations of the contract.
	Broken []string
}

// ask sends req to srv through a record-mode Transport and sums up the
// answer.
func (h *harness) ask(t testing.TB, srv string, method, path string, edit gen.RequestEditorFn) (middlewareAnswer, *http.Response) {
	t.Helper()
	return h.askJudgedBy(t, validatorFor(t, srv), srv, method, path, edit)
}

// askJudgedBy is ask with the answer judged by v.
func (h *harness) askJudgedBy(t testing.TB, v *contract.Validator, srv string, method, path string, edit gen.RequestEditorFn) (middlewareAnswer, *http.Response) {
	t.Helper()
	rec := &contract.Recorder{}
	client := &http.Client{Transport: contract.NewTransport(v, nil, contract.WithRecorder(rec))}
	resp, body := do(t, client, request(t, method, srv+path, edit))
	a := middlewareAnswer{Status: resp.StatusCode, RequestID: len(resp.Header.Values(h.spec.requestID))}
	if resp.StatusCode >= 400 {
		a.Code = gen.DecodeError(resp.StatusCode, resp.Header, body).Code
	}
	for _, r := range rec.Records() {
		for _, v := range r.Violations {
			if v.Direction == contract.DirectionResponse {
				a.Broken = append(a.Broken, v.String())
			}
		}
	}
	return a, resp
}

func TestMiddlewareAnswersInTheGatewaysOrder(t *testing.T) {
	h := setup(t, contract.WithAuthenticator(knownToken))
	srv := serve(t, contract.Middleware(h.v)(gen.Handler(stopped{})))
	f := h.spec
	var taskMin int64
	for _, p := range f.op.Params {
		if p.Name == "task_id" {
			taskMin = int64(*p.Schema.Value.Min)
		}
	}
	task := strconv.FormatInt(mock.DefaultMigratingTaskID, 10)
	tooBig := h.path(mock.DefaultProjectID, strconv.FormatInt(f.taskIDMax+1, 10))
	wrong := setHeader(f.tokenHeader, "wrong")
	tests := []struct {
		name, method, path string
		edit               gen.RequestEditorFn
		want               middlewareAnswer
	}{
		{"valid", http.MethodPost, h.validPath(), token, middlewareAnswer{Status: 200, RequestID: 1}},
		{"task_id at its maximum", http.MethodPost, h.path(mock.DefaultProjectID, strconv.FormatInt(f.taskIDMax, 10)), token, middlewareAnswer{Status: 200, RequestID: 1}},
		{"wrong credentials and an invalid task_id", http.MethodPost, tooBig, wrong, middlewareAnswer{Status: 401, Code: f.statusCode(t, 401), RequestID: 1}},
		{"no credentials and an invalid task_id", http.MethodPost, tooBig, nil, middlewareAnswer{Status: 401, Code: f.statusCode(t, 401), RequestID: 1}},
		{"wrong method on the existing path", http.MethodGet, h.validPath(), token, middlewareAnswer{Status: 404, Code: f.statusCode(t, 404), RequestID: 1}},
		{"wrong method and wrong credentials", http.MethodDelete, tooBig, wrong, middlewareAnswer{Status: 404, Code: f.statusCode(t, 404), RequestID: 1}},
		{"unknown path", http.MethodPost, "/v2/" + mock.DefaultProjectID + "/tasks/" + task + "/resume", token, middlewareAnswer{Status: 404, Code: f.statusCode(t, 404), RequestID: 1}},
		{"task_id above its maximum", http.MethodPost, tooBig, token, middlewareAnswer{Status: 400, Code: f.taskIDCode, RequestID: 1}},
		{"task_id below its minimum", http.MethodPost, h.path(mock.DefaultProjectID, strconv.FormatInt(taskMin-1, 10)), token, middlewareAnswer{Status: 400, Code: f.taskIDCode, RequestID: 1}},
		{"task_id not an integer", http.MethodPost, h.path(mock.DefaultProjectID, "abc"), token, middlewareAnswer{Status: 400, Code: f.taskIDCode, RequestID: 1}},
		{"project_id above maxLength", http.MethodPost, h.path(strings.Repeat("p", f.projectIDMaxLen+1), task), token, middlewareAnswer{Status: 400, Code: f.projectIDCode, RequestID: 1}},
		{"a body on StopTask", http.MethodPost, h.validPath(), editors(token, withBody("{}")), middlewareAnswer{Status: 400, Code: f.opCode, RequestID: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := h.ask(t, srv.URL, tt.method, tt.path, tt.edit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMiddlewareKeepsOrMakesTheRequestID(t *testing.T) {
	h := setup(t, contract.WithAuthenticator(knownToken))
	// The handler reports the ID it was given in a header of its own.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler-Saw", contract.RequestID(r.Context()))
		w.WriteHeader(http.StatusOK)
	})
	mw := contract.Middleware(h.v)(handler)
	outer := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(h.spec.requestID, "outer-1")
		mw.ServeHTTP(w, r)
	}))
	bare := serve(t, mw)
	tests := []struct {
		name      string
		srv       string
		edit      gen.RequestEditorFn
		wantID    string // "" means generated
		wantSaw   bool
		wantState int
	}{
		{"outer layer's ID, accepted", outer.URL, token, "outer-1", true, 200},
		{"outer layer's ID, refused", outer.URL, nil, "outer-1", false, 401},
		{"generated, accepted", bare.URL, token, "", true, 200},
		{"generated, refused", bare.URL, nil, "", false, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := map[string]bool{}
			for range 2 {
				a, resp := h.ask(t, tt.srv, http.MethodPost, h.validPath(), tt.edit)
				if a.Status != tt.wantState || a.RequestID != 1 || len(a.Broken) > 0 {
					t.Fatalf("answer %+v, want status %d, one request ID, no violation", a, tt.wantState)
				}
				id := resp.Header.Get(h.spec.requestID)
				ids[id] = true
				if tt.wantID != "" && id != tt.wantID {
					t.Errorf("request ID %q, want %q", id, tt.wantID)
				}
				if saw := resp.Header.Get("X-Handler-Saw"); tt.wantSaw && saw != id {
					t.Errorf("the handler saw request ID %q, the client got %q", saw, id)
				}
			}
			if tt.wantID == "" && len(ids) != 2 {
				t.Errorf("two requests got the request IDs %v, want two different ones", ids)
			}
		})
	}
}

func TestWithStrictResponsesTurnsOffContractAnswersInto502(t *testing.T) {
	h := setup(t, contract.WithAuthenticator(knownToken))
	answering := func(a canned) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, vs := range a.header {
				w.Header()[k] = vs
			}
			w.WriteHeader(a.status)
			io.WriteString(w, a.body)
		})
	}
	badGateway := middlewareAnswer{Status: 502, Code: h.spec.statusCode(t, 502), RequestID: 1}
	tests := []struct {
		name    string
		answer  canned
		strict  bool
		want    middlewareAnswer
		wantLen int // violations of the answer the client sees
	}{
		{"conforming, strict", canned{status: 200}, true, middlewareAnswer{Status: 200, RequestID: 1}, 0},
		{"undeclared 418, strict", errorAnswer(http.StatusTeapot, "X.1"), true, badGateway, 0},
		{"200 with a body, strict", canned{status: 200, body: "{}"}, true, badGateway, 0},
		{"HTML 400, strict", canned{status: 400, header: http.Header{"Content-Type": {"text/html"}}, body: "<p>no</p>"}, true, badGateway, 0},
		{"undeclared 418, lenient", errorAnswer(http.StatusTeapot, "X.1"), false, middlewareAnswer{Status: 418, Code: "X.1", RequestID: 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []contract.MiddlewareOption
			if tt.strict {
				opts = append(opts, contract.WithStrictResponses())
			}
			srv := serve(t, contract.Middleware(h.v, opts...)(answering(tt.answer)))
			got, _ := h.ask(t, srv.URL, http.MethodPost, h.validPath(), token)
			if len(got.Broken) != tt.wantLen {
				t.Errorf("the answer's violations: %q, want %d", got.Broken, tt.wantLen)
			}
			got.Broken = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithViolationHandlerGetsARecord(t *testing.T) {
	h := setup(t, contract.WithAuthenticator(knownToken))
	type summary struct {
		Method, Path string
		Status       int
		Kinds        []string
		SameID       bool // the record's request ID is the answer's
	}
	tests := []struct {
		name   string
		status int // the handler's answer
		edit   gen.RequestEditorFn
		want   []summary
	}{
		{"conforming", 200, token, nil},
		{"refused request", 200, nil, []summary{{http.MethodPost, h.validPath(), 401, []string{"auth"}, true}}},
		{"off-contract answer", http.StatusTeapot, token, []summary{{http.MethodPost, h.validPath(), 418, []string{"status"}, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &contract.Recorder{}
			handler, done := finished(contract.Middleware(h.v, contract.WithViolationHandler(rec.Add))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
			})))
			srv := serve(t, handler)
			resp, _ := do(t, srv.Client(), request(t, http.MethodPost, srv.URL+h.validPath(), tt.edit))
			<-done
			var got []summary
			for _, r := range rec.Records() {
				got = append(got, summary{r.Method, r.Path, r.Status, kindNames(r.Violations), r.RequestID == resp.Header.Get(h.spec.requestID)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

// mutatedSpec writes a copy of openapi.yaml changed by mutate to a temp
// file, as JSON, and returns its path.
func mutatedSpec(t testing.TB, mutate func(doc *openapi3.T)) string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	mutate(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSpecDrillsNeedNoGoChange(t *testing.T) {
	h := setup(t, contract.WithAuthenticator(knownToken))
	embedded := serve(t, contract.Middleware(h.v)(gen.Handler(stopped{})))
	taskID := func(doc *openapi3.T) *openapi3.Parameter { return doc.Components.Parameters["TaskId"].Value }
	// Far past the maximum: the mutated copy is written from kin-openapi's
	// float64 bounds, which round a maximum past 2^53.
	beyond := strconv.FormatInt(2*h.spec.taskIDMax+1, 10)
	tests := []struct {
		name         string
		mutate       func(doc *openapi3.T)
		task         string
		wantEmbedded middlewareAnswer
		wantMutated  middlewareAnswer
	}{
		{"task_id maximum widened", func(doc *openapi3.T) {
			max := *taskID(doc).Schema.Value.Max * 10
			taskID(doc).Schema.Value.Max = &max
		}, beyond, middlewareAnswer{Status: 400, Code: h.spec.taskIDCode, RequestID: 1}, middlewareAnswer{Status: 200, RequestID: 1}},
		{"task_id error code changed", func(doc *openapi3.T) {
			taskID(doc).Extensions["x-oms-error-code"] = "OMS.9999"
		}, beyond, middlewareAnswer{Status: 400, Code: h.spec.taskIDCode, RequestID: 1}, middlewareAnswer{Status: 400, Code: "OMS.9999", RequestID: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := contract.New(contract.WithSpecFile(mutatedSpec(t, tt.mutate)), contract.WithServer("/"), contract.WithAuthenticator(knownToken))
			if err != nil {
				t.Fatal(err)
			}
			mutated := serve(t, contract.Middleware(v)(gen.Handler(stopped{})))
			path := h.path(mock.DefaultProjectID, tt.task)
			if got, _ := h.ask(t, embedded.URL, http.MethodPost, path, token); !cmp.Equal(tt.wantEmbedded, got) {
				t.Errorf("the embedded spec's middleware (-want +got):\n%s", cmp.Diff(tt.wantEmbedded, got))
			}
			// The answer is judged by the mutated spec, which documents it.
			got, _ := h.askJudgedBy(t, v, mutated.URL, http.MethodPost, path, token)
			if diff := cmp.Diff(tt.wantMutated, got); diff != "" {
				t.Errorf("the mutated spec's middleware (-want +got):\n%s", diff)
			}
		})
	}
}
