package contract

import (
	"context"
	"net/http"
	"testing"

	"github.com/oms-contract/stoptask/gen"
)

// TestHeadAnswerToARoutedOperationNeedsNoBody covers the other way a HEAD
// answer reaches the validator: a spec that documents a HEAD operation (the
// StopTask spec does not, so one is added here with StopTask's responses).
// Its documented error responses declare an Error body, which the answer
// to HEAD never carries, so the body is neither required nor checked; its
// headers still are.
func TestHeadAnswerToARoutedOperationNeedsNoBody(t *testing.T) {
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	item := doc.Paths.Find("/v2/{project_id}/tasks/{task_id}/stop")
	head := *item.Post
	head.OperationID = "HeadStopTask"
	item.Head = &head
	v, err := newValidator(doc, WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodHead, "http://oms.test/v2/p/tasks/1/stop", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Auth-Token", "tok")
	ex, vs := v.ValidateRequest(context.Background(), r, nil)
	if len(vs) > 0 || ex.Operation() != "HeadStopTask" {
		t.Fatalf("HEAD not routed to HeadStopTask: %q %v", ex.Operation(), vs)
	}
	id := http.Header{"X-Request-Id": {"r"}}
	kinds := func(vs Violations) []Kind {
		var ks []Kind
		for _, v := range vs {
			ks = append(ks, v.Kind)
		}
		return ks
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   []Kind
	}{
		{"400 without a body", 400, http.Header{"X-Request-Id": {"r"}, "Content-Type": {"application/json"}}, "", nil},
		{"400 without Content-Type", 400, id, "", nil},
		{"400 with a body a handler wrote (net/http drops it)", 400, id, "not JSON", nil},
		{"200", 200, id, "", nil},
		{"400 without X-Request-Id", 400, http.Header{"Content-Type": {"application/json"}}, "", []Kind{KindHeader}},
		{"400 with text/html", 400, http.Header{"X-Request-Id": {"r"}, "Content-Type": {"text/html"}}, "", []Kind{KindContentType}},
		{"400 with charset=latin1", 400, http.Header{"X-Request-Id": {"r"}, "Content-Type": {"application/json; charset=latin1"}}, "", []Kind{KindContentType}},
		{"undocumented 201", 201, id, "", []Kind{KindStatus}},
	}
	for _, tc := range tests {
		got := kinds(ex.ValidateResponse(context.Background(), tc.status, tc.header, []byte(tc.body)))
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}

	// The same answers to POST still need their body.
	r.Method = http.MethodPost
	ex, _ = v.ValidateRequest(context.Background(), r, nil)
	if got := kinds(ex.ValidateResponse(context.Background(), 400, http.Header{"X-Request-Id": {"r"}, "Content-Type": {"application/json"}}, nil)); len(got) != 1 || got[0] != KindBody {
		t.Errorf("POST 400 without a body: got %v, want a KindBody violation", got)
	}
}
