package mock_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServerAnswersBeforeTheHandler: what net/http would answer itself,
// where it lets the mock answer instead, is answered in the contract's
// shape; where it does not (see Server), the gap is pinned here, so that a
// net/http that grows a hook shows up.
func TestServerAnswersBeforeTheHandler(t *testing.T) {
	h := setup(t, nil)
	tests := []struct {
		name    string
		raw     string
		status  int
		netHTTP bool // net/http answers, text/plain, without a request ID
	}{
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusNotFound, false},
		{"bad escape", "POST /v2/%zz/tasks/1/stop HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusBadRequest, true},
		{"headers past MaxHeaderBytes", "POST /v2 HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge, true},
		{"unknown HTTP version", "POST /v2 HTTP/3.0\r\nHost: x\r\n\r\n", http.StatusHTTPVersionNotSupported, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", h.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hang fails; nothing is timed
			go io.WriteString(conn, tt.raw)                        // net/http may answer before it has read it all
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			resp.Body.Close()
			shaped := resp.Header.Get("Content-Type") == "application/json" && resp.Header.Get(h.v.RequestIDHeader()) != ""
			if resp.StatusCode != tt.status || shaped == tt.netHTTP {
				t.Errorf("got %d %v; want %d, in the contract's shape: %v", resp.StatusCode, resp.Header, tt.status, !tt.netHTTP)
			}
		})
	}
}
