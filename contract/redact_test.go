package contract_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
)

// TestSecretValues pins down the values that must never be printed, as the
// validator scrubs them and the suite scans its reports for them: the
// token, the whole Authorization value and its bare signature and access
// key, the security token; not ordinary headers, not short values.
func TestSecretValues(t *testing.T) {
	const securityToken = "temporary-security-token-value"
	h := http.Header{
		"X-Auth-Token":     {token},
		"Authorization":    {sdkAuth},
		"X-Security-Token": {" " + securityToken + " "},
		"X-Project-Id":     {projectID},
		"Content-Type":     {"application/json"},
		"Cookie":           {"abc"}, // too short to scrub safely
		"X-Sdk-Date":       {"20261127T022808Z"},
	}
	h.Add("X-Auth-Token", token) // duplicates are listed once
	want := []string{sdkAuth, signature, token, securityToken, accessKey}
	if diff := cmp.Diff(want, contract.SecretValues(h)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := contract.SecretValues(nil); len(got) != 0 {
		t.Errorf("nil header: %v", got)
	}
	// Longest first: scrubbing in order never leaves part of a longer
	// secret that contains a shorter one.
	got := contract.SecretValues(http.Header{"X-Auth-Token": {"secret-1"}, "X-Security-Token": {"xx-secret-1-yy"}})
	msg := "token xx-secret-1-yy"
	for _, s := range got {
		msg = strings.ReplaceAll(msg, s, "[REDACTED]")
	}
	if msg != "token [REDACTED]" {
		t.Errorf("scrubbed in the listed order: %q, want %q", msg, "token [REDACTED]")
	}
}
