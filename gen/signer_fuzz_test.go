package gen

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

const fuzzSK = "FuzzSecretKey"

// FuzzSignerRoundTrip signs arbitrary requests and checks: Sign never panics
// and fails only with ErrUnsignable; a signed request verifies both in memory
// and after being written to the wire and parsed back as a server would;
// changing any signed part breaks verification; changing an unsigned header
// does not.
func FuzzSignerRoundTrip(f *testing.F) {
	f.Add("POST", "v2/proj1/tasks/191297407830872/stop", "", "User-Agent", "huaweicloud-usdk-go/3.0", []byte(nil))
	f.Add("GET", "path", "limit=1", "TEST_UNDERSCORE", "TEST_VALUE", []byte(nil))
	f.Add("PUT", "v1/%C3%BC/a%20b/a%2Fb", "marker=a+b&limit=2&limit=10&empty", "Content-Type", "application/octet-stream", []byte("raw"))
	f.Add("PATCH", "x", "a=1", "x-lower", "  padded\t", []byte(`{"a":1}`))
	f.Add("DELETE", "", "", "Host", "evil.example", []byte(nil))
	f.Fuzz(func(t *testing.T, method, path, query, hname, hval string, body []byte) {
		raw := "http://example.com/" + path
		if query != "" {
			raw += "?" + query
		}
		req, err := http.NewRequest(method, raw, bytes.NewReader(body))
		if err != nil {
			return // not a request net/http can build
		}
		if hname != "" {
			req.Header[hname] = []string{hval}
		}
		s := NewSigner(Credentials{AK: "FuzzAK", SK: fuzzSK}, WithClock(func() time.Time { return time.Unix(1e9, 0) }))
		if err := s.Sign(req, body); err != nil {
			if !errors.Is(err, ErrUnsignable) {
				t.Fatalf("Sign failed with an unexpected error: %v", err)
			}
			if strings.Contains(err.Error(), fuzzSK) {
				t.Fatalf("error leaks the SK: %v", err)
			}
			return
		}
		if err := VerifyRequest(req, body, fuzzSK); err != nil {
			t.Fatalf("signed request does not verify in memory: %v", err)
		}
		// A URL net/http itself cannot put on the wire (e.g. a raw space in
		// the query) never reaches a server, so there is nothing to verify.
		if wire, ok := fuzzOverWire(t, req, body); ok {
			wireBody, _ := io.ReadAll(wire.Body)
			if err := VerifyRequest(wire, wireBody, fuzzSK); err != nil {
				t.Fatalf("signed request does not verify after the wire (%s %q): %v", wire.Method, wire.URL.RequestURI(), err)
			}
		}

		h, err := ParseAuthorization(req.Header.Get(HeaderAuthorization))
		if err != nil {
			t.Fatalf("own Authorization does not parse: %v", err)
		}
		lname := strings.ToLower(hname)
		signed := false
		for _, n := range h.SignedHeaders {
			signed = signed || n == lname
		}
		unsignedPayload := false
		for _, n := range h.SignedHeaders {
			if n == "x-sdk-content-sha256" && req.Header.Get(HeaderContentSha256) == UnsignedPayload {
				unsignedPayload = true
			}
		}

		mustFail := func(what string, mutate func(r *http.Request) []byte) {
			t.Helper()
			r := req.Clone(req.Context())
			b := mutate(r)
			if b == nil {
				b = body
			}
			if err := VerifyRequest(r, b, fuzzSK); err == nil {
				t.Fatalf("verification still succeeds after changing the %s", what)
			}
		}
		mustFail("method", func(r *http.Request) []byte { r.Method += "X"; return nil })
		mustFail("path", func(r *http.Request) []byte {
			u := *r.URL
			u.Path, u.RawPath = u.Path+"x", ""
			r.URL = &u
			return nil
		})
		mustFail("query", func(r *http.Request) []byte {
			u := *r.URL
			if u.RawQuery == "" {
				u.RawQuery = "zz=1"
			} else {
				u.RawQuery += "&zz=1"
			}
			r.URL = &u
			return nil
		})
		mustFail("date", func(r *http.Request) []byte {
			setHeader(r.Header, HeaderSdkDate, time.Unix(1e9+1, 0).UTC().Format(SdkDateFormat))
			return nil
		})
		mustFail("SK", func(r *http.Request) []byte {
			r.Header.Set(HeaderAuthorization, SignatureHeader{Access: h.Access, SignedHeaders: h.SignedHeaders,
				Signature: strings.Repeat("0", 64)}.String())
			return nil
		})
		if !unsignedPayload {
			mustFail("body", func(r *http.Request) []byte { return append(append([]byte(nil), body...), 'x') })
		}
		switch {
		case hname == "" || lname == "x-sdk-date" || lname == "authorization":
		case signed && lname == "host":
			mustFail("host", func(r *http.Request) []byte { r.Host += "x"; return nil })
		case signed:
			mustFail("signed header "+hname, func(r *http.Request) []byte {
				r.Header[hname] = []string{"mutated" + hval}
				return nil
			})
		case lname != "x-sdk-content-sha256":
			r := req.Clone(req.Context())
			r.Header[hname] = []string{"changed" + hval}
			if err := VerifyRequest(r, body, fuzzSK); err != nil {
				t.Fatalf("changing unsigned header %q broke verification: %v", hname, err)
			}
		}
	})
}

// fuzzOverWire serialises req as a client would and parses it back as a
// server would, so verification sees r.Host, canonicalised headers and the
// request URI exactly as a net/http handler does.
func fuzzOverWire(t *testing.T, req *http.Request, body []byte) (*http.Request, bool) {
	t.Helper()
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	var buf bytes.Buffer
	if err := out.Write(&buf); err != nil {
		t.Logf("net/http cannot write this request: %v", err)
		return nil, false
	}
	in, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Logf("net/http cannot read this request back: %v", err)
		return nil, false
	}
	return in, true
}

// parseAuthzVocabulary is every fixed word ParseAuthorization's errors use;
// an error may only repeat input that is part of this vocabulary.
var parseAuthzVocabulary = strings.Join([]string{
	ErrMissingAuthorization.Error(), ErrMalformedAuthorization.Error(),
	"algorithm is not " + SignAlgorithm, "want  comma-separated fields, got ", "field  must be ",
	"Access=", "SignedHeaders=", "Signature=", "Access is empty", "SignedHeaders is empty", "Signature is empty",
	"Access contains characters outside printable ASCII or separators",
	"SignedHeaders entry  is not a lower-case header name", "SignedHeaders are not sorted and unique",
	"Signature is not  lower-case hex digits",
}, "|")

var fuzzDigits = regexp.MustCompile(`[0-9]+`)

// FuzzParseAuthorization checks the parser never panics, that what it
// accepts re-renders to the identical string, and that errors never echo
// the Signature value.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=eb70b3a0caf6633a8b8e4317622d8a0f6819821ec84896ceb7739a57e2d9ed76")
	f.Add("SDK-HMAC-SHA256 Access=AK, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=2afc83988150f68fd01b82b8a276df462a117efbc10800a21c89a23e65ba513e")
	f.Add("SDK-HMAC-SHA256 Access=AK, SignedHeaders=b;a, Signature=secretsecretsecret")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ParseAuthorization(in)
		if err != nil {
			if !errors.Is(err, ErrMalformedAuthorization) && !errors.Is(err, ErrMissingAuthorization) {
				t.Fatalf("unexpected error type: %v", err)
			}
			if _, sig, ok := strings.Cut(in, "Signature="); ok && len(sig) >= 8 && strings.Contains(err.Error(), sig) &&
				!strings.Contains(parseAuthzVocabulary, fuzzDigits.ReplaceAllString(sig, "")) {
				t.Fatalf("error echoes the signature: %v", err)
			}
			return
		}
		if h.String() != in {
			t.Fatalf("accepted %q but re-renders as %q", in, h.String())
		}
		if len(h.Signature) != 64 || len(h.SignedHeaders) == 0 || h.Access == "" {
			t.Fatalf("accepted an incomplete header: %#v", h)
		}
	})
}
