package contract_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// TestTokenLengthCountsBytesLikeGenWithToken: the validator and the client's
// gen.WithToken agree on every token's length, counted in bytes, so a token
// the client refuses to send is never one the validator admits, nor the
// other way round.
func TestTokenLengthCountsBytesLikeGenWithToken(t *testing.T) {
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		token string
		ok    bool
	}{
		{"16384 ASCII bytes", strings.Repeat("t", gen.MaxTokenLength), true},
		{"16385 ASCII bytes", strings.Repeat("t", gen.MaxTokenLength+1), false},
		{"8192 two-byte characters (16384 bytes)", strings.Repeat("é", gen.MaxTokenLength/2), true},
		// 8193 characters but 16386 bytes: within a character limit,
		// beyond the byte limit gen.WithToken applies.
		{"8193 two-byte characters (16386 bytes)", strings.Repeat("é", gen.MaxTokenLength/2+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			genErr := gen.WithToken(tc.token)(context.Background(), httptest.NewRequest(http.MethodPost, stopPath, nil))
			if (genErr == nil) != tc.ok {
				t.Fatalf("gen.WithToken: %v, want ok=%v", genErr, tc.ok)
			}
			r := httptest.NewRequest(http.MethodPost, stopPath, nil)
			r.Header.Set(gen.HeaderAuthToken, tc.token)
			_, vs := v.ValidateRequest(context.Background(), r, nil)
			if got := len(vs) == 0; got != tc.ok {
				t.Errorf("validator: %v, want ok=%v like gen.WithToken", vs, tc.ok)
			}
			for _, x := range vs {
				if x.Kind != contract.KindAuth || !strings.Contains(x.Reason, "bytes") {
					t.Errorf("violation %v: want an auth violation counting bytes", x)
				}
			}
		})
	}
}

// TestSdkDateAgreesWithGenSdkDate: the validator reads X-Sdk-Date as
// gen.SdkDate does (the mock's verifier), so a date the mock refuses is a
// violation, and one it accepts is not.
func TestSdkDateAgreesWithGenSdkDate(t *testing.T) {
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		dates  []string
		reason string // in the violation; "" if valid
	}{
		{"valid", []string{"20261127T022808Z"}, ""},
		// time.Parse accepts a fraction after the seconds; the string
		// does not format back to itself, so it is not what was signed.
		{"fractional seconds", []string{"20261127T022808.5Z"}, "format"},
		{"ISO 8601 with dashes", []string{"2026-11-27T02:28:08Z"}, "format"},
		{"empty", []string{""}, "format"},
		{"two values", []string{"20261127T022808Z", "20261127T022808Z"}, "once"},
		{"missing", nil, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, stopPath, nil)
			r.Header.Set("Authorization", sdkAuth)
			r.Header.Set("X-Project-Id", projectID)
			for _, d := range tc.dates {
				r.Header.Add(gen.HeaderSdkDate, d)
			}
			_, genErr := gen.SdkDate(r)
			if (genErr == nil) != (tc.reason == "") {
				t.Fatalf("gen.SdkDate: %v; the test case is wrong", genErr)
			}
			_, vs := v.ValidateRequest(context.Background(), r, nil)
			if tc.reason == "" {
				if len(vs) > 0 {
					t.Errorf("gen.SdkDate accepts it, the validator does not: %v", vs)
				}
				return
			}
			if len(vs) != 1 || vs[0].Kind != contract.KindAuth || !strings.Contains(vs[0].Reason, tc.reason) {
				t.Errorf("got %v, want one auth violation mentioning %q", vs, tc.reason)
			}
		})
	}
}
