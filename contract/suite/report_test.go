package suite_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
)

// failingReport is a report with passes, failures and violations: errors
// as text/plain, an HTML 502 and a hostile error_code.
func failingReport(t *testing.T) *suite.Report {
	t.Helper()
	return run(t, server{wrap: rewrite(func(r *http.Request, a *answer) {
		switch {
		case strings.Contains(r.URL.Path, "/tasks/abc/"):
			a.status, a.body = http.StatusBadGateway, []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")
			a.header.Set("Content-Type", "text/html")
		case strings.Contains(r.URL.Path, "/tasks/1.5/"):
			a.body = []byte(`{"error_code":"OMS.0054\nfail 200 forged\tline","error_msg":"x"}`)
		case a.status == http.StatusUnauthorized:
			a.header.Set("Content-Type", "text/plain; charset=utf-8")
		}
	})})
}

func TestWriteJSONParsesBack(t *testing.T) {
	r := failingReport(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got suite.Report
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	if diff := cmp.Diff(r, &got, cmpopts.IgnoreUnexported(contract.Violation{})); diff != "" {
		t.Errorf("report (-written +parsed):\n%s", diff)
	}
}

// TestWriteJSONLeadsWithTotals: the JSON report carries the totals and the
// verdict, as the table's summary line does.
func TestWriteJSONLeadsWithTotals(t *testing.T) {
	for name, r := range map[string]*suite.Report{"conformant": run(t, server{}), "failing": failingReport(t)} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Passed, Failed, Skipped *int
				Conformant              *bool
			}
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Passed == nil || got.Failed == nil || got.Skipped == nil || got.Conformant == nil {
				t.Fatalf("the JSON report lacks passed, failed, skipped or conformant:\n%.300s", buf.String())
			}
			pass, fail, errs := r.Count()
			if diff := cmp.Diff([]any{pass, fail, errs, r.Conformant()}, []any{*got.Passed, *got.Failed, *got.Skipped, *got.Conformant}); diff != "" {
				t.Errorf("passed, failed, skipped, conformant (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(buf.String(), "{\n  \"passed\"") {
				t.Errorf("the totals do not lead the report:\n%.100s", buf.String())
			}
		})
	}
}

func TestWriteJUnitParsesBack(t *testing.T) {
	type problem struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *problem `xml:"failure"`
		Error     *problem `xml:"error"`
	}
	type testsuite struct {
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Errors   int        `xml:"errors,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	r := failingReport(t)
	var buf bytes.Buffer
	if err := r.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var got testsuite
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("the JUnit report does not parse: %v", err)
	}
	pass, fail, errs := r.Count()
	want := testsuite{Tests: pass + fail + errs, Failures: fail, Errors: errs}
	for _, c := range r.Cases {
		tc := testcase{Name: c.Name, Classname: c.Operation}
		if c.Verdict == suite.VerdictFail {
			var msgs []string
			for _, f := range c.Failures {
				if f.Check == suite.CheckExpectation { // what the server answered, labelled got
					msgs = append(msgs, strings.TrimSpace(fmt.Sprintf("got: %d %s", c.Status, c.ErrorCode)))
					continue
				}
				msgs = append(msgs, f.Check+": "+f.Message)
			}
			tc.Failure = &problem{Message: strings.Join(msgs, "; ")}
		}
		want.Cases = append(want.Cases, tc)
	}
	ignoreText := cmpopts.IgnoreFields(problem{}, "Text")
	if diff := cmp.Diff(want, got, ignoreText); diff != "" {
		t.Errorf("JUnit (-want +got):\n%s", diff)
	}
	for _, c := range got.Cases {
		if c.Failure != nil && !strings.HasPrefix(c.Failure.Text, "rule: ") {
			t.Errorf("case %q: failure text %q does not start with the rule", c.Name, c.Failure.Text)
		}
	}
}

func TestWriteTable(t *testing.T) {
	reports := map[string]*suite.Report{"conformant": run(t, server{}), "failing": failingReport(t)}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			var narrow, wide bytes.Buffer
			if err := r.WriteTable(&narrow, false); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteTable(&wide, true); err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(narrow.String(), "\n") {
				if n := len([]rune(line)); n > 100 {
					t.Errorf("line %d is %d characters: %q", i+1, n, line)
				}
			}
			for _, out := range []string{narrow.String(), wide.String()} {
				for _, line := range strings.Split(out, "\n") {
					if strings.HasPrefix(line, "fail 200 forged") || strings.HasPrefix(line, "line") {
						t.Errorf("a server's error_code forged a line: %q", line)
					}
				}
			}
			wideLines := strings.Split(wide.String(), "\n")
			narrowLines := strings.Split(narrow.String(), "\n")
			// A line holds s, cut or not.
			has := func(lines []string, s string) bool {
				for _, l := range lines {
					l = strings.TrimSpace(l)
					if l == s || strings.HasSuffix(l, "…") && strings.HasPrefix(s, strings.TrimSuffix(l, "…")) {
						return true
					}
				}
				return false
			}
			for _, c := range r.Cases {
				for _, s := range []string{"rule: " + c.Rule, "expected: " + c.Expectation} {
					if !has(wideLines, s) || strings.Contains(wide.String(), s+"…") {
						t.Errorf("wide table lacks %q, uncut", s)
					}
					if c.Verdict == suite.VerdictFail && !has(narrowLines, s) {
						t.Errorf("case %q failed, the table lacks its %q", c.Name, s)
					}
				}
			}
			for _, c := range r.Cases {
				if c.Failed(suite.CheckExpectation) && !has(wideLines, strings.TrimSpace(fmt.Sprintf("got: %d %s", c.Status, strings.Join(strings.FieldsFunc(c.ErrorCode, unicode.IsControl), " ")))) {
					t.Errorf("case %q missed its expectation; the table does not label the answer got", c.Name)
				}
			}
			if strings.Contains(wide.String(), suite.CheckExpectation+": ") {
				t.Error("the table labels what the server answered as the expectation")
			}
			if name == "conformant" && strings.Contains(narrow.String(), "rule: ") {
				t.Error("the default table of a conformant run prints rules")
			}
			if !strings.HasSuffix(narrow.String(), r.SummaryLine()+"\n") {
				t.Errorf("the table does not end with %q", r.SummaryLine())
			}
		})
	}
}

// secret is a random credential of letters no hex ID uses, so that finding
// any 8 of its characters in a report means it leaked.
func secret(prefix string) string {
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'g' + b[i]%20
	}
	return prefix + string(b)
}

// TestReportsCarryNoSecrets runs the suite against a server that echoes the
// credentials it receives everywhere it can: into a header, error_code,
// error_msg and a body on 200. No report may carry the configured token or
// SK, whole or in part.
func TestReportsCarryNoSecrets(t *testing.T) {
	fx := mock.DefaultFixtures()
	fx.Tokens[0].Token = secret("MII")
	fx.AKSK[0].SK = secret("sk")
	echo := rewrite(func(r *http.Request, a *answer) {
		creds := r.Header.Get("X-Auth-Token") + " " + r.Header.Get("Authorization")
		a.header.Set("X-Echo", creds)
		if a.status == http.StatusOK {
			a.body = []byte(creds)
		} else {
			a.body = errorBody(creds, "you sent "+creds)
		}
	})
	r := run(t, server{fx: fx, wrap: echo})
	if r.Conformant() {
		t.Fatal("an echoing server is conformant")
	}
	var out bytes.Buffer
	for _, write := range []func() error{
		func() error { return r.WriteTable(&out, false) },
		func() error { return r.WriteTable(&out, true) },
		func() error { return r.WriteJSON(&out) },
		func() error { return r.WriteJUnit(&out) },
	} {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{fx.Tokens[0].Token, fx.AKSK[0].SK} {
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(out.String(), s[i:i+8]) {
				t.Fatalf("the reports carry %q, part of a configured secret", s[i:i+8])
			}
		}
	}
	if !strings.Contains(out.String(), contract.Redacted) {
		t.Error("nothing was redacted: the echo did not reach the reports")
	}
}
