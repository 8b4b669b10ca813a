package contract

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestRedactURL pins down how server URLs are printed: user info never is.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://oms.{region}.myhuaweicloud.com": "https://oms.{region}.myhuaweicloud.com",
		"/oms":                                   "/oms",
		"http://user:pw@host:8080/oms":           "http://[REDACTED]@host:8080/oms",
		"http://pw@host":                         "http://[REDACTED]@host",
		"http://user:p@w/x@host/oms":             "http://[REDACTED]@host/oms",
		"//user:pw@host":                         "//[REDACTED]@host",
		"user:pw@host":                           "[REDACTED]@host",
		"http://user:pw@exa mple.com":            "http://[REDACTED]@exa mple.com",
		"http://exa mple.com":                    "http://exa mple.com",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSpecServerWithUserInfoIsRefusedRedacted: a server with user info in
// the spec itself (not only through WithServer) is refused, and the error
// prints it redacted.
func TestSpecServerWithUserInfoIsRefusedRedacted(t *testing.T) {
	const secret = "s3cretPassw0rd"
	_, err := compileServer(&openapi3.Server{URL: "https://user:" + secret + "@staging.example/oms"})
	if err == nil {
		t.Fatal("compileServer accepted a server with user info")
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "[REDACTED]@staging.example/oms") {
		t.Errorf("error %q: want the URL redacted", err)
	}
}
