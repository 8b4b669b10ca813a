package gen_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
)

// wireRequest is what arrived on the loopback socket, before any routing.
type wireRequest struct {
	Method        string
	RequestURI    string
	EscapedPath   string
	ContentLength int64
	Body          string
}

// recordingOMS is a StrictServerInterface that records every call and
// every request on the wire and answers with whatever the test asks for.
type recordingOMS struct {
	mu      sync.Mutex
	wire    []wireRequest
	calls   []gen.StopTaskRequestObject
	respond func(gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error)
}

// StopTask records the call and answers 200 unless told otherwise.
func (o *recordingOMS) StopTask(_ context.Context, req gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, req)
	if o.respond != nil {
		return o.respond(req)
	}
	return gen.StopTask200Response{Headers: gen.StopTask200ResponseHeaders{XRequestId: "req-ok"}}, nil
}

func (o *recordingOMS) recordWire(r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	o.mu.Lock()
	defer o.mu.Unlock()
	o.wire = append(o.wire, wireRequest{
		Method:        r.Method,
		RequestURI:    r.RequestURI,
		EscapedPath:   r.URL.EscapedPath(),
		ContentLength: r.ContentLength,
		Body:          string(body),
	})
}

func (o *recordingOMS) setRespond(f func(gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.respond = f
}

// takeCalls returns and forgets the recorded handler calls.
func (o *recordingOMS) takeCalls() []gen.StopTaskRequestObject {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.calls
	o.calls = nil
	return c
}

// takeWire returns and forgets the recorded wire requests.
func (o *recordingOMS) takeWire() []wireRequest {
	o.mu.Lock()
	defer o.mu.Unlock()
	w := o.wire
	o.wire = nil
	return w
}

// setup starts the generated std-http server, wrapping the generated strict
// handler around a recordingOMS, on a loopback httptest.Server, and returns
// a generated client for it, the mux (tests may add more specific routes to
// simulate what sits in front of OMS), the server URL and the recorder.
func setup(t *testing.T) (client *gen.ClientWithResponses, mux *http.ServeMux, serverURL string, oms *recordingOMS) {
	t.Helper()
	oms = &recordingOMS{}
	mux = http.NewServeMux()
	strict := gen.NewStrictHandlerWithOptions(oms, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  gen.ParamErrorHandler,
		ResponseErrorHandlerFunc: gen.ResponseErrorHandler,
	})
	gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{BaseRouter: mux, ErrorHandlerFunc: gen.ParamErrorHandler})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oms.recordWire(r)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatalf("NewClientWithResponses: %v", err)
	}
	return client, mux, srv.URL, oms
}

// rawClient is the generated plain client of the same server.
func rawClient(t *testing.T, serverURL string) *gen.Client {
	t.Helper()
	c, err := gen.NewClient(serverURL)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// noRedirects is an HTTP client that reports redirects instead of following
// them, so that a test sees what the server really answered.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestStopTaskSendsExactlyThePostWithNoBody(t *testing.T) {
	client, _, _, oms := setup(t)
	const project, task = "2c0689c860ad4728a497c91ec0844383", int64(191297407830872)

	resp, err := client.StopTaskWithResponse(context.Background(), project, task)
	if err != nil {
		t.Fatalf("StopTaskWithResponse: %v", err)
	}
	if err := gen.CheckStopTaskResponse(resp); err != nil {
		t.Errorf("CheckStopTaskResponse = %v, want nil for 200", err)
	}
	if resp.Headers200 == nil || resp.Headers200.XRequestId != "req-ok" {
		t.Errorf("Headers200 = %+v, want X-Request-Id req-ok", resp.Headers200)
	}

	wantWire := []wireRequest{{
		Method:      http.MethodPost,
		RequestURI:  "/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop",
		EscapedPath: "/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop",
	}}
	if diff := cmp.Diff(wantWire, oms.takeWire()); diff != "" {
		t.Errorf("request on the wire (-want +got):\n%s", diff)
	}
	wantCalls := []gen.StopTaskRequestObject{{ProjectId: project, TaskId: task}}
	if diff := cmp.Diff(wantCalls, oms.takeCalls()); diff != "" {
		t.Errorf("handler calls (-want +got):\n%s", diff)
	}
}

func TestProjectIDIsEscapedOnTheWireAndRoundTrips(t *testing.T) {
	client, _, _, oms := setup(t)
	tests := []struct {
		name        string
		projectID   string
		wantOnWire  string
		wantRawPath bool
	}{
		{name: "hex", projectID: "2c0689c860ad4728a497c91ec0844383", wantOnWire: "/v2/2c0689c860ad4728a497c91ec0844383/tasks/1/stop"},
		{name: "slash", projectID: "a/b", wantOnWire: "/v2/a%2Fb/tasks/1/stop"},
		{name: "percent", projectID: "100%", wantOnWire: "/v2/100%25/tasks/1/stop"},
		{name: "space", projectID: "with space", wantOnWire: "/v2/with%20space/tasks/1/stop"},
		{name: "non-ascii", projectID: "ünï", wantOnWire: "/v2/%C3%BCn%C3%AF/tasks/1/stop"},
		{name: "query and fragment", projectID: "?#", wantOnWire: "/v2/%3F%23/tasks/1/stop"},
		{name: "already escaped", projectID: "%2F", wantOnWire: "/v2/%252F/tasks/1/stop"},
		{name: "semicolon and comma", projectID: "a;b,c", wantOnWire: "/v2/a%3Bb%2Cc/tasks/1/stop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client.StopTaskWithResponse(context.Background(), tc.projectID, 1)
			if err != nil {
				t.Fatalf("StopTaskWithResponse: %v", err)
			}
			if err := gen.CheckStopTaskResponse(resp); err != nil {
				t.Fatalf("CheckStopTaskResponse = %v, want nil", err)
			}
			wire := oms.takeWire()
			if len(wire) != 1 {
				t.Fatalf("got %d requests on the wire, want 1", len(wire))
			}
			if diff := cmp.Diff(tc.wantOnWire, wire[0].EscapedPath); diff != "" {
				t.Errorf("escaped path on the wire (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOnWire, wire[0].RequestURI); diff != "" {
				t.Errorf("request URI on the wire (-want +got):\n%s", diff)
			}
			want := []gen.StopTaskRequestObject{{ProjectId: tc.projectID, TaskId: 1}}
			if diff := cmp.Diff(want, oms.takeCalls()); diff != "" {
				t.Errorf("handler calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGeneratedClientResolvesDotSegmentProjectIDs documents a hazard of the
// generated client rather than a wish: url.PathEscape leaves "." alone and
// the client resolves the path against the server URL, so a project ID of
// "." or ".." silently changes the path. Callers must check project IDs
// (32 hex characters in practice) before calling. If this test fails, the
// generator has started escaping dot segments: delete the test.
func TestGeneratedClientResolvesDotSegmentProjectIDs(t *testing.T) {
	client, _, _, oms := setup(t)
	tests := []struct {
		projectID, wantOnWire string
	}{
		{projectID: ".", wantOnWire: "/v2/tasks/1/stop"},
		{projectID: "..", wantOnWire: "/tasks/1/stop"},
	}
	for _, tc := range tests {
		t.Run(tc.projectID, func(t *testing.T) {
			resp, err := client.StopTaskWithResponse(context.Background(), tc.projectID, 1)
			if err != nil {
				t.Fatalf("StopTaskWithResponse: %v", err)
			}
			var got []string
			for _, w := range oms.takeWire() {
				got = append(got, w.EscapedPath)
			}
			if diff := cmp.Diff([]string{tc.wantOnWire}, got); diff != "" {
				t.Errorf("paths on the wire (-want +got):\n%s", diff)
			}
			if calls := oms.takeCalls(); len(calls) != 0 {
				t.Errorf("handler calls = %+v, want none", calls)
			}
			if resp.StatusCode() != http.StatusNotFound {
				t.Errorf("status = %d, want 404 from the mux", resp.StatusCode())
			}
		})
	}
}

// TestTaskIDsReachTheHandler checks that every int64 task ID travels
// through the generated client and server unchanged. The generated server
// binds task_id as an int64 and nothing more: it does not enforce the
// contract's minimum (0) and maximum (999999999999999), so -1 and 10^15
// reach the handler too. Enforcing the range is the request validator's
// job (the contract package), not the generated server's; this test keeps
// that division of labour visible instead of pretending otherwise.
func TestTaskIDsReachTheHandler(t *testing.T) {
	client, _, _, oms := setup(t)
	tests := []struct {
		name   string
		taskID int64
		wire   string
	}{
		{name: "minimum", taskID: 0, wire: "/v2/p/tasks/0/stop"},
		{name: "maximum", taskID: 999999999999999, wire: "/v2/p/tasks/999999999999999/stop"},
		{name: "below minimum, the validator's job", taskID: -1, wire: "/v2/p/tasks/-1/stop"},
		{name: "above maximum, the validator's job", taskID: 1_000_000_000_000_000, wire: "/v2/p/tasks/1000000000000000/stop"},
		{name: "max int64", taskID: math.MaxInt64, wire: "/v2/p/tasks/9223372036854775807/stop"},
		{name: "min int64", taskID: math.MinInt64, wire: "/v2/p/tasks/-9223372036854775808/stop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client.StopTaskWithResponse(context.Background(), "p", tc.taskID)
			if err != nil {
				t.Fatalf("StopTaskWithResponse: %v", err)
			}
			if err := gen.CheckStopTaskResponse(resp); err != nil {
				t.Fatalf("CheckStopTaskResponse = %v, want nil", err)
			}
			wire := oms.takeWire()
			if len(wire) != 1 || wire[0].EscapedPath != tc.wire {
				t.Errorf("wire = %+v, want one request to %s", wire, tc.wire)
			}
			want := []gen.StopTaskRequestObject{{ProjectId: "p", TaskId: tc.taskID}}
			if diff := cmp.Diff(want, oms.takeCalls()); diff != "" {
				t.Errorf("handler calls (-want +got):\n%s", diff)
			}
		})
	}
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// errorSchema is the contract's Error schema, from the embedded spec.
func errorSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatalf("GetSpec: %v", err)
	}
	ref := doc.Components.Schemas["Error"]
	if ref == nil || ref.Value == nil {
		t.Fatal("the spec has no Error schema")
	}
	return ref.Value
}

// checkContractError fails unless resp is an error answer in the contract's
// shape: the given status, application/json, a 32-hex X-Request-Id, and a
// body valid against the Error schema with no other members. It returns the
// decoded body.
func checkContractError(t *testing.T, resp *http.Response, status int, schema *openapi3.Schema) gen.Error {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (body %q)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if id := resp.Header.Get("X-Request-Id"); !requestIDPattern.MatchString(id) {
		t.Errorf("X-Request-Id = %q, want 32 lower-case hex characters", id)
	}
	var generic any
	if err := json.Unmarshal(body, &generic); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if err := schema.VisitJSON(generic); err != nil {
		t.Errorf("body %q does not match the Error schema: %v", body, err)
	}
	var e gen.Error
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("body %q has members beyond error_code and error_msg: %v", body, err)
	}
	return e
}

func post(t *testing.T, client *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := client.Post(url, "application/json", nil)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// TestParamErrorsAreJSONNotTextPlain guards the fix for the generated
// servers answering an unbindable parameter with http.Error, i.e.
// text/plain without a request ID, which breaks the contract.
func TestParamErrorsAreJSONNotTextPlain(t *testing.T) {
	_, _, serverURL, oms := setup(t)
	schema := errorSchema(t)
	wantBody := gen.Error{ErrorCode: gen.CodeInvalidTaskID, ErrorMsg: "Invalid task ID: path parameter task_id must be an integer (int64)."}

	for _, raw := range []string{
		"abc",
		"1.5",
		"9223372036854775808",  // max int64 + 1
		"-9223372036854775809", // min int64 - 1
		"1e3",
		"0x10",
		"%20",       // a space
		"%EF%BC%91", // a full-width digit one
		"1%2F2",     // an escaped slash
		"191297407830872abc",
	} {
		t.Run(raw, func(t *testing.T) {
			resp := post(t, noRedirects, serverURL+"/v2/p/tasks/"+raw+"/stop")
			got := checkContractError(t, resp, http.StatusBadRequest, schema)
			if diff := cmp.Diff(wantBody, got); diff != "" {
				t.Errorf("error body (-want +got):\n%s", diff)
			}
			if calls := oms.takeCalls(); len(calls) != 0 {
				t.Errorf("handler was called with %+v, want no call", calls)
			}
		})
	}

	// An empty task_id never reaches the generated code when the standard
	// ServeMux routes: it redirects the unclean path "//" first. Check
	// that, then drive the generated wrapper directly with an empty path
	// value, as a router that matches empty segments would.
	t.Run("empty", func(t *testing.T) {
		resp := post(t, noRedirects, serverURL+"/v2/p/tasks//stop")
		if resp.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("ServeMux answered %d to an empty segment, want 307", resp.StatusCode)
		}
		wrapper := &gen.ServerInterfaceWrapper{
			Handler:          gen.NewStrictHandler(oms, nil),
			ErrorHandlerFunc: gen.ParamErrorHandler,
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.SetPathValue("project_id", "p")
			r.SetPathValue("task_id", "")
			wrapper.StopTask(w, r)
		}))
		t.Cleanup(srv.Close)
		got := checkContractError(t, post(t, srv.Client(), srv.URL), http.StatusBadRequest, schema)
		if diff := cmp.Diff(wantBody, got); diff != "" {
			t.Errorf("error body (-want +got):\n%s", diff)
		}
		if calls := oms.takeCalls(); len(calls) != 0 {
			t.Errorf("handler was called with %+v, want no call", calls)
		}
	})

	// Without ParamErrorHandler the generated server answers text/plain;
	// this is what the handler is for, and what this test would catch.
	t.Run("generated default is text/plain", func(t *testing.T) {
		srv := httptest.NewServer(gen.Handler(gen.NewStrictHandler(&recordingOMS{}, nil)))
		t.Cleanup(srv.Close)
		resp := post(t, srv.Client(), srv.URL+"/v2/p/tasks/abc/stop")
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 400 || !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("generated default answered %d %q; if it now answers JSON, ParamErrorHandler may be redundant", resp.StatusCode, ct)
		}
	})
}

func TestParamErrorHandlerNamesTheParameter(t *testing.T) {
	schema := errorSchema(t)
	parse := errors.New(`strconv.ParseInt: parsing "abc<script>": invalid syntax`)
	tests := []struct {
		name string
		err  error
		want gen.Error
	}{
		{
			name: "bad task_id",
			err:  &gen.InvalidParamFormatError{ParamName: "task_id", Err: parse},
			want: gen.Error{ErrorCode: gen.CodeInvalidTaskID, ErrorMsg: "Invalid task ID: path parameter task_id must be an integer (int64)."},
		},
		{
			name: "wrapped bad task_id",
			err:  fmt.Errorf("binding: %w", &gen.InvalidParamFormatError{ParamName: "task_id", Err: parse}),
			want: gen.Error{ErrorCode: gen.CodeInvalidTaskID, ErrorMsg: "Invalid task ID: path parameter task_id must be an integer (int64)."},
		},
		{
			name: "bad project_id",
			err:  &gen.InvalidParamFormatError{ParamName: "project_id", Err: parse},
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters: parameter project_id is invalid."},
		},
		{
			name: "required query parameter",
			err:  &gen.RequiredParamError{ParamName: "limit"},
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters: parameter limit is invalid."},
		},
		{
			name: "required header",
			err:  &gen.RequiredHeaderError{ParamName: "X-Auth-Token", Err: parse},
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters: parameter X-Auth-Token is invalid."},
		},
		{
			name: "unmarshaling",
			err:  &gen.UnmarshalingParamError{ParamName: "filter", Err: parse},
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters: parameter filter is invalid."},
		},
		{
			name: "too many values",
			err:  &gen.TooManyValuesForParamError{ParamName: "offset", Count: 2},
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters: parameter offset is invalid."},
		},
		{
			name: "cookie",
			err:  &gen.UnescapedCookieParamError{ParamName: "session", Err: parse},
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters: parameter session is invalid."},
		},
		{
			name: "unknown error",
			err:  errors.New("decoding body: secret=hunter2"),
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters."},
		},
		{
			name: "nil error",
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters."},
		},
		{
			name: "typed nil",
			err:  (*gen.InvalidParamFormatError)(nil),
			want: gen.Error{ErrorCode: gen.CodeInvalidParameters, ErrorMsg: "Invalid request parameters."},
		},
	}
	var current error
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		err := current
		mu.Unlock()
		gen.ParamErrorHandler(w, r, err)
	}))
	t.Cleanup(srv.Close)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			current = tc.err
			mu.Unlock()
			got := checkContractError(t, post(t, srv.Client(), srv.URL), http.StatusBadRequest, schema)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("error body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorHandlersReuseARequestIDAlreadySet(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	for name, h := range map[string]func(http.ResponseWriter, *http.Request, error){
		"ParamErrorHandler":    gen.ParamErrorHandler,
		"ResponseErrorHandler": gen.ResponseErrorHandler,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", id) // as a request-ID middleware would
				h(w, r, errors.New("x"))
			}))
			t.Cleanup(srv.Close)
			resp := post(t, srv.Client(), srv.URL)
			if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != id {
				t.Errorf("X-Request-Id = %q, want exactly [%s]", got, id)
			}
		})
	}
}

func TestResponseErrorHandlerHidesTheError(t *testing.T) {
	client, _, serverURL, oms := setup(t)
	const secret = "password=hunter2"
	oms.setRespond(func(gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
		return nil, errors.New("database said " + secret)
	})
	resp := post(t, noRedirects, serverURL+"/v2/p/tasks/7/stop")
	got := checkContractError(t, resp, http.StatusInternalServerError, errorSchema(t))
	if diff := cmp.Diff(gen.Error{ErrorCode: gen.CodeSystemError, ErrorMsg: "System error."}, got); diff != "" {
		t.Errorf("error body (-want +got):\n%s", diff)
	}

	// And the generated client sees it as an *APIError too.
	r, err := client.StopTaskWithResponse(context.Background(), "p", 7)
	if err != nil {
		t.Fatalf("StopTaskWithResponse: %v", err)
	}
	apiErr := gen.CheckStopTaskResponse(r)
	if apiErr == nil || strings.Contains(apiErr.Error(), secret) {
		t.Errorf("CheckStopTaskResponse = %v, want a 500 APIError without the secret", apiErr)
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		requestID  string
		wantStatus int
	}{
		{name: "given request id", status: 404, requestID: "abc", wantStatus: 404},
		{name: "generated request id", status: 503, wantStatus: 503},
		{name: "status 0 becomes 500", status: 0, wantStatus: 500},
		{name: "status 1000 becomes 500", status: 1000, wantStatus: 500},
		{name: "negative status becomes 500", status: -1, wantStatus: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gen.WriteError(w, tc.status, "OMS.0001", "msg \"quoted\" <b>", tc.requestID)
			}))
			t.Cleanup(srv.Close)
			resp := post(t, srv.Client(), srv.URL)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			id := resp.Header.Get("X-Request-Id")
			if tc.requestID != "" && id != tc.requestID {
				t.Errorf("X-Request-Id = %q, want %q", id, tc.requestID)
			}
			if tc.requestID == "" && !requestIDPattern.MatchString(id) {
				t.Errorf("X-Request-Id = %q, want a generated 32-hex ID", id)
			}
			var got gen.Error
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if diff := cmp.Diff(gen.Error{ErrorCode: "OMS.0001", ErrorMsg: "msg \"quoted\" <b>"}, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewRequestID(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id := gen.NewRequestID()
		if !requestIDPattern.MatchString(id) {
			t.Fatalf("NewRequestID() = %q, want 32 lower-case hex characters", id)
		}
		if seen[id] {
			t.Fatalf("NewRequestID() repeated %q", id)
		}
		seen[id] = true
	}
}

// TestErrorAnswersReachTheCallerAsAPIError drives every documented error
// answer through the generated strict server and both generated clients.
func TestErrorAnswersReachTheCallerAsAPIError(t *testing.T) {
	client, _, serverURL, oms := setup(t)
	raw := rawClient(t, serverURL)
	errBody := func(code, msg string) gen.Error { return gen.Error{ErrorCode: code, ErrorMsg: msg} }
	tests := []struct {
		name      string
		answer    gen.StopTaskResponseObject
		want      *gen.APIError
		predicate func(error) bool
	}{
		{
			name:      "400 not found",
			answer:    gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{Body: errBody(gen.CodeTaskNotFound, "The resource does not exist."), Headers: gen.BadRequestResponseHeaders{XRequestId: "r400a"}}},
			want:      &gen.APIError{StatusCode: 400, Code: gen.CodeTaskNotFound, Message: "The resource does not exist.", RequestID: "r400a"},
			predicate: gen.IsNotFound,
		},
		{
			name:      "400 not migrating",
			answer:    gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{Body: errBody(gen.CodeNotMigrating, "not migrating"), Headers: gen.BadRequestResponseHeaders{XRequestId: "r400b"}}},
			want:      &gen.APIError{StatusCode: 400, Code: gen.CodeNotMigrating, Message: "not migrating", RequestID: "r400b"},
			predicate: gen.IsNotMigrating,
		},
		{
			name:      "400 already finished",
			answer:    gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{Body: errBody(gen.CodeAlreadyFinished, "finished"), Headers: gen.BadRequestResponseHeaders{XRequestId: "r400c"}}},
			want:      &gen.APIError{StatusCode: 400, Code: gen.CodeAlreadyFinished, Message: "finished", RequestID: "r400c"},
			predicate: gen.IsAlreadyFinished,
		},
		{
			name:      "401",
			answer:    gen.StopTask401JSONResponse{UnauthorizedJSONResponse: gen.UnauthorizedJSONResponse{Body: errBody(gen.CodeGatewayAuthFailed, "Incorrect IAM authentication information."), Headers: gen.UnauthorizedResponseHeaders{XRequestId: "r401"}}},
			want:      &gen.APIError{StatusCode: 401, Code: gen.CodeGatewayAuthFailed, Message: "Incorrect IAM authentication information.", RequestID: "r401"},
			predicate: gen.IsUnauthorized,
		},
		{
			name:      "404",
			answer:    gen.StopTask404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse{Body: errBody("APIGW.0101", "no such API"), Headers: gen.NotFoundResponseHeaders{XRequestId: "r404"}}},
			want:      &gen.APIError{StatusCode: 404, Code: "APIGW.0101", Message: "no such API", RequestID: "r404"},
			predicate: gen.IsNotFound,
		},
		{
			name:      "429",
			answer:    gen.StopTask429JSONResponse{TooManyRequestsJSONResponse: gen.TooManyRequestsJSONResponse{Body: errBody(gen.CodeGatewayThrottled, "throttled"), Headers: gen.TooManyRequestsResponseHeaders{XRequestId: "r429"}}},
			want:      &gen.APIError{StatusCode: 429, Code: gen.CodeGatewayThrottled, Message: "throttled", RequestID: "r429"},
			predicate: gen.IsRetryable,
		},
		{
			name:      "503",
			answer:    gen.StopTask503JSONResponse{ServiceUnavailableJSONResponse: gen.ServiceUnavailableJSONResponse{Body: errBody(gen.CodeSystemError, "later"), Headers: gen.ServiceUnavailableResponseHeaders{XRequestId: "r503"}}},
			want:      &gen.APIError{StatusCode: 503, Code: gen.CodeSystemError, Message: "later", RequestID: "r503"},
			predicate: gen.IsRetryable,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oms.setRespond(func(gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) { return tc.answer, nil })

			// ClientWithResponses: no error from the call itself...
			resp, err := client.StopTaskWithResponse(context.Background(), "p", 1)
			if err != nil {
				t.Fatalf("StopTaskWithResponse: %v", err)
			}
			// ...so the caller needs CheckStopTaskResponse.
			got, ok := errors.AsType[*gen.APIError](gen.CheckStopTaskResponse(resp))
			if !ok {
				t.Fatal("CheckStopTaskResponse returned no *APIError")
			}
			want := *tc.want
			want.Body = resp.Body
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("CheckStopTaskResponse (-want +got):\n%s", diff)
			}
			if !tc.predicate(fmt.Errorf("stop: %w", got)) {
				t.Errorf("predicate is false for %v", got)
			}

			// Plain Client and CheckResponse agree.
			httpResp, err := raw.StopTask(context.Background(), "p", 1)
			if err != nil {
				t.Fatalf("StopTask: %v", err)
			}
			defer httpResp.Body.Close()
			got2, ok := errors.AsType[*gen.APIError](gen.CheckResponse(httpResp))
			if !ok {
				t.Fatal("CheckResponse returned no *APIError")
			}
			if diff := cmp.Diff(got, got2); diff != "" {
				t.Errorf("CheckResponse disagrees with CheckStopTaskResponse (-stop +check):\n%s", diff)
			}
		})
	}
}

// TestOffSpecAnswers covers answers from something in front of OMS that
// the contract does not describe, simulated by routes more specific than
// the generated one.
func TestOffSpecAnswers(t *testing.T) {
	client, mux, serverURL, _ := setup(t)
	raw := rawClient(t, serverURL)
	huge := bytes.Repeat([]byte("y"), 2<<20)
	mux.HandleFunc("POST /v2/gateway/tasks/{task_id}/stop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Request-Id", "gw-1")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, gatewayHTML)
	})
	mux.HandleFunc("POST /v2/huge/tasks/{task_id}/stop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(huge)
	})
	mux.HandleFunc("POST /v2/badjson/tasks/{task_id}/stop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "<html>not json</html>")
	})

	t.Run("html 502 is no error for the generated client", func(t *testing.T) {
		resp, err := client.StopTaskWithResponse(context.Background(), "gateway", 1)
		if err != nil {
			t.Fatalf("StopTaskWithResponse: %v", err)
		}
		got, ok := errors.AsType[*gen.APIError](gen.CheckStopTaskResponse(resp))
		if !ok {
			t.Fatal("CheckStopTaskResponse returned no *APIError")
		}
		want := &gen.APIError{StatusCode: 502, RequestID: "gw-1", Body: []byte(gatewayHTML),
			Message: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>nginx</center> </body> </html>"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CheckStopTaskResponse (-want +got):\n%s", diff)
		}
	})

	t.Run("2 MiB body is cut", func(t *testing.T) {
		resp, err := client.StopTaskWithResponse(context.Background(), "huge", 1)
		if err != nil {
			t.Fatalf("StopTaskWithResponse: %v", err)
		}
		got, ok := errors.AsType[*gen.APIError](gen.CheckStopTaskResponse(resp))
		if !ok {
			t.Fatal("CheckStopTaskResponse returned no *APIError")
		}
		want := &gen.APIError{StatusCode: 500, Message: string(huge[:512]), Body: huge[:gen.MaxErrorBodyBytes], BodyTruncated: true}
		if diff := cmp.Diff(want, got, bodyDigest); diff != "" {
			t.Errorf("CheckStopTaskResponse (-want +got):\n%s", diff)
		}
	})

	// A documented status with a JSON content type and a body that is not
	// JSON makes StopTaskWithResponse itself fail with a JSON syntax error
	// and no response. The plain client with CheckResponse still yields an
	// *APIError, which is why both exist.
	t.Run("malformed json error body", func(t *testing.T) {
		resp, err := client.StopTaskWithResponse(context.Background(), "badjson", 1)
		if _, isSyntax := errors.AsType[*json.SyntaxError](err); !isSyntax || resp != nil {
			t.Errorf("StopTaskWithResponse = %v, %v; want nil and a *json.SyntaxError", resp, err)
		}
		httpResp, err := raw.StopTask(context.Background(), "badjson", 1)
		if err != nil {
			t.Fatalf("StopTask: %v", err)
		}
		defer httpResp.Body.Close()
		got, ok := errors.AsType[*gen.APIError](gen.CheckResponse(httpResp))
		if !ok {
			t.Fatal("CheckResponse returned no *APIError")
		}
		want := &gen.APIError{StatusCode: 400, Message: "<html>not json</html>", Body: []byte("<html>not json</html>")}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CheckResponse (-want +got):\n%s", diff)
		}
	})
}

func TestRegionEndpoint(t *testing.T) {
	valid := map[string]string{
		"cn-north-4":       "https://oms.cn-north-4.myhuaweicloud.com",
		"ap-southeast-1":   "https://oms.ap-southeast-1.myhuaweicloud.com",
		"my-kualalumpur-1": "https://oms.my-kualalumpur-1.myhuaweicloud.com",
		"eu-west-101":      "https://oms.eu-west-101.myhuaweicloud.com",
	}
	for region, want := range valid {
		t.Run(region, func(t *testing.T) {
			got, err := gen.RegionEndpoint(region)
			if err != nil {
				t.Fatalf("RegionEndpoint(%q): %v", region, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("RegionEndpoint(%q) (-want +got):\n%s", region, diff)
			}
		})
	}
	for _, region := range []string{
		"", "cn", "CN-NORTH-4", "cn-north-4.evil.example", "cn-north-4/", "evil.example#",
		" cn-north-4", "cn-north-4\n", "cn--north-4", "-cn-north-4", "cn-north-", "4cn-north",
		"cn_north_4", "cn-north-4:443", "user@cn-north-4", strings.Repeat("a-", 32) + "1",
	} {
		t.Run("reject "+region, func(t *testing.T) {
			got, err := gen.RegionEndpoint(region)
			if !errors.Is(err, gen.ErrInvalidRegion) || got != "" {
				t.Errorf("RegionEndpoint(%q) = %q, %v; want \"\" and ErrInvalidRegion", region, got, err)
			}
			if _, err := gen.NewRegionClient(region); !errors.Is(err, gen.ErrInvalidRegion) {
				t.Errorf("NewRegionClient(%q) error = %v, want ErrInvalidRegion", region, err)
			}
		})
	}
}

func TestNewHTTPClientHasTimeouts(t *testing.T) {
	c := gen.NewHTTPClient()
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("Transport is %T, want *http.Transport", c.Transport)
	}
	for name, d := range map[string]int64{
		"Client.Timeout":        int64(c.Timeout),
		"TLSHandshakeTimeout":   int64(tr.TLSHandshakeTimeout),
		"ResponseHeaderTimeout": int64(tr.ResponseHeaderTimeout),
		"IdleConnTimeout":       int64(tr.IdleConnTimeout),
	} {
		if d <= 0 {
			t.Errorf("%s is %d, want a bound", name, d)
		}
	}
	if tr.Proxy == nil {
		t.Error("Proxy is nil, want the proxy environment honoured")
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
		t.Error("TLS minimum version is below 1.2")
	}
}

// TestNewRegionClient talks HTTPS to the region's host name, with the
// dialer pointed at a loopback TLS server, to check the endpoint the
// client really uses and that WithHTTPClient replaces the default client.
func TestNewRegionClient(t *testing.T) {
	type seen struct{ Host, Path string }
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{Host: r.Host, Path: r.URL.EscapedPath()})
		mu.Unlock()
		w.Header().Set("X-Request-Id", "region-ok")
	}))
	t.Cleanup(srv.Close)

	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	tr.TLSClientConfig.ServerName = "example.com" // the httptest certificate's name

	client, err := gen.NewRegionClient("ap-southeast-1", gen.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatalf("NewRegionClient: %v", err)
	}
	resp, err := client.StopTaskWithResponse(context.Background(), "2c0689c860ad4728a497c91ec0844383", 42)
	if err != nil {
		t.Fatalf("StopTaskWithResponse: %v", err)
	}
	if err := gen.CheckStopTaskResponse(resp); err != nil {
		t.Fatalf("CheckStopTaskResponse: %v", err)
	}
	want := []seen{{Host: "oms.ap-southeast-1.myhuaweicloud.com", Path: "/v2/2c0689c860ad4728a497c91ec0844383/tasks/42/stop"}}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestNewRegionClientUsesNewHTTPClientByDefault(t *testing.T) {
	client, err := gen.NewRegionClient("cn-north-4")
	if err != nil {
		t.Fatalf("NewRegionClient: %v", err)
	}
	c, ok := client.ClientInterface.(*gen.Client)
	if !ok {
		t.Fatalf("ClientInterface is %T, want *gen.Client", client.ClientInterface)
	}
	if diff := cmp.Diff("https://oms.cn-north-4.myhuaweicloud.com/", c.Server); diff != "" {
		t.Errorf("Server (-want +got):\n%s", diff)
	}
	hc, ok := c.Client.(*http.Client)
	if !ok || hc == http.DefaultClient || hc.Timeout == 0 {
		t.Errorf("HTTP client = %#v, want NewHTTPClient's, with a timeout", c.Client)
	}
}
