package mock_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// tasks is every task of the default fixtures as the mock holds it now.
func tasks(h *harness) map[int64]mock.Task {
	out := map[int64]mock.Task{}
	for _, ft := range mock.DefaultFixtures().Tasks {
		out[ft.ID], _ = h.m.Task(ft.ProjectID, ft.ID)
	}
	return out
}

// TestBadInputChangesNothing sends malformed requests over a real
// connection, each aimed at a migrating task with valid credentials where
// it has any: none may change a task or get a 5xx, and each is answered in
// the contract's Error shape with the request ID header.
func TestBadInputChangesNothing(t *testing.T) {
	h := setup(t, nil)
	projectMax := int(*param(t, h.v, "project_id").Schema.Value.MaxLength)
	task := strconv.FormatInt(mock.DefaultMigratingTaskID, 10)
	target := "/v2/" + mock.DefaultProjectID + "/tasks/" + task + "/stop"
	token := "X-Auth-Token: " + mock.DefaultToken + "\r\n"
	// A valid signature of the request as the mock will see it, to send
	// with something wrong beside it.
	sig, err := http.NewRequest(http.MethodPost, "http://"+h.addr+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.WithAKSK(signer.Credentials{AK: mock.DefaultAK, SK: mock.DefaultSK}, signer.WithClock(h.clock.now))(t.Context(), sig); err != nil {
		t.Fatal(err)
	}
	signed := "Authorization: " + sig.Header.Get("Authorization") + "\r\nX-Sdk-Date: " + sig.Header.Get(signer.HeaderDate) + "\r\n"
	req := func(method, uri, headers, body string) string {
		return method + " " + uri + " HTTP/1.1\r\nHost: " + h.addr + "\r\n" + headers + "\r\n" + body
	}
	tests := []struct {
		name string
		raw  string
		// netHTTP: net/http refuses the request line itself, before any
		// handler runs, so the mock cannot give the answer its shape.
		netHTTP bool
	}{
		{name: "bad escape in project_id", raw: req("POST", "/v2/%zz/tasks/"+task+"/stop", token, ""), netHTTP: true},
		{name: "truncated escape in task_id", raw: req("POST", "/v2/"+mock.DefaultProjectID+"/tasks/"+task+"%2/stop", token, ""), netHTTP: true},
		{name: "escaped slash in project_id", raw: req("POST", "/v2/a%2Fb/tasks/"+task+"/stop", token, "")},
		{name: "dot segment as project_id", raw: req("POST", "/v2/./tasks/"+task+"/stop", token, "")},
		{name: "dot-dot segment as project_id", raw: req("POST", "/v2/../tasks/"+task+"/stop", token, "")},
		{name: "dot-dot segment climbing into the path", raw: req("POST", "/v2/"+mock.DefaultProjectID+"/tasks/x/../"+task+"/stop", token, "")},
		{name: "escaped dots as task_id", raw: req("POST", "/v2/"+mock.DefaultProjectID+"/tasks/%2E%2E/stop", token, "")},
		{name: "NUL in project_id", raw: req("POST", "/v2/%00/tasks/"+task+"/stop", token, "")},
		{name: "invalid UTF-8 in project_id", raw: req("POST", "/v2/%FF%FE/tasks/"+task+"/stop", token, "")},
		{name: "trailing slash", raw: req("POST", target+"/", token, "")},
		{name: "double slash", raw: req("POST", strings.Replace(target, "/tasks/", "//tasks/", 1), token, "")},
		{name: "huge project_id", raw: req("POST", "/v2/"+strings.Repeat("a", 64*projectMax)+"/tasks/"+task+"/stop", token, "")},
		{name: "huge task_id", raw: req("POST", "/v2/"+mock.DefaultProjectID+"/tasks/"+strings.Repeat("9", 4096)+"/stop", token, "")},
		{name: "task_id in hexadecimal", raw: req("POST", "/v2/"+mock.DefaultProjectID+"/tasks/0x1/stop", token, "")},
		{name: "query string naming the task, path task_id invalid", raw: req("POST", "/v2/"+mock.DefaultProjectID+"/tasks/abc/stop?task_id="+task, token, "")},
		{name: "fragment in the request target", raw: req("POST", target+"#x", token, "")},
		{name: "body on POST", raw: req("POST", target, token+"Content-Type: application/json\r\nContent-Length: 2\r\n", "{}")},
		{name: "chunked body on POST", raw: req("POST", target, token+"Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n")},
		{name: "body past the validator's limit", raw: req("POST", target, token+"Content-Length: "+strconv.FormatInt(h.v.MaxBodyBytes()+1, 10)+"\r\n",
			strings.Repeat("x", int(h.v.MaxBodyBytes())+1))},
		{name: "token sent twice", raw: req("POST", target, token+token, "")},
		{name: "empty token", raw: req("POST", target, "X-Auth-Token: \r\n", "")},
		{name: "valid signature, X-Sdk-Date sent twice", raw: req("POST", target, signed+"X-Sdk-Date: "+sig.Header.Get(signer.HeaderDate)+"\r\n", "")},
		{name: "valid signature for another path", raw: req("POST", strings.Replace(target, task, task[:len(task)-1]+"3", 1), signed, "")},
		{name: "lower-case method", raw: req("post", target, token, "")},
		{name: "unknown method", raw: req("STOP", target, token, "")},
		{name: "GET", raw: req("GET", target, token, "")},
	}
	before := tasks(h)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", h.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hang fails; nothing is timed
			if _, err := io.WriteString(conn, tt.raw); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode < 400 || resp.StatusCode > 499 {
				t.Errorf("status %d, want a 4xx; body %q", resp.StatusCode, body)
			}
			if tt.netHTTP {
				return
			}
			var e map[string]any
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			code, _ := e["error_code"].(string)
			if _, ok := e["error_msg"].(string); !ok || code == "" || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("not the Error shape: Content-Type %q, body %s", resp.Header.Get("Content-Type"), body)
			}
			if resp.Header.Get(h.v.RequestIDHeader()) == "" {
				t.Errorf("no %s header", h.v.RequestIDHeader())
			}
		})
	}
	if diff := cmp.Diff(before, tasks(h)); diff != "" {
		t.Errorf("tasks changed (-before +after):\n%s", diff)
	}
	if got := h.m.Stops(); got != 0 {
		t.Errorf("Stops() = %d, want 0", got)
	}
}
