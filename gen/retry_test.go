package gen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// step is one scripted server reply; the last step repeats forever.
type step struct {
	status int
	header map[string]string
	body   string
}

// hit is what the server saw of one attempt.
type hit struct {
	method, path, body, token string
}

type scriptServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newScriptServer(t *testing.T, steps []step) *scriptServer {
	t.Helper()
	s := &scriptServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits = append(s.hits, hit{r.Method, r.URL.Path, string(body), r.Header.Get("X-Auth-Token")})
		st := steps[min(len(s.hits), len(steps))-1]
		s.mu.Unlock()
		for k, v := range st.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(st.status)
		_, _ = io.WriteString(w, st.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptServer) seen() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// sleepRecorder replaces the backoff wait: it records what was asked for
// and returns at once, so no test depends on wall-clock timing.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (r *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.delays = append(r.delays, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *sleepRecorder) got() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.delays...)
}

// maxJitter always picks the top of the jitter range, which makes the
// backoff deterministic and equal to its ceiling.
func maxJitter(n int64) int64 { return n - 1 }

// trackedBody records whether a response body was read to the end and
// closed, to prove that discarded responses are drained and closed and that
// the returned one is left alone.
type trackedBody struct {
	rc     io.ReadCloser
	mu     sync.Mutex
	eof    bool
	closed bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if errors.Is(err, io.EOF) {
		b.mu.Lock()
		b.eof = true
		b.mu.Unlock()
	}
	return n, err
}

func (b *trackedBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.rc.Close()
}

func (b *trackedBody) state() (eof, closed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eof, b.closed
}

// trackingDoer counts the attempts that reach the base doer and wraps
// every response body in a trackedBody.
type trackingDoer struct {
	base   HttpRequestDoer
	mu     sync.Mutex
	calls  int
	bodies []*trackedBody
}

func (d *trackingDoer) Do(req *http.Request) (*http.Response, error) {
	d.mu.Lock()
	d.calls++
	d.mu.Unlock()
	resp, err := d.base.Do(req)
	if resp != nil && resp.Body != nil {
		tb := &trackedBody{rc: resp.Body}
		resp.Body = tb
		d.mu.Lock()
		d.bodies = append(d.bodies, tb)
		d.mu.Unlock()
	}
	return resp, err
}

func (d *trackingDoer) attempts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// checkDiscardedBodies asserts that every response body but the last was
// drained and closed, and that the last one is still open when keepLast.
func (d *trackingDoer) checkDiscardedBodies(t *testing.T, keepLast bool) {
	t.Helper()
	d.mu.Lock()
	bodies := append([]*trackedBody(nil), d.bodies...)
	d.mu.Unlock()
	for i, b := range bodies {
		eof, closed := b.state()
		if keepLast && i == len(bodies)-1 {
			if closed {
				t.Errorf("final response body was closed by the doer")
			}
			continue
		}
		if !eof || !closed {
			t.Errorf("discarded response %d: drained=%v closed=%v, want both true", i+1, eof, closed)
		}
	}
}

// checkNoGoroutineLeaks fails the test if, after all of its cleanups, more
// goroutines are running than when it started. The doer starts none of its
// own; this catches unclosed bodies and connections and a backoff that
// outlives its call. Tests using it must not run in parallel.
func checkNoGoroutineLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	// Registered first, so it runs after every other cleanup (servers,
	// transports) of the test.
	t.Cleanup(func() {
		var now int
		for range 500 {
			if now = runtime.NumGoroutine(); now <= before {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("goroutine leak: %d running before, %d after\n%s", before, now, buf)
	})
}

// closedPortURL returns a loopback URL on which nothing listens, so a dial
// is refused.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("close listener: %v", err)
	}
	return "http://" + addr + "/v2/p/tasks/1/stop"
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read final body: %v", err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatalf("close final body: %v", err)
	}
	return string(b)
}

func equalDelays(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

const errBody = `{"error_code":"APIGW.0308","error_msg":"The request is throttled."}`

func TestRetryingDoerStatuses(t *testing.T) {
	checkNoGoroutineLeaks(t)
	ms := time.Millisecond
	fixedNow := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	json := map[string]string{"Content-Type": "application/json"}
	retryAfter := func(v string) map[string]string { return map[string]string{"Retry-After": v} }
	ok := step{status: 200, body: "done"}

	tests := []struct {
		name         string
		steps        []step
		opts         []RetryOption
		wantAttempts int
		wantStatus   int
		wantBody     string
		wantDelays   []time.Duration
	}{
		{
			name:         "429 twice then 200",
			steps:        []step{{429, json, errBody}, {429, json, errBody}, ok},
			wantAttempts: 3, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{100 * ms, 200 * ms},
		},
		{
			name:         "503 three times then 200",
			steps:        []step{{503, json, errBody}, {503, json, errBody}, {503, json, errBody}, ok},
			wantAttempts: 4, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{100 * ms, 200 * ms, 400 * ms},
		},
		{
			name:         "429 and 503 mixed then 200",
			steps:        []step{{503, nil, ""}, {429, nil, ""}, ok},
			wantAttempts: 3, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{100 * ms, 200 * ms},
		},
		{
			name:         "max attempts respected and the last 503 returned with its body",
			steps:        []step{{503, json, errBody}},
			opts:         []RetryOption{WithRetryMaxAttempts(3)},
			wantAttempts: 3, wantStatus: 503, wantBody: errBody,
			wantDelays: []time.Duration{100 * ms, 200 * ms},
		},
		{
			name:         "backoff capped by the max delay",
			steps:        []step{{503, nil, "busy"}},
			opts:         []RetryOption{WithRetryMaxAttempts(5), WithRetryBaseDelay(time.Second), WithRetryMaxDelay(3 * time.Second)},
			wantAttempts: 5, wantStatus: 503, wantBody: "busy",
			wantDelays: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second},
		},
		{
			name:         "max attempts of 1 disables retrying",
			steps:        []step{{429, json, errBody}, ok},
			opts:         []RetryOption{WithRetryMaxAttempts(1)},
			wantAttempts: 1, wantStatus: 429, wantBody: errBody,
		},
		{
			name:         "max attempts below 1 is treated as 1",
			steps:        []step{{429, json, errBody}, ok},
			opts:         []RetryOption{WithRetryMaxAttempts(-3)},
			wantAttempts: 1, wantStatus: 429, wantBody: errBody,
		},
		{
			name:         "negative base delay retries without waiting",
			steps:        []step{{429, nil, ""}, ok},
			opts:         []RetryOption{WithRetryBaseDelay(-time.Second)},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{0},
		},
		{
			name:         "Retry-After seconds respected",
			steps:        []step{{429, retryAfter("3"), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{3 * time.Second},
		},
		{
			name:         "Retry-After seconds on 503 respected",
			steps:        []step{{503, retryAfter(" 2 "), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{2 * time.Second},
		},
		{
			name:         "Retry-After zero retries at once",
			steps:        []step{{429, retryAfter("0"), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{0},
		},
		{
			name:         "Retry-After seconds capped by the max delay",
			steps:        []step{{429, retryAfter("120"), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{10 * time.Second},
		},
		{
			name:         "Retry-After seconds beyond int64 capped by the max delay",
			steps:        []step{{429, retryAfter("99999999999999999999999"), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{10 * time.Second},
		},
		{
			name:         "Retry-After HTTP-date respected",
			steps:        []step{{429, retryAfter(fixedNow.Add(7 * time.Second).Format(http.TimeFormat)), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{7 * time.Second},
		},
		{
			name:         "Retry-After asctime date respected",
			steps:        []step{{503, retryAfter(fixedNow.Add(4 * time.Second).Format(time.ANSIC)), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{4 * time.Second},
		},
		{
			name:         "Retry-After HTTP-date capped by the max delay",
			steps:        []step{{429, retryAfter(fixedNow.Add(time.Hour).Format(http.TimeFormat)), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{10 * time.Second},
		},
		{
			name:         "Retry-After HTTP-date in the past retries at once",
			steps:        []step{{429, retryAfter(fixedNow.Add(-time.Minute).Format(http.TimeFormat)), ""}, ok},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{0},
		},
		{
			name:         "Retry-After garbage falls back to the backoff",
			steps:        []step{{429, retryAfter("soon"), ""}, {429, retryAfter("-5"), ""}, ok},
			wantAttempts: 3, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{100 * ms, 200 * ms},
		},
		{
			name:         "negative max delay caps Retry-After at zero",
			steps:        []step{{429, retryAfter("5"), ""}, ok},
			opts:         []RetryOption{WithRetryMaxDelay(-time.Second)},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{0},
		},
		{
			name:         "nil options are ignored",
			steps:        []step{{429, nil, ""}, ok},
			opts:         []RetryOption{nil, WithRetryRandom(nil), WithRetrySleep(nil)},
			wantAttempts: 2, wantStatus: 200, wantBody: "done",
			wantDelays: []time.Duration{100 * ms},
		},
	}
	for _, code := range []int{400, 401, 403, 404, 409, 500, 502, 504} {
		tests = append(tests, struct {
			name         string
			steps        []step
			opts         []RetryOption
			wantAttempts int
			wantStatus   int
			wantBody     string
			wantDelays   []time.Duration
		}{
			name:         fmt.Sprintf("%d not retried", code),
			steps:        []step{{code, json, errBody}, ok},
			wantAttempts: 1, wantStatus: code, wantBody: errBody,
		})
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, tc.steps)
			rec := &sleepRecorder{}
			base := &trackingDoer{base: srv.Client()}
			opts := append([]RetryOption{
				WithRetryBaseDelay(100 * ms),
				WithRetryMaxDelay(10 * time.Second),
				WithRetryRandom(maxJitter),
				WithRetrySleep(rec.sleep),
			}, tc.opts...)
			d := NewRetryingDoer(base, opts...)
			d.now = func() time.Time { return fixedNow }

			req, err := http.NewRequest(http.MethodPost, srv.URL+"/v2/p/tasks/1/stop", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := d.Do(req)
			if err != nil {
				t.Fatalf("Do: unexpected error: %v", err)
			}
			base.checkDiscardedBodies(t, true)
			if got := readBody(t, resp); got != tc.wantBody {
				t.Errorf("final body = %q, want %q", got, tc.wantBody)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := len(srv.seen()); got != tc.wantAttempts {
				t.Errorf("server saw %d attempts, want %d", got, tc.wantAttempts)
			}
			if got := base.attempts(); got != tc.wantAttempts {
				t.Errorf("base doer called %d times, want %d", got, tc.wantAttempts)
			}
			if got := rec.got(); !equalDelays(got, tc.wantDelays) {
				t.Errorf("delays = %v, want %v", got, tc.wantDelays)
			}
		})
	}
}

func TestRetryingDoerJitter(t *testing.T) {
	checkNoGoroutineLeaks(t)
	ms := time.Millisecond
	tests := []struct {
		name       string
		randN      func(n int64) int64
		wantDelays []time.Duration
	}{
		{
			name:       "bottom of the range waits nothing",
			randN:      func(int64) int64 { return 0 },
			wantDelays: []time.Duration{0, 0, 0},
		},
		{
			name:       "middle of the range",
			randN:      func(n int64) int64 { return n / 2 },
			wantDelays: []time.Duration{50 * ms, 100 * ms, 200 * ms},
		},
		{
			name:       "top of the range is the ceiling",
			randN:      maxJitter,
			wantDelays: []time.Duration{100 * ms, 200 * ms, 400 * ms},
		},
		{
			name: "out-of-range results are clamped",
			randN: func(n int64) int64 {
				if n < int64(150*ms) {
					return -7 // below the range: clamped to no wait
				}
				return n * 3 // above the range: clamped to the ceiling
			},
			wantDelays: []time.Duration{0, 200 * ms, 400 * ms},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, []step{{503, nil, ""}})
			rec := &sleepRecorder{}
			var mu sync.Mutex
			var asked []int64
			d := NewRetryingDoer(srv.Client(),
				WithRetryBaseDelay(100*ms),
				WithRetryMaxDelay(time.Second),
				WithRetrySleep(rec.sleep),
				WithRetryRandom(func(n int64) int64 {
					mu.Lock()
					asked = append(asked, n)
					mu.Unlock()
					return tc.randN(n)
				}))
			req, err := http.NewRequest(http.MethodPost, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := d.Do(req)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			readBody(t, resp)
			if got := rec.got(); !equalDelays(got, tc.wantDelays) {
				t.Errorf("delays = %v, want %v", got, tc.wantDelays)
			}
			// Full jitter draws from [0, ceiling], so the source is asked
			// for a value below ceiling+1.
			want := []int64{int64(100*ms) + 1, int64(200*ms) + 1, int64(400*ms) + 1}
			mu.Lock()
			defer mu.Unlock()
			if fmt.Sprint(asked) != fmt.Sprint(want) {
				t.Errorf("random source asked for %v, want %v", asked, want)
			}
		})
	}
}

func TestRetryingDoerRequestBody(t *testing.T) {
	checkNoGoroutineLeaks(t)
	tests := []struct {
		name         string
		newReq       func(url string) (*http.Request, error)
		wantAttempts int
		wantStatus   int
		wantBody     string // what the server must see on every attempt
		wantErr      string
	}{
		{
			name: "replayable body and headers resent on every attempt",
			newReq: func(url string) (*http.Request, error) {
				return http.NewRequest(http.MethodPost, url, strings.NewReader(`{"x":1}`))
			},
			wantAttempts: 3, wantStatus: 200, wantBody: `{"x":1}`,
		},
		{
			name: "NoBody is replayable",
			newReq: func(url string) (*http.Request, error) {
				return http.NewRequest(http.MethodPost, url, http.NoBody)
			},
			wantAttempts: 3, wantStatus: 200,
		},
		{
			name: "body without GetBody is not retried",
			newReq: func(url string) (*http.Request, error) {
				req, err := http.NewRequest(http.MethodPost, url, nil)
				if err != nil {
					return nil, err
				}
				req.Body = io.NopCloser(strings.NewReader("once"))
				req.ContentLength = 4
				return req, nil
			},
			wantAttempts: 1, wantStatus: 429, wantBody: "once",
		},
		{
			name: "GetBody failure stops with an error",
			newReq: func(url string) (*http.Request, error) {
				req, err := http.NewRequest(http.MethodPost, url, strings.NewReader("first"))
				if err != nil {
					return nil, err
				}
				req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("body gone") }
				return req, nil
			},
			wantAttempts: 1, wantBody: "first", wantErr: "cannot replay the request body for a retry: body gone",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, []step{{429, nil, ""}, {429, nil, ""}, {200, nil, "ok"}})
			d := NewRetryingDoer(srv.Client(), WithRetrySleep((&sleepRecorder{}).sleep))
			req, err := tc.newReq(srv.URL + "/v2/p/tasks/1/stop")
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Auth-Token", "secret-token-value")
			resp, err := d.Do(req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Do error = %v, want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret-token-value") {
					t.Errorf("error leaks the token: %v", err)
				}
				if resp != nil {
					t.Errorf("got a response alongside the error")
				}
			} else {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				readBody(t, resp)
				if resp.StatusCode != tc.wantStatus {
					t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
				}
			}
			hits := srv.seen()
			if len(hits) != tc.wantAttempts {
				t.Fatalf("server saw %d attempts, want %d", len(hits), tc.wantAttempts)
			}
			for i, h := range hits {
				if h.body != tc.wantBody || h.token != "secret-token-value" || h.method != http.MethodPost {
					t.Errorf("attempt %d: server saw %+v, want POST with body %q and the token", i+1, h, tc.wantBody)
				}
			}
		})
	}
}

func TestRetryingDoerTransportErrors(t *testing.T) {
	checkNoGoroutineLeaks(t)
	tests := []struct {
		name         string
		url          func(t *testing.T) (url string, hits func() int)
		maxAttempts  int
		wantAttempts int
		wantDelays   int
		wantDial     bool
	}{
		{
			name: "closed port retried up to the limit",
			url: func(t *testing.T) (string, func() int) {
				return closedPortURL(t), func() int { return 0 }
			},
			maxAttempts: 3, wantAttempts: 3, wantDelays: 2, wantDial: true,
		},
		{
			name: "closed port with one attempt",
			url: func(t *testing.T) (string, func() int) {
				return closedPortURL(t), func() int { return 0 }
			},
			maxAttempts: 1, wantAttempts: 1, wantDelays: 0, wantDial: true,
		},
		{
			// The request reached the server, which dropped the connection
			// without answering: the stop may have happened, so no retry.
			name: "connection dropped after the request was sent is not retried",
			url: func(t *testing.T) (string, func() int) {
				var mu sync.Mutex
				n := 0
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					n++
					mu.Unlock()
					conn, _, err := http.NewResponseController(w).Hijack()
					if err != nil {
						t.Errorf("hijack: %v", err)
						return
					}
					_ = conn.Close()
				}))
				t.Cleanup(srv.Close)
				return srv.URL + "/v2/p/tasks/1/stop", func() int { mu.Lock(); defer mu.Unlock(); return n }
			},
			maxAttempts: 3, wantAttempts: 1, wantDelays: 0, wantDial: false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target, serverHits := tc.url(t)
			transport := &http.Transport{}
			t.Cleanup(transport.CloseIdleConnections)
			base := &trackingDoer{base: &http.Client{Transport: transport}}
			rec := &sleepRecorder{}
			d := NewRetryingDoer(base, WithRetryMaxAttempts(tc.maxAttempts), WithRetrySleep(rec.sleep))
			req, err := http.NewRequest(http.MethodPost, target, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := d.Do(req)
			if err == nil {
				readBody(t, resp)
				t.Fatalf("Do succeeded with status %d, want an error", resp.StatusCode)
			}
			if resp != nil {
				t.Errorf("got a response alongside the error")
			}
			var opErr *net.OpError
			isDial := errors.As(err, &opErr) && opErr.Op == "dial"
			if isDial != tc.wantDial {
				t.Errorf("error %v: dial error = %v, want %v", err, isDial, tc.wantDial)
			}
			if tc.wantDial && !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("error %v does not wrap ECONNREFUSED", err)
			}
			if got := base.attempts(); got != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tc.wantAttempts)
			}
			if !tc.wantDial {
				if got := serverHits(); got != 1 {
					t.Errorf("server saw %d requests, want 1", got)
				}
			}
			if got := len(rec.got()); got != tc.wantDelays {
				t.Errorf("waited %d times, want %d", got, tc.wantDelays)
			}
		})
	}
}

func TestRetryableErrorClassification(t *testing.T) {
	dial := func(inner error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: inner} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"dial refused", dial(syscall.ECONNREFUSED), true},
		{"dial refused inside url.Error", &url.Error{Op: "Post", URL: "http://x", Err: dial(syscall.ECONNREFUSED)}, true},
		{"dial timeout", dial(&net.DNSError{Err: "i/o timeout", IsTimeout: true}), true},
		{"dns temporary failure", dial(&net.DNSError{Err: "server misbehaving", IsTemporary: true}), true},
		{"dns no such host", dial(&net.DNSError{Err: "no such host", IsNotFound: true}), false},
		{"proxy connect failure", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"read reset after write", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false},
		{"write broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}, false},
		{"EOF", &url.Error{Op: "Post", URL: "http://x", Err: io.EOF}, false},
		{"unexpected EOF", io.ErrUnexpectedEOF, false},
		{"deadline exceeded", context.DeadlineExceeded, false},
		{"canceled", context.Canceled, false},
		{"tls certificate", &tls.CertificateVerificationError{Err: errors.New("unknown authority")}, false},
		{"bare refused without dial context", syscall.ECONNREFUSED, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryable(nil, tc.err); got != tc.want {
				t.Errorf("retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestRetryingDoerContext(t *testing.T) {
	checkNoGoroutineLeaks(t)
	tests := []struct {
		name string
		// run builds the doer from newDoer and performs one call.
		run          func(t *testing.T, d func(...RetryOption) *RetryingDoer, url string) (*http.Response, error)
		steps        []step
		wantErrIs    error
		wantErrText  string
		wantStatus   int
		wantAttempts int
	}{
		{
			name:  "cancelled during backoff stops with no further attempt",
			steps: []step{{503, nil, "busy"}},
			run: func(t *testing.T, newDoer func(...RetryOption) *RetryingDoer, url string) (*http.Response, error) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				d := newDoer(WithRetrySleep(func(ctx context.Context, _ time.Duration) error {
					cancel()
					return ctx.Err()
				}))
				return d.Do(mustRequest(t, ctx, url))
			},
			wantErrIs: context.Canceled, wantErrText: "last attempt: HTTP 503", wantAttempts: 1,
		},
		{
			name:  "cancel during a real one-hour backoff returns promptly",
			steps: []step{{429, nil, ""}},
			run: func(t *testing.T, newDoer func(...RetryOption) *RetryingDoer, url string) (*http.Response, error) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				sleeping := make(chan struct{})
				d := newDoer(
					WithRetryBaseDelay(time.Hour), WithRetryMaxDelay(time.Hour),
					WithRetrySleep(func(ctx context.Context, delay time.Duration) error {
						close(sleeping)
						return sleepContext(ctx, delay)
					}))
				type result struct {
					resp *http.Response
					err  error
				}
				done := make(chan result, 1)
				go func() {
					resp, err := d.Do(mustRequest(t, ctx, url))
					done <- result{resp, err}
				}()
				<-sleeping
				cancel()
				// A guard against hanging, not a timing assertion: a doer
				// that ignored the cancellation would sleep for an hour.
				select {
				case r := <-done:
					return r.resp, r.err
				case <-time.After(30 * time.Second):
					t.Fatal("Do did not return after its context was cancelled")
					return nil, nil
				}
			},
			wantErrIs: context.Canceled, wantErrText: "last attempt: HTTP 429", wantAttempts: 1,
		},
		{
			name:  "deadline reached during backoff",
			steps: []step{{503, nil, ""}},
			run: func(t *testing.T, newDoer func(...RetryOption) *RetryingDoer, url string) (*http.Response, error) {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				// The wait is shorter than the deadline, but the
				// deadline arrives first (as on a stalled machine).
				d := newDoer(WithRetryBaseDelay(time.Millisecond), WithRetrySleep(func(ctx context.Context, _ time.Duration) error {
					<-ctx.Done()
					return nil // a sloppy sleep: the doer must still notice
				}))
				return d.Do(mustRequest(t, ctx, url))
			},
			wantErrIs: context.DeadlineExceeded, wantErrText: "retrying stopped after 1 attempt(s)", wantAttempts: 1,
		},
		{
			name:  "wait that would pass the deadline returns the last response",
			steps: []step{{429, map[string]string{"Retry-After": "7200"}, errBody}, {200, nil, ""}},
			run: func(t *testing.T, newDoer func(...RetryOption) *RetryingDoer, url string) (*http.Response, error) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
				defer cancel()
				rec := &sleepRecorder{}
				d := newDoer(WithRetryMaxDelay(3*time.Hour), WithRetrySleep(rec.sleep))
				resp, err := d.Do(mustRequest(t, ctx, url))
				if n := len(rec.got()); n != 0 {
					t.Errorf("slept %d times, want 0", n)
				}
				if resp != nil {
					if got := readBody(t, resp); got != errBody {
						t.Errorf("body = %q, want %q", got, errBody)
					}
				}
				return resp, err
			},
			wantStatus: 429, wantAttempts: 1,
		},
		{
			name:  "distant deadline lets retries proceed",
			steps: []step{{429, nil, ""}, {200, nil, ""}},
			run: func(t *testing.T, newDoer func(...RetryOption) *RetryingDoer, url string) (*http.Response, error) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
				defer cancel()
				d := newDoer(WithRetrySleep((&sleepRecorder{}).sleep))
				return d.Do(mustRequest(t, ctx, url))
			},
			wantStatus: 200, wantAttempts: 2,
		},
		{
			name:  "already cancelled context makes no attempt reach the server",
			steps: []step{{200, nil, ""}},
			run: func(t *testing.T, newDoer func(...RetryOption) *RetryingDoer, url string) (*http.Response, error) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return newDoer(WithRetrySleep((&sleepRecorder{}).sleep)).Do(mustRequest(t, ctx, url))
			},
			wantErrIs: context.Canceled, wantAttempts: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, tc.steps)
			base := &trackingDoer{base: srv.Client()}
			newDoer := func(opts ...RetryOption) *RetryingDoer {
				return NewRetryingDoer(base, append([]RetryOption{WithRetryRandom(maxJitter)}, opts...)...)
			}
			resp, err := tc.run(t, newDoer, srv.URL+"/v2/p/tasks/1/stop")
			if tc.wantErrIs != nil {
				if !errors.Is(err, tc.wantErrIs) {
					t.Fatalf("Do error = %v, want errors.Is %v", err, tc.wantErrIs)
				}
				if !strings.Contains(err.Error(), tc.wantErrText) {
					t.Errorf("Do error = %q, want it to contain %q", err, tc.wantErrText)
				}
				if resp != nil {
					t.Errorf("got a response alongside the error")
				}
				base.checkDiscardedBodies(t, false)
			} else {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if resp.StatusCode != tc.wantStatus {
					t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
				}
				_ = resp.Body.Close()
			}
			if got := len(srv.seen()); got != tc.wantAttempts {
				t.Errorf("server saw %d attempts, want %d", got, tc.wantAttempts)
			}
		})
	}
}

func mustRequest(t *testing.T, ctx context.Context, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestRetryingDoerThroughGeneratedClient(t *testing.T) {
	checkNoGoroutineLeaks(t)
	const project, task = "2c0689c860ad4728a497c91ec0844383", int64(191297407830872)
	json := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name         string
		steps        []step
		wantAttempts int
		wantStatus   int
		check        func(t *testing.T, r *StopTaskResponse)
	}{
		{
			name:         "throttled twice then stopped",
			steps:        []step{{429, json, errBody}, {429, json, errBody}, {200, nil, ""}},
			wantAttempts: 3, wantStatus: 200,
		},
		{
			name:         "task not migrating is not retried",
			steps:        []step{{400, json, `{"error_code":"OMS.0066","error_msg":"not migrating"}`}, {200, nil, ""}},
			wantAttempts: 1, wantStatus: 400,
			check: func(t *testing.T, r *StopTaskResponse) {
				if r.JSON400 == nil || r.JSON400.ErrorCode != "OMS.0066" {
					t.Errorf("JSON400 = %+v, want error_code OMS.0066", r.JSON400)
				}
			},
		},
		{
			name:         "internal error is not retried",
			steps:        []step{{500, json, `{"error_code":"OMS.0159","error_msg":"system error"}`}, {200, nil, ""}},
			wantAttempts: 1, wantStatus: 500,
			check: func(t *testing.T, r *StopTaskResponse) {
				if r.JSON500 == nil || r.JSON500.ErrorCode != "OMS.0159" {
					t.Errorf("JSON500 = %+v, want error_code OMS.0159", r.JSON500)
				}
			},
		},
		{
			name:         "gateway unavailable until attempts run out",
			steps:        []step{{503, json, errBody}},
			wantAttempts: 3, wantStatus: 503,
			check: func(t *testing.T, r *StopTaskResponse) {
				if r.JSON503 == nil || r.JSON503.ErrorCode != "APIGW.0308" {
					t.Errorf("JSON503 = %+v, want error_code APIGW.0308 (body must survive)", r.JSON503)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, tc.steps)
			rec := &sleepRecorder{}
			client, err := NewClientWithResponses(srv.URL,
				WithHTTPClient(NewRetryingDoer(nil, WithRetryMaxAttempts(3), WithRetrySleep(rec.sleep))),
				WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
					req.Header.Set("X-Auth-Token", "tok")
					return nil
				}))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.StopTaskWithResponse(context.Background(), project, task)
			if err != nil {
				t.Fatalf("StopTaskWithResponse: %v", err)
			}
			if resp.StatusCode() != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode(), tc.wantStatus)
			}
			if tc.check != nil {
				tc.check(t, resp)
			}
			hits := srv.seen()
			if len(hits) != tc.wantAttempts {
				t.Errorf("server saw %d attempts, want %d", len(hits), tc.wantAttempts)
			}
			wantPath := fmt.Sprintf("/v2/%s/tasks/%d/stop", project, task)
			for i, h := range hits {
				if h.method != http.MethodPost || h.path != wantPath || h.token != "tok" {
					t.Errorf("attempt %d = %+v, want POST %s with the token", i+1, h, wantPath)
				}
			}
			if got := len(rec.got()); got != tc.wantAttempts-1 {
				t.Errorf("waited %d times, want %d", got, tc.wantAttempts-1)
			}
		})
	}
}

// nilDoer breaks the HttpRequestDoer contract by returning neither a
// response nor an error.
type nilDoer struct{}

func (nilDoer) Do(*http.Request) (*http.Response, error) { return nil, nil }

func TestRetryingDoerMisuse(t *testing.T) {
	checkNoGoroutineLeaks(t)
	srv := newScriptServer(t, []step{{429, nil, ""}, {200, nil, ""}})
	req := func() *http.Request { return mustRequest(t, context.Background(), srv.URL) }
	tests := []struct {
		name         string
		do           func() (*http.Response, error)
		wantErr      string
		wantStatus   int
		wantAttempts int
	}{
		{
			name:    "nil receiver",
			do:      func() (*http.Response, error) { var d *RetryingDoer; return d.Do(req()) },
			wantErr: "nil *RetryingDoer",
		},
		{
			name:    "nil request",
			do:      func() (*http.Response, error) { return NewRetryingDoer(srv.Client()).Do(nil) },
			wantErr: "nil *http.Request",
		},
		{
			name:    "base returns neither response nor error",
			do:      func() (*http.Response, error) { return NewRetryingDoer(nilDoer{}).Do(req()) },
			wantErr: "neither a response nor an error",
		},
		{
			name:         "zero value makes a single attempt",
			do:           func() (*http.Response, error) { return (&RetryingDoer{}).Do(req()) },
			wantStatus:   429,
			wantAttempts: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.seen())
			resp, err := tc.do()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				if resp != nil {
					t.Errorf("got a response alongside the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := len(srv.seen()) - before; got != tc.wantAttempts {
				t.Errorf("server saw %d attempts, want %d", got, tc.wantAttempts)
			}
		})
	}
	// The zero value used http.DefaultClient; its idle connection to this
	// server would otherwise outlive the test.
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
}
