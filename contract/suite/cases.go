package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// Check names say which rule a failure broke. The first ones mirror
// Schemathesis' checks; each case adds the check of its own expectation.
const (
	// CheckNotServerError fails on any 5xx: no input, however bad, may make
	// the server fail. It also fails when the server was reached and sent
	// the whole request, then broke off instead of answering (closed the
	// connection, cut the body short, sent a malformed status line or
	// header): that is a server failing on its input as much as a 500 is.
	// A failure to connect at all and a timeout of the suite's own budget
	// stay errors (no verdict), since they say nothing about how the server
	// treats the request.
	CheckNotServerError = "not_a_server_error"
	// CheckStatusCode fails on a status the operation does not document.
	CheckStatusCode = "status_code_conformance"
	// CheckContentType fails on a body whose media type is not documented.
	CheckContentType = "content_type_conformance"
	// CheckHeaders fails on a missing or invalid documented header
	// (X-Request-Id).
	CheckHeaders = "response_headers_conformance"
	// CheckResponseSchema fails on a body that does not match its schema, or
	// on a body where none is documented (200). It also fails on an Error
	// body with more than one "error_code" member: which one a client reads
	// depends on its JSON library, so the code is ambiguous.
	//
	// An answer to a request that matches no operation (a wrong method) is
	// held by the validator to the contract's shared error shape (a 4xx,
	// application/json, one X-Request-Id, an Error body; see
	// contract.Validator.ValidateErrorAnswer), and its violations count
	// under the same four checks.
	CheckResponseSchema = "response_schema_conformance"
	// CheckPositiveData fails when a valid request is not accepted: refused
	// as a parameter error, refused for its credentials (401, or any answer
	// whose code says authentication failed: APIGW.0301, OMS.0068), or
	// answered 404, which says StopTask does not exist at the endpoint.
	CheckPositiveData = "positive_data_acceptance"
	// CheckNegativeData fails when invalid input is not refused the way the
	// contract says (see each case's expectation).
	CheckNegativeData = "negative_data_rejection"
	// CheckMissingAuth fails when a request without credentials (no
	// credential header, or an empty X-Auth-Token) is not refused with 401.
	CheckMissingAuth = "missing_auth_rejection"
	// CheckWrongAuth fails when wrong credentials (an unknown token, a
	// signature made with the wrong secret key, a correct signature whose
	// X-Sdk-Date is 20 minutes old) are not refused as an authentication
	// failure: 401, or 403 with a code saying authentication failed
	// (OMS.0068, or the gateway's APIGW.0301). 403 OMS.0072 "insufficient
	// permission" fails: it means the credentials were taken as valid.
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
	expectAccepted = "accepted: 200, 400 other than OMS.0054/OMS.0064, or 403; not 404 (StopTask must exist), not an authentication failure (401, APIGW.0301, OMS.0068)"
	// Wrong credentials must be refused as an authentication failure. The
	// facts file: a bad token is rejected by the API gateway as 401
	// (APIGW.*), and OMS itself answers authentication failure with
	// OMS.0068, as 401 or 403. OMS.0072 (403, insufficient permission) is
	// the answer to valid credentials without the right, so a server that
	// gives it to wrong credentials never verified them. This is the rule
	// gen.IsUnauthorized applies, so the suite and clients agree.
	expectWrongAuth = "rejected as an authentication failure: 401, or 403 OMS.0068/APIGW.0301 (403 OMS.0072 fails: it says the credentials were valid)"
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
		// Exponent notation is a number in JSON but not an integer path
		// parameter. "+1" and "01" are not here: the validator, like
		// strconv.ParseInt, reads them as 1, so the suite cannot send them
		// as invalid.
		{"1e3", "1e3", expectInvalidTaskID},
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
			// No IAM token is that long, so the token is wrong (401, or
			// 403 with an authentication-failure code, as for any wrong
			// credentials) whatever else; 400 for a header over the limit
			// is fair too, unless it is an answer about the task, which
			// would mean the server accepted the token.
			expectation: "rejected before the task is looked up: 400 (not OMS.1009/OMS.0066/OMS.0070), 401, or 403 OMS.0068/APIGW.0301",
			check:       CheckNegativeData,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authOversizedToken),
			judge:       refusedOversizedToken,
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
			name: "auth/empty-token",
			// An empty X-Auth-Token is no token: the contract bounds it to
			// 1..16384 characters, and a server that treats "present" as
			// "authenticated" is caught here.
			expectation: "rejected: 401 (an empty X-Auth-Token is no credential)",
			check:       CheckMissingAuth,
			invalid:     true,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authEmptyToken),
			judge:       rejected(401),
		},
		testCase{
			name:        "auth/wrong-token",
			expectation: expectWrongAuth,
			check:       CheckWrongAuth,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), authWrongToken),
			judge:       refusedCredentials,
		},
		testCase{
			name:        "auth/wrong-signature",
			expectation: expectWrongAuth,
			check:       CheckWrongAuth,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), (*runner).authWrongSignature),
			judge:       refusedCredentials,
		},
	)
	if cfg.AK != "" {
		// A signature that is right in every respect but its time: the
		// SDK-HMAC-SHA256 scheme bounds the clock skew (15 minutes at the
		// gateway), which is what keeps a captured request from being
		// replayed. It needs the configured AK/SK, since with a wrong key
		// the case would prove nothing wrong-signature does not.
		cs = append(cs, testCase{
			name:        "auth/stale-signature-date",
			expectation: "X-Sdk-Date 20 minutes old, correctly signed: " + expectWrongAuth,
			check:       CheckWrongAuth,
			build:       rawStop(http.MethodPost, "", strconv.FormatInt(MaxTaskID, 10), (*runner).authStaleDate),
			judge:       refusedCredentials,
		})
	}
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
//
// An answer that says the credentials were refused fails whatever its
// status: 401, or a 400 or 403 whose code says authentication failed
// (APIGW.0301, OMS.0068). The rule is gen.IsUnauthorized's, so a client
// of this endpoint would see the same failure.
func accepted(x *exchange) []string {
	if x.status != http.StatusUnauthorized && authFailure(x) {
		return []string{fmt.Sprintf("got %s: an authentication failure, so the configured credentials were refused (check the token or AK/SK)", x.describe())}
	}
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

// authFailure reports whether an answer says the credentials themselves
// were refused, by gen.IsUnauthorized's rule: HTTP 401, or the code
// APIGW.0301 (the gateway) or OMS.0068 (OMS) whatever the status.
func authFailure(x *exchange) bool {
	return gen.IsUnauthorized(&gen.APIError{StatusCode: x.status, Code: x.code})
}

// refusedCredentials is for wrong credentials: 401, or 403 with a code
// saying authentication failed. A 403 with any other code, OMS.0072 above
// all ("insufficient permission"), is the answer to valid credentials that
// lack a right, so the server never verified the wrong ones; a 400 is an
// answer about the request, which the server should not have looked at.
func refusedCredentials(x *exchange) []string {
	switch {
	case x.status == http.StatusUnauthorized:
		return nil
	case x.status == http.StatusForbidden && authFailure(x):
		return nil
	}
	msg := fmt.Sprintf("want 401, or 403 %s or %s, got %s", gen.CodeAuthFailed, gen.CodeGatewayAuthFailed, x.describe())
	switch {
	case x.status >= 200 && x.status < 300:
		msg += ": the server ignores authentication"
	case x.status == http.StatusForbidden:
		msg += ": a refusal that is not an authentication failure, so the server took the wrong credentials as valid"
	case x.status == http.StatusBadRequest && taskAnswer(x.code):
		msg += ": the server looked the task up, so it accepted the credentials"
	}
	return []string{msg}
}

// refusedOversizedToken is refusedBeforeTask(400, 401, 403), but a 403
// must say authentication failed: a token that long cannot be valid, so a
// permission refusal means it was taken as one.
func refusedOversizedToken(x *exchange) []string {
	if x.status == http.StatusForbidden && !authFailure(x) {
		return []string{fmt.Sprintf("got %s: a refusal that is not an authentication failure (want 401, or 403 %s or %s), so the server took the token as valid", x.describe(), gen.CodeAuthFailed, gen.CodeGatewayAuthFailed)}
	}
	return refusedBeforeTask(http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden)(x)
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

// maxCodeLength bounds an error code the suite reports; a longer one is
// not a code but a server echoing something.
const maxCodeLength = 64

// errorCode reads the error code of an Error body. It returns the code, ""
// when there is none, and every value of the member when the body has more
// than one (then the code is "" unless they all agree).
//
// It reads the code the way gen.CheckResponse reads it from a body of the
// contract's Error shape, so that the suite judges what clients see: the
// first JSON value, after any JSON white space (a leading newline or a
// pretty-printed body is valid JSON), must be an object, and the code is
// the string value of its member named exactly "error_code". JSON member
// names are case-sensitive; decoding into a Go struct is not ("Error_Code"
// would match, and the last such member would win), which is why the
// members are walked one by one instead. A repeated "error_code" is
// reported, not resolved: RFC 8259 leaves its meaning to each parser, and
// gen's decoding into a map keeps the last one while others keep the first.
//
// Unlike gen.CheckResponse it does not fall back to "code" or to nested
// objects: those are how clients cope with bodies outside the contract,
// and the validator already fails such a body.
func errorCode(body []byte) (code string, repeated []string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", nil
	}
	var values []json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", nil
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", nil
		}
		// Token has already undone escapes: "error\u005fcode" is
		// error_code to every JSON parser, gen's included.
		if name, _ := tok.(string); name == "error_code" {
			values = append(values, v)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return "", nil
	}
	codes := make([]string, len(values))
	for i, v := range values {
		codes[i] = codeValue(v)
	}
	switch {
	case len(codes) == 0:
		return "", nil
	case len(codes) == 1:
		return codes[0], nil
	}
	repeated = make([]string, len(values))
	for i, v := range values {
		repeated[i] = printableCut(string(v))
	}
	if slices.ContainsFunc(codes, func(c string) bool { return c == "" || c != codes[0] }) {
		return "", repeated
	}
	return codes[0], repeated
}

// codeValue returns a JSON string value as a code, "" for anything else
// (a number, null) or for a string no code looks like.
func codeValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) != nil || len(s) > maxCodeLength || !printable(s) {
		return ""
	}
	return s
}

// printableCut makes a raw JSON value from the server fit for a report
// line: at most maxCodeLength bytes, anything unprintable as '?'.
func printableCut(s string) string {
	cut := len(s) > maxCodeLength
	if cut {
		s = s[:maxCodeLength]
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	if cut {
		b = append(b, "..."...)
	}
	return string(b)
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

// staleSignatureAge is how far in the past authStaleDate signs: beyond the
// 15 minutes of clock skew the gateway tolerates, with room for a server
// whose clock is a few minutes off.
const staleSignatureAge = 20 * time.Minute

// authStaleDate signs with the configured AK/SK as authAKSK does, but at a
// time staleSignatureAge ago, so that X-Sdk-Date is the only thing wrong.
func (r *runner) authStaleDate(ctx context.Context, req *http.Request) error {
	past := func() time.Time { return time.Now().Add(-staleSignatureAge) }
	return gen.WithAKSK(gen.Credentials{AK: r.cfg.AK, SK: r.cfg.SK, SecurityToken: r.cfg.SecurityToken, ProjectID: r.cfg.ProjectID}, gen.WithClock(past))(ctx, req)
}

func authNone(*runner, context.Context, *http.Request) error { return nil }

// authEmptyToken sends the X-Auth-Token header with an empty value (Go
// sends a header whose value is empty); gen.WithToken rightly refuses to.
func authEmptyToken(_ *runner, _ context.Context, req *http.Request) error {
	req.Header[gen.HeaderAuthToken] = []string{""}
	return nil
}

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

	// Each exchange gets a connection of its own (Connection: close), so
	// that a connection the server closes while the suite sends is never
	// one it had kept idle from an earlier case, and a break can be laid at
	// this request's door. The trace records how far the exchange got.
	req.Close = true
	var tr exchangeTrace
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), tr.clientTrace()))

	start := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		res.Duration = time.Since(start)
		if tr.brokenOff(err) {
			how := "closed the connection without an answer"
			if tr.answered.Load() {
				how = "sent a malformed answer"
			}
			res.fail(CheckNotServerError, "the server was sent the whole request, then "+how+": "+transportError(err, r.cfg.Timeout))
			res.Verdict = VerdictFail
			return res
		}
		res.Verdict, res.Error = VerdictError, transportError(err, r.cfg.Timeout)
		res.Unreachable = unreachable(err)
		return res
	}
	body, rerr := r.v.ReadBody(resp.Body)
	resp.Body.Close()
	res.Duration = time.Since(start)
	res.Status = resp.StatusCode
	if rerr != nil && !errors.Is(rerr, contract.ErrBodyTooLarge) {
		msg := transportError(fmt.Errorf("reading the response body: %w", rerr), r.cfg.Timeout)
		if tr.brokenOff(rerr) {
			// The status line and headers came, the body did not: the
			// partial answer is not judged, only the break.
			res.fail(CheckNotServerError, "the server broke off its answer: "+msg)
			res.Verdict = VerdictFail
			return res
		}
		res.Verdict, res.Error = VerdictError, msg
		return res
	}
	code, repeated := errorCode(body)
	x := &exchange{status: resp.StatusCode, header: resp.Header, body: body, code: code}
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
	if len(repeated) > 0 {
		res.fail(CheckResponseSchema, fmt.Sprintf("the body has %d error_code members (%s): which one a client reads depends on its JSON parser", len(repeated), strings.Join(repeated, ", ")))
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

// exchangeTrace records how far an exchange got. The transport reports on
// goroutines of its own, hence the atomics.
type exchangeTrace struct {
	// wrote: the whole request went out.
	wrote atomic.Bool
	// reused: it went out on a connection an earlier exchange had left
	// idle (only with a caller's client that reuses them).
	reused atomic.Bool
	// answered: the first byte of an answer came back.
	answered atomic.Bool
}

func (t *exchangeTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn:              func(info httptrace.GotConnInfo) { t.reused.Store(info.Reused) },
		WroteRequest:         func(info httptrace.WroteRequestInfo) { t.wrote.Store(info.Err == nil) },
		GotFirstResponseByte: func() { t.answered.Store(true) },
	}
}

// brokenOff reports whether err, from sending a request or reading its
// answer, means that the server was reached and failed: the whole request
// was written, and what followed was neither the suite's own deadline, nor
// a cancellation, nor a failure to connect. What is left is the server
// closing the connection without an answer, cutting a body short or
// sending a malformed status line or header: a crash on the input, as much
// a server error as a 500.
//
// One exception: a connection kept idle from an earlier exchange that
// closes before any answer may be the server's idle timeout racing the
// request, not this request's doing, so that stays an error.
func (t *exchangeTrace) brokenOff(err error) bool {
	var ne net.Error
	switch {
	case !t.wrote.Load(), unreachable(err),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.As(err, &ne) && ne.Timeout(),
		t.reused.Load() && !t.answered.Load():
		return false
	}
	return true
}

// unreachable tells a server that could not be reached from one that
// answered badly, so that the command can exit with a usage-level code.
func unreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) ||
		(errors.As(err, &opErr) && opErr.Op == "dial")
}
