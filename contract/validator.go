package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/oms-contract/stoptask/gen"
)

// DefaultMaxBodyBytes bounds how much of a body the validator, the transport
// and the middleware read. StopTask bodies are empty or a two-member error
// object; a megabyte is far beyond any honest body and small enough that a
// misbehaving peer cannot exhaust memory.
const DefaultMaxBodyBytes = 1 << 20

// ErrBodyTooLarge is returned by ReadBody when a body exceeds the limit.
var ErrBodyTooLarge = errors.New("contract: body exceeds the size limit")

// Option configures a Validator, in the style of kin-openapi's functional
// options.
type Option func(*config) error

type config struct {
	servers []string
	maxBody int64
}

// WithServer adds baseURL to the servers the validator routes against, on top
// of the spec's own (the declared https://oms.{region}.myhuaweicloud.com keeps
// matching every real region). Use it for a mock, a staging host or a proxy:
//
//	contract.WithServer("http://127.0.0.1:8080")       // this host, no prefix
//	contract.WithServer("https://staging.example/oms") // this host, under /oms
//	contract.WithServer("/oms")                        // any host, under /oms
//
// A relative baseURL matches every scheme and host; it suits a server-side
// middleware that cannot know the address its clients use. The spec itself is
// never modified: the validator works on a copy of its servers. A request to a
// host or prefix that is neither declared nor added is a KindServer violation.
//
// baseURL must not carry user info (http://user:password@host): the
// validator matches hosts, not credentials, so such a server would match
// nothing, and server URLs are printed in violations and errors. The error
// for one does not repeat it.
func WithServer(baseURL string) Option {
	return func(c *config) error {
		if hasUserInfo(baseURL) {
			return fmt.Errorf("contract: server %q must not carry user info (credentials); send them in headers", RedactURL(baseURL))
		}
		if strings.ContainsAny(baseURL, "?#") {
			return fmt.Errorf("contract: server %q must not have a query or fragment", baseURL)
		}
		u, err := url.Parse(baseURL)
		if err != nil {
			return fmt.Errorf("contract: server %q: %w", baseURL, err)
		}
		if u.IsAbs() && u.Host == "" {
			return fmt.Errorf("contract: server %q has a scheme but no host", baseURL)
		}
		if !u.IsAbs() && u.Host == "" && baseURL != "" && !strings.HasPrefix(baseURL, "/") {
			return fmt.Errorf("contract: server %q is neither an absolute URL nor a path starting with /", baseURL)
		}
		c.servers = append(c.servers, baseURL)
		return nil
	}
}

// WithMaxBodyBytes sets the largest body the validator accepts; a larger one
// is a violation rather than a reason to buffer without bound. n must be
// positive.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("contract: body limit must be positive, got %d", n)
		}
		c.maxBody = n
		return nil
	}
}

// Validator checks HTTP exchanges against the StopTask contract. It is built
// once from the embedded spec (gen.GetSpec) and is safe for concurrent use.
//
// It is stricter than kin-openapi's defaults where the contract needs it: an
// undocumented status, a body on a response that declares none, a missing
// or wrong Content-Type, a missing X-Request-Id and an error body that does
// not match Error are all violations, and so is a request body on an
// operation that declares none. A JSON body must be exactly one JSON value
// in UTF-8 under one well-formed Content-Type naming no charset but utf-8;
// kin-openapi reads only the first value and lets the rest pass.
//
// Authentication is checked for form only: an X-Auth-Token of 1 to
// gen.MaxTokenLength (16384) bytes, or a well-formed SDK-HMAC-SHA256
// Authorization header with an X-Sdk-Date that gen.SdkDate accepts and
// that is among the signed headers. The validator holds
// no secret key, so it does NOT verify signatures, tokens or clock skew; the
// API gateway does.
type Validator struct {
	doc     *openapi3.T
	servers []serverPattern
	paths   []*pathRoute
	maxBody int64

	reqOpts  *openapi3filter.Options
	respOpts *openapi3filter.Options
	visit    []openapi3.SchemaValidationOption

	// errShape is the shared error answer ValidateErrorAnswer checks.
	errShape errorShape
}

// New builds a Validator from the embedded spec.
func New(opts ...Option) (*Validator, error) {
	doc, err := gen.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("contract: loading the embedded spec: %w", err)
	}
	return newValidator(doc, opts...)
}

func newValidator(doc *openapi3.T, opts ...Option) (*Validator, error) {
	c := config{maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: the spec is invalid: %w", err)
	}
	v := &Validator{doc: doc, maxBody: c.maxBody}
	es, err := compileErrorShape(doc)
	if err != nil {
		return nil, err
	}
	v.errShape = es

	// The spec's servers are declarative; added ones come after them. Both
	// are compiled once into matchers; doc.Servers is left as it is.
	declared := slices.Clone(doc.Servers)
	for _, s := range c.servers {
		declared = append(declared, &openapi3.Server{URL: s, Description: "added with WithServer"})
	}
	if len(declared) == 0 {
		// OpenAPI: no servers means "/".
		declared = append(declared, &openapi3.Server{URL: "/"})
	}
	for _, s := range declared {
		p, err := compileServer(s)
		if err != nil {
			return nil, err
		}
		v.servers = append(v.servers, p)
	}

	for _, path := range doc.Paths.InMatchingOrder() {
		pr, err := compilePath(doc, path)
		if err != nil {
			return nil, err
		}
		v.paths = append(v.paths, pr)
	}

	v.reqOpts = &openapi3filter.Options{
		// The body is checked here, once, from bytes the caller already read;
		// kin-openapi would otherwise read it again (once per security
		// requirement, and once more for the body).
		ExcludeRequestBody:  true,
		MultiError:          true,
		AuthenticationFunc:  authenticate,
		SkipSettingDefaults: true,
	}
	v.respOpts = &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		SkipSettingDefaults:   true,
	}
	v.visit = []openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsResponse()}
	return v, nil
}

// MaxBodyBytes is the body limit set with WithMaxBodyBytes.
func (v *Validator) MaxBodyBytes() int64 { return v.maxBody }

// ReadBody reads r up to the validator's body limit. A longer body yields
// the bytes read so far and ErrBodyTooLarge. A nil r or http.NoBody is an
// empty body.
func (v *Validator) ReadBody(r io.Reader) ([]byte, error) {
	if r == nil || r == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, v.maxBody+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > v.maxBody {
		return b[:v.maxBody], ErrBodyTooLarge
	}
	return b, nil
}

// Exchange is a request the validator has routed, kept so that its response
// is validated against the same operation without routing again. The zero
// Exchange is unrouted.
type Exchange struct {
	v      *Validator
	route  *opRoute
	req    *http.Request
	params pathParams
	allow  []string
	// offOp marks a request that failed routing (KindServer, KindPath or
	// KindMethod): its answer is checked with ValidateErrorAnswer.
	offOp bool
}

// Routed reports whether the request matched an operation, so that its
// response can be validated.
func (e Exchange) Routed() bool { return e.route != nil }

// Operation is the operationId of the matched operation, or "".
func (e Exchange) Operation() string {
	if e.route == nil {
		return ""
	}
	return e.route.opID
}

// Allow lists the methods the request's path supports when the request used
// another one (a KindMethod violation); the middleware sends it as the Allow
// header of its 405.
func (e Exchange) Allow() []string { return e.allow }

// ValidateExchange validates a whole exchange. reqBody and respBody are the
// bodies the caller already read (req.Body is not read). The response is
// validated even if the request itself broke the contract: a wrong request
// must still get a well-formed error answer. When the request matched an
// operation, the response is held to that operation's documented responses;
// when it matched none (unknown server, path or method), to the shared error
// shape of ValidateErrorAnswer.
func (v *Validator) ValidateExchange(ctx context.Context, req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) Violations {
	ex, vs := v.ValidateRequest(ctx, req, reqBody)
	if rv := ex.ValidateResponse(ctx, status, header, respBody); len(rv) > 0 {
		vs = append(vs, rv...)
	}
	return vs
}

// ValidateRequest routes req and validates it: server, path, method,
// authentication, parameters and body. body is the request body the caller
// already read; req.Body is neither read nor modified. The returned Exchange
// validates the matching response.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request, body []byte) (Exchange, Violations) {
	ex := Exchange{v: v, req: req}
	if req == nil || req.URL == nil {
		return ex, Violations{{Direction: DirectionRequest, Kind: KindPath, Reason: "no request URL"}}
	}

	scheme, host := requestOrigin(req)
	path := req.URL.EscapedPath()
	rest, ok := "", false
	for i := range v.servers {
		if rest, ok = v.servers[i].match(scheme, host, path); ok {
			break
		}
	}
	if !ok {
		ex.offOp = true
		return ex, Violations{{
			Direction: DirectionRequest, Kind: KindServer,
			Reason: fmt.Sprintf("%s%s is not under a declared server (%s); add it with WithServer if it is a mock, a proxy or a staging host",
				origin(scheme, host), path, v.serverList()),
		}}
	}

	var (
		pr  *pathRoute
		bad string
	)
	for _, p := range v.paths {
		if bad, ok = p.match(rest, &ex.params); ok {
			pr = p
			break
		}
	}
	if pr == nil {
		ex.offOp = true
		return ex, Violations{{
			Direction: DirectionRequest, Kind: KindPath,
			Reason: fmt.Sprintf("no operation has the path %s", rest),
		}}
	}
	route := pr.methods[req.Method]
	if route == nil {
		ex.allow, ex.offOp = pr.allow, true
		return ex, Violations{{
			Direction: DirectionRequest, Kind: KindMethod, Name: req.Method,
			Reason: fmt.Sprintf("%s is not allowed on %s; allowed: %s", req.Method, pr.path, strings.Join(pr.allow, ", ")),
		}}
	}
	ex.route = route

	var vs Violations
	if bad != "" {
		vs = append(vs, Violation{Operation: route.opID, Direction: DirectionRequest, Kind: KindParameter, Name: bad,
			Reason: "the path segment is not valid percent-encoding"})
	}

	// kin-openapi must not read the body: it would do so once per security
	// requirement. A request that has one is shallow-copied without it, so
	// the caller's request stays untouched; request and input share one
	// allocation.
	type inputs struct {
		req http.Request
		in  openapi3filter.RequestValidationInput
	}
	//
	// Most requests are right: the fast path proves that kin-openapi would
	// accept one without running it (see fast.go), and only a request it is
	// not sure of goes through kin-openapi.
	var in *openapi3filter.RequestValidationInput
	if !route.fastReq || bad != "" || !route.fastRequestValid(req, &ex.params) {
		box := &inputs{}
		in = &box.in
		*in = openapi3filter.RequestValidationInput{Request: req, PathParams: ex.params.toMap(), Route: route.kin, Options: v.reqOpts}
		if req.Body != nil && req.Body != http.NoBody {
			box.req = *req
			box.req.Body = http.NoBody
			in.Request = &box.req
		}
		ex.req = in.Request
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			vs = appendRequestErr(vs, route.opID, err)
		}
	}

	if int64(len(body)) > v.maxBody {
		vs = append(vs, Violation{Operation: route.opID, Direction: DirectionRequest, Kind: KindBody,
			Reason: fmt.Sprintf("the request body exceeds %d bytes", v.maxBody)})
	} else if rb := route.kin.Operation.RequestBody; rb == nil {
		if len(body) > 0 {
			vs = append(vs, Violation{Operation: route.opID, Direction: DirectionRequest, Kind: KindBody,
				Reason: fmt.Sprintf("%s takes no request body, got %d bytes", route.opID, len(body))})
		}
	} else {
		// An operation with a body (none in this spec) gets it from the
		// bytes already read, on a copy of the request.
		kreq := *req
		kreq.Body = io.NopCloser(bytes.NewReader(body))
		kreq.ContentLength = int64(len(body))
		bin := openapi3filter.RequestValidationInput{Request: req, PathParams: ex.params.toMap(), Route: route.kin, Options: v.reqOpts}
		if in != nil {
			bin = *in
		}
		bin.Request = &kreq
		if err := openapi3filter.ValidateRequestBody(ctx, &bin, rb.Value); err != nil {
			vs = appendRequestErr(vs, route.opID, err)
		}
	}

	if len(vs) > 0 {
		scrubViolations(vs, req.Header)
	}
	return ex, vs
}

// ValidateResponse validates the response to a routed request: the status
// must be documented, the documented headers present and valid, and the body
// must match the documented content, or be empty when none is documented.
// A JSON body must be exactly one JSON value in UTF-8, under one
// Content-Type that is well formed and names no charset but utf-8.
//
// The answer to a HEAD request has no body (RFC 9110, section 9.3.2: the
// server sends none and the client reads none), so for HEAD the body is
// neither required nor checked, and a Content-Type is checked only when
// present: it describes the representation a body would have had.
//
// The response to a request that matched no operation (ValidateRequest
// reported KindServer, KindPath or KindMethod) is checked with
// ValidateErrorAnswer: a 4xx in the contract's Error shape, since the API
// gateway answers such requests like any other error. On the zero Exchange
// (nothing was routed, e.g. the request was never validated) it returns
// nil.
func (e Exchange) ValidateResponse(ctx context.Context, status int, header http.Header, body []byte) Violations {
	head := e.req != nil && e.req.Method == http.MethodHead
	if e.route == nil {
		if e.offOp && e.v != nil {
			return e.v.validateErrorAnswer(status, header, body, head)
		}
		return nil
	}
	v, r := e.v, e.route
	viol := func(k Kind, name, pointer, reason string) Violation {
		return Violation{Operation: r.opID, Direction: DirectionResponse, Status: status, Kind: k, Name: name, Pointer: pointer, Reason: reason}
	}

	ref := r.response(status)
	if ref == nil || ref.Value == nil {
		return Violations{viol(KindStatus, "", "", fmt.Sprintf("status %d is not documented for %s; documented: %s", status, r.opID, r.statuses))}
	}
	resp := ref.Value
	if header == nil {
		header = http.Header{}
	}

	var vs Violations
	for _, h := range r.headers[ref] {
		vs = v.checkHeader(vs, viol, h, header)
	}

	if head {
		// Whatever body the caller holds (a handler may write one; net/http
		// drops it) never reaches the client.
		if len(resp.Content) > 0 {
			vs = checkContentTypeOnce(vs, viol, header)
			if ct := header.Get("Content-Type"); ct != "" && !contentTypeAllowed(resp.Content, ct) {
				vs = append(vs, viol(KindContentType, "Content-Type", "", contentTypeReason(ct, status, resp.Content)))
			}
		}
		return vs
	}

	if int64(len(body)) > v.maxBody {
		return append(vs, viol(KindBody, "", "", fmt.Sprintf("the response body exceeds %d bytes", v.maxBody)))
	}
	if len(resp.Content) == 0 {
		if len(body) > 0 {
			vs = append(vs, viol(KindBody, "", "", fmt.Sprintf("status %d declares no body, got %d bytes", status, len(body))))
		}
		return vs
	}
	vs = checkContentTypeOnce(vs, viol, header)
	ct := header.Get("Content-Type")
	if len(body) == 0 {
		if !contentTypeAllowed(resp.Content, ct) {
			vs = append(vs, viol(KindContentType, "Content-Type", "", contentTypeReason(ct, status, resp.Content)))
		}
		return append(vs, viol(KindBody, "", "", fmt.Sprintf("status %d requires a body (%s), got none", status, strings.Join(mediaTypes(resp.Content), " or "))))
	}

	mt := resp.Content.Get(ct)
	// What kin-openapi lets through for JSON (see jsonbody.go) is checked
	// here, around both the fast path and kin-openapi, so that both give
	// the same verdict. A Content-Type that is not declared at all is left
	// to kin-openapi, which reports it.
	strictJSON := mt != nil && isJSONMediaType(ct)
	if strictJSON {
		if _, ok := jsonContentType(ct); !ok {
			vs = append(vs, viol(KindContentType, "Content-Type", "", contentTypeReason(ct, status, resp.Content)))
		}
		if !utf8.Valid(body) {
			return append(vs, viol(KindBody, "", "", "the body cannot be decoded as "+strings.Join(mediaTypes(resp.Content), " or ")+": "+invalidUTF8))
		}
	}

	// The common right answer (a small JSON error object) is proven valid
	// without kin-openapi; see fast.go. What it accepts is exactly one JSON
	// value (it rejects trailing data; FuzzFlatObjectAcceptsOnlyValidJSON),
	// so it may run before the json.Valid check below and spare the right
	// answer that second scan.
	if mt != nil {
		if fo := r.bodies[mt]; fo != nil && decodedAsJSON(ct) && fo.valid(body) {
			return vs
		}
	}
	if strictJSON {
		if reason := jsonBodyProblem(body); reason != "" {
			return append(vs, viol(KindBody, "", "", "the body cannot be decoded as "+strings.Join(mediaTypes(resp.Content), " or ")+": "+reason))
		}
	}

	// kin-openapi checks the media type, decodes and matches the schema.
	// It sees a copy of the operation without response headers (checked
	// above), because it stops at the first header error and would then
	// hide every body error.
	type inputs struct {
		req  openapi3filter.RequestValidationInput
		resp openapi3filter.ResponseValidationInput
		body bodyReader
	}
	box := &inputs{}
	box.req = openapi3filter.RequestValidationInput{Request: e.req, PathParams: e.params.toMap(), Route: r.bodyOnly, Options: v.respOpts}
	box.body.Reset(body)
	box.resp = openapi3filter.ResponseValidationInput{
		RequestValidationInput: &box.req, Status: status, Header: header, Body: &box.body, Options: v.respOpts,
	}
	in := &box.resp
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		vs = appendResponseErr(vs, viol, ct, status, resp.Content, err)
	}
	return vs
}

// bodyReader is a bytes.Reader that is also an io.ReadCloser, to hand
// kin-openapi a body without two allocations.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

func (v *Validator) checkHeader(vs Violations, viol func(Kind, string, string, string) Violation, h declaredHeader, header http.Header) Violations {
	vals := header.Values(h.name)
	if len(vals) == 0 {
		if h.required {
			vs = append(vs, viol(KindHeader, h.name, "", "the header is required but missing"))
		}
		return vs
	}
	if len(vals) > 1 {
		return append(vs, viol(KindHeader, h.name, "", fmt.Sprintf("the header must appear once, got %d values", len(vals))))
	}
	if h.schema == nil {
		return vs
	}
	if h.lengthOnly {
		// The common case (X-Request-Id: a string with minLength), checked
		// without boxing the value for VisitJSON.
		n := int64(utf8.RuneCountInString(vals[0]))
		if n < int64(h.schema.MinLength) {
			return append(vs, viol(KindHeader, h.name, "", fmt.Sprintf("minimum string length is %d", h.schema.MinLength)))
		}
		if h.schema.MaxLength != nil && n > int64(*h.schema.MaxLength) {
			return append(vs, viol(KindHeader, h.name, "", fmt.Sprintf("maximum string length is %d", *h.schema.MaxLength)))
		}
		return vs
	}
	val, err := headerValue(vals[0], h.schema)
	if err != nil {
		return append(vs, viol(KindHeader, h.name, "", err.Error()))
	}
	if err := h.schema.VisitJSON(val, openapi3.MultiErrors()); err != nil {
		for _, se := range schemaErrors(err) {
			vs = append(vs, viol(KindHeader, h.name, "", schemaReason(se)))
		}
	}
	return vs
}

// headerValue converts a header string to what its schema expects, as
// kin-openapi does for parameters.
func headerValue(s string, schema *openapi3.Schema) (any, error) {
	switch {
	case schema.Type.Is(openapi3.TypeInteger), schema.Type.Is(openapi3.TypeNumber):
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errors.New("the value must be a number")
		}
		return f, nil
	case schema.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("the value must be true or false")
		}
		return b, nil
	}
	return s, nil
}

func (v *Validator) serverList() string {
	names := make([]string, len(v.servers))
	for i, s := range v.servers {
		names[i] = s.url
	}
	return strings.Join(names, ", ")
}

// requestOrigin gives the scheme and host a request was addressed to. A
// client-side request carries them in its URL, and its scheme counts: a
// client calling the https server over plain http breaks the contract.
//
// A server-side request (req.URL.Host empty, as a server receives it) has
// only Host and TLS, and its scheme is returned empty, meaning unknown, so
// that it matches any server's scheme. The scheme the client used is not
// observable there: behind a TLS-terminating load balancer or ingress, the
// client speaks https to the balancer and the server sees plain http
// (req.TLS nil), and X-Forwarded-Proto is set by whoever wants to. Taking
// req.TLS at its word made every request to the declared https server a
// 404 there.
func requestOrigin(req *http.Request) (scheme, host string) {
	if req.URL.Host == "" {
		return "", req.Host
	}
	scheme = req.URL.Scheme
	if scheme == "" {
		scheme = "http"
	}
	return strings.ToLower(scheme), req.URL.Host
}

// origin renders the scheme and host of requestOrigin for a message:
// scheme://host, or //host when the scheme is unknown.
func origin(scheme, host string) string {
	if scheme == "" {
		return "//" + host
	}
	return scheme + "://" + host
}

// opRoute is one operation as kin-openapi sees it, prepared once.
type opRoute struct {
	opID     string
	kin      *routers.Route
	bodyOnly *routers.Route
	headers  map[*openapi3.ResponseRef][]declaredHeader
	statuses string

	// byStatus is the response documented for each status below
	// len(byStatus), looked up once (Responses.Status formats the status
	// on every call).
	byStatus []*openapi3.ResponseRef

	// fastReq says whether the request fast path applies to the operation;
	// fastParams and fastSec are what it checks.
	fastReq    bool
	fastParams []fastParam
	fastSec    [][]*openapi3.SecurityScheme
	// bodies holds the fast check of each response media type that has
	// one.
	bodies map[*openapi3.MediaType]*flatObject
}

// response is the response documented for status, or the default one.
func (r *opRoute) response(status int) *openapi3.ResponseRef {
	if status >= 0 && status < len(r.byStatus) {
		return r.byStatus[status]
	}
	return r.lookupResponse(status)
}

func (r *opRoute) lookupResponse(status int) *openapi3.ResponseRef {
	if ref := r.kin.Operation.Responses.Status(status); ref != nil {
		return ref
	}
	return r.kin.Operation.Responses.Default()
}

// fastRequestValid reports whether kin-openapi certainly accepts req's
// security and parameters.
func (r *opRoute) fastRequestValid(req *http.Request, params *pathParams) bool {
	for i := range r.fastParams {
		fp := &r.fastParams[i]
		if !fp.valid(params.value(fp.seg)) {
			return false
		}
	}
	return fastSecurity(r.fastSec, req)
}

type declaredHeader struct {
	name       string
	required   bool
	schema     *openapi3.Schema
	lengthOnly bool // a plain string schema with at most length bounds
}

// isLengthOnly reports whether s constrains a string by its length alone.
func isLengthOnly(s *openapi3.Schema) bool {
	if s == nil || s.Type == nil || !s.Type.Is(openapi3.TypeString) || len(s.Type.Slice()) != 1 {
		return false
	}
	c := *s
	c.Type, c.MinLength, c.MaxLength = nil, 0, nil
	c.Description, c.Example, c.Title, c.Extensions = "", nil, "", nil
	return c.IsEmpty()
}

func newOpRoute(doc *openapi3.T, pr *pathRoute, item *openapi3.PathItem, method string, op *openapi3.Operation) *opRoute {
	path := pr.path
	r := &opRoute{
		opID: op.OperationID,
		kin:  &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
	}
	if r.opID == "" {
		r.opID = method + " " + path
	}
	r.headers = make(map[*openapi3.ResponseRef][]declaredHeader)
	stripped := openapi3.NewResponses()
	var statuses []string
	for _, key := range op.Responses.Keys() {
		ref := op.Responses.Value(key)
		statuses = append(statuses, key)
		if ref == nil || ref.Value == nil {
			stripped.Set(key, ref)
			continue
		}
		names := make([]string, 0, len(ref.Value.Headers))
		for name := range ref.Value.Headers {
			if !strings.EqualFold(name, "Content-Type") {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			h := ref.Value.Headers[name]
			if h == nil || h.Value == nil {
				continue
			}
			d := declaredHeader{name: http.CanonicalHeaderKey(name), required: h.Value.Required}
			if h.Value.Schema != nil {
				d.schema = h.Value.Schema.Value
				d.lengthOnly = isLengthOnly(d.schema)
			}
			r.headers[ref] = append(r.headers[ref], d)
		}
		cp := *ref.Value
		cp.Headers = nil
		stripped.Set(key, &openapi3.ResponseRef{Ref: ref.Ref, Value: &cp})
	}
	slices.Sort(statuses)
	r.statuses = strings.Join(statuses, ", ")
	bodyOp := *op
	bodyOp.Responses = stripped
	r.bodyOnly = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: &bodyOp}

	r.byStatus = make([]*openapi3.ResponseRef, 600)
	for status := range r.byStatus {
		r.byStatus[status] = r.lookupResponse(status)
	}
	r.fastParams, r.fastSec, r.fastReq = compileFastRequest(doc, pr, item, op)
	r.bodies = make(map[*openapi3.MediaType]*flatObject)
	for _, key := range op.Responses.Keys() {
		if ref := op.Responses.Value(key); ref != nil && ref.Value != nil {
			for _, mt := range ref.Value.Content {
				if fo := compileFlatObject(doc, mt); fo != nil {
					r.bodies[mt] = fo
				}
			}
		}
	}
	return r
}

func mediaTypes(c openapi3.Content) []string {
	ts := make([]string, 0, len(c))
	for t := range c {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

// contentTypeAllowed reports whether ct names one of the media types c
// declares, and, for JSON, is well formed and UTF-8 (jsonContentType).
func contentTypeAllowed(c openapi3.Content, ct string) bool {
	if c.Get(ct) == nil {
		return false
	}
	if isJSONMediaType(ct) {
		_, ok := jsonContentType(ct)
		return ok
	}
	return true
}

func contentTypeReason(ct string, status int, c openapi3.Content) string {
	want := strings.Join(mediaTypes(c), " or ")
	if ct == "" {
		return fmt.Sprintf("status %d requires Content-Type %s, got none", status, want)
	}
	if isJSONMediaType(ct) {
		want += " (well formed, charset absent or utf-8)"
	}
	return fmt.Sprintf("status %d requires Content-Type %s, got %q", status, want, ct)
}
