package gen_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/oms-contract/stoptask/gen"
)

// ExampleWithToken sends StopTask with an IAM token. The server here only
// reports what it received; OMS's gateway would validate the token.
func ExampleWithToken() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("server: %s %s, token %d bytes, Content-Type %s\n",
			r.Method, r.URL.Path, len(r.Header.Get(gen.HeaderAuthToken)), r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusOK)
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
	fmt.Println("empty token:", err)
	// Output:
	// server: POST /v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop, token 64 bytes, Content-Type application/json
	// status: 200
	// empty token: invalid IAM token: token is empty
}

// ExampleWithAKSK signs StopTask with AK/SK and verifies it on the server
// side the way a gateway (or a mock OMS) would.
func ExampleWithAKSK() {
	secrets := map[string]string{"AccessKey": "SecretKey"} // the server's AK -> SK store
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h, err := gen.ParseAuthorization(r.Header.Get(gen.HeaderAuthorization))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if err := gen.VerifyRequest(r, body, secrets[h.Access]); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		date, _ := gen.SdkDate(r) // a real server rejects dates outside its skew window
		fmt.Printf("server: verified %s, signed %s at %s\n",
			h.Access, strings.Join(h.SignedHeaders, ";"), date.Format(time.RFC3339))
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	creds := gen.Credentials{AK: "AccessKey", SK: "SecretKey", ProjectID: "2c0689c860ad4728a497c91ec0844383"}
	fixed := func() time.Time { return time.Date(2026, 11, 27, 2, 28, 8, 0, time.UTC) }
	client, err := gen.NewClientWithResponses(srv.URL,
		gen.WithRequestEditorFn(gen.WithAKSK(creds, gen.WithClock(fixed))))
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
	fmt.Printf("credentials print as %v\n", creds)
	// Output:
	// server: verified AccessKey, signed x-project-id;x-sdk-date at 2026-11-27T02:28:08Z
	// status: 200
	// credentials print as Credentials{AK:AccessKey SK:[REDACTED] SecurityToken: ProjectID:2c0689c860ad4728a497c91ec0844383}
}

// ExampleParseAuthorization shows the parsed form of the SDK's own test vector.
func ExampleParseAuthorization() {
	h, err := gen.ParseAuthorization("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, " +
		"Signature=eb70b3a0caf6633a8b8e4317622d8a0f6819821ec84896ceb7739a57e2d9ed76")
	fmt.Println(h.Access, h.SignedHeaders, len(h.Signature), err)

	_, err = gen.ParseAuthorization("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=X-Sdk-Date, Signature=00")
	fmt.Println(err)
	// Output:
	// AccessKey [x-sdk-date] 64 <nil>
	// malformed SDK-HMAC-SHA256 Authorization header: SignedHeaders entry 1 is not a lower-case header name
}
