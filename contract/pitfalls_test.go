package contract_test

// Tests of the pitfalls of the stack the package is built on: each shows
// what kin-openapi or the generated code does alone, then that the package
// does not fall into it.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// declaredHost is the host of the spec's first server, with its variables'
// defaults.
func declaredHost(t testing.TB, h *harness) string {
	t.Helper()
	s := h.v.Spec().Servers[0]
	u := s.URL
	for name, v := range s.Variables {
		u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
	}
	scheme, host, ok := strings.Cut(u, "://")
	if !ok || scheme != "https" {
		t.Fatalf("the spec's first server %q is not an https URL", s.URL)
	}
	return host
}

func TestUndeclaredStatusIsKindStatus(t *testing.T) {
	h := setup(t)
	if h.spec.op.Responses.Status(http.StatusTeapot) != nil {
		t.Fatal("the spec now declares 418; pick another undeclared status")
	}
	teapot := errorAnswer(http.StatusTeapot, h.spec.opCode)

	// The pitfall: without IncludeResponseStatus, kin-openapi accepts it.
	req := request(t, http.MethodPost, "https://"+declaredHost(t, h)+h.validPath(), token)
	router, err := gorillamux.NewRouter(h.v.Spec())
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 teapot.status, Header: teapot.header, Body: io.NopCloser(strings.NewReader(teapot.body))}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("kin-openapi's defaults now refuse an undeclared status (%v): the pitfall is gone", err)
	}

	tests := []struct {
		name   string
		answer canned
		want   []string
	}{
		{"undeclared 418", teapot, []string{"status"}},
		// kin-openapi returns before looking 301, 304, 307 and 308 up.
		{"undeclared 307, which kin-openapi skips", canned{status: http.StatusTemporaryRedirect, header: http.Header{"X-Request-Id": {"r"}}}, []string{"status"}},
		{"declared 400", errorAnswer(http.StatusBadRequest, h.spec.taskIDCode), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, h.recordAnswer(t, tt.answer)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRouterTellsUnknownHostPathAndMethodApart(t *testing.T) {
	h := setup(t)
	host := declaredHost(t, h)
	srv := serve(t, validating(validatorFor(t, "https://"+host))) // the declared server again: no loopback server
	_, loopbackPort, _ := net.SplitHostPort(srv.Listener.Addr().String())
	other := "/v2/" + mock.DefaultProjectID + "/tasks/1/resume"
	if strings.Contains(h.spec.op.Path, "start") {
		t.Fatal("the spec has a resume path; pick another unknown path")
	}

	// The pitfall: kin-openapi's router, built from the spec with its
	// servers, says "path not found" for an unknown host and for an unknown
	// path alike.
	router, err := gorillamux.NewRouter(h.v.Spec())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://evil.example" + h.validPath(), "https://" + host + other} {
		if _, _, err := router.FindRoute(request(t, http.MethodPost, u, nil)); !errors.Is(err, routers.ErrPathNotFound) {
			t.Errorf("kin-openapi's router on %s: %v, want ErrPathNotFound (the pitfall is gone)", u, err)
		}
	}

	// Server side: the request comes as http (TLS terminated in front), its
	// host in the Host header.
	tests := []struct {
		name, method, host, path string
		want                     []string
	}{
		{"declared host behind TLS termination", http.MethodPost, host, h.validPath(), nil},
		{"declared host with the https port", http.MethodPost, host + ":443", h.validPath(), nil},
		{"another region", http.MethodPost, strings.Replace(host, h.v.Spec().Servers[0].Variables["region"].Default, "ap-southeast-1", 1), h.validPath(), nil},
		{"declared host upper case", http.MethodPost, strings.ToUpper(host), h.validPath(), nil},
		{"unknown host", http.MethodPost, "127.0.0.1:" + loopbackPort, h.validPath(), []string{"server"}},
		{"declared host as a prefix", http.MethodPost, host + ".evil.example", h.validPath(), []string{"server"}},
		{"declared host, another port", http.MethodPost, host + ":8443", h.validPath(), []string{"server"}},
		{"unknown path", http.MethodPost, host, other, []string{"path"}},
		{"wrong method", http.MethodGet, host, h.validPath(), []string{"method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(t, tt.method, srv.URL+tt.path, token)
			req.Host = tt.host
			if diff := cmp.Diff(tt.want, serverVerdict(t, srv, req)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientRequestsMatchTheDeclaredHTTPSServer(t *testing.T) {
	h := setup(t)
	host := declaredHost(t, h)
	v, err := contract.New() // the spec's servers only
	if err != nil {
		t.Fatal(err)
	}
	// The declared host, reached on loopback: a TLS server for "example.com"
	// (httptest's certificate) that every connection is dialled to, behind
	// the middleware with the same validator, so that a request it does not
	// match is answered 404.
	srv := httptest.NewTLSServer(contract.Middleware(v)(gen.Handler(stopped{})))
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	base := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "example.com"},
	}
	t.Cleanup(base.CloseIdleConnections)
	client := &http.Client{Transport: contract.NewTransport(v, base)}

	tests := []struct {
		name, method, url string
		want              []string // client-side violations; nil: sent
	}{
		{"declared https server", http.MethodPost, "https://" + host + h.validPath(), nil},
		{"declared host in plain http", http.MethodPost, "http://" + host + h.validPath(), []string{"server"}},
		{"unknown host", http.MethodPost, "https://evil.example" + h.validPath(), []string{"server"}},
		{"unknown path", http.MethodPost, "https://" + host + "/v2/p/tasks/1/resume", []string{"path"}},
		{"wrong method", http.MethodDelete, "https://" + host + h.validPath(), []string{"method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Do(request(t, tt.method, tt.url, token))
			var got []string
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("the server answered %d, want 200", resp.StatusCode)
				}
			} else if xe, ok := errors.AsType[*contract.ExchangeError](err); ok {
				got = kindNames(xe.Violations)
			} else {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("client-side violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithServerPrefixMatchesAnyHostBelowThePrefix(t *testing.T) {
	h := setup(t)
	srv := serve(t, validating(validatorFor(t, "/prefix")))
	tests := []struct {
		name, path string
		want       []string
	}{
		{"below the prefix", "/prefix" + h.validPath(), nil},
		{"without the prefix", h.validPath(), []string{"server"}},
		{"a longer first segment", "/prefixes" + h.validPath(), []string{"server"}},
		{"unknown path below the prefix", "/prefix/v2/p/tasks/1/resume", []string{"path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, serverVerdict(t, srv, request(t, http.MethodPost, srv.URL+tt.path, token))); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

// stopped is a gen.ServerInterface that accepts every stop. The embedded
// interface stands for the other operations, so that adding one to the
// spec does not break the tests that use it.
type stopped struct{ gen.ServerInterface }

func (stopped) StopTask(w http.ResponseWriter, r *http.Request, _ gen.ProjectId, _ gen.TaskId) {
	w.Header().Set("X-Request-Id", "req-1")
	w.WriteHeader(http.StatusOK)
}

func TestGeneratedHandlerAnswersBadParametersInJSONWithParamErrorHandler(t *testing.T) {
	h := setup(t)
	tests := []struct {
		name     string
		opts     gen.StdHTTPServerOptions
		edit     gen.RequestEditorFn
		wantType string
		wantCode string
	}{
		{"generated default", gen.StdHTTPServerOptions{}, token, "text/plain; charset=utf-8", ""},
		{"ParamErrorHandler", gen.StdHTTPServerOptions{ErrorHandlerFunc: h.v.ParamErrorHandler}, token, "application/json", h.spec.taskIDCode},
		{"ParamErrorHandler, no credentials", gen.StdHTTPServerOptions{ErrorHandlerFunc: h.v.ParamErrorHandler}, nil, "application/json", h.spec.taskIDCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, gen.HandlerWithOptions(stopped{}, tt.opts))
			// Through a record-mode Transport: the answer must also be one
			// the contract documents.
			rec := &contract.Recorder{}
			client := &http.Client{Transport: contract.NewTransport(validatorFor(t, srv.URL), nil, contract.WithRecorder(rec))}
			resp, body := do(t, client, request(t, http.MethodPost, srv.URL+h.path(mock.DefaultProjectID, "not-a-number"), tt.edit))
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type %q, want %q", got, tt.wantType)
			}
			if got := gen.DecodeError(resp.StatusCode, resp.Header, body).Code; got != tt.wantCode {
				t.Errorf("error_code %q, want %q", got, tt.wantCode)
			}
			var answerViolations []string
			for _, r := range rec.Records() {
				for _, v := range r.Violations {
					if v.Direction == contract.DirectionResponse {
						answerViolations = append(answerViolations, string(v.Kind))
					}
				}
			}
			if wantOK := tt.wantCode != ""; wantOK != (len(answerViolations) == 0) {
				t.Errorf("the answer's violations: %v", answerViolations)
			}
		})
	}
}

func TestGeneratedClientAcceptsOffSpecAnswerUnlessTransportIsStrict(t *testing.T) {
	srv := upstream(t, canned{status: http.StatusBadGateway, header: http.Header{"Content-Type": {"text/html"}},
		body: "<html><body><h1>502 Bad Gateway</h1></body></html>"})
	tests := []struct {
		name      string
		client    *http.Client
		wantXErr  bool
		wantKinds []string
	}{
		{"plain client", srv.Client(), false, nil},
		{"strict Transport", &http.Client{Transport: contract.NewTransport(validatorFor(t, srv.URL), nil)}, true, []string{"response"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(tt.client), gen.WithRequestEditorFn(token))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.StopTaskWithResponse(context.Background(), mock.DefaultProjectID, mock.DefaultMigratingTaskID)
			xe, isXErr := errors.AsType[*contract.ExchangeError](err)
			switch {
			case isXErr != tt.wantXErr:
				t.Fatalf("err = %v, want an *ExchangeError: %v", err, tt.wantXErr)
			case !tt.wantXErr && (err != nil || resp.StatusCode() != http.StatusBadGateway):
				t.Fatalf("StopTaskWithResponse: %v, %v; want no error and the 502", resp, err)
			case tt.wantXErr:
				if diff := cmp.Diff(tt.wantKinds, kindNames(xe.Violations)); diff != "" {
					t.Errorf("violations (-want +got):\n%s", diff)
				}
				if xe.Status != http.StatusBadGateway {
					t.Errorf("recorded status %d, want 502", xe.Status)
				}
			}
		})
	}
}

// TestClientThatGivesUpIsNotRecorded guards against blaming the server for
// a call its client cancelled.
func TestClientThatGivesUpIsNotRecorded(t *testing.T) {
	h := setup(t)
	release := make(chan struct{})
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer close(release)
	rec := &contract.Recorder{}
	client := &http.Client{Transport: contract.NewTransport(validatorFor(t, srv.URL), nil, contract.WithRecorder(rec))}
	ctx, cancel := context.WithCancel(context.Background())
	req := request(t, http.MethodPost, srv.URL+h.validPath(), token).WithContext(ctx)
	go cancel()
	if _, err := client.Do(req); err == nil {
		t.Fatal("a cancelled call succeeded")
	}
	for _, r := range rec.Records() {
		if got := kindNames(r.Violations); len(got) > 0 {
			t.Errorf("a cancelled call was recorded as %v", got)
		}
	}
}
