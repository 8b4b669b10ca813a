package gen_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// seen is what a loopback server received.
type seen struct {
	mu       sync.Mutex
	requests int
	header   http.Header
	body     []byte
	verify   error // signer.Verify's verdict, for AK/SK servers
}

// captureServer records each request and answers 200; with sk set it also
// verifies the AK/SK signature as a gateway would.
func captureServer(t *testing.T, sk string) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		s.header, s.body = r.Header.Clone(), body
		if sk != "" {
			s.verify = signer.Verify(r, body, sk)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

func TestWithToken(t *testing.T) {
	doc := loadSpec(t)
	// The token's length limit is a fact for the server to check; the
	// client sends a token one byte over it.
	maxToken := int(doc.Components.SecuritySchemes["IAMToken"].Value.Extensions["x-oms-value"].(map[string]any)["maxLength"].(float64))
	tests := []struct {
		name            string
		token           string
		presetType      string
		wantSent        bool
		wantContentType string
	}{
		{name: "token", token: "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggLlBgkqhkiG9w0BBwGgggLWBIIC0nsidG9rZW4iOnsiZXhwaXJlc19hdCI6", wantSent: true, wantContentType: "application/json"},
		{name: "over the spec's maxLength: the server's to refuse", token: strings.Repeat("t", maxToken+1), wantSent: true, wantContentType: "application/json"},
		{name: "existing Content-Type kept", token: "t", presetType: "text/plain", wantSent: true, wantContentType: "text/plain"},
		{name: "empty", token: ""},
		{name: "newline", token: "abc\nX-Injected: 1"},
		{name: "NUL", token: "abc\x00"},
		{name: "DEL", token: "abc\x7f"},
		{name: "tab (net/http would send it)", token: "abc\tdef"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := captureServer(t, "")
			editors := []gen.ClientOption{}
			if tc.presetType != "" {
				editors = append(editors, gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
					r.Header.Set("Content-Type", tc.presetType)
					return nil
				}))
			}
			editors = append(editors, gen.WithRequestEditorFn(gen.WithToken(tc.token)))
			client, err := gen.NewClientWithResponses(srv.URL, editors...)
			if err != nil {
				t.Fatal(err)
			}
			// The editor itself refuses, not only net/http's header checks.
			if err := gen.WithToken(tc.token)(context.Background(), httptest.NewRequest(http.MethodPost, "/", nil)); (err == nil) != tc.wantSent {
				t.Errorf("WithToken editor error = %v, want success: %v", err, tc.wantSent)
			}
			_, err = client.StopTaskWithResponse(context.Background(), "p", 1)
			if (err == nil) != tc.wantSent {
				t.Fatalf("StopTaskWithResponse error = %v, want sent: %v", err, tc.wantSent)
			}
			if err != nil && tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Errorf("error quotes the token: %v", err)
			}
			got.mu.Lock()
			defer got.mu.Unlock()
			if !tc.wantSent {
				if got.requests != 0 {
					t.Errorf("server received %d requests, want none", got.requests)
				}
				return
			}
			if g := got.header.Get("X-Auth-Token"); g != tc.token {
				t.Errorf("X-Auth-Token = %.20q (%d bytes), want the token (%d bytes)", g, len(g), len(tc.token))
			}
			if g := got.header.Get("Content-Type"); g != tc.wantContentType {
				t.Errorf("Content-Type = %q, want %q", g, tc.wantContentType)
			}
		})
	}
}

// TestWithAKSK signs StopTask through the generated client and verifies it
// at a loopback server.
func TestWithAKSK(t *testing.T) {
	const project = "2c0689c860ad4728a497c91ec0844383"
	setUA := gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("User-Agent", "omsctl/1.0")
		return nil
	})
	tests := []struct {
		name       string
		creds      signer.Credentials
		before     []gen.ClientOption // editors registered before WithAKSK
		after      []gen.ClientOption // and after it
		wantSigned string
		wantHeader map[string]string
		wantVerify bool
	}{
		{name: "permanent credentials", creds: signer.Credentials{AK: "AK", SK: "SK", ProjectID: project},
			wantSigned: "x-project-id;x-sdk-date", wantHeader: map[string]string{"X-Project-Id": project, "Content-Type": "application/json"}, wantVerify: true},
		{name: "temporary credentials", creds: signer.Credentials{AK: "AK", SK: "SK", SecurityToken: "session"},
			wantSigned: "x-sdk-date;x-security-token", wantHeader: map[string]string{"X-Security-Token": "session"}, wantVerify: true},
		{name: "header added before signing is signed", creds: signer.Credentials{AK: "AK", SK: "SK"}, before: []gen.ClientOption{setUA},
			wantSigned: "user-agent;x-sdk-date", wantHeader: map[string]string{"User-Agent": "omsctl/1.0"}, wantVerify: true},
		{name: "header added after signing is not signed", creds: signer.Credentials{AK: "AK", SK: "SK"}, after: []gen.ClientOption{setUA},
			wantSigned: "x-sdk-date", wantHeader: map[string]string{"User-Agent": "omsctl/1.0"}, wantVerify: true},
		{name: "wrong SK fails at the server", creds: signer.Credentials{AK: "AK", SK: "not the server's"},
			wantSigned: "x-sdk-date", wantVerify: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := captureServer(t, "SK")
			opts := append(append(append([]gen.ClientOption{}, tc.before...),
				gen.WithRequestEditorFn(gen.WithAKSK(tc.creds, signer.WithClock(func() time.Time { return time.Now().Add(-time.Minute) })))),
				tc.after...)
			client, err := gen.NewClientWithResponses(srv.URL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.StopTaskWithResponse(context.Background(), project, 191297407830872); err != nil {
				t.Fatal(err)
			}
			got.mu.Lock()
			defer got.mu.Unlock()
			if (got.verify == nil) != tc.wantVerify {
				t.Errorf("server's Verify = %v, want success: %v", got.verify, tc.wantVerify)
			}
			a, err := signer.ParseAuthorization(got.header.Get("Authorization"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantSigned, strings.Join(a.SignedHeaders, ";")); diff != "" {
				t.Errorf("SignedHeaders (-want +got):\n%s", diff)
			}
			for k, v := range tc.wantHeader {
				if g := got.header.Get(k); g != v {
					t.Errorf("%s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

// TestWithAKSKBody signs requests with a body, which StopTask lacks but
// any other request built on the generated client may have.
func TestWithAKSKBody(t *testing.T) {
	srv, got := captureServer(t, "SK")
	sign := gen.WithAKSK(signer.Credentials{AK: "AK", SK: "SK"})
	tests := []struct {
		name    string
		body    io.Reader
		wantErr bool
	}{
		{name: "replayable body", body: strings.NewReader(`{"a":1}`)},
		{name: "body without GetBody", body: io.NopCloser(strings.NewReader(`{"a":1}`)), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPut, srv.URL+"/x", tc.body)
			if err != nil {
				t.Fatal(err)
			}
			err = sign(context.Background(), req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("WithAKSK error = %v, want error: %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got.mu.Lock()
			defer got.mu.Unlock()
			if got.verify != nil || string(got.body) != `{"a":1}` {
				t.Errorf("server: Verify = %v, body %q", got.verify, got.body)
			}
		})
	}
}
