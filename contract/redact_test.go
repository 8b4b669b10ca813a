package contract_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen/signer"
)

func TestScrubberRedactsSecretsAndTheirFragments(t *testing.T) {
	const secret = "Tk4vQz9rLm2xWp7sYb3n" // 20 characters
	const other = "sk_9fJ2kL8mQ4rT"
	R := contract.Redacted
	tests := []struct {
		name    string
		secrets []string
		text    string
		want    string
	}{
		{"whole secret", []string{secret}, "token=" + secret + ";", "token=" + R + ";"},
		{"secret twice", []string{secret}, secret + " and " + secret, R + " and " + R},
		{"8-character fragment", []string{secret}, "x" + secret[5:13] + "y", "x" + R + "y"},
		{"7-character fragment kept", []string{secret}, "x" + secret[5:12] + "y", "x" + secret[5:12] + "y"},
		{"fragment in another case", []string{secret}, "x" + strings.ToLower(secret[2:14]) + "y", "x" + R + "y"},
		{"overlapping fragments merged", []string{secret}, secret[0:12] + secret[4:16], R},
		{"adjacent fragments merged", []string{secret}, secret[0:10] + secret[10:20], R},
		{"fragments of two secrets merged", []string{secret, other}, secret[4:14] + other[2:12], R},
		{"separate runs", []string{secret}, secret[0:9] + " is not " + secret[9:18], R + " is not " + R},
		{"short secret whole", []string{"ab12cd"}, "x ab12cd y ab12c", "x " + R + " y ab12c"},
		{"very short secret ignored", []string{"abc"}, "abc abc", "abc abc"},
		{"blank secret ignored", []string{"   ", ""}, "a  b", "a  b"},
		{"secret trimmed", []string{"  " + secret + "\n"}, secret, R},
		{"nothing else touched", []string{secret}, "héllo \xff\xfe wörld 0123456789 Tk4vQz9", "héllo \xff\xfe wörld 0123456789 Tk4vQz9"},
		{"invalid UTF-8 around a secret kept", []string{secret}, "\xff" + secret + "\xfe", "\xff" + R + "\xfe"},
		{"no secrets", nil, secret, secret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contract.NewScrubber(tt.secrets...).String(tt.text); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestScrubberHeader(t *testing.T) {
	const secret = "Tk4vQz9rLm2xWp7sYb3n"
	R := contract.Redacted
	s := contract.NewScrubber(secret)
	got := s.Header(http.Header{
		"X-Auth-Token":      {"anything"},    // a credential by name
		"X-Echo":            {"v " + secret}, // by value
		"X-" + secret[:12]:  {"1"},           // in a name
		"X-" + secret[1:13]: {"1", "2"},      // the same name once scrubbed
		"Content-Type":      {"application/json"},
	})
	want := http.Header{
		"X-Auth-Token": {R},
		"X-Echo":       {"v " + R},
		"X-" + R:       {"1", "1", "2"},
		"Content-Type": {"application/json"},
	}
	for _, vs := range got {
		slices.Sort(vs) // names merged in map order
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Header (-want +got):\n%s", diff)
	}
	if s.Header(nil) != nil {
		t.Error("Header(nil) is not nil")
	}
}

func TestSecretValuesOfCredentialHeaders(t *testing.T) {
	auth := signer.Authorization{Access: "AKEXAMPLE", SignedHeaders: []string{"x-sdk-date"}, Signature: strings.Repeat("ab", 32)}
	h := http.Header{
		"Authorization":    {auth.String()},
		"X-Auth-Token":     {"tok"},
		"X-Security-Token": {"sts"},
		"Cookie":           {"c=1"},
		"X-Sdk-Date":       {"20260102T030405Z"},
		"Content-Type":     {"application/json"},
		// In the frame but not key=value: secret as a whole.
		"Proxy-Authorization": {signer.Algorithm + " opaque-secret-value"},
	}
	got := contract.SecretValues(h)
	slices.Sort(got)
	// Of an Authorization only the values in its frame: the frame is public.
	want := []string{auth.Access, "c=1", auth.Signature, "opaque-secret-value", "sts", "tok"}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SecretValues (-want +got):\n%s", diff)
	}
}

func TestRedactURLDropsUserInfo(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"user and password", "https://alice:s3cret@oms.example/v2", "https://%5BREDACTED%5D@oms.example/v2"},
		{"no user info", "https://oms.example/v2?x=1", "https://oms.example/v2?x=1"},
		{"unparsable with user info", "https://alice:s3cret@oms.example/%zz", contract.Redacted + "@oms.example/%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := contract.RedactURL(tt.in)
			if got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, "s3cret") || strings.Contains(got, "alice") {
				t.Errorf("RedactURL(%q) = %q keeps the user info", tt.in, got)
			}
		})
	}
}

// TestProxyLogKeepsPublicTextReadable: an AK/SK Authorization of the wrong
// form makes the reason quote the spec's pattern, whose words (the
// algorithm, Access=, SignedHeaders=) are the header's public frame. The
// log keeps them, and still carries no piece of the access key or the
// signature.
func TestProxyLogKeepsPublicTextReadable(t *testing.T) {
	h := setup(t)
	up := serve(t, h.mock.Handler())
	srv, log := proxyTo(t, up.URL)
	const ak, sig = "QKZWXYVTRSPNMLJHGFDC", "zzqqxxwwvvyyuuttssrrppoonnmmllkkjjhhggffeeddccbbaa"
	req := request(t, http.MethodPost, srv.URL+h.validPath(), nil)
	req.Header.Set(h.spec.sigHeader, signer.Algorithm+" Access="+ak+", SignedHeaders=x-sdk-date, Signature="+sig) // not hex: the pattern fails
	for _, name := range h.spec.sigHeaders {
		req.Header.Set(name, "20260102T030405Z")
	}
	do(t, srv.Client(), req)
	var reasons []string
	for _, r := range log.records(t) {
		for _, v := range r.Violations {
			reasons = append(reasons, v.Reason)
		}
	}
	if !strings.Contains(strings.Join(reasons, "\n"), h.spec.sigPattern) {
		t.Errorf("no reason quotes the spec's pattern %q whole:\n%s", h.spec.sigPattern, strings.Join(reasons, "\n"))
	}
	for _, secret := range []string{ak, sig} {
		for _, f := range fragments(secret) {
			if strings.Contains(log.text(), f) {
				t.Fatalf("the log carries %q, a piece of a secret:\n%s", f, log.text())
			}
		}
	}
}
