package gen_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
)

// cannedAnswer is what the loopback server answers for one test case.
type cannedAnswer struct {
	status      int
	contentType string
	header      map[string]string
	body        []byte
}

// serveCanned starts a loopback server answering GET /<name> with
// answers[name], so that CheckResponse sees responses as net/http delivers
// them (chunking, Content-Length, sniffing) rather than hand-built ones.
func serveCanned(t *testing.T, answers map[string]cannedAnswer) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			t.Errorf("unexpected request %s", r.URL.Path)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// bodyDigest keeps cmp.Diff quick and readable on megabyte bodies, which
// it would otherwise walk byte by byte. Nil and empty bodies compare equal.
var bodyDigest = cmp.Transformer("bodyDigest", func(b []byte) string {
	if len(b) <= 200 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes, sha256 %x", len(b), sha256.Sum256(b))
})

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

const gatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

func TestCheckResponseDecodesEveryErrorShape(t *testing.T) {
	huge := bytes.Repeat([]byte("x"), 2<<20)
	hugeJSON := append([]byte(`{"error_code":"OMS.0159","error_msg":"`), huge...)
	hugeJSON = append(hugeJSON, `"}`...)
	const reqID = "6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d"

	tests := []struct {
		name   string
		answer cannedAnswer
		want   *gen.APIError
	}{
		{
			name: "sdk error_code and error_msg",
			answer: cannedAnswer{status: 400, contentType: "application/json", header: map[string]string{"X-Request-Id": reqID},
				body: []byte(`{"error_code":"OMS.0066","error_msg":"Failed to pause the task because it is not in the migrating state."}`)},
			want: &gen.APIError{StatusCode: 400, Code: "OMS.0066", RequestID: reqID,
				Message: "Failed to pause the task because it is not in the migrating state."},
		},
		{
			name: "sdk fallback to code and message",
			answer: cannedAnswer{status: 401, contentType: "application/json",
				body: []byte(`{"code":"APIGW.0301","message":"Incorrect IAM authentication information."}`)},
			want: &gen.APIError{StatusCode: 401, Code: "APIGW.0301", Message: "Incorrect IAM authentication information."},
		},
		{
			name: "error_code pair wins over code pair",
			answer: cannedAnswer{status: 400, contentType: "application/json",
				body: []byte(`{"code":"X.1","message":"second","error_code":"OMS.1009","error_msg":"first"}`)},
			want: &gen.APIError{StatusCode: 400, Code: "OMS.1009", Message: "first"},
		},
		{
			name: "incomplete error_code pair falls back to code pair like the sdk",
			answer: cannedAnswer{status: 429, contentType: "application/json",
				body: []byte(`{"error_code":"OMS.0001","code":"APIGW.0308","message":"The throttling threshold has been reached."}`)},
			want: &gen.APIError{StatusCode: 429, Code: "APIGW.0308", Message: "The throttling threshold has been reached."},
		},
		{
			name: "sdk fallback to nested code and message",
			answer: cannedAnswer{status: 404, contentType: "application/json",
				body: []byte(`{"request_id":"r","error":{"code":"APIGW.0101","message":"The API does not exist."}}`)},
			want: &gen.APIError{StatusCode: 404, Code: "APIGW.0101", Message: "The API does not exist."},
		},
		{
			name: "nested error_code two levels down",
			answer: cannedAnswer{status: 500, contentType: "application/json",
				body: []byte(`{"outer":{"inner":{"error_code":"OMS.0159","error_msg":"System error."}}}`)},
			want: &gen.APIError{StatusCode: 500, Code: "OMS.0159", Message: "System error."},
		},
		{
			name: "nested pairs are searched in sorted key order",
			answer: cannedAnswer{status: 400, contentType: "application/json",
				body: []byte(`{"b":{"error_code":"B.1","error_msg":"b"},"a":{"error_code":"A.1","error_msg":"a"}}`)},
			want: &gen.APIError{StatusCode: 400, Code: "A.1", Message: "a"},
		},
		{
			name:   "lone code keeps the code and the raw body as message",
			answer: cannedAnswer{status: 403, contentType: "application/json", body: []byte(`{"error_code":"OMS.0072"}`)},
			want:   &gen.APIError{StatusCode: 403, Code: "OMS.0072", Message: `{"error_code":"OMS.0072"}`},
		},
		{
			name:   "numbers in place of strings",
			answer: cannedAnswer{status: 400, contentType: "application/json", body: []byte(`{"error_code":1009,"error_msg":4.2e1}`)},
			want:   &gen.APIError{StatusCode: 400, Code: "1009", Message: "4.2e1"},
		},
		{
			name:   "booleans and null are not codes",
			answer: cannedAnswer{status: 400, contentType: "application/json", body: []byte(`{"error_code":true,"error_msg":null}`)},
			want:   &gen.APIError{StatusCode: 400, Message: `{"error_code":true,"error_msg":null}`},
		},
		{
			name: "json with the wrong content type is still decoded",
			answer: cannedAnswer{status: 403, contentType: "text/html; charset=utf-8",
				body: []byte(`{"error_code":"OMS.0072","error_msg":"Insufficient permission."}`)},
			want: &gen.APIError{StatusCode: 403, Code: "OMS.0072", Message: "Insufficient permission."},
		},
		{
			name:   "gateway html 502",
			answer: cannedAnswer{status: 502, contentType: "text/html", header: map[string]string{"X-Request-Id": reqID}, body: []byte(gatewayHTML)},
			want: &gen.APIError{StatusCode: 502, RequestID: reqID,
				Message: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>nginx</center> </body> </html>"},
		},
		{
			name:   "empty body",
			answer: cannedAnswer{status: 503},
			want:   &gen.APIError{StatusCode: 503},
		},
		{
			name:   "json array is not an error object",
			answer: cannedAnswer{status: 400, contentType: "application/json", body: []byte(` [{"error_code":"A","error_msg":"b"}] `)},
			want:   &gen.APIError{StatusCode: 400, Message: `[{"error_code":"A","error_msg":"b"}]`},
		},
		{
			name:   "invalid utf-8 and control characters become spaces",
			answer: cannedAnswer{status: 500, contentType: "text/plain", body: []byte("bad\xff\x00byte\x1b[31m\n")},
			want:   &gen.APIError{StatusCode: 500, Message: "bad byte [31m"},
		},
		{
			name:   "2 MiB body is cut to 1 MiB and the message to 512 bytes",
			answer: cannedAnswer{status: 500, contentType: "text/plain", body: huge},
			want:   &gen.APIError{StatusCode: 500, Message: string(huge[:512]), Body: huge[:gen.MaxErrorBodyBytes], BodyTruncated: true},
		},
		{
			name:   "2 MiB json body that the cut breaks falls back to the raw body",
			answer: cannedAnswer{status: 500, contentType: "application/json", body: hugeJSON},
			want:   &gen.APIError{StatusCode: 500, Message: string(hugeJSON[:512]), Body: hugeJSON[:gen.MaxErrorBodyBytes], BodyTruncated: true},
		},
	}

	answers := make(map[string]cannedAnswer)
	for i, tc := range tests {
		answers[fmt.Sprint(i)] = tc.answer
	}
	base := serveCanned(t, answers)

	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, fmt.Sprintf("%s/%d", base, i))
			err := gen.CheckResponse(resp)
			got, ok := errors.AsType[*gen.APIError](err)
			if !ok {
				t.Fatalf("CheckResponse = %#v, want *APIError", err)
			}
			want := *tc.want
			if want.Body == nil {
				want.Body = tc.answer.body
			}
			if diff := cmp.Diff(&want, got, bodyDigest); diff != "" {
				t.Errorf("CheckResponse mismatch (-want +got):\n%s", diff)
			}
			// The body stays readable for the caller, as far as it was read.
			rest, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("reading restored body: %v", err)
			}
			if !bytes.Equal(rest, got.Body) {
				t.Errorf("restored body has %d bytes, want the %d bytes in APIError.Body", len(rest), len(got.Body))
			}
		})
	}
}

func TestCheckResponseLeaves2xxAlone(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{name: "200 empty", status: 200},
		{name: "200 with a body", status: 200, body: `{"error_code":"OMS.0066","error_msg":"not an error on a 2xx"}`},
		{name: "202", status: 202, body: "accepted"},
		{name: "299", status: 299, body: "odd but 2xx"},
	}
	answers := make(map[string]cannedAnswer)
	for i, tc := range tests {
		answers[fmt.Sprint(i)] = cannedAnswer{status: tc.status, contentType: "text/plain", body: []byte(tc.body)}
	}
	base := serveCanned(t, answers)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, fmt.Sprintf("%s/%d", base, i))
			if err := gen.CheckResponse(resp); err != nil {
				t.Fatalf("CheckResponse = %v, want nil", err)
			}
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("reading body: %v", err)
			}
			if diff := cmp.Diff(tc.body, string(got)); diff != "" {
				t.Errorf("body after CheckResponse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckResponseNil(t *testing.T) {
	err := gen.CheckResponse(nil)
	if err == nil {
		t.Fatal("CheckResponse(nil) = nil, want an error")
	}
	if _, ok := errors.AsType[*gen.APIError](err); ok {
		t.Errorf("CheckResponse(nil) = %#v, want a plain error: there is no status to report", err)
	}
	// A response built by hand may have no body at all.
	got, _ := errors.AsType[*gen.APIError](gen.CheckResponse(&http.Response{StatusCode: 500, Header: http.Header{}}))
	if diff := cmp.Diff(&gen.APIError{StatusCode: 500}, got, bodyDigest); diff != "" {
		t.Errorf("CheckResponse(no body) (-want +got):\n%s", diff)
	}
}

func TestCheckStopTaskResponseWithoutHTTPResponse(t *testing.T) {
	for _, r := range []*gen.StopTaskResponse{nil, {Body: []byte("x")}} {
		err := gen.CheckStopTaskResponse(r)
		if err == nil {
			t.Errorf("CheckStopTaskResponse(%#v) = nil, want an error", r)
		}
		if _, ok := errors.AsType[*gen.APIError](err); ok {
			t.Errorf("CheckStopTaskResponse(%#v) = %#v, want a plain error", r, err)
		}
	}
}

func TestAPIErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *gen.APIError
		want string
	}{
		{
			name: "code, message and request id",
			err:  &gen.APIError{StatusCode: 400, Code: "OMS.0066", Message: "not migrating", RequestID: "r1"},
			want: "oms: 400 OMS.0066: not migrating (request id r1)",
		},
		{
			name: "message only",
			err:  &gen.APIError{StatusCode: 502, Message: "<html>bad gateway</html>"},
			want: "oms: 502: <html>bad gateway</html>",
		},
		{
			name: "code only",
			err:  &gen.APIError{StatusCode: 403, Code: "OMS.0072"},
			want: "oms: 403 OMS.0072",
		},
		{
			name: "nothing but a status uses the status text",
			err:  &gen.APIError{StatusCode: 503, RequestID: "r2"},
			want: "oms: 503 Service Unavailable (request id r2)",
		},
		{
			name: "unknown status",
			err:  &gen.APIError{StatusCode: 599},
			want: "oms: 599",
		},
		{
			name: "the body is never printed, only the message",
			err:  &gen.APIError{StatusCode: 400, Code: "A", Message: "m", Body: []byte("raw-body-bytes")},
			want: "oms: 400 A: m",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.err.Error()); diff != "" {
				t.Errorf("Error() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAPIErrorOmitsHeaders guards against an error string that leaks a
// credential echoed in a response header.
func TestAPIErrorOmitsHeaders(t *testing.T) {
	const secret = "MIIsecret-token-value"
	base := serveCanned(t, map[string]cannedAnswer{"leak": {
		status:      401,
		contentType: "application/json",
		header: map[string]string{
			"X-Request-Id":     "req-1",
			"X-Subject-Token":  secret,
			"X-Auth-Token":     secret,
			"Www-Authenticate": secret,
			"Set-Cookie":       "session=" + secret,
		},
		body: []byte(`{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information."}`),
	}})
	err := gen.CheckResponse(get(t, base+"/leak"))
	if err == nil {
		t.Fatal("CheckResponse = nil, want an error")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("Error() = %q leaks a header value", err.Error())
	}
	if diff := cmp.Diff("oms: 401 APIGW.0301: Incorrect IAM authentication information. (request id req-1)", err.Error()); diff != "" {
		t.Errorf("Error() (-want +got):\n%s", diff)
	}
}

func TestErrorPredicates(t *testing.T) {
	type verdict struct {
		NotFound, NotMigrating, AlreadyFinished, Unauthorized, Retryable bool
	}
	var nilAPIError *gen.APIError
	tests := []struct {
		name string
		err  error
		want verdict
	}{
		{name: "nil", err: nil},
		{name: "not an APIError", err: errors.New("OMS.1009 404 dial tcp: connection refused")},
		{name: "typed nil APIError", err: nilAPIError},
		{name: "task not found is a 400", err: &gen.APIError{StatusCode: 400, Code: gen.CodeTaskNotFound}, want: verdict{NotFound: true}},
		{name: "http 404", err: &gen.APIError{StatusCode: 404, Code: "APIGW.0101"}, want: verdict{NotFound: true}},
		{name: "not migrating", err: &gen.APIError{StatusCode: 400, Code: gen.CodeNotMigrating}, want: verdict{NotMigrating: true}},
		{name: "already finished", err: &gen.APIError{StatusCode: 400, Code: gen.CodeAlreadyFinished}, want: verdict{AlreadyFinished: true}},
		{name: "http 401", err: &gen.APIError{StatusCode: 401}, want: verdict{Unauthorized: true}},
		{name: "gateway auth code", err: &gen.APIError{StatusCode: 400, Code: gen.CodeGatewayAuthFailed}, want: verdict{Unauthorized: true}},
		{name: "oms auth code on 403", err: &gen.APIError{StatusCode: 403, Code: gen.CodeAuthFailed}, want: verdict{Unauthorized: true}},
		{name: "missing permission is not unauthorized", err: &gen.APIError{StatusCode: 403, Code: gen.CodeInsufficientPermission}},
		{name: "429", err: &gen.APIError{StatusCode: 429}, want: verdict{Retryable: true}},
		{name: "503", err: &gen.APIError{StatusCode: 503, Code: gen.CodeSystemError}, want: verdict{Retryable: true}},
		{name: "throttled code", err: &gen.APIError{StatusCode: 400, Code: gen.CodeGatewayThrottled}, want: verdict{Retryable: true}},
		{name: "500 is not retryable", err: &gen.APIError{StatusCode: 500, Code: gen.CodeSystemError}},
		{name: "wrapped with %w", err: fmt.Errorf("stop task 7: %w", &gen.APIError{StatusCode: 400, Code: gen.CodeNotMigrating}), want: verdict{NotMigrating: true}},
		{name: "wrapped twice", err: fmt.Errorf("a: %w", fmt.Errorf("b: %w", &gen.APIError{StatusCode: 400, Code: gen.CodeAlreadyFinished})), want: verdict{AlreadyFinished: true}},
		{name: "joined", err: errors.Join(errors.New("other"), &gen.APIError{StatusCode: 400, Code: gen.CodeTaskNotFound}), want: verdict{NotFound: true}},
		{name: "wrapped with %v loses the type", err: fmt.Errorf("stop: %v", &gen.APIError{StatusCode: 400, Code: gen.CodeNotMigrating})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := verdict{
				NotFound:        gen.IsNotFound(tc.err),
				NotMigrating:    gen.IsNotMigrating(tc.err),
				AlreadyFinished: gen.IsAlreadyFinished(tc.err),
				Unauthorized:    gen.IsUnauthorized(tc.err),
				Retryable:       gen.IsRetryable(tc.err),
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("predicates (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGatewayAPINotFoundRoundTrip: the gateway's "no such API" answer, as
// WriteError writes it with CodeGatewayAPINotFound and HeaderRequestID, is
// read back by CheckResponse with its code and request ID, and counts as
// not found.
func TestGatewayAPINotFoundRoundTrip(t *testing.T) {
	if gen.CodeGatewayAPINotFound != "APIGW.0101" {
		t.Fatalf("CodeGatewayAPINotFound = %q, want the gateway's APIGW.0101", gen.CodeGatewayAPINotFound)
	}
	const id = "0123456789abcdef0123456789abcdef"
	w := httptest.NewRecorder()
	gen.WriteError(w, http.StatusNotFound, gen.CodeGatewayAPINotFound, "The API does not exist.", id)
	if got := w.Header().Values(gen.HeaderRequestID); len(got) != 1 || got[0] != id {
		t.Errorf("%s = %q, want [%s]", gen.HeaderRequestID, got, id)
	}
	err := gen.CheckResponse(w.Result())
	want := &gen.APIError{StatusCode: http.StatusNotFound, Code: gen.CodeGatewayAPINotFound, Message: "The API does not exist.", RequestID: id}
	var apiErr *gen.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("CheckResponse: %v, want an *APIError", err)
	}
	apiErr.Body = nil
	if diff := cmp.Diff(want, apiErr); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !gen.IsNotFound(err) {
		t.Errorf("IsNotFound(%v) = false", err)
	}
}
