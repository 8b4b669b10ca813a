package contract

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/oms-contract/stoptask/gen"
)

// Record is one exchange that broke the contract, as the transport, the
// middleware and the proxy report it. It is safe to log: headers are
// passed through RedactHeaders and violations never hold credentials.
type Record struct {
	// Time is when the exchange finished.
	Time time.Time `json:"time"`
	// Method and Path identify the request; the query is left out.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is the response status, zero if there was no response.
	Status int `json:"status,omitempty"`
	// RequestID is the response's X-Request-Id, to quote to support.
	RequestID string `json:"request_id,omitempty"`
	// Violations found in the request and the response.
	Violations Violations `json:"violations"`
	// RequestHeaders and ResponseHeaders, redacted.
	RequestHeaders  http.Header `json:"request_headers,omitempty"`
	ResponseHeaders http.Header `json:"response_headers,omitempty"`
}

func newRecord(req *http.Request, status int, respHeader http.Header, vs Violations) Record {
	r := Record{
		Time:           time.Now().UTC(),
		Method:         req.Method,
		Status:         status,
		Violations:     vs,
		RequestHeaders: RedactHeaders(req.Header),
	}
	if req.URL != nil {
		r.Path = req.URL.Path
	}
	if respHeader != nil {
		r.RequestID = respHeader.Get(gen.HeaderRequestID)
		r.ResponseHeaders = RedactHeaders(respHeader)
	}
	return r
}

// Recorder collects Records for a report. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	records []Record
}

// Add appends a record; it has the signature WithReport and
// WithViolationHandler want, through a method value.
func (r *Recorder) Add(rec Record) {
	r.mu.Lock()
	r.records = append(r.records, rec)
	r.mu.Unlock()
}

// Records returns a copy of the records so far, oldest first.
func (r *Recorder) Records() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.records)
}

// Violations returns every violation recorded so far, oldest first.
func (r *Recorder) Violations() Violations {
	r.mu.Lock()
	defer r.mu.Unlock()
	var vs Violations
	for _, rec := range r.records {
		vs = append(vs, rec.Violations...)
	}
	return vs
}

// Mode says what a Transport does with a violation.
type Mode int

const (
	// ModeStrict fails the call with an *ExchangeError. A request that
	// breaks the contract is not sent.
	ModeStrict Mode = iota
	// ModeRecord lets the exchange through unchanged and only reports it.
	ModeRecord
)

// ExchangeError is how a strict Transport fails a call that broke the
// contract. It unwraps to Violations, so both of these work on the error a
// client returns:
//
//	var xe *contract.ExchangeError; errors.As(err, &xe)
//	var vs contract.Violations;     errors.As(err, &vs)
type ExchangeError struct {
	Record
}

// Error lists the violations.
func (e *ExchangeError) Error() string {
	return e.Method + " " + e.Path + ": " + e.Violations.Error()
}

// Unwrap gives the violations.
func (e *ExchangeError) Unwrap() error { return e.Violations }

// TransportOption configures a Transport.
type TransportOption func(*Transport)

// WithMode sets the mode; the default is ModeStrict.
func WithMode(m Mode) TransportOption {
	return func(t *Transport) { t.mode = m }
}

// WithRecorder switches to ModeRecord and adds every exchange with
// violations to rec.
func WithRecorder(rec *Recorder) TransportOption {
	return func(t *Transport) {
		t.mode = ModeRecord
		t.report = append(t.report, rec.Add)
	}
}

// WithReport calls fn for every exchange with violations, in either mode.
// fn may be called concurrently.
func WithReport(fn func(Record)) TransportOption {
	return func(t *Transport) { t.report = append(t.report, fn) }
}

// Transport is an http.RoundTripper that validates every request and
// response against the contract. Plug it into the generated client:
//
//	gen.NewClientWithResponses(url, gen.WithHTTPClient(&http.Client{Transport: t}))
//
// Bodies are read once, up to the validator's limit, and handed on intact:
// the caller always gets the full response body.
type Transport struct {
	v      *Validator
	base   http.RoundTripper
	mode   Mode
	report []func(Record)
}

// NewTransport wraps base (http.DefaultTransport when nil).
func NewTransport(v *Validator, base http.RoundTripper, opts ...TransportOption) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	t := &Transport{v: v, base: base}
	for _, o := range opts {
		o(t)
	}
	return t
}

// RoundTrip validates the request, sends it, and validates the response.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, rest, err := readLimited(req.Body, t.v.maxBody)
		if err != nil {
			req.Body.Close()
			return nil, err
		}
		body = b
		// RoundTrip must not modify req: send a shallow copy that replays
		// the bytes already read, followed by anything beyond the limit.
		out = req.WithContext(req.Context())
		out.Body = rest
		if rest == nil {
			req.Body.Close()
			out.Body = io.NopCloser(bytes.NewReader(b))
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		}
	}

	ex, vs := t.v.ValidateRequest(req.Context(), req, body)
	if len(vs) > 0 && t.mode == ModeStrict {
		if out.Body != nil {
			out.Body.Close()
		}
		return nil, t.fail(newRecord(req, 0, nil, vs))
	}

	resp, err := t.base.RoundTrip(out)
	if err != nil {
		if len(vs) > 0 {
			t.emit(newRecord(req, 0, nil, vs))
		}
		return nil, err
	}

	b, rest, err := readLimited(resp.Body, t.v.maxBody)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if rest == nil {
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
	} else {
		resp.Body = rest
	}
	if rv := ex.ValidateResponse(req.Context(), resp.StatusCode, resp.Header, b); len(rv) > 0 {
		vs = append(vs, rv...)
	}
	if len(vs) == 0 {
		return resp, nil
	}
	rec := newRecord(req, resp.StatusCode, resp.Header, vs)
	if t.mode == ModeStrict {
		resp.Body.Close()
		return nil, t.fail(rec)
	}
	t.emit(rec)
	return resp, nil
}

func (t *Transport) fail(rec Record) error {
	t.emit(rec)
	return &ExchangeError{Record: rec}
}

func (t *Transport) emit(rec Record) {
	for _, fn := range t.report {
		fn(rec)
	}
}

// readLimited reads up to limit+1 bytes of r. Within the limit it returns
// the bytes and a nil rest, and the caller closes r. Beyond it, it returns
// what it read (more than limit bytes, which the validator reports as too
// large) and rest, a ReadCloser that replays those bytes and then the
// remainder of r, so that nothing is lost for whoever reads on.
func readLimited(r io.ReadCloser, limit int64) ([]byte, io.ReadCloser, error) {
	if r == nil || r == http.NoBody {
		return nil, nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(b)) <= limit {
		return b, nil, nil
	}
	return b, struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), r), r}, nil
}
