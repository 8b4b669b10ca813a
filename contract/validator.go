package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/oms-contract/stoptask/gen"
)

// DefaultMaxBodyBytes bounds how much of a body the transport, the
// middleware and the proxy read for validation.
const DefaultMaxBodyBytes = 1 << 20

// Option configures a Validator.
type Option func(*config) error

type config struct {
	doc      *openapi3.T
	specFile string
	servers  openapi3.Servers
	verify   openapi3filter.AuthenticationFunc
	maxBody  int64
}

// WithSpec validates against doc instead of the embedded spec. doc must be
// validated already; it is not modified.
func WithSpec(doc *openapi3.T) Option {
	return func(c *config) error { c.doc = doc; return nil }
}

// WithSpecFile loads, validates and uses the spec at path instead of the
// embedded one, so that a server can be checked against the spec of a pull
// request without regenerating anything.
func WithSpecFile(path string) Option {
	return func(c *config) error { c.specFile = path; return nil }
}

// WithServer adds baseURL to the servers requests are matched against, on
// top of the spec's own: "http://127.0.0.1:8080" (this host), or "/" and
// "/prefix" (any host: for a middleware, which cannot know the address its
// clients use).
func WithServer(baseURL string) Option {
	return func(c *config) error {
		u, err := url.Parse(baseURL)
		switch {
		case err != nil:
			return fmt.Errorf("contract: server %q: %w", RedactURL(baseURL), err)
		case u.User != nil:
			return fmt.Errorf("contract: server %q must not carry user info; send credentials in headers", RedactURL(baseURL))
		case u.RawQuery != "" || u.Fragment != "":
			return fmt.Errorf("contract: server %q must not have a query or fragment", baseURL)
		case u.IsAbs() && u.Host == "", !u.IsAbs() && !strings.HasPrefix(baseURL, "/"):
			return fmt.Errorf("contract: server %q is neither an absolute URL with a host nor a path starting with /", baseURL)
		}
		c.servers = append(c.servers, &openapi3.Server{URL: strings.TrimSuffix(baseURL, "/")})
		return nil
	}
}

// WithAuthenticator adds verification to the validator's check of
// credentials, which otherwise checks their form only: fn runs after the
// form check passed, as kin-openapi's AuthenticationFunc. The mock verifies
// tokens and AK/SK signatures with it, so that a wrong credential is refused
// before any parameter is looked at, as the gateway does.
func WithAuthenticator(fn openapi3filter.AuthenticationFunc) Option {
	return func(c *config) error { c.verify = fn; return nil }
}

// WithMaxBodyBytes sets how much of a body is read for validation
// (DefaultMaxBodyBytes by default).
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("contract: body limit %d must be positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// bodyKey is a body kin-openapi found valid, with what it was checked
// against: the documented response, or the operation, and Content-Type.
type bodyKey struct {
	owner       any // the *openapi3.Response, or the *openapi3.Operation of a request body
	contentType string
	body        string
}

// maxValidBodies bounds the memory validBodies holds (a few MiB).
const maxValidBodies = 4096

// Validator checks exchanges against the spec. Build it once with New; it
// is safe for concurrent use.
type Validator struct {
	*facts
	router  routers.Router
	servers openapi3.Servers
	verify  openapi3filter.AuthenticationFunc
	maxBody int64
	reqOpts openapi3filter.Options
	// validBodies remembers the bodies found valid (bodyKey): exchanges
	// repeat, and checking a body was the largest cost of one. All else is
	// checked every time; noBodyOpts and noReqBodyOpts skip the body.
	validBodies               sync.Map
	validCount                atomic.Int64
	noBodyOpts, noReqBodyOpts openapi3filter.Options
	// unrouted validates answers to requests that match no operation.
	unrouted *routers.Route
}

// New builds a validator from the embedded spec, or the one given with
// WithSpec or WithSpecFile.
func New(opts ...Option) (*Validator, error) {
	c := config{maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	doc, raw := c.doc, []byte(nil)
	if doc == nil {
		var err error
		if doc, raw, err = loadSpec(context.Background(), c.specFile); err != nil {
			return nil, err
		}
	}
	f, err := compileFacts(doc, raw)
	if err != nil {
		return nil, err
	}
	// The router matches paths only: kin-openapi's router would match the
	// servers' hosts and schemes too, and could then not tell an unknown
	// host from an unknown path, nor see the scheme behind TLS termination.
	// matchServer does that part, and hands the router the rest of the path.
	pathsOnly := *doc
	pathsOnly.Servers = nil
	router, err := newRouteIndex(&pathsOnly)
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	v := &Validator{facts: f, router: router, verify: c.verify, maxBody: c.maxBody,
		servers: append(append(openapi3.Servers{}, doc.Servers...), c.servers...)}
	v.reqOpts = openapi3filter.Options{MultiError: true, IncludeResponseStatus: true,
		RejectWhenRequestBodyNotSpecified: true, AuthenticationFunc: v.authenticate}
	// Reasons without kin-openapi's schema dump, which repeats the value;
	// integer bounds as the spec writes them (facts.reason).
	v.reqOpts.WithCustomSchemaErrorFunc(v.reason)
	v.noBodyOpts, v.noReqBodyOpts = v.reqOpts, v.reqOpts
	v.noBodyOpts.ExcludeResponseBody, v.noReqBodyOpts.ExcludeRequestBody = true, true
	if f.notFound != nil {
		v.unrouted = &routers.Route{Spec: &pathsOnly, Operation: &openapi3.Operation{
			Responses: openapi3.NewResponses(openapi3.WithName("default", f.notFound.Value))}}
	}
	return v, nil
}

// Spec is the document the validator checks against.
func (v *Validator) Spec() *openapi3.T { return v.doc }

// RequestIDHeader is the header every documented response requires
// (X-Request-Id), or "" if there is none.
func (v *Validator) RequestIDHeader() string { return v.requestID }

// StatusCode is the x-oms-error-code documented on responses with status:
// the code of the answers the gateway makes itself, e.g. 401 → APIGW.0301.
func (v *Validator) StatusCode(status int) string { return v.statusCodes[status] }

// Message is the error_msg of a documented example of status with code
// (APIGW.0201 reads "Backend unavailable." under 502 and "Backend
// timeout." under 504), else of any example with code, else "".
func (v *Validator) Message(status int, code string) string {
	if m, ok := v.messages[strconv.Itoa(status)+" "+code]; ok {
		return m
	}
	return v.messages[code]
}

// Operations lists the spec's operations, compiled once, in a stable order
// (path, then method).
func (v *Validator) Operations() []Operation { return v.ops }

// Operation returns the operation with operationId id.
func (v *Validator) Operation(id string) (Operation, bool) {
	i, ok := v.opIndex[id]
	if !ok {
		return Operation{}, false
	}
	return v.ops[i], true
}

// Credentials lists the spec's credential schemes by name.
func (v *Validator) Credentials() map[string]Credential { return v.credentials }

// MaxBodyBytes is how much of a body is read for validation.
func (v *Validator) MaxBodyBytes() int64 { return v.maxBody }

// Exchange is a request the validator has seen, against which its response
// is validated.
type Exchange struct {
	v     *Validator
	input *openapi3filter.RequestValidationInput
	// secrets are the request's credentials and the values of its body's
	// members the spec marks secret (format: password), found when first
	// asked for (Secrets) from header and body.
	secrets      []string
	header       http.Header
	body         []byte
	bodySecrets  []string // the names of the secret body members
	secretsFound bool
}

// Secrets lists the secrets the request carries: its credentials and the
// values of the body members the spec marks secret. Everything recorded of
// the exchange is scrubbed of them.
func (x *Exchange) Secrets() []string {
	if !x.secretsFound {
		x.secrets, x.secretsFound = SecretValues(x.header), true
		if len(x.bodySecrets) > 0 && len(x.body) > 0 {
			x.secrets = append(x.secrets, secretMemberValues(x.body, x.bodySecrets)...)
		}
	}
	return x.secrets
}

// Route is the matched route, nil when the request matched no operation.
func (x *Exchange) Route() *routers.Route {
	if x.input == nil || x.input.Route == x.v.unrouted {
		return nil
	}
	return x.input.Route
}

// Operation is the matched operation's operationId, or "".
func (x *Exchange) Operation() string {
	if r := x.Route(); r != nil {
		return r.Operation.OperationID
	}
	return ""
}

// ValidateRequest routes req and validates it with body (already read).
// The Exchange it returns validates the response, even when the request
// matched no operation.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request, body []byte) (*Exchange, Violations) {
	x := &Exchange{v: v, header: req.Header, body: body}
	r := req.WithContext(ctx) // a copy, which kin-openapi may change
	r.Body, r.ContentLength, r.GetBody = http.NoBody, int64(len(body)), nil
	if len(body) > 0 { // kin-openapi reads any other body, even an empty one
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	unrouted := func(k Kind, reason string) (*Exchange, Violations) {
		x.input = &openapi3filter.RequestValidationInput{Request: r, Route: v.unrouted}
		return x, Violations{{Direction: DirectionRequest, Kind: k, Reason: reason}}
	}
	rest, ok := v.matchServer(req)
	if !ok {
		return unrouted(KindServer, "no server of the spec matches "+RedactURL(origin(req)))
	}
	u := *req.URL
	u.Scheme, u.Host, u.RawPath = "", "", rest
	u.Path, _ = url.PathUnescape(rest)
	r.URL, r.Host = &u, ""
	route, params, err := v.router.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return unrouted(KindMethod, req.Method+" is not an operation of "+u.Path)
	case err != nil:
		return unrouted(KindPath, "no path of the spec matches "+u.Path)
	}
	// gorillamux matches the escaped path and kin-openapi validates the
	// values as they come: unescaped here, a project ID of n two-byte
	// characters is n characters long, not 6n.
	for k, p := range params {
		if u, err := url.PathUnescape(p); err == nil {
			params[k] = u
		}
	}
	x.input = &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: &v.reqOpts}
	if op, _ := v.Operation(route.Operation.OperationID); len(op.Secrets) > 0 {
		x.bodySecrets = op.Secrets
	}
	key := bodyKey{route.Operation, req.Header.Get("Content-Type"), string(body)}
	if _, known := v.validBodies.Load(key); known && len(body) > 0 {
		x.input.Options = &v.noReqBodyOpts
	}
	err = openapi3filter.ValidateRequest(ctx, x.input)
	if err == nil && len(body) > 0 && x.input.Options == &v.reqOpts && v.validCount.Add(1) <= maxValidBodies {
		v.validBodies.Store(key, struct{}{})
	}
	vs := v.requestViolations(route.Operation, err)
	return x, append(vs, v.exactViolations(route.Operation, params, r.URL, vs)...)
}

func (v *Validator) requestViolations(op *openapi3.Operation, err error) Violations {
	var vs Violations
	for _, e := range flatten(err) {
		vi := Violation{Operation: op.OperationID, Direction: DirectionRequest, Kind: KindRequest, Reason: e.Error()}
		var sre *openapi3filter.SecurityRequirementsError
		var re *openapi3filter.RequestError
		switch {
		case errors.As(e, &sre):
			// The reasons are the authenticate function's own, which never
			// quote a credential.
			vi.Kind, vi.Reason = KindAuth, "no valid credentials: "+strings.ReplaceAll(errors.Join(sre.Errors...).Error(), "\n", "; ")
		case errors.As(e, &re) && re.Parameter != nil:
			vi.Kind, vi.Name, vi.code = KindParameter, re.Parameter.Name, ErrorCode(re.Parameter.Extensions)
		}
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			vi.Pointer = pointer(se)
		}
		vs = append(vs, vi)
	}
	return vs
}

// ValidateResponse validates the answer to the exchange's request, body
// already read and decoded (see decodeBody). An answer to a request that
// matched no operation must match the spec's 404 response (the gateway's
// error shape) and be a 4xx.
func (x *Exchange) ValidateResponse(ctx context.Context, status int, header http.Header, body []byte) Violations {
	op := ""
	if x.Route() != nil {
		op = x.Operation()
	}
	viol := func(k Kind, reason string) Violation {
		return Violation{Operation: op, Direction: DirectionResponse, Status: status, Kind: k, Reason: reason}
	}
	var vs Violations
	if x.input.Route == nil {
		return nil // the spec declares no 404 answer to hold it to
	}
	responses := x.input.Route.Operation.Responses
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if x.Route() == nil && (status < 400 || status > 499) {
		vs = append(vs, viol(KindStatus, fmt.Sprintf("a request that matches no operation must get a 4xx, not %d", status)))
	}
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: x.input, Status: status,
		Header: header, Body: io.NopCloser(bytes.NewReader(body)), Options: &x.v.reqOpts}
	var key bodyKey
	known := false // the body passed every check of its own before
	if ref != nil && len(body) > 0 {
		key = bodyKey{ref.Value, header.Get("Content-Type"), string(body)}
		if _, known = x.v.validBodies.Load(key); known {
			in.Options = &x.v.noBodyOpts
		}
	}
	errs := flatten(openapi3filter.ValidateResponse(ctx, in))
	for _, e := range errs {
		k := KindResponse
		if ref == nil {
			k = KindStatus
		}
		vi := viol(k, e.Error())
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			vi.Pointer = pointer(se)
		}
		vs = append(vs, vi)
	}
	if ref == nil && len(vs) == 0 {
		// kin-openapi skips 301, 304, 307 and 308 without looking them up.
		vs = append(vs, viol(KindStatus, fmt.Sprintf("status %d is not documented", status)))
	}
	if ref == nil || x.input.Request.Method == http.MethodHead {
		return vs
	}
	// kin-openapi does not check these: an empty body where none is
	// documented, one value per documented header, UTF-8 JSON.
	if len(ref.Value.Content) == 0 && len(body) > 0 {
		vs = append(vs, viol(KindResponse, fmt.Sprintf("the %d answer is documented without a body, got %d bytes", status, len(body))))
	}
	// kin-openapi reads the first Content-Type of several, and the first
	// JSON value of a body: a client may read another.
	for _, name := range append(slices.Sorted(maps.Keys(ref.Value.Headers)), "Content-Type") {
		if n := len(header.Values(name)); n > 1 {
			vs = append(vs, viol(KindResponse, fmt.Sprintf("header %s sent %d times", name, n)))
		}
	}
	utf8Body := known || utf8.Valid(body)
	if !utf8Body && len(ref.Value.Content) > 0 {
		vs = append(vs, viol(KindResponse, "the body is not UTF-8"))
	}
	// kin-openapi reads the media type only; JSON is UTF-8 (RFC 8259 §8.1).
	mt, params, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			vs = append(vs, viol(KindResponse, fmt.Sprintf("a JSON answer must be UTF-8 (RFC 8259 §8.1), Content-Type names charset %q", cs)))
		}
	}
	if len(body) == 0 || !strings.HasSuffix(mt, "json") {
		return vs
	}
	// kin-openapi decodes the first JSON value only; json.Valid, which
	// allocates nothing, tells a body that goes on after it.
	switch {
	case known:
	case !json.Valid(body):
		dec := json.NewDecoder(bytes.NewReader(body))
		if dec.Decode(new(json.RawMessage)) != nil {
			return vs // not JSON at all: kin-openapi said so
		}
		vs = append(vs, viol(KindResponse, "the body goes on after its JSON value"))
	case len(errs) == 0 && utf8Body && x.v.validCount.Add(1) <= maxValidBodies:
		x.v.validBodies.Store(key, struct{}{})
	}
	// An answer the gateway makes itself (its response has an
	// x-oms-error-code) carries only a code documented for its status, as
	// a client reads it (gen.DecodeError): a 401 with OMS.1009 would read
	// as "no such task". OMS's own codes (400) are open-ended. The 404
	// answer that holds any 4xx to an unrouted request holds only a 404 to
	// its codes.
	documented := x.v.responseCodes[ref.Value]
	if ErrorCode(ref.Value.Extensions) == "" || len(documented) == 0 || responses.Status(status) == nil && status != http.StatusNotFound {
		return vs
	}
	if code := gen.DecodeError(status, header, body).Code; code != "" && !slices.Contains(documented, code) {
		vs = append(vs, viol(KindResponse, fmt.Sprintf("error_code %q is not one documented for %d (%s)", code, status, strings.Join(documented, ", "))))
	}
	return vs
}

// authenticate is the validator's openapi3filter.AuthenticationFunc: the
// scheme's header must be present once and match x-oms-value, the headers
// in x-oms-headers must come with it, and then WithAuthenticator's function
// verifies. Its errors never quote a header's value.
func (v *Validator) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	c, ok := v.credentials[in.SecuritySchemeName]
	if !ok {
		return fmt.Errorf("%s: only apiKey schemes in a header are checked", in.SecuritySchemeName)
	}
	h := in.RequestValidationInput.Request.Header
	check := func(name string, s *openapi3.Schema) error {
		vals := h.Values(name)
		switch {
		case len(vals) == 0:
			return fmt.Errorf("%s: %s missing", c.Name, name)
		case len(vals) > 1:
			return fmt.Errorf("%s: %s sent %d times", c.Name, name, len(vals))
		case s != nil:
			if err := s.VisitJSON(vals[0]); err != nil {
				var se *openapi3.SchemaError
				if errors.As(err, &se) {
					return fmt.Errorf("%s: %s: %s", c.Name, name, se.Reason)
				}
				return fmt.Errorf("%s: %s is malformed", c.Name, name)
			}
		}
		return nil
	}
	if err := check(c.Header, c.Value); err != nil {
		return err
	}
	for name, s := range c.Headers {
		if err := check(name, s); err != nil {
			return err
		}
	}
	if v.verify != nil {
		return v.verify(ctx, in)
	}
	return nil
}

// matchServer matches req's origin and path against the servers and
// returns the path below the matched server's base. A server-side request
// (no host in its URL) is matched without its scheme: behind TLS
// termination a server sees http for the declared https.
func (v *Validator) matchServer(req *http.Request) (string, bool) {
	path := req.URL.EscapedPath()
	host := strings.ToLower(req.URL.Host)
	if host == "" {
		host = strings.ToLower(req.Host)
	}
	for _, s := range v.servers {
		input := path
		if scheme, _, abs := strings.Cut(s.URL, "://"); abs {
			if req.URL.Host != "" {
				scheme = req.URL.Scheme
			}
			input = scheme + "://" + stripDefaultPort(scheme, host) + path
		}
		if _, rest, ok := s.MatchRawURL(input); ok {
			return rest, true
		}
	}
	return "", false
}

func stripDefaultPort(scheme, host string) string {
	if (scheme == "https" && strings.HasSuffix(host, ":443")) || (scheme == "http" && strings.HasSuffix(host, ":80")) {
		return host[:strings.LastIndexByte(host, ':')]
	}
	return host
}

func origin(req *http.Request) string {
	if req.URL.Host != "" {
		return req.URL.Scheme + "://" + req.URL.Host + req.URL.EscapedPath()
	}
	return "//" + req.Host + req.URL.EscapedPath()
}

// flatten lists the errors of an openapi3.MultiError, recursively. Only a
// MultiError itself is opened, not one wrapped in a RequestError, which
// would lose the parameter it names.
func flatten(err error) []error {
	me, ok := err.(openapi3.MultiError)
	if !ok {
		if err == nil {
			return nil
		}
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, flatten(e)...)
	}
	return out
}

func pointer(se *openapi3.SchemaError) string {
	if p := se.JSONPointer(); len(p) > 0 {
		return "/" + strings.Join(p, "/")
	}
	return ""
}
