package mock_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

func TestNewServerLimits(t *testing.T) {
	t.Parallel()
	m, err := mock.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := mock.NewServer(context.Background(), "127.0.0.1:0", m)
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Errorf("server limits not all set: %+v", srv)
	}
	if srv.MaxHeaderBytes < gen.MaxTokenLength*2 {
		t.Errorf("MaxHeaderBytes %d cannot carry the longest token", srv.MaxHeaderBytes)
	}
	if srv.Addr != "127.0.0.1:0" || srv.Handler == nil {
		t.Errorf("Addr %q, Handler %v", srv.Addr, srv.Handler)
	}
	if !srv.DisableGeneralOptionsHandler {
		t.Errorf("DisableGeneralOptionsHandler is false: net/http would answer OPTIONS * itself, outside the contract")
	}
}

// serveRaw serves m with Serve on loopback and returns its address; the
// server stops when the test ends.
func serveRaw(t *testing.T, m *mock.Mock) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mock.Serve(ctx, ln, m) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// dialRaw connects to addr. The deadline only keeps a broken server from
// hanging the test; no assertion depends on time.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readAnswer reads one answer from r, checks it is in the contract's shape
// and returns it, the response (its body read) and the body.
func readAnswer(t *testing.T, r *bufio.Reader) (answer, *http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodPost})
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return checkAnswer(t, resp.StatusCode, resp.Header, body), resp, string(body)
}

// TestServeRewritesNetHTTPRefusals sends, over real connections to Serve,
// the requests net/http refuses before any handler runs. Each must get the
// contract's 400 OMS.0064 in the Error schema with an X-Request-Id instead
// of net/http's text/plain 400, 431, 501, 505 or 417, and must not reach
// the mock's handler.
func TestServeRewritesNetHTTPRefusals(t *testing.T) {
	t.Parallel()
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveRaw(t, m)
	stop := "/v2/" + mock.DefaultProjectID + "/tasks/191297407830872/stop"
	auth := "X-Auth-Token: " + mock.DefaultToken + "\r\n"
	tests := []struct {
		name, request, problem string
	}{
		{"oversized headers", "POST " + stop + " HTTP/1.1\r\nHost: h\r\n" + auth + "X-Padding: " + strings.Repeat("p", 4*mock.MaxHeaderBytes) + "\r\n\r\n", "request header fields too large"},
		{"malformed escape in the path", "POST /v2/%zz/tasks/1/stop HTTP/1.1\r\nHost: h\r\n" + auth + "\r\n", "malformed request line, target or header"},
		{"Content-Length not a number", "POST " + stop + " HTTP/1.1\r\nHost: h\r\n" + auth + "Content-Length: abc\r\n\r\n", "malformed request line, target or header"},
		{"invalid header name", "POST " + stop + " HTTP/1.1\r\nHost: h\r\n" + auth + "Bad Header: x\r\n\r\n", "invalid header name"},
		{"missing Host", "POST " + stop + " HTTP/1.1\r\n" + auth + "\r\n", "missing required Host header"},
		{"malformed Host", "POST " + stop + " HTTP/1.1\r\nHost: a b\r\n" + auth + "\r\n", "malformed Host header"},
		{"unknown Transfer-Encoding", "POST " + stop + " HTTP/1.1\r\nHost: h\r\n" + auth + "Transfer-Encoding: gzip\r\n\r\n", "unsupported transfer encoding"},
		{"HTTP/2.0 request line", "POST " + stop + " HTTP/2.0\r\nHost: h\r\n" + auth + "\r\n", "unsupported protocol version"},
		{"unknown Expect", "POST " + stop + " HTTP/1.1\r\nHost: h\r\n" + auth + "Expect: teapot\r\n\r\n", "unsupported Expect header (only 100-continue is supported)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := m.Stats().Requests
			conn := dialRaw(t, addr)
			// Written alongside the read: net/http answers an oversized
			// request before reading all of it.
			written := make(chan struct{})
			go func() { defer close(written); _, _ = io.WriteString(conn, tt.request) }()
			defer func() { <-written }()
			got, resp, body := readAnswer(t, bufio.NewReader(conn))
			if got != (answer{http.StatusBadRequest, gen.CodeInvalidParameters}) {
				t.Errorf("answer %+v, want 400 %s", got, gen.CodeInvalidParameters)
			}
			if !strings.Contains(body, tt.problem) {
				t.Errorf("body %s does not name the problem %q", body, tt.problem)
			}
			if !resp.Close {
				t.Errorf("no Connection: close, yet net/http hangs up after this answer")
			}
			if n := m.Stats().Requests - before; n != 0 {
				t.Errorf("the request reached the mock's handler (%d requests counted)", n)
			}
		})
	}
	if diff := cmp.Diff(mock.StatusMigrating, mustTask(t, m, mock.DefaultProjectID, mock.DefaultMigratingTaskID).Status); diff != "" {
		t.Errorf("the migrating task changed (-want +got):\n%s", diff)
	}
}

// TestServe serves on a loopback listener, answers a call, and returns nil
// once its context is cancelled, having closed the listener.
func TestServe(t *testing.T) {
	t.Parallel()
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mock.Serve(ctx, ln, m) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := gen.NewClientWithResponses("http://"+ln.Addr().String(), gen.WithHTTPClient(&http.Client{Transport: tr}), gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.StopTaskWithResponse(context.Background(), mock.DefaultProjectID, mock.DefaultMigratingTaskID)
	if err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatalf("StopTask over Serve: %v, %v", resp, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v after cancel, want nil", err)
	}
	if conn, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		conn.Close()
		t.Errorf("listener still accepts connections after Serve returned")
	}
}

// TestServeListenerError: Serve reports a listener that fails.
func TestServeListenerError(t *testing.T) {
	t.Parallel()
	m, err := mock.New()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := mock.Serve(context.Background(), ln, m); err == nil {
		t.Errorf("Serve on a closed listener = nil, want an error")
	}
}

// TestServeKeepAliveThenRefusal: on one kept-alive connection, the mock's
// own answers pass through untouched around a request net/http refuses
// itself mid-connection, whose answer is rewritten.
func TestServeKeepAliveThenRefusal(t *testing.T) {
	t.Parallel()
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		t.Fatal(err)
	}
	conn := dialRaw(t, serveRaw(t, m))
	r := bufio.NewReader(conn)
	auth := "X-Auth-Token: " + mock.DefaultToken + "\r\n"
	stopFinished := "/v2/" + mock.DefaultProjectID + "/tasks/" + strconv.FormatInt(mock.DefaultSucceededTaskID, 10) + "/stop"

	// Two requests the mock answers itself (404, then 400 OMS.0070),
	// keeping the connection open.
	if _, err := io.WriteString(conn, "POST /nowhere HTTP/1.1\r\nHost: h\r\n"+auth+"\r\n"); err != nil {
		t.Fatal(err)
	}
	if got, resp, _ := readAnswer(t, r); got != (answer{http.StatusNotFound, "APIGW.0101"}) || resp.Close {
		t.Errorf("first answer %+v (close %v), want 404 APIGW.0101 on a kept-alive connection", got, resp.Close)
	}
	if _, err := io.WriteString(conn, "POST "+stopFinished+" HTTP/1.1\r\nHost: h\r\n"+auth+"\r\n"); err != nil {
		t.Fatal(err)
	}
	if got, _, body := readAnswer(t, r); got != (answer{http.StatusBadRequest, gen.CodeAlreadyFinished}) {
		t.Errorf("second answer %+v %s, want 400 %s untouched", got, body, gen.CodeAlreadyFinished)
	}
	// Then one net/http refuses before any handler.
	if _, err := io.WriteString(conn, "POST "+stopFinished+" HTTP/1.1\r\nHost: h\r\n"+auth+"Transfer-Encoding: gzip\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, resp, body := readAnswer(t, r)
	if got != (answer{http.StatusBadRequest, gen.CodeInvalidParameters}) || !resp.Close || !strings.Contains(body, "unsupported transfer encoding") {
		t.Errorf("third answer %+v (close %v) %s, want 400 %s naming the transfer encoding, closing", got, resp.Close, body, gen.CodeInvalidParameters)
	}
	if n := m.Stats().Requests; n != 2 {
		t.Errorf("the handler saw %d requests, want 2", n)
	}
}

// TestServeOptionsAsterisk: "OPTIONS *" reaches the mock's handler, which
// answers it as an unknown API in the contract's shape, instead of
// net/http's built-in empty 200.
func TestServeOptionsAsterisk(t *testing.T) {
	t.Parallel()
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		t.Fatal(err)
	}
	conn := dialRaw(t, serveRaw(t, m))
	if _, err := io.WriteString(conn, "OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := readAnswer(t, bufio.NewReader(conn)); got != (answer{http.StatusNotFound, "APIGW.0101"}) {
		t.Errorf("OPTIONS * answered %+v, want 404 APIGW.0101", got)
	}
	if n := m.Stats().Requests; n != 1 {
		t.Errorf("the handler saw %d requests, want 1", n)
	}
}
