package mock_test

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// otherProject is a project the default credentials do not cover.
const otherProject = "0123456789abcdef0123456789abcdef"

// withOtherProject is the default fixtures plus a migrating task in
// otherProject, and a token and an AK/SK pair for otherProject only.
func withOtherProject() *mock.Fixtures {
	fx := mock.DefaultFixtures()
	fx.Tasks = append(fx.Tasks, mock.FixtureTask{ProjectID: otherProject, Task: mock.Task{ID: mock.DefaultMigratingTaskID, Status: mock.StatusMigrating}})
	fx.Tokens = append(fx.Tokens, mock.FixtureToken{Token: "MIIotherProjectTokenForTests", Projects: []string{otherProject}})
	fx.AKSK = append(fx.AKSK, mock.FixtureAKSK{AK: "OTHERPROJECTAK000000", SK: "otherProjectSecretKeyForTests", Projects: []string{otherProject}})
	return fx
}

func TestStopTaskStateMachine(t *testing.T) {
	delay, err := time.ParseDuration(mock.DefaultFixtures().StopDelay)
	if err != nil || delay <= 0 {
		t.Fatalf("the default stop delay %q must be positive for this test", mock.DefaultFixtures().StopDelay)
	}
	token := gen.WithToken(mock.DefaultToken)
	// step moves the clock by after, then stops the task when stop is set,
	// then looks at the task.
	type step struct {
		after  time.Duration
		stop   bool
		want   reply
		status mock.Status
	}
	tests := []struct {
		name    string
		project string
		id      int64
		steps   []step
	}{
		{name: "migrating is paused, then refused as not migrating", id: mock.DefaultMigratingTaskID, steps: []step{
			{stop: true, want: reply{Status: http.StatusOK}, status: mock.StatusPausing},
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeNotMigrating}, status: mock.StatusPausing},
		}},
		{name: "pausing becomes stopped once the stop delay has passed", id: mock.DefaultMigratingTaskID, steps: []step{
			{stop: true, want: reply{Status: http.StatusOK}, status: mock.StatusPausing},
			{after: delay - time.Nanosecond, status: mock.StatusPausing},
			{after: time.Nanosecond, status: mock.StatusStopped},
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeNotMigrating}, status: mock.StatusStopped},
		}},
		{name: "a seeded pausing task becomes stopped after the delay", id: mock.DefaultTaskID(mock.StatusPausing), steps: []step{
			{after: delay - time.Nanosecond, status: mock.StatusPausing},
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeNotMigrating}, status: mock.StatusPausing},
			{after: time.Nanosecond, status: mock.StatusStopped},
		}},
		{name: "finished", id: mock.DefaultTaskID(mock.StatusSucceeded), steps: []step{
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeAlreadyFinished}, status: mock.StatusSucceeded},
			{after: delay, stop: true, want: reply{http.StatusBadRequest, gen.CodeAlreadyFinished}, status: mock.StatusSucceeded},
		}},
		{name: "waiting", id: mock.DefaultTaskID(mock.StatusWaiting), steps: []step{
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeNotMigrating}, status: mock.StatusWaiting},
		}},
		{name: "stopped", id: mock.DefaultTaskID(mock.StatusStopped), steps: []step{
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeNotMigrating}, status: mock.StatusStopped},
		}},
		{name: "failed", id: mock.DefaultTaskID(mock.StatusFailed), steps: []step{
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeNotMigrating}, status: mock.StatusFailed},
		}},
		{name: "retrying", id: mock.DefaultTaskID(mock.StatusRetrying), steps: []step{
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeNotMigrating}, status: mock.StatusRetrying},
		}},
		{name: "unknown task", id: mock.DefaultUnknownTaskID, steps: []step{
			{stop: true, want: reply{http.StatusBadRequest, gen.CodeTaskNotFound}},
		}},
		{name: "a project the credentials do not cover", project: otherProject, id: mock.DefaultMigratingTaskID, steps: []step{
			{stop: true, want: reply{http.StatusBadRequest, codeInsufficientPermission}, status: mock.StatusMigrating},
			{after: delay, status: mock.StatusMigrating},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := setup(t, withOtherProject())
			if tt.project == "" {
				tt.project = mock.DefaultProjectID
			}
			accepted := 0
			for i, s := range tt.steps {
				h.clock.advance(s.after)
				if s.stop {
					got := h.stop(t, tt.project, tt.id, token)
					if diff := cmp.Diff(s.want, got); diff != "" {
						t.Errorf("step %d: answer (-want +got):\n%s", i, diff)
					}
					if got.Status == http.StatusOK {
						accepted++
					}
				}
				task, ok := h.m.Task(tt.project, tt.id)
				if ok != (s.status != 0) || task.Status != s.status {
					t.Errorf("step %d: task %v (found %v), want status %v", i, task.Status, ok, s.status)
				}
			}
			if got := h.m.Stops(); got != accepted {
				t.Errorf("Stops() = %d, want %d", got, accepted)
			}
		})
	}
}

func TestConcurrentStopsOfOneTask(t *testing.T) {
	const n = 64
	h := setup(t, nil)
	token := gen.WithToken(mock.DefaultToken)
	start := make(chan struct{})
	replies := make(chan reply, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			replies <- h.stop(t, mock.DefaultProjectID, mock.DefaultMigratingTaskID, token)
		})
	}
	close(start)
	wg.Wait()
	close(replies)
	got := map[reply]int{}
	for r := range replies {
		got[r]++
	}
	want := map[reply]int{{Status: http.StatusOK}: 1, {http.StatusBadRequest, gen.CodeNotMigrating}: n - 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers to %d concurrent stops (-want +got):\n%s", n, diff)
	}
	if got := h.m.Stops(); got != 1 {
		t.Errorf("Stops() = %d, want 1", got)
	}
}

// TestAuthentication goes through the middleware's authenticator: the mock
// verifies tokens and signatures, and only verified credentials count for
// the project check. The task is unknown, so an accepted request is 400
// OMS.1009 and nothing changes.
func TestAuthentication(t *testing.T) {
	h := setup(t, withOtherProject())
	skew := signature(t, h.v).MaxSkew
	unauthorized := reply{http.StatusUnauthorized, h.v.StatusCode(http.StatusUnauthorized)}
	accepted := reply{http.StatusBadRequest, gen.CodeTaskNotFound}
	key := signer.Credentials{AK: mock.DefaultAK, SK: mock.DefaultSK, ProjectID: mock.DefaultProjectID}
	signedAt := func(c signer.Credentials, d time.Duration) gen.RequestEditorFn {
		return gen.WithAKSK(c, signer.WithClock(func() time.Time { return h.clock.now().Add(d) }))
	}
	wrongSK := key
	wrongSK.SK = "not" + mock.DefaultSK
	unknownAK := key
	unknownAK.AK = "UNKNOWNAK00000000000"
	tests := []struct {
		name  string
		edits []gen.RequestEditorFn
		want  reply
	}{
		{name: "no credentials", want: unauthorized},
		{name: "valid token", edits: []gen.RequestEditorFn{gen.WithToken(mock.DefaultToken)}, want: accepted},
		{name: "unknown token", edits: []gen.RequestEditorFn{gen.WithToken("MIIunknown" + mock.DefaultToken)}, want: unauthorized},
		{name: "token for another project", edits: []gen.RequestEditorFn{gen.WithToken(withOtherProject().Tokens[1].Token)},
			want: reply{http.StatusBadRequest, codeInsufficientPermission}},
		{name: "valid signature", edits: []gen.RequestEditorFn{signedAt(key, 0)}, want: accepted},
		{name: "signature dated x-oms-max-skew ago", edits: []gen.RequestEditorFn{signedAt(key, -skew)}, want: accepted},
		{name: "signature dated x-oms-max-skew ahead", edits: []gen.RequestEditorFn{signedAt(key, skew)}, want: accepted},
		{name: "signature dated past x-oms-max-skew", edits: []gen.RequestEditorFn{signedAt(key, -skew-time.Second)}, want: unauthorized},
		{name: "signature dated beyond x-oms-max-skew ahead", edits: []gen.RequestEditorFn{signedAt(key, skew+time.Second)}, want: unauthorized},
		{name: "wrong SK", edits: []gen.RequestEditorFn{signedAt(wrongSK, 0)}, want: unauthorized},
		{name: "unknown AK", edits: []gen.RequestEditorFn{signedAt(unknownAK, 0)}, want: unauthorized},
		// A valid token for another project lets the request through the
		// gateway; the forged signature beside it must not add its AK's
		// projects.
		{name: "token for another project and a forged signature for this one",
			edits: []gen.RequestEditorFn{gen.WithToken(withOtherProject().Tokens[1].Token), signedAt(wrongSK, 0)},
			want:  reply{http.StatusBadRequest, codeInsufficientPermission}},
		{name: "unknown token and a valid signature", edits: []gen.RequestEditorFn{gen.WithToken("MIIunknown"), signedAt(key, 0)}, want: accepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, h.stop(t, mock.DefaultProjectID, mock.DefaultUnknownTaskID, tt.edits...)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
	if got := h.m.Stops(); got != 0 {
		t.Errorf("Stops() = %d, want 0", got)
	}
}

// TestGatewayOrder: route first (404), then credentials (401), then
// parameters (400 with the parameter's x-oms-error-code).
func TestGatewayOrder(t *testing.T) {
	h := setup(t, nil)
	projectID, taskID := param(t, h.v, "project_id"), param(t, h.v, "task_id")
	tooLong := strings.Repeat("a", int(*projectID.Schema.Value.MaxLength)+1)
	pastMax := strconv.FormatInt(int64(*taskID.Schema.Value.Max)+1, 10)
	path := func(project, task string) string { return "/v2/" + project + "/tasks/" + task + "/stop" }
	valid, wrong := gen.WithToken(mock.DefaultToken), gen.WithToken("MIIwrong")
	notFound := reply{http.StatusNotFound, h.v.StatusCode(http.StatusNotFound)}
	unauthorized := reply{http.StatusUnauthorized, h.v.StatusCode(http.StatusUnauthorized)}
	tests := []struct {
		name, method, path string
		auth               gen.RequestEditorFn
		want               reply
	}{
		{"wrong credentials and an invalid task_id", http.MethodPost, path(mock.DefaultProjectID, "abc"), wrong, unauthorized},
		{"wrong credentials and task_id past maximum", http.MethodPost, path(mock.DefaultProjectID, pastMax), wrong, unauthorized},
		{"wrong credentials and project_id past maxLength", http.MethodPost, path(tooLong, "1"), wrong, unauthorized},
		{"wrong credentials and a wrong method", http.MethodGet, path(mock.DefaultProjectID, "1"), wrong, notFound},
		{"valid credentials and a wrong method", http.MethodDelete, path(mock.DefaultProjectID, "1"), valid, notFound},
		{"valid credentials and an unknown path", http.MethodPost, "/v2/" + mock.DefaultProjectID + "/tasks/1/pause", valid, notFound},
		{"valid credentials and an invalid task_id", http.MethodPost, path(mock.DefaultProjectID, "abc"), valid,
			reply{http.StatusBadRequest, contract.ErrorCode(taskID.Extensions)}},
		{"valid credentials and task_id past maximum", http.MethodPost, path(mock.DefaultProjectID, pastMax), valid,
			reply{http.StatusBadRequest, contract.ErrorCode(taskID.Extensions)}},
		{"valid credentials and project_id past maxLength", http.MethodPost, path(tooLong, "1"), valid,
			reply{http.StatusBadRequest, contract.ErrorCode(projectID.Extensions)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, h.do(t, tt.method, tt.path, tt.auth)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSpecFile serves mutated copies of openapi.yaml, as `omscontract mock
// --spec` does.
func TestSpecFile(t *testing.T) {
	h := setup(t, nil)
	taskID := param(t, h.v, "task_id")
	_, max := h.v.IntBounds(taskID.Schema.Value) // exact past 2^53
	oldMax := max.Int64()
	newMax := oldMax + (math.MaxInt64-oldMax)/2
	if newMax <= oldMax {
		t.Fatalf("task_id's maximum %d is too close to the largest int64 to widen", oldMax)
	}
	widened := specCopy(t, "maximum: "+strconv.FormatInt(oldMax, 10), "maximum: "+strconv.FormatInt(newMax, 10))
	added := specCopy(t, withResumeTask(t)...)
	token := gen.WithToken(mock.DefaultToken)
	stop := func(id int64) string {
		return "/v2/" + mock.DefaultProjectID + "/tasks/" + strconv.FormatInt(id, 10) + "/stop"
	}
	invalidTask := reply{http.StatusBadRequest, contract.ErrorCode(taskID.Extensions)}
	tests := []struct {
		name, spec, method, path string
		want                     reply
		msg                      string // in error_msg
	}{
		{name: "embedded spec: an ID past its maximum", path: stop(oldMax + 1), want: invalidTask},
		{name: "widened maximum: an ID between the old and the new maximum", spec: widened, path: stop(oldMax + 1),
			want: reply{http.StatusBadRequest, gen.CodeTaskNotFound}},
		{name: "widened maximum: the new maximum", spec: widened, path: stop(newMax), want: reply{http.StatusBadRequest, gen.CodeTaskNotFound}},
		{name: "widened maximum: past the new maximum", spec: widened, path: stop(newMax + 1), want: invalidTask},
		{name: "added operation: answered from the spec", spec: added, path: "/v2/" + mock.DefaultProjectID + "/tasks/1/resume",
			want: reply{Status: http.StatusOK}},
		{name: "added operation: its parameters validated", spec: added, path: "/v2/" + mock.DefaultProjectID + "/tasks/abc/resume",
			want: invalidTask},
		{name: "added operation: StopTask still served", spec: added, path: stop(mock.DefaultUnknownTaskID),
			want: reply{http.StatusBadRequest, gen.CodeTaskNotFound}},
		{name: "embedded spec: no such operation", path: "/v2/" + mock.DefaultProjectID + "/tasks/1/resume",
			want: reply{http.StatusNotFound, h.v.StatusCode(http.StatusNotFound)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := setup(t, nil, mock.WithContract(contract.WithSpecFile(tt.spec)))
			req, err := http.NewRequest(http.MethodPost, h.url+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = token(t.Context(), req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got := reply{Status: resp.StatusCode}
			apiErr, isErr := gen.CheckResponse(resp).(*gen.APIError)
			if isErr {
				got.Code = apiErr.Code
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if !isErr {
				return
			}
			if !strings.Contains(apiErr.Message, tt.msg) {
				t.Errorf("error_msg %q does not name %q", apiErr.Message, tt.msg)
			}
			if resp.Header.Get("Content-Type") != "application/json" || apiErr.RequestID == "" {
				t.Errorf("not in the Error shape: Content-Type %q, request ID %q", resp.Header.Get("Content-Type"), apiErr.RequestID)
			}
		})
	}
}
