package mock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

const (
	project      = "2c0689c860ad4728a497c91ec0844383"
	otherProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	token        = "test-token-for-project"
	otherToken   = "test-token-for-other-project"
	ak           = "TESTAK0001"
	sk           = "test-secret-key"
)

// start is a fixed point in time for the fake clock, far from now so that a
// test accidentally using the real clock fails the skew check.
var start = time.Date(2026, 11, 27, 2, 28, 8, 0, time.UTC)

// fakeClock is an injectable clock that only moves when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: start} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a mock served over loopback, with its clock and the contract
// records it reported.
type env struct {
	m     *mock.Mock
	srv   *httptest.Server
	clock *fakeClock

	mu      sync.Mutex
	records []contract.Record
}

// newEnv starts a mock with a token and an AK/SK for project, the given
// tasks in project, a fake clock and a 10s stop delay, plus opts.
func newEnv(t *testing.T, tasks []mock.Task, opts ...mock.Option) *env {
	t.Helper()
	e := &env{clock: newClock()}
	base := []mock.Option{
		mock.WithToken(token, project),
		mock.WithToken(otherToken, otherProject),
		mock.WithAKSK(ak, sk, project),
		mock.WithClock(e.clock.Now),
		mock.WithStopDelay(10 * time.Second),
		mock.WithViolationHandler(func(r contract.Record) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.records = append(e.records, r)
		}),
	}
	for _, tk := range tasks {
		base = append(base, mock.WithTask(project, tk))
	}
	m, err := mock.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	e.m = m
	e.srv = httptest.NewServer(m.Handler())
	t.Cleanup(func() {
		e.srv.Close()
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// reported returns the violation records so far.
func (e *env) reported() []contract.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]contract.Record(nil), e.records...)
}

// noResponseViolations fails the test if the mock broke the contract in any
// answer so far.
func (e *env) noResponseViolations(t *testing.T) {
	t.Helper()
	for _, r := range e.reported() {
		for _, v := range r.Violations {
			if v.Direction == contract.DirectionResponse {
				t.Errorf("mock answer broke the contract: %s", v)
			}
		}
	}
	if n := e.m.Stats().ResponseViolations; n != 0 {
		t.Errorf("Stats().ResponseViolations = %d, want 0", n)
	}
}

// client returns the generated client with the given editors.
func (e *env) client(t *testing.T, editors ...gen.RequestEditorFn) *gen.ClientWithResponses {
	t.Helper()
	opts := []gen.ClientOption{gen.WithHTTPClient(e.srv.Client())}
	for _, ed := range editors {
		opts = append(opts, gen.WithRequestEditorFn(ed))
	}
	c, err := gen.NewClientWithResponses(e.srv.URL, opts...)
	if err != nil {
		t.Fatalf("NewClientWithResponses: %v", err)
	}
	return c
}

// akskEditor signs with the test AK/SK on the env's clock.
func (e *env) akskEditor(c gen.Credentials) gen.RequestEditorFn {
	return gen.WithAKSK(c, gen.WithClock(e.clock.Now))
}

// answer is what a test asserts about a response.
type answer struct {
	Status int
	Code   string // error_code, "" for an empty 200
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// stop calls StopTask with the generated client and checks the invariants
// every answer must satisfy.
func (e *env) stop(t *testing.T, c *gen.ClientWithResponses, proj string, id int64) answer {
	t.Helper()
	resp, err := c.StopTaskWithResponse(context.Background(), proj, id)
	if err != nil {
		t.Fatalf("StopTask(%q, %d): %v", proj, id, err)
	}
	return checkAnswer(t, resp.StatusCode(), resp.HTTPResponse.Header, resp.Body)
}

// checkAnswer checks that an answer is in the contract's shape (an empty
// 200, or the Error JSON body) with an X-Request-Id, and returns it.
func checkAnswer(t *testing.T, status int, h http.Header, body []byte) answer {
	t.Helper()
	if id := h.Values(gen.HeaderRequestID); len(id) != 1 || !requestIDPattern.MatchString(id[0]) {
		t.Errorf("X-Request-Id = %q, want one 32-hex-digit value", id)
	}
	if status == http.StatusOK {
		if len(body) != 0 {
			t.Errorf("200 body = %q, want empty", body)
		}
		return answer{Status: status}
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("status %d Content-Type = %q, want application/json; body %q", status, ct, body)
	}
	var e struct {
		Code *string `json:"error_code"`
		Msg  *string `json:"error_msg"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Code == nil || e.Msg == nil || *e.Msg == "" {
		t.Errorf("status %d body %q is not the Error schema (err %v)", status, body, err)
		return answer{Status: status}
	}
	return answer{Status: status, Code: *e.Code}
}

// raw sends a hand-made request, for what the generated client cannot send.
func (e *env) raw(t *testing.T, method, path string, body io.Reader, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if method == http.MethodHead {
		return answer{Status: resp.StatusCode}
	}
	return checkAnswer(t, resp.StatusCode, resp.Header, b)
}

func tokenHeader(tok string) http.Header {
	return http.Header{gen.HeaderAuthToken: {tok}, "Content-Type": {"application/json"}}
}

// mustTask returns a task's state or fails.
func mustTask(t *testing.T, m *mock.Mock, proj string, id int64) mock.Task {
	t.Helper()
	tk, ok := m.Task(proj, id)
	if !ok {
		t.Fatalf("Task(%q, %d) not found", proj, id)
	}
	return tk
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }
