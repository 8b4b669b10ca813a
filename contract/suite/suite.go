package suite

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// DefaultTimeout bounds each exchange.
const DefaultTimeout = 30 * time.Second

// Config says what to check and how.
type Config struct {
	// Endpoint is the server's base URL, e.g. https://oms.cn-north-4.myhuaweicloud.com.
	Endpoint string
	// Validator holds the spec; it must match Endpoint (contract.WithServer).
	Validator *contract.Validator
	// Params are the values of path parameters the credentials are scoped
	// to, such as {"project_id": "2c06…"}; the cases probe them but use
	// these values otherwise.
	Params map[string]string
	// Token authenticates when set; otherwise AKSK signs.
	Token string
	AKSK  signer.Credentials
	// NoBoundaryProbes leaves out the valid boundary values of unscoped
	// parameters (task IDs 0 and the maximum), which a real server would
	// act on if such a task existed.
	NoBoundaryProbes bool
	// Positive names, by operationId, the parameter values (such as
	// {"task_id": "1912…"}) of a request the operation must accept with its
	// documented 2xx; a GET whose path parameters are all in Params gets
	// one without being named. Other operations get none, so that the
	// suite changes no task it was not given.
	Positive map[string]map[string]string
	// Workflow, when set, runs StopTask's state machine and the official
	// workflows on these tasks.
	Workflow *Workflow
	// Operations, when not empty, limits the run to these operationIds.
	Operations []string
	// Timeout bounds each exchange (DefaultTimeout when zero).
	Timeout time.Duration
	// Coverage, when set, counts every exchange.
	Coverage *contract.Coverage
}

func (cfg *Config) selected(op string) bool {
	return len(cfg.Operations) == 0 || slices.Contains(cfg.Operations, op)
}

// ErrUnreachable means there was no server to judge: the connection was
// refused or the host is unknown.
var ErrUnreachable = errors.New("suite: the endpoint cannot be reached")

// ErrSpecTooLarge: a length in the spec is past MaxProbe.
var ErrSpecTooLarge = errors.New("suite: a length in the spec is too large to probe")

// MaxProbe bounds the values the suite builds from a spec's lengths: past
// it a probe could neither be sent nor held without exhausting memory.
const MaxProbe = 1 << 20

// CheckLengths refuses a spec with a length past MaxProbe (Run calls it).
func CheckLengths(v *contract.Validator) error {
	check := func(where string, s *openapi3.Schema) error {
		if s == nil {
			return nil
		}
		if s.MinLength > MaxProbe || s.MaxLength != nil && *s.MaxLength > MaxProbe {
			return fmt.Errorf("%w: %s: a length bound past %d characters", ErrSpecTooLarge, where, MaxProbe)
		}
		return nil
	}
	for _, op := range v.Operations() {
		for _, p := range op.Params {
			if p.Schema == nil {
				continue
			}
			if err := check(op.OperationID+" parameter "+p.Name, p.Schema.Value); err != nil {
				return err
			}
		}
		if op.Body != nil {
			for _, name := range slices.Sorted(maps.Keys(op.Body.Properties)) {
				if err := check(op.OperationID+" body member "+name, op.Body.Properties[name].Value); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(v.Credentials())) {
		if err := check("security scheme "+name+" x-oms-value", v.Credentials()[name].Value); err != nil {
			return err
		}
	}
	return nil
}

// ErrUnknownOperation: Config.Operations names an operation the spec lacks.
var ErrUnknownOperation = errors.New("suite: no such operation in the spec")

// Run sends every case and judges the answers. It returns an error only
// when there is no verdict at all: ErrUnreachable, or ctx's error when ctx
// ends before the last case (an interrupted run).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	v := cfg.Validator
	rec := &contract.Recorder{}
	opts := []contract.TransportOption{contract.WithRecorder(rec)}
	if cfg.Coverage != nil {
		opts = append(opts, contract.WithCoverage(cfg.Coverage))
	}
	client := &http.Client{Timeout: cfg.Timeout, Transport: contract.NewTransport(v, nil, opts...),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Every credential of the run; each case adds its request's (a
	// signature is made per request).
	secrets := []string{cfg.Token, cfg.AKSK.AK, cfg.AKSK.SK, cfg.AKSK.SecurityToken}
	for _, op := range cfg.Operations {
		if _, ok := v.Operation(op); !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownOperation, op)
		}
	}
	if err := CheckLengths(v); err != nil {
		return nil, err
	}
	cases := append(buildCases(v, &cfg), workflowCases(v, &cfg)...)
	report := &Report{Endpoint: contract.RedactURL(cfg.Endpoint), Spec: v.Spec().Info.Title + " " + v.Spec().Info.Version}
	for _, op := range v.Operations() {
		if !cfg.selected(op.OperationID) {
			report.LeftOut = append(report.LeftOut, op.OperationID)
		}
	}
	authenticated, refused := 0, 0
	for _, c := range cases {
		seen := rec.Len()
		res := CaseResult{Name: c.Name, Operation: c.Operation, Rule: c.Rule, Expectation: c.Expectation, Method: c.method,
			Path: "/" + strings.Join(c.path, "/")}
		a, err := send(ctx, client, &cfg, c)
		for wait := 100 * time.Millisecond; c.poll != nil && err == nil && !c.expect(a) && c.poll(a) && wait < cfg.Timeout; wait *= 2 {
			if sleep(ctx, wait) != nil {
				break
			}
			a, err = send(ctx, client, &cfg, c)
		}
		scrub := contract.NewScrubber(append(secrets, a.secrets...)...)
		switch {
		case ctx.Err() != nil: // interrupted: neither this case nor the run has a verdict
			return nil, ctx.Err()
		case err == nil:
		case errors.Is(err, errThrottled):
			res.Verdict, res.Error = VerdictError, "throttled: "+scrub.String(err.Error())
		case isDial(err):
			return nil, fmt.Errorf("%w: %s", ErrUnreachable, scrub.String(err.Error()))
		case isTimeout(err):
			res.Verdict, res.Error = VerdictError, "no answer in time: "+scrub.String(err.Error())
		default:
			res.fail(CheckAnswer, "the server broke off the exchange: "+scrub.String(err.Error()))
		}
		// A server may echo what it was sent, even as its error code.
		res.Status, res.ErrorCode = a.status, scrub.String(a.code)
		for _, r := range rec.Since(seen) {
			for _, vi := range r.Violations {
				if vi.Direction == contract.DirectionResponse && vi.Kind != contract.KindTransport {
					vi.Reason = scrub.String(vi.Reason)
					res.Violations = append(res.Violations, vi)
				}
			}
		}
		if res.Verdict == "" && err == nil {
			if len(res.Violations) > 0 {
				res.fail(CheckContract, fmt.Sprintf("%d contract violation(s)", len(res.Violations)))
			}
			if a.status >= 500 {
				res.fail(CheckServerError, fmt.Sprintf("a %d answer: the server failed", a.status))
			}
			if !c.expect(a) {
				res.fail(CheckExpectation, strings.TrimSpace(fmt.Sprintf("got %d %s", a.status, res.ErrorCode)))
			}
		}
		if res.Verdict == "" {
			res.Verdict = VerdictPass
			if len(res.Failures) > 0 {
				res.Verdict = VerdictFail
			}
		}
		// Cases the gateway answers before it authenticates (no such API,
		// a URI too long) say nothing about the credentials.
		if (c.auth.kind == "" || c.auth.kind == "valid") && err == nil && c.Operation != "" &&
			a.status != http.StatusNotFound && a.status != http.StatusRequestURITooLong {
			authenticated++
			// A 401, or a 403 the spec documents (the IAM user may not call
			// the API): the credentials, not the server, are at fault.
			if op, _ := v.Operation(c.Operation); a.status == http.StatusUnauthorized ||
				a.status == http.StatusForbidden && slices.Contains(op.Codes[strconv.Itoa(a.status)], a.code) {
				refused++
			}
		}
		report.Cases = append(report.Cases, res)
	}
	report.CredentialsRefused = authenticated > 0 && refused == authenticated
	return report, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errThrottled: the server answered 429 to every attempt the case's
// timeout left room for.
var errThrottled = errors.New("429 Too Many Requests")

// maxAttempts bounds how often a throttled case is sent.
const maxAttempts = 3

// send makes one case's request and reads the answer's status and code. A
// 429 is sent again after its Retry-After, if that is within the timeout.
func send(ctx context.Context, client *http.Client, cfg *Config, c Case) (answer, error) {
	u, err := url.Parse(strings.TrimSuffix(cfg.Endpoint, "/") + "/" + strings.Join(c.path, "/"))
	if err != nil {
		return answer{}, err
	}
	for attempt, waited := 1, time.Duration(0); ; attempt++ {
		var reqBody io.Reader
		if c.body != nil {
			reqBody = bytes.NewReader(c.body)
		}
		req, err := http.NewRequestWithContext(ctx, c.method, u.String(), reqBody)
		if err != nil {
			return answer{}, err
		}
		if c.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if err := authenticate(ctx, req, cfg, c.auth); err != nil {
			return answer{}, err
		}
		a := answer{taskStatus: -1, secrets: contract.SecretValues(req.Header)}
		resp, err := client.Do(req)
		if err != nil {
			return a, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, gen.MaxErrorBodyBytes))
		resp.Body.Close()
		a.status = resp.StatusCode
		if err != nil {
			return a, err
		}
		if resp.StatusCode >= 400 {
			a.code = gen.DecodeError(resp.StatusCode, resp.Header, body).Code
		}
		var task struct{ Status *int64 }
		if resp.StatusCode < 300 && json.Unmarshal(body, &task) == nil && task.Status != nil {
			a.taskStatus = *task.Status
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			return a, nil
		}
		wait, ok := retryAfter(resp.Header.Get("Retry-After"))
		if waited += wait; !ok || waited > cfg.Timeout || attempt == maxAttempts {
			return a, fmt.Errorf("%w after %d attempt(s) (Retry-After %q, --timeout %v)", errThrottled, attempt, resp.Header.Get("Retry-After"), cfg.Timeout)
		}
		if err := sleep(ctx, wait); err != nil {
			return a, err
		}
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// authenticate applies a case's credentials: the configured ones through
// the client layer's request editors, or a deliberately bad one.
func authenticate(ctx context.Context, req *http.Request, cfg *Config, a auth) error {
	wrongKey := signer.Credentials{AK: cfg.AKSK.AK, SK: "wrong-" + randomHex(), ProjectID: cfg.AKSK.ProjectID}
	if wrongKey.AK == "" {
		wrongKey.AK = "UNKNOWNAK" + strings.ToUpper(randomHex()[:11])
	}
	var edit gen.RequestEditorFn
	switch {
	case a.kind == "" && cfg.Token != "":
		edit = gen.WithToken(cfg.Token)
	case a.kind == "":
		edit = gen.WithAKSK(cfg.AKSK)
	case a.kind == "valid" && isSignature(a.scheme):
		edit = gen.WithAKSK(cfg.AKSK)
	case a.kind == "valid":
		edit = gen.WithToken(cfg.Token)
	case a.kind == "none":
		req.Header.Set("Content-Type", "application/json")
	case a.kind == "empty":
		req.Header.Set(a.scheme.Header, "")
	case a.kind == "long":
		req.Header.Set(a.scheme.Header, strings.Repeat("a", int(*a.scheme.Value.MaxLength)+1))
	case a.kind == "wrong" && isSignature(a.scheme):
		edit = gen.WithAKSK(wrongKey)
	case a.kind == "wrong":
		edit = gen.WithToken("wrong-" + randomHex())
	case a.kind == "stale":
		key := cfg.AKSK
		if key.AK == "" {
			key = wrongKey
		}
		past := time.Now().Add(-a.scheme.MaxSkew - 5*time.Minute)
		edit = gen.WithAKSK(key, signer.WithClock(func() time.Time { return past }))
	}
	if edit == nil {
		return nil
	}
	return edit(ctx, req)
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func isDial(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
