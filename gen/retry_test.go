package gen_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
)

// script is a loopback server that answers the i-th request with the i-th
// status (the last one repeats) and records the bodies it received.
type script struct {
	mu     sync.Mutex
	bodies []string
}

func scriptServer(t *testing.T, retryAfter string, statuses ...int) (*httptest.Server, *script) {
	t.Helper()
	s := &script{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(body))
		status := statuses[min(len(s.bodies), len(statuses))-1]
		s.mu.Unlock()
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, strconv.Itoa(status))
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

func (s *script) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func TestRetryingDoerStatuses(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int
		wantStatus int
		wantTries  int
	}{
		{name: "200 at once", statuses: []int{200}, wantStatus: 200, wantTries: 1},
		{name: "429 then 200", statuses: []int{429, 200}, wantStatus: 200, wantTries: 2},
		{name: "503 twice then 200", statuses: []int{503, 503, 200}, wantStatus: 200, wantTries: 3},
		{name: "429 until attempts run out", statuses: []int{429}, wantStatus: 429, wantTries: 3},
		{name: "400 not retried", statuses: []int{400, 200}, wantStatus: 400, wantTries: 1},
		{name: "500 not retried: the stop may have been applied", statuses: []int{500, 200}, wantStatus: 500, wantTries: 1},
		{name: "502 not retried", statuses: []int{502, 200}, wantStatus: 502, wantTries: 1},
		{name: "504 not retried", statuses: []int{504, 200}, wantStatus: 504, wantTries: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := scriptServer(t, "", tc.statuses...)
			doer := gen.NewRetryingDoer(srv.Client(), gen.WithMaxAttempts(3), gen.WithBackoff(time.Millisecond, 5*time.Millisecond))
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("stop"))
			resp, err := doer.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || string(body) != strconv.Itoa(tc.wantStatus) {
				t.Errorf("final answer %d %q, want %d with its body", resp.StatusCode, body, tc.wantStatus)
			}
			want := strings.Split(strings.Repeat("stop,", tc.wantTries), ",")[:tc.wantTries]
			if diff := cmp.Diff(want, s.got()); diff != "" {
				t.Errorf("bodies received (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRetryingDoerRetriesBackendUnavailable: a 502 retries exactly when
// IsRetryable says so, i.e. with the gateway's "backend unavailable" code.
func TestRetryingDoerRetriesBackendUnavailable(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantTries int
	}{
		{"502 " + gen.CodeGatewayBackend, `{"error_code":"` + gen.CodeGatewayBackend + `","error_msg":"Backend unavailable."}`, 2},
		{"502 from some proxy", "<html>Bad Gateway</html>", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n++; n == 1 {
					w.WriteHeader(http.StatusBadGateway)
					io.WriteString(w, tc.body)
				}
			}))
			defer srv.Close()
			doer := gen.NewRetryingDoer(srv.Client(), gen.WithBackoff(time.Millisecond, time.Millisecond))
			req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
			resp, err := doer.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if n != tc.wantTries {
				t.Errorf("%d attempts, want %d", n, tc.wantTries)
			}
			if tc.wantTries == 1 && string(body) != tc.body {
				t.Errorf("the answer returned has body %q, want the server's %q", body, tc.body)
			}
		})
	}
}

func TestRetryingDoerContextCancelsTheWait(t *testing.T) {
	srv, _ := scriptServer(t, "3600", 503)
	counter := &countingDoer{base: srv.Client()}
	doer := gen.NewRetryingDoer(counter, gen.WithBackoff(time.Hour, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
	// Without cancellation the hour-long wait would hit go test's timeout.
	resp, err := doer.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) || resp != nil {
		t.Errorf("Do = %v, %v; want no response and context.DeadlineExceeded", resp, err)
	}
	if counter.n != 1 {
		t.Errorf("%d attempts, want 1", counter.n)
	}
}

// TestRetryingDoerConnections: a refused connection was never established
// and is retried; a connection dropped after the request was written is not.
func TestRetryingDoerConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	var dropped sync.Mutex
	drops := 0
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dropped.Lock()
		drops++
		dropped.Unlock()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer hang.Close()

	tests := []struct {
		name      string
		url       string
		wantTries int
		attempts  func() int
	}{
		{name: "connection refused: retried", url: refused, wantTries: 3},
		{name: "connection dropped after the request: not retried", url: hang.URL, wantTries: 1,
			attempts: func() int { dropped.Lock(); defer dropped.Unlock(); return drops }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counter := &countingDoer{base: http.DefaultClient}
			doer := gen.NewRetryingDoer(counter, gen.WithMaxAttempts(3), gen.WithBackoff(time.Millisecond, time.Millisecond))
			req, _ := http.NewRequest(http.MethodPost, tc.url, nil)
			if resp, err := doer.Do(req); err == nil {
				resp.Body.Close()
				t.Fatal("Do succeeded")
			}
			if counter.n != tc.wantTries {
				t.Errorf("%d attempts, want %d", counter.n, tc.wantTries)
			}
			if tc.attempts != nil && tc.attempts() != tc.wantTries {
				t.Errorf("server saw %d requests, want %d", tc.attempts(), tc.wantTries)
			}
		})
	}
}

// countingDoer counts the attempts it passes to base (Do is called
// sequentially by RetryingDoer).
type countingDoer struct {
	base gen.HttpRequestDoer
	n    int
}

func (c *countingDoer) Do(r *http.Request) (*http.Response, error) { c.n++; return c.base.Do(r) }

func TestRetryingDoerUnreplayableBody(t *testing.T) {
	srv, s := scriptServer(t, "", 429, 200)
	doer := gen.NewRetryingDoer(srv.Client(), gen.WithBackoff(time.Millisecond, time.Millisecond))
	req, _ := http.NewRequest(http.MethodPost, srv.URL, io.NopCloser(strings.NewReader("once")))
	resp, err := doer.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || len(s.got()) != 1 {
		t.Errorf("answer %d after %d attempts, want the 429 after 1", resp.StatusCode, len(s.got()))
	}
}

// TestRetryingDoerWithGeneratedClient retries a throttled StopTask
// through the generated client.
func TestRetryingDoerWithGeneratedClient(t *testing.T) {
	srv, s := scriptServer(t, "0", 429, 200)
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(gen.NewRetryingDoer(nil)),
		gen.WithRequestEditorFn(gen.WithToken("t")))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.StopTaskWithResponse(context.Background(), "p", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.CheckResult(resp.HTTPResponse, resp.Body); err != nil || len(s.got()) != 2 {
		t.Errorf("CheckResult = %v after %d attempts, want nil after 2", err, len(s.got()))
	}
}
