package mock

import (
	"net/http"
	"time"
)

// Server returns an http.Server for m with timeouts that bound what a slow
// or hostile client can hold. "OPTIONS *" reaches the mock, which answers
// it 404 in the contract's shape (net/http would answer 200 itself).
//
// net/http refuses some requests before any handler runs, and offers no
// hook to answer them otherwise: a request line or URI it cannot parse
// (400), headers past MaxHeaderBytes (431), an HTTP version it does not
// speak (505), a bad Host header or Transfer-Encoding (400). Those answers
// are text/plain, without a request ID, and close the connection.
func (m *Mock) Server() *http.Server {
	return &http.Server{Handler: m.handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 1 << 20,
		DisableGeneralOptionsHandler: true}
}
