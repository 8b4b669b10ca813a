package gen

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
)

// RetryingDoer is an opt-in HttpRequestDoer that resends a request when its
// answer says to try again later:
//
//   - an answer IsRetryable accepts (429, 503, 502 or 504 APIGW.0201): the
//     gateway refused, could not forward the call, or got no answer from
//     OMS in time. After a 504 OMS may have applied the call: a retried stop
//     may answer OMS.0066 (the task is already pausing), which StopAndWait
//     takes as done;
//   - a connection that was never established (a dial or proxy-connect
//     error): the request was never written.
//
// Everything else comes back after one attempt: other 4xx cannot succeed
// unchanged, and a 500, another 502 or 504, or a connection lost after the
// request was written, may follow a call that was applied. A request whose
// body cannot be replayed (no GetBody) is sent once.
//
// Waits use capped exponential backoff with full jitter (uniform in
// [0, min(max, base·2^retry)]), so clients throttled together spread out,
// unless the answer carries Retry-After, which is honoured up to the cap.
// The request's context cancels a wait at once. Use it with
// WithHTTPClient(NewRetryingDoer(nil)).
type RetryingDoer struct {
	base                HttpRequestDoer
	attempts            int
	baseDelay, maxDelay time.Duration
}

// RetryOption configures a RetryingDoer.
type RetryOption func(*RetryingDoer)

// WithMaxAttempts sets the number of attempts, the first included (default
// 4); 1 disables retrying.
func WithMaxAttempts(n int) RetryOption { return func(d *RetryingDoer) { d.attempts = max(n, 1) } }

// WithBackoff sets the first backoff ceiling, which doubles with each retry
// (default 200ms), and the cap on every wait, Retry-After included
// (default 10s).
func WithBackoff(base, maxDelay time.Duration) RetryOption {
	return func(d *RetryingDoer) { d.baseDelay, d.maxDelay = max(base, 0), max(maxDelay, 0) }
}

// NewRetryingDoer wraps base; a nil base is an http.Client that gives up on
// each attempt after 30s.
func NewRetryingDoer(base HttpRequestDoer, opts ...RetryOption) *RetryingDoer {
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	d := &RetryingDoer{base: base, attempts: 4, baseDelay: 200 * time.Millisecond, maxDelay: 10 * time.Second}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Do sends req, retrying as described on RetryingDoer, and returns the last
// response or error. Responses retried past are drained and closed.
func (d *RetryingDoer) Do(req *http.Request) (*http.Response, error) {
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 1; ; attempt++ {
		resp, err := d.base.Do(req)
		if attempt >= d.attempts || !replayable || !retryable(resp, err) {
			return resp, err
		}
		wait := d.backoff(attempt, resp)
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
			resp.Body.Close()
		}
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
		req = req.Clone(req.Context())
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}

// retryable reports whether an attempt's outcome proves the server did not
// act on the request.
func retryable(resp *http.Response, err error) bool {
	if err != nil {
		op, ok := errors.AsType[*net.OpError](err)
		return ok && (op.Op == "dial" || op.Op == "proxyconnect")
	}
	return IsRetryable(CheckResponse(resp))
}

// backoff returns the wait after the given attempt: Retry-After (seconds or
// an HTTP date) when present and valid, else full jitter; both capped.
func (d *RetryingDoer) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		v := resp.Header.Get("Retry-After")
		if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
			return min(time.Duration(min(secs, 1<<32))*time.Second, d.maxDelay)
		}
		if when, err := http.ParseTime(v); err == nil {
			return min(max(time.Until(when), 0), d.maxDelay)
		}
	}
	ceiling := min(d.baseDelay, d.maxDelay)
	for i := 1; i < attempt && ceiling < d.maxDelay; i++ {
		ceiling = min(2*ceiling, d.maxDelay)
	}
	return rand.N(ceiling + 1)
}
