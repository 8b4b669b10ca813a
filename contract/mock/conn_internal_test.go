package mock

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/oms-contract/stoptask/gen"
)

// recordingConn is a net.Conn that records what is written to it. Only
// Write and CloseWrite are used by the code under test.
type recordingConn struct {
	net.Conn
	writes     [][]byte
	closeWrite int
	fail       error
}

func (c *recordingConn) Write(p []byte) (int, error) {
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func (c *recordingConn) CloseWrite() error { c.closeWrite++; return nil }

// The canned answers of go1.26's net/http, byte for byte as its conn.serve
// writes them (captured from a real server, see conn.go).
const (
	canned431      = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large"
	canned400      = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
	canned400Name  = "HTTP/1.1 400 Bad Request: invalid header name\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: invalid header name"
	canned400Value = "HTTP/1.1 400 Bad Request: invalid header value\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: invalid header value"
	canned400Host  = "HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header"
	canned400BadH  = "HTTP/1.1 400 Bad Request: malformed Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: malformed Host header"
	canned501      = "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding"
	canned505      = "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n505 HTTP Version Not Supported: unsupported protocol version"
	canned417      = "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Sat, 14 Mar 2026 15:09:26 GMT\r\nContent-Length: 0\r\n\r\n"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRewriteCanned: each canned answer becomes the contract's 400 OMS.0064
// in the Error schema with X-Request-Id, Connection: close and a correct
// Content-Length, and Write reports the caller's bytes as written.
func TestRewriteCanned(t *testing.T) {
	tests := []struct {
		name, in, problem string
	}{
		{"431 oversized headers", canned431, "request header fields too large"},
		{"400 unparsable request", canned400, "malformed request line, target or header"},
		{"400 invalid header name", canned400Name, "invalid header name"},
		{"400 invalid header value", canned400Value, "invalid header value"},
		{"400 missing Host", canned400Host, "missing required Host header"},
		{"400 malformed Host", canned400BadH, "malformed Host header"},
		{"501 transfer encoding", canned501, "unsupported transfer encoding"},
		{"505 HTTP version", canned505, "unsupported protocol version"},
		{"417 Expect", canned417, "unsupported Expect header (only 100-continue is supported)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &recordingConn{}
			c := &rewriteConn{Conn: rc}
			n, err := c.Write([]byte(tt.in))
			if err != nil || n != len(tt.in) {
				t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(tt.in))
			}
			if len(rc.writes) != 1 {
				t.Fatalf("%d writes reached the connection, want 1", len(rc.writes))
			}
			out := rc.writes[0]
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
			if err != nil {
				t.Fatalf("the rewritten answer is not HTTP: %v\n%q", err, out)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("reading the body: %v\n%q", err, out)
			}
			if resp.StatusCode != http.StatusBadRequest || resp.Proto != "HTTP/1.1" {
				t.Errorf("status %s %d, want HTTP/1.1 400", resp.Proto, resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if id := resp.Header.Values(gen.HeaderRequestID); len(id) != 1 || !hex32.MatchString(id[0]) {
				t.Errorf("X-Request-Id %q, want one 32-hex-digit value", id)
			}
			// ReadResponse consumes the Connection header into Close.
			head, _, _ := bytes.Cut(out, []byte("\r\n\r\n"))
			if !resp.Close || !bytes.Contains(head, []byte("\r\nConnection: close\r\n")) {
				t.Errorf("no Connection: close in\n%s", head)
			}
			if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %q, body %d bytes", cl, len(body))
			}
			if !bytes.HasSuffix(out, body) || len(out) != bytes.Index(out, []byte("\r\n\r\n"))+4+len(body) {
				t.Errorf("bytes after the body, or a body of the wrong length:\n%q", out)
			}
			var e gen.Error
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("body %q is not the Error schema: %v", body, err)
			}
			if e.ErrorCode != gen.CodeInvalidParameters || e.ErrorMsg != "Invalid request parameters: "+tt.problem+"." {
				t.Errorf("Error %+v, want %s with the problem %q", e, gen.CodeInvalidParameters, tt.problem)
			}
		})
	}
}

// TestRewriteLeavesOtherWritesAlone: anything but a whole canned answer in
// one write passes through byte for byte: the mock's own answers, canned
// answers split across writes or with bytes added, and look-alikes that
// differ in a single place.
func TestRewriteLeavesOtherWritesAlone(t *testing.T) {
	ok200 := "HTTP/1.1 200 OK\r\nX-Request-Id: 6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d\r\nDate: Sat, 14 Mar 2026 15:09:26 GMT\r\nContent-Length: 0\r\n\r\n"
	json400 := "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nX-Request-Id: 6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d\r\nDate: Sat, 14 Mar 2026 15:09:26 GMT\r\nContent-Length: 97\r\n\r\n" +
		`{"error_code":"OMS.0064","error_msg":"Invalid request parameters: StopTask takes no request body."}` + "\n"
	json400Close := strings.Replace(json400, "Content-Type: application/json\r\n", "Connection: close\r\nContent-Type: application/json\r\n", 1)
	tests := []struct {
		name   string
		writes []string
	}{
		{"the mock's 200", []string{ok200}},
		{"the mock's JSON 400", []string{json400}},
		{"the mock's JSON 400 with Connection: close", []string{json400Close}},
		{"the mock's JSON 400 in two writes", []string{json400[:40], json400[40:]}},
		{"431 split after the headers", []string{canned431[:len(canned431)-5], canned431[len(canned431)-5:]}},
		{"400 split in the status line", []string{canned400[:12], canned400[12:]}},
		{"only the body of a canned 400", []string{"400 Bad Request"}},
		{"431 with a byte more", []string{canned431 + "x"}},
		{"431 with a pipelined answer after it", []string{canned431 + ok200}},
		{"400 with its body cut short", []string{canned400[:len(canned400)-1]}},
		{"501 with another body", []string{strings.Replace(canned501, "Unsupported transfer encoding", "Not Implemented", 1)}},
		{"501 repeating its status line", []string{strings.Replace(canned501, "Unsupported transfer encoding", "501 Not Implemented", 1)}},
		{"405 without a reason", []string{strings.ReplaceAll(canned400, "400 Bad Request", "405 Method Not Allowed")}},
		{"body and status line disagree", []string{strings.Replace(canned400Name, "\r\n\r\n400 Bad Request: invalid header name", "\r\n\r\n400 Bad Request: invalid header value", 1)}},
		{"reason with markup", []string{strings.ReplaceAll(canned400Name, "invalid header name", "<b>x</b>")}},
		{"reason too long", []string{strings.ReplaceAll(canned400Name, "invalid header name", strings.Repeat("a", maxCannedReason+1))}},
		{"a 200 in canned form", []string{"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n200 OK"}},
		{"wrong reason phrase", []string{strings.ReplaceAll(canned400, "Bad Request", "Bad Input")}},
		{"HTTP/1.0", []string{strings.Replace(canned400, "HTTP/1.1", "HTTP/1.0", 1)}},
		{"text/plain without charset", []string{strings.Replace(canned400, "; charset=utf-8", "", 1)}},
		{"headers in another order", []string{"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n400 Bad Request"}},
		{"text/plain 400 with a Date", []string{"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nDate: Sat, 14 Mar 2026 15:09:26 GMT\r\n\r\n400 Bad Request"}},
		{"417 with a header more", []string{strings.Replace(canned417, "Content-Length: 0", "X-Request-Id: 6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d\r\nContent-Length: 0", 1)}},
		{"417 with a bad date", []string{strings.Replace(canned417, "Sat, 14 Mar 2026", "Sat, 99 Mar 2026", 1)}},
		{"417 split", []string{canned417[:30], canned417[30:]}},
		{"empty write", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &recordingConn{}
			c := &rewriteConn{Conn: rc}
			for _, w := range tt.writes {
				if n, err := c.Write([]byte(w)); err != nil || n != len(w) {
					t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(w))
				}
			}
			if len(rc.writes) != len(tt.writes) {
				t.Fatalf("%d writes reached the connection, want %d", len(rc.writes), len(tt.writes))
			}
			for i, w := range tt.writes {
				if string(rc.writes[i]) != w {
					t.Errorf("write %d changed:\n got %q\nwant %q", i, rc.writes[i], w)
				}
			}
		})
	}
}

// TestRewriteConnErrors: a failed write of the rewritten answer is reported
// as nothing written, and CloseWrite reaches the connection underneath (net/http
// half-closes after its 431 so that the client can read the answer).
func TestRewriteConnErrors(t *testing.T) {
	boom := errors.New("boom")
	rc := &recordingConn{fail: boom}
	c := &rewriteConn{Conn: rc}
	if n, err := c.Write([]byte(canned431)); n != 0 || !errors.Is(err, boom) {
		t.Errorf("Write on a failing connection = %d, %v; want 0, boom", n, err)
	}
	if err := c.CloseWrite(); err != nil || rc.closeWrite != 1 {
		t.Errorf("CloseWrite = %v, reached the connection %d times; want nil, once", err, rc.closeWrite)
	}
	// A connection without CloseWrite: nothing to forward, no error.
	if err := (&rewriteConn{Conn: struct{ net.Conn }{}}).CloseWrite(); err != nil {
		t.Errorf("CloseWrite without an underlying CloseWrite = %v, want nil", err)
	}
}

// oneConnListener hands out a single prepared connection.
type oneConnListener struct {
	net.Listener
	c net.Conn
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if l.c == nil {
		return nil, net.ErrClosed
	}
	c := l.c
	l.c = nil
	return c, nil
}

// TestWrapListener: plain connections are wrapped; a *tls.Conn is passed
// through as it is, since net/http recognises TLS by that concrete type.
func TestWrapListener(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c, err := WrapListener(&oneConnListener{c: a}).Accept()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*rewriteConn); !ok {
		t.Errorf("plain connection accepted as %T, want *rewriteConn", c)
	}
	tc := tls.Server(b, &tls.Config{})
	c, err = WrapListener(&oneConnListener{c: tc}).Accept()
	if err != nil {
		t.Fatal(err)
	}
	if c != net.Conn(tc) {
		t.Errorf("TLS connection accepted as %T, want the *tls.Conn itself", c)
	}
	if _, err := WrapListener(&oneConnListener{}).Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept error = %v, want the listener's", err)
	}
}
