package mock

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server limits applied by NewServer. They bound what a slow or hostile
// client can hold: the header limit leaves room for the longest IAM token
// (16384 characters) several times over.
const (
	// ReadHeaderTimeout bounds a client trickling its headers (slowloris).
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds reading a whole request.
	ReadTimeout = 30 * time.Second
	// WriteTimeout bounds handling and writing an answer.
	WriteTimeout = 30 * time.Second
	// IdleTimeout closes kept-alive connections nobody uses.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds the request headers.
	MaxHeaderBytes = 64 << 10
	// ShutdownTimeout is how long Serve waits for in-flight requests once its
	// context is done.
	ShutdownTimeout = 5 * time.Second
)

// NewServer returns an http.Server for addr serving m.Handler() with the
// limits above; the caller starts it and shuts it down. Request contexts
// derive from ctx (a nil ctx means context.Background()), so cancelling ctx
// cancels in-flight requests.
//
// Start it with srv.Serve(WrapListener(ln)), as Serve does: net/http
// answers some malformed requests itself, in text/plain and with statuses
// the contract does not document, and only the wrapped listener turns those
// answers into the contract's Error JSON (see WrapListener).
// srv.ListenAndServe offers no place to wrap the listener.
//
// DisableGeneralOptionsHandler is set so that "OPTIONS *" reaches the
// mock's handler, which answers it in the contract's shape (404, Error
// JSON, X-Request-Id), rather than net/http's built-in empty 200.
func NewServer(ctx context.Context, addr string, m *Mock) *http.Server {
	if ctx == nil {
		ctx = context.Background()
	}
	return &http.Server{
		Addr:              addr,
		Handler:           m.Handler(),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		// See above: every answer comes from the mock's handler.
		DisableGeneralOptionsHandler: true,
		BaseContext:                  func(net.Listener) context.Context { return ctx },
	}
}

// Serve serves m on ln until ctx is done, then shuts down gracefully
// (waiting at most ShutdownTimeout for in-flight requests) and returns nil.
// It returns early with the error if serving fails. Either way nothing it
// started is left running, and ln is closed. Connections are accepted
// through WrapListener, so that even the requests net/http refuses by
// itself get the contract's Error answer.
func Serve(ctx context.Context, ln net.Listener, m *Mock) error {
	srv := NewServer(ctx, ln.Addr().String(), m)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(WrapListener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		// Shutdown gave up on stuck connections; cut them.
		_ = srv.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
