package contract_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// Run the benchmarks with 'make bench' and compare with benchstat; see the
// README's Performance section for the figures and the goals.

// benchExchanges are the two StopTask exchanges the benchmarks validate:
// the accepted stop (empty 200) and the commonest refusal (400 with an
// Error body).
var benchExchanges = []struct {
	status int
	header http.Header
	body   []byte
}{
	{200, http.Header{"X-Request-Id": {requestID}}, nil},
	{400, http.Header{"X-Request-Id": {requestID}, "Content-Type": {"application/json"}},
		[]byte(`{"error_code":"OMS.0066","error_msg":"Failed to pause the task because it is not in the migrating state."}`)},
}

// BenchmarkValidateExchange measures routing plus request and response
// validation of one StopTask exchange, bodies already read, as the
// transport and the middleware run it (impl=project), against the way most
// kin-openapi examples do it (impl=naive): new options and inputs per call,
// the route found per call by kin-openapi's router, and the response body
// read by the caller and then again by kin-openapi.
//
// The naive baseline is, if anything, flattered: it checks less than the
// project's validator (no undeclared-status, empty-body or
// header-multiplicity rules, and an authentication function that only
// looks for the header).
func BenchmarkValidateExchange(b *testing.B) {
	v, err := contract.New()
	if err != nil {
		b.Fatal(err)
	}
	naive := newNaiveValidator(b)
	r, err := http.NewRequest(http.MethodPost, "https://oms.cn-north-4.myhuaweicloud.com"+stopPath, nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("X-Auth-Token", token)
	r.Header.Set("Content-Type", "application/json")
	ctx := context.Background()

	// impl=kinopenapi is the project's validator with its fast paths off
	// (every verdict from kin-openapi): what the fast paths save is shown,
	// not hidden.
	kin, err := contract.NewWithoutFastPaths()
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range []struct {
		name string
		v    *contract.Validator
	}{{"project", v}, {"kinopenapi", kin}} {
		for _, ex := range benchExchanges {
			name := "impl=" + impl.name + "/status=" + strconv.Itoa(ex.status)
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if vs := impl.v.ValidateExchange(ctx, r, nil, ex.status, ex.header, ex.body); len(vs) != 0 {
						b.Fatal(vs)
					}
				}
			})
		}
	}
	for _, ex := range benchExchanges {
		name := "impl=naive/status=" + strconv.Itoa(ex.status)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// The caller gets the body as a stream, like resp.Body.
				body := io.NopCloser(bytes.NewReader(ex.body))
				if err := naive.validate(ctx, r, ex.status, ex.header, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// naiveValidator is the baseline of BenchmarkValidateExchange.
type naiveValidator struct {
	router routers.Router
}

func newNaiveValidator(b *testing.B) *naiveValidator {
	b.Helper()
	doc, err := gen.GetSpec()
	if err != nil {
		b.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		b.Fatal(err)
	}
	return &naiveValidator{router: router}
}

func (n *naiveValidator) validate(ctx context.Context, req *http.Request, status int, header http.Header, body io.ReadCloser) error {
	route, params, err := n.router.FindRoute(req)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError: true,
			AuthenticationFunc: func(_ context.Context, ai *openapi3filter.AuthenticationInput) error {
				if ai.RequestValidationInput.Request.Header.Get(ai.SecurityScheme.Name) == "" {
					return errors.New(ai.SecurityScheme.Name + " is missing")
				}
				return nil
			},
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return err
	}
	// The caller keeps the body (to return or log it) and hands
	// kin-openapi a fresh reader over it: the body is read twice.
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(data)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(ctx, out)
}

// BenchmarkClientRoundTrip measures the generated client calling the mock
// over loopback, without (transport=none) and with (transport=validating)
// the strict validating transport. The task is stopped already, so every
// call gets the same answer, 400 OMS.0066, and the mock's state never
// changes.
func BenchmarkClientRoundTrip(b *testing.B) {
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	v, err := contract.New(contract.WithServer(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	transports := []struct {
		name string
		rt   http.RoundTripper
	}{
		{"none", srv.Client().Transport},
		{"validating", contract.NewTransport(v, srv.Client().Transport)},
	}
	ctx := context.Background()
	for _, tc := range transports {
		b.Run("transport="+tc.name, func(b *testing.B) {
			c, err := gen.NewClientWithResponses(srv.URL,
				gen.WithHTTPClient(&http.Client{Transport: tc.rt}),
				gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.StopTaskWithResponse(ctx, mock.DefaultProjectID, mock.DefaultStoppedTaskID)
				if err != nil {
					b.Fatal(err)
				}
				if resp.JSON400 == nil || resp.JSON400.ErrorCode != gen.CodeNotMigrating {
					b.Fatalf("StopTask: %d %s", resp.StatusCode(), resp.Body)
				}
			}
		})
	}
}
