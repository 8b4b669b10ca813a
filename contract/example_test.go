package contract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// A request checked against the embedded spec: a task ID beyond the
// maximum the spec gives it, and a host the spec does not declare.
func ExampleValidator_ValidateRequest() {
	v, err := contract.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	var beyond int64
	stop, _ := v.Operation("StopTask")
	for _, p := range stop.Params {
		if p.Name == "task_id" {
			beyond = int64(*p.Schema.Value.Max) + 1
		}
	}
	for _, u := range []string{
		"https://oms.cn-north-4.myhuaweicloud.com/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop",
		"https://oms.cn-north-4.myhuaweicloud.com/v2/2c0689c860ad4728a497c91ec0844383/tasks/" + strconv.FormatInt(beyond, 10) + "/stop",
		"https://oms.example.com/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop",
	} {
		req, _ := http.NewRequest(http.MethodPost, u, nil)
		req.Header.Set("X-Auth-Token", "an-iam-token")
		x, vs := v.ValidateRequest(context.Background(), req, nil)
		fmt.Printf("operation %q, %d violation(s)\n", x.Operation(), len(vs))
		for _, vi := range vs {
			fmt.Println(" ", vi.Kind, vi.Name)
		}
	}
	// Output:
	// operation "StopTask", 0 violation(s)
	// operation "StopTask", 1 violation(s)
	//   parameter task_id
	// operation "", 1 violation(s)
	//   server
}

// A strict Transport fails a call whose answer breaks the contract, here
// an undeclared status; errors.As recovers the violations.
func ExampleNewTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, `{"error_code":"OMS.0418","error_msg":"I'm a teapot"}`)
	}))
	defer srv.Close()

	v, err := contract.New(contract.WithServer(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := gen.NewClient(srv.URL,
		gen.WithHTTPClient(&http.Client{Transport: contract.NewTransport(v, nil)}),
		gen.WithRequestEditorFn(gen.WithToken("an-iam-token")))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.StopTask(context.Background(), "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	var vs contract.Violations
	if errors.As(err, &vs) {
		for _, vi := range vs {
			fmt.Println(vi.Direction, vi.Status, vi.Kind)
		}
	}
	// Output:
	// response 418 status
}

// The middleware answers bad requests in the gateway's order and in the
// contract's Error shape before the handler runs.
func ExampleMiddleware() {
	v, err := contract.New(contract.WithServer("/"))
	if err != nil {
		fmt.Println(err)
		return
	}
	stop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK) // the middleware adds X-Request-Id
	})
	srv := httptest.NewServer(contract.Middleware(v, contract.WithStrictResponses())(stop))
	defer srv.Close()

	for _, c := range []struct{ method, path, token string }{
		{http.MethodPost, "/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop", "an-iam-token"},
		{http.MethodGet, "/v2/2c0689c860ad4728a497c91ec0844383/tasks/191297407830872/stop", "an-iam-token"},
		{http.MethodPost, "/v2/2c0689c860ad4728a497c91ec0844383/tasks/not-a-number/stop", ""},
		{http.MethodPost, "/v2/2c0689c860ad4728a497c91ec0844383/tasks/not-a-number/stop", "an-iam-token"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		if c.token != "" {
			req.Header.Set("X-Auth-Token", c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			fmt.Println(c.method, resp.StatusCode, gen.DecodeError(resp.StatusCode, resp.Header, body).Code)
		} else {
			fmt.Println(c.method, resp.StatusCode, resp.Header.Get("X-Request-Id") != "")
		}
	}
	// Output:
	// POST 200 true
	// GET 404 APIGW.0101
	// POST 401 APIGW.0301
	// POST 400 OMS.0054
}
