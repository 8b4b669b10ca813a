package gen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/spec"
)

// loadSpec returns the embedded contract: tests take every bound from it
// rather than restating it.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := spec.GetSpec()
	if err != nil {
		t.Fatalf("spec.GetSpec: %v", err)
	}
	return doc
}

// recorder is a StrictServerInterface that records the parameters StopTask
// receives and answers 200. The embedded interface stands for the other
// operations, so that adding one to the spec does not break this test.
type recorder struct {
	gen.StrictServerInterface
	mu    sync.Mutex
	calls []gen.StopTaskRequestObject
}

func (r *recorder) StopTask(_ context.Context, req gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, req)
	return gen.StopTask200Response{Headers: gen.StopTask200ResponseHeaders{XRequestId: "ok"}}, nil
}

func (r *recorder) take() []gen.StopTaskRequestObject {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// TestPathParams sends path parameters through the generated client to the
// generated server: values the contract allows arrive unchanged, including
// its bounds, and the documented pitfall — the client resolves "." and ".."
// in a project ID as path segments — is pinned.
func TestPathParams(t *testing.T) {
	doc := loadSpec(t)
	maxProject := int(*doc.Components.Parameters["ProjectId"].Value.Schema.Value.MaxLength)
	maxTask := int64(*doc.Components.Parameters["TaskId"].Value.Schema.Value.Max)

	rec := &recorder{}
	srv := httptest.NewServer(gen.Handler(gen.NewStrictHandler(rec, nil)))
	defer srv.Close()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		project     string
		task        int64
		wantReached bool
	}{
		{name: "example values", project: "2c0689c860ad4728a497c91ec0844383", task: 191297407830872, wantReached: true},
		{name: "task_id 0", project: "p", task: 0, wantReached: true},
		{name: "task_id at the spec maximum", project: "p", task: maxTask, wantReached: true},
		{name: "project_id at the spec maxLength", project: strings.Repeat("a", maxProject), task: 1, wantReached: true},
		{name: "project_id with a slash, space, percent and ü", project: "a/b c%2Fü", task: 1, wantReached: true},
		{name: "pitfall: project_id . is resolved away", project: ".", task: 1},
		{name: "pitfall: project_id .. is resolved away", project: "..", task: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client.StopTaskWithResponse(context.Background(), tc.project, tc.task)
			if err != nil {
				t.Fatal(err)
			}
			var want []gen.StopTaskRequestObject
			if tc.wantReached {
				want = []gen.StopTaskRequestObject{{ProjectId: tc.project, TaskId: tc.task}}
			}
			if diff := cmp.Diff(want, rec.take()); diff != "" {
				t.Errorf("handler calls (-want +got), answer %d:\n%s", resp.StatusCode(), diff)
			}
		})
	}
}
