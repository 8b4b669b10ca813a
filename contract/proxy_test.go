package contract_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
)

// syncBuffer is a log the proxy writes to from its handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// seen is what the upstream received.
type seen struct {
	Method, Path, Body string
	Header             http.Header
}

func TestProxy(t *testing.T) {
	tests := []struct {
		name     string
		upstream http.Handler
		path     string
		body     string
		want     []where
	}{
		{"good exchange, no line", goodHandler(&stopServer{}), stopPath, "", nil},
		{"good error exchange, no line", goodHandler(&stopServer{}), "/v2/" + projectID + "/tasks/5/stop", "", nil},
		{"undocumented 502 in HTML", canned{status: 502, headers: map[string]string{"Content-Type": "text/html"}, body: "<html>bad gateway</html>"}, stopPath, "", []where{{resp, 502, contract.KindStatus, "", ""}}},
		{"error_code as a number", jsonError(400, `{"error_code":66,"error_msg":"m"}`), stopPath, "", []where{{resp, 400, contract.KindBody, "", "/error_code"}}},
		{"bad request forwarded anyway", goodHandler(&stopServer{}), "/v2/" + projectID + "/tasks/abc/stop", "{}", []where{{req, 0, contract.KindParameter, "task_id", ""}, {req, 0, contract.KindBody, "", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan seen, 1)
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- seen{r.Method, r.URL.Path, string(b), r.Header.Clone()}
				r.Body = io.NopCloser(bytes.NewReader(b))
				tc.upstream.ServeHTTP(w, r)
			}))
			defer up.Close()
			// What the upstream answers directly, to compare with what
			// the client gets through the proxy.
			direct := httptest.NewRecorder()
			tc.upstream.ServeHTTP(direct, httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body)))

			var log syncBuffer
			p, err := contract.NewProxy(up.URL, &log)
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(p)
			defer front.Close()

			r := sdkRequest(t, front.URL, tc.path)
			r.Header.Set("X-Auth-Token", token)
			r.Header.Set("X-Security-Token", token)
			setBody(r, tc.body)
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()

			// Forwarded unchanged, both ways.
			s := <-got
			for _, h := range []string{"Authorization", "X-Sdk-Date", "X-Project-Id", "X-Auth-Token", "X-Security-Token", "Content-Type", "User-Agent"} {
				if s.Header.Get(h) != r.Header.Get(h) {
					t.Errorf("upstream got %s %q, client sent %q", h, s.Header.Get(h), r.Header.Get(h))
				}
			}
			if diff := cmp.Diff(seen{http.MethodPost, strings.Split(tc.path, "?")[0], tc.body, nil}, seen{s.Method, s.Path, s.Body, nil}); diff != "" {
				t.Errorf("upstream request (-want +got):\n%s", diff)
			}
			if res.StatusCode != direct.Code || string(body) != direct.Body.String() {
				t.Errorf("client got %d %q, upstream answers %d %q", res.StatusCode, body, direct.Code, direct.Body.String())
			}

			out := log.String()
			for _, secret := range []string{token, signature, accessKey} {
				if strings.Contains(out, secret) {
					t.Fatalf("the log contains a secret:\n%s", out)
				}
			}
			var lines []contract.Record
			sc := bufio.NewScanner(strings.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var rec contract.Record
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatalf("log line %q: %v", sc.Text(), err)
				}
				lines = append(lines, rec)
			}
			if tc.want == nil {
				if len(lines) != 0 {
					t.Errorf("want no line, got:\n%s", out)
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("want one line, got %d:\n%s", len(lines), out)
			}
			l := lines[0]
			if l.Method != http.MethodPost || l.Path != tc.path || l.Status != res.StatusCode || l.Time.IsZero() {
				t.Errorf("line = %+v", l)
			}
			if diff := cmp.Diff(tc.want, locate(l.Violations)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			if got := l.RequestHeaders.Get("X-Auth-Token"); got != "[REDACTED]" {
				t.Errorf("logged X-Auth-Token = %q", got)
			}
		})
	}
}

func TestNewProxyRejectsBadUpstreams(t *testing.T) {
	for _, u := range []string{"", "oms.example.com", "ftp://oms.example.com", "http://"} {
		t.Run(fmt.Sprintf("%q", u), func(t *testing.T) {
			if _, err := contract.NewProxy(u, io.Discard); err == nil {
				t.Error("NewProxy accepted it")
			}
		})
	}
}

// TestNewProxyRejectsUpstreamWithUserInfo: an upstream with
// user:password@ is refused, and the error does not repeat the password.
func TestNewProxyRejectsUpstreamWithUserInfo(t *testing.T) {
	const secret = "s3cretPassw0rd"
	for _, u := range []string{
		"http://user:" + secret + "@127.0.0.1:8080",
		"https://" + secret + "@oms.cn-north-4.myhuaweicloud.com",
		"http://user:" + secret + "/x@127.0.0.1:8080",
		"http://user:" + secret + "@127.0.0.1:bad port",
	} {
		t.Run(u, func(t *testing.T) {
			_, err := contract.NewProxy(u, io.Discard)
			if err == nil {
				t.Fatal("NewProxy accepted an upstream with user info")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error repeats the password: %v", err)
			}
			if !strings.Contains(err.Error(), "user info") {
				t.Errorf("the error does not say what is wrong: %v", err)
			}
		})
	}
}

func TestRedactHeaders(t *testing.T) {
	in := http.Header{
		"Authorization":    {sdkAuth},
		"X-Auth-Token":     {token},
		"X-Security-Token": {token},
		"X-Subject-Token":  {token},
		"Cookie":           {"session=" + token},
		"X-Sdk-Date":       {"20261127T022808Z"},
		"X-Project-Id":     {projectID},
		"Content-Type":     {"application/json"},
	}
	before := in.Clone()
	want := http.Header{
		"Authorization":    {"SDK-HMAC-SHA256 Access=[REDACTED], SignedHeaders=x-project-id;x-sdk-date, Signature=[REDACTED]"},
		"X-Auth-Token":     {"[REDACTED]"},
		"X-Security-Token": {"[REDACTED]"},
		"X-Subject-Token":  {"[REDACTED]"},
		"Cookie":           {"[REDACTED]"},
		"X-Sdk-Date":       {"20261127T022808Z"},
		"X-Project-Id":     {projectID},
		"Content-Type":     {"application/json"},
	}
	if diff := cmp.Diff(want, contract.RedactHeaders(in)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, in); diff != "" {
		t.Errorf("RedactHeaders modified its input (-want +got):\n%s", diff)
	}
	if got := contract.RedactHeaders(http.Header{"Authorization": {"Basic " + token}}); got.Get("Authorization") != "[REDACTED]" {
		t.Errorf("a foreign Authorization = %q", got.Get("Authorization"))
	}
}

// ExampleProxy puts the validating proxy in front of an endpoint whose error
// body breaks the contract, and prints the logged line's violations.
func ExampleProxy() {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error_code": 66}`)
	}))
	defer upstream.Close()

	var log syncBuffer
	proxy, err := contract.NewProxy(upstream.URL, &log)
	if err != nil {
		panic(err)
	}
	front := httptest.NewServer(proxy)
	defer front.Close()

	req, _ := http.NewRequest(http.MethodPost, front.URL+"/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop", nil)
	req.Header.Set("X-Auth-Token", "an-IAM-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println("client got:", res.StatusCode, string(body))

	var line contract.Record
	if err := json.Unmarshal([]byte(log.String()), &line); err != nil {
		panic(err)
	}
	fmt.Println("logged:", line.Method, line.Path, line.Status, line.RequestHeaders.Get("X-Auth-Token"))
	for _, v := range line.Violations {
		fmt.Println(v)
	}
	// Output:
	// client got: 400 {"error_code": 66}
	// logged: POST /v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop 400 [REDACTED]
	// StopTask response 400: body /error_code: value must be a string
	// StopTask response 400: body /error_msg: property "error_msg" is missing
}
