package contract

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/oms-contract/stoptask/gen"
)

// MiddlewareOption configures Middleware.
type MiddlewareOption func(*middleware)

// WithStrictResponses makes a response that breaks the contract reach the
// client as 500 with OMS.0159 instead of as it is. Use it in tests and
// mocks, where a contract bug must be loud.
func WithStrictResponses() MiddlewareOption {
	return func(m *middleware) { m.strict = true }
}

// WithViolationHandler calls fn for every exchange with violations, request
// or response ones, after the answer is decided. fn may be called
// concurrently.
func WithViolationHandler(fn func(*http.Request, Record)) MiddlewareOption {
	return func(m *middleware) { m.report = append(m.report, fn) }
}

// WithRequestBodyLimit caps the request body the middleware reads (the
// validator's limit by default). A longer body is answered with 400
// OMS.0064 and never reaches the handler.
func WithRequestBodyLimit(n int64) MiddlewareOption {
	return func(m *middleware) {
		if n > 0 {
			m.limit = n
		}
	}
}

type middleware struct {
	v      *Validator
	strict bool
	limit  int64
	report []func(*http.Request, Record)
	next   http.Handler
}

// Middleware validates the exchanges of a server. It is a
// func(http.Handler) http.Handler, so it also fits gen.MiddlewareFunc and
// gen.StdHTTPServerOptions.Middlewares; wrap the whole handler to catch
// unknown paths too.
//
// A request that breaks the contract never reaches the handler; it is
// answered in the contract's Error shape, with X-Request-Id (the one an
// outer layer already set on the ResponseWriter, else a fresh one):
//
//   - 404 APIGW.0101 for a path (or server prefix) with no operation;
//   - 405 APIGW.0101 with an Allow header for a known path and another
//     method. 405 is not in the contract, because the contract describes
//     operations and this request names none; it is what HTTP requires;
//   - 401 APIGW.0301 when credentials are missing or malformed;
//   - 400 OMS.0054 when task_id is wrong, else 400 OMS.0064.
//
// The handler's response is buffered and validated before it is sent; in
// strict mode a violation turns it into 500 OMS.0159. The handler sees the
// headers outer layers set on the ResponseWriter, so an X-Request-Id set
// there is kept in every answer, the handler's and the middleware's.
//
// For a server-side validator, add the base path with WithServer("/") or
// WithServer("/prefix") unless clients reach the server at a host declared
// in the spec. The scheme is not matched for a request as a server
// receives it: behind a TLS-terminating load balancer it sees plain http
// for the declared https server.
func Middleware(v *Validator, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	proto := middleware{v: v, limit: v.maxBody}
	for _, o := range opts {
		o(&proto)
	}
	return func(next http.Handler) http.Handler {
		m := proto
		m.next = next
		return &m
	}
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, rest, err := readLimited(r.Body, m.limit)
		if err != nil {
			gen.WriteError(w, http.StatusBadRequest, gen.CodeInvalidParameters, "The request body cannot be read.", w.Header().Get(gen.HeaderRequestID))
			return
		}
		if rest != nil {
			vs := Violations{{Direction: DirectionRequest, Kind: KindBody,
				Reason: "the request body exceeds the size limit"}}
			m.answerRequest(w, r, Exchange{}, vs)
			return
		}
		body = b
	}

	ex, vs := m.v.ValidateRequest(r.Context(), r, body)
	if len(vs) > 0 {
		m.answerRequest(w, r, ex, vs)
		return
	}

	r.Body = io.NopCloser(bytes.NewReader(body))
	// The handler starts from the headers outer layers already set (a
	// request ID, CORS, ...), as it would without the middleware: that is
	// what the client receives, so that is what is validated, and it lets
	// gen.ParamErrorHandler reuse an outer X-Request-Id.
	bw := &bufferedWriter{header: w.Header().Clone()}
	if bw.header == nil {
		bw.header = make(http.Header)
	}
	m.next.ServeHTTP(bw, r)
	if bw.status == 0 {
		bw.status = http.StatusOK
	}

	rv := ex.ValidateResponse(r.Context(), bw.status, bw.header, bw.buf.Bytes())
	if len(rv) == 0 {
		bw.flushTo(w)
		return
	}
	rec := newRecord(r, bw.status, bw.header, rv)
	if m.strict {
		msg := "System error: the server's answer broke the contract: " + summary(rv)
		gen.WriteError(w, http.StatusInternalServerError, gen.CodeSystemError, msg, bw.header.Get(gen.HeaderRequestID))
	} else {
		bw.flushTo(w)
	}
	m.emit(r, rec)
}

func (m *middleware) answerRequest(w http.ResponseWriter, r *http.Request, ex Exchange, vs Violations) {
	status, code := http.StatusBadRequest, gen.CodeInvalidParameters
	var msg string
	switch {
	case vs.Has(KindServer) || vs.Has(KindPath):
		status, code = http.StatusNotFound, gen.CodeGatewayAPINotFound
		msg = "The API does not exist or has not been published in the environment."
	case vs.Has(KindMethod):
		status, code = http.StatusMethodNotAllowed, gen.CodeGatewayAPINotFound
		w.Header().Set("Allow", strings.Join(ex.Allow(), ", "))
		msg = "The API does not exist for method " + r.Method + "; allowed: " + strings.Join(ex.Allow(), ", ") + "."
	case vs.Has(KindAuth):
		status, code = http.StatusUnauthorized, gen.CodeGatewayAuthFailed
		msg = "Incorrect IAM authentication information: " + summary(only(vs, KindAuth))
	default:
		for _, v := range vs {
			if v.Name == "task_id" {
				code = gen.CodeInvalidTaskID
			}
		}
		if code == gen.CodeInvalidTaskID {
			msg = "Invalid task ID: " + summary(vs)
		} else {
			msg = "Invalid request parameters: " + summary(vs)
		}
	}
	// An X-Request-Id an outer layer set is the one it logs; keep it.
	gen.WriteError(w, status, code, msg, w.Header().Get(gen.HeaderRequestID))
	m.emit(r, newRecord(r, status, w.Header(), vs))
}

func (m *middleware) emit(r *http.Request, rec Record) {
	for _, fn := range m.report {
		fn(r, rec)
	}
}

// summary renders violations for an error_msg: kind, name or pointer, and
// reason, without the operation and direction the client already knows.
func summary(vs Violations) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		if v.Name != "" {
			b.WriteString(v.Name)
			b.WriteString(": ")
		} else if v.Pointer != "" {
			b.WriteString(v.Pointer)
			b.WriteString(": ")
		}
		b.WriteString(v.Reason)
	}
	return b.String()
}

func only(vs Violations, k Kind) Violations {
	var out Violations
	for _, v := range vs {
		if v.Kind == k {
			out = append(out, v)
		}
	}
	return out
}

// bufferedWriter holds a handler's answer until it is validated. Its
// header starts as a copy of the real writer's.
type bufferedWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	// 1xx answers are interim; only the final status counts.
	if b.status == 0 && code >= 200 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	if b.status < 100 || b.status > 999 {
		// net/http would panic on it; the validator has already reported it.
		gen.WriteError(w, http.StatusInternalServerError, gen.CodeSystemError, "System error.", b.header.Get(gen.HeaderRequestID))
		return
	}
	// b.header started as a copy of w's: it is the whole header the
	// handler meant to send, deletions included.
	h := w.Header()
	for k := range h {
		if _, ok := b.header[k]; !ok {
			delete(h, k)
		}
	}
	for k, v := range b.header {
		h[k] = v
	}
	w.WriteHeader(b.status)
	_, _ = b.buf.WriteTo(w)
}
