package contract_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
)

const (
	req  = contract.DirectionRequest
	resp = contract.DirectionResponse
)

// TestResponseRules sends a well-formed request to servers that answer
// right or wrong, over loopback, and pins down every violation.
func TestResponseRules(t *testing.T) {
	withID := map[string]string{"X-Request-Id": requestID}
	tests := []struct {
		name   string
		server http.Handler
		want   []where
	}{
		{"200 empty with request id", canned{status: 200, headers: withID}, nil},
		{"400 OMS.0066 with request id", jsonError(400, `{"error_code":"OMS.0066","error_msg":"Failed to pause the task."}`), nil},
		{"400 with extra members is tolerated", jsonError(400, `{"error_code":"OMS.0066","error_msg":"m","request_id":"x"}`), nil},
		{"400 with a charset parameter", canned{status: 400, headers: map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Request-Id": requestID}, body: `{"error_code":"OMS.1009","error_msg":"m"}`}, nil},
		{"401 APIGW.0301", jsonError(401, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information."}`), nil},
		{"undocumented 201", canned{status: 201, headers: withID}, []where{{resp, 201, contract.KindStatus, "", ""}}},
		{"undocumented 502 in HTML", canned{status: 502, headers: map[string]string{"Content-Type": "text/html"}, body: "<html><body>502 Bad Gateway</body></html>"}, []where{{resp, 502, contract.KindStatus, "", ""}}},
		{"body on 200", canned{status: 200, headers: withID, body: `{"ok":true}`}, []where{{resp, 200, contract.KindBody, "", ""}}},
		{"text/plain error", canned{status: 400, headers: map[string]string{"Content-Type": "text/plain", "X-Request-Id": requestID}, body: "bad request"}, []where{{resp, 400, contract.KindContentType, "Content-Type", ""}}},
		{"error without Content-Type", canned{status: 400, headers: withID, body: `{"error_code":"OMS.0066","error_msg":"m"}`}, []where{{resp, 400, contract.KindContentType, "Content-Type", ""}}},
		{"missing X-Request-Id on 200", canned{status: 200}, []where{{resp, 200, contract.KindHeader, "X-Request-Id", ""}}},
		{"missing X-Request-Id on 400", canned{status: 400, headers: map[string]string{"Content-Type": "application/json"}, body: `{"error_code":"OMS.0066","error_msg":"m"}`}, []where{{resp, 400, contract.KindHeader, "X-Request-Id", ""}}},
		{"empty X-Request-Id", canned{status: 200, headers: map[string]string{"X-Request-Id": ""}}, []where{{resp, 200, contract.KindHeader, "X-Request-Id", ""}}},
		{"error_code as a number", jsonError(400, `{"error_code":66,"error_msg":"m"}`), []where{{resp, 400, contract.KindBody, "", "/error_code"}}},
		{"missing error_msg", jsonError(400, `{"error_code":"OMS.0066"}`), []where{{resp, 400, contract.KindBody, "", "/error_msg"}}},
		{"both members wrong", jsonError(403, `{"error_code":1,"error_msg":2}`), []where{{resp, 403, contract.KindBody, "", "/error_code"}, {resp, 403, contract.KindBody, "", "/error_msg"}}},
		{"error body not JSON", jsonError(500, `{"error_code":`), []where{{resp, 500, contract.KindBody, "", ""}}},
		{"error body empty", jsonError(503, ``), []where{{resp, 503, contract.KindBody, "", ""}}},
		{"header and body both wrong", canned{status: 400, headers: map[string]string{"Content-Type": "application/json"}, body: `{"error_code":1,"error_msg":"m"}`}, []where{{resp, 400, contract.KindHeader, "X-Request-Id", ""}, {resp, 400, contract.KindBody, "", "/error_code"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.server)
			defer srv.Close()
			vs, _, _ := send(t, newValidator(t, srv), tokenRequest(t, srv.URL, stopPath))
			if diff := cmp.Diff(tc.want, locate(vs)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, vs)
			}
			for _, v := range vs {
				if v.Operation != "StopTask" || v.Reason == "" {
					t.Errorf("violation %+v lacks its operation or reason", v)
				}
			}
		})
	}
}

// TestRequestRules sends requests, right and wrong, to the generated server
// and pins down the request violations.
func TestRequestRules(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T, base string) *http.Request
		want []where
	}{
		{"token request", func(t *testing.T, base string) *http.Request { return tokenRequest(t, base, stopPath) }, nil},
		{"SDK-shaped request: AK/SK, Content-Type json, empty body", func(t *testing.T, base string) *http.Request { return sdkRequest(t, base, stopPath) }, nil},
		{"token of 16384 characters", withHeader("X-Auth-Token", strings.Repeat("t", 16384)), nil},
		{"token of 16385 characters", withHeader("X-Auth-Token", strings.Repeat("t", 16385)), []where{{req, 0, contract.KindAuth, "X-Auth-Token", ""}}},
		{"no authentication", func(t *testing.T, base string) *http.Request {
			r := tokenRequest(t, base, stopPath)
			r.Header.Del("X-Auth-Token")
			return r
		}, []where{{req, 0, contract.KindAuth, "", ""}}},
		{"malformed Authorization", func(t *testing.T, base string) *http.Request {
			r := sdkRequest(t, base, stopPath)
			r.Header.Set("Authorization", "Bearer "+token)
			return r
		}, []where{{req, 0, contract.KindAuth, "Authorization", ""}}},
		{"unparseable X-Sdk-Date", func(t *testing.T, base string) *http.Request {
			r := sdkRequest(t, base, stopPath)
			r.Header.Set("X-Sdk-Date", "2026-11-27T02:28:08Z")
			return r
		}, []where{{req, 0, contract.KindAuth, "Authorization", ""}}},
		{"missing X-Sdk-Date", func(t *testing.T, base string) *http.Request {
			r := sdkRequest(t, base, stopPath)
			r.Header.Del("X-Sdk-Date")
			return r
		}, []where{{req, 0, contract.KindAuth, "Authorization", ""}}},
		{"signed header absent", func(t *testing.T, base string) *http.Request {
			r := sdkRequest(t, base, stopPath)
			r.Header.Del("X-Project-Id")
			return r
		}, []where{{req, 0, contract.KindAuth, "Authorization", ""}}},
		{"task_id -1", path("/v2/" + projectID + "/tasks/-1/stop"), []where{{req, 0, contract.KindParameter, "task_id", ""}}},
		{"task_id 1000000000000000", path("/v2/" + projectID + "/tasks/1000000000000000/stop"), []where{{req, 0, contract.KindParameter, "task_id", ""}}},
		{"task_id abc", path("/v2/" + projectID + "/tasks/abc/stop"), []where{{req, 0, contract.KindParameter, "task_id", ""}}},
		{"task_id 999999999999999", path("/v2/" + projectID + "/tasks/999999999999999/stop"), nil},
		{"project_id of 1024 characters", path("/v2/" + strings.Repeat("p", 1024) + "/tasks/1/stop"), nil},
		{"project_id of 1025 characters", path("/v2/" + strings.Repeat("p", 1025) + "/tasks/1/stop"), []where{{req, 0, contract.KindParameter, "project_id", ""}}},
		{"request body on StopTask", func(t *testing.T, base string) *http.Request {
			r := tokenRequest(t, base, stopPath)
			setBody(r, `{"force":true}`)
			return r
		}, []where{{req, 0, contract.KindBody, "", ""}}},
	}
	s := &stopServer{}
	srv := httptest.NewServer(goodHandler(s))
	defer srv.Close()
	v := newValidator(t, srv)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs, _, _ := send(t, v, tc.make(t, srv.URL))
			// The generated server answers every request in the contract;
			// only request violations may show up.
			if diff := cmp.Diff(tc.want, locate(vs)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, vs)
			}
		})
	}
}

func withHeader(name, value string) func(*testing.T, string) *http.Request {
	return func(t *testing.T, base string) *http.Request {
		r := tokenRequest(t, base, stopPath)
		r.Header.Set(name, value)
		return r
	}
}

func path(p string) func(*testing.T, string) *http.Request {
	return func(t *testing.T, base string) *http.Request { return tokenRequest(t, base, p) }
}

func setBody(r *http.Request, body string) {
	r.Body = http.NoBody
	if body != "" {
		nr, _ := http.NewRequest(r.Method, r.URL.String(), strings.NewReader(body))
		r.Body, r.GetBody, r.ContentLength = nr.Body, nr.GetBody, nr.ContentLength
	}
}

// TestBaseURLs checks the server handling: added servers with and without
// prefix, the declared regional host, and hosts or prefixes nobody declared.
func TestBaseURLs(t *testing.T) {
	// The same contract served at the root and under /oms.
	mux := http.NewServeMux()
	mux.Handle("/", goodHandler(&stopServer{}))
	mux.Handle("/oms/", http.StripPrefix("/oms", goodHandler(&stopServer{})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// A request that matches no operation has its answer held to the
	// shared error shape (ValidateErrorAnswer): the test server answers
	// such requests with net/http's text/plain 404, or, when the path is
	// StopTask's under an unknown server, with the operation's 200.
	plain404 := func(w ...where) []where {
		return append(w, where{resp, 404, contract.KindHeader, "X-Request-Id", ""},
			where{resp, 404, contract.KindContentType, "Content-Type", ""}, where{resp, 404, contract.KindBody, "", ""})
	}
	ok200 := where{resp, 200, contract.KindStatus, "", ""}
	tests := []struct {
		name    string
		servers []string
		url     string
		want    []where
	}{
		{"loopback added", []string{srv.URL}, srv.URL + stopPath, nil},
		{"loopback not added", nil, srv.URL + stopPath, []where{{req, 0, contract.KindServer, "", ""}, ok200}},
		{"prefix added", []string{srv.URL + "/oms"}, srv.URL + "/oms" + stopPath, nil},
		{"prefix added with trailing slash", []string{srv.URL + "/oms/"}, srv.URL + "/oms" + stopPath, nil},
		{"prefix missing from the request", []string{srv.URL + "/oms"}, srv.URL + stopPath, []where{{req, 0, contract.KindServer, "", ""}, ok200}},
		{"a longer prefix is another prefix", []string{srv.URL + "/oms"}, srv.URL + "/omsx" + stopPath, plain404(where{req, 0, contract.KindServer, "", ""})},
		{"relative server matches any host", []string{"/oms"}, srv.URL + "/oms" + stopPath, nil},
		{"declared region", nil, "https://oms.ap-southeast-1.myhuaweicloud.com" + stopPath, nil},
		{"declared region, explicit default port", nil, "https://oms.cn-north-4.myhuaweicloud.com:443" + stopPath, nil},
		{"declared region, upper case host", nil, "https://OMS.cn-north-4.MyHuaweiCloud.com" + stopPath, nil},
		{"declared region over plain http", nil, "http://oms.cn-north-4.myhuaweicloud.com" + stopPath, []where{{req, 0, contract.KindServer, "", ""}}},
		{"region host as a prefix of another domain", nil, "https://oms.cn-north-4.myhuaweicloud.com.example.net" + stopPath, []where{{req, 0, contract.KindServer, "", ""}}},
		{"undeclared host", nil, "https://oms.example.com" + stopPath, []where{{req, 0, contract.KindServer, "", ""}}},
		{"unknown path", []string{srv.URL}, srv.URL + "/v2/" + projectID + "/tasks/" + taskID + "/start", plain404(where{req, 0, contract.KindPath, "", ""})},
		{"trailing slash is another path", []string{srv.URL}, srv.URL + stopPath + "/", plain404(where{req, 0, contract.KindPath, "", ""})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []contract.Option
			for _, s := range tc.servers {
				opts = append(opts, contract.WithServer(s))
			}
			v, err := contract.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			r, err := http.NewRequest(http.MethodPost, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("X-Auth-Token", token)
			var got contract.Violations
			if strings.HasPrefix(tc.url, srv.URL) {
				// Loopback URLs go over the wire; the response must
				// validate too.
				got, _, _ = send(t, v, r)
			} else {
				_, got = v.ValidateRequest(context.Background(), r, nil)
			}
			if diff := cmp.Diff(tc.want, locate(got)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, got)
			}
		})
	}
}

func TestServerSideRouting(t *testing.T) {
	v, err := contract.New(contract.WithServer("https://staging.example"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		tls  bool
		host string
		want []where
	}{
		{"server sees TLS and an added host", true, "staging.example", nil},
		// Behind a TLS-terminating load balancer the server sees plain
		// http for the https server its clients call; the scheme is not
		// observable there, so it must not decide the route.
		{"TLS terminated in front of an added https host", false, "staging.example", nil},
		{"TLS terminated in front of the declared region", false, "oms.cn-north-4.myhuaweicloud.com", nil},
		{"TLS terminated, explicit default https port", false, "staging.example:443", nil},
		{"server sees the declared region over TLS", true, "oms.cn-north-4.myhuaweicloud.com", nil},
		{"server sees an undeclared host", false, "oms.example.com", []where{{req, 0, contract.KindServer, "", ""}}},
		{"server sees an added host on another port", false, "staging.example:8443", []where{{req, 0, contract.KindServer, "", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A server sees no scheme or host in the URL, only Host and TLS.
			r := httptest.NewRequest(http.MethodPost, "https://"+tc.host+stopPath, nil)
			r.URL.Host, r.URL.Scheme = "", ""
			if !tc.tls {
				r.TLS = nil
			}
			r.Header.Set("X-Auth-Token", token)
			_, got := v.ValidateRequest(context.Background(), r, nil)
			if diff := cmp.Diff(tc.want, locate(got)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, got)
			}
		})
	}

	// A client-side request names its scheme, and it counts: calling an
	// https server over plain http breaks the contract.
	for _, tc := range []struct {
		url  string
		want []where
	}{
		{"https://staging.example" + stopPath, nil},
		{"http://staging.example" + stopPath, []where{{req, 0, contract.KindServer, "", ""}}},
		{"http://oms.cn-north-4.myhuaweicloud.com" + stopPath, []where{{req, 0, contract.KindServer, "", ""}}},
	} {
		t.Run("client-side "+tc.url, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodPost, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("X-Auth-Token", token)
			_, got := v.ValidateRequest(context.Background(), r, nil)
			if diff := cmp.Diff(tc.want, locate(got)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, got)
			}
		})
	}
}

// TestServerWithUserInfoIsRejected guards against a server URL carrying
// user:password@: it would match no request, and the password would be
// printed in every KindServer reason. The error must not repeat it.
func TestServerWithUserInfoIsRejected(t *testing.T) {
	const secret = "s3cretPassw0rd"
	for _, u := range []string{
		"http://user:" + secret + "@127.0.0.1:8080",
		"https://user:" + secret + "@staging.example/oms",
		"https://" + secret + "@staging.example",
		"http://user:" + secret + "/x@staging.example",
		"//user:" + secret + "@staging.example",
		"http://user:" + secret + "@staging.example/?q",
	} {
		t.Run(u, func(t *testing.T) {
			_, err := contract.New(contract.WithServer(u))
			if err == nil {
				t.Fatal("New accepted a server with user info")
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

func TestBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  contract.Option
	}{
		{"server with a query", contract.WithServer("http://h/?a=b")},
		{"server with a scheme and no host", contract.WithServer("http:///x")},
		{"server that is neither URL nor path", contract.WithServer("h:8080x/oms")},
		{"zero body limit", contract.WithMaxBodyBytes(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := contract.New(tc.opt); err == nil {
				t.Error("New accepted a bad option")
			}
		})
	}
}

// TestUndeclaredStatusIsAViolation guards against kin-openapi's default,
// which accepts any status the operation does not document.
func TestUndeclaredStatusIsAViolation(t *testing.T) {
	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	r := tokenRequest(t, "https://oms.cn-north-4.myhuaweicloud.com", stopPath)
	for _, status := range []int{201, 204, 302, 307, 418, 502} {
		vs := v.ValidateExchange(context.Background(), r, nil, status, http.Header{"X-Request-Id": {requestID}}, nil)
		if !vs.Has(contract.KindStatus) {
			t.Errorf("status %d: got %v, want a status violation", status, vs)
		}
	}
}

// TestBodyOnEmptyResponseIsAViolation guards against kin-openapi's default,
// which ignores a body on a response that declares no content.
func TestBodyOnEmptyResponseIsAViolation(t *testing.T) {
	srv := httptest.NewServer(canned{status: 200, headers: map[string]string{"X-Request-Id": requestID, "Content-Type": "application/json"}, body: "{}"})
	defer srv.Close()
	vs, _, _ := send(t, newValidator(t, srv), tokenRequest(t, srv.URL, stopPath))
	if diff := cmp.Diff([]where{{resp, 200, contract.KindBody, "", ""}}, locate(vs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestEmptyJSONRequestBodyIsNotAViolation guards the SDK's habit of sending
// Content-Type: application/json with an empty body.
func TestEmptyJSONRequestBodyIsNotAViolation(t *testing.T) {
	srv := httptest.NewServer(goodHandler(&stopServer{}))
	defer srv.Close()
	r := sdkRequest(t, srv.URL, stopPath)
	r.ContentLength = -1 // chunked, as some clients send an empty body
	if vs, _, _ := send(t, newValidator(t, srv), r); len(vs) != 0 {
		t.Errorf("got %v, want none", vs)
	}
}

// TestRequestBodyOnStopTaskIsAViolation guards the body check, which must
// not depend on Content-Length (kin-openapi's does).
func TestRequestBodyOnStopTaskIsAViolation(t *testing.T) {
	srv := httptest.NewServer(goodHandler(&stopServer{}))
	defer srv.Close()
	r := tokenRequest(t, srv.URL, stopPath)
	setBody(r, "{}")
	r.ContentLength = -1
	vs, _, _ := send(t, newValidator(t, srv), r)
	if diff := cmp.Diff([]where{{req, 0, contract.KindBody, "", ""}}, locate(vs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestOversizedBodyIsAViolation checks the body limit on both sides.
func TestOversizedBodyIsAViolation(t *testing.T) {
	big := `{"error_code":"OMS.0066","error_msg":"` + strings.Repeat("x", 200) + `"}`
	srv := httptest.NewServer(jsonError(400, big))
	defer srv.Close()
	v := newValidator(t, srv, contract.WithMaxBodyBytes(100))
	vs, _, body := send(t, v, tokenRequest(t, srv.URL, stopPath))
	if diff := cmp.Diff([]where{{resp, 400, contract.KindBody, "", ""}}, locate(vs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if body != big {
		t.Errorf("the caller got %d bytes, want the full %d", len(body), len(big))
	}
}

// TestViolationsNeverContainSecrets sends credentials that are wrong in
// every way and checks that no violation, error string or record quotes them.
func TestViolationsNeverContainSecrets(t *testing.T) {
	srv := httptest.NewServer(canned{status: 201})
	defer srv.Close()
	v := newValidator(t, srv)
	long := token + strings.Repeat("Z", 16385)
	reqs := []*http.Request{
		sdkRequest(t, srv.URL, "/v2/"+projectID+"/tasks/abc/stop"),
		withHeader("X-Auth-Token", long)(t, srv.URL),
	}
	bad := sdkRequest(t, srv.URL, stopPath)
	bad.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+accessKey+", Signature="+signature+", SignedHeaders=x")
	bad.Header.Set("X-Security-Token", token)
	reqs = append(reqs, bad)
	for i, r := range reqs {
		c := &http.Client{Transport: contract.NewTransport(v, nil)}
		_, err := c.Do(r)
		var xe *contract.ExchangeError
		if !errors.As(err, &xe) {
			t.Fatalf("request %d: got %v, want an ExchangeError", i, err)
		}
		for _, s := range []string{err.Error(), xe.Violations.Error(), record(t, xe.Record)} {
			for _, secret := range []string{token, signature, accessKey} {
				if strings.Contains(s, secret) {
					t.Errorf("request %d: output contains a secret: %s", i, s)
				}
			}
		}
	}
}

func TestViolationString(t *testing.T) {
	tests := []struct {
		name string
		v    contract.Violation
		want string
	}{
		{"response body member", contract.Violation{Operation: "StopTask", Direction: resp, Status: 400, Kind: contract.KindBody, Pointer: "/error_code", Reason: "value must be a string"},
			"StopTask response 400: body /error_code: value must be a string"},
		{"request parameter", contract.Violation{Operation: "StopTask", Direction: req, Kind: contract.KindParameter, Name: "task_id", Reason: "number must be at least 0"},
			"StopTask request: parameter task_id: number must be at least 0"},
		{"unrouted", contract.Violation{Direction: req, Kind: contract.KindPath, Reason: "no operation"},
			"request: path: no operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.v.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if contract.Violations(nil).Err() != nil {
		t.Error("no violations must be a nil error")
	}
}
