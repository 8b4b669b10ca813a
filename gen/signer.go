package gen

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// SignAlgorithm is the scheme name Huawei Cloud's API gateway expects at the
// start of an AK/SK Authorization header; anything else is rejected before the
// signature is even looked at.
const SignAlgorithm = "SDK-HMAC-SHA256"

// SdkDateFormat is the layout of X-Sdk-Date. The gateway compares it with its
// own clock, so it is always UTC and carries no sub-second part.
const SdkDateFormat = "20060102T150405Z"

// Header names used by the two authentication schemes and by OMS responses.
// They are spelled in canonical MIME form so http.Header lookups hit directly.
const (
	// HeaderSdkDate carries the signing time; it is always a signed header.
	HeaderSdkDate = "X-Sdk-Date"
	// HeaderAuthToken carries an IAM token when token authentication is used.
	HeaderAuthToken = "X-Auth-Token"
	// HeaderProjectID names the project the AK/SK credentials act on.
	HeaderProjectID = "X-Project-Id"
	// HeaderSecurityToken carries the session token of temporary AK/SK credentials.
	HeaderSecurityToken = "X-Security-Token"
	// HeaderRequestID is set by OMS on responses; support needs it to trace a call.
	HeaderRequestID = "X-Request-Id"
	// HeaderAuthorization carries the SDK-HMAC-SHA256 signature.
	HeaderAuthorization = "Authorization"
	// HeaderContentSha256 lets the signer skip hashing a non-JSON body: the SDK
	// sets it to UNSIGNED-PAYLOAD and signs that literal instead.
	HeaderContentSha256 = "X-Sdk-Content-Sha256"
)

// UnsignedPayload is the literal signed in place of the body hash when
// X-Sdk-Content-Sha256 says so.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// Sentinel errors returned (wrapped) by ParseAuthorization, SdkDate and
// VerifyRequest, so that a server can map them to 401 responses with
// errors.Is without parsing messages. Their messages never contain secrets.
var (
	// ErrMissingAuthorization means the request has no Authorization header.
	ErrMissingAuthorization = errors.New("missing Authorization header")
	// ErrMalformedAuthorization means the Authorization header is not a
	// well-formed SDK-HMAC-SHA256 value.
	ErrMalformedAuthorization = errors.New("malformed SDK-HMAC-SHA256 Authorization header")
	// ErrMissingDate means the request has no X-Sdk-Date header.
	ErrMissingDate = errors.New("missing X-Sdk-Date header")
	// ErrMalformedDate means X-Sdk-Date is not in SdkDateFormat.
	ErrMalformedDate = errors.New("malformed X-Sdk-Date header")
	// ErrUnsignedDate means X-Sdk-Date is present but not listed in
	// SignedHeaders, so an attacker could replay the signature at another time.
	ErrUnsignedDate = errors.New("X-Sdk-Date is not a signed header")
	// ErrMissingSignedHeader means a header listed in SignedHeaders is absent.
	ErrMissingSignedHeader = errors.New("signed header missing from request")
	// ErrSignatureMismatch means the recomputed signature differs.
	ErrSignatureMismatch = errors.New("signature does not match")
	// ErrMissingCredentials means an AK or SK is empty, so nothing can be
	// signed or verified.
	ErrMissingCredentials = errors.New("AK/SK credentials are incomplete")
	// ErrUnsignable means the request contains something the signature
	// cannot cover faithfully (an invalid header name or value, an
	// unparsable query), so signing it would only produce a 401 later.
	ErrUnsignable = errors.New("request cannot be signed")
)

// SignatureHeader is a parsed `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` value.
type SignatureHeader struct {
	// Access is the access key ID (AK); it identifies, it does not authenticate.
	Access string
	// SignedHeaders are the lower-case header names covered by the signature,
	// sorted and without duplicates, exactly as they entered the canonical request.
	SignedHeaders []string
	// Signature is the 64-character lower-case hex HMAC-SHA256.
	Signature string
}

// String renders the header value in the exact form the SDK sends, so a
// parsed value can be re-emitted byte for byte.
func (h SignatureHeader) String() string {
	return SignAlgorithm + " Access=" + h.Access +
		", SignedHeaders=" + strings.Join(h.SignedHeaders, ";") +
		", Signature=" + h.Signature
}

// ParseAuthorization parses an SDK-HMAC-SHA256 Authorization value strictly:
// the algorithm, then exactly Access, SignedHeaders and Signature in the order
// and with the ", " separators the SDK emits; header names lower-case, sorted
// and unique; the signature 64 lower-case hex digits. Being strict keeps
// ambiguous inputs (duplicated fields, reordered names) from verifying in one
// implementation and not in another. Errors wrap ErrMalformedAuthorization and
// never quote the input, because it contains the signature.
func ParseAuthorization(value string) (SignatureHeader, error) {
	var h SignatureHeader
	if value == "" {
		return h, ErrMissingAuthorization
	}
	rest, ok := strings.CutPrefix(value, SignAlgorithm+" ")
	if !ok {
		return h, fmt.Errorf("%w: algorithm is not %s", ErrMalformedAuthorization, SignAlgorithm)
	}
	parts := strings.Split(rest, ", ")
	if len(parts) != 3 {
		return h, fmt.Errorf("%w: want 3 comma-separated fields, got %d", ErrMalformedAuthorization, len(parts))
	}
	fields := [3]string{"Access", "SignedHeaders", "Signature"}
	var vals [3]string
	for i, p := range parts {
		v, ok := strings.CutPrefix(p, fields[i]+"=")
		if !ok {
			return h, fmt.Errorf("%w: field %d must be %s=", ErrMalformedAuthorization, i+1, fields[i])
		}
		if v == "" {
			return h, fmt.Errorf("%w: %s is empty", ErrMalformedAuthorization, fields[i])
		}
		vals[i] = v
	}
	if !ValidAccessKey(vals[0]) {
		return h, fmt.Errorf("%w: Access contains characters outside printable ASCII or separators", ErrMalformedAuthorization)
	}
	names := strings.Split(vals[1], ";")
	for i, n := range names {
		if !validHeaderName(n) {
			return h, fmt.Errorf("%w: SignedHeaders entry %d is not a lower-case header name", ErrMalformedAuthorization, i+1)
		}
		if i > 0 && names[i-1] >= n {
			return h, fmt.Errorf("%w: SignedHeaders are not sorted and unique", ErrMalformedAuthorization)
		}
	}
	if !isLowerHex64(vals[2]) {
		return h, fmt.Errorf("%w: Signature is not 64 lower-case hex digits", ErrMalformedAuthorization)
	}
	h.Access, h.SignedHeaders, h.Signature = vals[0], names, vals[2]
	return h, nil
}

// ValidAccessKey reports whether s can stand in Access= of an
// SDK-HMAC-SHA256 Authorization header: visible ASCII except the characters
// that would make the header ambiguous to re-parse (',', ';', '=' and
// space). Servers use it to refuse configuring an AK no request could name.
func ValidAccessKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ',' || c == ';' || c == '=' {
			return false
		}
	}
	return true
}

// validHeaderName accepts RFC 9110 token characters without upper-case
// letters, since the canonical request only ever contains lower-cased names.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isLowerHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Redacted replaces secret material (tokens, secret keys, signatures, user
// info) wherever it would otherwise be printed: Credentials here, headers,
// violations, logs and reports in package contract and its tools, so that
// they all read alike.
const Redacted = "[REDACTED]"

// Credentials are permanent or temporary AK/SK credentials. SK and
// SecurityToken are secrets: every formatting path (fmt verbs, JSON, slog)
// prints them redacted, so a credential accidentally logged does not leak.
type Credentials struct {
	// AK is the access key ID; it is sent in clear in every Authorization header.
	AK string
	// SK is the secret access key; it keys the HMAC and is never sent.
	SK string
	// SecurityToken is the session token of temporary credentials; when set it
	// is sent (and signed) as X-Security-Token.
	SecurityToken string
	// ProjectID, when set, is sent (and signed) as X-Project-Id, as the SDK does.
	ProjectID string
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return Redacted
}

// String prints the credentials with SK and SecurityToken redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{AK:%s SK:%s SecurityToken:%s ProjectID:%s}",
		c.AK, redact(c.SK), redact(c.SecurityToken), c.ProjectID)
}

// GoString serves %#v with the secrets redacted.
func (c Credentials) GoString() string {
	return fmt.Sprintf("gen.Credentials{AK:%q, SK:%q, SecurityToken:%q, ProjectID:%q}",
		c.AK, redact(c.SK), redact(c.SecurityToken), c.ProjectID)
}

// Format handles every verb, not just %v and %s: without it, verbs such as %d
// or %x make fmt print the struct fields themselves, secrets included.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, c.GoString())
		return
	}
	_, _ = fmt.Fprint(f, c.String())
}

// MarshalJSON keeps secrets out of JSON logs and debug dumps.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"ak":%q,"sk":%q,"security_token":%q,"project_id":%q}`,
		c.AK, redact(c.SK), redact(c.SecurityToken), c.ProjectID), nil
}

// LogValue keeps secrets out of structured logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("ak", c.AK),
		slog.String("sk", redact(c.SK)),
		slog.String("security_token", redact(c.SecurityToken)),
		slog.String("project_id", c.ProjectID),
	)
}

// validate checks what must hold before anything is signed; the messages
// name the field, never its value.
func (c Credentials) validate() error {
	if c.AK == "" {
		return fmt.Errorf("%w: AK is empty", ErrMissingCredentials)
	}
	if c.SK == "" {
		return fmt.Errorf("%w: SK is empty", ErrMissingCredentials)
	}
	if !ValidAccessKey(c.AK) {
		return fmt.Errorf("%w: AK contains characters that cannot appear in an Authorization header", ErrUnsignable)
	}
	if !validHeaderValue(c.SecurityToken) {
		return fmt.Errorf("%w: SecurityToken contains control characters", ErrUnsignable)
	}
	if !validHeaderValue(c.ProjectID) {
		return fmt.Errorf("%w: ProjectID contains control characters", ErrUnsignable)
	}
	return nil
}

// Signer signs requests with SDK-HMAC-SHA256 the way the official Huawei
// Cloud Go SDK does (core/auth/signer), so that the API gateway accepts them.
//
// Deliberate choices where a Go *http.Request differs from the SDK's request
// object:
//   - host is not signed, exactly like the SDK, whose header map never holds
//     Host. Go keeps the host in req.Host, not req.Header; should a caller put
//     "Host" into req.Header anyway, its canonical value is the host actually
//     sent (req.Host, else req.URL.Host), which is what a server sees.
//   - Content-Length, Transfer-Encoding and Trailer are never signed because
//     net/http's transport writes them itself, ignoring req.Header.
//   - Authorization is never signed; an existing one is replaced.
//   - the path is canonicalised from req.URL.EscapedPath(), segment by
//     segment (decode, then re-encode), so a "%2F" inside a segment stays
//     inside that segment; this is what the server sees on the wire.
//   - req.Header is first rewritten to what net/http will send: keys
//     canonicalised, User-Agent reduced to its first value (dropped if
//     empty). Otherwise the signature would cover headers the server never
//     receives.
//   - X-Sdk-Content-Sha256 replaces the body hash only when it is
//     UNSIGNED-PAYLOAD (the SDK would sign any preset value literally); any
//     other preset value is ignored and the body hashed, matching VerifyRequest.
//
// Like the SDK's, the canonical URI always ends in "/", so "/a" and "/a/"
// carry the same signature; servers that treat them differently must not
// rely on the signature to tell them apart.
type Signer struct {
	// Credentials are the AK/SK (and optional token/project) to sign with.
	Credentials Credentials
	// Now supplies the signing time when the request has no valid
	// X-Sdk-Date; nil means time.Now. Tests inject a fixed clock here.
	Now func() time.Time
}

// String describes the signer with the secrets redacted.
func (s Signer) String() string {
	clock := "time.Now"
	if s.Now != nil {
		clock = "custom"
	}
	return "Signer{" + s.Credentials.String() + " Now:" + clock + "}"
}

// Format exists for the same reason as Credentials.Format: fmt's fallback for
// unsupported verbs prints raw fields, which would include the SK.
func (s Signer) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprint(f, s.String())
}

// NewSigner returns a Signer for c with the options applied.
func NewSigner(c Credentials, opts ...SignerOption) *Signer {
	s := &Signer{Credentials: c}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Sign adds X-Sdk-Date (unless a valid one is present, which is reused),
// X-Project-Id and X-Security-Token (when the credentials carry them),
// X-Sdk-Content-Sha256 (for non-JSON content types) and Authorization to req.
// body must be the exact bytes that will be sent; req.Body is not read.
// Headers added to req after Sign are not covered by the signature.
func (s *Signer) Sign(req *http.Request, body []byte) error {
	if s == nil {
		return fmt.Errorf("%w: nil Signer", ErrMissingCredentials)
	}
	if req == nil || req.URL == nil {
		return fmt.Errorf("%w: nil request or URL", ErrUnsignable)
	}
	c := s.Credentials
	if err := c.validate(); err != nil {
		return err
	}
	if !validHeaderName(strings.ToLower(req.Method)) {
		return fmt.Errorf("%w: method is not an HTTP token", ErrUnsignable)
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if err := normalizeHeader(req.Header); err != nil {
		return err
	}
	setHeader(req.Header, HeaderAuthorization, "")
	if c.ProjectID != "" {
		setHeader(req.Header, HeaderProjectID, c.ProjectID)
	}
	if c.SecurityToken != "" {
		setHeader(req.Header, HeaderSecurityToken, c.SecurityToken)
	}
	// The SDK marks non-JSON bodies as unsigned instead of hashing them.
	if ct, ok := headerLookup(req.Header, "content-type"); ok && !strings.Contains(ct, "application/json") {
		setHeader(req.Header, HeaderContentSha256, UnsignedPayload)
	}
	date, _ := headerLookup(req.Header, "x-sdk-date")
	if _, err := parseSdkDate(date); err != nil {
		date = s.now().UTC().Format(SdkDateFormat)
	}
	// Re-set even a reused date so exactly one value remains.
	setHeader(req.Header, HeaderSdkDate, date)

	headers, err := collectHeaders(req.Header, requestHost(req))
	if err != nil {
		return err
	}
	signed := make([]string, 0, len(headers))
	for name := range headers {
		if signable(name) {
			signed = append(signed, name)
		}
	}
	sort.Strings(signed)

	cr, err := canonicalRequest(req.Method, req.URL, headers, signed, body)
	if err != nil {
		return err
	}
	sig := hex.EncodeToString(signString(c.SK, date, cr))
	setHeader(req.Header, HeaderAuthorization, SignatureHeader{Access: c.AK, SignedHeaders: signed, Signature: sig}.String())
	return nil
}

// normalizeHeader makes req.Header say what net/http will actually send, so
// the signature covers the wire and not the map: keys are canonicalised (the
// transport writes "User-AgeNt" verbatim but looks User-Agent up
// canonically, which would send two of them), and User-Agent keeps only its
// first value and disappears when that is empty, as Request.Write does.
func normalizeHeader(h http.Header) error {
	for k, vs := range h {
		if !validHeaderName(strings.ToLower(k)) {
			return fmt.Errorf("%w: header name %q is not an HTTP token", ErrUnsignable, k)
		}
		if ck := http.CanonicalHeaderKey(k); ck != k {
			delete(h, k)
			h[ck] = append(h[ck], vs...)
		}
	}
	if ua, ok := h["User-Agent"]; ok {
		if len(ua) == 0 || ua[0] == "" {
			delete(h, "User-Agent")
		} else {
			h["User-Agent"] = ua[:1]
		}
	}
	return nil
}

// setHeader replaces every case-variant of name (a Header map filled directly
// may hold "x-sdk-date" next to "X-Sdk-Date") with a single value, or removes
// them all when value is empty.
func setHeader(h http.Header, name, value string) {
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
	if value != "" {
		h.Set(name, value)
	}
}

// SdkDate returns the request's X-Sdk-Date. A server uses it to reject
// requests outside its allowed clock skew; VerifyRequest deliberately does not
// judge time, because the acceptable window is the server's policy.
func SdkDate(req *http.Request) (time.Time, error) {
	if req == nil {
		return time.Time{}, ErrMissingDate
	}
	v, err := singleDate(req.Header)
	if err != nil {
		return time.Time{}, err
	}
	return parseSdkDate(v)
}

// singleDate returns the one valid X-Sdk-Date value; several values are
// refused because which one a server would use is ambiguous.
func singleDate(h http.Header) (string, error) {
	var vals []string
	for k, vs := range h {
		if strings.EqualFold(k, HeaderSdkDate) {
			vals = append(vals, vs...)
		}
	}
	switch len(vals) {
	case 0:
		return "", ErrMissingDate
	case 1:
		if _, err := parseSdkDate(vals[0]); err != nil {
			return "", err
		}
		return vals[0], nil
	default:
		return "", fmt.Errorf("%w: %d values", ErrMalformedDate, len(vals))
	}
}

// parseSdkDate accepts only values that re-format to themselves, because the
// string to sign is built from the formatted time, not the raw header.
func parseSdkDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, ErrMissingDate
	}
	t, err := time.Parse(SdkDateFormat, v)
	if err != nil || t.Format(SdkDateFormat) != v {
		return time.Time{}, fmt.Errorf("%w: want layout %s", ErrMalformedDate, SdkDateFormat)
	}
	return t, nil
}

// VerifyRequest checks an SDK-HMAC-SHA256 signature on a request as a Go
// server receives it (path from r.URL.EscapedPath, query from r.URL.RawQuery,
// host from r.Host) against sk, using only the headers listed in
// SignedHeaders. body is the request body the server read. The comparison is
// constant-time. It does not check the date against a clock (see SdkDate) nor
// map the Access key to sk: parse the header with ParseAuthorization first to
// find the key. Errors wrap the package's sentinels and contain no secrets.
func VerifyRequest(req *http.Request, body []byte, sk string) error {
	if sk == "" {
		return fmt.Errorf("%w: SK is empty", ErrMissingCredentials)
	}
	if req == nil || req.URL == nil {
		return fmt.Errorf("%w: nil request", ErrMissingAuthorization)
	}
	authz, _ := headerLookup(req.Header, "authorization")
	h, err := ParseAuthorization(authz)
	if err != nil {
		return err
	}
	date, err := singleDate(req.Header)
	if err != nil {
		return err
	}
	if _, found := sort.Find(len(h.SignedHeaders), func(i int) int {
		return strings.Compare("x-sdk-date", h.SignedHeaders[i])
	}); !found {
		return ErrUnsignedDate
	}
	headers, err := collectHeaders(req.Header, req.Host)
	if err != nil {
		// A header the signer would have refused cannot carry a valid signature.
		return fmt.Errorf("%w: %w", ErrSignatureMismatch, err)
	}
	for _, name := range h.SignedHeaders {
		if name == "host" && req.Host != "" {
			// Go's server moves Host out of the Header map into r.Host.
			headers[name] = []string{req.Host}
		}
		if _, ok := headers[name]; !ok {
			return fmt.Errorf("%w: %q", ErrMissingSignedHeader, name)
		}
	}
	cr, err := canonicalRequest(req.Method, req.URL, headers, h.SignedHeaders, body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSignatureMismatch, err)
	}
	want := signString(sk, date, cr)
	got, err := hex.DecodeString(h.Signature)
	if err != nil || !hmac.Equal(want, got) {
		return ErrSignatureMismatch
	}
	return nil
}

// signable is the SDK's rule (content-type* and names with "_" are left out)
// plus the headers net/http rewrites or that carry the signature itself.
func signable(name string) bool {
	switch name {
	case "authorization", "content-length", "transfer-encoding", "trailer":
		return false
	}
	return !strings.HasPrefix(name, "content-type") && !strings.Contains(name, "_")
}

// requestHost is the Host a client request will carry on the wire.
func requestHost(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

// collectHeaders lower-cases and merges header names (http.Header may hold
// "X-A" and "x-a" as separate keys when filled directly; on the wire they
// become one header). A "host" entry always takes the real host, since
// net/http neither sends nor receives Host through the Header map. Names with
// no values are dropped: net/http sends nothing for them.
func collectHeaders(h http.Header, host string) (map[string][]string, error) {
	out := make(map[string][]string, len(h)+1)
	for k, vs := range h {
		if len(vs) == 0 {
			continue
		}
		name := strings.ToLower(k)
		if !validHeaderName(name) {
			return nil, fmt.Errorf("%w: header name %q is not an HTTP token", ErrUnsignable, k)
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return nil, fmt.Errorf("%w: value of header %q contains control characters", ErrUnsignable, k)
			}
		}
		out[name] = append(out[name], vs...)
	}
	if _, ok := out["host"]; ok {
		out["host"] = []string{host}
	}
	return out, nil
}

// headerLookup finds a header by case-insensitive name, for requests whose
// Header map was filled without canonicalisation.
func headerLookup(h http.Header, lower string) (string, bool) {
	if vs, ok := h[http.CanonicalHeaderKey(lower)]; ok && len(vs) > 0 {
		return vs[0], true
	}
	for k, vs := range h {
		if len(vs) > 0 && strings.EqualFold(k, lower) {
			return vs[0], true
		}
	}
	return "", false
}

// validHeaderValue rejects what net/http's transport refuses to send (control
// characters other than tab), so a signed request is always sendable.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// canonicalRequest builds the SDK's canonical request: method, URI, query,
// header lines, signed names and the payload hash, joined by "\n".
func canonicalRequest(method string, u *url.URL, headers map[string][]string, signed []string, body []byte) (string, error) {
	query, err := canonicalQuery(u.RawQuery)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(u.EscapedPath()))
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range signed {
		vs := append([]string(nil), headers[name]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash(headers, signed, body))
	return b.String(), nil
}

// payloadHash follows the SDK: the literal UNSIGNED-PAYLOAD replaces the body
// hash when X-Sdk-Content-Sha256 says so. It is honoured only when that header
// is itself signed; otherwise anyone could add it to detach a body from its
// signature. Any other value of the header is ignored and the body hashed, so
// a claimed hash can never stand in for the real one.
func payloadHash(headers map[string][]string, signed []string, body []byte) string {
	if vs := headers["x-sdk-content-sha256"]; len(vs) == 1 && vs[0] == UnsignedPayload {
		if _, ok := sort.Find(len(signed), func(i int) int { return strings.Compare("x-sdk-content-sha256", signed[i]) }); ok {
			return UnsignedPayload
		}
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// canonicalURI escapes every path segment with the SDK's escape and always
// ends in "/" (so "/a" and "/a/" sign alike, as with the SDK).
func canonicalURI(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, seg := range segs {
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		segs[i] = escape(seg)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// canonicalQuery sorts keys, then each key's values, and escapes both with
// the SDK's escape; a key without "=" counts as an empty value.
func canonicalQuery(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", fmt.Errorf("%w: query string does not parse", ErrUnsignable)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&"), nil
}

// signString computes HMAC-SHA256(sk, "SDK-HMAC-SHA256\n<date>\n<hex sha256(cr)>").
func signString(sk, date, cr string) []byte {
	crHash := sha256.Sum256([]byte(cr))
	m := hmac.New(sha256.New, []byte(sk))
	m.Write([]byte(SignAlgorithm + "\n" + date + "\n" + hex.EncodeToString(crHash[:])))
	return m.Sum(nil)
}

// escape percent-encodes every byte except A-Z a-z 0-9 _ - ~ . with
// upper-case hex, as the SDK does (it is stricter than url.PathEscape).
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
