package mock_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// TestStopTaskByStatus stops a task in every status and checks the answer
// and the status afterwards.
func TestStopTaskByStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status mock.Status
		want   answer
		after  mock.Status
	}{
		{"waiting", mock.StatusWaiting, answer{400, gen.CodeNotMigrating}, mock.StatusWaiting},
		{"migrating", mock.StatusMigrating, answer{200, ""}, mock.StatusPausing},
		{"stopped", mock.StatusStopped, answer{400, gen.CodeNotMigrating}, mock.StatusStopped},
		{"failed", mock.StatusFailed, answer{400, gen.CodeNotMigrating}, mock.StatusFailed},
		{"succeeded", mock.StatusSucceeded, answer{400, gen.CodeAlreadyFinished}, mock.StatusSucceeded},
		{"retrying", mock.StatusRetrying, answer{400, gen.CodeNotMigrating}, mock.StatusRetrying},
		{"pausing", mock.StatusPausing, answer{400, gen.CodeNotMigrating}, mock.StatusPausing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = 191297407830872
			e := newEnv(t, []mock.Task{{ID: id, Status: tt.status}})
			got := e.stop(t, e.client(t, gen.WithToken(token)), project, id)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if got := mustTask(t, e.m, project, id).Status; got != tt.after {
				t.Errorf("status after = %v, want %v", got, tt.after)
			}
			wantStops := 0
			if tt.want.Status == http.StatusOK {
				wantStops = 1
			}
			if got := e.m.Stops(); got != wantStops {
				t.Errorf("Stops() = %d, want %d", got, wantStops)
			}
			e.noResponseViolations(t)
			if r := e.reported(); len(r) != 0 {
				t.Errorf("violations reported for valid traffic: %v", r)
			}
		})
	}
}

func TestStopTaskUnknownTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 1, Status: mock.StatusMigrating}})
	c := e.client(t, gen.WithToken(token))
	tests := []struct {
		name string
		proj string
		id   int64
	}{
		{"unknown id", project, 2},
		{"largest id", project, mock.MaxTaskID},
		{"zero id", project, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(answer{400, gen.CodeTaskNotFound}, e.stop(t, c, tt.proj, tt.id)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]mock.Task{{ID: 1, Status: mock.StatusMigrating}}, e.m.Tasks(project)); diff != "" {
		t.Errorf("tasks changed (-want +got):\n%s", diff)
	}
	e.noResponseViolations(t)
}

func TestStopTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 7, Status: mock.StatusMigrating}})
	c := e.client(t, gen.WithToken(token))
	got := []answer{e.stop(t, c, project, 7), e.stop(t, c, project, 7)}
	want := []answer{{200, ""}, {400, gen.CodeNotMigrating}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if got := e.m.Stats(); got.Stops != 1 || got.Refused != 1 {
		t.Errorf("Stats() = %+v, want Stops 1 and Refused 1", got)
	}
	e.noResponseViolations(t)
}

// TestPausingBecomesStopped drives the injected clock across the stop delay.
func TestPausingBecomesStopped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 7, Status: mock.StatusMigrating, Name: "n"}, {ID: 8, Status: mock.StatusPausing}})
	c := e.client(t, gen.WithToken(token))
	if got := e.stop(t, c, project, 7); got.Status != http.StatusOK {
		t.Fatalf("stop = %+v, want 200", got)
	}
	steps := []struct {
		advance time.Duration
		want    mock.Status
	}{
		{0, mock.StatusPausing},
		{9*time.Second + 999*time.Millisecond, mock.StatusPausing},
		{time.Millisecond, mock.StatusStopped},
		{time.Hour, mock.StatusStopped},
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		if got := mustTask(t, e.m, project, 7); got != (mock.Task{ID: 7, Status: s.want, Name: "n"}) {
			t.Errorf("step %d: task = %+v, want status %v", i, got, s.want)
		}
	}
	// A task seeded as pausing has no stop time and stays pausing.
	want := []mock.Task{{ID: 7, Status: mock.StatusStopped, Name: "n"}, {ID: 8, Status: mock.StatusPausing}}
	if diff := cmp.Diff(want, e.m.Tasks(project)); diff != "" {
		t.Errorf("Tasks (-want +got):\n%s", diff)
	}
	if got := e.stop(t, c, project, 7); got != (answer{400, gen.CodeNotMigrating}) {
		t.Errorf("stop of stopped task = %+v, want 400 OMS.0066", got)
	}
}

// TestStopDelayZero: the answer still leaves the task pausing; the next read
// sees it stopped.
func TestStopDelayZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 7, Status: mock.StatusMigrating}}, mock.WithStopDelay(0))
	c := e.client(t, gen.WithToken(token))
	if got := e.stop(t, c, project, 7); got.Status != http.StatusOK {
		t.Fatalf("stop = %+v, want 200", got)
	}
	if got := mustTask(t, e.m, project, 7).Status; got != mock.StatusStopped {
		t.Errorf("status = %v, want stopped", got)
	}
}

// TestAuthentication covers both schemes, their failures and the project
// check. Every case targets a migrating task; a refused one must leave it
// migrating.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	tamperSig := func(_ context.Context, req *http.Request) error {
		a := req.Header.Get(gen.HeaderAuthorization)
		last := a[len(a)-1]
		flip := byte('0')
		if last == '0' {
			flip = '1'
		}
		req.Header.Set(gen.HeaderAuthorization, a[:len(a)-1]+string(flip))
		return nil
	}
	tamperHeader := func(_ context.Context, req *http.Request) error {
		req.Header.Set(gen.HeaderProjectID, otherProject)
		return nil
	}
	dropAuth := func(_ context.Context, req *http.Request) error {
		req.Header.Del(gen.HeaderAuthorization)
		return nil
	}
	garble := func(_ context.Context, req *http.Request) error {
		req.Header.Set(gen.HeaderAuthorization, "SDK-HMAC-SHA256 Access=TESTAK0001, SignedHeaders=x-sdk-date, Signature=zz")
		return nil
	}
	creds := gen.Credentials{AK: ak, SK: sk, ProjectID: project}
	type clientFn func(e *env) []gen.RequestEditorFn
	tests := []struct {
		name    string
		proj    string
		editors clientFn
		want    answer
	}{
		{"token", project, func(e *env) []gen.RequestEditorFn { return []gen.RequestEditorFn{gen.WithToken(token)} }, answer{200, ""}},
		{"aksk", project, func(e *env) []gen.RequestEditorFn { return []gen.RequestEditorFn{e.akskEditor(creds)} }, answer{200, ""}},
		{"aksk without X-Project-Id", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(gen.Credentials{AK: ak, SK: sk})}
		}, answer{200, ""}},
		{"aksk date 14m59s behind", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{gen.WithAKSK(creds, gen.WithClock(func() time.Time { return e.clock.Now().Add(-15*time.Minute + time.Second) }))}
		}, answer{200, ""}},
		{"wrong token", project, func(e *env) []gen.RequestEditorFn { return []gen.RequestEditorFn{gen.WithToken(token + "x")} }, answer{401, mock.CodeGatewayAuthFailed}},
		{"token prefix", project, func(e *env) []gen.RequestEditorFn { return []gen.RequestEditorFn{gen.WithToken(token[:5])} }, answer{401, mock.CodeGatewayAuthFailed}},
		{"no credentials", project, func(e *env) []gen.RequestEditorFn { return nil }, answer{401, mock.CodeGatewayAuthFailed}},
		{"tampered signature", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(creds), tamperSig}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"tampered signed header", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(creds), tamperHeader}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"malformed signature", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(creds), garble}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"signature without Authorization", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(creds), dropAuth}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"wrong sk", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(gen.Credentials{AK: ak, SK: sk + "x", ProjectID: project})}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"unknown ak", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(gen.Credentials{AK: "UNKNOWNAK", SK: sk, ProjectID: project})}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"aksk date 16m ahead", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{gen.WithAKSK(creds, gen.WithClock(func() time.Time { return e.clock.Now().Add(16 * time.Minute) }))}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"aksk date 16m behind", project, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{gen.WithAKSK(creds, gen.WithClock(func() time.Time { return e.clock.Now().Add(-16 * time.Minute) }))}
		}, answer{401, mock.CodeGatewayAuthFailed}},
		{"token for another project", project, func(e *env) []gen.RequestEditorFn { return []gen.RequestEditorFn{gen.WithToken(otherToken)} }, answer{403, gen.CodeInsufficientPermission}},
		{"aksk for another project", otherProject, func(e *env) []gen.RequestEditorFn {
			return []gen.RequestEditorFn{e.akskEditor(gen.Credentials{AK: ak, SK: sk, ProjectID: otherProject})}
		}, answer{403, gen.CodeInsufficientPermission}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, []mock.Task{{ID: 42, Status: mock.StatusMigrating}})
			got := e.stop(t, e.client(t, tt.editors(e)...), tt.proj, 42)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			wantStatus := mock.StatusMigrating
			if tt.want.Status == http.StatusOK {
				wantStatus = mock.StatusPausing
			}
			if got := mustTask(t, e.m, project, 42).Status; got != wantStatus {
				t.Errorf("status after = %v, want %v", got, wantStatus)
			}
			e.noResponseViolations(t)
		})
	}
}

// TestAuthErrorsKeepSecrets: no 401 body quotes the credential it refused.
func TestAuthErrorsKeepSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 42, Status: mock.StatusMigrating}})
	const secret = "SECRET-TOKEN-VALUE"
	c := e.client(t, gen.WithToken(secret))
	resp, err := c.StopTaskWithResponse(context.Background(), project, 42)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusUnauthorized || strings.Contains(string(resp.Body), secret) {
		t.Errorf("answer %d %q: want 401 without the token", resp.StatusCode(), resp.Body)
	}
	c = e.client(t, e.akskEditor(gen.Credentials{AK: ak, SK: "SECRET-SK-VALUE"}))
	resp, err = c.StopTaskWithResponse(context.Background(), project, 42)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusUnauthorized || strings.Contains(string(resp.Body), "SECRET-SK") {
		t.Errorf("answer %d %q: want 401 without the SK", resp.StatusCode(), resp.Body)
	}
}

func TestWildcardCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, mock.WithToken("any-project-token", "*"), mock.WithTask(otherProject, mock.Task{ID: 5, Status: mock.StatusMigrating}))
	c := e.client(t, gen.WithToken("any-project-token"))
	if got := e.stop(t, c, otherProject, 5); got != (answer{200, ""}) {
		t.Errorf("stop in other project = %+v, want 200", got)
	}
	if got := e.stop(t, c, "some-project-nobody-seeded", 5); got != (answer{400, gen.CodeTaskNotFound}) {
		t.Errorf("stop in empty project = %+v, want 400 OMS.1009", got)
	}
}

// TestBadInput sends what the generated client cannot: malformed path
// parameters, wrong methods, unknown paths and bodies. Every answer must be
// the Error schema with a request ID, never a 5xx, and never change state.
func TestBadInput(t *testing.T) {
	t.Parallel()
	const stop = "/v2/" + project + "/tasks/42/stop"
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		header http.Header
		want   answer
	}{
		{"task_id not a number", "POST", "/v2/" + project + "/tasks/abc/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidTaskID}},
		{"task_id negative", "POST", "/v2/" + project + "/tasks/-1/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidTaskID}},
		{"task_id above maximum", "POST", "/v2/" + project + "/tasks/1000000000000000/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidTaskID}},
		{"task_id overflows int64", "POST", "/v2/" + project + "/tasks/99999999999999999999/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidTaskID}},
		{"task_id fractional", "POST", "/v2/" + project + "/tasks/4.2/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidTaskID}},
		{"task_id escaped letter", "POST", "/v2/" + project + "/tasks/4%61/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidTaskID}},
		{"task_id empty", "POST", "/v2/" + project + "/tasks//stop", "", tokenHeader(token), answer{400, gen.CodeInvalidTaskID}},
		{"project_id too long", "POST", "/v2/" + repeat("a", 1025) + "/tasks/42/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"json body", "POST", stop, "{}", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"text body", "POST", stop, "stop please", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"huge body", "POST", stop, repeat("x", mock.MaxRequestBodyBytes+1), tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"GET", "GET", stop, "", tokenHeader(token), answer{405, "APIGW.0101"}},
		{"PUT", "PUT", stop, "", tokenHeader(token), answer{405, "APIGW.0101"}},
		{"DELETE without credentials", "DELETE", stop, "", nil, answer{405, "APIGW.0101"}},
		{"unknown operation", "POST", "/v2/" + project + "/tasks/42/start", "", tokenHeader(token), answer{404, "APIGW.0101"}},
		{"root", "GET", "/", "", nil, answer{404, "APIGW.0101"}},
		{"trailing slash", "POST", stop + "/", "", tokenHeader(token), answer{404, "APIGW.0101"}},
		{"double slash", "POST", "/v2//" + project + "/tasks/42/stop", "", tokenHeader(token), answer{404, "APIGW.0101"}},
		{"dot segment", "POST", "/v2/" + project + "/tasks/42/../42/stop", "", tokenHeader(token), answer{404, "APIGW.0101"}},
		{"empty project", "POST", "/v2//tasks/42/stop", "", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"empty token", "POST", stop, "", tokenHeader(""), answer{401, mock.CodeGatewayAuthFailed}},
		{"two tokens", "POST", stop, "", http.Header{gen.HeaderAuthToken: {token, token}}, answer{401, mock.CodeGatewayAuthFailed}},
		{"token too long", "POST", stop, "", tokenHeader(repeat("t", gen.MaxTokenLength+1)), answer{401, mock.CodeGatewayAuthFailed}},
		{"query", "POST", stop + "?dry_run=true", "", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"query naming another task", "POST", stop + "?task_id=1&project_id=x", "", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"query malformed escape", "POST", stop + "?a=%zz&&=;x", "", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"query empty pair", "POST", stop + "?&", "", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
		{"query with a wrong token", "POST", stop + "?a=1", "", tokenHeader(token + "x"), answer{401, mock.CodeGatewayAuthFailed}},
		{"query and a body", "POST", stop + "?a=1", "{}", tokenHeader(token), answer{400, gen.CodeInvalidParameters}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, []mock.Task{{ID: 42, Status: mock.StatusMigrating}})
			got := e.raw(t, tt.method, tt.path, strings.NewReader(tt.body), tt.header)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]mock.Task{{ID: 42, Status: mock.StatusMigrating}}, e.m.Tasks(project)); diff != "" {
				t.Errorf("state changed (-want +got):\n%s", diff)
			}
			e.noResponseViolations(t)
		})
	}
}

func TestMethodNotAllowedAllowHeader(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/v2/"+project+"/tasks/1/stop", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Allow"); got != http.MethodPost {
		t.Errorf("Allow = %q, want POST", got)
	}
}

// TestConcurrentStops hammers the same migrating tasks from many goroutines:
// each must be stopped exactly once, every other call refused with
// OMS.0066.
func TestConcurrentStops(t *testing.T) {
	t.Parallel()
	const (
		tasks      = 4
		goroutines = 64
		perTask    = 8 // requests per goroutine per task
	)
	var seed []mock.Task
	for i := range int64(tasks) {
		seed = append(seed, mock.Task{ID: 100 + i, Status: mock.StatusMigrating})
	}
	e := newEnv(t, seed)
	tr := &http.Transport{MaxIdleConnsPerHost: goroutines}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := gen.NewClientWithResponses(e.srv.URL, gen.WithHTTPClient(&http.Client{Transport: tr}), gen.WithRequestEditorFn(gen.WithToken(token)))
	if err != nil {
		t.Fatal(err)
	}

	type key struct {
		id int64
		a  answer
	}
	var (
		mu     sync.Mutex
		counts = map[key]int{}
		wg     sync.WaitGroup
		errs   = make(chan error, goroutines)
	)
	for g := range goroutines {
		wg.Go(func() {
			local := map[key]int{}
			for n := range perTask * tasks {
				id := 100 + int64((n+g)%tasks)
				resp, err := c.StopTaskWithResponse(context.Background(), project, id)
				if err != nil {
					errs <- err
					return
				}
				a := answer{Status: resp.StatusCode()}
				if resp.JSON400 != nil {
					a.Code = resp.JSON400.ErrorCode
				}
				local[key{id, a}]++
			}
			mu.Lock()
			defer mu.Unlock()
			for k, v := range local {
				counts[k] += v
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("StopTask: %v", err)
	}
	want := map[key]int{}
	for i := range int64(tasks) {
		want[key{100 + i, answer{200, ""}}] = 1
		want[key{100 + i, answer{400, gen.CodeNotMigrating}}] = goroutines*perTask - 1
	}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("answers per task (-want +got):\n%s", diff)
	}
	if got := e.m.Stops(); got != tasks {
		t.Errorf("Stops() = %d, want %d", got, tasks)
	}
	for _, tk := range e.m.Tasks(project) {
		if tk.Status != mock.StatusPausing {
			t.Errorf("task %d status %v, want pausing", tk.ID, tk.Status)
		}
	}
	e.noResponseViolations(t)
	if r := e.reported(); len(r) != 0 {
		t.Errorf("%d violation records for valid traffic, first: %v", len(r), r[0])
	}
}

// TestSetTask puts a stopped task back to migrating, as a suite does between
// runs.
func TestSetTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 1, Status: mock.StatusStopped}})
	if err := e.m.SetTask(project, mock.Task{ID: 1, Status: mock.StatusMigrating}); err != nil {
		t.Fatal(err)
	}
	if got := e.stop(t, e.client(t, gen.WithToken(token)), project, 1); got != (answer{200, ""}) {
		t.Errorf("stop after SetTask = %+v, want 200", got)
	}
	for _, bad := range []struct {
		proj string
		task mock.Task
	}{
		{"", mock.Task{ID: 1, Status: mock.StatusWaiting}},
		{project, mock.Task{ID: -1, Status: mock.StatusWaiting}},
		{project, mock.Task{ID: 1, Status: 0}},
	} {
		if err := e.m.SetTask(bad.proj, bad.task); err == nil {
			t.Errorf("SetTask(%q, %+v) = nil, want an error", bad.proj, bad.task)
		}
	}
	if diff := cmp.Diff([]string{project}, e.m.Projects()); diff != "" {
		t.Errorf("Projects (-want +got):\n%s", diff)
	}
}

func TestStatusString(t *testing.T) {
	t.Parallel()
	var got []string
	for s := mock.Status(0); s <= 8; s++ {
		got = append(got, fmt.Sprint(s))
	}
	want := []string{"status(0)", "waiting", "migrating", "stopped", "failed", "succeeded", "retrying", "pausing", "status(8)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}

// TestQueryString: StopTask takes no query parameters, so a query is refused
// with 400 OMS.0064 naming the query, even on a correctly signed request
// (the signature covers the query), and the task is not touched; a bare
// "?", which carries no parameter, is not a query and the stop goes through.
func TestQueryString(t *testing.T) {
	t.Parallel()
	const stop = "/v2/" + project + "/tasks/42/stop"
	tests := []struct {
		name       string
		target     string
		sign       bool
		want       answer
		wantStatus mock.Status
	}{
		{"token, query", stop + "?limit=1", false, answer{400, gen.CodeInvalidParameters}, mock.StatusMigrating},
		{"signed, query", stop + "?limit=1", true, answer{400, gen.CodeInvalidParameters}, mock.StatusMigrating},
		{"token, bare question mark", stop + "?", false, answer{200, ""}, mock.StatusPausing},
		{"signed, bare question mark", stop + "?", true, answer{200, ""}, mock.StatusPausing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, []mock.Task{{ID: 42, Status: mock.StatusMigrating}})
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.sign {
				s := gen.NewSigner(gen.Credentials{AK: ak, SK: sk, ProjectID: project}, gen.WithClock(e.clock.Now))
				if err := s.Sign(req, nil); err != nil {
					t.Fatal(err)
				}
			} else {
				req.Header.Set(gen.HeaderAuthToken, token)
			}
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			got := checkAnswer(t, resp.StatusCode, resp.Header, body)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if got.Status == http.StatusBadRequest && !strings.Contains(string(body), "no query parameters") {
				t.Errorf("body %s does not say that StopTask takes no query parameters", body)
			}
			if got := mustTask(t, e.m, project, 42).Status; got != tt.wantStatus {
				t.Errorf("status after = %v, want %v", got, tt.wantStatus)
			}
			e.noResponseViolations(t)
		})
	}
}
