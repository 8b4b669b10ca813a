package gen_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oms-contract/stoptask/gen"
)

// This file fuzzes the two path parameters of StopTask end to end, through
// the generated client, the generated std-http server and the generated
// strict handler, with the hand-written ParamErrorHandler and
// ResponseErrorHandler wired in as the package documents.
//
// Every answer is put into exactly one class, and anything else fails:
//
//   - reached: the strict handler ran with exactly the values that were
//     sent (project_id byte for byte, task_id equal) and answered 200;
//   - rejected: the generated server refused a parameter and
//     ParamErrorHandler answered 400 with the contract's Error JSON
//     (application/json, string error_code and error_msg, a 32-hex
//     X-Request-Id), and the handler did not run;
//   - not routed: the path that went on the wire is not the StopTask route
//     at all, and http.ServeMux answered by itself, before any generated
//     code: exactly "404 page not found" (text/plain, no request ID) or,
//     for a path that is not canonical ("//", "." or ".." segments), its
//     307 redirect to the cleaned path. 405 is never accepted: every
//     request is a POST, the one method the route has;
//   - refused by net/http: the request never reached the mux because the
//     request-target cannot be written or parsed (see FuzzPathParams).
//
// No 5xx is accepted anywhere, nor a text/plain 400 from the generated
// code's default http.Error handlers.

// ppMaxEscapedPath bounds the escaped path that an input may produce. The
// contract allows 1024 bytes of project_id, at most 3 KiB escaped; beyond
// 64 KiB the fuzzer would only be testing net/http's request-line limits
// (431 from the server, not from any handler), so such inputs are skipped.
const ppMaxEscapedPath = 64 << 10

// ppContractMaxTaskID is the contract's maximum task_id.
const ppContractMaxTaskID = 999999999999999

// ppRequestID is what a 32-hex X-Request-Id from NewRequestID looks like.
var ppRequestID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ppOKRequestID is the X-Request-Id the recording handler answers with.
const ppOKRequestID = "fuzz-path-params-ok"

// ppRecorder is a StrictServerInterface that records every call and
// answers 200. Fuzz inputs run one at a time within a worker process, so a
// single list, emptied by take after every request, attributes every call
// to the request that caused it.
type ppRecorder struct {
	mu    sync.Mutex
	calls []gen.StopTaskRequestObject
}

// StopTask records the call and answers 200.
func (r *ppRecorder) StopTask(_ context.Context, req gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, req)
	return gen.StopTask200Response{Headers: gen.StopTask200ResponseHeaders{XRequestId: ppOKRequestID}}, nil
}

// take returns and forgets the recorded calls.
func (r *ppRecorder) take() []gen.StopTaskRequestObject {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// ppStart starts the generated std-http server, wired as the package
// documents, on a loopback httptest.Server that lives as long as the fuzz
// target, and returns it with its recorder and an HTTP client for it that
// reports redirects instead of following them, so that every answer is
// seen exactly as the server gave it, and gives up on a request after 30s.
func ppStart(f *testing.F) (*httptest.Server, *ppRecorder, *http.Client) {
	f.Helper()
	rec := &ppRecorder{}
	strict := gen.NewStrictHandlerWithOptions(rec, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  gen.ParamErrorHandler,
		ResponseErrorHandlerFunc: gen.ResponseErrorHandler,
	})
	srv := httptest.NewServer(gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{ErrorHandlerFunc: gen.ParamErrorHandler}))
	f.Cleanup(srv.Close)
	hc := &http.Client{
		Transport:     srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// A request that hangs fails its input instead of stalling a
		// fuzz worker; the bound is generous for loaded CI machines.
		Timeout: 30 * time.Second,
	}
	return srv, rec, hc
}

// FuzzPathParams sends arbitrary path parameters to the generated server in
// two ways per input and classifies every answer (see the top of this file).
//
// Typed: projectID and taskID go through the generated client
// (NewClientWithResponses, StopTaskWithResponse). The client escapes
// project_id with url.PathEscape, so the wire path must be exactly
// /v2/{PathEscape(projectID)}/tasks/{taskID}/stop, with three documented
// exceptions where the generated client resolves the path against the
// server URL: "" gives /v2//tasks/N/stop (the mux redirects it to
// /v2/tasks/N/stop), "." gives /v2/tasks/N/stop and ".." gives
// /tasks/N/stop (the mux answers 404); the handler must not run for them.
// Inputs the contract allows (project_id 1 to 1024 bytes of UTF-8,
// task_id 0 to 999999999999999) must reach the handler unchanged. Inputs
// outside it may reach the handler unchanged too (the generated server
// enforces neither range, see TestTaskIDsReachTheHandler), or the client
// may refuse to build the request, or the server may reject it in the
// Error schema; today the first always happens. An error after the
// request went out (transport, response parsing) always fails.
//
// Raw: rawProject and rawTask are spliced unescaped into
// /v2/{rawProject}/tasks/{rawTask}/stop and sent with net/http directly,
// via url.URL.Opaque, so that any bytes reach the wire as they are. The
// expected answer is derived from the request-target as the server parses
// it (url.ParseRequestURI, EscapedPath, the mux's path cleaning and
// per-segment unescaping): a target that matches the route must reach the
// handler with the unescaped segments when task_id parses as a base-10
// int64 (strconv.ParseInt: "+5" and "007" do), and must be rejected by
// ParamErrorHandler with 400 and error_code OMS.0054 otherwise; a target
// that does not match gets the mux's own 404 or 307. Two refusals by
// net/http itself are accepted, each only where it applies: the client
// will not write a control character (bytes below 0x20 and 0x7f) in the
// request line (checked with Request.Write, without a round trip), and
// the server answers a request line it cannot parse (a space splits the
// target, url.ParseRequestURI rejects a bad %-escape) with its own
// text/plain 400 "Bad Request" and closes the connection.
func FuzzPathParams(f *testing.F) {
	srv, rec, hc := ppStart(f)
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(hc))
	if err != nil {
		f.Fatalf("NewClientWithResponses: %v", err)
	}
	f.Fuzz(func(t *testing.T, projectID string, taskID int64, rawProject, rawTask string) {
		ppTyped(t, client, rec, projectID, taskID)
		ppRaw(t, srv, hc, rec, rawProject, rawTask)
	})
}

// ppContractProjectID reports whether the contract allows id as a
// project_id: a string (so valid UTF-8) of 1 to 1024 bytes. The spec's
// maxLength counts characters; counting bytes is stricter, which only
// widens what the test tolerates.
func ppContractProjectID(id string) bool {
	return id != "" && len(id) <= 1024 && utf8.ValidString(id)
}

// ppTyped runs one input through the generated client.
func ppTyped(t *testing.T, client *gen.ClientWithResponses, rec *ppRecorder, projectID string, taskID int64) {
	t.Helper()
	escaped := url.PathEscape(projectID)
	if len(escaped) > ppMaxEscapedPath {
		t.Skipf("project_id escapes to %d bytes, beyond what this test covers", len(escaped))
	}
	tid := strconv.FormatInt(taskID, 10)
	wantPath := "/v2/" + escaped + "/tasks/" + tid + "/stop"
	var dotRedirect string // the cleaned path of the mux's 307, if any
	switch projectID {
	case "":
		dotRedirect = "/v2/tasks/" + tid + "/stop"
	case ".":
		wantPath = "/v2/tasks/" + tid + "/stop"
	case "..":
		wantPath = "/tasks/" + tid + "/stop"
	}
	contractValid := ppContractProjectID(projectID) && taskID >= 0 && taskID <= ppContractMaxTaskID

	var sent *url.URL
	resp, err := client.StopTaskWithResponse(context.Background(), projectID, taskID, func(_ context.Context, req *http.Request) error {
		u := *req.URL
		sent = &u
		return nil
	})
	calls := rec.take()
	if err != nil {
		if sent != nil {
			t.Fatalf("typed %q/%d: the request went out but StopTaskWithResponse failed: %v", projectID, taskID, err)
		}
		if contractValid {
			t.Fatalf("typed %q/%d: the client refused an input the contract allows: %v", projectID, taskID, err)
		}
		if len(calls) != 0 {
			t.Fatalf("typed %q/%d: the client refused but the handler ran: %+v", projectID, taskID, calls)
		}
		return // a client-side refusal of an out-of-contract project_id
	}
	if got := sent.EscapedPath(); got != wantPath {
		t.Fatalf("typed %q/%d: the client sent path %q, want %q", projectID, taskID, got, wantPath)
	}
	if sent.RawQuery != "" || sent.Fragment != "" {
		t.Fatalf("typed %q/%d: the client sent query %q fragment %q, want neither", projectID, taskID, sent.RawQuery, sent.Fragment)
	}
	status := resp.StatusCode()
	what := "typed " + strconv.Quote(projectID) + "/" + tid
	switch {
	case projectID == "":
		ppCheckMuxRedirect(t, what, status, resp.HTTPResponse.Header, resp.Body, calls, dotRedirect)
	case projectID == "." || projectID == "..":
		ppCheckMux404(t, what, status, resp.HTTPResponse.Header, resp.Body, calls)
	case status == http.StatusOK:
		ppCheckReached(t, what, resp.HTTPResponse.Header, calls, projectID, taskID)
	case !contractValid && status >= 400 && status < 500:
		ppCheckErrorJSON(t, what, status, resp.HTTPResponse.Header, resp.Body, calls, "")
	default:
		t.Fatalf("%s: unexpected answer %d %q %q", what, status, resp.HTTPResponse.Header.Get("Content-Type"), resp.Body)
	}
}

// ppCTL reports whether s holds a byte net/http's client refuses to write
// in a request line.
func ppCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// ppRaw sends /v2/{rawProject}/tasks/{rawTask}/stop unescaped.
func ppRaw(t *testing.T, srv *httptest.Server, hc *http.Client, rec *ppRecorder, rawProject, rawTask string) {
	t.Helper()
	target := "/v2/" + rawProject + "/tasks/" + rawTask + "/stop"
	if len(target) > ppMaxEscapedPath {
		t.Skipf("raw target is %d bytes, beyond what this test covers", len(target))
	}
	what := "raw " + strconv.Quote(target)
	req, err := http.NewRequest(http.MethodPost, srv.URL, nil)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	req.URL.Opaque = target
	if ppCTL(target) {
		// Checked without a round trip: when the transport's write fails
		// it tears the connection down, and which of the write error or
		// the resulting read error it reports is a race.
		err := req.Write(io.Discard)
		if err == nil || !strings.Contains(err.Error(), "can't write control character") {
			t.Fatalf("%s: want net/http's control-character refusal, got %v", what, err)
		}
		return
	}
	resp, err := hc.Do(req)
	calls := rec.take()
	if err != nil {
		t.Fatalf("%s: %v (handler calls %+v)", what, err, calls)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("%s: reading body: %v", what, err)
	}

	u, perr := url.ParseRequestURI(target)
	if perr != nil || strings.IndexByte(target, ' ') >= 0 {
		// net/http's server rejects the request line before any handler.
		if resp.StatusCode != http.StatusBadRequest || string(body) != "400 Bad Request" || !resp.Close ||
			resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || len(calls) != 0 {
			t.Fatalf("%s: want net/http's own 400 for an unparseable request-target (%v), got %d %q %q, calls %+v",
				what, perr, resp.StatusCode, resp.Header.Get("Content-Type"), body, calls)
		}
		return
	}
	escaped := u.EscapedPath()
	if cleaned := ppCleanPath(escaped); cleaned != escaped {
		loc := (&url.URL{Path: cleaned, RawQuery: u.RawQuery}).String()
		ppCheckMuxRedirect(t, what, resp.StatusCode, resp.Header, body, calls, loc)
		return
	}
	segs := strings.Split(escaped, "/")
	var unesc []string
	for _, s := range segs {
		v, err := url.PathUnescape(s)
		if err != nil {
			t.Fatalf("%s: EscapedPath %q has a bad escape: %v", what, escaped, err)
		}
		unesc = append(unesc, v)
	}
	if len(unesc) != 6 || unesc[0] != "" || unesc[1] != "v2" || unesc[2] == "" ||
		unesc[3] != "tasks" || unesc[4] == "" || unesc[5] != "stop" {
		ppCheckMux404(t, what, resp.StatusCode, resp.Header, body, calls)
		return
	}
	wantProject := unesc[2]
	wantTask, terr := strconv.ParseInt(unesc[4], 10, 64)
	if terr != nil {
		ppCheckErrorJSON(t, what, resp.StatusCode, resp.Header, body, calls, gen.CodeInvalidTaskID)
		return
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: want the handler to run with %q/%d, got %d %q %q", what, wantProject, wantTask, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	ppCheckReached(t, what, resp.Header, calls, wantProject, wantTask)
}

// ppCleanPath is http.ServeMux's path canonicalisation: path.Clean, with a
// trailing slash kept.
func ppCleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// ppCheckReached fails unless the handler ran exactly once, with exactly
// projectID and taskID, and its 200 came back.
func ppCheckReached(t *testing.T, what string, h http.Header, calls []gen.StopTaskRequestObject, projectID string, taskID int64) {
	t.Helper()
	if len(calls) != 1 {
		t.Fatalf("%s: 200 with %d handler calls %+v, want exactly one", what, len(calls), calls)
	}
	if got := calls[0]; got.ProjectId != projectID || got.TaskId != taskID {
		t.Fatalf("%s: the handler got project_id %q task_id %d, want %q %d", what, got.ProjectId, got.TaskId, projectID, taskID)
	}
	if id := h.Get("X-Request-Id"); id != ppOKRequestID {
		t.Fatalf("%s: 200 with X-Request-Id %q, want the handler's %q", what, id, ppOKRequestID)
	}
}

// ppCheckErrorJSON fails unless the answer is a 4xx in the contract's Error
// shape and the handler did not run. A non-empty code must be the
// error_code.
func ppCheckErrorJSON(t *testing.T, what string, status int, h http.Header, body []byte, calls []gen.StopTaskRequestObject, code string) {
	t.Helper()
	if len(calls) != 0 {
		t.Fatalf("%s: rejected with %d but the handler ran: %+v", what, status, calls)
	}
	if status < 400 || status > 499 {
		t.Fatalf("%s: status %d (body %q), want a 4xx rejection", what, status, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: rejection %d has Content-Type %q (body %q), want application/json", what, status, ct, body)
	}
	if id := h.Get("X-Request-Id"); !ppRequestID.MatchString(id) {
		t.Fatalf("%s: rejection %d has X-Request-Id %q, want 32 lower-case hex characters", what, status, id)
	}
	var e map[string]json.RawMessage
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: rejection body %q is not a JSON object: %v", what, body, err)
	}
	var ec, em string
	for name, dst := range map[string]*string{"error_code": &ec, "error_msg": &em} {
		raw, ok := e[name]
		if !ok {
			t.Fatalf("%s: rejection body %q has no %s", what, body, name)
		}
		if err := json.Unmarshal(raw, dst); err != nil || *dst == "" {
			t.Fatalf("%s: rejection body %q: %s is not a non-empty string", what, body, name)
		}
	}
	if code != "" && ec != code {
		t.Fatalf("%s: rejection error_code %q, want %q", what, ec, code)
	}
}

// ppCheckMux404 fails unless the answer is http.ServeMux's own 404 and the
// handler did not run.
func ppCheckMux404(t *testing.T, what string, status int, h http.Header, body []byte, calls []gen.StopTaskRequestObject) {
	t.Helper()
	if len(calls) != 0 || status != http.StatusNotFound || string(body) != "404 page not found\n" ||
		h.Get("Content-Type") != "text/plain; charset=utf-8" || h.Get("X-Request-Id") != "" {
		t.Fatalf("%s: path is not the route, want the mux's own 404, got %d %q %q, calls %+v",
			what, status, h.Get("Content-Type"), body, calls)
	}
}

// ppCheckMuxRedirect fails unless the answer is http.ServeMux's own 307 to
// the cleaned path location and the handler did not run.
func ppCheckMuxRedirect(t *testing.T, what string, status int, h http.Header, body []byte, calls []gen.StopTaskRequestObject, location string) {
	t.Helper()
	if len(calls) != 0 || status != http.StatusTemporaryRedirect || h.Get("Location") != location || h.Get("X-Request-Id") != "" {
		t.Fatalf("%s: path is not canonical, want the mux's own 307 to %q, got %d Location %q body %q, calls %+v",
			what, location, status, h.Get("Location"), body, calls)
	}
}
