package gen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sigSeen is what the test server recorded about the last request.
type sigSeen struct {
	mu          sync.Mutex
	hits        int
	escapedPath string
	header      http.Header
	body        []byte
	verifyErr   error
	date        time.Time
}

func (s *sigSeen) snapshot() sigSeen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sigSeen{hits: s.hits, escapedPath: s.escapedPath, header: s.header, body: s.body, verifyErr: s.verifyErr, date: s.date}
}

// sigVerifyingServer answers 200 when VerifyRequest accepts the request with
// sk, 401 otherwise, like the API gateway in front of OMS.
func sigVerifyingServer(t *testing.T, sk string) (*httptest.Server, *sigSeen) {
	t.Helper()
	seen := &sigSeen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		verr := VerifyRequest(r, body, sk)
		date, _ := SdkDate(r)
		seen.mu.Lock()
		seen.hits++
		seen.escapedPath = r.URL.EscapedPath()
		seen.header = r.Header.Clone()
		seen.body = body
		seen.verifyErr = verr
		seen.date = date
		seen.mu.Unlock()
		if verr != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

// TestWithAKSKOverHTTP signs StopTask calls made by the generated client and
// verifies them in a real net/http server, including project IDs that need
// escaping in the path and in X-Project-Id.
func TestWithAKSKOverHTTP(t *testing.T) {
	clock := time.Date(2026, 11, 27, 2, 28, 8, 0, time.UTC)
	tests := []struct {
		name      string
		projectID string
		taskID    int64
		serverSK  string
		wantPath  string
		wantCode  int
	}{
		{name: "plain", projectID: "2c0689c860ad4728a497c91ec0844383", taskID: 191297407830872,
			wantPath: "/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop", wantCode: http.StatusOK},
		{name: "space", projectID: "a b", taskID: 1, wantPath: "/v2/a%20b/tasks/1/stop", wantCode: http.StatusOK},
		{name: "non-ASCII", projectID: "ü", taskID: 2, wantPath: "/v2/%C3%BC/tasks/2/stop", wantCode: http.StatusOK},
		{name: "slash inside the segment", projectID: "a/b", taskID: 3, wantPath: "/v2/a%2Fb/tasks/3/stop", wantCode: http.StatusOK},
		{name: "sub-delims", projectID: "a+b;c=d&e!$'()*,@:", taskID: 4, wantPath: "/v2/a+b%3Bc=d&e%21$%27%28%29%2A%2C@:/tasks/4/stop", wantCode: http.StatusOK},
		{name: "percent and question mark", projectID: "50%?x#y", taskID: 5, wantPath: "/v2/50%25%3Fx%23y/tasks/5/stop", wantCode: http.StatusOK},
		{name: "unreserved", projectID: "A-z_0.9~", taskID: 0, wantPath: "/v2/A-z_0.9~/tasks/0/stop", wantCode: http.StatusOK},
		{name: "server holds another SK", projectID: "proj1", taskID: 6, serverSK: "NotTheSameKey",
			wantPath: "/v2/proj1/tasks/6/stop", wantCode: http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			serverSK := tc.serverSK
			if serverSK == "" {
				serverSK = sigTestSK
			}
			srv, seen := sigVerifyingServer(t, serverSK)
			creds := Credentials{AK: sigTestAK, SK: sigTestSK, ProjectID: tc.projectID}
			client, err := NewClientWithResponses(srv.URL, WithRequestEditorFn(WithAKSK(creds, WithClock(sigClock(clock)))))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.StopTaskWithResponse(context.Background(), tc.projectID, tc.taskID)
			if err != nil {
				t.Fatalf("StopTask: %v", err)
			}
			got := seen.snapshot()
			if resp.StatusCode() != tc.wantCode {
				t.Fatalf("status = %d, want %d (server verification: %v)", resp.StatusCode(), tc.wantCode, got.verifyErr)
			}
			if tc.wantCode != http.StatusOK && !errors.Is(got.verifyErr, ErrSignatureMismatch) {
				t.Errorf("server error = %v, want ErrSignatureMismatch", got.verifyErr)
			}
			if got.escapedPath != tc.wantPath {
				t.Errorf("server saw path %q, want %q", got.escapedPath, tc.wantPath)
			}
			if p := got.header.Get(HeaderProjectID); p != tc.projectID {
				t.Errorf("X-Project-Id = %q, want %q", p, tc.projectID)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json as the SDK sends", ct)
			}
			if !got.date.Equal(clock) {
				t.Errorf("X-Sdk-Date = %v, want the injected clock %v", got.date, clock)
			}
			h, err := ParseAuthorization(got.header.Get(HeaderAuthorization))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"x-project-id", "x-sdk-date"}, h.SignedHeaders); diff != "" {
				t.Errorf("SignedHeaders (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWithAKSKEditorOrder shows headers set by earlier editors are signed
// (the SDK's user-agent;x-project-id;x-sdk-date shape) and that the editor
// tolerates later unsigned additions.
func TestWithAKSKEditorOrder(t *testing.T) {
	srv, seen := sigVerifyingServer(t, sigTestSK)
	userAgent := func(_ context.Context, req *http.Request) error {
		req.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
		return nil
	}
	later := func(_ context.Context, req *http.Request) error {
		req.Header.Set("X_Trace", "added after signing")
		return nil
	}
	creds := Credentials{AK: sigTestAK, SK: sigTestSK, ProjectID: "proj1"}
	client, err := NewClientWithResponses(srv.URL,
		WithRequestEditorFn(userAgent),
		WithRequestEditorFn(WithAKSK(creds, WithClock(sigClock(time.Date(2026, 11, 27, 2, 28, 8, 0, time.UTC))))))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.StopTaskWithResponse(context.Background(), "proj1", 191297407830872, later)
	if err != nil {
		t.Fatal(err)
	}
	got := seen.snapshot()
	if resp.StatusCode() != http.StatusOK {
		t.Fatalf("status = %d, server said %v", resp.StatusCode(), got.verifyErr)
	}
	// Same method, path, headers and time as TestStopTaskCanonicalRequest and
	// the SDK vector in TestSignVectors: the signature must be the SDK's.
	want := "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=user-agent;x-project-id;x-sdk-date, " +
		"Signature=2afc83988150f68fd01b82b8a276df462a117efbc10800a21c89a23e65ba513e"
	if diff := cmp.Diff(want, got.header.Get(HeaderAuthorization)); diff != "" {
		t.Errorf("Authorization (-want +got):\n%s", diff)
	}
}

// TestWithAKSKBody covers requests with bodies: the editor must hash exactly
// what is sent and leave the body readable, with and without GetBody.
func TestWithAKSKBody(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		noGetBody  bool
		contentTyp string
		wantHash   string
	}{
		{name: "JSON with GetBody", body: `{"dst_ak":"x"}`},
		{name: "JSON without GetBody", body: `{"dst_ak":"x"}`, noGetBody: true},
		{name: "empty", body: ""},
		{name: "octet-stream is UNSIGNED-PAYLOAD", body: "raw bytes", contentTyp: "application/octet-stream", wantHash: UnsignedPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := sigVerifyingServer(t, sigTestSK)
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/v2/p/tasks/1/start?x=1", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.noGetBody {
				req.GetBody = nil
				req.Body = io.NopCloser(strings.NewReader(tc.body))
			}
			if tc.contentTyp != "" {
				req.Header.Set("Content-Type", tc.contentTyp)
			}
			if err := WithAKSK(Credentials{AK: sigTestAK, SK: sigTestSK})(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := seen.snapshot()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, server said %v", resp.StatusCode, got.verifyErr)
			}
			if string(got.body) != tc.body {
				t.Errorf("server received body %q, want %q", got.body, tc.body)
			}
			if h := got.header.Get(HeaderContentSha256); h != tc.wantHash {
				t.Errorf("X-Sdk-Content-Sha256 = %q, want %q", h, tc.wantHash)
			}
			if tc.contentTyp == "" && got.header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got.header.Get("Content-Type"))
			}
		})
	}
}

func TestWithAKSKRejectsBadCredentialsBeforeSending(t *testing.T) {
	const secret = "TheSecretKeyValue"
	tests := []struct {
		name    string
		creds   Credentials
		wantErr error
	}{
		{name: "no AK", creds: Credentials{SK: secret}, wantErr: ErrMissingCredentials},
		{name: "no SK", creds: Credentials{AK: "ak"}, wantErr: ErrMissingCredentials},
		{name: "project with newline", creds: Credentials{AK: "ak", SK: secret, ProjectID: "p\n"}, wantErr: ErrUnsignable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := sigVerifyingServer(t, secret)
			client, err := NewClientWithResponses(srv.URL, WithRequestEditorFn(WithAKSK(tc.creds)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.StopTaskWithResponse(context.Background(), "proj1", 1)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the SK: %v", err)
			}
			if n := seen.snapshot().hits; n != 0 {
				t.Errorf("server was called %d times, want 0", n)
			}
		})
	}
}

func TestWithToken(t *testing.T) {
	valid := "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9rZW4iOnsi"
	tests := []struct {
		name        string
		token       string
		contentType string
		wantErr     error
		wantCT      string
	}{
		{name: "valid", token: valid, wantCT: "application/json"},
		{name: "longest allowed", token: strings.Repeat("t", MaxTokenLength), wantCT: "application/json"},
		{name: "existing content type kept", token: valid, contentType: "application/json;charset=UTF-8", wantCT: "application/json;charset=UTF-8"},
		{name: "empty", token: "", wantErr: ErrInvalidToken},
		{name: "too long", token: strings.Repeat("t", MaxTokenLength+1), wantErr: ErrInvalidToken},
		{name: "header injection", token: valid + "\r\nX-Evil: 1", wantErr: ErrInvalidToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var (
				mu        sync.Mutex
				gotToken  string
				gotCT     string
				gotCalls  int
				gotAuthzn string
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				gotCalls++
				gotToken, gotCT, gotAuthzn = r.Header.Get(HeaderAuthToken), r.Header.Get("Content-Type"), r.Header.Get(HeaderAuthorization)
				mu.Unlock()
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			editors := []RequestEditorFn{}
			if tc.contentType != "" {
				editors = append(editors, func(_ context.Context, req *http.Request) error {
					req.Header.Set("Content-Type", tc.contentType)
					return nil
				})
			}
			editors = append(editors, WithToken(tc.token))
			client, err := NewClientWithResponses(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.StopTaskWithResponse(context.Background(), "proj1", 1, editors...)
			mu.Lock()
			defer mu.Unlock()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
				if tc.token != "" && strings.Contains(err.Error(), tc.token) {
					t.Errorf("error leaks the token")
				}
				if gotCalls != 0 {
					t.Errorf("server called %d times, want 0", gotCalls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != http.StatusOK {
				t.Fatalf("status = %d", resp.StatusCode())
			}
			if gotToken != tc.token {
				t.Errorf("server received a different X-Auth-Token (len %d, want len %d)", len(gotToken), len(tc.token))
			}
			if gotCT != tc.wantCT {
				t.Errorf("Content-Type = %q, want %q", gotCT, tc.wantCT)
			}
			if gotAuthzn != "" {
				t.Errorf("token auth must not send Authorization, got one")
			}
		})
	}
}

// TestReadAndRestoreBodyReadError checks a failing body surfaces as an error
// instead of signing a truncated payload.
func TestReadAndRestoreBodyReadError(t *testing.T) {
	req, err := http.NewRequest(http.MethodPost, "http://example.com/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	req.Body = io.NopCloser(io.MultiReader(bytes.NewReader([]byte("part")), sigErrReader{boom}))
	err = WithAKSK(Credentials{AK: "ak", SK: "sk"})(context.Background(), req)
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want it to wrap the read error", err)
	}
	if req.Header.Get(HeaderAuthorization) != "" {
		t.Errorf("request was signed despite the read error")
	}
}

type sigErrReader struct{ err error }

func (r sigErrReader) Read([]byte) (int, error) { return 0, r.err }

// TestWithAKSKHeaderShapes sends header maps net/http rewrites on the way out
// (non-canonical keys, empty or repeated User-Agent, repeated values, padding)
// and checks the server still verifies what actually arrived.
func TestWithAKSKHeaderShapes(t *testing.T) {
	tests := []struct {
		name       string
		header     http.Header
		wantSigned []string
	}{
		{name: "non-canonical key", header: http.Header{"x-custom": {"v"}}, wantSigned: []string{"x-custom", "x-sdk-date"}},
		{name: "odd-case User-Agent", header: http.Header{"User-AgeNt": {"ua/1"}}, wantSigned: []string{"user-agent", "x-sdk-date"}},
		{name: "empty User-Agent is not sent", header: http.Header{"User-Agent": {""}}, wantSigned: []string{"x-sdk-date"}},
		{name: "only the first User-Agent is sent", header: http.Header{"User-Agent": {"b/1", "a/1"}}, wantSigned: []string{"user-agent", "x-sdk-date"}},
		{name: "repeated values in any order", header: http.Header{"X-Multi": {"z", "a", "m"}}, wantSigned: []string{"x-multi", "x-sdk-date"}},
		{name: "case variants merged", header: http.Header{"X-Dup": {"1"}, "x-dup": {"2"}}, wantSigned: []string{"x-dup", "x-sdk-date"}},
		{name: "padding and empty value", header: http.Header{"X-Pad": {"  spaced\t"}, "X-Empty": {""}}, wantSigned: []string{"x-empty", "x-pad", "x-sdk-date"}},
		{name: "underscore names unsigned", header: http.Header{"X_Under": {"1"}}, wantSigned: []string{"x-sdk-date"}},
		{name: "preset lower-case date reused", header: http.Header{"x-sdk-date": {"20010909T014640Z"}}, wantSigned: []string{"x-sdk-date"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := sigVerifyingServer(t, sigTestSK)
			shape := func(_ context.Context, req *http.Request) error {
				for k, v := range tc.header {
					req.Header[k] = append([]string(nil), v...)
				}
				return nil
			}
			client, err := NewClientWithResponses(srv.URL, WithRequestEditorFn(shape),
				WithRequestEditorFn(WithAKSK(Credentials{AK: sigTestAK, SK: sigTestSK})))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.StopTaskWithResponse(context.Background(), "p", 1)
			if err != nil {
				t.Fatal(err)
			}
			got := seen.snapshot()
			if resp.StatusCode() != http.StatusOK {
				t.Fatalf("status = %d, server said %v", resp.StatusCode(), got.verifyErr)
			}
			h, err := ParseAuthorization(got.header.Get(HeaderAuthorization))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantSigned, h.SignedHeaders); diff != "" {
				t.Errorf("SignedHeaders (-want +got):\n%s", diff)
			}
		})
	}
}
