package contract

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// scaledSpec is the embedded spec with n more copies of StopTask's path
// item, each under its own last segment.
func scaledSpec(tb testing.TB, n int) *openapi3.T {
	tb.Helper()
	doc, err := LoadSpec(tb.Context(), "")
	if err != nil {
		tb.Fatal(err)
	}
	doc.Servers = nil
	stop := doc.Paths.Find("/v2/{project_id}/tasks/{task_id}/stop")
	for i := range n {
		op := *stop.Post
		op.OperationID = fmt.Sprintf("StopTask%d", i)
		doc.Paths.Set(fmt.Sprintf("/v2/{project_id}/tasks/{task_id}/stop%d", i), &openapi3.PathItem{Parameters: stop.Parameters, Post: &op})
	}
	return doc
}

// TestRouteIndexAgreesWithGorillamux: the index answers every request as
// gorillamux alone does: the same route and parameters, or the same error.
func TestRouteIndexAgreesWithGorillamux(t *testing.T) {
	doc := scaledSpec(t, 20)
	doc.Paths.Set("/v2/{project_id}/tasks/list", &openapi3.PathItem{Get: &openapi3.Operation{OperationID: "Literal",
		Responses: openapi3.NewResponses(openapi3.WithStatus(200, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("ok")}))}})
	ix, err := newRouteIndex(doc)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/v2/p/tasks/1"}, {http.MethodDelete, "/v2/p/tasks/1"}, {http.MethodPut, "/v2/p/tasks/1"},
		{http.MethodPost, "/v2/p/tasks/1/stop"}, {http.MethodPost, "/v2/p/tasks/1/stop7"}, {http.MethodGet, "/v2/p/tasks/1/stop7"},
		{http.MethodPost, "/v2/p/tasks/1/start"}, {http.MethodPost, "/v2/p/tasks/1/resume"}, {http.MethodGet, "/v2/p/tasks/list"},
		{http.MethodDelete, "/v2/p/tasks/list"}, {http.MethodGet, "/v2/p/tasks//stop"}, {http.MethodPost, "/v2/p/tasks/1/stop/"},
		{http.MethodGet, "/v2/a%2Fb/tasks/1"}, {http.MethodGet, "/"}, {http.MethodGet, "/v3/p/tasks/1"},
		{http.MethodGet, "/v2/%C3%A9/tasks/%20"}, {"get", "/v2/p/tasks/1"}, {http.MethodGet, "/v2//tasks/1"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://h"+tc.path, nil)
			want, wantParams, wantErr := plain.FindRoute(req)
			got, gotParams, gotErr := ix.FindRoute(req)
			switch {
			case wantErr != nil || gotErr != nil:
				if !errors.Is(gotErr, routers.ErrPathNotFound) && !errors.Is(gotErr, routers.ErrMethodNotAllowed) ||
					errors.Is(gotErr, routers.ErrPathNotFound) != errors.Is(wantErr, routers.ErrPathNotFound) {
					t.Errorf("error %v, gorillamux's %v", gotErr, wantErr)
				}
			case got.Operation != want.Operation || got.Path != want.Path || got.Method != want.Method ||
				got.PathItem != want.PathItem || fmt.Sprint(gotParams) != fmt.Sprint(wantParams):
				t.Errorf("route %s %v, gorillamux's %s %v", got.Operation.OperationID, gotParams, want.Operation.OperationID, wantParams)
			}
		})
	}
}

// BenchmarkFindRoute: the cost of routing a request does not grow with the
// number of paths (gorillamux alone: one regular expression per path).
func BenchmarkFindRoute(b *testing.B) {
	for _, n := range []int{30, 300} {
		doc := scaledSpec(b, n)
		ix, err := newRouteIndex(doc)
		if err != nil {
			b.Fatal(err)
		}
		plain, _ := gorillamux.NewRouter(doc)
		req, _ := http.NewRequest(http.MethodPost, "http://h/v2/p/tasks/1/stop"+fmt.Sprint(n-1), nil)
		for name, r := range map[string]routers.Router{"index": ix, "gorillamux": plain} {
			b.Run(fmt.Sprintf("%s/paths=%d", name, n), func(b *testing.B) {
				for b.Loop() {
					if _, _, err := r.FindRoute(req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// countingRouter counts the requests it routes.
type countingRouter struct {
	routers.Router
	n int
}

func (c *countingRouter) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	c.n++
	return c.Router.FindRoute(req)
}

// TestRouteIndexLeavesTheWholeRouterAlone: with 300 paths, a request for a
// path of the spec, right method or wrong, never goes through every path's
// regular expression; only a request for no path does (whose cost was 44
// times the run's for 10 times the operations before the index).
func TestRouteIndexLeavesTheWholeRouterAlone(t *testing.T) {
	ix, err := newRouteIndex(scaledSpec(t, 300))
	if err != nil {
		t.Fatal(err)
	}
	all := &countingRouter{Router: ix.all}
	ix.all = all
	for _, tc := range []struct {
		method, path string
		whole        int
	}{
		{http.MethodPost, "/v2/p/tasks/1/stop299", 0},
		{http.MethodGet, "/v2/p/tasks/1/stop17", 0},
		{http.MethodGet, "/v2/p/tasks/1", 0},
		{http.MethodPost, "/v2/p/tasks/1/nothing", 1},
	} {
		all.n = 0
		req, _ := http.NewRequest(tc.method, "http://h"+tc.path, nil)
		_, _, _ = ix.FindRoute(req)
		if all.n != tc.whole {
			t.Errorf("%s %s went %d times through the whole router, want %d", tc.method, tc.path, all.n, tc.whole)
		}
	}
}
