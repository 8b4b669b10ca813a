package gen_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/oms-contract/stoptask/gen"
)

// Retrying is opt-in: the generated client sends each request once, like
// the official SDK. Wrapping its doer adds retries for throttling (429),
// an unavailable gateway (503) and refused connections only, so a stop the
// server may already have executed is never sent twice.
func ExampleNewRetryingDoer() {
	// A stand-in for OMS that throttles the first call and asks the client
	// to come back at once.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error_code":"APIGW.0308","error_msg":"The request is throttled."}`)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	doer := gen.NewRetryingDoer(nil,
		gen.WithRetryMaxAttempts(3),
		gen.WithRetryMaxDelay(5*time.Second),
	)
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(doer))
	if err != nil {
		log.Fatal(err)
	}

	// A deadline bounds the whole call, retries and waits included.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := client.StopTaskWithResponse(ctx, "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", resp.StatusCode())
	fmt.Println("attempts:", calls.Load())
	// Output:
	// status: 200
	// attempts: 2
}
