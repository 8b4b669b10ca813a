package contract_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oms-contract/stoptask/gen"
)

// TestValidBodiesAreRemembered guards the memo of valid bodies: a body seen
// valid is not checked again, but everything else about the answer still
// is, an invalid body is checked every time, and a body valid for one
// response is checked afresh for another.
func TestValidBodiesAreRemembered(t *testing.T) {
	h := setup(t)
	v := validatorFor(t, "https://oms.cn-north-4.myhuaweicloud.com")
	req := request(t, http.MethodPost, "https://oms.cn-north-4.myhuaweicloud.com"+h.validPath(), gen.WithToken("t"))
	x, vs := v.ValidateRequest(context.Background(), req, nil)
	if len(vs) > 0 {
		t.Fatal(vs)
	}
	valid := []byte(`{"error_code":"OMS.0066","error_msg":"m"}`)
	invalid := []byte(`{"error_code":66,"error_msg":"m"}`)
	ok := http.Header{"Content-Type": {"application/json"}, v.RequestIDHeader(): {"r"}}
	noID := http.Header{"Content-Type": {"application/json"}}
	for i, tc := range []struct {
		name   string
		status int
		header http.Header
		body   []byte
		broken bool
	}{
		{"a valid body", 400, ok, valid, false},
		{"the same body again", 400, ok, valid, false},
		{"the same body without the request ID header", 400, noID, valid, true},
		{"the same body under another Content-Type", 400, http.Header{"Content-Type": {"text/plain"}, v.RequestIDHeader(): {"r"}}, valid, true},
		{"the same body for 200, documented without one", 200, ok, valid, true},
		{"an invalid body", 400, ok, invalid, true},
		{"the invalid body again", 400, ok, invalid, true},
	} {
		got := x.ValidateResponse(context.Background(), tc.status, tc.header, tc.body)
		if (len(got) > 0) != tc.broken {
			t.Errorf("%d %s: violations %v, want broken %v", i, tc.name, got, tc.broken)
		}
		if tc.name == "the invalid body again" && !strings.Contains(got.Error(), "error_code") {
			t.Errorf("%s: %v does not name error_code", tc.name, got)
		}
	}
}

// TestValidRequestBodiesAreRemembered: the same memo for request bodies
// (StartTask's keys): a known body skips its check, nothing else does.
func TestValidRequestBodiesAreRemembered(t *testing.T) {
	v := validatorFor(t, "https://oms.cn-north-4.myhuaweicloud.com")
	start, _ := v.Operation("StartTask")
	url := "https://oms.cn-north-4.myhuaweicloud.com" + strings.NewReplacer("{project_id}", "p", "{task_id}", "1").Replace(start.Path)
	valid := `{"dst_ak":"a","dst_sk":"b"}`
	for i, tc := range []struct {
		name, contentType, body, task string
		broken                        bool
	}{
		{"a valid body", "application/json", valid, "1", false},
		{"the same body again", "application/json", valid, "1", false},
		{"the same body under another Content-Type", "text/plain", valid, "1", true},
		{"the same body with an invalid task ID", "application/json", valid, "abc", true},
		{"dst_sk missing", "application/json", `{"dst_ak":"a"}`, "1", true},
		{"dst_sk missing again", "application/json", `{"dst_ak":"a"}`, "1", true},
	} {
		req := request(t, http.MethodPost, strings.Replace(url, "/1/", "/"+tc.task+"/", 1), gen.WithToken("t"))
		req.Header.Set("Content-Type", tc.contentType)
		_, vs := v.ValidateRequest(context.Background(), req, []byte(tc.body))
		if (len(vs) > 0) != tc.broken {
			t.Errorf("%d %s: violations %v, want broken %v", i, tc.name, vs, tc.broken)
		}
	}
}
