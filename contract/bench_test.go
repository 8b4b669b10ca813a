package contract_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// BenchmarkValidateExchange measures one exchange's validation, request
// and response, for a 200 and for a 400.
func BenchmarkValidateExchange(b *testing.B) {
	h := setup(b)
	ctx := context.Background()
	req := request(b, http.MethodPost, "http://oms.test"+h.validPath(), token)
	answers := []struct {
		name   string
		answer canned
	}{
		{"200", canned{status: http.StatusOK, header: http.Header{h.spec.requestID: {"req-1"}}}},
		{"400", errorAnswer(http.StatusBadRequest, h.spec.taskIDCode)},
	}
	for _, a := range answers {
		body := []byte(a.answer.body)
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x, vs := h.v.ValidateRequest(ctx, req, nil)
				if len(vs) > 0 {
					b.Fatal(vs)
				}
				if vs := x.ValidateResponse(ctx, a.answer.status, a.answer.header, body); len(vs) > 0 {
					b.Fatal(vs)
				}
			}
		})
	}
}

// BenchmarkMiddleware compares the mock's generated handler with and
// without the contract middleware in front, in parallel: the ratio of the
// two is the middleware's cost.
func BenchmarkMiddleware(b *testing.B) {
	h := setup(b)
	// The mock's own handler already has the middleware; this is the
	// generated handler around the mock, bare. It answers 403 (no
	// credentials were looked up), a documented answer, either way.
	bare := gen.HandlerWithOptions(gen.NewStrictHandler(h.mock, nil), gen.StdHTTPServerOptions{ErrorHandlerFunc: h.v.ParamErrorHandler})
	path := h.path(mock.DefaultProjectID, strconv.FormatInt(mock.DefaultUnknownTaskID, 10))
	handlers := []struct {
		name    string
		handler http.Handler
	}{
		{"bare", bare},
		{"middleware", contract.Middleware(h.v, contract.WithStrictResponses())(bare)},
	}
	for _, hh := range handlers {
		b.Run(hh.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, path, nil)
					req.Header.Set(h.spec.tokenHeader, mock.DefaultToken)
					w := httptest.NewRecorder()
					hh.handler.ServeHTTP(w, req)
					if w.Code != http.StatusForbidden {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
		})
	}
}
