// Package signer signs and verifies requests with SDK-HMAC-SHA256, the AK/SK
// scheme of the Huawei Cloud API gateway, computed as the official Go SDK
// (huaweicloud-sdk-go-v3, core/auth/signer) computes it:
//
//  1. X-Sdk-Date is the UTC time in DateFormat; a valid one already on the
//     request is reused.
//  2. The signed headers are every request header, lower-cased and sorted,
//     except names starting with "content-type" and names containing "_".
//  3. The canonical request is the method, the canonical URI (each path
//     segment escaped leaving only A-Z a-z 0-9 _ - ~ ., upper-case hex, "/"
//     always appended), the canonical query (keys sorted, then values, both
//     escaped alike), one "name:trimmed-value\n" line per signed header value,
//     the signed names joined by ";", and the hex SHA-256 of the body, joined
//     by "\n".
//  4. The signature is the hex HMAC-SHA256, keyed with the SK, of
//     "SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256 of the canonical request>".
//  5. A Content-Type containing neither application/json nor
//     application/bson makes the SDK send X-Sdk-Content-Sha256:
//     UNSIGNED-PAYLOAD and sign that literal instead of the body hash; an
//     X-Sdk-Content-Sha256 already on the request replaces the body hash.
//
// Where a Go *http.Request differs from the SDK's request object: Host is
// never in req.Header, so it is not signed, as with the SDK; and net/http
// sends only the first User-Agent value and none when it is empty, so only
// that is signed.
//
// The package uses the standard library only, so that both the client (package
// gen) and servers (the mock OMS) can import it cheaply.
package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	// Algorithm starts every Authorization value of this scheme.
	Algorithm = "SDK-HMAC-SHA256"
	// DateFormat is the layout of X-Sdk-Date (UTC, no fraction).
	DateFormat = "20060102T150405Z"
	// HeaderDate carries the signing time; it is always signed.
	HeaderDate = "X-Sdk-Date"
	// HeaderProjectID names the project, sent when Credentials.ProjectID is set.
	HeaderProjectID = "X-Project-Id"
	// HeaderSecurityToken carries the session token of temporary credentials.
	HeaderSecurityToken = "X-Security-Token"
	// Redacted replaces a secret wherever Credentials are printed.
	Redacted = "[REDACTED]"

	headerContentSha256 = "X-Sdk-Content-Sha256"
	unsignedPayload     = "UNSIGNED-PAYLOAD"
)

// Credentials are permanent or temporary AK/SK credentials. Every way of
// printing them (fmt verbs, JSON, slog) shows SK and SecurityToken as
// Redacted, so that a credential logged by accident does not leak.
type Credentials struct {
	AK            string // access key ID, sent in clear in Authorization
	SK            string // secret key: keys the HMAC, never sent
	SecurityToken string // session token of temporary credentials, sent as X-Security-Token
	ProjectID     string // sent as X-Project-Id when set, as the SDK does
}

// credentials has Credentials' fields and none of its methods, so fmt and
// encoding/json print a redacted copy field by field.
type credentials Credentials

func (c Credentials) redacted() credentials {
	if c.SK != "" {
		c.SK = Redacted
	}
	if c.SecurityToken != "" {
		c.SecurityToken = Redacted
	}
	return credentials(c)
}

// String prints the credentials with the secrets redacted.
func (c Credentials) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// Format serves every fmt verb from the redacted copy: without it, verbs such
// as %d or %x would print the fields themselves.
func (c Credentials) Format(f fmt.State, verb rune) {
	format := fmt.FormatString(f, verb)
	if format == "%v" {
		format = "%+v" // name the fields, as String does
	}
	fmt.Fprintf(f, format, c.redacted())
}

// MarshalJSON keeps the secrets out of JSON.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

// LogValue keeps the secrets out of structured logs.
func (c Credentials) LogValue() slog.Value { return slog.AnyValue(c.redacted()) }

// Signer signs requests with one set of credentials. It is safe for
// concurrent use.
type Signer struct {
	c   Credentials
	now func() time.Time
}

// Option configures a Signer.
type Option func(*Signer)

// WithClock makes the signer read the signing time from now, so that tests
// and examples give reproducible signatures.
func WithClock(now func() time.Time) Option { return func(s *Signer) { s.now = now } }

// New returns a Signer for c.
func New(c Credentials, opts ...Option) *Signer {
	s := &Signer{c: c, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Format prints the signer with its credentials redacted; fmt would
// otherwise print the unexported SK field as it is.
func (s Signer) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "signer.Signer{%+v}", s.c.redacted()) }

// Sign sets X-Sdk-Date (unless a valid one is present), X-Project-Id and
// X-Security-Token when the credentials carry them, X-Sdk-Content-Sha256 for
// a non-JSON Content-Type, and Authorization. body must be the bytes that
// will be sent; req.Body is not read. Headers added after Sign are not
// signed. req.Header is expected to have canonical keys, as http.Header's
// methods make them.
func (s *Signer) Sign(req *http.Request, body []byte) error {
	if s.c.AK == "" || s.c.SK == "" {
		return errors.New("signer: AK and SK are required")
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	req.Header.Del("Authorization")
	if s.c.ProjectID != "" {
		req.Header.Set(HeaderProjectID, s.c.ProjectID)
	}
	if s.c.SecurityToken != "" {
		req.Header.Set(HeaderSecurityToken, s.c.SecurityToken)
	}
	if ct := req.Header.Get("Content-Type"); ct != "" &&
		!strings.Contains(ct, "application/json") && !strings.Contains(ct, "application/bson") {
		req.Header.Set(headerContentSha256, unsignedPayload)
	}
	date := req.Header.Get(HeaderDate)
	if _, err := time.Parse(DateFormat, date); err != nil {
		date = s.now().UTC().Format(DateFormat)
		req.Header.Set(HeaderDate, date)
	}
	headers := lowerHeaders(req.Header)
	var signed []string
	for name := range headers {
		if !strings.HasPrefix(name, "content-type") && !strings.Contains(name, "_") {
			signed = append(signed, name)
		}
	}
	slices.Sort(signed)
	payload := hashHex(body)
	if v := req.Header.Get(headerContentSha256); v != "" {
		payload = v
	}
	sig, err := signature(s.c.SK, date, req, headers, signed, payload)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", Authorization{Access: s.c.AK, SignedHeaders: signed, Signature: hex.EncodeToString(sig)}.String())
	return nil
}

// Verify recomputes the signature of a request as a Go server receives it
// (path and query from req.URL, host from req.Host) from the headers its
// Authorization lists, and compares it with the one sent in constant time.
// body is the body the server read. Unlike the SDK's signer, which would sign
// any X-Sdk-Content-Sha256 value as it is, Verify hashes the body unless that
// header is signed and says UNSIGNED-PAYLOAD, so a claimed hash can never
// stand in for the real one. Verify neither judges the date (see Date: the
// allowed clock skew is the server's policy) nor maps the access key to sk
// (see ParseAuthorization). Errors never contain secrets.
func Verify(req *http.Request, body []byte, sk string) error {
	a, err := ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	date := req.Header.Get(HeaderDate)
	if _, err := Date(req); err != nil {
		return err
	}
	if !slices.Contains(a.SignedHeaders, "x-sdk-date") {
		return errors.New("signer: X-Sdk-Date is not a signed header")
	}
	headers := lowerHeaders(req.Header)
	headers["host"] = []string{req.Host} // Go's server moves Host out of req.Header
	for _, name := range a.SignedHeaders {
		if _, ok := headers[name]; !ok {
			return fmt.Errorf("signer: signed header %q is missing", name)
		}
	}
	payload := hashHex(body)
	if slices.Contains(a.SignedHeaders, "x-sdk-content-sha256") && req.Header.Get(headerContentSha256) == unsignedPayload {
		payload = unsignedPayload
	}
	want, err := signature(sk, date, req, headers, a.SignedHeaders, payload)
	if err != nil {
		return err
	}
	if got, err := hex.DecodeString(a.Signature); err != nil || !hmac.Equal(want, got) {
		return errors.New("signer: signature does not match")
	}
	return nil
}

// Date returns the request's X-Sdk-Date, for a server to reject requests
// outside its allowed clock skew.
func Date(req *http.Request) (time.Time, error) {
	t, err := time.Parse(DateFormat, req.Header.Get(HeaderDate))
	if err != nil {
		return time.Time{}, fmt.Errorf("signer: missing or malformed %s", HeaderDate)
	}
	return t, nil
}

// Authorization is a parsed SDK-HMAC-SHA256 Authorization value.
type Authorization struct {
	Access        string   // the access key ID (AK)
	SignedHeaders []string // lower-case header names, in the order signed
	Signature     string   // hex HMAC-SHA256
}

// String renders the value exactly as the SDK sends it.
func (a Authorization) String() string {
	return Algorithm + " Access=" + a.Access + ", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature
}

// ParseAuthorization parses "SDK-HMAC-SHA256 Access=<AK>,
// SignedHeaders=<h1;h2>, Signature=<hex>" in the SDK's exact layout. Errors
// do not quote the value, which carries the signature.
func ParseAuthorization(v string) (Authorization, error) {
	rest, ok := strings.CutPrefix(v, Algorithm+" ")
	parts := strings.Split(rest, ", ")
	if !ok || len(parts) != 3 {
		return Authorization{}, errors.New("signer: Authorization is not " + Algorithm + " Access=…, SignedHeaders=…, Signature=…")
	}
	var vals [3]string
	for i, key := range []string{"Access=", "SignedHeaders=", "Signature="} {
		if vals[i], ok = strings.CutPrefix(parts[i], key); !ok || vals[i] == "" {
			return Authorization{}, fmt.Errorf("signer: Authorization lacks %s", key)
		}
	}
	return Authorization{Access: vals[0], SignedHeaders: strings.Split(vals[1], ";"), Signature: vals[2]}, nil
}

// lowerHeaders merges header names case-insensitively under their lower-case
// form and keeps of User-Agent what net/http sends: the first value, and
// nothing when that is empty.
func lowerHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		name := strings.ToLower(k)
		if name == "user-agent" && len(vs) > 0 {
			vs = vs[:1]
			if vs[0] == "" {
				continue
			}
		}
		if len(vs) > 0 {
			out[name] = append(out[name], vs...)
		}
	}
	return out
}

// signature computes the HMAC of steps 3 and 4 of the package comment.
func signature(sk, date string, req *http.Request, headers map[string][]string, signed []string, payload string) ([]byte, error) {
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, errors.New("signer: the query string does not parse")
	}
	var b strings.Builder
	b.WriteString(req.Method + "\n")
	segs := strings.Split(req.URL.EscapedPath(), "/")
	for i, seg := range segs {
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		segs[i] = escape(seg)
	}
	b.WriteString(strings.TrimSuffix(strings.Join(segs, "/"), "/") + "/\n")
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(query)) {
		for _, v := range slices.Sorted(slices.Values(query[k])) {
			pairs = append(pairs, escape(k)+"="+escape(v))
		}
	}
	b.WriteString(strings.Join(pairs, "&") + "\n")
	for _, name := range signed {
		for _, v := range slices.Sorted(slices.Values(headers[name])) {
			b.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n" + payload)
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(Algorithm + "\n" + date + "\n" + hashHex([]byte(b.String()))))
	return mac.Sum(nil), nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// escape percent-encodes every byte but A-Z a-z 0-9 _ - ~ . with upper-case
// hex, as the SDK does (stricter than url.PathEscape).
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("_-~.", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
