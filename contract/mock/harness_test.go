package mock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

const codeInsufficientPermission = gen.CodeInsufficientPermission

// clock is the mock's injected clock: tests move it, nothing sleeps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a mock served on a loopback port by the http.Server it
// configures itself (Mock.Server), on an injected clock.
type harness struct {
	m     *mock.Mock
	v     *contract.Validator
	url   string
	addr  string // host:port, for raw requests
	clock *clock
}

// setup serves a mock seeded with fx (the defaults when nil). Signing times
// are whole seconds, as X-Sdk-Date is.
func setup(t *testing.T, fx *mock.Fixtures, opts ...mock.Option) *harness {
	t.Helper()
	c := &clock{t: time.Date(2026, time.November, 27, 12, 0, 0, 0, time.UTC)}
	m, err := mock.New(fx, append([]mock.Option{mock.WithClock(c.now)}, opts...)...)
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = m.Server()
	srv.Start()
	t.Cleanup(srv.Close)
	return &harness{m: m, v: m.Validator(), url: srv.URL, addr: srv.Listener.Addr().String(), clock: c}
}

// reply is what a test compares of an answer.
type reply struct {
	Status int
	Code   string // as gen.DecodeError reads it, "" for a 2xx
}

// stop calls StopTask through the generated client with the given request
// editors. Every answer must carry the request ID header.
func (h *harness) stop(t *testing.T, project string, id int64, edits ...gen.RequestEditorFn) reply {
	t.Helper()
	client, err := gen.NewClient(h.url)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.StopTask(context.Background(), project, id, edits...)
	if err != nil {
		t.Fatalf("StopTask: %v", err)
	}
	return readReply(t, h.v, resp)
}

// do sends a request built by hand, for values the generated client cannot
// send.
func (h *harness) do(t *testing.T, method, path string, edits ...gen.RequestEditorFn) reply {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		if err := e(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readReply(t, h.v, resp)
}

func readReply(t *testing.T, v *contract.Validator, resp *http.Response) reply {
	t.Helper()
	defer resp.Body.Close()
	if resp.Header.Get(v.RequestIDHeader()) == "" {
		t.Errorf("%d answer without %s", resp.StatusCode, v.RequestIDHeader())
	}
	if err := gen.CheckResponse(resp); err != nil {
		e, _ := err.(*gen.APIError)
		return reply{resp.StatusCode, e.Code}
	}
	return reply{Status: resp.StatusCode}
}

// stopTask is StopTask as the spec v holds declares it.
func stopTask(t *testing.T, v *contract.Validator) contract.Operation {
	t.Helper()
	for _, op := range v.Operations() {
		if op.OperationID == "StopTask" {
			return op
		}
	}
	t.Fatal("the spec has no StopTask")
	return contract.Operation{}
}

// param is a parameter of StopTask, as the spec declares it.
func param(t *testing.T, v *contract.Validator, name string) *openapi3.Parameter {
	t.Helper()
	for _, p := range stopTask(t, v).Params {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("StopTask has no parameter %s", name)
	return nil
}

// signature is the spec's dated-signature scheme (the one with
// x-oms-max-skew).
func signature(t *testing.T, v *contract.Validator) contract.Credential {
	t.Helper()
	for _, c := range v.Credentials() {
		if c.MaxSkew > 0 {
			return c
		}
	}
	t.Fatal("the spec has no signature scheme with x-oms-max-skew")
	return contract.Credential{}
}

// specCopy writes openapi.yaml with each old text replaced by its new text
// to a temporary file, for the --spec drills. Each old text must occur.
func specCopy(t *testing.T, replacements ...string) string {
	t.Helper()
	b, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(replacements); i += 2 {
		if !strings.Contains(s, replacements[i]) {
			t.Fatalf("openapi.yaml has no %q to replace", replacements[i])
		}
		s = strings.Replace(s, replacements[i], replacements[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withResumeTask is the replacement that adds an operation the generated
// server lacks, ResumeTask: StopTask's path item copied under .../resume.
func withResumeTask(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const key = "\n  /v2/{project_id}/tasks/{task_id}/stop:\n"
	s := string(b)
	start := strings.Index(s, key)
	if start < 0 {
		t.Fatal("openapi.yaml: cannot find StopTask's path item")
	}
	// The item ends where the next path or the components begin.
	end := start + len(key) + regexp.MustCompile(`\n(  /|components:\n)`).FindStringIndex(s[start+len(key):])[0]
	item := strings.Replace(s[start+1:end+1], "/stop:", "/resume:", 1)
	item = strings.Replace(item, "operationId: StopTask", "operationId: ResumeTask", 1)
	return []string{"\ncomponents:\n", "\n" + item + "components:\n"}
}
