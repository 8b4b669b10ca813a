package contract_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// TestShowTaskBodies validates task bodies as ShowTask's 200: the two the
// OMS reference's workflow examples show (示例2 and 示例3, copied as they are,
// nulls included, into testdata) are valid; members and enum values the
// schema does not name are tolerated, as the official SDK tolerates them; a
// value of the wrong type is a violation.
func TestShowTaskBodies(t *testing.T) {
	v := validatorFor(t, "https://oms.cn-north-4.myhuaweicloud.com")
	op, ok := v.Operation("ShowTask")
	if !ok {
		t.Fatal("the spec has no ShowTask")
	}
	read := func(name string) string {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	start, pause := read("showtask-example2-start.json"), read("showtask-example3-pause-and-delete.json")
	tests := []struct {
		name    string
		body    string
		pointer string // of the one violation, "" for none
	}{
		{"示例2 as published", start, ""},
		{"示例3 as published", pause, ""},
		{"a member the schema does not name", strings.Replace(pause, `"bandwidth_policy"`, `"a_new_member" : {"x": 1}, "bandwidth_policy"`, 1), ""},
		{"an enum value the SDK does not know", strings.Replace(pause, `"task_type" : "object"`, `"task_type" : "a_new_type"`, 1), ""},
		{"a status the docs do not list", strings.Replace(pause, `"status" : 3`, `"status" : 8`, 1), ""},
		{"status as a string", strings.Replace(pause, `"status" : 3`, `"status" : "3"`, 1), "/status"},
		{"status past int32", strings.Replace(pause, `"status" : 3`, `"status" : 2147483648`, 1), "/status"},
		{"id as a string", strings.Replace(pause, `"id" : 200477729979132`, `"id" : "200477729979132"`, 1), "/id"},
		{"progress as a string", strings.Replace(pause, `"progress" : 1.0`, `"progress" : "1.0"`, 1), "/progress"},
		// The docs' text says "" for a task that has not failed; their
		// examples and the SDK (which cannot decode "") say null.
		{"error_reason an empty string", strings.Replace(pause, `"error_reason" : null`, `"error_reason" : ""`, 1), "/error_reason"},
		{"failed_num an empty string", strings.Replace(pause, `"failed_num" : 0`, `"failed_num" : ""`, 1), "/failed_num"},
	}
	path := strings.NewReplacer("{project_id}", mock.DefaultProjectID, "{task_id}", "200477729979132").Replace(op.Path)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.body, `"bandwidth_policy"`) || tt.body == pause && tt.name != "示例3 as published" {
				t.Fatal("the mutation did not apply")
			}
			req := request(t, http.MethodGet, "https://oms.cn-north-4.myhuaweicloud.com"+path, gen.WithToken("t"))
			x, vs := v.ValidateRequest(context.Background(), req, nil)
			if len(vs) > 0 || x.Operation() != "ShowTask" {
				t.Fatalf("request: %v %v", x.Operation(), vs)
			}
			h := http.Header{"Content-Type": {"application/json"}, v.RequestIDHeader(): {"r"}}
			got := x.ValidateResponse(context.Background(), http.StatusOK, h, []byte(tt.body))
			var pointers []string
			for _, vi := range got {
				if vi.Kind != contract.KindResponse {
					t.Errorf("violation of kind %s: %v", vi.Kind, vi)
				}
				pointers = append(pointers, vi.Pointer)
			}
			if want := []string{tt.pointer}; tt.pointer == "" && len(got) > 0 || tt.pointer != "" && strings.Join(pointers, ",") != strings.Join(want, ",") {
				t.Errorf("violations %v, want one at %q", got, tt.pointer)
			}
		})
	}
}
