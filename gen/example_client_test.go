package gen_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/oms-contract/stoptask/gen"
)

// ExampleCheckResponse stops a task that is already paused. OMS answers 400
// OMS.0066, which callers usually treat as success.
func ExampleCheckResponse() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gen.WriteError(w, http.StatusBadRequest, gen.CodeNotMigrating,
			"Failed to pause the task because it is not in the migrating state.", "6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d")
	}))
	defer srv.Close()

	client, err := gen.NewClient(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.StopTask(context.Background(), "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	if err != nil {
		fmt.Println(err) // transport errors only
		return
	}
	defer resp.Body.Close()

	err = gen.CheckResponse(resp)
	fmt.Println(err)
	fmt.Println("already stopped:", gen.IsNotMigrating(err))

	var apiErr *gen.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("quote to support:", apiErr.RequestID)
	}
	// Output:
	// oms: 400 OMS.0066: Failed to pause the task because it is not in the migrating state. (request id 6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d)
	// already stopped: true
	// quote to support: 6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d
}

// ExampleCheckStopTaskResponse shows why the check is needed: a proxy's
// HTML 502 is outside the contract, and StopTaskWithResponse reports it
// with a nil error and no parsed body.
func ExampleCheckStopTaskResponse() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")
	}))
	defer srv.Close()

	client, err := gen.NewClientWithResponses(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.StopTaskWithResponse(context.Background(), "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	fmt.Println("call error:", err)

	err = gen.CheckStopTaskResponse(resp)
	fmt.Println(err)
	fmt.Println("retry later:", gen.IsRetryable(err))
	// Output:
	// call error: <nil>
	// oms: 502: <html><body><h1>502 Bad Gateway</h1></body></html>
	// retry later: false
}

// ExampleParamErrorHandler keeps the generated server's answers to a bad
// path parameter inside the contract: JSON, not text/plain.
func ExampleParamErrorHandler() {
	// No StrictServerInterface: this request never gets past binding.
	strict := gen.NewStrictHandlerWithOptions(nil, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  gen.ParamErrorHandler,
		ResponseErrorHandlerFunc: gen.ResponseErrorHandler,
	})
	srv := httptest.NewServer(gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{ErrorHandlerFunc: gen.ParamErrorHandler}))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/v2/2c0689c860ad4728a497c91ec0844383/tasks/abc/stop", "application/json", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), len(resp.Header.Get("X-Request-Id")))
	fmt.Print(string(body))
	// Output:
	// 400 application/json 32
	// {"error_code":"OMS.0054","error_msg":"Invalid task ID: path parameter task_id must be an integer (int64)."}
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

func ExampleNewRegionClient() {
	client, err := gen.NewRegionClient("cn-north-4")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(client.ClientInterface.(*gen.Client).Server)
	// Output:
	// https://oms.cn-north-4.myhuaweicloud.com/
}
