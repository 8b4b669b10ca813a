package mock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// The task operations, as calls a lifecycle step makes.
const (
	show  = "ShowTask"
	stop  = "StopTask"
	start = "StartTask"
	del   = "DeleteTask"
)

// startBody is StartTask's body with every key; the secrets are ones a test
// then looks for in everything the mock gives back.
var startBody = gen.StartTaskReq{DstAk: "DSTAKFORLIFECYCLETEST", DstSk: "dstSecretKeyLifecycleTest0001",
	SrcAk: ptr("SRCAKFORLIFECYCLETEST"), SrcSk: ptr("srcSecretKeyLifecycleTest0001")}

func ptr[T any](v T) *T { return &v }

// call makes one operation on a task through the generated client and
// returns the reply, and the task's status from ShowTask (0 otherwise).
func (h *harness) call(t *testing.T, op string, id int64, body *gen.StartTaskReq) (reply, int32) {
	t.Helper()
	client, err := gen.NewClientWithResponses(h.url, gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, p := context.Background(), mock.DefaultProjectID
	var resp *http.Response
	var raw []byte
	var status int32
	switch op {
	case show:
		r, err := client.ShowTaskWithResponse(ctx, p, id)
		if err != nil {
			t.Fatalf("ShowTask: %v", err)
		}
		resp, raw = r.HTTPResponse, r.Body
		if r.JSON200 != nil {
			status = *r.JSON200.Status
		}
	case stop:
		r, err := client.StopTaskWithResponse(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		resp, raw = r.HTTPResponse, r.Body
	case start:
		if body == nil {
			body = &startBody
		}
		r, err := client.StartTaskWithResponse(ctx, p, id, *body)
		if err != nil {
			t.Fatal(err)
		}
		resp, raw = r.HTTPResponse, r.Body
	case del:
		r, err := client.DeleteTaskWithResponse(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		resp, raw = r.HTTPResponse, r.Body
	}
	for _, secret := range []string{startBody.DstSk, *startBody.SrcSk, startBody.DstAk} {
		if bytes.Contains(raw, []byte(secret)) || strings.Contains(strings.Join(resp.Header.Values("Content-Type"), ""), secret) {
			t.Errorf("%s echoed a key of StartTask's body", op)
		}
	}
	if err := gen.CheckResult(resp, raw); err != nil {
		return reply{resp.StatusCode, err.(*gen.APIError).Code}, status
	}
	return reply{Status: resp.StatusCode}, status
}

// TestLifecycle runs the four operations on one state machine, as OMS's
// reference describes it: StopTask 2 → 7 → 3, StartTask 3 or 4 → 1 → 2,
// DeleteTask refused while the task runs or pauses, and then every
// operation answers OMS.1009.
func TestLifecycle(t *testing.T) {
	delay, _ := time.ParseDuration(mock.DefaultFixtures().StopDelay)
	ok := reply{Status: http.StatusOK}
	refused := func(code string) reply { return reply{http.StatusBadRequest, code} }
	type step struct {
		after  time.Duration
		op     string
		body   *gen.StartTaskReq
		want   reply
		status mock.Status // as ShowTask then gives it
	}
	tests := []struct {
		name  string
		id    int64
		steps []step
	}{
		{name: "pause, then delete (示例3)", id: mock.DefaultMigratingTaskID, steps: []step{
			{op: show, want: ok, status: mock.StatusMigrating},
			{op: stop, want: ok, status: mock.StatusPausing},
			{op: del, want: refused(gen.CodeTaskInProgress), status: mock.StatusPausing},
			{after: delay, op: show, want: ok, status: mock.StatusStopped},
			{op: del, want: ok},
			{op: show, want: refused(gen.CodeTaskNotFound)},
			{op: stop, want: refused(gen.CodeTaskNotFound)},
			{op: start, want: refused(gen.CodeTaskNotFound)},
			{op: del, want: refused(gen.CodeTaskNotFound)},
		}},
		{name: "start a paused task (示例2)", id: mock.DefaultTaskID(mock.StatusStopped), steps: []step{
			{op: start, want: ok, status: mock.StatusWaiting},
			{op: start, want: refused(gen.CodeAlreadyStarted), status: mock.StatusWaiting},
			{after: delay, op: show, want: ok, status: mock.StatusMigrating},
			{op: start, want: refused(gen.CodeAlreadyStarted), status: mock.StatusMigrating},
			{op: del, want: refused(gen.CodeTaskInProgress), status: mock.StatusMigrating},
			{op: stop, want: ok, status: mock.StatusPausing},
		}},
		{name: "start a failed task", id: mock.DefaultTaskID(mock.StatusFailed), steps: []step{
			{op: start, want: ok, status: mock.StatusWaiting},
		}},
		{name: "a finished task cannot start, stop, and can be deleted", id: mock.DefaultTaskID(mock.StatusSucceeded), steps: []step{
			{op: start, want: refused(gen.CodeAlreadyFinished), status: mock.StatusSucceeded},
			{op: stop, want: refused(gen.CodeAlreadyFinished), status: mock.StatusSucceeded},
			{op: del, want: ok},
		}},
		{name: "retrying cannot be deleted", id: mock.DefaultTaskID(mock.StatusRetrying), steps: []step{
			{op: del, want: refused(gen.CodeTaskInProgress), status: mock.StatusRetrying},
			{op: start, want: refused(gen.CodeAlreadyStarted), status: mock.StatusRetrying},
		}},
		{name: "start without the source's keys", id: mock.DefaultTaskID(mock.StatusStopped), steps: []step{
			{op: start, body: &gen.StartTaskReq{DstAk: "a", DstSk: "b"}, want: refused(gen.CodeParametersMissing), status: mock.StatusStopped},
			{op: start, body: &gen.StartTaskReq{DstAk: "", DstSk: "b", SrcAk: ptr("c"), SrcSk: ptr("d")}, want: refused(gen.CodeParametersMissing), status: mock.StatusStopped},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := setup(t, nil)
			for i, s := range tt.steps {
				h.clock.advance(s.after)
				if got, _ := h.call(t, s.op, tt.id, s.body); got != s.want {
					t.Fatalf("step %d %s: %+v, want %+v", i, s.op, got, s.want)
				}
				task, exists := h.m.Task(mock.DefaultProjectID, tt.id)
				if exists != (s.status != 0) || task.Status != s.status {
					t.Fatalf("step %d %s: task %+v (exists %v), want status %v", i, s.op, task, exists, s.status)
				}
				if s.status != 0 {
					if _, got := h.call(t, show, tt.id, nil); got != int32(s.status) {
						t.Fatalf("step %d: ShowTask says %d, want %d", i, got, s.status)
					}
				}
			}
		})
	}
}

// TestShowTaskCounters: the counters ShowTask gives follow the status.
func TestShowTaskCounters(t *testing.T) {
	h := setup(t, nil)
	for s := mock.StatusWaiting; s <= mock.StatusPausing; s++ {
		client, err := gen.NewClientWithResponses(h.url, gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
		if err != nil {
			t.Fatal(err)
		}
		r, err := client.ShowTaskWithResponse(t.Context(), mock.DefaultProjectID, mock.DefaultTaskID(s))
		if err != nil || r.JSON200 == nil {
			t.Fatalf("ShowTask of a %v task: %v", s, err)
		}
		task := r.JSON200
		done, total := *task.SuccessfulNum, *task.TotalNum
		switch {
		case *task.Status != int32(s) || *task.Id != mock.DefaultTaskID(s):
			t.Errorf("%v: id %d status %d", s, *task.Id, *task.Status)
		case s == mock.StatusSucceeded && (done != total || *task.Progress != 1 || *task.LeftTime != 0):
			t.Errorf("%v: %d of %d done, progress %v, %d ms left", s, done, total, *task.Progress, *task.LeftTime)
		case s == mock.StatusWaiting && (done != 0 || *task.Progress != 0):
			t.Errorf("%v: %d done, progress %v", s, done, *task.Progress)
		case s == mock.StatusFailed && *task.FailedNum == 0:
			t.Errorf("%v: no failed object", s)
		case *task.Progress != float64(done)/float64(total) || *task.CompleteSize > *task.TotalSize:
			t.Errorf("%v: progress %v for %d of %d, %d of %d bytes", s, *task.Progress, done, total, *task.CompleteSize, *task.TotalSize)
		}
	}
}

// TestConcurrentLifecycleCalls: of many concurrent starts of one paused
// task one wins, and of many deletes of one stopped task one wins; the
// state stays exact.
func TestConcurrentLifecycleCalls(t *testing.T) {
	const n = 32
	for _, tt := range []struct {
		op     string
		id     int64
		loser  string
		exists bool
	}{
		{start, mock.DefaultTaskID(mock.StatusStopped), gen.CodeAlreadyStarted, true},
		{del, mock.DefaultTaskID(mock.StatusStopped), gen.CodeTaskNotFound, false},
	} {
		t.Run(tt.op, func(t *testing.T) {
			h := setup(t, nil)
			begin := make(chan struct{})
			replies := make(chan reply, n)
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					<-begin
					r, _ := h.call(t, tt.op, tt.id, nil)
					replies <- r
				})
			}
			close(begin)
			wg.Wait()
			close(replies)
			got := map[reply]int{}
			for r := range replies {
				got[r]++
			}
			if diff := cmp.Diff(map[reply]int{{Status: http.StatusOK}: 1, {http.StatusBadRequest, tt.loser}: n - 1}, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			if _, exists := h.m.Task(mock.DefaultProjectID, tt.id); exists != tt.exists {
				t.Errorf("task exists: %v, want %v", exists, tt.exists)
			}
		})
	}
}

// TestStartTaskBodies: the SDK's Content-Type is accepted; a body off its
// schema is refused before the mock looks at the task, which does not move.
func TestStartTaskBodies(t *testing.T) {
	id := mock.DefaultTaskID(mock.StatusStopped)
	path := "/v2/" + mock.DefaultProjectID + "/tasks/" + strconv.FormatInt(id, 10) + "/start"
	valid, _ := json.Marshal(startBody)
	invalid := reply{http.StatusBadRequest, "OMS.0064"}
	tests := []struct {
		name, contentType string
		body              []byte
		want              reply
	}{
		{"the SDK's content type", "application/json;charset=UTF-8", append(valid, '\n'), reply{Status: http.StatusOK}},
		{"no body", "application/json", nil, invalid},
		{"not JSON", "application/json", []byte("{dst_ak"), invalid},
		{"dst_sk missing", "application/json", []byte(`{"dst_ak":"a","src_ak":"b","src_sk":"c"}`), invalid},
		{"dst_ak past 100 characters", "application/json", []byte(`{"dst_ak":"` + strings.Repeat("a", 101) + `","dst_sk":"b","src_ak":"c","src_sk":"d"}`), invalid},
		{"a number for a key", "application/json", []byte(`{"dst_ak":1,"dst_sk":"b"}`), invalid},
		{"not JSON's content type", "text/plain", valid, invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := setup(t, nil)
			req, err := http.NewRequest(http.MethodPost, h.url+path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			_ = gen.WithToken(mock.DefaultToken)(t.Context(), req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := reply{Status: resp.StatusCode}
			if err := gen.CheckResult(resp, raw); err != nil {
				got.Code = err.(*gen.APIError).Code
			}
			if got != tt.want {
				t.Errorf("%+v, want %+v (%s)", got, tt.want, raw)
			}
			if bytes.Contains(raw, []byte(startBody.DstSk)) {
				t.Errorf("the answer echoes dst_sk: %s", raw)
			}
			task, _ := h.m.Task(mock.DefaultProjectID, id)
			if wantStatus := map[bool]mock.Status{true: mock.StatusWaiting, false: mock.StatusStopped}[tt.want.Status == http.StatusOK]; task.Status != wantStatus {
				t.Errorf("task %v, want %v", task.Status, wantStatus)
			}
		})
	}
}

// TestSignedStartTaskIsAuthorized guards a regression: the mock checked a
// signature a second time after the generated server had read the body, so
// every AK/SK-signed StartTask (the official SDK's way) was refused with
// OMS.0072 though the same call with a token passed.
func TestSignedStartTaskIsAuthorized(t *testing.T) {
	h := setup(t, nil)
	key := signer.Credentials{AK: mock.DefaultAK, SK: mock.DefaultSK, ProjectID: mock.DefaultProjectID}
	client, err := gen.NewClientWithResponses(h.url, gen.WithRequestEditorFn(gen.WithAKSK(key, signer.WithClock(h.clock.now))))
	if err != nil {
		t.Fatal(err)
	}
	id := mock.DefaultTaskID(mock.StatusStopped)
	r, err := client.StartTaskWithResponse(t.Context(), mock.DefaultProjectID, id, startBody)
	if err == nil {
		err = gen.CheckResult(r.HTTPResponse, r.Body)
	}
	if err != nil {
		t.Fatalf("a signed StartTask: %v", err)
	}
	if task, _ := h.m.Task(mock.DefaultProjectID, id); task.Status != mock.StatusWaiting {
		t.Errorf("task %v, want waiting", task.Status)
	}
}
