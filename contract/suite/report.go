package suite

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// Verdict is the outcome of one case.
type Verdict string

const (
	// VerdictPass: the server answered as the case expects and the exchange
	// conforms to the contract.
	VerdictPass Verdict = "pass"
	// VerdictFail: the server broke the contract or the case's expectation.
	VerdictFail Verdict = "fail"
	// VerdictError: no verdict on the server is possible, because the
	// exchange did not happen (connection refused, timeout) or proves
	// nothing (the suite's own request was judged wrong).
	VerdictError Verdict = "error"
)

// Failure is one broken rule.
type Failure struct {
	// Check names the rule, one of the Check constants.
	Check string `json:"check"`
	// Message says what was observed.
	Message string `json:"message"`
}

// CaseResult is the outcome of one case. It holds no header and no
// credential: only the method, the path (which carries the project ID, not
// a secret), the status and the error code.
type CaseResult struct {
	// Name identifies the case, group first: "negative/task_id=abc".
	Name string `json:"name"`
	// Expectation says what the case expects, in words.
	Expectation string `json:"expectation"`
	// Method and Path are the request line, without host or query.
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Status is the HTTP status, zero when no answer came.
	Status int `json:"status,omitempty"`
	// ErrorCode is the error_code of an Error body, if it had one.
	ErrorCode string `json:"error_code,omitempty"`
	// Verdict is pass, fail or error.
	Verdict Verdict `json:"verdict"`
	// Failures are the rules the answer broke; empty unless Verdict is fail
	// (an error may come with failures found before it was noticed).
	Failures []Failure `json:"failures,omitempty"`
	// Violations are the contract violations counted against the server,
	// plus, for an error verdict, the request violations that caused it.
	Violations []contract.Violation `json:"violations,omitempty"`
	// ExpectedViolations are the request violations of a request sent
	// outside the contract on purpose; they are not held against anyone.
	ExpectedViolations []contract.Violation `json:"expected_violations,omitempty"`
	// Error explains a VerdictError.
	Error string `json:"error,omitempty"`
	// Unreachable reports that the error was a failure to connect at all.
	Unreachable bool `json:"unreachable,omitempty"`
	// Duration is how long the exchange took.
	Duration time.Duration `json:"duration_ns"`
}

func (r *CaseResult) fail(check, msg string) {
	r.Failures = append(r.Failures, Failure{Check: check, Message: msg})
}

// Failed reports whether the case failed the named check, for tests that
// assert that the right rule caught a broken server.
func (r CaseResult) Failed(check string) bool {
	for _, f := range r.Failures {
		if f.Check == check {
			return true
		}
	}
	return false
}

// scrub replaces every occurrence of a secret in the free-text fields. The
// validator already keeps credentials out of violations; this also covers
// what a server echoes back and what the transport says. Longer secrets go
// first, so that replacing one that is part of another (a signature within
// its Authorization header) never leaves the rest of the longer one behind.
func (r *CaseResult) scrub(secrets []string) {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	s := func(v string) string {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(v, sec) {
				v = strings.ReplaceAll(v, sec, gen.Redacted)
			}
		}
		return v
	}
	r.Path, r.ErrorCode, r.Error = s(r.Path), s(r.ErrorCode), s(r.Error)
	for i := range r.Failures {
		r.Failures[i].Message = s(r.Failures[i].Message)
	}
	for _, vs := range [][]contract.Violation{r.Violations, r.ExpectedViolations} {
		for i := range vs {
			vs[i].Reason, vs[i].Name, vs[i].Pointer = s(vs[i].Reason), s(vs[i].Name), s(vs[i].Pointer)
		}
	}
}

// Summary counts verdicts.
type Summary struct {
	Total  int `json:"total"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	Errors int `json:"errors"`
	// Unreachable counts errors that were failures to connect.
	Unreachable int `json:"unreachable"`
}

func summarize(cs []CaseResult) Summary {
	s := Summary{Total: len(cs)}
	for _, c := range cs {
		switch c.Verdict {
		case VerdictPass:
			s.Passed++
		case VerdictFail:
			s.Failed++
		default:
			s.Errors++
			if c.Unreachable {
				s.Unreachable++
			}
		}
	}
	return s
}

// Report is the outcome of a run. It names the endpoint, the project and
// the authentication scheme, never a credential.
type Report struct {
	// Endpoint is the base URL the cases were sent to.
	Endpoint string `json:"endpoint"`
	// ProjectID is the project the cases addressed.
	ProjectID string `json:"project_id"`
	// Auth names the schemes used: "token", "AK/SK" or "token+AK/SK".
	Auth string `json:"auth"`
	// TaskIDs are the valid task IDs the run's requests named, in the order
	// first sent: against a real endpoint, the tasks it could have acted on
	// (the boundary probes 0 and 999999999999999, and any task named in
	// Config.Behaviour).
	TaskIDs []int64 `json:"task_ids,omitempty"`
	// Started is when the run began (UTC).
	Started time.Time `json:"started"`
	// Duration is how long the run took.
	Duration time.Duration `json:"duration_ns"`
	// Summary counts the verdicts.
	Summary Summary `json:"summary"`
	// Cases are the results, in the order the cases ran.
	Cases []CaseResult `json:"cases"`
}

// Conformant reports whether every case passed.
func (r *Report) Conformant() bool {
	return r.Summary.Total > 0 && r.Summary.Passed == r.Summary.Total
}

// Result returns the result of the named case, and false if the run had no
// such case.
func (r *Report) Result(name string) (CaseResult, bool) {
	for _, c := range r.Cases {
		if c.Name == name {
			return c, true
		}
	}
	return CaseResult{}, false
}

// SummaryLine renders the counts on one line, for the end of a table and for
// examples.
func (r *Report) SummaryLine() string {
	s := r.Summary
	verdict := "conformant"
	switch {
	case s.Failed > 0:
		verdict = "NOT conformant"
	case s.Errors > 0:
		verdict = "inconclusive"
	}
	return fmt.Sprintf("%d cases: %d passed, %d failed, %d errors — %s", s.Total, s.Passed, s.Failed, s.Errors, verdict)
}

// WriteTable writes a human-readable table: one row per case, then the
// failures and counted violations of every case that did not pass, then
// the summary line.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "StopTask conformance: %s, project %s, auth %s\n", r.Endpoint, shorten(r.ProjectID, 40), r.Auth)
	ids := make([]string, len(r.TaskIDs))
	for i, id := range r.TaskIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	if len(ids) == 0 {
		ids = []string{"none"}
	}
	fmt.Fprintf(w, "task IDs addressed: %s\n\n", strings.Join(ids, ", "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tREQUEST\tSTATUS\tVERDICT\tVIOLATIONS\tEXPECTATION")
	for _, c := range r.Cases {
		status := "-"
		if c.Status != 0 {
			status = strconv.Itoa(c.Status)
			if c.ErrorCode != "" {
				status += " " + c.ErrorCode
			}
		}
		req := "-"
		if c.Method != "" {
			path := c.Path
			if r.ProjectID != "" {
				// Path is escaped: a project ID with characters outside
				// the unreserved set appears percent-encoded.
				path = strings.Replace(path, "/"+url.PathEscape(r.ProjectID)+"/", "/{project_id}/", 1)
			}
			req = c.Method + " " + shortPath(path)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", c.Name, req, status, c.Verdict, len(c.Violations), c.Expectation)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	first := true
	for _, c := range r.Cases {
		if c.Verdict == VerdictPass {
			continue
		}
		if first {
			fmt.Fprintln(w)
			first = false
		}
		fmt.Fprintf(w, "%s %s:\n", strings.ToUpper(string(c.Verdict)), c.Name)
		if c.Error != "" {
			fmt.Fprintf(w, "    error: %s\n", c.Error)
		}
		for _, f := range c.Failures {
			fmt.Fprintf(w, "    %s: %s\n", f.Check, f.Message)
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.SummaryLine())
	return err
}

// shortPath keeps the table readable when a case sends a huge segment (the
// 1025-character project ID).
func shortPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = shorten(s, 40)
	}
	return strings.Join(segs, "/")
}

// shorten keeps s if it has at most n characters, and otherwise its first
// 12 characters (n, if fewer) and its length. It counts and cuts runes, not bytes, so
// that a non-ASCII project ID is never split inside a character.
func shorten(s string, n int) string {
	count := utf8.RuneCountInString(s)
	if count <= n {
		return s
	}
	return string([]rune(s)[:min(12, n)]) + "…(" + strconv.Itoa(count) + " chars)"
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// JUnit XML, in the shape CI servers read (Jenkins, GitLab, GitHub
// reporters): one testsuite, one testcase per case.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
	s := junitSuite{
		Name:      "omscontract.StopTask",
		Tests:     r.Summary.Total,
		Failures:  r.Summary.Failed,
		Errors:    r.Summary.Errors,
		Time:      secs(r.Duration),
		Timestamp: r.Started.Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{Name: "endpoint", Value: r.Endpoint},
			{Name: "project_id", Value: r.ProjectID},
			{Name: "auth", Value: r.Auth},
		},
	}
	for _, c := range r.Cases {
		group, _, _ := strings.Cut(c.Name, "/")
		jc := junitCase{Name: c.Name, Classname: "omscontract." + group, Time: secs(c.Duration)}
		var out strings.Builder
		fmt.Fprintf(&out, "expectation: %s\n", c.Expectation)
		if c.Method != "" {
			fmt.Fprintf(&out, "request: %s %s\n", c.Method, c.Path)
		}
		if c.Status != 0 {
			fmt.Fprintf(&out, "status: %d %s\n", c.Status, c.ErrorCode)
		}
		for _, v := range c.ExpectedViolations {
			fmt.Fprintf(&out, "expected: %s\n", v)
		}
		jc.SystemOut = out.String()

		var text strings.Builder
		for _, f := range c.Failures {
			fmt.Fprintf(&text, "%s: %s\n", f.Check, f.Message)
		}
		for _, v := range c.Violations {
			fmt.Fprintf(&text, "violation: %s\n", v)
		}
		switch c.Verdict {
		case VerdictFail:
			p := &junitProblem{Message: "failed", Type: "failure", Text: text.String()}
			if len(c.Failures) > 0 {
				p.Message, p.Type = c.Failures[0].Check+": "+c.Failures[0].Message, c.Failures[0].Check
			}
			jc.Failure = p
		case VerdictError:
			jc.Error = &junitProblem{Message: c.Error, Type: "error", Text: text.String()}
		}
		s.Cases = append(s.Cases, jc)
	}
	doc := junitSuites{
		Name: "omscontract", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time,
		Suites: []junitSuite{s},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
