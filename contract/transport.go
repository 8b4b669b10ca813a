package contract

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// TransportOption configures a Transport.
type TransportOption func(*Transport)

// WithRecorder lets exchanges that break the contract through (record
// mode) and adds them to rec. Without it or WithReport, the transport is
// strict: such a call fails with an *ExchangeError, and a request that
// breaks the contract is not sent.
func WithRecorder(rec *Recorder) TransportOption { return WithReport(rec.Add) }

// WithReport lets exchanges through (record mode) and calls fn with each
// one that broke the contract. fn may be called concurrently.
func WithReport(fn func(Record)) TransportOption {
	return func(t *Transport) { t.report = append(t.report, fn) }
}

// WithCoverage counts every exchange in c.
func WithCoverage(c *Coverage) TransportOption {
	return func(t *Transport) { t.cov = c }
}

// Transport is an http.RoundTripper that validates every exchange. Bodies
// are read once, up to the validator's limit, and handed on intact; a
// compressed body (Content-Encoding gzip or deflate) is validated as the
// client will read it, decoded.
type Transport struct {
	v      *Validator
	base   http.RoundTripper
	report []func(Record)
	cov    *Coverage
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
// An answer that cannot be read whole (the connection was cut or reset) is
// a recorded violation and an *ExchangeError in either mode.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	var over Violations
	out := req
	if req.Body != nil && req.Body != http.NoBody {
		// Bounded as an answer is: past the limit the body is sent on,
		// streamed and not validated, instead of held whole.
		var err error
		body, err = io.ReadAll(io.LimitReader(req.Body, t.v.maxBody+1))
		if err != nil {
			req.Body.Close()
			return nil, err
		}
		out = req.Clone(req.Context())
		if int64(len(body)) > t.v.maxBody {
			out.Body, out.GetBody, body = readCloser{io.MultiReader(bytes.NewReader(body), req.Body), req.Body}, nil, nil
			over = Violations{{Direction: DirectionRequest, Kind: KindRequest,
				Reason: fmt.Sprintf("the body exceeds %d bytes and was not validated", t.v.maxBody)}}
		} else {
			req.Body.Close()
			out.Body = io.NopCloser(bytes.NewReader(body))
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
	}
	x, vs := t.v.ValidateRequest(req.Context(), req, body)
	if over != nil {
		vs = over
	}
	if len(vs) > 0 && len(t.report) == 0 {
		if out.Body != nil {
			out.Body.Close()
		}
		return nil, t.fail(x, req, 0, nil, nil, vs)
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		if !errors.Is(req.Context().Err(), context.Canceled) { // a client that gave up is not the server's fault
			vs = append(vs, broken(req, x, 0, "no answer: "+err.Error()))
		}
		t.emit(x, req, 0, nil, nil, vs)
		return nil, err
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// Its body is the upgraded connection, open for as long as the
		// server likes: not an answer to read, nor a tunnel to keep.
		resp.Body.Close()
		resp.Body = http.NoBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, t.v.maxBody+1))
	if err != nil {
		resp.Body.Close()
		return nil, t.fail(x, req, resp.StatusCode, resp.Header, b, append(vs, broken(req, x, resp.StatusCode, "the answer was cut short: "+err.Error())))
	}
	if int64(len(b)) > t.v.maxBody {
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
		vs = append(vs, Violation{Operation: x.Operation(), Direction: DirectionResponse, Status: resp.StatusCode, Kind: KindResponse,
			Reason: fmt.Sprintf("the body exceeds %d bytes and was not validated", t.v.maxBody)})
	} else {
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		decoded, err := decodeBody(resp.Header, b, t.v.maxBody)
		if err != nil {
			vs = append(vs, Violation{Operation: x.Operation(), Direction: DirectionResponse, Status: resp.StatusCode, Kind: KindResponse, Reason: err.Error()})
		} else {
			vs = append(vs, x.ValidateResponse(req.Context(), resp.StatusCode, resp.Header, decoded)...)
			b = decoded
		}
	}
	if t.cov != nil {
		t.cov.Add(x, resp.StatusCode, resp.Header, b)
	}
	if len(vs) == 0 {
		return resp, nil
	}
	if len(t.report) == 0 {
		resp.Body.Close()
		return nil, t.fail(x, req, resp.StatusCode, resp.Header, b, vs)
	}
	t.emit(x, req, resp.StatusCode, resp.Header, b, vs)
	return resp, nil
}

// readCloser reads what was held, then the rest, and closes the original.
type readCloser struct {
	io.Reader
	io.Closer
}

// broken is the violation of an exchange that got no complete answer: the
// server's doing, unless the client gave up (its context cancelled; a
// deadline that passed is the server's slowness) once the answer had begun.
func broken(req *http.Request, x *Exchange, status int, reason string) Violation {
	if errors.Is(req.Context().Err(), context.Canceled) {
		return Violation{Operation: x.Operation(), Direction: DirectionRequest, Status: status, Kind: KindTransport,
			Reason: "the client gave up before the answer was complete: " + reason}
	}
	return Violation{Operation: x.Operation(), Direction: DirectionResponse, Status: status, Kind: KindTransport, Reason: reason}
}

func (t *Transport) fail(x *Exchange, req *http.Request, status int, h http.Header, body []byte, vs Violations) error {
	rec := newRecord(x, req, status, h, body, vs, t.v.requestID)
	for _, fn := range t.report {
		fn(rec)
	}
	return &ExchangeError{Record: rec}
}

func (t *Transport) emit(x *Exchange, req *http.Request, status int, h http.Header, body []byte, vs Violations) {
	if len(vs) > 0 && len(t.report) > 0 {
		_ = t.fail(x, req, status, h, body, vs)
	}
}

// decodeBody undoes the answer's Content-Encoding, as the client reading it
// will, up to limit bytes (a small compressed body may decode to gigabytes);
// an encoding it cannot undo is an error that says so.
func decodeBody(h http.Header, body []byte, limit int64) ([]byte, error) {
	if len(body) == 0 { // nothing to decode: an empty body is no compressed stream
		return body, nil
	}
	var r io.Reader
	var err error
	switch enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding"))); enc {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate": // HTTP's deflate is the zlib format (RFC 9110 8.4.1.2)
		r, err = zlib.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("Content-Encoding %q cannot be decoded, so the body was not validated", enc)
	}
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(r, limit+1))
	}
	if err != nil {
		return nil, fmt.Errorf("the body is not valid %s: %v", h.Get("Content-Encoding"), err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the decoded body exceeds %d bytes and was not validated", limit)
	}
	return body, nil
}
