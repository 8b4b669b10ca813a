package suite

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/oms-contract/stoptask/contract"
)

// Verdict is the outcome of one case.
type Verdict string

const (
	VerdictPass  Verdict = "pass"  // as expected, and the exchange conforms
	VerdictFail  Verdict = "fail"  // the server broke the contract or the expectation
	VerdictError Verdict = "error" // no verdict: no answer in time
)

// The checks a case can fail.
const (
	CheckContract    = "contract"     // the exchange broke openapi.yaml
	CheckServerError = "server_error" // a 5xx
	CheckExpectation = "expectation"  // not the answer the case expects
	CheckAnswer      = "answer"       // the server closed or cut the exchange
)

// Failure is one broken check.
type Failure struct {
	Check   string `json:"check"`
	Message string `json:"message"`
}

// CaseResult is the outcome of one case. It holds no header and no
// credential.
type CaseResult struct {
	Name        string               `json:"name"`
	Operation   string               `json:"operation,omitempty"`
	Rule        string               `json:"rule"`
	Expectation string               `json:"expectation"`
	Method      string               `json:"method"`
	Path        string               `json:"path"`
	Status      int                  `json:"status,omitempty"`
	ErrorCode   string               `json:"error_code,omitempty"`
	Verdict     Verdict              `json:"verdict"`
	Failures    []Failure            `json:"failures,omitempty"`
	Violations  []contract.Violation `json:"violations,omitempty"`
	Error       string               `json:"error,omitempty"`
}

func (r *CaseResult) fail(check, msg string) {
	r.Failures = append(r.Failures, Failure{Check: check, Message: msg})
}

// Failed reports whether the case failed the named check.
func (r CaseResult) Failed(check string) bool {
	for _, f := range r.Failures {
		if f.Check == check {
			return true
		}
	}
	return false
}

// Report is a whole run.
type Report struct {
	Endpoint string `json:"endpoint"`
	Spec     string `json:"spec"`
	// LeftOut are the operations of the spec the run was told to leave out.
	LeftOut []string     `json:"left_out,omitempty"`
	Cases   []CaseResult `json:"cases"`
	// CredentialsRefused: every case sent with the configured credentials
	// was refused for them, so the run says nothing about the server.
	CredentialsRefused bool `json:"credentials_refused,omitempty"`
}

// Count returns how many cases had each verdict.
func (r *Report) Count() (pass, fail, errs int) {
	for _, c := range r.Cases {
		switch c.Verdict {
		case VerdictPass:
			pass++
		case VerdictFail:
			fail++
		default:
			errs++
		}
	}
	return pass, fail, errs
}

// Conformant reports whether every case passed.
func (r *Report) Conformant() bool {
	_, fail, errs := r.Count()
	return fail == 0 && errs == 0 && !r.CredentialsRefused && len(r.Cases) > 0
}

// Result returns the case named name.
func (r *Report) Result(name string) (CaseResult, bool) {
	for _, c := range r.Cases {
		if c.Name == name {
			return c, true
		}
	}
	return CaseResult{}, false
}

// SummaryLine is "24 passed, 0 failed" (plus errors when there are any),
// and the operations the run left out, on a line of their own.
func (r *Report) SummaryLine() string {
	pass, fail, errs := r.Count()
	s := fmt.Sprintf("%d passed, %d failed", pass, fail)
	if errs > 0 {
		s += fmt.Sprintf(", %d without verdict", errs)
	}
	if len(r.LeftOut) > 0 {
		s = "left out (--operation): " + strings.Join(r.LeftOut, ", ") + "\n" + s
	}
	return s
}

// failureLine is how the table and JUnit print a failure: the answer that
// missed the expectation is labelled "got", beside the "expected:" line.
func (r CaseResult) failureLine(f Failure) string {
	if f.Check == CheckExpectation {
		return strings.TrimSpace(fmt.Sprintf("got: %d %s", r.Status, r.ErrorCode))
	}
	return f.Check + ": " + f.Message
}

// tableWidth is what the default table fits in: a terminal or a CI log.
const tableWidth = 100

// WriteTable prints one row per case. By default it fits 100 columns: the
// case's rule and expectation appear, indented on their own lines, only for
// cases that did not pass. wide prints them for every case, uncut.
func (r *Report) WriteTable(w io.Writer, wide bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tSTATUS\tCODE\tCASE")
	cut := func(s string, n int) string {
		// One cell on one line, whatever a server put in its answer.
		s = strings.Join(strings.FieldsFunc(s, unicode.IsControl), " ")
		if wide || len([]rune(s)) <= n {
			return s
		}
		return string([]rune(s)[:n-1]) + "…"
	}
	for _, c := range r.Cases {
		status := "-"
		if c.Status != 0 {
			status = fmt.Sprint(c.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Verdict, status, cut(c.ErrorCode, 12), cut(c.Name, tableWidth-34))
		if c.Verdict != VerdictPass || wide {
			fmt.Fprintf(tw, "\t\t\t%s\n", cut("rule: "+c.Rule, tableWidth-34))
			fmt.Fprintf(tw, "\t\t\t%s\n", cut("expected: "+c.Expectation, tableWidth-34))
			for _, f := range c.Failures {
				fmt.Fprintf(tw, "\t\t\t%s\n", cut(c.failureLine(f), tableWidth-34))
			}
			for _, v := range c.Violations {
				fmt.Fprintf(tw, "\t\t\t%s\n", cut("violation: "+v.String(), tableWidth-34))
			}
			if c.Error != "" {
				fmt.Fprintf(tw, "\t\t\t%s\n", cut(c.Error, tableWidth-34))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, r.SummaryLine())
	return err
}

// WriteJSON writes the report as JSON, led by the totals and the verdict
// (skipped: the cases without a verdict), so that a reader need not count.
func (r *Report) WriteJSON(w io.Writer) error {
	pass, fail, errs := r.Count()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Passed     int  `json:"passed"`
		Failed     int  `json:"failed"`
		Skipped    int  `json:"skipped"`
		Conformant bool `json:"conformant"`
		*Report
	}{pass, fail, errs, r.Conformant(), r})
}

// WriteJUnit writes the report as JUnit XML, one testcase per case.
func (r *Report) WriteJUnit(w io.Writer) error {
	type problem struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *problem `xml:"failure,omitempty"`
		Error     *problem `xml:"error,omitempty"`
	}
	type property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	type suite struct {
		XMLName    xml.Name   `xml:"testsuite"`
		Name       string     `xml:"name,attr"`
		Tests      int        `xml:"tests,attr"`
		Failures   int        `xml:"failures,attr"`
		Errors     int        `xml:"errors,attr"`
		Properties []property `xml:"properties>property,omitempty"`
		Cases      []testcase `xml:"testcase"`
	}
	_, fail, errs := r.Count()
	s := suite{Name: "omscontract " + r.Spec, Tests: len(r.Cases), Failures: fail, Errors: errs}
	if len(r.LeftOut) > 0 {
		s.Properties = []property{{"left_out", strings.Join(r.LeftOut, ",")}}
	}
	for _, c := range r.Cases {
		tc := testcase{Name: c.Name, Classname: c.Operation}
		detail := "rule: " + c.Rule + "\nexpected: " + c.Expectation
		var failed []string
		for _, f := range c.Failures {
			failed = append(failed, c.failureLine(f))
			detail += "\n" + c.failureLine(f)
		}
		for _, v := range c.Violations {
			detail += "\nviolation: " + v.String()
		}
		switch c.Verdict {
		case VerdictFail:
			tc.Failure = &problem{Message: strings.Join(failed, "; "), Text: detail}
		case VerdictError:
			tc.Error = &problem{Message: c.Error, Text: detail}
		}
		s.Cases = append(s.Cases, tc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(s)
}
