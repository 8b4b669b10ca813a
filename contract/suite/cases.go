package suite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// Check names say which rule a failure broke. The first ones mirror
// Schemathesis' checks; each case adds the check of its own expectation.
const (
	// CheckNotServerError fails on any 5xx: no input, however bad, may make
	// the server fail.
	CheckNotServerError = "not_a_server_error"
	// CheckStatusCode fails on a status the operation does not document.
	CheckStatusCode = "status_code_conformance"
	// CheckContentType fails on a body whose media type is not documented.
	CheckContentType = "content_type_conformance"
	// CheckHeaders fails on a missing or invalid documented header
	// (X-Request-Id).
	CheckHeaders = "response_headers_conformance"
	// CheckResponseSchema fails on a body that does not match its schema, or
	// on a body where none is documented (200).
	CheckResponseSchema = "response_schema_conformance"
	// CheckErrorBody fails when an answer outside any operation (wrong
	// method) is not a JSON Error body; the validator has no operation to
	// hold such an answer to, so the suite checks it itself.
	CheckErrorBody = "error_body_conformance"
	// CheckPositiveData fails when valid input is refused as invalid.
	CheckPositiveData = "positive_data_acceptance"
	// CheckNegativeData fails when invalid input is not refused with a 4xx.
	CheckNegativeData = "negative_data_rejection"
	// CheckMissingAuth fails when a request without credentials is not
	// refused with 401.
	CheckMissingAuth = "missing_auth_rejection"
	// CheckWrongAuth fails when wrong credentials are not refused with 401
	// or 403.
	CheckWrongAuth = "wrong_auth_rejection"
	// CheckUnsupportedMethod fails when a method the path does not support
	// is not refused with a 4xx.
	CheckUnsupportedMethod = "unsupported_method_rejection"
	// CheckBehaviour fails when a stop on a task of known state does not get
	// the documented answer.
	CheckBehaviour = "behaviour"
)

// Values the suite sends as wrong credentials. They are not secrets, but
// they are never printed either: headers are not part of any output.
const (
	wrongToken = "omscontract-conformance-invalid-token"
	wrongSK    = "omscontract-conformance-wrong-secret-key"
	unknownAK  = "OMSCONTRACTUNKNOWNAK0"
)

// testCase is one request and what the server is expected to answer.
type testCase struct {
	name        string
	expectation string
	// check names the case's own rule, under which judge's findings fail.
	check string
	// invalid marks a request sent outside the contract on purpose: the
	// validator must object to it, and its objections are expected.
	invalid bool
	build   func(ctx context.Context, r *runner) (*http.Request, error)
	judge   func(x *exchange) []string
}

// exchange is what came back, as the judges need it.
type exchange struct {
	status int
	header http.Header
	body   []byte
	code   string
}

func buildCases(cfg *Config) []testCase {
	var cs []testCase
	for _, id := range []int64{MinTaskID, MaxTaskID} {
		cs = append(cs, testCase{
			name:        "positive/task_id=" + strconv.FormatInt(id, 10),
			expectation: "accepted: 200, 400 other than OMS.0054/OMS.0064, 403 or 404",
			check:       CheckPositiveData,
			build:       validStop(id, (*runner).authPrimary),
			judge:       accepted,
		})
	}
	if cfg.Token != "" {
		cs = append(cs, testCase{
			name:        "auth/token-accepted",
			expectation: "X-Auth-Token accepted: 200, 400 other than OMS.0054/OMS.0064, 403 or 404",
			check:       CheckPositiveData,
			build:       validStop(MaxTaskID, (*runner).authToken),
			judge:       accepted,
		})
	}
	if cfg.AK != "" {
		cs = append(cs, testCase{
			name:        "auth/aksk-accepted",
			expectation: "AK/SK signature accepted: 200, 400 other than OMS.0054/OMS.0064, 403 or 404",
			check:       CheckPositiveData,
			build:       validStop(MaxTaskID, (*runner).authAKSK),
			judge:       accepted,
		})
	}

	for _, n := range []struct{ label, raw string }{
		{"-1", "-1"},
		{"1000000000000000", "1000000000000000"},
		{"9223372036854775808", "9223372036854775808"},
		{"abc", "abc"},
		{"1.5", "1.5"},
		{"empty", ""},
	} {
		cs = append(cs, testCase{
			name:        "negative/task_id=" + n.label,
			expectation: "rejected: 400 or 404",
			check:       CheckNegativeData,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", n.raw, (*runner).authPrimary),
			judge:       rejected(CheckNegativeData, 400, 404),
		})
	}
	cs = append(cs,
		testCase{
			name:        "negative/project_id=1025-chars",
			expectation: "rejected: 400, 403 or 404",
			check:       CheckNegativeData,
			invalid:     true,
			build:       rawStop(http.MethodPost, strings.Repeat("a", MaxProjectIDLength+1), strconv.FormatInt(MaxTaskID, 10), (*runner).authPrimary),
			judge:       rejected(CheckNegativeData, 400, 403, 404),
		},
		testCase{
			name:        "negative/token=16385-chars",
			expectation: "rejected: 400, 401 or 403",
			check:       CheckNegativeData,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authOversizedToken),
			judge:       rejected(CheckNegativeData, 400, 401, 403),
		},
		testCase{
			name:        "auth/missing",
			expectation: "rejected: 401",
			check:       CheckMissingAuth,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authNone),
			judge:       rejected(CheckMissingAuth, 401),
		},
		testCase{
			name:        "auth/wrong-token",
			expectation: "rejected: 401 or 403",
			check:       CheckWrongAuth,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authWrongToken),
			judge:       rejected(CheckWrongAuth, 401, 403),
		},
		testCase{
			name:        "auth/wrong-signature",
			expectation: "rejected: 401 or 403",
			check:       CheckWrongAuth,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), (*runner).authWrongSignature),
			judge:       rejected(CheckWrongAuth, 401, 403),
		},
	)
	for _, m := range []string{http.MethodGet, http.MethodPut} {
		cs = append(cs, testCase{
			name:        "method/" + m,
			expectation: "rejected: 4xx (405 or 404) with an error body",
			check:       CheckUnsupportedMethod,
			invalid:     true,
			build:       rawStop(m, "", strconv.FormatInt(MaxTaskID, 10), (*runner).authPrimary),
			judge:       rejectedAny4xx,
		})
	}

	b := cfg.Behaviour
	if b.UnknownTask != nil {
		cs = append(cs, behaviourCase("behaviour/stop-unknown-task", *b.UnknownTask, gen.CodeTaskNotFound))
	}
	if b.FinishedTask != nil {
		cs = append(cs, behaviourCase("behaviour/stop-finished-task", *b.FinishedTask, gen.CodeAlreadyFinished))
	}
	if b.MigratingTask != nil {
		cs = append(cs,
			behaviourCase("behaviour/stop-migrating-task", *b.MigratingTask, ""),
			behaviourCase("behaviour/stop-again", *b.MigratingTask, gen.CodeNotMigrating),
		)
	}
	return cs
}

func behaviourCase(name string, id int64, code string) testCase {
	exp := "200, empty body"
	if code != "" {
		exp = "400 " + code
	}
	return testCase{
		name:        name,
		expectation: fmt.Sprintf("task %d: %s", id, exp),
		check:       CheckBehaviour,
		build:       validStop(id, (*runner).authPrimary),
		judge: func(x *exchange) []string {
			switch {
			case code == "" && x.status != http.StatusOK:
				return []string{fmt.Sprintf("want 200, got %s", x.describe())}
			case code != "" && (x.status != http.StatusBadRequest || x.code != code):
				return []string{fmt.Sprintf("want 400 %s, got %s", code, x.describe())}
			}
			return nil
		},
	}
}

// describe renders the status with the error code, if any.
func (x *exchange) describe() string {
	if x.code != "" {
		return strconv.Itoa(x.status) + " " + x.code
	}
	return strconv.Itoa(x.status)
}

func accepted(x *exchange) []string {
	switch x.status {
	case http.StatusOK, http.StatusForbidden, http.StatusNotFound:
		return nil
	case http.StatusBadRequest:
		if x.code == gen.CodeInvalidTaskID || x.code == gen.CodeInvalidParameters {
			return []string{fmt.Sprintf("got %s: a valid request was refused as a parameter error", x.describe())}
		}
		return nil
	case http.StatusUnauthorized:
		return []string{fmt.Sprintf("got %s: the configured credentials were refused (check the token or AK/SK)", x.describe())}
	}
	return []string{fmt.Sprintf("got %s: a valid request was not accepted", x.describe())}
}

func rejected(check string, allowed ...int) func(*exchange) []string {
	want := make([]string, len(allowed))
	for i, s := range allowed {
		want[i] = strconv.Itoa(s)
	}
	return func(x *exchange) []string {
		if slices.Contains(allowed, x.status) {
			return nil
		}
		msg := fmt.Sprintf("want %s, got %s", strings.Join(want, " or "), x.describe())
		if x.status >= 200 && x.status < 300 {
			switch check {
			case CheckMissingAuth, CheckWrongAuth:
				msg += ": the server ignores authentication"
			default:
				msg += ": invalid input was accepted"
			}
		}
		return []string{msg}
	}
}

func rejectedAny4xx(x *exchange) []string {
	if x.status >= 400 && x.status < 500 {
		return nil
	}
	return []string{fmt.Sprintf("want a 4xx (405 or 404), got %s", x.describe())}
}

// errorBodyFindings checks, for an answer no operation describes, what the
// contract says of every error: a JSON Error object.
func errorBodyFindings(x *exchange) []string {
	if x.status < 400 {
		return nil
	}
	var out []string
	mt, _, err := mime.ParseMediaType(x.header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		out = append(out, fmt.Sprintf("Content-Type %q is not application/json", x.header.Get("Content-Type")))
	}
	var e map[string]any
	if err := json.Unmarshal(x.body, &e); err != nil {
		return append(out, "the body is not a JSON object")
	}
	for _, k := range []string{"error_code", "error_msg"} {
		if _, ok := e[k].(string); !ok {
			out = append(out, fmt.Sprintf("the body has no string %s", k))
		}
	}
	return out
}

// errorCode extracts error_code from an Error body, "" when there is none.
func errorCode(body []byte) string {
	if len(body) == 0 || body[0] != '{' {
		return ""
	}
	var e struct {
		Code any `json:"error_code"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	if s, ok := e.Code.(string); ok && len(s) <= 64 && printable(s) {
		return s
	}
	return ""
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkFor names the check a response violation breaks.
func checkFor(k contract.Kind) string {
	switch k {
	case contract.KindStatus:
		return CheckStatusCode
	case contract.KindContentType:
		return CheckContentType
	case contract.KindHeader:
		return CheckHeaders
	}
	return CheckResponseSchema
}

// runner holds what every case needs.
type runner struct {
	cfg    Config
	base   string
	v      *contract.Validator
	client *http.Client
}

type authFunc func(r *runner, ctx context.Context, req *http.Request) error

// validStop builds the request with the generated client's builder, so that
// the positive cases send exactly what generated clients send.
func validStop(id int64, auth authFunc) func(context.Context, *runner) (*http.Request, error) {
	return func(ctx context.Context, r *runner) (*http.Request, error) {
		req, err := gen.NewStopTaskRequest(r.base, r.cfg.ProjectID, id)
		if err != nil {
			return nil, err
		}
		req = req.WithContext(ctx)
		return req, auth(r, ctx, req)
	}
}

// rawStop builds a request by hand, for what the generated client refuses
// to send (a task_id of "abc", a wrong method). project "" means the
// configured one.
func rawStop(method, project, taskID string, auth authFunc) func(context.Context, *runner) (*http.Request, error) {
	return func(ctx context.Context, r *runner) (*http.Request, error) {
		if project == "" {
			project = r.cfg.ProjectID
		}
		u := r.base + "/v2/" + url.PathEscape(project) + "/tasks/" + taskID + "/stop"
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return nil, err
		}
		// What the SDK sends, even with no body.
		req.Header.Set("Content-Type", "application/json")
		return req, auth(r, ctx, req)
	}
}

func (r *runner) authPrimary(ctx context.Context, req *http.Request) error {
	if r.cfg.AK != "" {
		return r.authAKSK(ctx, req)
	}
	return r.authToken(ctx, req)
}

func (r *runner) authToken(ctx context.Context, req *http.Request) error {
	return gen.WithToken(r.cfg.Token)(ctx, req)
}

func (r *runner) authAKSK(ctx context.Context, req *http.Request) error {
	return gen.WithAKSK(gen.Credentials{AK: r.cfg.AK, SK: r.cfg.SK, SecurityToken: r.cfg.SecurityToken, ProjectID: r.cfg.ProjectID})(ctx, req)
}

// authWrongSignature signs with the configured AK, if any, and a wrong SK,
// so that a server that checks only the AK is caught too.
func (r *runner) authWrongSignature(ctx context.Context, req *http.Request) error {
	ak := r.cfg.AK
	if ak == "" {
		ak = unknownAK
	}
	return gen.WithAKSK(gen.Credentials{AK: ak, SK: wrongSK, ProjectID: r.cfg.ProjectID})(ctx, req)
}

func authNone(*runner, context.Context, *http.Request) error { return nil }

func authWrongToken(_ *runner, ctx context.Context, req *http.Request) error {
	return gen.WithToken(wrongToken)(ctx, req)
}

// authOversizedToken sets the header directly: gen.WithToken rightly refuses
// a token over the limit.
func authOversizedToken(_ *runner, _ context.Context, req *http.Request) error {
	req.Header.Set(gen.HeaderAuthToken, strings.Repeat("t", gen.MaxTokenLength+1))
	return nil
}

// run sends one case and judges it. It never panics on what the server
// sends and never lets a credential into the result.
func (r *runner) run(ctx context.Context, c testCase) (res CaseResult) {
	res = CaseResult{Name: c.name, Expectation: c.expectation}
	secrets := r.cfg.secrets()
	defer func() { res.scrub(secrets) }()

	if err := ctx.Err(); err != nil {
		res.Verdict, res.Error = VerdictError, "not run: "+err.Error()
		return res
	}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	req, err := c.build(cctx, r)
	if req != nil {
		res.Method, res.Path = req.Method, req.URL.EscapedPath()
		for _, h := range []string{gen.HeaderAuthToken, gen.HeaderAuthorization, gen.HeaderSecurityToken} {
			secrets = append(secrets, req.Header.Values(h)...)
		}
		// A server may echo the bare signature rather than the whole header.
		if sig, err := gen.ParseAuthorization(req.Header.Get(gen.HeaderAuthorization)); err == nil {
			secrets = append(secrets, sig.Signature)
		}
	}
	if err != nil {
		res.Verdict, res.Error = VerdictError, "building the request: "+err.Error()
		return res
	}

	start := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		res.Duration = time.Since(start)
		res.Verdict, res.Error = VerdictError, transportError(err, r.cfg.Timeout)
		res.Unreachable = unreachable(err)
		return res
	}
	body, rerr := r.v.ReadBody(resp.Body)
	resp.Body.Close()
	res.Duration = time.Since(start)
	res.Status = resp.StatusCode
	if rerr != nil && !errors.Is(rerr, contract.ErrBodyTooLarge) {
		res.Verdict, res.Error = VerdictError, transportError(fmt.Errorf("reading the response body: %w", rerr), r.cfg.Timeout)
		return res
	}
	x := &exchange{status: resp.StatusCode, header: resp.Header, body: body, code: errorCode(body)}
	res.ErrorCode = x.code

	// The request was sent already; the validator only reads it. A fresh
	// context keeps a spent deadline from cutting validation short.
	vs := r.v.ValidateExchange(context.Background(), req, nil, resp.StatusCode, resp.Header, body)
	var reqV contract.Violations
	routed := true
	for _, v := range vs {
		if v.Direction != contract.DirectionRequest {
			res.Violations = append(res.Violations, v)
			continue
		}
		reqV = append(reqV, v)
		switch v.Kind {
		case contract.KindServer, contract.KindPath, contract.KindMethod:
			routed = false
		}
	}

	if x.status >= 500 {
		res.fail(CheckNotServerError, fmt.Sprintf("got %s: the server failed", x.describe()))
	}
	for _, v := range res.Violations {
		res.fail(checkFor(v.Kind), v.String())
	}
	if errors.Is(rerr, contract.ErrBodyTooLarge) {
		res.fail(CheckResponseSchema, fmt.Sprintf("the response body exceeds %d bytes", r.v.MaxBodyBytes()))
	}
	if !routed {
		for _, m := range errorBodyFindings(x) {
			res.fail(CheckErrorBody, m)
		}
	}
	for _, m := range c.judge(x) {
		res.fail(c.check, m)
	}

	switch {
	case c.invalid:
		res.ExpectedViolations = reqV
		if len(reqV) == 0 {
			res.Verdict, res.Error = VerdictError, "the validator found nothing wrong with a request this case sends as invalid; the case proves nothing"
			return res
		}
	case len(reqV) > 0:
		// Recorded with the others so the report shows what was wrong.
		res.Violations = append(res.Violations, reqV...)
		res.Verdict, res.Error = VerdictError, "the suite sent a request the contract does not allow, so the answer proves nothing: "+reqV[0].String()
		return res
	}
	if len(res.Failures) > 0 {
		res.Verdict = VerdictFail
	} else {
		res.Verdict = VerdictPass
	}
	return res
}

// transportError explains a failed exchange in words a person can act on.
func transportError(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing listens at the endpoint"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve the endpoint's host: " + dnsErr.Err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The URL is ours and holds no secret, but it is already in the
		// report's method and path; keep the message short.
		return ue.Err.Error()
	}
	return err.Error()
}

// unreachable tells a server that could not be reached from one that
// answered badly, so that the command can exit with a usage-level code.
func unreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) ||
		(errors.As(err, &opErr) && opErr.Op == "dial")
}
