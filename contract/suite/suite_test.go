package suite_test

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
)

// The cases the broken servers below are judged by.
const (
	invalidTask = "StopTask task_id=abc"
	noCreds     = "StopTask no credentials"
	wrongToken  = "StopTask IAMToken wrong"
	wrongKey    = "StopTask AKSK wrong"
	validToken  = "StopTask IAMToken valid"
	validKey    = "StopTask AKSK valid"
	migrating   = "StopTask migrating"
)

func TestRunAgainstMockIsConformant(t *testing.T) {
	cfg := setup(t, server{})
	r, err := suite.Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !r.Conformant() || r.CredentialsRefused {
		t.Errorf("not conformant (credentials refused: %v): %s\n%v", r.CredentialsRefused, r.SummaryLine(), failures(r))
	}
	for _, c := range r.Cases {
		if c.Rule == "" || c.Expectation == "" || c.Status == 0 {
			t.Errorf("case %q: rule %q, expectation %q, status %d", c.Name, c.Rule, c.Expectation, c.Status)
		}
	}
	// Every schema keyword of every operation's path parameters produced
	// its case, with the value the keyword gives.
	v := cfg.Validator
	task, project := schema(t, v, "task_id"), schema(t, v, "project_id")
	taskMin, taskMax := v.IntBounds(task)
	bound := func(b *big.Int, step int64) string { return new(big.Int).Add(b, big.NewInt(step)).String() }
	maxLen := int(*project.MaxLength)
	tests := []struct {
		rule, param, value string
	}{
		{"task_id: minimum", "task_id", bound(taskMin, 0)},
		{"task_id: minimum -1", "task_id", bound(taskMin, -1)},
		{"task_id: maximum", "task_id", bound(taskMax, 0)},
		{"task_id: maximum +1", "task_id", bound(taskMax, 1)},
		{"task_id: type integer: not a number", "task_id", "abc"},
		{"project_id: minLength", "project_id", strings.Repeat("a", int(project.MinLength))},
		{"project_id: maxLength", "project_id", strings.Repeat("a", maxLen)},
		{"project_id: maxLength in two-byte characters", "project_id", strings.Repeat("é", maxLen)},
		{"project_id: maxLength + 1", "project_id", strings.Repeat("a", maxLen+1)},
	}
	for _, op := range v.Operations() {
		for _, tt := range tests {
			if !hasParam(op, tt.param) {
				continue
			}
			t.Run(op.OperationID+" "+tt.rule, func(t *testing.T) {
				cases := byRule(r, op.OperationID, tt.rule)
				if len(cases) != 1 {
					t.Fatalf("%d cases with rule %q, want 1", len(cases), tt.rule)
				}
				if got := segment(t, cases[0], op.Path, tt.param); got != tt.value {
					t.Errorf("sent %s of %d characters (%.12q…), want %d (%.12q…)", tt.param, runes(got), got, runes(tt.value), tt.value)
				}
				if strings.Contains(cases[0].Name, "%") || len(cases[0].Name) > 64 {
					t.Errorf("name %q: want it short and unescaped", cases[0].Name)
				}
			})
		}
		// Every operation's documented 2xx was asked for and validated.
		t.Run(op.OperationID+" positive", func(t *testing.T) {
			c, ok := r.Result(op.OperationID + " accepted")
			if !ok || c.Status != op.Success || c.Verdict != suite.VerdictPass {
				t.Errorf("positive case %+v, want a pass with %d", c, op.Success)
			}
		})
	}
}

// TestBrokenServers: each way of breaking the contract is caught by the
// check meant for it.
func TestBrokenServers(t *testing.T) {
	v := setup(t, server{}).Validator
	path := stopTask(t, v).Path
	getStop := http.MethodGet + " " + path
	notFound := errorBody(v.StatusCode(http.StatusNotFound), "The API does not exist.")
	tests := []struct {
		name string
		wrap func(http.Handler) http.Handler
		want map[string][]string // case → the checks it fails
	}{
		{
			name: "418 to an invalid task ID",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if strings.Contains(r.URL.Path, "/tasks/abc/") {
					a.status = http.StatusTeapot
				}
			}),
			want: map[string][]string{invalidTask: {suite.CheckContract, suite.CheckExpectation}},
		},
		{
			name: "a body on 200",
			wrap: rewrite(func(_ *http.Request, a *answer) {
				if a.status == http.StatusOK {
					a.header.Set("Content-Type", "application/json")
					a.body = []byte("{}")
				}
			}),
			want: map[string][]string{migrating: {suite.CheckContract}},
		},
		{
			name: "errors as text/plain",
			wrap: rewrite(func(_ *http.Request, a *answer) { a.header.Set("Content-Type", "text/plain; charset=utf-8") }),
			want: map[string][]string{invalidTask: {suite.CheckContract}, noCreds: {suite.CheckContract}, getStop: {suite.CheckContract}},
		},
		{
			name: "no X-Request-Id",
			wrap: rewrite(func(_ *http.Request, a *answer) { a.header.Del(v.RequestIDHeader()) }),
			want: map[string][]string{migrating: {suite.CheckContract}, noCreds: {suite.CheckContract}, getStop: {suite.CheckContract}},
		},
		{
			name: "a numeric error_code",
			wrap: rewrite(func(_ *http.Request, a *answer) {
				if a.status == http.StatusBadRequest {
					a.body = []byte(`{"error_code":54,"error_msg":"Invalid task ID."}`)
				}
			}),
			want: map[string][]string{invalidTask: {suite.CheckContract, suite.CheckExpectation}},
		},
		{
			name: "an HTML 502",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if strings.Contains(r.URL.Path, "/tasks/abc/") {
					a.status, a.body = http.StatusBadGateway, []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")
					a.header.Set("Content-Type", "text/html")
				}
			}),
			want: map[string][]string{invalidTask: {suite.CheckContract, suite.CheckExpectation, suite.CheckServerError}},
		},
		{
			name: "200 to everything: authentication ignored",
			wrap: answering(http.StatusOK, "", ""),
			want: map[string][]string{noCreds: {suite.CheckExpectation}, wrongToken: {suite.CheckExpectation},
				wrongKey: {suite.CheckExpectation}, invalidTask: {suite.CheckExpectation}},
		},
		{
			name: "403 OMS.0072 to bad credentials",
			wrap: rewrite(func(_ *http.Request, a *answer) {
				if a.status == http.StatusUnauthorized {
					a.status, a.body = http.StatusForbidden, errorBody(gen.CodeInsufficientPermission, "Insufficient permission.")
				}
			}),
			want: map[string][]string{noCreds: {suite.CheckExpectation}, wrongToken: {suite.CheckExpectation}, wrongKey: {suite.CheckExpectation}},
		},
		{
			name: "500 to invalid input",
			wrap: rewrite(func(_ *http.Request, a *answer) {
				if a.status == http.StatusBadRequest {
					a.status, a.body = http.StatusInternalServerError, errorBody(v.StatusCode(http.StatusInternalServerError), "Internal server error.")
				}
			}),
			want: map[string][]string{invalidTask: {suite.CheckExpectation, suite.CheckServerError}},
		},
		{
			name: "no StopTask: 404 to everything",
			wrap: answering(http.StatusNotFound, "application/json", string(notFound)),
			want: map[string][]string{validToken: {suite.CheckExpectation}, validKey: {suite.CheckExpectation}, migrating: {suite.CheckExpectation}},
		},
		{
			name: "405 to a wrong method",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if r.Method != http.MethodPost {
					a.status = http.StatusMethodNotAllowed
					a.header.Set("Allow", http.MethodPost)
				}
			}),
			want: map[string][]string{getStop: {suite.CheckExpectation}},
		},
		{
			// A hedge once let this pass: 403 accepted for a project the
			// credentials do not cover, whatever its length.
			name: "project_id's length unchecked: 403 to any other project",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if !strings.Contains(r.URL.Path, "/"+mock.DefaultProjectID+"/") && a.status == http.StatusBadRequest {
					a.status, a.body = http.StatusForbidden, errorBody("APIGW.0302", "The IAM user is not authorized to access the API.")
				}
			}),
			want: map[string][]string{"StopTask project_id=a×1025": {suite.CheckExpectation}, "ShowTask project_id=a×1025": {suite.CheckExpectation}},
		},
		{
			name: "414 to a project_id past maxLength",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if len(r.URL.Path) > 1024 && a.status == http.StatusBadRequest {
					a.status, a.body = http.StatusRequestURITooLong, errorBody("APIGW.0201", "Request URI too large.")
				}
			}),
			want: map[string][]string{"StopTask project_id=a×1025": {suite.CheckExpectation}},
		},
		{
			name: "an empty segment answered 404 with a made-up code",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if strings.Contains(r.URL.Path, "//") && a.status == http.StatusNotFound {
					a.body = errorBody("X.404", "Not here.")
				}
			}),
			want: map[string][]string{`StopTask task_id=""`: {suite.CheckContract, suite.CheckExpectation},
				`StopTask project_id=""`: {suite.CheckContract, suite.CheckExpectation}},
		},
		{
			name: "StartTask accepts a body without dst_sk",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if strings.HasSuffix(r.URL.Path, "/start") && a.status == http.StatusBadRequest {
					a.status, a.body = http.StatusOK, nil
					a.header.Del("Content-Type")
				}
			}),
			want: map[string][]string{"StartTask body without dst_sk": {suite.CheckExpectation},
				"StartTask started again (示例2)": {suite.CheckExpectation}},
		},
		{
			name: "ShowTask's status as a string",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if r.Method == http.MethodGet && a.status == http.StatusOK {
					a.body = regexp.MustCompile(`"status":(\d+)`).ReplaceAll(a.body, []byte(`"status":"$1"`))
				}
			}),
			want: map[string][]string{"ShowTask accepted": {suite.CheckContract},
				"ShowTask until stopped (示例3 step 3)": {suite.CheckContract, suite.CheckExpectation}},
		},
		{
			name: "DeleteTask deletes a pausing task",
			wrap: rewrite(func(r *http.Request, a *answer) {
				if r.Method == http.MethodDelete && bytes.Contains(a.body, []byte(gen.CodeTaskInProgress)) {
					a.status, a.body = http.StatusOK, nil
					a.header.Del("Content-Type")
				}
			}),
			want: map[string][]string{"DeleteTask while pausing (示例3)": {suite.CheckExpectation}},
		},
		{
			name: "the connection closed after the request",
			wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !strings.Contains(r.URL.Path, "/tasks/abc/") {
						next.ServeHTTP(w, r)
						return
					}
					conn, _, err := http.NewResponseController(w).Hijack()
					if err == nil {
						conn.Close()
					}
				})
			},
			want: map[string][]string{invalidTask: {suite.CheckAnswer}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, server{wrap: tt.wrap})
			if r.Conformant() {
				t.Fatalf("conformant: %s", r.SummaryLine())
			}
			got := failures(r)
			for name, want := range tt.want {
				c, ok := r.Result(name)
				if !ok {
					t.Fatalf("no case %q", name)
				}
				for _, check := range want {
					if !c.Failed(check) {
						t.Errorf("case %q did not fail %s", name, check)
					}
				}
				if diff := cmp.Diff(want, got[name]); diff != "" {
					t.Errorf("case %q: checks failed (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

// TestOneReadingOfTheErrorCode: an ambiguous but schema-valid body is
// judged by the code gen.DecodeError gives, as a client reads it, not by
// error_code alone.
func TestOneReadingOfTheErrorCode(t *testing.T) {
	tests := []struct {
		name string
		body string
		pass bool
	}{
		{"error_code empty message, code+message the gateway's 401 code",
			`{"error_code":"OMS.0072","error_msg":"","code":"APIGW.0301","message":"x"}`, true},
		{"error_code the gateway's 401 code with an empty message, code+message another code",
			`{"error_code":"APIGW.0301","error_msg":"","code":"OMS.0072","message":"x"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, server{wrap: rewrite(func(_ *http.Request, a *answer) {
				if a.status == http.StatusUnauthorized {
					a.body = []byte(tt.body)
				}
			})})
			want := gen.DecodeError(http.StatusUnauthorized, nil, []byte(tt.body)).Code
			for _, name := range []string{noCreds, wrongToken, wrongKey} {
				c, _ := r.Result(name)
				if c.ErrorCode != want || (c.Verdict == suite.VerdictPass) != tt.pass {
					t.Errorf("case %q: code %q, verdict %s; want code %q (gen.DecodeError's), passed %v", name, c.ErrorCode, c.Verdict, want, tt.pass)
				}
				// A 401's code must be one documented for 401, as a client
				// reads it: the first body's is, the second's is not.
				if (len(c.Violations) == 0) != tt.pass {
					t.Errorf("case %q: violations %v", name, c.Violations)
				}
			}
		})
	}
}

func TestNoVerdict(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		endpoint := "http://" + ln.Addr().String()
		ln.Close()
		cfg := config(t, server{}, endpoint)
		r, err := suite.Run(t.Context(), cfg)
		if !errors.Is(err, suite.ErrUnreachable) || r != nil {
			t.Fatalf("Run = %v, %v; want no report and ErrUnreachable", r, err)
		}
		if strings.Contains(err.Error(), cfg.Token) {
			t.Errorf("error %q quotes the token", err)
		}
	})
	t.Run("the configured credentials refused everywhere", func(t *testing.T) {
		v := setup(t, server{}).Validator
		body := errorBody(v.StatusCode(http.StatusUnauthorized), "Incorrect IAM authentication information.")
		r := run(t, server{wrap: answering(http.StatusUnauthorized, "application/json", string(body))})
		if !r.CredentialsRefused || r.Conformant() {
			t.Errorf("CredentialsRefused %v, Conformant %v; want true, false", r.CredentialsRefused, r.Conformant())
		}
	})
	t.Run("the token refused, the AK/SK accepted", func(t *testing.T) {
		v := setup(t, server{}).Validator
		r := run(t, server{wrap: rewrite(func(r *http.Request, a *answer) {
			if r.Header.Get("X-Auth-Token") != "" {
				a.status, a.body = http.StatusUnauthorized, errorBody(v.StatusCode(http.StatusUnauthorized), "Incorrect IAM authentication information.")
			}
		})})
		if r.CredentialsRefused {
			t.Error("CredentialsRefused with the AK/SK accepted")
		}
	})
}

// TestSpecChangeDrills gives a mutated spec to both the mock and the
// suite's validator: the suite follows the spec with no Go change.
func TestSpecChangeDrills(t *testing.T) {
	v := setup(t, server{}).Validator
	task, project := schema(t, v, "task_id"), schema(t, v, "project_id")
	_, max := v.IntBounds(task) // exact past 2^53
	oldMax := max.Int64()
	newMax := oldMax + (math.MaxInt64-oldMax)/2
	if newMax <= oldMax {
		t.Fatalf("task_id's maximum %d is too close to the largest int64 to widen", oldMax)
	}
	oldLen, newLen := int(*project.MaxLength), len(mock.DefaultProjectID)
	tests := []struct {
		name       string
		spec       string
		conformant bool
		probes     map[string]string // rule → value sent
		param      string
		failing    string // the one operation whose cases fail
	}{
		{name: "task_id maximum widened", conformant: true, param: "task_id",
			spec:   specCopy(t, "maximum: "+strconv.FormatInt(oldMax, 10), "maximum: "+strconv.FormatInt(newMax, 10)),
			probes: map[string]string{"task_id: maximum": strconv.FormatInt(newMax, 10), "task_id: maximum +1": strconv.FormatInt(newMax+1, 10)}},
		{name: "project_id maxLength tightened", conformant: true, param: "project_id",
			spec:   specCopy(t, "maxLength: "+strconv.Itoa(oldLen), "maxLength: "+strconv.Itoa(newLen)),
			probes: map[string]string{"project_id: maxLength": strings.Repeat("a", newLen), "project_id: maxLength + 1": strings.Repeat("a", newLen+1)}},
		{name: "an optional response header with an example on 200", conformant: true,
			spec: specCopy(t, "          headers:\n            X-Request-Id:\n              $ref: '#/components/headers/X-Request-Id'\n        '400':",
				"          headers:\n            X-Request-Id:\n              $ref: '#/components/headers/X-Request-Id'\n"+
					"            X-Task-Status:\n              description: The task's status now.\n              schema:\n                type: integer\n              example: 7\n        '400':")},
		{name: "an optional query parameter", conformant: true,
			spec: specCopy(t, "      x-oms-error-code: OMS.0064\n      responses:",
				"      x-oms-error-code: OMS.0064\n      parameters:\n        - name: dry_run\n          in: query\n          schema:\n            type: boolean\n      responses:")},
		{name: "an operation added, the mock answers it from its example", conformant: true,
			spec: specCopy(t, "\ncomponents:\n", "\n"+extraTask("              example: {id: 1, status: 2}\n")+"components:\n")},
		{name: "an operation added without an example to answer from", conformant: false, failing: "ExtraTask",
			spec: specCopy(t, "\ncomponents:\n", "\n"+extraTask("")+"components:\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, server{spec: tt.spec})
			if r.Conformant() != tt.conformant {
				t.Fatalf("conformant %v, want %v: %s\n%v", r.Conformant(), tt.conformant, r.SummaryLine(), failures(r))
			}
			for _, op := range v.Operations() {
				if !hasParam(op, tt.param) {
					continue
				}
				for rule, want := range tt.probes {
					cases := byRule(r, op.OperationID, rule)
					if len(cases) != 1 {
						t.Fatalf("%s: %d cases with rule %q, want 1", op.OperationID, len(cases), rule)
					}
					if got := segment(t, cases[0], op.Path, tt.param); got != want {
						t.Errorf("rule %q sent %.20q (%d characters), want %.20q (%d)", rule, got, runes(got), want, runes(want))
					}
				}
			}
			if _, ok := r.Result("ExtraTask accepted"); strings.Contains(tt.name, "added") && !ok {
				t.Error("no positive case for the added operation")
			}
			// Only the added operation fails, and its failing cases name it.
			got := map[string]bool{}
			for _, c := range r.Cases {
				if c.Verdict != suite.VerdictPass {
					got[c.Operation] = true
					if !strings.HasPrefix(c.Name, tt.failing+" ") {
						t.Errorf("failing case %q does not name %s", c.Name, tt.failing)
					}
				}
			}
			if want := map[string]bool{tt.failing: true}; !tt.conformant && !cmp.Equal(want, got) {
				t.Errorf("operations with failing cases (-want +got):\n%s", cmp.Diff(want, got))
			}
		})
	}
}

// extraTask is a path item the generated server lacks: ExtraTask, a GET
// whose 200 is a Task, with example (YAML at the media type's indent) or
// none.
func extraTask(example string) string {
	return `  /v2/{project_id}/tasks/{task_id}/extra:
    parameters:
      - $ref: '#/components/parameters/ProjectId'
      - $ref: '#/components/parameters/TaskId'
    get:
      operationId: ExtraTask
      x-oms-error-code: OMS.0064
      responses:
        '200':
          description: The task.
          headers:
            X-Request-Id:
              $ref: '#/components/headers/X-Request-Id'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Task'
` + example + `        '400':
          description: Refused.
          headers:
            X-Request-Id:
              $ref: '#/components/headers/X-Request-Id'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        '401':
          $ref: '#/components/responses/Unauthorized'
`
}

// TestOperationsLimitTheRun: Config.Operations leaves the other operations
// out of every layer, and the report names them.
func TestOperationsLimitTheRun(t *testing.T) {
	cfg := setup(t, server{})
	cfg.Operations = []string{"StopTask"}
	r, err := suite.Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Conformant() {
		t.Errorf("not conformant: %v", failures(r))
	}
	for _, c := range r.Cases {
		if c.Operation != "StopTask" && c.Operation != "" {
			t.Errorf("case %q of %s ran", c.Name, c.Operation)
		}
	}
	var others []string
	for _, op := range cfg.Validator.Operations() {
		if op.OperationID != "StopTask" {
			others = append(others, op.OperationID)
		}
	}
	if diff := cmp.Diff(others, r.LeftOut); diff != "" {
		t.Errorf("left out (-want +got):\n%s", diff)
	}
	if _, ok := r.Result("StopTask migrating"); !ok {
		t.Error("StopTask's behaviour layer did not run")
	}
	cfg.Operations = []string{"NoSuchTask"}
	if _, err := suite.Run(t.Context(), cfg); !errors.Is(err, suite.ErrUnknownOperation) {
		t.Errorf("Run with an unknown operation: %v, want ErrUnknownOperation", err)
	}
}

// TestReportsNameWhatWasLeftOut: the table and JUnit say which operations
// --operation left out, as the JSON report does.
func TestReportsNameWhatWasLeftOut(t *testing.T) {
	cfg := setup(t, server{})
	cfg.Operations = []string{"ShowTask"}
	r, err := suite.Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var table, junit strings.Builder
	if err := r.WriteTable(&table, false); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	for _, op := range r.LeftOut {
		if !strings.Contains(table.String(), "left out (--operation): ") || !strings.Contains(table.String(), op) {
			t.Errorf("the table does not name %s as left out:\n%s", op, table.String())
		}
		if !strings.Contains(junit.String(), `<property name="left_out" value="`) || !strings.Contains(junit.String(), op) {
			t.Errorf("JUnit does not name %s as left out", op)
		}
	}
	if len(r.LeftOut) == 0 {
		t.Fatal("nothing was left out: the test proves nothing")
	}
}
