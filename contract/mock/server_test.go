package mock_test

import (
	"context"
	"net"
	"net/http"
	"testing"

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
