package contract

import (
	"net/http"
	"slices"
	"strings"

	"github.com/oms-contract/stoptask/gen"
)

// isSecretHeader reports whether a header's value is a credential: a token,
// a signature, a key, a cookie. The list errs on the side of redacting.
func isSecretHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case gen.HeaderAuthToken, gen.HeaderAuthorization, gen.HeaderSecurityToken,
		"X-Subject-Token", "Proxy-Authorization", "Cookie", "Set-Cookie":
		return true
	}
	n := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "password", "signature", "credential", "api-key", "apikey"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// RedactHeaders returns a copy of h that is safe to log: the values of
// credential headers (X-Auth-Token, X-Security-Token, X-Subject-Token,
// cookies, anything named like a token, secret, password, signature or API
// key) are replaced by "[REDACTED]". A well-formed SDK-HMAC-SHA256
// Authorization keeps its SignedHeaders, which help debug a signature
// mismatch, but loses its access key and signature; any other Authorization
// is redacted whole. h itself is not modified; nil gives nil.
func RedactHeaders(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, vals := range h {
		if !isSecretHeader(name) {
			out[name] = append([]string(nil), vals...)
			continue
		}
		red := make([]string, len(vals))
		for i, v := range vals {
			red[i] = gen.Redacted
			if http.CanonicalHeaderKey(name) == gen.HeaderAuthorization {
				if sig, err := gen.ParseAuthorization(v); err == nil {
					red[i] = gen.SignAlgorithm + " Access=" + gen.Redacted +
						", SignedHeaders=" + strings.Join(sig.SignedHeaders, ";") +
						", Signature=" + gen.Redacted
				}
			}
		}
		out[name] = red
	}
	return out
}

// minSecretLen is the shortest value SecretValues lists: replacing a
// shorter one in a message could mangle ordinary words, and no real token,
// key or signature is that short.
const minSecretLen = 6

// SecretValues lists the values in h that must never be printed: those of
// every header RedactHeaders redacts (X-Auth-Token, X-Security-Token,
// Authorization, cookies, anything named like a token, secret, password,
// signature or API key), and, for a well-formed SDK-HMAC-SHA256
// Authorization, its bare Signature and access key as well, since a
// message may quote them on their own. Values are trimmed, values shorter
// than 6 bytes are left out, and the list has no duplicates and is sorted
// longest first, so that replacing the values in order never leaves part
// of a longer one behind.
//
// The validator scrubs violation reasons with it; use it to scrub, or to
// scan for leaks, anything else built from a request: a report, a log line,
// an error message.
func SecretValues(h http.Header) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= minSecretLen {
			out = append(out, s)
		}
	}
	for name, vals := range h {
		if !isSecretHeader(name) {
			continue
		}
		for _, val := range vals {
			add(val)
			if http.CanonicalHeaderKey(name) == gen.HeaderAuthorization {
				if sig, err := gen.ParseAuthorization(val); err == nil {
					add(sig.Signature)
					add(sig.Access)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(out)
}
