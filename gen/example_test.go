package gen_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// omsAnswering stands in for OMS: it answers every request with status and
// an Error body, as OMS and its gateway do.
func omsAnswering(status int, code, msg string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error_code":%q,"error_msg":%q}`, code, msg)
	}))
}

// Stopping a task that is already paused: OMS answers 400 OMS.0066, which
// callers usually treat as success.
func ExampleCheckResult() {
	srv := omsAnswering(http.StatusBadRequest, "OMS.0066", "Failed to pause the task. The task is not in progress.")
	defer srv.Close()

	client, err := gen.NewClientWithResponses(srv.URL, gen.WithRequestEditorFn(gen.WithToken("token")))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.StopTaskWithResponse(context.Background(), "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	if err == nil {
		err = gen.CheckResult(resp.HTTPResponse, resp.Body) // nil for 2xx, *gen.APIError otherwise
	}
	switch {
	case gen.IsNotMigrating(err):
		fmt.Println("already stopped:", err)
	case gen.IsNotFound(err):
		fmt.Println("no such task")
	case gen.IsRetryable(err):
		fmt.Println("try again later")
	case err != nil:
		fmt.Println("failed:", err)
	}
	var apiErr *gen.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("quote to support:", apiErr.RequestID)
	}
	// Output:
	// already stopped: oms: 400 OMS.0066: Failed to pause the task. The task is not in progress. (request id 6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d)
	// quote to support: 6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d
}

// The generated client returns err == nil for an answer outside the
// contract, such as a proxy's HTML 502; CheckResponse turns it into an
// *APIError.
func ExampleCheckResponse() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")
	}))
	defer srv.Close()

	client, err := gen.NewClient(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.StopTask(context.Background(), "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	fmt.Println("call error:", err)
	defer resp.Body.Close()

	err = gen.CheckResponse(resp)
	fmt.Println(err)
	fmt.Println("retry:", gen.IsRetryable(err))
	// Output:
	// call error: <nil>
	// oms: 502: <html><body><h1>502 Bad Gateway</h1></body></html>
	// retry: false
}

func ExampleWithToken() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("server: %s %s, token %d bytes, Content-Type %s\n",
			r.Method, r.URL.Path, len(r.Header.Get("X-Auth-Token")), r.Header.Get("Content-Type"))
	}))
	defer srv.Close()

	token := strings.Repeat("x", 64) // in real code: the X-Subject-Token IAM returned
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithRequestEditorFn(gen.WithToken(token)))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.StopTaskWithResponse(context.Background(), "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", resp.StatusCode())

	// An empty token fails before anything is sent.
	_, err = client.StopTaskWithResponse(context.Background(), "p", 1, gen.WithToken(""))
	fmt.Println(err)
	// Output:
	// server: POST /v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop, token 64 bytes, Content-Type application/json
	// status: 200
	// oms: the IAM token is empty or contains control characters
}

// Signing StopTask with AK/SK, and verifying it on the server side as the
// gateway (or a mock OMS) would.
func ExampleWithAKSK() {
	secrets := map[string]string{"AccessKey": "SecretKey"} // the server's AK -> SK store
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a, err := signer.ParseAuthorization(r.Header.Get("Authorization"))
		if err == nil {
			err = signer.Verify(r, body, secrets[a.Access])
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		date, _ := signer.Date(r) // a real server refuses dates outside its allowed skew
		fmt.Printf("server: verified %s, signed %s at %s\n", a.Access, strings.Join(a.SignedHeaders, ";"), date.Format(time.RFC3339))
	}))
	defer srv.Close()

	creds := signer.Credentials{AK: "AccessKey", SK: "SecretKey", ProjectID: "2c0689c860ad4728a497c91ec0844383"}
	fixed := func() time.Time { return time.Date(2026, 11, 27, 2, 28, 8, 0, time.UTC) }
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithRequestEditorFn(gen.WithAKSK(creds, signer.WithClock(fixed))))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.StopTaskWithResponse(context.Background(), creds.ProjectID, 191297407830872)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", resp.StatusCode())
	fmt.Println("credentials print as", creds)
	// Output:
	// server: verified AccessKey, signed x-project-id;x-sdk-date at 2026-11-27T02:28:08Z
	// status: 200
	// credentials print as {AK:AccessKey SK:[REDACTED] SecurityToken: ProjectID:2c0689c860ad4728a497c91ec0844383}
}

// Retrying is opt-in: the generated client sends each request once, like
// the SDK. The retrying doer resends only what the server cannot have acted
// on: here a throttled first attempt.
func ExampleNewRetryingDoer() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached."}`)
		}
	}))
	defer srv.Close()

	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(gen.NewRetryingDoer(nil)))
	if err != nil {
		fmt.Println(err)
		return
	}
	// A deadline bounds the whole call, waits included.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := client.StopTaskWithResponse(ctx, "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", resp.StatusCode(), "after", calls.Load(), "attempts")
	// Output:
	// status: 200 after 2 attempts
}

func ExampleRegionEndpoint() {
	for _, region := range []string{"cn-north-4", "ap-southeast-1", "cn-north-4.example.com"} {
		endpoint, err := gen.RegionEndpoint(region)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(endpoint)
	}
	// Output:
	// https://oms.cn-north-4.myhuaweicloud.com
	// https://oms.ap-southeast-1.myhuaweicloud.com
	// oms: invalid region "cn-north-4.example.com": want a region ID such as cn-north-4
}
