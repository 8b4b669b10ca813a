package contract

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
)

// exchangeKey holds an exchange's request ID and what the authenticator
// learned of the caller: one context value, for one copy of the request.
type exchangeKey struct{}

type exchangeValues struct {
	id        string
	principal any
}

// SetPrincipal keeps v, what an authenticator (WithAuthenticator) learned
// of the caller while the middleware validated the request (such as the
// projects its credential covers), for the handler to read with
// Principal: the credential is verified once, not again by the handler.
func SetPrincipal(ctx context.Context, v any) {
	if e, ok := ctx.Value(exchangeKey{}).(*exchangeValues); ok {
		e.principal = v
	}
}

// Principal is what the authenticator kept with SetPrincipal, or nil.
func Principal(ctx context.Context) any {
	if e, ok := ctx.Value(exchangeKey{}).(*exchangeValues); ok {
		return e.principal
	}
	return nil
}

// RequestID is the request ID the middleware or the proxy gave the request
// in ctx, for handlers that build their own answers (the generated strict
// server's response objects carry it as a header field).
func RequestID(ctx context.Context) string {
	if e, ok := ctx.Value(exchangeKey{}).(*exchangeValues); ok {
		return e.id
	}
	return ""
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// WriteError answers with the contract's error shape: status, a JSON body
// {"error_code", "error_msg"}, and the request ID header already on w or a
// new one. The message is the spec's example message for code, followed by
// detail.
func (v *Validator) WriteError(w http.ResponseWriter, status int, code, detail string) {
	if h := v.requestID; h != "" && w.Header().Get(h) == "" {
		w.Header().Set(h, newRequestID())
	}
	msg := v.Message(status, code)
	if detail != "" {
		msg = strings.TrimSuffix(msg, ".") + ": " + detail
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error_code": code, "error_msg": msg})
}

// ParamErrorHandler answers a parameter the generated std-http server could
// not bind with 400 and the parameter's x-oms-error-code (the operation's
// when the parameter is unknown), in the Error shape instead of the
// generated default's text/plain. Pass it as the ErrorHandlerFunc of
// gen.StdHTTPServerOptions and the RequestErrorHandlerFunc of
// gen.StrictHTTPServerOptions.
func (v *Validator) ParamErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	// kin-openapi finds the same fault in the request, and its typed error
	// names the parameter: no need to read the generated error's type.
	x, vs := v.ValidateRequest(r.Context(), r, nil)
	code := ""
	if x.Route() != nil { // the parameter's code, whatever the credentials
		_, code = v.answer(x, slices.DeleteFunc(vs, func(vi Violation) bool { return vi.Kind == KindAuth }))
	}
	v.WriteError(w, http.StatusBadRequest, code, err.Error())
}

// MiddlewareOption configures Middleware.
type MiddlewareOption func(*middleware)

// WithStrictResponses turns an answer that breaks the contract into the
// gateway's 502 (the code documented on 502 responses), as a gateway does
// with a backend that answers off its contract.
func WithStrictResponses() MiddlewareOption {
	return func(m *middleware) { m.strict = true }
}

// WithViolationHandler calls fn with every exchange that broke the
// contract, the request's included.
func WithViolationHandler(fn func(Record)) MiddlewareOption {
	return func(m *middleware) { m.report = fn }
}

type middleware struct {
	v      *Validator
	next   http.Handler
	strict bool
	report func(Record)
}

// Middleware validates every exchange of the wrapped handler and answers
// in the gateway's order, in the contract's Error shape, before the handler
// runs: a request that matches no server, path or method gets 404 (the code
// documented on 404 responses), one without valid credentials 401 (the 401
// code), an invalid parameter 400 with the parameter's x-oms-error-code,
// anything else wrong 400 with the operation's. Every answer carries the
// request ID header, kept from outer layers or made here.
//
// Build v with WithServer("/") (or "/prefix") unless clients reach the
// server at a host the spec declares; otherwise every request is answered
// 404 as unknown.
func Middleware(v *Validator, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	proto := middleware{v: v}
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
	e := &exchangeValues{}
	if h := m.v.requestID; h != "" {
		if e.id = w.Header().Get(h); e.id == "" {
			e.id = newRequestID()
			w.Header().Set(h, e.id)
		}
	}
	r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, e))
	var body []byte
	var err error
	if r.Body != http.NoBody { // the server's body of a request without one
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, m.v.maxBody))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	x, vs := m.v.ValidateRequest(r.Context(), r, body)
	if err != nil && len(vs) == 0 {
		vs = Violations{{Operation: x.Operation(), Direction: DirectionRequest, Kind: KindRequest, Reason: "the body cannot be read: " + err.Error()}}
	}
	if len(vs) > 0 {
		status, code := m.v.answer(x, vs)
		m.v.WriteError(w, status, code, firstReason(vs, status))
		m.emit(x, r, status, w.Header(), nil, vs)
		return
	}
	bw := &bufferedWriter{header: w.Header().Clone()}
	m.next.ServeHTTP(bw, r)
	if bw.status == 0 {
		bw.status = http.StatusOK
	}
	rv := x.ValidateResponse(r.Context(), bw.status, bw.header, bw.buf.Bytes())
	if len(rv) > 0 && m.strict {
		m.v.WriteError(w, http.StatusBadGateway, m.v.StatusCode(http.StatusBadGateway), "the server's answer broke the contract")
	} else {
		for k, vals := range bw.header {
			w.Header()[k] = vals
		}
		w.WriteHeader(bw.status)
		_, _ = w.Write(bw.buf.Bytes())
	}
	if len(rv) > 0 {
		m.emit(x, r, bw.status, bw.header, bw.buf.Bytes(), rv)
	}
}

// answer chooses the status and code for a refused request, in the
// gateway's order: route, authenticate, then parameters.
func (v *Validator) answer(x *Exchange, vs Violations) (int, string) {
	switch {
	case vs.Has(KindServer, KindPath, KindMethod):
		return http.StatusNotFound, v.StatusCode(http.StatusNotFound)
	case vs.Has(KindAuth):
		return http.StatusUnauthorized, v.StatusCode(http.StatusUnauthorized)
	}
	for _, vi := range vs {
		if vi.code != "" {
			return http.StatusBadRequest, vi.code
		}
	}
	return http.StatusBadRequest, ErrorCode(x.Route().Operation.Extensions)
}

// firstReason is the reason of the violation that decided the answer.
func firstReason(vs Violations, status int) string {
	want := map[int][]Kind{http.StatusNotFound: {KindServer, KindPath, KindMethod}, http.StatusUnauthorized: {KindAuth}}[status]
	for _, vi := range vs {
		if one := (Violations{vi}); len(want) == 0 || one.Has(want...) {
			if vi.Name != "" && vi.Kind == KindParameter {
				return "invalid " + vi.Name
			}
			return vi.Reason
		}
	}
	return ""
}

func (m *middleware) emit(x *Exchange, r *http.Request, status int, h http.Header, body []byte, vs Violations) {
	if m.report != nil {
		m.report(newRecord(x, r, status, h, body, vs, m.v.requestID))
	}
}

// bufferedWriter holds the handler's answer until it is validated.
type bufferedWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}
