package suite_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen/signer"
)

// server is what a test runs the suite against.
type server struct {
	// spec is the spec file of both the mock and the suite's validator,
	// "" for the embedded openapi.yaml.
	spec string
	// fx seeds the mock (the defaults when nil); the suite is configured
	// with its first token and its first AK/SK.
	fx *mock.Fixtures
	// wrap breaks the mock; nil serves it as it is.
	wrap func(mock http.Handler) http.Handler
}

// setup serves a fresh mock on a loopback port and returns the suite's
// configuration for it, as `omscontract check` builds it.
func setup(t *testing.T, s server) suite.Config {
	t.Helper()
	if s.fx == nil {
		s.fx = mock.DefaultFixtures()
		s.fx.StopDelay = "20ms" // the workflows wait for it
	}
	m, err := mock.New(s.fx, mock.WithContract(contract.WithSpecFile(s.spec)))
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	h := m.Handler()
	if s.wrap != nil {
		h = s.wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := config(t, s, srv.URL)
	positive, w := m.Plan()
	cfg.Positive, cfg.Workflow = positive, &w
	return cfg
}

func config(t *testing.T, s server, endpoint string) suite.Config {
	t.Helper()
	v, err := contract.New(contract.WithSpecFile(s.spec), contract.WithServer(endpoint))
	if err != nil {
		t.Fatalf("contract.New: %v", err)
	}
	fx := s.fx
	if fx == nil {
		fx = mock.DefaultFixtures()
	}
	return suite.Config{Endpoint: endpoint, Validator: v, Token: fx.Tokens[0].Token,
		AKSK:   signer.Credentials{AK: fx.AKSK[0].AK, SK: fx.AKSK[0].SK, ProjectID: mock.DefaultProjectID},
		Params: map[string]string{"project_id": mock.DefaultProjectID}}
}

// run runs the suite against s.
func run(t *testing.T, s server) *suite.Report {
	t.Helper()
	r, err := suite.Run(t.Context(), setup(t, s))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

// checks lists the checks a case failed, sorted.
func checks(c suite.CaseResult) []string {
	var out []string
	for _, f := range c.Failures {
		out = append(out, f.Check)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// failures maps every case that did not pass to the checks it failed.
func failures(r *suite.Report) map[string][]string {
	out := map[string][]string{}
	for _, c := range r.Cases {
		if c.Verdict != suite.VerdictPass {
			out[c.Name] = checks(c)
		}
	}
	return out
}

// byRule returns the cases a rule produced for an operation.
func byRule(r *suite.Report, op, rule string) []suite.CaseResult {
	var out []suite.CaseResult
	for _, c := range r.Cases {
		if c.Operation == op && c.Rule == rule {
			out = append(out, c)
		}
	}
	return out
}

// segment is the unescaped value a case sent for a path parameter of the
// template.
func segment(t *testing.T, c suite.CaseResult, template, name string) string {
	t.Helper()
	tmpl, got := strings.Split(template, "/"), strings.Split(c.Path, "/")
	if len(tmpl) != len(got) {
		t.Fatalf("case %q: path %q does not follow %s", c.Name, c.Path, template)
	}
	i := slices.Index(tmpl, "{"+name+"}")
	if i < 0 {
		t.Fatalf("%s has no parameter %s", template, name)
	}
	v, err := url.PathUnescape(got[i])
	if err != nil {
		t.Fatalf("case %q: %v", c.Name, err)
	}
	return v
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

// schema is the schema of StopTask's parameter name.
func schema(t *testing.T, v *contract.Validator, name string) *openapi3.Schema {
	t.Helper()
	for _, p := range stopTask(t, v).Params {
		if p.Name == name {
			return p.Schema.Value
		}
	}
	t.Fatalf("StopTask has no parameter %s", name)
	return nil
}

// answer is a server's answer, as a wrapper rewrites it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// rewrite breaks a server: fn edits each of its answers.
func rewrite(fn func(r *http.Request, a *answer)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			a := &answer{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
			fn(r, a)
			maps.Copy(w.Header(), a.header)
			w.WriteHeader(a.status)
			_, _ = w.Write(a.body)
		})
	}
}

// answering is a server that answers every request the same way, with a
// request ID.
func answering(status int, contentType, body string) func(http.Handler) http.Handler {
	return func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "0123456789abcdef")
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		})
	}
}

func errorBody(code, msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error_code": code, "error_msg": msg})
	return b
}

// specCopy writes openapi.yaml with each old text replaced by its new text
// to a temporary file, for the spec-change drills. Each old text must
// occur.
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

// runes is the length of s in characters, as the spec's lengths count.
func runes(s string) int { return utf8.RuneCountInString(s) }

// hasParam reports whether op has the parameter name.
func hasParam(op contract.Operation, name string) bool {
	return slices.ContainsFunc(op.Params, func(p *openapi3.Parameter) bool { return p.Name == name })
}
