package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
)

const (
	secretToken = "tok-SECRET-e1d2c3b4a5968778695a4b3c2d1e0f"
	secretSK    = "sk-SECRET-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	project     = "2c0689c860ad4728a497c91ec0844383"
)

func TestRunRejectsUnusableConfig(t *testing.T) {
	ok := suite.Config{Endpoint: "http://127.0.0.1:1", ProjectID: project, Token: secretToken}
	tests := []struct {
		name    string
		edit    func(c *suite.Config)
		wantErr string
	}{
		{"no endpoint", func(c *suite.Config) { c.Endpoint = "" }, "no endpoint"},
		{"not http", func(c *suite.Config) { c.Endpoint = "ftp://example.com" }, "not an http or https URL"},
		{"no host", func(c *suite.Config) { c.Endpoint = "http://" }, "not an http or https URL"},
		{"user info", func(c *suite.Config) { c.Endpoint = "https://user:" + secretSK + "@example.com" }, "user information"},
		{"query", func(c *suite.Config) { c.Endpoint = "https://example.com/?a=b" }, "query"},
		{"no project", func(c *suite.Config) { c.ProjectID = "" }, "no project ID"},
		{"project too long", func(c *suite.Config) { c.ProjectID = strings.Repeat("p", 1025) }, "at most 1024"},
		{"no credentials", func(c *suite.Config) { c.Token = "" }, "no credentials"},
		{"AK without SK", func(c *suite.Config) { c.AK = "AK" }, "AK and SK must be given together"},
		{"SK without AK", func(c *suite.Config) { c.SK = secretSK }, "AK and SK must be given together"},
		{"token too long", func(c *suite.Config) { c.Token = strings.Repeat("t", 16385) }, "at most 16384"},
		{"negative timeout", func(c *suite.Config) { c.Timeout = -time.Second }, "negative timeout"},
		{"task out of range", func(c *suite.Config) { c.Behaviour.MigratingTask = suite.TaskID(-1) }, "outside 0..999999999999999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			rep, err := suite.Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run error = %v, want one containing %q (report %v)", err, tt.wantErr, rep)
			}
			for _, s := range []string{secretToken, secretSK} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error quotes a secret: %v", err)
				}
			}
		})
	}
}

// TestRunStopsWhenCancelled: a cancelled run sends nothing more and says
// why every case has no verdict.
func TestRunStopsWhenCancelled(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := suite.Run(ctx, suite.Config{Endpoint: srv.URL, ProjectID: project, Token: secretToken})
	if err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests after cancellation", n)
	}
	if diff := cmp.Diff(suite.Summary{Total: len(rep.Cases), Errors: len(rep.Cases)}, rep.Summary); diff != "" || rep.Summary.Total == 0 {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if c := rep.Cases[0]; !strings.Contains(c.Error, "not run") {
		t.Errorf("error = %q, want it to say the case was not run", c.Error)
	}
}

// TestRunTimesOut: a server that never answers ends each case in an error
// naming the timeout, instead of hanging the run.
func TestRunTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	rep, err := suite.Run(context.Background(), suite.Config{Endpoint: srv.URL, ProjectID: project, Token: secretToken, Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Cases {
		if c.Verdict != suite.VerdictError || c.Error != "no answer within 20ms" || c.Unreachable {
			t.Errorf("%s: verdict %s, error %q, unreachable %v; want an error naming the timeout", c.Name, c.Verdict, c.Error, c.Unreachable)
		}
	}
}

// brokenReport runs the suite against a server that answers every request
// with a contract-shaped 200, so that the report holds passes and fails.
func brokenReport(t *testing.T) *suite.Report {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(gen.HeaderRequestID, "r-1")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	rep, err := suite.Run(context.Background(), suite.Config{Endpoint: srv.URL, ProjectID: project, AK: "AKEXAMPLE", SK: secretSK})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Failed == 0 || rep.Summary.Passed == 0 {
		t.Fatalf("want a mixed report, got %+v", rep.Summary)
	}
	return rep
}

func TestWriteJSONRoundTrips(t *testing.T) {
	rep := brokenReport(t)
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got suite.Report
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decoding the JSON report: %v", err)
	}
	if diff := cmp.Diff(*rep, got); diff != "" {
		t.Errorf("JSON round trip (-written +read):\n%s", diff)
	}
}

func TestWriteJUnitIsWellFormed(t *testing.T) {
	rep := brokenReport(t)
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suite    struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit report is not well-formed: %v\n%s", err, buf.String())
	}
	type counts struct{ Tests, Failures, Errors int }
	if diff := cmp.Diff(counts{rep.Summary.Total, rep.Summary.Failed, rep.Summary.Errors}, counts{doc.Tests, doc.Failures, doc.Errors}); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	failedTypes := map[string]string{}
	for _, c := range doc.Suite.Cases {
		if c.Failure != nil {
			failedTypes[c.Name] = c.Failure.Type
		}
	}
	if got := failedTypes["auth/missing"]; got != suite.CheckMissingAuth {
		t.Errorf("auth/missing failure type = %q, want %q", got, suite.CheckMissingAuth)
	}
}

func TestWriteTableShowsWhatFailed(t *testing.T) {
	rep := brokenReport(t)
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"CASE", "VERDICT", "EXPECTATION",
		"POST /v2/{project_id}/tasks/0/stop",
		"FAIL auth/missing:\n    missing_auth_rejection: want 401, got 200: the server ignores authentication",
		"FAIL negative/task_id=abc:\n    negative_data_rejection: want 400 OMS.0054 or OMS.0064, got 200: invalid input was accepted",
		"task IDs addressed: 0, 999999999999999\n",
		"NOT conformant",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secretSK) {
		t.Error("the table shows the SK")
	}
}

// TestNoBoundaryProbesSendsNoValidStopToUnnamedTasks: with NoBoundaryProbes
// no request that the server lets through (anything but a 401, a 403 or a
// refusal of the input) addresses a task the caller did not name. The
// server is the mock, which knows which credentials are valid.
func TestNoBoundaryProbesSendsNoValidStopToUnnamedTasks(t *testing.T) {
	for _, skip := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoBoundaryProbes=%v", skip), func(t *testing.T) {
			m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			var mu sync.Mutex
			var reached []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				m.Handler().ServeHTTP(rec, r)
				// A 400 about the task (OMS.1009 here: the boundary IDs
				// are not tasks of the mock) is what a valid stop gets.
				if r.Method == http.MethodPost && rec.Code == http.StatusBadRequest && strings.Contains(rec.Body.String(), gen.CodeTaskNotFound) {
					mu.Lock()
					reached = append(reached, r.URL.Path)
					mu.Unlock()
				}
				for k, vs := range rec.Header() {
					w.Header()[k] = vs
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
			}))
			defer srv.Close()
			rep, err := suite.Run(context.Background(), suite.Config{
				Endpoint: srv.URL, ProjectID: mock.DefaultProjectID,
				Token: mock.DefaultToken, AK: mock.DefaultAK, SK: mock.DefaultSK,
				NoBoundaryProbes: skip,
			})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Conformant() {
				t.Errorf("the mock is not conformant: %s", rep.SummaryLine())
			}
			var names []string
			for _, c := range rep.Cases {
				names = append(names, c.Name)
			}
			probes := []string{"positive/task_id=0", "positive/task_id=999999999999999", "auth/token-accepted", "auth/aksk-accepted"}
			for _, p := range probes {
				if slices.Contains(names, p) == skip {
					t.Errorf("case %s ran: %v, want %v", p, !skip, !skip)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if skip && len(reached) > 0 {
				t.Errorf("valid stops reached unnamed tasks: %v", reached)
			}
			if !skip && len(reached) != len(probes) {
				t.Errorf("valid stops reached %v, want the %d probes", reached, len(probes))
			}
			// The header names what was addressed: 999999999999999 still,
			// by requests the server refuses.
			wantIDs := []int64{suite.MinTaskID, suite.MaxTaskID}
			if skip {
				wantIDs = []int64{suite.MaxTaskID}
			}
			if diff := cmp.Diff(wantIDs, rep.TaskIDs); diff != "" {
				t.Errorf("TaskIDs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWriteTableCutsNonASCIIOnRuneBoundaries: a long project ID of
// two-byte characters is shortened without splitting one, and the path
// still shows {project_id} although it is percent-encoded there.
func TestWriteTableCutsNonASCIIOnRuneBoundaries(t *testing.T) {
	// "a" first, so that a cut after 12 bytes falls inside an "é".
	p := "a" + strings.Repeat("é", 50)
	rep := &suite.Report{
		Endpoint: "http://127.0.0.1:1", ProjectID: p, Auth: "token",
		Cases: []suite.CaseResult{
			{Name: "positive/task_id=0", Method: http.MethodPost, Path: "/v2/" + url.PathEscape(p) + "/tasks/0/stop", Status: 400, Verdict: suite.VerdictPass},
			{Name: "negative/project_id=long", Method: http.MethodPost, Path: "/v2/" + strings.Repeat("é", 41) + "x/tasks/0/stop", Status: 400, Verdict: suite.VerdictPass},
		},
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !utf8.ValidString(out) {
		t.Errorf("the table is not valid UTF-8:\n%q", out)
	}
	for _, want := range []string{
		"project a" + strings.Repeat("é", 11) + "…(51 chars)",
		"POST /v2/{project_id}/tasks/0/stop",
		"POST /v2/" + strings.Repeat("é", 12) + "…(42 chars)/tasks/0/stop",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestReportsScrubWhatTheRequestCarried: a server that echoes credentials
// from the request's headers, the bare signature and access key included,
// as its error code (the one free text of the server's that reaches a
// report) gets them shown as [REDACTED]. What counts as a credential is
// contract.SecretValues'.
func TestReportsScrubWhatTheRequestCarried(t *testing.T) {
	const ak = "AKECHOEDBACK01"
	for _, part := range []string{"signature", "access", "token"} {
		t.Run(part, func(t *testing.T) {
			var echoed atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				code := r.Header.Get(gen.HeaderAuthToken)
				if sig, err := gen.ParseAuthorization(r.Header.Get(gen.HeaderAuthorization)); err == nil {
					code = sig.Signature
					if part == "access" {
						code = sig.Access
					}
				}
				if code != "" {
					echoed.Add(1)
				}
				w.Header().Set(gen.HeaderRequestID, "r-1")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]string{"error_code": code, "error_msg": "echo"})
			}))
			defer srv.Close()
			cfg := suite.Config{Endpoint: srv.URL, ProjectID: project, AK: ak, SK: secretSK}
			if part == "token" {
				cfg = suite.Config{Endpoint: srv.URL, ProjectID: project, Token: secretToken}
			}
			rep, err := suite.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if echoed.Load() == 0 {
				t.Fatal("the server echoed nothing; the test proves nothing")
			}
			var out bytes.Buffer
			for _, w := range []func(io.Writer) error{rep.WriteJSON, rep.WriteJUnit, rep.WriteTable} {
				if err := w(&out); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.Contains(out.String(), "[REDACTED]") {
				t.Errorf("no echoed credential was redacted:\n%s", out.String())
			}
			for _, c := range rep.Cases {
				if c.ErrorCode != "" && c.ErrorCode != "[REDACTED]" {
					t.Errorf("%s: error code %q shown; every echoed value is a credential", c.Name, c.ErrorCode)
				}
			}
			for _, s := range []string{ak, secretToken, secretSK} {
				if strings.Contains(out.String(), s) {
					t.Errorf("a report shows %q", s)
				}
			}
		})
	}
}
