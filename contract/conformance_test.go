package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
)

// newDefaultMock builds a mock seeded with the default fixtures, so each
// test starts from tasks in known states.
func newDefaultMock(t *testing.T) *mock.Mock {
	t.Helper()
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// runSuite serves h on loopback and runs the whole suite against it with the
// default mock credentials and the default tasks.
func runSuite(t *testing.T, h http.Handler) *suite.Report {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rep, err := suite.Run(context.Background(), suite.Config{
		Endpoint:  srv.URL,
		ProjectID: mock.DefaultProjectID,
		Token:     mock.DefaultToken,
		AK:        mock.DefaultAK,
		SK:        mock.DefaultSK,
		Behaviour: suite.Behaviour{
			MigratingTask: suite.TaskID(mock.DefaultMigratingTaskID),
			FinishedTask:  suite.TaskID(mock.DefaultSucceededTaskID),
			UnknownTask:   suite.TaskID(mock.DefaultUnknownTaskID),
		},
	})
	if err != nil {
		t.Fatalf("suite.Run: %v", err)
	}
	return rep
}

// TestSuitePassesAgainstTheMock is the main job in test form: the mock
// conforms, so every case passes and nothing is held against it.
func TestSuitePassesAgainstTheMock(t *testing.T) {
	m := newDefaultMock(t)
	rep := runSuite(t, m.Handler())

	type row struct {
		Name    string
		Verdict suite.Verdict
	}
	var want, got []row
	for _, c := range rep.Cases {
		want = append(want, row{c.Name, suite.VerdictPass})
		got = append(got, row{c.Name, c.Verdict})
		if len(c.Violations) > 0 || len(c.Failures) > 0 || c.Error != "" {
			t.Errorf("%s: failures %v, violations %v, error %q", c.Name, c.Failures, c.Violations, c.Error)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	if !rep.Conformant() {
		t.Errorf("report is not conformant: %s", rep.SummaryLine())
	}
	// The run must have exercised every family of cases, including the
	// behaviour ones that change state.
	for _, name := range []string{
		"positive/task_id=0", "positive/task_id=999999999999999",
		"negative/task_id=abc", "negative/task_id=empty", "negative/project_id=1025-chars",
		"negative/task_id=1e3", "negative/token=16385-chars", "auth/missing", "auth/empty-token",
		"auth/wrong-token", "auth/wrong-signature", "auth/stale-signature-date",
		"method/GET", "behaviour/stop-migrating-task", "behaviour/stop-again",
		"behaviour/stop-finished-task", "behaviour/stop-unknown-task",
	} {
		if _, ok := rep.Result(name); !ok {
			t.Errorf("case %s did not run", name)
		}
	}
	// The stop went through: the migrating task is now pausing.
	if task, ok := m.Task(mock.DefaultProjectID, mock.DefaultMigratingTaskID); !ok || task.Status != mock.StatusPausing {
		t.Errorf("migrating task after the run = %+v, %v; want status %v", task, ok, mock.StatusPausing)
	}
	// Deliberately invalid requests carry expected violations; the mock's
	// own answers none.
	for _, v := range m.Violations() {
		if v.Direction == contract.DirectionResponse {
			t.Errorf("the mock reported a violation of its own answer: %v", v)
		}
	}
	for _, name := range []string{"negative/task_id=abc", "auth/missing", "method/PUT"} {
		if c, _ := rep.Result(name); len(c.ExpectedViolations) == 0 {
			t.Errorf("%s: no expected request violation recorded", name)
		}
	}
}

// captured is a response held back so that a breaking middleware can
// rewrite it before it is sent.
type captured struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (c *captured) Header() http.Header         { return c.header }
func (c *captured) Write(p []byte) (int, error) { return c.body.Write(p) }
func (c *captured) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// breaking wraps h and lets mutate rewrite every answer: the mock stays
// right about state, and only the named flaw is introduced.
func breaking(h http.Handler, mutate func(r *http.Request, c *captured)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &captured{header: http.Header{}}
		h.ServeHTTP(c, r)
		if c.status == 0 {
			c.status = http.StatusOK
		}
		mutate(r, c)
		for k, vs := range c.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(c.body.Len()))
		w.WriteHeader(c.status)
		w.Write(c.body.Bytes())
	})
}

func replaceBody(c *captured, contentType, body string) {
	c.header.Set("Content-Type", contentType)
	c.body.Reset()
	c.body.WriteString(body)
}

// TestSuiteCatchesBrokenServers proves the checker can fail: each server
// breaks the contract in one way, and the named case must fail exactly the
// named checks, with a violation of the named kind where the flaw is a
// contract violation.
func TestSuiteCatchesBrokenServers(t *testing.T) {
	tests := []struct {
		name    string
		handler func(m *mock.Mock) http.Handler
		// caseName is the case that must catch the flaw.
		caseName string
		// wantChecks are exactly the checks that case must fail.
		wantChecks []string
		// wantViolation is a violation the case must hold against the
		// server; the zero value when the flaw is behavioural only.
		wantViolation contract.Violation
	}{
		{
			name: "201 on success",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(_ *http.Request, c *captured) {
					if c.status == http.StatusOK {
						c.status = http.StatusCreated
					}
				})
			},
			caseName:      "behaviour/stop-migrating-task",
			wantChecks:    []string{suite.CheckBehaviour, suite.CheckStatusCode},
			wantViolation: contract.Violation{Kind: contract.KindStatus, Status: http.StatusCreated},
		},
		{
			name: "body on 200",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(_ *http.Request, c *captured) {
					if c.status == http.StatusOK {
						replaceBody(c, "application/json", `{"result":"ok"}`)
					}
				})
			},
			caseName:      "behaviour/stop-migrating-task",
			wantChecks:    []string{suite.CheckResponseSchema},
			wantViolation: contract.Violation{Kind: contract.KindBody, Status: http.StatusOK},
		},
		{
			name: "text/plain error",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(_ *http.Request, c *captured) {
					if c.status >= 400 {
						replaceBody(c, "text/plain; charset=utf-8", "no such task\n")
					}
				})
			},
			caseName: "behaviour/stop-unknown-task",
			// Without a JSON body there is no error code, so the behaviour
			// check cannot see OMS.1009 either.
			wantChecks:    []string{suite.CheckBehaviour, suite.CheckContentType},
			wantViolation: contract.Violation{Kind: contract.KindContentType, Status: http.StatusBadRequest, Name: "Content-Type"},
		},
		{
			name: "missing X-Request-Id",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(_ *http.Request, c *captured) {
					c.header.Del(gen.HeaderRequestID)
				})
			},
			caseName:      "positive/task_id=0",
			wantChecks:    []string{suite.CheckHeaders},
			wantViolation: contract.Violation{Kind: contract.KindHeader, Status: http.StatusBadRequest, Name: gen.HeaderRequestID},
		},
		{
			name: "error_code as a number",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(_ *http.Request, c *captured) {
					if c.status >= 400 {
						replaceBody(c, "application/json", `{"error_code":1009,"error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "behaviour/stop-unknown-task",
			wantChecks:    []string{suite.CheckBehaviour, suite.CheckResponseSchema},
			wantViolation: contract.Violation{Kind: contract.KindBody, Status: http.StatusBadRequest, Pointer: "/error_code"},
		},
		{
			name: "undocumented 502 with HTML",
			handler: func(*mock.Mock) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set(gen.HeaderRequestID, gen.NewRequestID())
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusBadGateway)
					w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
				})
			},
			caseName:      "positive/task_id=0",
			wantChecks:    []string{suite.CheckNotServerError, suite.CheckPositiveData, suite.CheckStatusCode},
			wantViolation: contract.Violation{Kind: contract.KindStatus, Status: http.StatusBadGateway},
		},
		{
			name:          "ignores authentication",
			handler:       func(*mock.Mock) http.Handler { return okEverything() },
			caseName:      "auth/missing",
			wantChecks:    []string{suite.CheckMissingAuth},
			wantViolation: contract.Violation{},
		},
		{
			name:          "ignores wrong credentials",
			handler:       func(*mock.Mock) http.Handler { return okEverything() },
			caseName:      "auth/wrong-signature",
			wantChecks:    []string{suite.CheckWrongAuth},
			wantViolation: contract.Violation{},
		},
		{
			name:          "accepts an invalid task_id",
			handler:       func(*mock.Mock) http.Handler { return okEverything() },
			caseName:      "negative/task_id=abc",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name: "refuses a valid task_id as invalid",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if strings.HasSuffix(r.URL.Path, "/tasks/0/stop") && c.status == http.StatusBadRequest {
						replaceBody(c, "application/json", `{"error_code":"OMS.0054","error_msg":"Invalid task ID."}`)
					}
				})
			},
			caseName:      "positive/task_id=0",
			wantChecks:    []string{suite.CheckPositiveData},
			wantViolation: contract.Violation{},
		},
		{
			name: "second stop accepted",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(_ *http.Request, c *captured) {
					if c.status == http.StatusBadRequest && bytes.Contains(c.body.Bytes(), []byte(gen.CodeNotMigrating)) {
						c.status = http.StatusOK
						c.header.Del("Content-Type")
						c.body.Reset()
					}
				})
			},
			caseName:      "behaviour/stop-again",
			wantChecks:    []string{suite.CheckBehaviour},
			wantViolation: contract.Violation{},
		},
		{
			// Off-operation answers are held to the error shape by the
			// validator: a non-4xx gets only the status violation.
			name: "wrong method answered with a server error",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if r.Method != http.MethodPost {
						c.status = http.StatusInternalServerError
						replaceBody(c, "text/html", "<h1>oops</h1>")
					}
				})
			},
			caseName:      "method/GET",
			wantChecks:    []string{suite.CheckNotServerError, suite.CheckStatusCode, suite.CheckUnsupportedMethod},
			wantViolation: contract.Violation{Kind: contract.KindStatus, Status: http.StatusInternalServerError},
		},
		{
			name:          "StopTask does not exist: 401 without credentials, 404 APIGW.0101 for the rest",
			handler:       notFoundForEverything,
			caseName:      "positive/task_id=0",
			wantChecks:    []string{suite.CheckPositiveData},
			wantViolation: contract.Violation{},
		},
		{
			name:          "StopTask does not exist, seen by a negative case",
			handler:       notFoundForEverything,
			caseName:      "negative/task_id=abc",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name:          "StopTask does not exist, seen by the empty task ID",
			handler:       notFoundForEverything,
			caseName:      "negative/task_id=empty",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name:          "StopTask does not exist, seen by the long project ID",
			handler:       notFoundForEverything,
			caseName:      "negative/project_id=1025-chars",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name: "invalid task ID refused with an unrelated 400 code",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(_ *http.Request, c *captured) {
					if bytes.Contains(c.body.Bytes(), []byte(gen.CodeInvalidTaskID)) {
						replaceBody(c, "application/json", `{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "negative/task_id=-1",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name: "405 without X-Request-Id",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if r.Method != http.MethodPost {
						c.header.Del(gen.HeaderRequestID)
					}
				})
			},
			caseName:      "method/GET",
			wantChecks:    []string{suite.CheckHeaders},
			wantViolation: contract.Violation{Kind: contract.KindHeader, Status: http.StatusMethodNotAllowed, Name: gen.HeaderRequestID},
		},
		{
			name: "PUT answered with 200",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if r.Method == http.MethodPut {
						c.status = http.StatusOK
						c.header.Del("Content-Type")
						c.body.Reset()
					}
				})
			},
			caseName:      "method/PUT",
			wantChecks:    []string{suite.CheckStatusCode, suite.CheckUnsupportedMethod},
			wantViolation: contract.Violation{Kind: contract.KindStatus, Status: http.StatusOK},
		},
		{
			name: "PUT answered with a JSON 500",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if r.Method == http.MethodPut {
						c.status = http.StatusInternalServerError
						replaceBody(c, "application/json", `{"error_code":"OMS.0159","error_msg":"System error."}`)
					}
				})
			},
			caseName:      "method/PUT",
			wantChecks:    []string{suite.CheckNotServerError, suite.CheckStatusCode, suite.CheckUnsupportedMethod},
			wantViolation: contract.Violation{Kind: contract.KindStatus, Status: http.StatusInternalServerError},
		},
		{
			name: "accepts any token",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if r.Header.Get(gen.HeaderAuthToken) != "" && c.status == http.StatusUnauthorized {
						c.status = http.StatusBadRequest
						replaceBody(c, "application/json", `{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "auth/wrong-token",
			wantChecks:    []string{suite.CheckWrongAuth},
			wantViolation: contract.Violation{},
		},
		{
			name: "accepts a project ID over 1024 characters",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if project, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/"); len(project) > suite.MaxProjectIDLength {
						c.status = http.StatusBadRequest
						replaceBody(c, "application/json", `{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "negative/project_id=1025-chars",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name: "accepts a token over 16384 characters",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if len(r.Header.Get(gen.HeaderAuthToken)) > gen.MaxTokenLength {
						c.status = http.StatusBadRequest
						replaceBody(c, "application/json", `{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "negative/token=16385-chars",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name:          "refuses valid tokens",
			handler:       func(m *mock.Mock) http.Handler { return refusingScheme(m, gen.HeaderAuthToken) },
			caseName:      "auth/token-accepted",
			wantChecks:    []string{suite.CheckPositiveData},
			wantViolation: contract.Violation{},
		},
		{
			name:          "refuses valid AK/SK signatures",
			handler:       func(m *mock.Mock) http.Handler { return refusingScheme(m, gen.HeaderAuthorization) },
			caseName:      "auth/aksk-accepted",
			wantChecks:    []string{suite.CheckPositiveData},
			wantViolation: contract.Violation{},
		},
		{
			// The finding: the code was read only from a body starting
			// with '{', so a leading newline hid OMS.1009 and the lookup
			// passed as "some 400".
			name:          "accepts a project ID over 1024 characters, error body after a newline",
			handler:       func(m *mock.Mock) http.Handler { return lookupDespiteLongProject(m, "\n") },
			caseName:      "negative/project_id=1025-chars",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			// The finding: a struct decode matched "Error_Code" too, and
			// the last match won, so the suite read OMS.0054 where
			// gen.CheckResponse, and so every client, reads OMS.1009.
			name: "invalid task ID looked up, OMS.0054 hidden in a case variant of error_code",
			handler: func(m *mock.Mock) http.Handler {
				return rewriteInvalidTaskID(m, `{"error_code":"OMS.1009","error_msg":"The resource does not exist.","Error_Code":"OMS.0054"}`)
			},
			caseName:      "negative/task_id=-1",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name: "invalid task ID answered with two error_code members",
			handler: func(m *mock.Mock) http.Handler {
				return rewriteInvalidTaskID(m, `{"error_code":"OMS.1009","error_msg":"The resource does not exist.","error_code":"OMS.0054"}`)
			},
			caseName:      "negative/task_id=-1",
			wantChecks:    []string{suite.CheckNegativeData, suite.CheckResponseSchema},
			wantViolation: contract.Violation{},
		},
		{
			name:          "never verifies credentials, answers 403 OMS.0072 to any token",
			handler:       permissionForAnyCredentials,
			caseName:      "auth/wrong-token",
			wantChecks:    []string{suite.CheckWrongAuth},
			wantViolation: contract.Violation{},
		},
		{
			name:          "never verifies credentials, answers 403 OMS.0072 to any signature",
			handler:       permissionForAnyCredentials,
			caseName:      "auth/wrong-signature",
			wantChecks:    []string{suite.CheckWrongAuth},
			wantViolation: contract.Violation{},
		},
		{
			name: "a 16385-character token answered 403 OMS.0072",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if len(r.Header.Get(gen.HeaderAuthToken)) > gen.MaxTokenLength {
						c.status = http.StatusForbidden
						replaceBody(c, "application/json", `{"error_code":"OMS.0072","error_msg":"Insufficient permission."}`)
					}
				})
			},
			caseName:      "negative/token=16385-chars",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
		{
			name: "refuses valid credentials with 403 OMS.0068",
			handler: func(m *mock.Mock) http.Handler {
				return authFailureForValidRequests(m, http.StatusForbidden, gen.CodeAuthFailed)
			},
			caseName:      "positive/task_id=0",
			wantChecks:    []string{suite.CheckPositiveData},
			wantViolation: contract.Violation{},
		},
		{
			name: "refuses valid credentials with 400 APIGW.0301",
			handler: func(m *mock.Mock) http.Handler {
				return authFailureForValidRequests(m, http.StatusBadRequest, gen.CodeGatewayAuthFailed)
			},
			caseName:      "positive/task_id=0",
			wantChecks:    []string{suite.CheckPositiveData},
			wantViolation: contract.Violation{},
		},
		{
			name: "crashes on an invalid task ID: closes the connection without an answer",
			handler: func(m *mock.Mock) http.Handler {
				return crashOnInvalidTaskID(m, "")
			},
			caseName:      "negative/task_id=-1",
			wantChecks:    []string{suite.CheckNotServerError},
			wantViolation: contract.Violation{},
		},
		{
			name: "crashes on an invalid task ID: aborts in the middle of the body",
			handler: func(m *mock.Mock) http.Handler {
				return crashOnInvalidTaskID(m, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Request-Id: r-1\r\nContent-Length: 500\r\n\r\n{\"error_co")
			},
			caseName:      "negative/task_id=-1",
			wantChecks:    []string{suite.CheckNotServerError},
			wantViolation: contract.Violation{},
		},
		{
			name: "crashes on an invalid task ID: sends a malformed header",
			handler: func(m *mock.Mock) http.Handler {
				return crashOnInvalidTaskID(m, "HTTP/1.1 400 Bad Request\r\nX-Request-Id r-1\r\n\r\n")
			},
			caseName:      "negative/task_id=-1",
			wantChecks:    []string{suite.CheckNotServerError},
			wantViolation: contract.Violation{},
		},
		{
			name: "accepts a correctly signed request 20 minutes old",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					d, err := time.Parse(gen.SdkDateFormat, r.Header.Get(gen.HeaderSdkDate))
					if err == nil && time.Since(d).Abs() > 15*time.Minute {
						c.status = http.StatusBadRequest
						replaceBody(c, "application/json", `{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "auth/stale-signature-date",
			wantChecks:    []string{suite.CheckWrongAuth},
			wantViolation: contract.Violation{},
		},
		{
			name: "accepts an empty X-Auth-Token",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if v, ok := r.Header[gen.HeaderAuthToken]; ok && len(v) == 1 && v[0] == "" {
						c.status = http.StatusBadRequest
						replaceBody(c, "application/json", `{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "auth/empty-token",
			wantChecks:    []string{suite.CheckMissingAuth},
			wantViolation: contract.Violation{},
		},
		{
			name: "reads task_id 1e3 as 1000",
			handler: func(m *mock.Mock) http.Handler {
				return breaking(m.Handler(), func(r *http.Request, c *captured) {
					if strings.Contains(r.URL.Path, "/tasks/1e3/") {
						c.status = http.StatusBadRequest
						replaceBody(c, "application/json", `{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
					}
				})
			},
			caseName:      "negative/task_id=1e3",
			wantChecks:    []string{suite.CheckNegativeData},
			wantViolation: contract.Violation{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newDefaultMock(t)
			rep := runSuite(t, tt.handler(m))
			if rep.Conformant() || rep.Summary.Failed == 0 {
				t.Errorf("the broken server was judged conformant: %s", rep.SummaryLine())
			}
			res, ok := rep.Result(tt.caseName)
			if !ok {
				t.Fatalf("case %s did not run", tt.caseName)
			}
			if res.Verdict != suite.VerdictFail {
				t.Errorf("%s: verdict %s, want fail (error %q)", tt.caseName, res.Verdict, res.Error)
			}
			var got []string
			for _, f := range res.Failures {
				if !slices.Contains(got, f.Check) {
					got = append(got, f.Check)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.wantChecks, got); diff != "" {
				t.Errorf("%s: failed checks (-want +got):\n%s\nfailures: %v", tt.caseName, diff, res.Failures)
			}
			if tt.wantViolation.Kind == "" {
				return
			}
			found := false
			for _, v := range res.Violations {
				w := tt.wantViolation
				if v.Direction == contract.DirectionResponse && v.Kind == w.Kind && v.Status == w.Status &&
					(w.Name == "" || v.Name == w.Name) && (w.Pointer == "" || v.Pointer == w.Pointer) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no response violation like %+v among %v", tt.caseName, tt.wantViolation, res.Violations)
			}
		})
	}
}

// lookupDespiteLongProject never checks the project ID's length: it looks
// the task up and answers 400 OMS.1009, its body preceded by prefix.
func lookupDespiteLongProject(m *mock.Mock, prefix string) http.Handler {
	return breaking(m.Handler(), func(r *http.Request, c *captured) {
		if project, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/"); len(project) > suite.MaxProjectIDLength {
			c.status = http.StatusBadRequest
			replaceBody(c, "application/json", prefix+`{"error_code":"OMS.1009","error_msg":"The resource does not exist."}`)
		}
	})
}

// rewriteInvalidTaskID replaces the body of every answer that refuses a
// task ID (400 OMS.0054) with body.
func rewriteInvalidTaskID(m *mock.Mock, body string) http.Handler {
	return breaking(m.Handler(), func(_ *http.Request, c *captured) {
		if c.status == http.StatusBadRequest && bytes.Contains(c.body.Bytes(), []byte(gen.CodeInvalidTaskID)) {
			replaceBody(c, "application/json", body)
		}
	})
}

// permissionForAnyCredentials is a server that never verifies a token or
// a signature: any request that carries one is "authenticated" and then
// refused 403 OMS.0072, insufficient permission, where the mock refused the
// credentials (401) or looked the task up (OMS.1009). Requests without
// credentials still get 401, so only the wrong-credential rule can tell.
func permissionForAnyCredentials(m *mock.Mock) http.Handler {
	return breaking(m.Handler(), func(r *http.Request, c *captured) {
		if r.Header.Get(gen.HeaderAuthToken) == "" && r.Header.Get(gen.HeaderAuthorization) == "" {
			return
		}
		if c.status == http.StatusUnauthorized || bytes.Contains(c.body.Bytes(), []byte(gen.CodeTaskNotFound)) {
			c.status = http.StatusForbidden
			replaceBody(c, "application/json", `{"error_code":"OMS.0072","error_msg":"Insufficient permission."}`)
		}
	})
}

// authFailureForValidRequests refuses every valid request (the mock's 400
// OMS.1009 for the boundary IDs) as an authentication failure, under a
// status other than 401.
func authFailureForValidRequests(m *mock.Mock, status int, code string) http.Handler {
	return breaking(m.Handler(), func(_ *http.Request, c *captured) {
		if c.status == http.StatusBadRequest && bytes.Contains(c.body.Bytes(), []byte(gen.CodeTaskNotFound)) {
			c.status = status
			replaceBody(c, "application/json", `{"error_code":"`+code+`","error_msg":"Authentication failed."}`)
		}
	})
}

// crashOnInvalidTaskID is the mock, except that where the mock would
// refuse a task ID (400 OMS.0054) it writes raw to the connection and
// closes it: nothing at all, half an answer, or a malformed one.
func crashOnInvalidTaskID(m *mock.Mock, raw string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &captured{header: http.Header{}}
		m.Handler().ServeHTTP(c, r)
		if c.status == http.StatusBadRequest && bytes.Contains(c.body.Bytes(), []byte(gen.CodeInvalidTaskID)) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			buf.WriteString(raw)
			buf.Flush()
			conn.Close()
			return
		}
		for k, vs := range c.header {
			w.Header()[k] = vs
		}
		if c.status == 0 {
			c.status = http.StatusOK
		}
		w.WriteHeader(c.status)
		w.Write(c.body.Bytes())
	})
}

// notFoundForEverything is an endpoint where StopTask does not exist, behind
// a gateway that checks credentials first: 401 APIGW.0301 (the mock's
// answer) when they are missing or wrong, 404 APIGW.0101 for everything
// else, each a well-formed error. Only the cases' expectations can tell it
// from a server that refuses all it is sent for good reasons.
func notFoundForEverything(m *mock.Mock) http.Handler {
	return breaking(m.Handler(), func(_ *http.Request, c *captured) {
		if c.status != http.StatusUnauthorized {
			c.status = http.StatusNotFound
			replaceBody(c, "application/json", `{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published in the environment."}`)
		}
	})
}

// refusingScheme answers 401 APIGW.0301 to every request that carries the
// named credential header, valid or not: a server that has lost one of the
// two authentication schemes.
func refusingScheme(m *mock.Mock, header string) http.Handler {
	return breaking(m.Handler(), func(r *http.Request, c *captured) {
		if r.Header.Get(header) != "" {
			c.status = http.StatusUnauthorized
			replaceBody(c, "application/json", `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information."}`)
		}
	})
}

// okEverything is a server that ignores everything it is sent and answers
// a contract-shaped 200, so only the suite's expectations can catch it.
func okEverything() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(gen.HeaderRequestID, gen.NewRequestID())
		w.WriteHeader(http.StatusOK)
	})
}

// TestSuiteReadsErrorCodesAfterJSONWhitespace: JSON allows white space
// before a value and between tokens, and a server may answer that way; the
// suite must read the same error codes from such bodies, or it fails a
// conforming server (before the fix, six cases failed on a leading
// newline).
func TestSuiteReadsErrorCodesAfterJSONWhitespace(t *testing.T) {
	for name, reshape := range map[string]func(body []byte) string{
		"leading newline": func(body []byte) string { return "\n" + string(body) },
		"pretty-printed and indented": func(body []byte) string {
			var b bytes.Buffer
			if err := json.Indent(&b, body, " \t", "  "); err != nil {
				t.Fatalf("the mock's error body is not JSON: %q", body)
			}
			return "\r\n " + b.String() + "\n"
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := newDefaultMock(t)
			rep := runSuite(t, breaking(m.Handler(), func(_ *http.Request, c *captured) {
				if c.status >= 400 {
					replaceBody(c, c.header.Get("Content-Type"), reshape(c.body.Bytes()))
				}
			}))
			for _, c := range rep.Cases {
				if c.Verdict != suite.VerdictPass {
					t.Errorf("%s: %s %s, failures %v, error %q", c.Name, c.Verdict, c.ErrorCode, c.Failures, c.Error)
				}
			}
			if c, _ := rep.Result("behaviour/stop-unknown-task"); c.ErrorCode != gen.CodeTaskNotFound {
				t.Errorf("stop-unknown-task read error code %q, want %s", c.ErrorCode, gen.CodeTaskNotFound)
			}
		})
	}
}

// TestSuiteReportsAnUnreachableServer: a closed port gives a report of
// errors, each marked unreachable, not a crash and not a pass.
func TestSuiteReportsAnUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	rep, err := suite.Run(context.Background(), suite.Config{Endpoint: url, ProjectID: mock.DefaultProjectID, Token: mock.DefaultToken})
	if err != nil {
		t.Fatalf("suite.Run: %v", err)
	}
	want := suite.Summary{Total: len(rep.Cases), Errors: len(rep.Cases), Unreachable: len(rep.Cases)}
	if diff := cmp.Diff(want, rep.Summary); diff != "" || want.Total == 0 {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}
