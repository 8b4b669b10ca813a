package gen

import (
	"errors"
	"fmt"
	"strings"
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
	if !validAccess(vals[0]) {
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

// validAccess accepts visible ASCII except the characters that would make the
// header ambiguous to re-parse (',', ';', '=' and space).
func validAccess(s string) bool {
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
