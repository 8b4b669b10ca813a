package contract_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// Values shared by the tests. The token and the signature are what must
// never show up in a violation, an error or a log line.
const (
	projectID = "2c0689c860ad4728a497c91ec0844383"
	taskID    = "191297407830872"
	stopPath  = "/v2/" + projectID + "/tasks/" + taskID + "/stop"
	requestID = "6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d"
	token     = "MIIsecretTOKENvalue-do-not-log-0123456789"
	signature = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	accessKey = "HPUAEXAMPLEACCESSKEY"
	sdkAuth   = "SDK-HMAC-SHA256 Access=" + accessKey + ", SignedHeaders=x-project-id;x-sdk-date, Signature=" + signature
)

// stopServer is a tiny StrictServerInterface: task 191297407830872 is
// migrating and stops; task 5 is paused already (OMS.0066); any other is
// unknown (OMS.1009).
type stopServer struct{ calls atomic.Int64 }

func (s *stopServer) StopTask(_ context.Context, req gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
	s.calls.Add(1)
	switch req.TaskId {
	case 191297407830872:
		return gen.StopTask200Response{Headers: gen.StopTask200ResponseHeaders{XRequestId: requestID}}, nil
	case 5:
		return gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{
			Body:    gen.Error{ErrorCode: gen.CodeNotMigrating, ErrorMsg: "Failed to pause the task because it is not in the migrating state."},
			Headers: gen.BadRequestResponseHeaders{XRequestId: requestID},
		}}, nil
	}
	return gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{
		Body:    gen.Error{ErrorCode: gen.CodeTaskNotFound, ErrorMsg: "The resource does not exist."},
		Headers: gen.BadRequestResponseHeaders{XRequestId: requestID},
	}}, nil
}

// goodHandler serves the contract through the generated std-http server.
func goodHandler(s *stopServer) http.Handler {
	strict := gen.NewStrictHandlerWithOptions(s, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  gen.ParamErrorHandler,
		ResponseErrorHandlerFunc: gen.ResponseErrorHandler,
	})
	return gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{ErrorHandlerFunc: gen.ParamErrorHandler})
}

// canned is a deliberately broken (or deliberately right) server answer.
type canned struct {
	status  int
	headers map[string]string
	body    string
}

func (c canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	for k, v := range c.headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(c.status)
	_, _ = io.WriteString(w, c.body)
}

func jsonError(status int, body string) canned {
	return canned{status: status, headers: map[string]string{"Content-Type": "application/json", "X-Request-Id": requestID}, body: body}
}

// newValidator builds a validator that routes to srv.
func newValidator(t testing.TB, srv *httptest.Server, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(append([]contract.Option{contract.WithServer(srv.URL)}, opts...)...)
	if err != nil {
		t.Fatalf("contract.New: %v", err)
	}
	return v
}

// tokenRequest is a well-formed StopTask request with an IAM token.
func tokenRequest(t testing.TB, base, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// sdkRequest is the request the official SDK sends: AK/SK headers,
// Content-Type JSON and an empty body.
func sdkRequest(t testing.TB, base, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", sdkAuth)
	req.Header.Set("X-Sdk-Date", "20261127T022808Z")
	req.Header.Set("X-Project-Id", projectID)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	return req
}

// where reduces a violation to what the tests pin down: kind, direction,
// status, name and pointer. Reasons are prose and checked separately.
type where struct {
	Direction contract.Direction
	Status    int
	Kind      contract.Kind
	Name      string
	Pointer   string
}

func locate(vs contract.Violations) []where {
	var out []where
	for _, v := range vs {
		out = append(out, where{v.Direction, v.Status, v.Kind, v.Name, v.Pointer})
	}
	return out
}

// send sends req through a record-mode transport and returns what was
// recorded and the body the caller got.
func send(t *testing.T, v *contract.Validator, req *http.Request) (contract.Violations, *http.Response, string) {
	t.Helper()
	var rec contract.Recorder
	c := &http.Client{Transport: contract.NewTransport(v, nil, contract.WithRecorder(&rec))}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("record mode must not fail the call: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Violations(), resp, string(b)
}

// record renders a record as the proxy would log it.
func record(t testing.TB, rec contract.Record) string {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
