package contract_test

// Tests of the adapters the package adds to kin-openapi.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

func TestPathParamsUnescapedBeforeValidation(t *testing.T) {
	h := setup(t)
	srv := serve(t, validating(h.v))
	n := h.spec.projectIDMaxLen
	task := strconv.FormatInt(mock.DefaultMigratingTaskID, 10)
	tests := []struct {
		name, project string
		want          []string
	}{
		{"maxLength one-byte characters", strings.Repeat("a", n), nil},
		{"maxLength+1 one-byte characters", strings.Repeat("a", n+1), []string{"parameter project_id"}},
		{"maxLength two-byte characters", strings.Repeat("é", n), nil},
		{"maxLength+1 two-byte characters", strings.Repeat("é", n+1), []string{"parameter project_id"}},
		{"an escaped slash", "a/b", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(t, http.MethodPost, srv.URL+h.path(tt.project, task), token)
			if diff := cmp.Diff(tt.want, serverVerdict(t, srv, req)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmptyBodyRequiredWhereNoContentIsDocumented(t *testing.T) {
	h := setup(t)
	if ref := h.spec.op.Responses.Status(http.StatusOK); ref == nil || len(ref.Value.Content) != 0 {
		t.Fatal("the spec's 200 answer now has content; this test needs an answer documented without")
	}
	tests := []struct {
		name, body string
		want       []string
	}{
		{"empty", "", nil},
		{"a JSON object", "{}", []string{"response"}},
		{"one byte", "\n", []string{"response"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := canned{status: http.StatusOK, header: http.Header{h.spec.requestID: {"req-1"}}, body: tt.body}
			if diff := cmp.Diff(tt.want, h.recordAnswer(t, a)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOneValuePerDocumentedHeader(t *testing.T) {
	h := setup(t)
	twice := func(a canned) canned {
		a.header = a.header.Clone()
		a.header[h.spec.requestID] = []string{"req-1", "req-2"}
		return a
	}
	ok := canned{status: http.StatusOK, header: http.Header{h.spec.requestID: {"req-1"}}}
	bad := errorAnswer(http.StatusBadRequest, h.spec.taskIDCode)
	tests := []struct {
		name   string
		answer canned
		want   []string
	}{
		{"200 with one request ID", ok, nil},
		{"200 with two request IDs", twice(ok), []string{"response"}},
		{"400 with one request ID", bad, nil},
		{"400 with two request IDs", twice(bad), []string{"response"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, h.recordAnswer(t, tt.answer)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNonUTF8BodyIsAViolation(t *testing.T) {
	h := setup(t)
	tests := []struct {
		name, msg string
		want      []string
	}{
		{"UTF-8", "déjà", nil},
		{"Latin-1", "d\xe9j\xe0", []string{"response"}},
		{"a lone continuation byte", "\x80", []string{"response"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := errorAnswer(http.StatusBadRequest, h.spec.taskIDCode)
			a.body = `{"error_code":"` + h.spec.taskIDCode + `","error_msg":"` + tt.msg + `"}`
			if diff := cmp.Diff(tt.want, h.recordAnswer(t, a)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnroutedAnswersHeldToThe404ShapeAndA4xx(t *testing.T) {
	h := setup(t)
	notFound := errorAnswer(http.StatusNotFound, h.spec.statusCode(t, http.StatusNotFound))
	with := func(a canned, status int, contentType, body string) canned {
		a.header = a.header.Clone()
		a.status = status
		if contentType != "" {
			a.header.Set("Content-Type", contentType)
		}
		if body != "" {
			a.body = body
		}
		return a
	}
	unknown := "/v2/" + mock.DefaultProjectID + "/tasks/1/resume"
	tests := []struct {
		name, method, path string
		answer             canned
		want               []string // the request's violation first
	}{
		{"unknown path, the gateway's 404", http.MethodPost, unknown, notFound, []string{"path"}},
		{"wrong method, the gateway's 404", http.MethodGet, h.validPath(), notFound, []string{"method"}},
		{"unknown path, 405 in the Error shape", http.MethodPost, unknown, with(notFound, http.StatusMethodNotAllowed, "", ""), []string{"path"}},
		{"unknown path, HTML 404", http.MethodPost, unknown, with(notFound, http.StatusNotFound, "text/html", "<h1>Not Found</h1>"), []string{"path", "response"}},
		{"unknown path, 404 without error_code", http.MethodPost, unknown, with(notFound, http.StatusNotFound, "", `{"error_msg":"m"}`), []string{"path", "response"}},
		{"unknown path, 200", http.MethodPost, unknown, with(notFound, http.StatusOK, "", ""), []string{"path", "status"}},
		{"wrong method, 500", http.MethodGet, h.validPath(), with(notFound, http.StatusInternalServerError, "", ""), []string{"method", "status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, h.recordAnswerTo(t, tt.method, tt.path, tt.answer)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

// editors applies several request editors in order.
func editors(fns ...gen.RequestEditorFn) gen.RequestEditorFn {
	return func(ctx context.Context, req *http.Request) error {
		for _, fn := range fns {
			if err := fn(ctx, req); err != nil {
				return err
			}
		}
		return nil
	}
}

// setHeader sets (or, with no values, deletes) a request header.
func setHeader(name string, values ...string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Del(name)
		for _, v := range values {
			req.Header.Add(name, v)
		}
		return nil
	}
}

// credentialCases are requests whose credentials' form is right or wrong,
// derived from the spec's x-oms-value and x-oms-headers.
func credentialCases(h *harness) []struct {
	name string
	edit gen.RequestEditorFn
	ok   bool
} {
	f := h.spec
	date := f.sigHeaders[0]
	return []struct {
		name string
		edit gen.RequestEditorFn
		ok   bool
	}{
		{"token", token, true},
		{"token of maxLength", setHeader(f.tokenHeader, strings.Repeat("t", f.tokenMaxLen)), true},
		{"token of maxLength+1", setHeader(f.tokenHeader, strings.Repeat("t", f.tokenMaxLen+1)), false},
		{"empty token", setHeader(f.tokenHeader, ""), false},
		{"token sent twice", setHeader(f.tokenHeader, mock.DefaultToken, mock.DefaultToken), false},
		{"no credentials", nil, false},
		{"AK/SK signature", aksk, true},
		{"Authorization not matching the pattern", editors(aksk, setHeader(f.sigHeader, "Bearer "+mock.DefaultToken)), false},
		{"signature in upper-case hex", editors(aksk, func(_ context.Context, req *http.Request) error {
			v := req.Header.Get(f.sigHeader)
			req.Header.Set(f.sigHeader, v[:len(v)-64]+strings.ToUpper(v[len(v)-64:]))
			return nil
		}), false},
		{date + " missing", editors(aksk, setHeader(date)), false},
		{date + " malformed", editors(aksk, setHeader(date, "2026-01-02T03:04:05Z")), false},
		{date + " sent twice", editors(aksk, func(_ context.Context, req *http.Request) error {
			req.Header.Add(date, req.Header.Get(date))
			return nil
		}), false},
	}
}

func TestCredentialFormCheckedFromTheSpec(t *testing.T) {
	h := setup(t)
	srv := serve(t, validating(h.v))
	for _, tt := range credentialCases(h) {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			if !tt.ok {
				want = []string{"auth"}
			}
			got := serverVerdict(t, srv, request(t, http.MethodPost, srv.URL+h.validPath(), tt.edit))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthenticatorRunsAfterTheFormCheck(t *testing.T) {
	var mu sync.Mutex
	var seen []string // the schemes the authenticator was asked about
	h := setup(t, contract.WithAuthenticator(func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, in.SecuritySchemeName)
		if in.RequestValidationInput.Request.Header.Get(in.SecurityScheme.Name) == "wrong" {
			return errors.New("unknown credential")
		}
		return nil
	}))
	srv := serve(t, validating(h.v))
	tokenScheme, sigScheme := "", ""
	for name, c := range h.v.Credentials() {
		switch c.Header {
		case http.CanonicalHeaderKey(h.spec.tokenHeader):
			tokenScheme = name
		case http.CanonicalHeaderKey(h.spec.sigHeader):
			sigScheme = name
		}
	}
	tests := []struct {
		name     string
		edit     gen.RequestEditorFn
		want     []string
		wantSeen []string
	}{
		{"right token", token, nil, []string{tokenScheme}},
		{"well-formed wrong token", setHeader(h.spec.tokenHeader, "wrong"), []string{"auth"}, []string{tokenScheme}},
		{"token of maxLength+1", setHeader(h.spec.tokenHeader, strings.Repeat("t", h.spec.tokenMaxLen+1)), []string{"auth"}, nil},
		{"signature", aksk, nil, []string{sigScheme}},
		{"signature without its date", editors(aksk, setHeader(h.spec.sigHeaders[0])), []string{"auth"}, nil},
		{"no credentials", nil, []string{"auth"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			got := serverVerdict(t, srv, request(t, http.MethodPost, srv.URL+h.validPath(), tt.edit))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.wantSeen, seen); diff != "" {
				t.Errorf("the authenticator saw (-want +got):\n%s", diff)
			}
		})
	}
}
