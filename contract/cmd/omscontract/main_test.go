package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
)

// envRunMain makes the test binary behave as omscontract itself, so that
// tests start the command as a separate process without building it.
const envRunMain = "OMSCONTRACT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// Credentials the tests hand to the command; none may ever be printed.
const (
	secretToken = "tok-SECRET-7f3a9c1e5b2d4a6f8e0c1b3d5f7a9c2e"
	secretSK    = "sk-SECRET-0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	testAK      = "OMSCLITESTAK00000001"
	testProject = "0123456789abcdef0123456789abcdef"
)

// result is what one in-process run produced.
type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// assertNoSecrets fails if any output holds a credential the test gave.
func assertNoSecrets(t *testing.T, where string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range []string{secretToken, secretSK} {
			if strings.Contains(s, secret) {
				t.Errorf("%s: a secret appears in the output", where)
			}
		}
	}
}

// startMockProcess runs "omscontract mock" as a separate process on a free
// loopback port and returns its URL. The process is stopped with SIGTERM by
// stop, which returns its exit code and everything it printed.
func startMockProcess(t *testing.T, args []string, env []string) (url string, stop func() (int, string)) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"mock", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), append(env, envRunMain+"=1")...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		out strings.Builder
	)
	urlc := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			out.WriteString(line + "\n")
			mu.Unlock()
			if _, u, ok := strings.Cut(line, "serving StopTask on "); ok {
				urlc <- u
			}
		}
		close(urlc)
	}()
	stopped := false
	stop = func() (int, string) {
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-drained
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Errorf("waiting for the mock process: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		return code, out.String() + errb.String()
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	url, ok := <-urlc
	if !ok {
		code, output := stop()
		t.Fatalf("the mock process exited (%d) without printing its URL:\n%s", code, output)
	}
	return url, stop
}

// TestCheckWithoutFlagsRunsAgainstTheBuiltinMock is "make check".
func TestCheckWithoutFlagsRunsAgainstTheBuiltinMock(t *testing.T) {
	dir := t.TempDir()
	junit, js := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	r := runCmd(t, nil, "check", "--junit", junit, "--json", js)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"CASE", "EXPECTATION", "behaviour/stop-migrating-task", "failed, 0 errors — conformant"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	// Which server is judged, said before anything else.
	if !strings.HasPrefix(r.stderr, "omscontract check: checking the built-in mock at http://127.0.0.1:") {
		t.Errorf("stderr does not start by naming the built-in mock:\n%s", r.stderr)
	}
	// A progress line per case.
	if !strings.Contains(r.stderr, "pass  behaviour/stop-again (400 OMS.0066)") {
		t.Errorf("stderr lacks the progress lines:\n%s", r.stderr)
	}
	rep := readJSONReport(t, js)
	if !rep.Conformant() || rep.Summary.Total == 0 {
		t.Errorf("JSON report is not conformant: %+v", rep.Summary)
	}
	ju := readJUnit(t, junit)
	if diff := cmp.Diff(junitCounts{Tests: rep.Summary.Total}, ju.counts()); diff != "" {
		t.Errorf("JUnit counts (-want +got):\n%s", diff)
	}
	// Mock credentials are public test values, but the masking must still
	// hold: the full token never appears.
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, mock.DefaultToken) || strings.Contains(s, mock.DefaultSK) {
			t.Error("the built-in mock's token or SK appears in the output")
		}
	}
}

type junitCounts struct {
	Tests, Failures, Errors int
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Tests int `xml:"tests,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// counts recounts the testcases, so that the attributes are checked
// against the content rather than against themselves.
func (d junitDoc) counts() junitCounts {
	var c junitCounts
	for _, s := range d.Suites {
		for _, tc := range s.Cases {
			c.Tests++
			if tc.Failure != nil {
				c.Failures++
			}
			if tc.Error != nil {
				c.Errors++
			}
		}
	}
	return c
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d junitDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("JUnit file is not well-formed XML: %v", err)
	}
	if diff := cmp.Diff(junitCounts{d.Tests, d.Failures, d.Errors}, d.counts()); diff != "" {
		t.Errorf("JUnit attributes disagree with the testcases (-attributes +testcases):\n%s", diff)
	}
	return d
}

func readJSONReport(t *testing.T, path string) suite.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep suite.Report
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("JSON report does not parse back: %v", err)
	}
	return rep
}

// TestCheckAgainstAMockProcess serves the mock from a separate process with
// credentials given by flags and environment, and checks it over the
// network like a real endpoint: same verdict as the built-in run, and no
// secret in any output.
func TestCheckAgainstAMockProcess(t *testing.T) {
	url, stop := startMockProcess(t,
		[]string{"--project", testProject, "--ak", testAK},
		[]string{"OMS_TOKEN=" + secretToken, "OMS_SK=" + secretSK})

	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantStop bool
	}{
		{
			name: "token by flag",
			args: []string{"--token", secretToken},
		},
		{
			name: "AK/SK by environment",
			env:  map[string]string{"OMS_AK": testAK, "OMS_SK": secretSK},
		},
		{
			name: "everything by environment",
			env: map[string]string{"OMS_ENDPOINT": url, "OMS_PROJECT_ID": testProject,
				"OMS_TOKEN": secretToken, "OMS_AK": testAK, "OMS_SK": secretSK},
		},
		{
			name:     "opt-in stop of a migrating task",
			args:     []string{"--token", secretToken, "--stop-task", "191297407830880"},
			wantStop: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			junit, js := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
			args := []string{"check", "--junit", junit, "--json", js}
			if tt.env["OMS_ENDPOINT"] == "" {
				args = append(args, "--endpoint", url, "--project", testProject)
			}
			r := runCmd(t, tt.env, append(args, tt.args...)...)
			if r.code != exitOK {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, "— conformant") {
				t.Errorf("stdout lacks the conformant verdict:\n%s", r.stdout)
			}
			from := "--endpoint"
			if tt.env["OMS_ENDPOINT"] != "" {
				from = "OMS_ENDPOINT"
			}
			if want := "omscontract check: checking " + url + " (endpoint from " + from + ")\n"; !strings.HasPrefix(r.stderr, want) {
				t.Errorf("stderr does not start with %q:\n%s", want, r.stderr)
			}
			if want := "task IDs addressed: 0, 999999999999999"; !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
			files := make([]string, 0, 2)
			for _, p := range []string{junit, js} {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, string(b))
			}
			assertNoSecrets(t, tt.name, append(files, r.stdout, r.stderr)...)
			rep := readJSONReport(t, js)
			_, stopped := rep.Result("behaviour/stop-migrating-task")
			if stopped != tt.wantStop {
				t.Errorf("stop case ran: %v, want %v (only with --stop-task)", stopped, tt.wantStop)
			}
		})
	}

	code, output := stop()
	if code != exitOK {
		t.Errorf("mock process exit %d on SIGTERM, want 0:\n%s", code, output)
	}
	if !strings.Contains(output, "omscontract mock: stopped") {
		t.Errorf("mock process did not report a clean stop:\n%s", output)
	}
	if !strings.Contains(output, "tok-…(") || !strings.Contains(output, "secret key not shown") {
		t.Errorf("mock process did not describe its credentials masked:\n%s", output)
	}
	assertNoSecrets(t, "mock process output", output)
}

// TestCheckAgainstABrokenServer: violations exit 1, with the failing check
// named in the table.
func TestCheckAgainstABrokenServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Ignores authentication, and echoes the credentials it was sent:
		// the report must still not show them.
		w.Header().Set(gen.HeaderRequestID, "req-1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		echo := r.Header.Get(gen.HeaderAuthToken) + " " + r.Header.Get(gen.HeaderAuthorization)
		json.NewEncoder(w).Encode(map[string]string{"error_code": r.Header.Get(gen.HeaderAuthToken), "error_msg": echo})
	}))
	defer srv.Close()
	dir := t.TempDir()
	junit, js := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	r := runCmd(t, map[string]string{"OMS_TOKEN": secretToken},
		"check", "--endpoint", srv.URL, "--project", testProject, "--junit", junit, "--json", js)
	if r.code != exitViolations {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"NOT conformant", "FAIL auth/missing:", "missing_auth_rejection: want 401, got 400"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	ju := readJUnit(t, junit)
	if c := ju.counts(); c.Failures == 0 {
		t.Errorf("JUnit report has no failures: %+v", c)
	}
	rep := readJSONReport(t, js)
	if rep.Summary.Failed == 0 {
		t.Errorf("JSON report has no failures: %+v", rep.Summary)
	}
	b1, _ := os.ReadFile(junit)
	b2, _ := os.ReadFile(js)
	assertNoSecrets(t, "broken server run", r.stdout, r.stderr, string(b1), string(b2))
}

// TestCheckAgainstAClosedPort: nothing listening is exit 2 with a clear
// message, not a verdict on a server that does not exist.
func TestCheckAgainstAClosedPort(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	r := runCmd(t, nil, "check", "--quiet", "--endpoint", url, "--project", testProject, "--token", secretToken)
	if r.code != exitUsage {
		t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if want := "cannot reach " + url + ": connection refused"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	assertNoSecrets(t, "closed port", r.stdout, r.stderr)
}

func TestBadUsageExits2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// wantErr is part of the message on stderr.
		wantErr string
	}{
		{"no command", nil, "Usage:"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"help for unknown command", []string{"help", "frobnicate"}, `no help for unknown command "frobnicate"`},
		{"unknown flag", []string{"check", "--bogus"}, "flag provided but not defined: -bogus"},
		{"bad timeout", []string{"check", "--timeout", "soon"}, `invalid value "soon" for flag -timeout`},
		{"zero timeout", []string{"check", "--timeout", "0s"}, "--timeout must be positive"},
		{"positional argument", []string{"check", "extra"}, `unexpected argument "extra"`},
		{"credentials without endpoint", []string{"check", "--token", secretToken}, "--token needs --endpoint"},
		{"endpoint without project", []string{"check", "--endpoint", "http://127.0.0.1:1", "--token", secretToken}, "needs --project"},
		{"endpoint without credentials", []string{"check", "--endpoint", "http://127.0.0.1:1", "--project", testProject}, "needs credentials"},
		{"AK without SK", []string{"check", "--endpoint", "http://127.0.0.1:1", "--project", testProject, "--ak", testAK}, "--ak and --sk go together"},
		{"endpoint not http", []string{"check", "--endpoint", "ftp://example.com", "--project", testProject, "--token", secretToken}, "is not an http or https URL"},
		{"stop-task not a number", []string{"check", "--stop-task", "abc"}, "want a task ID in 0..999999999999999"},
		{"stop-task out of range", []string{"check", "--stop-task", "1000000000000000"}, "want a task ID"},
		{"stop-task without endpoint", []string{"check", "--stop-task", "1"}, "--stop-task needs --endpoint"},
		// The line naming the endpoint comes first and must not show the
		// password either.
		{"endpoint with user info", []string{"check", "--endpoint", "http://user:" + secretSK + "@127.0.0.1:1", "--project", testProject, "--token", secretToken}, "checking http://[REDACTED]@127.0.0.1:1 (endpoint from --endpoint)"},
		{"mock AK without SK", []string{"mock", "--ak", testAK}, "--ak and --sk go together"},
		{"mock missing fixtures", []string{"mock", "--fixtures", "/nonexistent/fixtures.json"}, "no such file"},
		{"mock bad listen address", []string{"mock", "--listen", "127.0.0.1:99999"}, "invalid port"},
		{"proxy without upstream", []string{"proxy"}, "--upstream is required"},
		{"proxy unknown flag", []string{"proxy", "--upstream", "http://127.0.0.1:1", "--loud"}, "flag provided but not defined: -loud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, nil, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("usage errors belong on stderr, stdout got:\n%s", r.stdout)
			}
			assertNoSecrets(t, tt.name, r.stdout, r.stderr)
		})
	}
}

// TestCheckWithoutBoundaryProbes: --no-boundary-probes leaves out the four
// cases that send a valid stop to task 0 or 999999999999999, and the rest
// still judge the mock conformant.
func TestCheckWithoutBoundaryProbes(t *testing.T) {
	js := filepath.Join(t.TempDir(), "report.json")
	r := runCmd(t, nil, "check", "--quiet", "--no-boundary-probes", "--json", js)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	rep := readJSONReport(t, js)
	for _, name := range []string{"positive/task_id=0", "positive/task_id=999999999999999", "auth/token-accepted", "auth/aksk-accepted"} {
		if _, ok := rep.Result(name); ok {
			t.Errorf("case %s ran despite --no-boundary-probes", name)
		}
	}
	if _, ok := rep.Result("negative/task_id=abc"); !ok || !rep.Conformant() {
		t.Errorf("the other cases did not all run and pass: %s", rep.SummaryLine())
	}
	if slices.Contains(rep.TaskIDs, suite.MinTaskID) {
		t.Errorf("task 0 was addressed: %v", rep.TaskIDs)
	}
}

// TestMakeCheckIgnoresTheEnvironment runs the check recipe of the Makefile
// with a stand-in for go that prints the OMS_ variables it sees: none may
// reach it, or "make check" would judge whatever OMS_ENDPOINT names.
func TestMakeCheckIgnoresTheEnvironment(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	fakeGo := filepath.Join(t.TempDir(), "go")
	// Names only: the values are test credentials, and a failure prints
	// the output.
	script := "#!/bin/sh\nenv | sed -n 's/^\\(OMS_[A-Z_]*\\)=.*/\\1/p'\necho \"fake-go $*\"\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "--no-print-directory", "-C", filepath.Join("..", "..", ".."), "check", "GO="+fakeGo)
	cmd.Env = append(os.Environ(),
		"OMS_ENDPOINT=https://oms.cn-north-4.myhuaweicloud.com", "OMS_PROJECT_ID="+testProject,
		"OMS_TOKEN="+secretToken, "OMS_AK="+testAK, "OMS_SK="+secretSK, "OMS_SECURITY_TOKEN=st")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make check: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "fake-go run ./contract/cmd/omscontract check") {
		t.Fatalf("make check did not run the check through $(GO):\n%s", out)
	}
	assertNoSecrets(t, "make check", string(out))
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "OMS_") {
			t.Errorf("make check passed %s on to the check", line)
		}
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"top --help", []string{"--help"}, []string{"Usage:", "check", "mock", "proxy", "Exit codes:", "OMS_TOKEN", "Examples:"}},
		{"top help", []string{"help"}, []string{"Usage:", "Exit codes:"}},
		{"check", []string{"check", "--help"}, []string{"omscontract check", "-endpoint", "-stop-task", "-junit", "-json", "-timeout", "-quiet", "OMS_SK", "ON ONE ASSUMPTION", "-no-boundary-probes", "make check\" unsets", "Exit codes:", "Examples:"}},
		{"help check", []string{"help", "check"}, []string{"omscontract check", "-endpoint"}},
		{"mock", []string{"mock", "-h"}, []string{"omscontract mock", "-listen", "-fixtures", "-project", "-token", "-ak", "-sk", "SIGTERM", "Exit codes:", "Examples:"}},
		{"proxy", []string{"proxy", "--help"}, []string{"omscontract proxy", "-listen", "-upstream", "-log", "JSON lines", "Exit codes:", "Examples:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, nil, tt.args...)
			if r.code != exitOK {
				t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

// syncBuffer lets the test read what a concurrently running command wrote.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProxyLogsViolations runs the proxy in-process in front of a server
// that drops X-Request-Id, sends a request with a token through it, and
// reads the JSON line it logged.
func TestProxyLogsViolations(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	defer upstream.Close()
	logPath := filepath.Join(t.TempDir(), "violations.jsonl")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"proxy", "--listen", "127.0.0.1:0", "--upstream", upstream.URL, "--log", logPath},
			func(string) string { return "" }, pw, &errb)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var proxyURL string
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "omscontract proxy: serving on "); ok {
			proxyURL, _, _ = strings.Cut(rest, ",")
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if proxyURL == "" {
		t.Fatalf("the proxy printed no URL; stderr:\n%s", errb.String())
	}

	req, err := http.NewRequest(http.MethodPost, proxyURL+"/v2/"+testProject+"/tasks/1/stop", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(gen.HeaderAuthToken, secretToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("proxied status %d, want the upstream's 200", resp.StatusCode)
	}

	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("proxy exit %d after cancel, want 0; stderr:\n%s", code, errb.String())
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Method     string `json:"method"`
		Status     int    `json:"status"`
		Violations []struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"violations"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), &rec); err != nil {
		t.Fatalf("log is not one JSON line: %v\n%s", err, b)
	}
	if rec.Method != http.MethodPost || rec.Status != http.StatusOK || len(rec.Violations) == 0 || rec.Violations[0].Name != gen.HeaderRequestID {
		t.Errorf("logged record %+v, want POST 200 with a violation on %s", rec, gen.HeaderRequestID)
	}
	assertNoSecrets(t, "proxy log", string(b), errb.String())
}
