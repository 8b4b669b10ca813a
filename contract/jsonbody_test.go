package contract_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// The tests in this file guard the JSON rules kin-openapi does not enforce
// (see jsonbody.go): one JSON value, in UTF-8, under one well-formed
// Content-Type whose charset, if any, is utf-8. Each rule is checked on
// both paths an answer can take: the documented responses of StopTask
// (with the fast path on and off, which must agree) and the shared error
// answer of a request that matched no operation.

// bothValidators are the production validator and the kin-openapi-only
// reference: a rule checked around the fast path holds on both.
func bothValidators(t *testing.T) map[string]*contract.Validator {
	t.Helper()
	fast, err := contract.New(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	slow, err := contract.NewWithoutFastPaths(contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*contract.Validator{"fast": fast, "kin-openapi only": slow}
}

// checkBothPaths validates the answer (status, header, body) to a StopTask
// POST and, as ValidateErrorAnswer, to a request that matched no
// operation, and compares each with want (given for a status; the
// operation's violations carry it, and so do the error answer's).
func checkBothPaths(t *testing.T, status int, header http.Header, body string, want []where) {
	t.Helper()
	for name, v := range bothValidators(t) {
		r, err := http.NewRequest(http.MethodPost, "http://oms.test"+stopPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Auth-Token", token)
		got := v.ValidateExchange(t.Context(), r, nil, status, header.Clone(), []byte(body))
		if diff := cmp.Diff(want, locate(got)); diff != "" {
			t.Errorf("%s, StopTask answer: violations mismatch (-want +got):\n%s\ngot: %v", name, diff, got)
		}
		got = v.ValidateErrorAnswer(status, header.Clone(), []byte(body))
		if diff := cmp.Diff(want, locate(got)); diff != "" {
			t.Errorf("%s, ValidateErrorAnswer: violations mismatch (-want +got):\n%s\ngot: %v", name, diff, got)
		}
	}
}

func jsonHeader(ct ...string) http.Header {
	return http.Header{"Content-Type": ct, "X-Request-Id": {requestID}}
}

const goodError = `{"error_code":"APIGW.0301","error_msg":"m"}`

// TestTrailingDataAfterJSONBodyIsAViolation: kin-openapi decodes only the
// first JSON value of a body, so an Error object followed by anything (an
// HTML page a proxy appended, a second object, NUL padding) passed as a
// valid StopTask answer.
func TestTrailingDataAfterJSONBodyIsAViolation(t *testing.T) {
	for _, body := range []string{
		goodError + "<html><body>502 Bad Gateway</body></html>",
		goodError + "garbage",
		goodError + `{"x":1}`,
		goodError + "\x00\x00",
		goodError + " ]",
	} {
		t.Run(body, func(t *testing.T) {
			checkBothPaths(t, 401, jsonHeader("application/json"), body, []where{{resp, 401, contract.KindBody, "", ""}})
		})
	}
	t.Run("trailing whitespace is allowed", func(t *testing.T) {
		checkBothPaths(t, 401, jsonHeader("application/json"), goodError+" \r\n\t", nil)
	})
}

// TestInvalidUTF8InJSONBodyIsAViolation: encoding/json replaces invalid
// UTF-8 with U+FFFD instead of failing, so a Latin-1 or binary error_msg
// passed, though JSON is UTF-8 (RFC 8259, section 8.1).
func TestInvalidUTF8InJSONBodyIsAViolation(t *testing.T) {
	for _, body := range []string{
		"{\"error_code\":\"APIGW.0301\",\"error_msg\":\"\xff\xfe\"}",
		"{\"error_code\":\"APIGW.0301\",\"error_msg\":\"caf\xe9\"}",
		"{\"error_code\":\"APIGW.0301\",\"error_msg\":\"m\",\"x\xff\":\"y\"}",
	} {
		t.Run(body, func(t *testing.T) {
			checkBothPaths(t, 401, jsonHeader("application/json"), body, []where{{resp, 401, contract.KindBody, "", ""}})
		})
	}
	t.Run("valid UTF-8 is allowed", func(t *testing.T) {
		checkBothPaths(t, 401, jsonHeader("application/json"), `{"error_code":"APIGW.0301","error_msg":"认证失败 é"}`, nil)
	})
}

// TestJSONContentTypeIsParsedStrictly: kin-openapi cut the Content-Type at
// its first ';' and ignored the rest, so malformed parameters and a
// charset JSON cannot have passed on StopTask answers (ValidateErrorAnswer
// already parsed the header, but let any charset through).
func TestJSONContentTypeIsParsedStrictly(t *testing.T) {
	bad := []where{{resp, 401, contract.KindContentType, "Content-Type", ""}}
	tests := []struct {
		ct   string
		want []where
	}{
		{"application/json;;;=x", bad},
		{"application/json; charset", bad},
		{"application/json; charset=latin1", bad},
		{"application/json; charset=ISO-8859-1", bad},
		{"application/json; charset=utf-16", bad},
		{"application/json; charset=utf-8; charset=utf-16", bad},
		{"application/json", nil},
		{"Application/JSON", nil},
		{"application/json; charset=utf-8", nil},
		{"application/json;charset=UTF-8", nil},
		{`application/json; charset="utf-8"`, nil},
		{"application/json ; charset=utf-8", nil},
	}
	for _, tc := range tests {
		t.Run(tc.ct, func(t *testing.T) {
			checkBothPaths(t, 401, jsonHeader(tc.ct), goodError, tc.want)
		})
	}
}

// TestTwoContentTypeValuesAreAViolation: only the first Content-Type was
// read, while a client (a browser, say) may act on the last; an answer
// with two has no single media type.
func TestTwoContentTypeValuesAreAViolation(t *testing.T) {
	dup := where{resp, 401, contract.KindContentType, "Content-Type", ""}
	t.Run("JSON first", func(t *testing.T) {
		checkBothPaths(t, 401, jsonHeader("application/json", "text/html"), goodError, []where{dup})
	})
	t.Run("JSON twice", func(t *testing.T) {
		checkBothPaths(t, 401, jsonHeader("application/json", "application/json"), goodError, []where{dup})
	})
	t.Run("JSON last", func(t *testing.T) {
		// The first value, text/html, is wrong in itself too.
		checkBothPaths(t, 401, jsonHeader("text/html", "application/json"), goodError, []where{dup, dup})
	})
}

// headAnswer is the mock's answer to a method the path does not allow:
// 405 with Allow and an Error body, which net/http drops for HEAD.
var headAnswer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Allow", http.MethodPost)
	gen.WriteError(w, http.StatusMethodNotAllowed, gen.CodeGatewayAPINotFound, "The API does not exist for method "+r.Method+".", requestID)
})

// TestHeadAnswerNeedsNoBody: the answer to HEAD carries no body by HTTP
// rule (RFC 9110, section 9.3.2), so the mock's correct 405 to HEAD was
// always reported as lacking its Error body. The request violation (HEAD
// is not StopTask's method) stays; the answer is right.
func TestHeadAnswerNeedsNoBody(t *testing.T) {
	methodOnly := func(m string) []where { return []where{{req, 0, contract.KindMethod, m, ""}} }

	t.Run("transport", func(t *testing.T) {
		srv := httptest.NewServer(headAnswer)
		defer srv.Close()
		v := newValidator(t, srv)
		r := tokenRequest(t, srv.URL, stopPath)
		r.Method = http.MethodHead
		vs, res, _ := send(t, v, r)
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("status %d, want 405", res.StatusCode)
		}
		if diff := cmp.Diff(methodOnly("HEAD"), locate(vs)); diff != "" {
			t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, vs)
		}
		// GET gets the body, and it is still checked.
		r = tokenRequest(t, srv.URL, stopPath)
		r.Method = http.MethodGet
		if vs, _, _ := send(t, v, r); len(vs) != 1 || vs[0].Kind != contract.KindMethod {
			t.Errorf("GET: got %v, want only the method violation", vs)
		}
	})

	t.Run("middleware", func(t *testing.T) {
		sv, err := contract.New(contract.WithServer("/"))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(contract.Middleware(sv, contract.WithStrictResponses())(goodHandler(&stopServer{})))
		defer srv.Close()
		r := tokenRequest(t, srv.URL, stopPath)
		r.Method = http.MethodHead
		vs, res, _ := send(t, newValidator(t, srv), r)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != http.MethodPost {
			t.Fatalf("status %d, Allow %q: want 405 with Allow: POST", res.StatusCode, res.Header.Get("Allow"))
		}
		if diff := cmp.Diff(methodOnly("HEAD"), locate(vs)); diff != "" {
			t.Errorf("violations mismatch (-want +got):\n%s\ngot: %v", diff, vs)
		}
	})

	t.Run("headers are still checked", func(t *testing.T) {
		v, err := contract.New(contract.WithServer("/"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := http.NewRequest(http.MethodHead, "http://oms.test"+stopPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Auth-Token", token)
		tests := []struct {
			name   string
			header http.Header
			want   []where
		}{
			{"no Content-Type", http.Header{"X-Request-Id": {requestID}}, nil},
			{"no X-Request-Id", http.Header{"Content-Type": {"application/json"}}, []where{{resp, 405, contract.KindHeader, "X-Request-Id", ""}}},
			{"text/html", jsonHeader("text/html"), []where{{resp, 405, contract.KindContentType, "Content-Type", ""}}},
			{"two Content-Types", jsonHeader("application/json", "application/json"), []where{{resp, 405, contract.KindContentType, "Content-Type", ""}}},
		}
		for _, tc := range tests {
			got := v.ValidateExchange(t.Context(), r, nil, 405, tc.header, nil)
			if diff := cmp.Diff(append(methodOnly("HEAD"), tc.want...), locate(got)); diff != "" {
				t.Errorf("%s: violations mismatch (-want +got):\n%s\ngot: %v", tc.name, diff, got)
			}
		}
		// A status that is not a 4xx is still wrong.
		got := v.ValidateExchange(t.Context(), r, nil, 200, jsonHeader("application/json"), nil)
		if diff := cmp.Diff(append(methodOnly("HEAD"), where{resp, 200, contract.KindStatus, "", ""}), locate(got)); diff != "" {
			t.Errorf("200: violations mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ValidateErrorAnswer still wants the body", func(t *testing.T) {
		v, err := contract.New()
		if err != nil {
			t.Fatal(err)
		}
		got := v.ValidateErrorAnswer(405, jsonHeader("application/json"), nil)
		if diff := cmp.Diff([]where{{resp, 405, contract.KindBody, "", ""}}, locate(got)); diff != "" {
			t.Errorf("violations mismatch (-want +got):\n%s", diff)
		}
	})
}
