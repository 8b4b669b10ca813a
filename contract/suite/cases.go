package suite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	//
	// An answer to a request that matches no operation (a wrong method) is
	// held by the validator to the contract's shared error shape (a 4xx,
	// application/json, one X-Request-Id, an Error body; see
	// contract.Validator.ValidateErrorAnswer), and its violations count
	// under the same four checks.
	CheckResponseSchema = "response_schema_conformance"
	// CheckPositiveData fails when a valid request is not accepted: refused
	// as a parameter error, refused for its credentials, or answered 404,
	// which says StopTask does not exist at the endpoint.
	CheckPositiveData = "positive_data_acceptance"
	// CheckNegativeData fails when invalid input is not refused the way the
	// contract says (see each case's expectation).
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

// Expectations shared by several cases, in the words the report shows.
const (
	expectAccepted = "accepted: 200, 400 other than OMS.0054/OMS.0064, or 403 (404 fails: StopTask must exist)"
	// A malformed task_id still leaves the StopTask path template matched,
	// so the request reaches the operation and the contract's answer is 400
	// with the code for an invalid task ID (OMS.0054) or for invalid
	// parameters (OMS.0064). 404 would say the operation does not exist, and
	// any other 400 code says the server did not validate the ID. The
	// empty ID ("tasks//stop") is held to the same rule: the validator
	// routes it to StopTask with a missing required parameter; a gateway
	// that answered it 404 would be reported, deliberately.
	expectInvalidTaskID = "rejected: 400 OMS.0054 or OMS.0064 (invalid task ID or parameters)"
	expectEmptyTaskID   = "rejected: 400 OMS.0054 or OMS.0064 (the empty segment is still the StopTask path, not a missing one)"
)

func buildCases(cfg *Config) []testCase {
	var cs []testCase
	// The cases that send a valid, authenticated stop to a task the caller
	// did not name. Against a real endpoint they rely on the boundary IDs
	// not being tasks of the project; NoBoundaryProbes leaves them out.
	if !cfg.NoBoundaryProbes {
		for _, id := range []int64{MinTaskID, MaxTaskID} {
			cs = append(cs, testCase{
				name:        "positive/task_id=" + strconv.FormatInt(id, 10),
				expectation: expectAccepted,
				check:       CheckPositiveData,
				build:       validStop(id, (*runner).authPrimary),
				judge:       accepted,
			})
		}
		if cfg.Token != "" {
			cs = append(cs, testCase{
				name:        "auth/token-accepted",
				expectation: "X-Auth-Token " + expectAccepted,
				check:       CheckPositiveData,
				build:       validStop(MaxTaskID, (*runner).authToken),
				judge:       accepted,
			})
		}
		if cfg.AK != "" {
			cs = append(cs, testCase{
				name:        "auth/aksk-accepted",
				expectation: "AK/SK signature " + expectAccepted,
				check:       CheckPositiveData,
				build:       validStop(MaxTaskID, (*runner).authAKSK),
				judge:       accepted,
			})
		}
	}

	for _, n := range []struct{ label, raw, expectation string }{
		{"-1", "-1", expectInvalidTaskID},
		{"1000000000000000", "1000000000000000", expectInvalidTaskID},
		{"9223372036854775808", "9223372036854775808", expectInvalidTaskID},
		{"abc", "abc", expectInvalidTaskID},
		{"1.5", "1.5", expectInvalidTaskID},
		{"empty", "", expectEmptyTaskID},
	} {
		cs = append(cs, testCase{
			name:        "negative/task_id=" + n.label,
			expectation: n.expectation,
			check:       CheckNegativeData,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", n.raw, (*runner).authPrimary),
			judge:       rejectedInvalidTaskID,
		})
	}
	cs = append(cs,
		testCase{
			name: "negative/project_id=1025-chars",
			// The contract bounds project_id to 1024 characters but names
			// no error code for it, so any 400 that is not an answer about
			// the task will do. 403 is the contract's Forbidden, "the
			// credentials do not allow this operation on this project":
			// no credentials are scoped to such a project, and a gateway
			// may check that before the length.
			expectation: "rejected before the task is looked up: 400 (not OMS.1009/OMS.0066/OMS.0070) or 403",
			check:       CheckNegativeData,
			invalid:     true,
			build:       rawStop(http.MethodPost, strings.Repeat("a", MaxProjectIDLength+1), strconv.FormatInt(MaxTaskID, 10), (*runner).authPrimary),
			judge:       refusedBeforeTask(http.StatusBadRequest, http.StatusForbidden),
		},
		testCase{
			name: "negative/token=16385-chars",
			// No IAM token is that long, so the token is wrong (401, 403)
			// whatever else; 400 for a header over the limit is fair too,
			// unless it is an answer about the task, which would mean the
			// server accepted the token.
			expectation: "rejected before the task is looked up: 400 (not OMS.1009/OMS.0066/OMS.0070), 401 or 403",
			check:       CheckNegativeData,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authOversizedToken),
			judge:       refusedBeforeTask(http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden),
		},
		testCase{
			name:        "auth/missing",
			expectation: "rejected: 401",
			check:       CheckMissingAuth,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authNone),
			judge:       rejected(401),
		},
		testCase{
			name:        "auth/wrong-token",
			expectation: "rejected: 401 or 403",
			check:       CheckWrongAuth,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authWrongToken),
			judge:       rejected(401, 403),
		},
		testCase{
			name:        "auth/wrong-signature",
			expectation: "rejected: 401 or 403",
			check:       CheckWrongAuth,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), (*runner).authWrongSignature),
			judge:       rejected(401, 403),
		},
	)
	for _, m := range []string{http.MethodGet, http.MethodPut} {
		cs = append(cs, testCase{
			name: "method/" + m,
			// Any 4xx: HTTP says 405, and a gateway that routes by method
			// and path answers 404 APIGW.0101; either is the client's
			// mistake. The validator holds the answer to the shared error
			// shape (JSON Error body, one X-Request-Id).
			expectation: "rejected: a 4xx (405 or 404 expected) with a JSON Error body and X-Request-Id",
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

// accepted judges a valid request: anything but a refusal of the request
// itself. A 400 about the task (not found, not migrating) and a 403
// (permission) are answers of an operation that exists and took the input;
// 404 is not: the contract documents it as "the path does not exist", so
// the endpoint has no StopTask at all.
func accepted(x *exchange) []string {
	switch x.status {
	case http.StatusOK, http.StatusForbidden:
		return nil
	case http.StatusBadRequest:
		if x.code == gen.CodeInvalidTaskID || x.code == gen.CodeInvalidParameters {
			return []string{fmt.Sprintf("got %s: a valid request was refused as a parameter error", x.describe())}
		}
		return nil
	case http.StatusUnauthorized:
		return []string{fmt.Sprintf("got %s: the configured credentials were refused (check the token or AK/SK)", x.describe())}
	case http.StatusNotFound:
		return []string{fmt.Sprintf("got %s: the endpoint says the path does not exist, so StopTask is not served here (check the endpoint and its path prefix)", x.describe())}
	}
	return []string{fmt.Sprintf("got %s: a valid request was not accepted", x.describe())}
}

// rejectedInvalidTaskID is the mirror of accepted: the suite tells a
// validated task ID from an unvalidated one only by these two codes, so an
// invalid ID must draw one of them.
func rejectedInvalidTaskID(x *exchange) []string {
	if x.status == http.StatusBadRequest && (x.code == gen.CodeInvalidTaskID || x.code == gen.CodeInvalidParameters) {
		return nil
	}
	msg := fmt.Sprintf("want 400 %s or %s, got %s", gen.CodeInvalidTaskID, gen.CodeInvalidParameters, x.describe())
	switch {
	case x.status >= 200 && x.status < 300:
		msg += ": invalid input was accepted"
	case x.status == http.StatusNotFound:
		msg += ": the endpoint says the StopTask path does not exist"
	case x.status == http.StatusBadRequest && taskAnswer(x.code):
		msg += ": the server looked the task up instead of refusing the ID"
	}
	return []string{msg}
}

// taskAnswer reports whether code is one OMS gives only after it accepted
// the request and looked the task up.
func taskAnswer(code string) bool {
	switch code {
	case gen.CodeTaskNotFound, gen.CodeNotMigrating, gen.CodeAlreadyFinished:
		return true
	}
	return false
}

// refusedBeforeTask is for invalid input the contract names no error code
// for: any of the allowed statuses will do, except a 400 that is an answer
// about the task, which proves the input got through.
func refusedBeforeTask(allowed ...int) func(*exchange) []string {
	want := make([]string, len(allowed))
	for i, s := range allowed {
		want[i] = strconv.Itoa(s)
	}
	return func(x *exchange) []string {
		switch {
		case x.status == http.StatusBadRequest && taskAnswer(x.code):
			return []string{fmt.Sprintf("got %s: an answer about the task, so the invalid input was accepted", x.describe())}
		case slices.Contains(allowed, x.status):
			return nil
		}
		msg := fmt.Sprintf("want %s, got %s", strings.Join(want, " or "), x.describe())
		switch {
		case x.status >= 200 && x.status < 300:
			msg += ": invalid input was accepted"
		case x.status == http.StatusNotFound:
			msg += ": the endpoint says the StopTask path does not exist"
		}
		return []string{msg}
	}
}

// rejected is for credentials the server must refuse.
func rejected(allowed ...int) func(*exchange) []string {
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
			msg += ": the server ignores authentication"
		} else if x.status == http.StatusBadRequest && taskAnswer(x.code) {
			msg += ": the server looked the task up, so it accepted the credentials"
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
		// What this request carried, by contract's one definition of a
		// credential header (including the bare signature, which a server
		// may echo on its own).
		secrets = append(secrets, contract.SecretValues(req.Header)...)
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
	// An answer to a request that matched no operation (a wrong method) is
	// held to the contract's shared error shape by the validator itself
	// (ValidateErrorAnswer), so its violations arrive here like any other.
	vs := r.v.ValidateExchange(context.Background(), req, nil, resp.StatusCode, resp.Header, body)
	var reqV contract.Violations
	for _, v := range vs {
		if v.Direction != contract.DirectionRequest {
			res.Violations = append(res.Violations, v)
			continue
		}
		reqV = append(reqV, v)
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
