package contract

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxRecordedBody is how much of a response body a Record keeps.
const maxRecordedBody = 1024

// Record is one exchange that broke the contract, as the transport, the
// middleware and the proxy report it. Every field is scrubbed of the
// exchange's secrets (see Scrubber) before anyone sees it.
type Record struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"` // without the query
	Status    int       `json:"status,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	// Violations found in the request and the response.
	Violations      Violations  `json:"violations"`
	RequestHeaders  http.Header `json:"request_headers,omitempty"`
	ResponseHeaders http.Header `json:"response_headers,omitempty"`
	// Body is the start of the response body, as the client reads it.
	Body string `json:"body,omitempty"`
}

func newRecord(x *Exchange, req *http.Request, status int, respHeader http.Header, body []byte, vs Violations, requestIDHeader string) Record {
	s := NewScrubber(append(x.Secrets(), SecretValues(respHeader)...)...)
	r := Record{Time: time.Now().UTC(), Method: req.Method, Path: s.String(req.URL.EscapedPath()), Status: status,
		RequestHeaders: s.Header(req.Header), ResponseHeaders: s.Header(respHeader)}
	if requestIDHeader != "" { // without an answer, the one the proxy or middleware gave the request
		r.RequestID = s.String(cmp.Or(respHeader.Get(requestIDHeader), RequestID(req.Context())))
	}
	r.Body = s.String(strings.ToValidUTF8(string(body[:min(len(body), maxRecordedBody)]), "\uFFFD"))
	for _, v := range vs {
		v.Reason = s.String(v.Reason)
		r.Violations = append(r.Violations, v)
	}
	return r
}

// Recorder collects Records. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	records []Record
}

// Add appends a record; pass rec.Add to WithReport or WithViolationHandler.
func (rec *Recorder) Add(r Record) {
	rec.mu.Lock()
	rec.records = append(rec.records, r)
	rec.mu.Unlock()
}

// Records returns a copy of the records so far, oldest first.
func (rec *Recorder) Records() []Record {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.records)
}

// Since returns a copy of the records from the nth on (Len before an
// exchange, Since after it: its own records, at no cost for the others).
func (rec *Recorder) Since(n int) []Record {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.records[min(n, len(rec.records)):])
}

// Len is how many records there are.
func (rec *Recorder) Len() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.records)
}

// ExchangeError is how a strict Transport fails a call that broke the
// contract, and how any Transport fails one that got no complete answer.
// It unwraps to Violations.
type ExchangeError struct {
	Record
}

func (e *ExchangeError) Error() string {
	return e.Method + " " + e.Path + ": " + e.Violations.Error()
}

// Unwrap gives the violations.
func (e *ExchangeError) Unwrap() error { return e.Violations }
