package contract_test

// Tests with hostile servers and clients: each would hang the exchange,
// hold unbounded memory or misplace the blame without the bound it proves.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
)

// watchdog is how long a hostile peer holds on before it lets go by
// itself, so that a test whose bound is missing fails instead of hanging.
// It is a deadline, not a measure of speed.
const watchdog = 10 * time.Second

// holding serves connections that get head, then fn's writes (if any) until
// the test lets go. letGo reports whether the watchdog had to let go first:
// the client under test waited the server out.
func holding(t *testing.T, head string, drip func(net.Conn) error) (url string, letGo func() (waitedOut bool)) {
	t.Helper()
	release := make(chan struct{})
	var once sync.Once
	var fired atomic.Bool
	free := func() { once.Do(func() { close(release) }) }
	timer := time.AfterFunc(watchdog, func() { fired.Store(true); free() })
	t.Cleanup(func() { timer.Stop(); free() })
	srv := hijacking(t, func(c net.Conn) {
		io.WriteString(c, head)
		for {
			select {
			case <-release:
				return
			case <-time.After(10 * time.Millisecond):
				if drip == nil || drip(c) != nil {
					<-release
					return
				}
			}
		}
	})
	return srv.URL, func() bool { timer.Stop(); free(); return fired.Load() }
}

// TestSwitchingProtocolsIsNotRead: the body of a 101 is the upgraded
// connection, which the server may hold open for ever. The transport does
// not read it, so the call returns (and --timeout holds) however long the
// server holds on; the proxy answers 502 instead of tunnelling.
func TestSwitchingProtocolsIsNotRead(t *testing.T) {
	h := setup(t)
	const upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: hostile\r\nConnection: Upgrade\r\nX-Request-Id: up-1\r\n\r\n"
	t.Run("transport", func(t *testing.T) {
		url, letGo := holding(t, upgrade, nil)
		rec := &contract.Recorder{}
		client := &http.Client{Transport: contract.NewTransport(validatorFor(t, url), nil, contract.WithRecorder(rec))}
		resp, _ := do(t, client, request(t, http.MethodPost, url+h.validPath(), token))
		if letGo() {
			t.Fatal("the transport read the upgraded connection until the server let go")
		}
		if resp.StatusCode != http.StatusSwitchingProtocols || len(rec.Records()) != 1 || !rec.Records()[0].Violations.Has(contract.KindStatus) {
			t.Errorf("got %d, recorded %+v; want 101 recorded as an undocumented status", resp.StatusCode, rec.Records())
		}
	})
	t.Run("proxy", func(t *testing.T) {
		url, letGo := holding(t, upgrade, nil)
		h.proxyRefuses(t, url, letGo, http.StatusBadGateway, contract.KindStatus)
	})
}

// proxyRefuses asks a proxy to url: the upstream must not be waited out
// (letGo), the client must get status in the contract's shape, and the log
// one line with a violation of kind.
func (h *harness) proxyRefuses(t *testing.T, url string, letGo func() bool, status int, kind contract.Kind, opts ...contract.ProxyOption) {
	t.Helper()
	srv, log := proxyTo(t, url, opts...)
	got, _ := h.ask(t, srv.URL, http.MethodPost, h.validPath(), token)
	if letGo() {
		t.Fatal("the proxy waited until the upstream let go")
	}
	want := middlewareAnswer{Status: status, Code: h.spec.statusCode(t, status), RequestID: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the client's answer (-want +got):\n%s", diff)
	}
	if rs := log.records(t); len(rs) != 1 || !rs[0].Violations.Has(kind) {
		t.Errorf("log:\n%s\nwant one line with a violation of kind %s", log.text(), kind)
	}
}

// TestProxyBoundsTheWholeExchange: an upstream whose body stalls or drips
// after its headers gets the proxy's 504 when the proxy's timeout fires,
// and the log a line.
func TestProxyBoundsTheWholeExchange(t *testing.T) {
	h := setup(t)
	head := "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Request-Id: up-1\r\nContent-Length: 100000\r\n\r\n{"
	tests := []struct {
		name string
		drip func(net.Conn) error
	}{
		{"body stalls", nil},
		{"body drips", func(c net.Conn) error { _, err := io.WriteString(c, " "); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, letGo := holding(t, head, tt.drip)
			// 200ms is how long the proxy waits, not an assertion.
			h.proxyRefuses(t, url, letGo, http.StatusGatewayTimeout, contract.KindTransport, contract.WithProxyTimeout(200*time.Millisecond))
		})
	}
}

// TestProxyBoundsTheRequestBody: a client announcing 200 MB gets 413 in the
// contract's shape once the proxy has read past its body limit, long before
// it has sent its body: the proxy does not hold it. The upstream never sees
// the request.
func TestProxyBoundsTheRequestBody(t *testing.T) {
	h := setup(t)
	var reached atomic.Int64
	up := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	srv, _ := proxyTo(t, up.URL)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(watchdog))
	limit := validatorFor(t, up.URL).MaxBodyBytes()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", h.validPath(), 200<<20)
	if _, err := conn.Write(make([]byte, 2*limit)); err != nil {
		t.Fatalf("the proxy stopped reading before its limit: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer after %d of 200 MiB: %v", 2*limit, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get(h.spec.requestID) == "" ||
		resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(body), `"error_code"`) {
		t.Errorf("got %d %v %s; want 413 in the contract's shape", resp.StatusCode, resp.Header, body)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the upstream got %d requests", n)
	}
}

// TestTransportStreamsARequestBodyPastItsLimit: the transport holds no more
// of a request body than it validates; the rest is streamed to the server,
// and the exchange recorded as not validated.
func TestTransportStreamsARequestBodyPastItsLimit(t *testing.T) {
	h := setup(t)
	var got atomic.Int64
	up := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		w.Header().Set("X-Request-Id", "r")
	}))
	v := validatorFor(t, up.URL, contract.WithMaxBodyBytes(1024))
	rec := &contract.Recorder{}
	client := &http.Client{Transport: contract.NewTransport(v, nil, contract.WithRecorder(rec))}
	const sent = 32 << 20
	req := request(t, http.MethodPost, up.URL+h.validPath(), token)
	req.Body, req.ContentLength = io.NopCloser(io.LimitReader(zeros{}, sent)), sent
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	do(t, client, req)
	runtime.ReadMemStats(&after)
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > sent/4 {
		t.Errorf("sending allocated %d MiB: the body was held", allocated>>20)
	}
	if got.Load() != sent {
		t.Errorf("the server got %d bytes of %d", got.Load(), sent)
	}
	want := fmt.Sprintf("the body exceeds %d bytes and was not validated", 1024)
	if rs := rec.Records(); len(rs) != 1 || len(rs[0].Violations) != 1 || rs[0].Violations[0].Reason != want {
		t.Errorf("recorded %+v; want %q", rs, want)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestProxyBlamesAClientThatGivesUpMidBody: the upstream has begun its
// answer when the proxy's client goes away; the log says the client gave
// up, not that the upstream cut its answer short.
func TestProxyBlamesAClientThatGivesUpMidBody(t *testing.T) {
	h := setup(t)
	began := make(chan struct{})
	var once sync.Once
	url, _ := holding(t, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Request-Id: up-1\r\nContent-Length: 100\r\n\r\n{",
		func(net.Conn) error { once.Do(func() { close(began) }); return nil })
	srv, log := proxyTo(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-began; cancel() }()
	if _, err := srv.Client().Do(request(t, http.MethodPost, srv.URL+h.validPath(), token).WithContext(ctx)); err == nil {
		t.Fatal("a cancelled call succeeded")
	}
	deadline := time.Now().Add(watchdog)
	for len(log.records(t)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	rs := log.records(t)
	if len(rs) != 1 {
		t.Fatalf("log:\n%s\nwant one line", log.text())
	}
	for _, vi := range rs[0].Violations {
		if vi.Kind == contract.KindTransport && (vi.Direction != contract.DirectionRequest || !strings.Contains(vi.Reason, "the client gave up")) {
			t.Errorf("logged %v; want the client blamed", vi)
		}
	}
}

// TestNoFalseGreen: answers kin-openapi alone lets through, each of which a
// client reads otherwise than the validator did.
func TestNoFalseGreen(t *testing.T) {
	h := setup(t)
	ok := errorAnswer(http.StatusBadRequest, "OMS.0066")
	twoTypes := errorAnswer(http.StatusBadRequest, "OMS.0066")
	twoTypes.header["Content-Type"] = []string{"application/json", "text/html"}
	trailing := errorAnswer(http.StatusBadRequest, "OMS.0066")
	trailing.body += `{"error_code":"OMS.1009","error_msg":"m"}`
	tests := []struct {
		name   string
		answer canned
		want   []string
	}{
		{"a conforming answer", ok, nil},
		{"two Content-Types", twoTypes, []string{"response"}},
		{"a second JSON value after the body's", trailing, []string{"response"}},
		{"401 with a code documented for 401", errorAnswer(http.StatusUnauthorized, h.spec.exampleCodes("401")[0]), nil},
		{"401 with a code not documented for 401", errorAnswer(http.StatusUnauthorized, "OMS.1009"), []string{"response"}},
		{"400 with an undocumented code: OMS's codes are open-ended", errorAnswer(http.StatusBadRequest, "OMS.9999"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.recordAnswer(t, tt.answer); !cmp.Equal(tt.want, got) {
				t.Errorf("recorded %v, want %v", got, tt.want)
			}
		})
	}
	// A request that matches no operation may get any 4xx in the 404's
	// shape; only a 404 is held to the 404's codes.
	for _, u := range []struct {
		answer canned
		want   []string
	}{
		{errorAnswer(http.StatusTooManyRequests, "APIGW.0308"), []string{"method"}}, // the request's own
		{errorAnswer(http.StatusNotFound, "OMS.1009"), []string{"method", "response"}},
	} {
		if got := h.recordAnswerTo(t, http.MethodGet, h.validPath(), u.answer); !cmp.Equal(u.want, got) {
			t.Errorf("%d %s to an unrouted request: recorded %v, want %v", u.answer.status, u.answer.body, got, u.want)
		}
	}
}

// TestNoFalseRed: an empty body with a Content-Encoding is not a broken
// compressed stream.
func TestNoFalseRed(t *testing.T) {
	h := setup(t)
	up := upstream(t, canned{status: http.StatusOK, header: http.Header{"Content-Encoding": {"gzip"}, "X-Request-Id": {"r"}}})
	rec := &contract.Recorder{}
	client := &http.Client{Transport: contract.NewTransport(validatorFor(t, up.URL), nil, contract.WithRecorder(rec))}
	req := request(t, http.MethodPost, up.URL+h.validPath(), token)
	req.Header.Set("Accept-Encoding", "gzip") // so that net/http does not decode it itself
	do(t, client, req)
	if rs := rec.Records(); len(rs) > 0 {
		t.Errorf("recorded %+v", rs)
	}
}
