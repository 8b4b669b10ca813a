package mock

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/oms-contract/stoptask/gen"
)

// net/http answers some requests itself, before any handler runs, so that
// neither the mock's handler nor its contract middleware ever sees them:
//
//   - headers over Server.MaxHeaderBytes: 431;
//   - a request it cannot parse (bad request line or target, "%zz" in the
//     path, a bad Content-Length, malformed header syntax): 400;
//   - a request it parses but refuses (no Host, an invalid header name or
//     value, a malformed Host): "400 Bad Request: <why>";
//   - an unknown Transfer-Encoding: 501;
//   - an HTTP version other than 1.x (HTTP/2.0 in a request line): 505;
//   - an Expect header other than 100-continue: 417.
//
// The first five are written by conn.serve as one fmt.Fprintf straight to
// the connection (go1.26 net/http/server.go, errorHeaders):
//
//	HTTP/1.1 <code> <text>\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n<body>
//
// where <body> repeats "<code> <text>", except for 501, whose body is
// "Unsupported transfer encoding". The 417 goes through the response
// writer but with no handler headers, flushed as one write:
//
//	HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: <date>\r\nContent-Length: 0\r\n\r\n
//
// None of them is in the contract: text/plain, no X-Request-Id, and 417,
// 431, 501 and 505 are not documented statuses (501 and 505 are even 5xx for
// the client's mistake). http.Server offers no hook for these answers, so
// the mock's server wraps each accepted connection and rewrites exactly
// these writes into the contract's 400 OMS.0064 answer.
//
// The match is strict on purpose, so that no answer of the mock's own can
// ever be rewritten: the write must be one whole canned answer, status line,
// the exact header block above and the exact body, and nothing more. The
// mock's own answers never look like that: they are the empty 200 or an
// Error body written by gen.WriteError as application/json (never
// text/plain), they always carry X-Request-Id, and net/http adds Date and
// Content-Length to them; and a JSON body cannot hold the raw CR LF pairs
// a status line needs, so neither a whole answer nor a fragment of one
// split across writes can match. Should a Go release change these bytes,
// the rewriting would stop, and the tests that send such requests over real
// connections (TestServeRewritesNetHTTPRefusals here, TestBadInput in
// package contract) fail rather than let it pass unnoticed.

// Bytes of net/http's canned answers (go1.26).
const (
	cannedProto   = "HTTP/1.1 "
	cannedHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	// cannedTEBody is the body of the 501 for an unknown Transfer-Encoding.
	cannedTEBody = "Unsupported transfer encoding"
	// canned417Head and canned417Tail surround the Date value of the 417.
	canned417Head = "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: "
	canned417Tail = "\r\nContent-Length: 0\r\n\r\n"
)

// maxCannedReason bounds the reason net/http appends after "400 Bad
// Request: "; longer text is not one of net/http's own fixed reasons.
const maxCannedReason = 64

// Problems named in the rewritten answers' error_msg.
const (
	problemHeaderTooLarge = "request header fields too large"
	problemTransferCoding = "unsupported transfer encoding"
	problemExpect         = "unsupported Expect header (only 100-continue is supported)"
	problemMalformed      = "malformed request line, target or header"
)

// cannedProblem reports whether p is exactly one of net/http's canned
// refusals described above and, if so, the problem it stands for. It never
// echoes request bytes: the problem is either a fixed string or net/http's
// own fixed reason text, checked to be short plain words.
func cannedProblem(p []byte) (string, bool) {
	if bytes.HasPrefix(p, []byte(canned417Head)) {
		rest := p[len(canned417Head):]
		if len(rest) != len(http.TimeFormat)+len(canned417Tail) || !bytes.HasSuffix(rest, []byte(canned417Tail)) {
			return "", false
		}
		if _, err := http.ParseTime(string(rest[:len(http.TimeFormat)])); err != nil {
			return "", false
		}
		return problemExpect, true
	}

	if !bytes.HasPrefix(p, []byte(cannedProto)) {
		return "", false
	}
	i := bytes.Index(p, []byte(cannedHeaders))
	if i < 0 {
		return "", false
	}
	status := string(p[len(cannedProto):i]) // "<code> <text>"
	body := string(p[i+len(cannedHeaders):])
	if len(status) < 4 || status[3] != ' ' {
		return "", false
	}
	code, err := strconv.Atoi(status[:3])
	if err != nil || code < 400 || code > 599 {
		return "", false
	}
	text := http.StatusText(code)
	if text == "" {
		return "", false
	}
	if status[4:] == text {
		// The answers without a reason: 501 has its own body, the others
		// repeat the status line.
		switch {
		case code == http.StatusNotImplemented && body == cannedTEBody:
			return problemTransferCoding, true
		case code == http.StatusRequestHeaderFieldsTooLarge && body == status:
			return problemHeaderTooLarge, true
		case code == http.StatusBadRequest && body == status:
			return problemMalformed, true
		}
		return "", false
	}
	// "<code> <text>: <reason>", repeated as the body.
	reason, ok := strings.CutPrefix(status[4:], text+": ")
	if !ok || body != status || !plainWords(reason) {
		return "", false
	}
	return reason, true
}

// plainWords reports whether s is a short run of letters, digits, spaces and
// hyphens, as net/http's fixed reasons ("missing required Host header") are.
func plainWords(s string) bool {
	if s == "" || len(s) > maxCannedReason {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ' ' || c == '-') {
			return false
		}
	}
	return true
}

// cannedAnswer is the contract's answer standing in for a canned refusal:
// 400 OMS.0064 with the Error body, a fresh X-Request-Id, and Connection:
// close, because net/http hangs up after its canned answers anyway.
func cannedAnswer(problem string) []byte {
	var body bytes.Buffer
	// Encoding a struct of two strings cannot fail.
	_ = json.NewEncoder(&body).Encode(gen.Error{
		ErrorCode: gen.CodeInvalidParameters,
		ErrorMsg:  "Invalid request parameters: " + problem + ".",
	})
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 400 Bad Request\r\n")
	b.WriteString("Content-Type: application/json\r\n")
	b.WriteString("X-Content-Type-Options: nosniff\r\n")
	b.WriteString(gen.HeaderRequestID + ": " + gen.NewRequestID() + "\r\n")
	b.WriteString("Connection: close\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(body.Len()) + "\r\n\r\n")
	b.Write(body.Bytes())
	return b.Bytes()
}

// rewriteConn is an accepted connection whose canned net/http refusals are
// rewritten into the contract's answer; every other write passes through
// untouched.
type rewriteConn struct {
	net.Conn
}

// Write rewrites p if it is a canned refusal. It reports len(p) written on
// success, as the caller (net/http) expects of the bytes it gave.
func (c *rewriteConn) Write(p []byte) (int, error) {
	problem, ok := cannedProblem(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(cannedAnswer(problem)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite keeps the half-close net/http does after its 431 (so that the
// client reads the answer before the connection is reset) working through
// the wrapper.
func (c *rewriteConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// rewriteListener wraps the connections it accepts in rewriteConn.
type rewriteListener struct {
	net.Listener
}

func (l rewriteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	// net/http recognises TLS by the concrete *tls.Conn; hiding it would
	// break TLS. Its canned answers are encrypted there anyway, so a TLS
	// connection passes through as it is.
	if _, isTLS := c.(*tls.Conn); isTLS {
		return c, nil
	}
	return &rewriteConn{Conn: c}, nil
}

// WrapListener returns ln with every accepted (plain TCP) connection
// wrapped so that the answers net/http sends by itself, before any handler
// runs (431 for oversized headers, 400 for unparsable requests, 501 for an
// unknown Transfer-Encoding, 505 for HTTP/2.0 in a request line, 417 for an
// unknown Expect), reach the client in the contract's shape instead: 400
// OMS.0064 with an Error JSON body and an X-Request-Id. Serve uses it;
// callers of NewServer should serve with srv.Serve(WrapListener(ln)).
// Closing the returned listener closes ln.
func WrapListener(ln net.Listener) net.Listener { return rewriteListener{Listener: ln} }
