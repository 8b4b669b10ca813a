package contract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

func TestTransportModes(t *testing.T) {
	tests := []struct {
		name       string
		server     http.Handler
		task       int64
		mode       contract.Mode
		wantErr    bool
		wantStatus int
		want       []where
	}{
		{"strict, good 200", goodHandler(&stopServer{}), 191297407830872, contract.ModeStrict, false, 200, nil},
		{"strict, good 400 OMS.0066", goodHandler(&stopServer{}), 5, contract.ModeStrict, false, 400, nil},
		{"strict, undocumented 201", canned{status: 201, headers: map[string]string{"X-Request-Id": requestID}}, 1, contract.ModeStrict, true, 0, []where{{resp, 201, contract.KindStatus, "", ""}}},
		{"record, undocumented 201", canned{status: 201, headers: map[string]string{"X-Request-Id": requestID}}, 1, contract.ModeRecord, false, 201, []where{{resp, 201, contract.KindStatus, "", ""}}},
		{"strict, error_code as a number", jsonError(400, `{"error_code":66,"error_msg":"m"}`), 1, contract.ModeStrict, true, 0, []where{{resp, 400, contract.KindBody, "", "/error_code"}}},
		{"record, error_code as a number", jsonError(400, `{"error_code":66,"error_msg":"m"}`), 1, contract.ModeRecord, false, 400, []where{{resp, 400, contract.KindBody, "", "/error_code"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.server)
			defer srv.Close()
			var rec contract.Recorder
			tr := contract.NewTransport(newValidator(t, srv), nil, contract.WithMode(tc.mode), contract.WithReport(rec.Add))
			// The plain client: the parsing one would choke on the broken
			// bodies that record mode lets through.
			c, err := gen.NewClient(srv.URL, gen.WithHTTPClient(&http.Client{Transport: tr}),
				gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
					r.Header.Set("X-Auth-Token", token)
					return nil
				}))
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.StopTask(context.Background(), projectID, tc.task)
			if err == nil {
				res.Body.Close()
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if err != nil {
				var vs contract.Violations
				if !errors.As(err, &vs) {
					t.Fatalf("errors.As(%v, Violations) failed", err)
				}
				var xe *contract.ExchangeError
				if !errors.As(err, &xe) || xe.Status == 0 || xe.Path == "" {
					t.Fatalf("errors.As(%v, *ExchangeError) = %+v", err, xe)
				}
				if diff := cmp.Diff(tc.want, locate(vs)); diff != "" {
					t.Errorf("error violations (-want +got):\n%s", diff)
				}
			} else if res.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tc.wantStatus)
			}
			if diff := cmp.Diff(tc.want, locate(rec.Violations())); diff != "" {
				t.Errorf("reported violations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStrictTransportDoesNotSendBadRequests: a request that breaks the
// contract must not reach a real endpoint.
func TestStrictTransportDoesNotSendBadRequests(t *testing.T) {
	s := &stopServer{}
	srv := httptest.NewServer(goodHandler(s))
	defer srv.Close()
	c := &http.Client{Transport: contract.NewTransport(newValidator(t, srv), nil)}
	_, err := c.Do(tokenRequest(t, srv.URL, "/v2/"+projectID+"/tasks/-1/stop"))
	var vs contract.Violations
	if !errors.As(err, &vs) {
		t.Fatalf("got %v, want violations", err)
	}
	if diff := cmp.Diff([]where{{req, 0, contract.KindParameter, "task_id", ""}}, locate(vs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := s.calls.Load(); n != 0 {
		t.Errorf("the server got %d calls, want 0", n)
	}
}

// TestRecordTransportKeepsBodies: the caller reads the full response body
// and the server the full request body, although both were validated.
func TestRecordTransportKeepsBodies(t *testing.T) {
	const answer = `{"error_code":"OMS.0066","error_msg":"not migrating","extra":[1,2,3]}`
	gotBody := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody <- string(b)
		jsonError(400, answer).ServeHTTP(w, r)
	}))
	defer srv.Close()
	r := tokenRequest(t, srv.URL, stopPath)
	setBody(r, `{"sent":"anyway"}`)
	vs, res, body := send(t, newValidator(t, srv), r)
	if body != answer || res.StatusCode != 400 {
		t.Errorf("caller got %d %q, want 400 %q", res.StatusCode, body, answer)
	}
	if got := <-gotBody; got != `{"sent":"anyway"}` {
		t.Errorf("server got body %q", got)
	}
	if diff := cmp.Diff([]where{{req, 0, contract.KindBody, "", ""}}, locate(vs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	srv := httptest.NewServer(canned{status: 202})
	defer srv.Close()
	var rec contract.Recorder
	c := &http.Client{Transport: contract.NewTransport(newValidator(t, srv), nil, contract.WithRecorder(&rec))}
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			res, err := c.Do(tokenRequest(t, srv.URL, stopPath))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
		})
	}
	wg.Wait()
	if got := len(rec.Records()); got != n {
		t.Errorf("%d records, want %d", got, n)
	}
	if got := len(rec.Violations()); got != n {
		t.Errorf("%d violations, want %d: %v", got, n, rec.Violations())
	}
}

// ExampleTransport fails a call whose answer breaks the contract.
func ExampleTransport() {
	// A server that answers a documented request with an undocumented 201.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "6b1a2c8d4e0f4a3b9c7d5e1f2a3b4c5d")
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()

	v, err := contract.New(contract.WithServer(srv.URL))
	if err != nil {
		panic(err)
	}
	client, err := gen.NewClientWithResponses(srv.URL,
		gen.WithHTTPClient(&http.Client{Transport: contract.NewTransport(v, nil)}),
		gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("X-Auth-Token", "an-IAM-token")
			return nil
		}))
	if err != nil {
		panic(err)
	}
	_, err = client.StopTaskWithResponse(context.Background(), "2c0689c860ad4728a497c91ec0844383", 191297407830872)
	var vs contract.Violations
	if errors.As(err, &vs) {
		for _, v := range vs {
			fmt.Println(v)
		}
	}
	// Output:
	// StopTask response 201: status: status 201 is not documented for StopTask; documented: 200, 400, 401, 403, 404, 429, 500, 503
}
