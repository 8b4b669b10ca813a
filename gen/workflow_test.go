package gen_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/gen"
)

// scripted answers StopTask with stop and each ShowTask with the next of
// shows (the last one repeated), and counts the calls.
func scripted(t *testing.T, stop string, shows ...string) (*gen.ClientWithResponses, func() (stops, showsSeen int)) {
	t.Helper()
	var mu sync.Mutex
	n, s := 0, 0
	answer := func(w http.ResponseWriter, a string) {
		status, body, _ := strings.Cut(a, " ")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r")
		var code int
		fmt.Sscan(status, &code)
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/stop") {
			n++
			answer(w, stop)
			return
		}
		answer(w, shows[min(s, len(shows)-1)])
		s++
	}))
	t.Cleanup(srv.Close)
	c, err := gen.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c, func() (int, int) { mu.Lock(); defer mu.Unlock(); return n, s }
}

const notMigrating = `400 {"error_code":"OMS.0066","error_msg":"Failed to pause the task. The task is not in progress."}`

func task(status int) string { return fmt.Sprintf(`200 {"id":1,"status":%d}`, status) }

func TestStopAndWait(t *testing.T) {
	tests := []struct {
		name       string
		stop       string
		shows      []string
		wantStatus int32 // of the task returned; 0 for none
		wantErr    func(error) bool
		wantShows  int
	}{
		{name: "paused after pausing", stop: "200", shows: []string{task(7), task(7), task(3)}, wantStatus: 3, wantShows: 3},
		{name: "still migrating just after the stop", stop: "200", shows: []string{task(2), task(3)}, wantStatus: 3, wantShows: 2},
		{name: "OMS.0066: already paused is done", stop: notMigrating, shows: []string{task(3)}, wantStatus: 3, wantShows: 1},
		{name: "OMS.0066: already pausing is waited for", stop: notMigrating, shows: []string{task(7), task(3)}, wantStatus: 3, wantShows: 2},
		{name: "OMS.0066 for a migrating task is an error", stop: notMigrating, shows: []string{task(2)}, wantStatus: 2,
			wantErr: func(err error) bool { return err != nil && strings.Contains(err.Error(), "status 2") }, wantShows: 1},
		{name: "OMS.0066 for a failed task is an error", stop: notMigrating, shows: []string{task(4)}, wantStatus: 4,
			wantErr: func(err error) bool { return err != nil && strings.Contains(err.Error(), "will not stop") }, wantShows: 1},
		{name: "a finished task", stop: `400 {"error_code":"OMS.0070","error_msg":"The task is complete. You cannot start or stop it."}`,
			wantErr: gen.IsAlreadyFinished},
		{name: "refused credentials", stop: `401 {"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information."}`,
			wantErr: gen.IsUnauthorized},
		{name: "the task vanished while pausing", stop: "200", shows: []string{task(7), `400 {"error_code":"OMS.1009","error_msg":"No resources found."}`},
			wantErr: gen.IsNotFound, wantShows: 2},
		{name: "ShowTask without a status", stop: "200", shows: []string{`200 {"id":1}`},
			wantErr: func(err error) bool { return err != nil && strings.Contains(err.Error(), "without a status") }, wantShows: 1},
		{name: "ShowTask with a status that is not a number", stop: "200", shows: []string{`200 {"id":1,"status":"3"}`},
			wantErr: func(err error) bool { return err != nil }, wantShows: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, calls := scripted(t, tt.stop, append(tt.shows, task(3))...)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			got, err := gen.StopAndWait(ctx, c, "p", 1)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("StopAndWait: error %v", err)
			}
			var status int32
			if got != nil && got.Status != nil {
				status = *got.Status
			}
			if status != tt.wantStatus {
				t.Errorf("task status %d, want %d", status, tt.wantStatus)
			}
			if stops, shows := calls(); stops != 1 || shows != tt.wantShows {
				t.Errorf("%d stops and %d shows, want 1 and %d", stops, shows, tt.wantShows)
			}
		})
	}
}

// TestStopAndWaitHonoursTheContext: a task that stays pausing ends the wait
// when the context does, with the context's error and the last task seen.
func TestStopAndWaitHonoursTheContext(t *testing.T) {
	c, _ := scripted(t, "200", task(7))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	got, err := gen.StopAndWait(ctx, c, "p", 1)
	if !errors.Is(err, context.Canceled) || got == nil || *got.Status != 7 {
		t.Fatalf("StopAndWait = %v, %v; want the pausing task and context.Canceled", got, err)
	}
}
