package signer_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/oms-contract/stoptask/gen/signer"
)

// FuzzSignerRoundTrip signs arbitrary requests, sends them over loopback
// with net/http and verifies them in the handler, as a server would: any
// request that net/http sends and the server routes to the handler must
// verify, so must the request itself in memory, and a changed body must not
// (unless the signature does not cover it). Requests net/http refuses to
// send are skipped: no server can receive them.
func FuzzSignerRoundTrip(f *testing.F) {
	var (
		mu      sync.Mutex
		lastErr error
		reached bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reached, lastErr = true, signer.Verify(r, body, testSK)
		mu.Unlock()
	}))
	f.Cleanup(srv.Close)

	f.Add("POST", "/v2/proj1/tasks/191297407830872/stop", "", "User-Agent", "huaweicloud-usdk-go/3.0", []byte(nil))
	f.Add("GET", "/path", "limit=1", "TEST_UNDERSCORE", "TEST_VALUE", []byte(nil))
	f.Add("PUT", "/v1/%C3%BC/a%20b/a%2Fb", "marker=a+b&limit=2&limit=10&empty", "Content-Type", "application/octet-stream", []byte("raw"))
	f.Add("PUT", "/obj", "", "X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD", []byte("body not covered"))
	f.Add("GET", "/v2/p/tasks/1/stop", "", "User-Agent", "", []byte(""))
	f.Add("POST", "/x", "", "x-sdk-date", "20010909T014640Z", []byte(""))
	f.Add("PATCH", "/x", "a=%20&b=+&c", "X-Lower", "  padded\t", []byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, method, path, query, hname, hval string, body []byte) {
		req, err := http.NewRequest(method, srv.URL+path+"?"+query, bytes.NewReader(body))
		if err != nil {
			return // not a request net/http can build
		}
		req.Header.Add(hname, hval)
		if err := signer.New(signer.Credentials{AK: testAK, SK: testSK}).Sign(req, body); err != nil {
			return // e.g. a query that does not parse
		}
		mu.Lock()
		reached, lastErr = false, nil
		mu.Unlock()
		resp, err := srv.Client().Do(req)
		if err != nil {
			return // net/http refused to send it (invalid header, method, URL)
		}
		resp.Body.Close()
		// Sign takes a preset X-Sdk-Content-Sha256 as the body hash, as the
		// SDK does; Verify accepts only the true hash or UNSIGNED-PAYLOAD.
		claim := req.Header.Get("X-Sdk-Content-Sha256")
		sum := sha256.Sum256(body)
		wantOK := claim == "" || claim == "UNSIGNED-PAYLOAD" || claim == hex.EncodeToString(sum[:])
		mu.Lock()
		if reached && (lastErr == nil) != wantOK {
			t.Errorf("%s %q at the server: Verify error %v, want success: %v", method, req.URL.RequestURI(), lastErr, wantOK)
		}
		mu.Unlock()
		if err := signer.Verify(req, body, testSK); (err == nil) != wantOK {
			t.Fatalf("in memory: Verify error %v, want success: %v", err, wantOK)
		}
		if claim == "" {
			if err := signer.Verify(req, append(bytes.Clone(body), 'x'), testSK); err == nil {
				t.Fatal("verifies with a changed body")
			}
		}
	})
}
