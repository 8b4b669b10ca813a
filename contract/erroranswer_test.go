package contract_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
)

// TestValidateErrorAnswer pins down the shared error shape an answer to a
// request that matches no operation is held to.
func TestValidateErrorAnswer(t *testing.T) {
	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	jsonID := func() http.Header {
		return http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {requestID}}
	}
	with := func(h http.Header, k string, vals ...string) http.Header {
		if vals == nil {
			h.Del(k)
		} else {
			h[k] = vals
		}
		return h
	}
	const good = `{"error_code":"APIGW.0101","error_msg":"The API does not exist."}`
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   []where
	}{
		{"proper JSON 405", 405, jsonID(), good, nil},
		{"proper JSON 404", 404, jsonID(), good, nil},
		{"charset parameter and extra members", 404, with(jsonID(), "Content-Type", "application/json; charset=utf-8"), `{"error_code":"APIGW.0101","error_msg":"m","request_id":"r"}`, nil},
		{"405 without X-Request-Id", 405, with(jsonID(), "X-Request-Id"), good, []where{{resp, 405, contract.KindHeader, "X-Request-Id", ""}}},
		{"empty X-Request-Id", 404, with(jsonID(), "X-Request-Id", ""), good, []where{{resp, 404, contract.KindHeader, "X-Request-Id", ""}}},
		{"two X-Request-Id values", 404, with(jsonID(), "X-Request-Id", "a", "b"), good, []where{{resp, 404, contract.KindHeader, "X-Request-Id", ""}}},
		{"404 with text/plain", 404, with(jsonID(), "Content-Type", "text/plain; charset=utf-8"), "404 page not found\n", []where{
			{resp, 404, contract.KindContentType, "Content-Type", ""}, {resp, 404, contract.KindBody, "", ""}}},
		{"404 JSON body without Content-Type", 404, with(jsonID(), "Content-Type"), good, []where{{resp, 404, contract.KindContentType, "Content-Type", ""}}},
		{"404 with a non-Error body", 404, jsonID(), `{"code":"APIGW.0101","message":"m"}`, []where{
			{resp, 404, contract.KindBody, "", "/error_code"}, {resp, 404, contract.KindBody, "", "/error_msg"}}},
		{"404 with a numeric error_code", 404, jsonID(), `{"error_code":101,"error_msg":"m"}`, []where{{resp, 404, contract.KindBody, "", "/error_code"}}},
		{"404 with a JSON array", 404, jsonID(), `[]`, []where{{resp, 404, contract.KindBody, "", ""}}},
		{"404 with an empty body", 404, jsonID(), ``, []where{{resp, 404, contract.KindBody, "", ""}}},
		{"404 with truncated JSON", 404, jsonID(), `{"error_code":`, []where{{resp, 404, contract.KindBody, "", ""}}},
		{"200 to an unknown path", 200, jsonID(), good, []where{{resp, 200, contract.KindStatus, "", ""}}},
		{"502 HTML from a proxy", 502, http.Header{"Content-Type": {"text/html"}}, "<html>502</html>", []where{{resp, 502, contract.KindStatus, "", ""}}},
		{"nil header", 404, nil, good, []where{{resp, 404, contract.KindHeader, "X-Request-Id", ""}, {resp, 404, contract.KindContentType, "Content-Type", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := v.ValidateErrorAnswer(tc.status, tc.header, []byte(tc.body))
			if diff := cmp.Diff(tc.want, locate(vs)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, vs)
			}
			for _, x := range vs {
				if x.Operation != "" || x.Reason == "" {
					t.Errorf("violation %+v: want no operation and a reason", x)
				}
			}
		})
	}

	t.Run("oversized body", func(t *testing.T) {
		small, err := contract.New(contract.WithMaxBodyBytes(16))
		if err != nil {
			t.Fatal(err)
		}
		vs := small.ValidateErrorAnswer(404, jsonID(), []byte(good))
		if diff := cmp.Diff([]where{{resp, 404, contract.KindBody, "", ""}}, locate(vs)); diff != "" {
			t.Errorf("violations mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestUnroutedAnswersAreValidated checks that the answer to a request that
// matched no operation is validated by ValidateExchange and the transport,
// next to the request violation that says why routing failed.
func TestUnroutedAnswersAreValidated(t *testing.T) {
	good := jsonError(404, `{"error_code":"APIGW.0101","error_msg":"The API does not exist."}`)
	plain := canned{status: 404, headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, body: "404 page not found\n"}
	noID := canned{status: 405, headers: map[string]string{"Content-Type": "application/json", "Allow": "POST"}, body: `{"error_code":"APIGW.0101","error_msg":"m"}`}
	get := func(p string) func(*testing.T, string) *http.Request {
		return func(t *testing.T, base string) *http.Request {
			r := tokenRequest(t, base, p)
			r.Method = http.MethodGet
			return r
		}
	}
	tests := []struct {
		name    string
		server  http.Handler
		make    func(*testing.T, string) *http.Request
		server2 bool // validate against a validator that does not know the server
		want    []where
	}{
		{name: "unknown path, proper 404", server: good, make: path("/v2/" + projectID + "/tasks/1/start"),
			want: []where{{req, 0, contract.KindPath, "", ""}}},
		{name: "unknown path, text/plain 404", server: plain, make: path("/v2/" + projectID + "/tasks/1/start"),
			want: []where{{req, 0, contract.KindPath, "", ""}, {resp, 404, contract.KindHeader, "X-Request-Id", ""}, {resp, 404, contract.KindContentType, "Content-Type", ""}, {resp, 404, contract.KindBody, "", ""}}},
		{name: "wrong method, 405 without X-Request-Id", server: noID, make: get(stopPath),
			want: []where{{req, 0, contract.KindMethod, "GET", ""}, {resp, 405, contract.KindHeader, "X-Request-Id", ""}}},
		{name: "unknown server, text/plain 404", server: plain, make: path(stopPath), server2: true,
			want: []where{{req, 0, contract.KindServer, "", ""}, {resp, 404, contract.KindHeader, "X-Request-Id", ""}, {resp, 404, contract.KindContentType, "Content-Type", ""}, {resp, 404, contract.KindBody, "", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.server)
			defer srv.Close()
			v := newValidator(t, srv)
			if tc.server2 {
				var err error
				if v, err = contract.New(contract.WithServer("http://elsewhere.example")); err != nil {
					t.Fatal(err)
				}
			}
			vs, _, _ := send(t, v, tc.make(t, srv.URL))
			if diff := cmp.Diff(tc.want, locate(vs)); diff != "" {
				t.Errorf("transport: violations mismatch (-want +got):\n%s\ngot: %v", diff, vs)
			}

			// ValidateExchange gives the same verdict from bytes.
			r := tc.make(t, srv.URL)
			res, err := http.DefaultClient.Do(tc.make(t, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			body := tc.server.(canned).body
			got := v.ValidateExchange(t.Context(), r, nil, res.StatusCode, res.Header, []byte(body))
			if diff := cmp.Diff(tc.want, locate(got)); diff != "" {
				t.Errorf("ValidateExchange: violations mismatch (-want +got):\n%s\ngot: %v", diff, got)
			}
		})
	}
}

// TestZeroExchangeValidatesNothing: an Exchange that never went through
// ValidateRequest has nothing to hold an answer to.
func TestZeroExchangeValidatesNothing(t *testing.T) {
	var ex contract.Exchange
	if vs := ex.ValidateResponse(t.Context(), 404, nil, []byte(strings.Repeat("x", 3))); vs != nil {
		t.Errorf("zero Exchange: got %v, want nil", vs)
	}
}
