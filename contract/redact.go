package contract

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oms-contract/stoptask/gen/signer"
)

// Redacted replaces every secret this package prints.
const Redacted = signer.Redacted

// fragmentLen is the shortest piece of a secret that is scrubbed on its own:
// a quoted or truncated token still leaks if 8 of its characters survive,
// while shorter runs would match ordinary words.
const fragmentLen = 8

// isSecretHeader reports whether a header's value is a credential. It errs
// on the side of redacting.
func isSecretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"authorization", "token", "secret", "password", "signature", "credential", "cookie", "api-key", "apikey"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// SecretValues lists the credential values in h: those of every header
// named like a credential, except that of an SDK-HMAC-SHA256
// Authorization only the values in its frame are secret (the access key,
// the signature, any field not key=value), well formed or not. The frame
// itself (the algorithm, "Access=", "SignedHeaders=" and the signed header
// names) is public: the spec's pattern spells it out, and scrubbing it as
// part of the secret redacted that pattern wherever a reason quoted it.
func SecretValues(h http.Header) []string {
	var out []string
	for name, vals := range h {
		if !isSecretHeader(name) {
			continue
		}
		for _, v := range vals {
			rest, framed := strings.CutPrefix(v, signer.Algorithm+" ")
			if !framed {
				out = append(out, v)
				continue
			}
			for _, field := range strings.Split(rest, ",") {
				field = strings.TrimSpace(field)
				if key, val, ok := strings.Cut(field, "="); !ok {
					out = append(out, field)
				} else if key != "SignedHeaders" {
					out = append(out, val)
				}
			}
		}
	}
	return out
}

// Scrubber removes secrets from anything recorded: each secret's value and
// any piece of it of fragmentLen characters or more, the pieces in any ASCII
// case (header names are canonicalized, encodings lower-cased). It is the
// one redaction of the package: records, violation reasons, logs and reports
// go through it.
type Scrubber struct {
	whole []string            // secrets too short to be cut into fragments
	grams map[string]struct{} // every fragmentLen-long piece of the others, lower-cased
}

// lowerASCII lower-cases ASCII letters only, so that byte offsets stay.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// NewScrubber returns a Scrubber for secrets and their common encodings
// (base64 and base64url, padded or not, hex, percent-encoding and JSON's
// \u escapes), which a server may echo as well; blank and very short
// values (under 4 characters) are ignored.
func NewScrubber(secrets ...string) *Scrubber {
	s := &Scrubber{grams: map[string]struct{}{}}
	for _, v := range encodings(secrets) {
		v = strings.TrimSpace(v)
		switch {
		case len(v) < 4:
		case len(v) < fragmentLen:
			s.whole = append(s.whole, v)
		default:
			v = lowerASCII(v)
			for i := 0; i+fragmentLen <= len(v); i++ {
				s.grams[v[i:i+fragmentLen]] = struct{}{}
			}
		}
	}
	return s
}

// encodings lists each secret as it is and in the forms it may be echoed in.
func encodings(secrets []string) []string {
	var out []string
	for _, v := range secrets {
		var u strings.Builder
		for _, r := range v {
			fmt.Fprintf(&u, "\\u%04x", r)
		}
		b := []byte(v)
		out = append(out, v, base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
			base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
			hex.EncodeToString(b), url.QueryEscape(v), url.PathEscape(v), u.String())
	}
	return out
}

// String returns text with every secret, and every fragment of one,
// replaced by Redacted.
func (s *Scrubber) String(text string) string {
	if len(s.grams) > 0 {
		var b strings.Builder
		written, runStart, runEnd := 0, 0, -1 // text[runStart:runEnd] is secret
		lower := lowerASCII(text)
		flush := func() {
			b.WriteString(text[written:runStart] + Redacted)
			written = runEnd
		}
		for i := 0; i+fragmentLen <= len(text); i++ {
			if _, ok := s.grams[lower[i:i+fragmentLen]]; !ok {
				continue
			}
			if i > runEnd {
				if runEnd >= 0 {
					flush()
				}
				runStart = i
			}
			runEnd = i + fragmentLen
		}
		if runEnd >= 0 {
			flush()
			b.WriteString(text[written:])
			text = b.String()
		}
	}
	for _, w := range s.whole {
		text = strings.ReplaceAll(text, w, Redacted)
	}
	return text
}

// Header returns a copy of h with credential headers redacted by name and
// every other value, and every name, scrubbed by value.
func (s *Scrubber) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, vals := range h {
		key := s.String(name)
		for _, v := range vals {
			if isSecretHeader(name) {
				v = Redacted
			}
			out[key] = append(out[key], s.String(v))
		}
	}
	return out
}

// RedactURL returns raw without user info, for printing.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndexByte(raw, '@'); i >= 0 {
			return Redacted + raw[i:]
		}
		return raw
	}
	if u.User != nil {
		u.User = url.User(Redacted)
	}
	return u.String()
}

// secretMemberValues lists the string values of the members named in names
// anywhere in a JSON body.
func secretMemberValues(body []byte, names []string) []string {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, m := range v {
				if s, ok := m.(string); ok && slices.Contains(names, k) {
					out = append(out, s)
				}
				walk(m)
			}
		case []any:
			for _, m := range v {
				walk(m)
			}
		}
	}
	walk(doc)
	return out
}
