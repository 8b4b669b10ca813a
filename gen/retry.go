package gen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry defaults. StopTask is a one-off, user-driven call: a handful of
// attempts spread over a few seconds rides out throttling (429) and a
// briefly unavailable gateway (503) without leaving a CLI or controller
// hanging for minutes. The cap is large enough to honour a typical
// Retry-After from the API gateway.
const (
	// DefaultRetryMaxAttempts counts the first attempt, so 4 means at most
	// three retries.
	DefaultRetryMaxAttempts = 4
	// DefaultRetryBaseDelay is the ceiling of the first backoff; later
	// ceilings double from it.
	DefaultRetryBaseDelay = 200 * time.Millisecond
	// DefaultRetryMaxDelay caps every single wait, including one asked for
	// by Retry-After, so that a misbehaving server cannot park the caller.
	DefaultRetryMaxDelay = 10 * time.Second
	// DefaultRetryAttemptTimeout bounds each attempt of the *http.Client
	// that NewRetryingDoer creates when given no base doer: without it a
	// silent server would block forever unless the caller set a deadline.
	DefaultRetryAttemptTimeout = 30 * time.Second
)

// maxDrainBytes bounds how much of a discarded response body is read so
// the connection can be reused; a larger body is cheaper to drop with its
// connection than to download for nothing.
const maxDrainBytes = 64 << 10

// RetryingDoer is an HttpRequestDoer that retries a request only when doing
// so cannot repeat a side effect. StopTask changes server-side state
// (a migrating task starts pausing), so a retry is allowed only when the
// server has said it did not act, or when the request never left this
// process:
//
//   - HTTP 429 (too many requests) and 503 (service unavailable): OMS and
//     its API gateway reject the call before acting on it and ask the client
//     to come back later;
//   - a failure to establish the connection (dial errors such as
//     "connection refused", DNS failures other than "no such host", proxy
//     connection failures): the request was never written.
//
// Everything else is returned untouched after one attempt: other 4xx
// statuses cannot succeed unchanged, and a 500, a 502, a reset connection,
// an EOF or a timeout after the request was written may all mean the
// server already received, and possibly executed, the stop. There is no
// exact "was it written?" signal in net/http, so the check is deliberately
// conservative: only errors that net reports as happening while dialing
// count. A request whose body cannot be replayed (Body set, GetBody nil)
// is never retried either.
//
// Waits use capped exponential backoff with full jitter (a uniformly random
// delay between zero and min(max delay, base delay × 2^retry)), which
// spreads out clients that were throttled together, unless the response
// carries a Retry-After header: the server knows best when it will accept
// work again, so its value is used, capped by the max delay.
//
// The doer is opt-in: pass it to the generated client with
// WithHTTPClient(NewRetryingDoer(nil)). It is safe for concurrent use when
// its base doer and injected functions are. Create it with
// NewRetryingDoer; the zero value makes a single attempt.
type RetryingDoer struct {
	base        HttpRequestDoer
	maxAttempts int
	baseDelay   time.Duration
	maxDelay    time.Duration
	randN       func(n int64) int64
	sleep       func(ctx context.Context, d time.Duration) error
	// now is the clock Retry-After dates are measured against; it is a
	// field rather than an option because only tests need to move it.
	// Deadlines are checked against the real clock, like the context does.
	now func() time.Time
}

// RetryOption configures a RetryingDoer. Options that receive a nonsensical
// value clamp it to the nearest sensible one rather than fail, because
// NewRetryingDoer has no error to return and must not panic.
type RetryOption func(*RetryingDoer)

// WithRetryMaxAttempts sets the total number of attempts, the first one
// included. Values below 1 are treated as 1, which disables retrying.
func WithRetryMaxAttempts(n int) RetryOption {
	return func(d *RetryingDoer) {
		d.maxAttempts = max(n, 1)
	}
}

// WithRetryBaseDelay sets the ceiling of the first backoff; each later
// retry doubles it, up to the max delay. Negative values are treated as 0,
// which retries without waiting.
func WithRetryBaseDelay(delay time.Duration) RetryOption {
	return func(d *RetryingDoer) {
		d.baseDelay = max(delay, 0)
	}
}

// WithRetryMaxDelay caps every wait, whether computed by the backoff or
// asked for by Retry-After. Negative values are treated as 0.
func WithRetryMaxDelay(delay time.Duration) RetryOption {
	return func(d *RetryingDoer) {
		d.maxDelay = max(delay, 0)
	}
}

// WithRetryRandom replaces the jitter source, which exists so that tests
// can make delays deterministic. randN must return a value in [0, n) for
// n > 0, like math/rand/v2.Int64N, and be safe for concurrent use if the
// doer is; out-of-range results are clamped. A nil randN keeps the
// default.
func WithRetryRandom(randN func(n int64) int64) RetryOption {
	return func(d *RetryingDoer) {
		if randN != nil {
			d.randN = randN
		}
	}
}

// WithRetrySleep replaces how the doer waits between attempts, so tests
// can record the requested delays instead of spending them. sleep must
// return early, with a non-nil error, once ctx is done; the doer checks the
// context again after sleep returns, so a sleep that ignores ctx only costs
// time, never correctness. A nil sleep keeps the default timer-based one.
func WithRetrySleep(sleep func(ctx context.Context, d time.Duration) error) RetryOption {
	return func(d *RetryingDoer) {
		if sleep != nil {
			d.sleep = sleep
		}
	}
}

// NewRetryingDoer wraps base so that requests are retried where that is
// safe (see RetryingDoer). A nil base gets an *http.Client with the default
// transport and a per-attempt timeout of DefaultRetryAttemptTimeout, so
// that one hung attempt cannot consume the whole retry budget unnoticed.
func NewRetryingDoer(base HttpRequestDoer, opts ...RetryOption) *RetryingDoer {
	if base == nil {
		base = &http.Client{Timeout: DefaultRetryAttemptTimeout}
	}
	d := &RetryingDoer{
		base:        base,
		maxAttempts: DefaultRetryMaxAttempts,
		baseDelay:   DefaultRetryBaseDelay,
		maxDelay:    DefaultRetryMaxDelay,
		randN:       rand.Int64N,
		sleep:       sleepContext,
		now:         time.Now,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(d)
		}
	}
	return d
}

// Do sends req, retrying as described on RetryingDoer. It returns the
// final response exactly as the base doer produced it (body unread and
// open, to be closed by the caller), or the final error. Responses it
// retries past are drained (up to a bound) and closed, so their
// connections can be reused.
//
// When the request context is done while waiting, Do stops at once and
// returns an error that wraps both the context's error (errors.Is works
// with context.Canceled and context.DeadlineExceeded) and, if the last
// attempt failed with an error, that error. When the context has a
// deadline that the next wait would reach, Do does not wait for nothing: it
// returns the last response or error as it stands.
func (d *RetryingDoer) Do(req *http.Request) (*http.Response, error) {
	if d == nil {
		return nil, errors.New("gen: RetryingDoer.Do called on a nil *RetryingDoer")
	}
	if req == nil {
		return nil, errors.New("gen: RetryingDoer.Do called with a nil *http.Request")
	}
	base := d.base
	if base == nil {
		base = http.DefaultClient
	}
	ctx := req.Context()
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil

	for attempt := 1; ; attempt++ {
		try := req
		if attempt > 1 {
			var err error
			if try, err = cloneForRetry(ctx, req); err != nil {
				return nil, err
			}
		}
		resp, err := base.Do(try)
		if err == nil && resp == nil {
			return nil, errors.New("gen: base HttpRequestDoer returned neither a response nor an error")
		}

		retry := replayable && attempt < d.maxAttempts && retryable(resp, err)
		if !retry {
			return resp, wrapAttempts(err, attempt)
		}
		if ctx.Err() != nil {
			discard(resp)
			return nil, stopped(ctx.Err(), attempt, resp, err)
		}

		delay := d.delay(attempt, resp)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= delay {
			// Waiting would run into the deadline, and an attempt that
			// starts at the deadline fails at once: hand back what the
			// server said instead of a less informative context error.
			return resp, wrapAttempts(err, attempt)
		}
		discard(resp)

		sleep := d.sleep
		if sleep == nil {
			sleep = sleepContext
		}
		if serr := sleep(ctx, delay); serr != nil || ctx.Err() != nil {
			cause := ctx.Err()
			if cause == nil {
				cause = serr
			}
			return nil, stopped(cause, attempt, resp, err)
		}
	}
}

// retryable reports whether the outcome of one attempt proves the server
// did not act on the request.
func retryable(resp *http.Response, err error) bool {
	if err != nil {
		return notSent(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	default:
		return false
	}
}

// notSent reports whether err certainly happened before the request was
// written. Only failures that net attributes to dialing (including dialing
// a proxy) qualify; "no such host" is excluded because it will not heal
// within a retry budget. TLS handshake failures are excluded too: they are
// almost always certificate or configuration errors that retrying cannot
// fix.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		return false
	}
	return opErr.Op == "dial" || opErr.Op == "proxyconnect"
}

// cloneForRetry prepares a fresh request for another attempt: the
// transport may still hold on to, and has certainly consumed the body of,
// the previous one.
func cloneForRetry(ctx context.Context, req *http.Request) (*http.Request, error) {
	next := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("gen: cannot replay the request body for a retry: %w", err)
		}
		next.Body = body
	}
	return next, nil
}

// delay returns how long to wait after the given (1-based) attempt.
func (d *RetryingDoer) delay(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := d.retryAfter(resp.Header.Get("Retry-After")); ok {
			return wait
		}
	}
	ceiling := min(d.baseDelay, d.maxDelay)
	for i := 1; i < attempt && ceiling < d.maxDelay; i++ {
		if ceiling > d.maxDelay/2 {
			ceiling = d.maxDelay // doubling would pass the cap, or overflow
			break
		}
		ceiling *= 2
	}
	if ceiling <= 0 {
		return 0
	}
	randN := d.randN
	if randN == nil {
		randN = rand.Int64N
	}
	// Full jitter: anything from no wait at all up to the ceiling,
	// inclusive, so the documented ceiling is reachable.
	n := int64(ceiling)
	if n < math.MaxInt64 {
		n++
	}
	return time.Duration(min(max(randN(n), 0), int64(ceiling)))
}

// retryAfter parses a Retry-After value (delay-seconds or HTTP-date, RFC
// 9110 section 10.2.3), capped by the max delay. Invalid values are ignored
// so the backoff applies instead of trusting a garbled header.
func (d *RetryingDoer) retryAfter(value string) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(value, 10, 63); err == nil {
		if secs > uint64(d.maxDelay/time.Second) {
			return d.maxDelay, true
		}
		return min(time.Duration(secs)*time.Second, d.maxDelay), true
	}
	if strings.IndexFunc(value, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		// All digits but too large for ParseUint: as good as "forever".
		return d.maxDelay, true
	}
	when, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return min(max(when.Sub(d.clock()), 0), d.maxDelay), true
}

func (d *RetryingDoer) clock() time.Time {
	if d.now == nil {
		return time.Now()
	}
	return d.now()
}

// discard drains a bounded amount of a response body the caller will never
// see, then closes it, so the connection goes back to the pool.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrainBytes)
	_ = resp.Body.Close()
}

// wrapAttempts adds the attempt count to a final error once retries were
// spent on it; errors.Is and errors.As still see the original.
func wrapAttempts(err error, attempts int) error {
	if err == nil || attempts == 1 {
		return err
	}
	return fmt.Errorf("gen: giving up after %d attempts: %w", attempts, err)
}

// stopped builds the error for a retry loop cut short by its context. It
// wraps the context error so callers can test for cancellation, and the
// last attempt's error, or describes the last status, so the reason for
// the retries is not lost. Request headers are deliberately left out: they
// may carry X-Auth-Token or Authorization.
func stopped(cause error, attempts int, resp *http.Response, err error) error {
	if err != nil {
		return fmt.Errorf("gen: retrying stopped after %d attempt(s): %w; last attempt: %w", attempts, cause, err)
	}
	return fmt.Errorf("gen: retrying stopped after %d attempt(s): %w; last attempt: HTTP %d", attempts, cause, resp.StatusCode)
}

// sleepContext waits for d or until ctx is done, whichever comes first. A
// timer (not time.After) is stopped on the early path so nothing lingers.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
