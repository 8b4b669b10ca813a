package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
)

// Credentials the tests hand to the commands; none may ever be printed or
// written to a report.
const (
	secretToken   = "tok-SECRET-7f3a9c1e5b2d4a6f8e0c1b3d5f7a9c2e"
	secretSK      = "sk-SECRET-0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	unknownToken  = "tok-UNKNOWN-5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a"
	unknownSK     = "sk-UNKNOWN-a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
	testAK        = "OMSCLITESTAK00000001"
	specPath      = "../../../openapi.yaml" // the repository's openapi.yaml, from this package's directory
	maxTableWidth = 100                     // what the default table must fit: a terminal or a CI log
)

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "stderr:\n" + r.stderr
}

// runCLI runs the command in-process with env as its whole environment.
func runCLI(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// syncBuffer is written by a command running in a goroutine and read by
// the test; changed is signalled after every write.
type syncBuffer struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRE = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// serveCLI runs a serving command (mock or proxy, on 127.0.0.1:0) in a
// goroutine and returns the URL it says it serves on: the first loopback
// URL it prints, on stdout (mock) or stderr (proxy). stop cancels the
// command's context and returns what it did; it runs at the end of the
// test if the test does not call it.
func serveCLI(t testing.TB, args ...string) (url string, stop func() result) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newSyncBuffer(), newSyncBuffer()
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, func(string) string { return "" }, stdout, stderr) }()
	var res *result
	finish := func(code int) result {
		res = &result{code, stdout.String(), stderr.String()}
		return *res
	}
	stop = func() result {
		if res == nil {
			cancel()
			return finish(<-done)
		}
		return *res
	}
	t.Cleanup(func() { stop() })
	for {
		if u := servingRE.FindString(stdout.String() + stderr.String()); u != "" {
			return u, stop
		}
		select {
		case <-stdout.changed:
		case <-stderr.changed:
		case code := <-done:
			t.Fatalf("omscontract %s returned before serving:\n%v", strings.Join(args, " "), finish(code))
		}
	}
}

// serveMock serves a mock seeded with fx (the built-in fixtures when nil)
// on a loopback port.
func serveMock(t testing.TB, fx *mock.Fixtures) string {
	t.Helper()
	m, err := mock.New(fx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// secretFixtures are the built-in tasks with the tests' own credentials.
func secretFixtures() *mock.Fixtures {
	fx := mock.DefaultFixtures()
	fx.Tokens = []mock.FixtureToken{{Token: secretToken, Projects: []string{mock.DefaultProjectID}}}
	fx.AKSK = []mock.FixtureAKSK{{AK: testAK, SK: secretSK, Projects: []string{mock.DefaultProjectID}}}
	return fx
}

// assertNoSecrets fails if any text holds a credential the tests use.
func assertNoSecrets(t *testing.T, texts map[string]string) {
	t.Helper()
	for where, text := range texts {
		for _, secret := range []string{secretToken, secretSK, unknownToken, unknownSK} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds the secret %.12s…", where, secret)
			}
		}
	}
}

// readFiles reads every named file, failing the test when one is missing.
func readFiles(t *testing.T, paths ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("not written: %v", err)
		}
		out[filepath.Base(p)] = string(b)
	}
	return out
}

// lines splits output into its lines, without the final newline.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// writeSpecs writes an unchanged copy of openapi.yaml and one that adds an
// operation, ExtraTask, and says so in its title: ShowTask under .../extra,
// its 200 without the examples the mock would answer it from.
func writeSpecs(t testing.TB) (unchanged, added string) {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	unchanged = filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(unchanged, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, err := contract.New(contract.WithSpec(doc))
	if err != nil {
		t.Fatal(err)
	}
	show, ok := v.Operation("ShowTask")
	if !ok {
		t.Fatal("the spec has no ShowTask")
	}
	op := *show.Operation
	op.OperationID = "ExtraTask"
	op.Responses = openapi3.NewResponses()
	for status, ref := range show.Responses.Map() {
		op.Responses.Set(status, ref)
	}
	ok200 := *show.Responses.Status(http.StatusOK).Value
	ok200.Content = openapi3.NewContentWithJSONSchemaRef(ok200.Content.Get("application/json").Schema)
	op.Responses.Set("200", &openapi3.ResponseRef{Value: &ok200})
	doc.Paths.Set(show.Path+"/extra", &openapi3.PathItem{Parameters: doc.Paths.Find(show.Path).Parameters, Get: &op})
	doc.Info.Title += " with ExtraTask"
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	added = filepath.Join(dir, "added.json")
	if err := os.WriteFile(added, js, 0o644); err != nil {
		t.Fatal(err)
	}
	return unchanged, added
}

// stopTaskURL is StopTask's URL for a task of the default project.
func stopTaskURL(base string, task int64) string {
	return base + "/v2/" + mock.DefaultProjectID + "/tasks/" + strconv.FormatInt(task, 10) + "/stop"
}

// post sends StopTask with a token and returns the status and error code.
func post(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 400 {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, gen.CheckResponse(resp).(*gen.APIError).Code
}

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestHelp(t *testing.T) {
	checkFlags := []string{"endpoint", "project", "token", "ak", "sk", "security-token", "spec", "json", "junit",
		"coverage", "min-coverage", "wide", "no-boundary-probes", "stop-task", "task", "operation", "timeout"}
	mockFlags := []string{"listen", "fixtures", "spec"}
	proxyFlags := []string{"listen", "upstream", "log", "spec", "coverage", "max-idle", "timeout"}
	tests := []struct {
		name  string
		args  []string
		usage string
		flags []string
	}{
		{"help", []string{"help"}, topUsage, nil},
		{"--help", []string{"--help"}, topUsage, nil},
		{"-h", []string{"-h"}, topUsage, nil},
		{"help check", []string{"help", "check"}, checkUsage, checkFlags},
		{"check --help", []string{"check", "--help"}, checkUsage, checkFlags},
		{"check -h", []string{"check", "-h"}, checkUsage, checkFlags},
		{"help mock", []string{"help", "mock"}, mockUsage, mockFlags},
		{"mock --help", []string{"mock", "--help"}, mockUsage, mockFlags},
		{"help proxy", []string{"help", "proxy"}, proxyUsage, proxyFlags},
		{"proxy --help", []string{"proxy", "--help"}, proxyUsage, proxyFlags},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, tt.args...)
			if r.code != exitOK || r.stderr != "" || !strings.HasPrefix(r.stdout, tt.usage) {
				t.Fatalf("want exit 0, the full help on stdout and nothing on stderr; got %v", r)
			}
			for _, f := range tt.flags {
				if !regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(f) + `\b`).MatchString(r.stdout) {
					t.Errorf("the help does not describe -%s:\n%s", f, r.stdout)
				}
			}
		})
	}
}

func TestUsageErrorsAreOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // what the one line on stderr says
	}{
		{"unknown flag of check", []string{"check", "--bogus"}, []string{"bogus", "'omscontract check --help'"}},
		{"unknown flag of mock", []string{"mock", "--bogus"}, []string{"bogus", "'omscontract mock --help'"}},
		{"unknown flag of proxy", []string{"proxy", "--bogus"}, []string{"bogus", "'omscontract proxy --help'"}},
		{"argument", []string{"check", "extra"}, []string{`unexpected argument "extra"`, "--help"}},
		{"bad flag value", []string{"check", "--timeout", "soon"}, []string{"timeout", "soon", "--help"}},
		{"timeout zero", []string{"check", "--timeout", "0s"}, []string{"--timeout must be positive"}},
		{"min-coverage above 1", []string{"check", "--min-coverage", "2"}, []string{"--min-coverage 2"}},
		{"stop-task", []string{"check", "--stop-task", "abc"}, []string{`--stop-task "abc"`}},
		{"task without an ID", []string{"check", "--endpoint", "http://127.0.0.1:1", "--project", "p", "--token", "t", "--task", "ShowTask"}, []string{`--task "ShowTask"`}},
		{"task on the mock", []string{"check", "--task", "ShowTask=1"}, []string{"--task needs --endpoint"}},
		{"operation the spec lacks", []string{"check", "--operation", "NoSuchTask"}, []string{`"NoSuchTask"`}},
		{"unknown command", []string{"bogus"}, []string{`unknown command "bogus"`, "omscontract help"}},
		{"help on an unknown command", []string{"help", "bogus"}, []string{`unknown command "bogus"`}},
		{"check --spec missing", []string{"check", "--spec", "/nonexistent/openapi.yaml"}, []string{"/nonexistent/openapi.yaml"}},
		{"mock --spec missing", []string{"mock", "--listen", "127.0.0.1:0", "--spec", "/nonexistent/openapi.yaml"}, []string{"/nonexistent/openapi.yaml"}},
		{"mock --fixtures missing", []string{"mock", "--listen", "127.0.0.1:0", "--fixtures", "/nonexistent/fx.json"}, []string{"--fixtures", "/nonexistent/fx.json"}},
		{"mock --listen bad", []string{"mock", "--listen", "no-such-host.invalid:http"}, []string{"--listen"}},
		{"proxy without upstream", []string{"proxy"}, []string{"--upstream is required"}},
		{"proxy --upstream not http", []string{"proxy", "--listen", "127.0.0.1:0", "--upstream", "ftp://example.com"}, []string{"ftp://example.com"}},
		{"proxy --max-idle 0", []string{"proxy", "--upstream", "http://127.0.0.1:1", "--max-idle", "0"}, []string{"--max-idle"}},
		{"proxy --spec missing", []string{"proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1", "--spec", "/nonexistent/openapi.yaml"}, []string{"/nonexistent/openapi.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, tt.args...)
			if r.code != exitNoVerdict || r.stdout != "" || len(lines(r.stderr)) != 1 {
				t.Fatalf("want exit 2, nothing on stdout and one line on stderr; got %v", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q: %s", w, r.stderr)
				}
			}
		})
	}
	t.Run("no command", func(t *testing.T) {
		if r := runCLI(t, nil); r.code != exitNoVerdict || r.stdout != "" || r.stderr != topUsage {
			t.Errorf("want exit 2 and the command list on stderr; got %v", r)
		}
	})
}

// TestCheckNamesWhatWasSet: a usage error names the flag or the variable
// the user actually set, and never prints a credential.
func TestCheckNamesWhatWasSet(t *testing.T) {
	endpoint := "http://127.0.0.1:1" // never reached: each case is refused before
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"OMS_ENDPOINT without project", map[string]string{"OMS_ENDPOINT": endpoint, "OMS_TOKEN": secretToken}, nil,
			"OMS_ENDPOINT is set but neither --project nor OMS_PROJECT_ID is"},
		{"--endpoint without project", nil, []string{"--endpoint", endpoint, "--token", secretToken},
			"--endpoint is set but neither --project nor OMS_PROJECT_ID is"},
		{"--endpoint without credentials", nil, []string{"--endpoint", endpoint, "--project", mock.DefaultProjectID},
			"--endpoint needs credentials"},
		{"OMS_ENDPOINT without credentials", map[string]string{"OMS_ENDPOINT": endpoint, "OMS_PROJECT_ID": mock.DefaultProjectID}, nil,
			"OMS_ENDPOINT needs credentials"},
		{"--ak without --sk", nil, []string{"--endpoint", endpoint, "--project", mock.DefaultProjectID, "--ak", testAK},
			"--ak is set but neither --sk nor OMS_SK is"},
		{"--ak without --sk, with a token", nil, []string{"--endpoint", endpoint, "--project", mock.DefaultProjectID, "--token", secretToken, "--ak", testAK},
			"--ak is set but neither --sk nor OMS_SK is"},
		{"OMS_AK without OMS_SK", map[string]string{"OMS_AK": testAK}, []string{"--endpoint", endpoint, "--project", mock.DefaultProjectID},
			"OMS_AK is set but neither --sk nor OMS_SK is"},
		{"--sk without --ak", nil, []string{"--endpoint", endpoint, "--project", mock.DefaultProjectID, "--sk", secretSK},
			"--sk is set but neither --ak nor OMS_AK is"},
		{"OMS_SK without --ak", map[string]string{"OMS_SK": secretSK}, []string{"--endpoint", endpoint, "--project", mock.DefaultProjectID},
			"OMS_SK is set but neither --ak nor OMS_AK is"},
		{"--token without --endpoint", nil, []string{"--token", secretToken}, "--token needs --endpoint"},
		{"--sk without --endpoint", nil, []string{"--sk", secretSK}, "--sk needs --endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, append([]string{"check"}, tt.args...)...)
			if r.code != exitNoVerdict || r.stdout != "" || len(lines(r.stderr)) != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("want exit 2 and one line saying %q; got %v", tt.want, r)
			}
			assertNoSecrets(t, map[string]string{"stderr": r.stderr})
		})
	}
}

// TestCheckBuiltinMock is `make check`, with every report written.
func TestCheckBuiltinMock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports") // created by the command
	js, junit, cov := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "coverage.json")
	r := runCLI(t, nil, "check", "--json", js, "--junit", junit, "--coverage", cov)
	out := lines(r.stdout)
	if r.code != exitOK || len(out) == 0 || out[len(out)-1] != "conformant" {
		t.Fatalf("want exit 0 and conformant; got %v", r)
	}
	if !strings.Contains(r.stderr, "checking the built-in mock at http://127.0.0.1:") {
		t.Errorf("stderr does not name the mock it checks: %s", r.stderr)
	}
	files := readFiles(t, js, junit, cov)

	var report suite.Report
	if err := json.Unmarshal([]byte(files["report.json"]), &report); err != nil {
		t.Fatal(err)
	}
	if !report.Conformant() || strings.Count(r.stdout, "\npass ") != len(report.Cases) {
		t.Errorf("the JSON report (%d cases, conformant %v) is not the table:\n%s", len(report.Cases), report.Conformant(), r.stdout)
	}
	var ju struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name string `xml:"name,attr"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal([]byte(files["junit.xml"]), &ju); err != nil {
		t.Fatal(err)
	}
	if ju.Tests != len(report.Cases) || len(ju.Cases) != len(report.Cases) || ju.Failures != 0 {
		t.Errorf("JUnit: %d tests, %d testcases, %d failures; want %d, %d, 0", ju.Tests, len(ju.Cases), ju.Failures, len(report.Cases), len(report.Cases))
	}
	var cr contract.CoverageReport
	if err := json.Unmarshal([]byte(files["coverage.json"]), &cr); err != nil {
		t.Fatal(err)
	}
	if seen, _ := cr.Exercised(); seen == 0 || !strings.Contains(r.stdout, "\n"+cr.Summary()+"\n") {
		t.Errorf("stdout lacks the coverage line %q (of the coverage file):\n%s", cr.Summary(), r.stdout)
	}
	if !regexp.MustCompile(`(?m)^[0-9]+ of [0-9]+ documented responses exercised$`).MatchString(r.stdout) {
		t.Errorf("no coverage summary line:\n%s", r.stdout)
	}
	for _, l := range out {
		if n := utf8.RuneCountInString(l); n > maxTableWidth {
			t.Errorf("a line of %d characters: %s", n, l)
		}
	}
}

// TestCheckTable: by default the table fits 100 columns and details only
// the cases that did not pass; --wide details every case, uncut. The added
// operation makes cases fail, so that there are details to cut.
func TestCheckTable(t *testing.T) {
	_, added := writeSpecs(t)
	tests := []struct {
		name     string
		args     []string
		detailed func(suite.CaseResult) bool
		fits     bool
	}{
		{"default", nil, func(c suite.CaseResult) bool { return c.Verdict != suite.VerdictPass }, true},
		{"wide", []string{"--wide"}, func(suite.CaseResult) bool { return true }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "report.json")
			r := runCLI(t, nil, append([]string{"check", "--spec", added, "--json", js}, tt.args...)...)
			var report suite.Report
			if err := json.Unmarshal([]byte(readFiles(t, js)["report.json"]), &report); err != nil {
				t.Fatal(err)
			}
			if r.code != exitFail {
				t.Fatalf("want exit 1 (ExtraTask is not served); got %v", r)
			}
			detailed := 0
			for _, c := range report.Cases {
				if tt.detailed(c) {
					detailed++
					if !tt.fits && !strings.Contains(r.stdout, "rule: "+c.Rule+"\n") || !tt.fits && !strings.Contains(r.stdout, "expected: "+c.Expectation+"\n") {
						t.Errorf("%s: the rule or expectation is missing or cut", c.Name)
					}
				}
			}
			if n := strings.Count(r.stdout, " rule: "); n != detailed || detailed == 0 {
				t.Errorf("%d rule lines for %d cases to detail (of %d)", n, detailed, len(report.Cases))
			}
			if n := strings.Count(r.stdout, " expected: "); n != detailed {
				t.Errorf("%d expectation lines for %d cases to detail", n, detailed)
			}
			for _, l := range lines(r.stdout) {
				if n := utf8.RuneCountInString(l); tt.fits && n > maxTableWidth {
					t.Errorf("a line of %d characters: %s", n, l)
				}
			}
		})
	}
}

func TestCheckMinCoverage(t *testing.T) {
	cov := filepath.Join(t.TempDir(), "coverage.json")
	if r := runCLI(t, nil, "check", "--coverage", cov); r.code != exitOK {
		t.Fatalf("check: %v", r)
	}
	var cr contract.CoverageReport
	if err := json.Unmarshal([]byte(readFiles(t, cov)["coverage.json"]), &cr); err != nil {
		t.Fatal(err)
	}
	seen, all := cr.Exercised()
	if seen == 0 || seen == all {
		t.Fatalf("the built-in run exercises %d of %d documented responses; the test needs some but not all", seen, all)
	}
	exact := strconv.FormatFloat(float64(seen)/float64(all), 'g', -1, 64)
	tests := []struct {
		name, min string
		code      int
		below     bool
	}{
		{"all", "1", exitFail, true},
		{"just over", strconv.FormatFloat(float64(seen)/float64(all)+1e-9, 'g', -1, 64), exitFail, true},
		{"exactly", exact, exitOK, false},
		{"none", "0", exitOK, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "check", "--min-coverage", tt.min)
			below := regexp.MustCompile(`(?m)^coverage ` + strconv.Itoa(seen) + `/` + strconv.Itoa(all) + ` is below --min-coverage `).MatchString(r.stdout)
			if r.code != tt.code || below != tt.below {
				t.Errorf("--min-coverage %s: want exit %d, a line saying coverage is below: %v; got %v", tt.min, tt.code, tt.below, r)
			}
		})
	}
}

// TestSpecFlag: every command works from another version of the spec.
func TestSpecFlag(t *testing.T) {
	unchanged, added := writeSpecs(t)
	t.Run("check", func(t *testing.T) {
		tests := []struct {
			name, spec string
			code       int
			failing    string // what every failing row names
		}{
			{"unchanged copy", unchanged, exitOK, ""},
			{"an added operation without examples", added, exitFail, "ExtraTask"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := runCLI(t, nil, "check", "--spec", tt.spec)
				if r.code != tt.code {
					t.Fatalf("want exit %d; got %v", tt.code, r)
				}
				failing := 0
				for _, l := range lines(r.stdout) {
					if strings.HasPrefix(l, "fail ") {
						failing++
						if !strings.Contains(l, tt.failing) {
							t.Errorf("a failing row that does not name %s: %s", tt.failing, l)
						}
					}
				}
				if (failing > 0) != (tt.failing != "") {
					t.Errorf("%d failing rows; want them naming %q:\n%s", failing, tt.failing, r.stdout)
				}
			})
		}
	})
	t.Run("mock", func(t *testing.T) {
		url, stop := serveCLI(t, "mock", "--listen", "127.0.0.1:0", "--spec", added)
		if status, code := post(t, stopTaskURL(url, mock.DefaultTaskID(mock.StatusPausing)), mock.DefaultToken); status != http.StatusBadRequest || code != gen.CodeNotMigrating {
			t.Errorf("StopTask on a pausing task: %d %s, want 400 %s", status, code, gen.CodeNotMigrating)
		}
		if r := stop(); r.code != exitOK || !strings.Contains(r.stdout, "with ExtraTask on http://") {
			t.Errorf("want exit 0 and the added spec's title; got %v", r)
		}
	})
	t.Run("proxy", func(t *testing.T) {
		cov := filepath.Join(t.TempDir(), "coverage.json")
		url, stop := serveCLI(t, "proxy", "--listen", "127.0.0.1:0", "--upstream", serveMock(t, nil), "--spec", added, "--coverage", cov)
		extra := strings.TrimSuffix(stopTaskURL(url, mock.DefaultMigratingTaskID), "/stop") + "/extra"
		req, _ := http.NewRequest(http.MethodGet, extra, nil)
		req.Header.Set("X-Auth-Token", mock.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("ExtraTask through the proxy: %d, want the mock's 404", resp.StatusCode)
		}
		if r := stop(); r.code != exitOK {
			t.Fatalf("proxy: %v", r)
		}
		var cr contract.CoverageReport
		if err := json.Unmarshal([]byte(readFiles(t, cov)["coverage.json"]), &cr); err != nil {
			t.Fatal(err)
		}
		if !extraTaskSeen(cr) {
			t.Errorf("the coverage does not count ExtraTask's 404: %+v", cr)
		}
	})
}

func extraTaskSeen(cr contract.CoverageReport) bool {
	for _, op := range cr.Operations {
		for _, rc := range op.Responses {
			if op.OperationID == "ExtraTask" && rc.Status == "404" && rc.Seen == 1 {
				return true
			}
		}
	}
	return false
}

// TestMockCommand: the built-in credentials are printed whole, since they
// are public test values; credentials from --fixtures are masked.
func TestMockCommand(t *testing.T) {
	fx := secretFixtures()
	raw, err := json.Marshal(fx)
	if err != nil {
		t.Fatal(err)
	}
	fxFile := filepath.Join(t.TempDir(), "fixtures.json")
	if err := os.WriteFile(fxFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		args          []string
		token         string
		shown, hidden []string
	}{
		{"built-in", nil, mock.DefaultToken, []string{mock.DefaultToken, mock.DefaultAK, mock.DefaultSK}, nil},
		{"--fixtures", []string{"--fixtures", fxFile}, secretToken, nil, []string{secretToken, testAK, secretSK}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stop := serveCLI(t, append([]string{"mock", "--listen", "127.0.0.1:0"}, tt.args...)...)
			if status, code := post(t, stopTaskURL(url, mock.DefaultMigratingTaskID), tt.token); status != http.StatusOK {
				t.Errorf("StopTask on a migrating task: %d %s, want 200", status, code)
			}
			r := stop()
			if r.code != exitOK {
				t.Errorf("want exit 0 once stopped; got %v", r)
			}
			for _, s := range tt.shown {
				if !strings.Contains(r.stdout, " "+s+" ") {
					t.Errorf("%q is not printed in full:\n%s", s, r.stdout)
				}
			}
			for _, s := range tt.hidden {
				if strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("%q is printed:\n%s", s, r.stdout)
				}
			}
			if n := strings.Count(r.stdout, "\n  token "); n != 1 {
				t.Errorf("%d token lines, want 1:\n%s", n, r.stdout)
			}
		})
	}
}

// TestProxyCommand: the proxy forwards, logs a line per off-contract
// exchange to --log and writes --coverage when it stops, without a secret.
func TestProxyCommand(t *testing.T) {
	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	offContract := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"stopped":true}`)) // a 200 with a body and no request ID
	}))
	t.Cleanup(offContract.Close)
	tests := []struct {
		name       string
		upstream   string
		task       int64
		status     int
		code, body string // the answer the client must get
		logged     bool
	}{
		{"off-contract upstream", offContract.URL, mock.DefaultMigratingTaskID, http.StatusOK, "", `{"stopped":true}`, true},
		{"mock upstream", serveMock(t, secretFixtures()), mock.DefaultTaskID(mock.StatusPausing), http.StatusBadRequest, gen.CodeNotMigrating, "", false},
		{"unreachable upstream", closedURL(t), mock.DefaultMigratingTaskID, http.StatusBadGateway, v.StatusCode(http.StatusBadGateway), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			logFile, cov := filepath.Join(dir, "violations.jsonl"), filepath.Join(dir, "coverage.json")
			url, stop := serveCLI(t, "proxy", "--listen", "127.0.0.1:0", "--upstream", tt.upstream, "--log", logFile, "--coverage", cov)
			req, err := http.NewRequest(http.MethodPost, stopTaskURL(url, tt.task), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Auth-Token", secretToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			code := ""
			if resp.StatusCode >= 400 {
				code = gen.DecodeError(resp.StatusCode, resp.Header, body.Bytes()).Code
			}
			if resp.StatusCode != tt.status || code != tt.code || tt.body != "" && body.String() != tt.body {
				t.Errorf("the client got %d %s %s; want %d %s %s", resp.StatusCode, code, body.String(), tt.status, tt.code, tt.body)
			}
			r := stop()
			if r.code != exitOK {
				t.Fatalf("proxy: %v", r)
			}
			files := readFiles(t, logFile, cov)
			logged := lines(files["violations.jsonl"])
			if (len(logged) == 1) != tt.logged || len(logged) > 1 {
				t.Errorf("%d violation lines, want one: %v", len(logged), tt.logged)
			}
			for _, l := range logged {
				var rec contract.Record
				if err := json.Unmarshal([]byte(l), &rec); err != nil || len(rec.Violations) == 0 || rec.Method != http.MethodPost {
					t.Errorf("not a violation record (%v): %s", err, l)
				}
			}
			var cr contract.CoverageReport
			if err := json.Unmarshal([]byte(files["coverage.json"]), &cr); err != nil {
				t.Fatal(err)
			}
			if seen, _ := cr.Exercised(); seen != 1 && tt.status != http.StatusBadGateway {
				t.Errorf("coverage: %d documented responses seen, want 1: %s", seen, files["coverage.json"])
			}
			files["stdout"], files["stderr"] = r.stdout, r.stderr
			assertNoSecrets(t, files)
		})
	}
}

// TestCheckEndpoint runs check against a mock over loopback: the test
// credentials pass; credentials the server refuses give no verdict (exit
// 2, one line), not a NOT conformant server.
func TestCheckEndpoint(t *testing.T) {
	url, _ := serveCLI(t, "mock", "--listen", "127.0.0.1:0")
	project := []string{"--endpoint", url, "--project", mock.DefaultProjectID}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		refused bool
	}{
		{"test token", nil, []string{"--token", mock.DefaultToken}, exitOK, false},
		{"test AK/SK", nil, []string{"--ak", mock.DefaultAK, "--sk", mock.DefaultSK}, exitOK, false},
		{"test token from the environment", map[string]string{"OMS_ENDPOINT": url, "OMS_PROJECT_ID": mock.DefaultProjectID, "OMS_TOKEN": mock.DefaultToken}, nil, exitOK, false},
		{"unknown token", nil, []string{"--token", unknownToken}, exitNoVerdict, true},
		{"unknown SK", nil, []string{"--ak", mock.DefaultAK, "--sk", unknownSK}, exitNoVerdict, true},
		{"unknown AK", nil, []string{"--ak", testAK, "--sk", mock.DefaultSK}, exitNoVerdict, true},
		{"unknown token from the environment", map[string]string{"OMS_ENDPOINT": url, "OMS_PROJECT_ID": mock.DefaultProjectID, "OMS_TOKEN": unknownToken}, nil, exitNoVerdict, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"check"}, tt.args...)
			if tt.env == nil {
				args = append(args, project...)
			}
			r := runCLI(t, tt.env, args...)
			if r.code != tt.code {
				t.Fatalf("want exit %d; got %v", tt.code, r)
			}
			refusedLine := regexp.MustCompile(`(?m)^omscontract check: no verdict: the server refused the credentials\b.*$`)
			if tt.refused {
				if r.stdout != "" || len(refusedLine.FindAllString(r.stderr, -1)) != 1 || len(lines(r.stderr)) != 2 {
					t.Errorf("want one line saying the credentials were refused (after the one naming the endpoint), no table; got %v", r)
				}
			} else if refusedLine.MatchString(r.stderr) || !strings.HasSuffix(r.stdout, "\nconformant\n") {
				t.Errorf("want conformant; got %v", r)
			}
			from := "(from --endpoint)"
			if tt.env != nil {
				from = "(from OMS_ENDPOINT)"
			}
			if !strings.Contains(r.stderr, "checking "+url+" "+from) {
				t.Errorf("stderr does not say which endpoint it checks, from where: %s", r.stderr)
			}
			assertNoSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr})
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		r := runCLI(t, nil, "check", "--endpoint", closedURL(t), "--project", mock.DefaultProjectID, "--token", secretToken)
		if r.code != exitNoVerdict || r.stdout != "" || !strings.Contains(r.stderr, "no verdict") {
			t.Errorf("want exit 2 and no verdict; got %v", r)
		}
		assertNoSecrets(t, map[string]string{"stderr": r.stderr})
	})
}

// TestCheckRefusedBy403: a 403 is a refusal of the credentials only with
// a code the spec documents under 401; insufficient permission says they
// were taken as valid, so the server is judged.
func TestCheckRefusedBy403(t *testing.T) {
	const codeInsufficientPermission = "OMS.0072" // documented under 403 only
	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code string
		exit       int
	}{
		{"a code documented under 403", "APIGW.0302", exitNoVerdict},
		{"a code not documented under 403 (OMS's permission code comes with 400)", codeInsufficientPermission, exitFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The server refuses every request as a gateway would before
			// authenticating (404 off the operation, 414 to any other
			// project), then 403 with tt.code to the configured token, 401
			// to anything else.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				status, code := http.StatusUnauthorized, ""
				switch {
				case r.Method != http.MethodPost:
					status = http.StatusNotFound
				case !strings.Contains(r.URL.Path, "/"+mock.DefaultProjectID+"/"):
					status, code = http.StatusRequestURITooLong, "APIGW.0201"
				case r.Header.Get("X-Auth-Token") == secretToken:
					status, code = http.StatusForbidden, tt.code
				}
				if code == "" {
					code = v.StatusCode(status)
				}
				w.Header().Set(v.RequestIDHeader(), "test")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				json.NewEncoder(w).Encode(map[string]string{"error_code": code, "error_msg": "refused"})
			}))
			defer srv.Close()
			r := runCLI(t, nil, "check", "--endpoint", srv.URL, "--project", mock.DefaultProjectID, "--token", secretToken)
			if r.code != tt.exit || strings.Contains(r.stderr, "refused the credentials") != (tt.exit == exitNoVerdict) {
				t.Errorf("want exit %d; got %v", tt.exit, r)
			}
		})
	}
}

// TestCheckWritesNoSecret: runs with the credentials passing, refused and
// with failing cases (whose violations and reasons are printed) keep every
// credential out of stdout, stderr and the reports.
func TestCheckWritesNoSecret(t *testing.T) {
	url := serveMock(t, secretFixtures())
	_, added := writeSpecs(t)
	base := []string{"--endpoint", url, "--project", mock.DefaultProjectID, "--wide"}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"token", []string{"--token", secretToken}, exitOK},
		{"AK/SK with a security token", []string{"--ak", testAK, "--sk", secretSK, "--security-token", secretToken}, exitOK},
		{"failing cases", []string{"--token", secretToken, "--spec", added}, exitFail},
		{"refused token", []string{"--token", unknownToken}, exitNoVerdict},
		{"refused SK", []string{"--ak", testAK, "--sk", unknownSK}, exitNoVerdict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			js, junit, cov := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "coverage.json")
			args := append(append([]string{"check", "--json", js, "--junit", junit, "--coverage", cov}, base...), tt.args...)
			r := runCLI(t, nil, args...)
			if r.code != tt.code {
				t.Fatalf("want exit %d; got %v", tt.code, r)
			}
			files := readFiles(t, js, junit, cov)
			files["stdout"], files["stderr"] = r.stdout, r.stderr
			assertNoSecrets(t, files)
		})
	}
}
