package contract

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/oms-contract/stoptask/gen"
)

// Coverage counts which documented responses, and which documented error
// codes, a run of exchanges exercised, and what it saw that the spec does
// not document. It is safe for concurrent use.
type Coverage struct {
	mu       sync.Mutex
	report   CoverageReport
	index    map[string]int // operationId → its index in report.Operations
	notFound string         // the code of the gateway's documented 404
}

// CoverageReport is Coverage's JSON form.
type CoverageReport struct {
	Operations   []OperationCoverage `json:"operations"`
	Undocumented []Undocumented      `json:"undocumented"`
}

// OperationCoverage is one operation's documented responses.
type OperationCoverage struct {
	OperationID string             `json:"operation_id"`
	Responses   []ResponseCoverage `json:"responses"`
}

// ResponseCoverage is one documented response and its example codes.
type ResponseCoverage struct {
	Status string         `json:"status"`
	Seen   int            `json:"seen"`
	Codes  []CodeCoverage `json:"codes"`
}

// CodeCoverage counts the answers that carried one documented error code.
type CodeCoverage struct {
	Code string `json:"code"`
	Seen int    `json:"seen"`
}

// Undocumented is an answer the spec does not document: a status, or an
// error code no example of that response gives.
type Undocumented struct {
	OperationID string `json:"operation_id,omitempty"`
	Status      string `json:"status"`
	Code        string `json:"code,omitempty"`
	Seen        int    `json:"seen"`
}

// NewCoverage lists v's operations, documented responses and the error
// codes of their examples, all unseen.
func NewCoverage(v *Validator) *Coverage {
	c := &Coverage{report: CoverageReport{Operations: []OperationCoverage{}, Undocumented: []Undocumented{}},
		notFound: v.StatusCode(http.StatusNotFound), index: map[string]int{}}
	for _, op := range v.ops {
		oc := OperationCoverage{OperationID: op.OperationID}
		for _, status := range slices.Sorted(maps.Keys(op.Codes)) {
			rc := ResponseCoverage{Status: status, Codes: []CodeCoverage{}}
			for _, code := range op.Codes[status] {
				rc.Codes = append(rc.Codes, CodeCoverage{Code: code})
			}
			oc.Responses = append(oc.Responses, rc)
		}
		c.index[op.OperationID] = len(c.report.Operations)
		c.report.Operations = append(c.report.Operations, oc)
	}
	return c
}

// Add counts one answer to the exchange x; body is decoded. The error code
// is read with gen.DecodeError, as a client of this package reads it. A
// status counts toward its documented response: the exact status, else its
// range (4XX), else default. An undocumented code is listed scrubbed of
// the exchange's secrets, for a server may echo a credential as its code.
func (c *Coverage) Add(x *Exchange, status int, h http.Header, body []byte) {
	code := ""
	if status >= 400 {
		code = gen.DecodeError(status, h, body).Code
	}
	// No operation was asked for, and the answer is the documented "no
	// such API" (a HEAD's without the body that would carry its code).
	if x.Route() == nil && status == http.StatusNotFound &&
		(code == c.notFound || x.input != nil && x.input.Request.Method == http.MethodHead && len(body) == 0) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	op, st := x.Operation(), strconv.Itoa(status)
	undocumented := func() { c.undocumented(op, st, NewScrubber(append(x.Secrets(), SecretValues(h)...)...).String(code)) }
	i, ok := c.index[op]
	if !ok {
		undocumented()
		return
	}
	oc := &c.report.Operations[i]
	// Sorted, an exact status comes before its range, and both before
	// "default".
	j := slices.IndexFunc(oc.Responses, func(rc ResponseCoverage) bool {
		return rc.Status == st || rc.Status == st[:1]+"XX" || rc.Status == "default"
	})
	if j < 0 {
		undocumented()
		return
	}
	rc := &oc.Responses[j]
	rc.Seen++
	if code == "" {
		return
	}
	if k := slices.IndexFunc(rc.Codes, func(cc CodeCoverage) bool { return cc.Code == code }); k >= 0 {
		rc.Codes[k].Seen++
		return
	}
	undocumented()
}

func (c *Coverage) undocumented(op, status, code string) {
	for i, u := range c.report.Undocumented {
		if u.OperationID == op && u.Status == status && u.Code == code {
			c.report.Undocumented[i].Seen++
			return
		}
	}
	c.report.Undocumented = append(c.report.Undocumented, Undocumented{OperationID: op, Status: status, Code: code, Seen: 1})
}

// Report returns a copy of the counts so far.
func (c *Coverage) Report() CoverageReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := CoverageReport{Undocumented: slices.Clone(c.report.Undocumented)}
	for _, oc := range c.report.Operations {
		oc.Responses = slices.Clone(oc.Responses)
		for i := range oc.Responses {
			oc.Responses[i].Codes = slices.Clone(oc.Responses[i].Codes)
		}
		r.Operations = append(r.Operations, oc)
	}
	return r
}

// Exercised counts the documented responses seen at least once, of all.
func (r CoverageReport) Exercised() (seen, documented int) {
	for _, oc := range r.Operations {
		for _, rc := range oc.Responses {
			documented++
			if rc.Seen > 0 {
				seen++
			}
		}
	}
	return seen, documented
}

// Summary is one line: "7 of 10 documented responses exercised".
func (r CoverageReport) Summary() string {
	seen, all := r.Exercised()
	return fmt.Sprintf("%d of %d documented responses exercised", seen, all)
}
