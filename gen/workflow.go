package gen

import (
	"context"
	"fmt"
	"time"
)

// The task statuses StopAndWait reads (ShowTask's status).
const (
	StatusMigrating int32 = 2 // running: the only status StopTask accepts
	StatusStopped   int32 = 3 // paused: StartTask and DeleteTask accept it
	StatusPausing   int32 = 7 // a stop was accepted (SDK only)
)

// StopAndWait pauses a task as OMS's "pause, then delete" example does: it
// calls StopTask, then ShowTask until the task's status is 3 (stopped), and
// returns the task as ShowTask last gave it. A stop answered OMS.0066 is
// not an error as long as ShowTask then finds the task pausing or stopped
// (a stop retried after a 504 finds it so). It polls with capped
// exponential backoff (100ms doubling to 5s) until ctx ends; a task in any
// status but 2 (not yet pausing), 7 or 3 is an error, for it will not
// become stopped. Failed calls give the *APIError of CheckResult.
func StopAndWait(ctx context.Context, c ClientWithResponsesInterface, projectID string, taskID int64, editors ...RequestEditorFn) (*Task, error) {
	stop, err := c.StopTaskWithResponse(ctx, projectID, taskID, editors...)
	if err == nil {
		err = CheckResult(stop.HTTPResponse, stop.Body)
	}
	if err != nil && !IsNotMigrating(err) {
		return nil, err
	}
	notMigrating := err != nil
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		show, err := c.ShowTaskWithResponse(ctx, projectID, taskID, editors...)
		if err == nil {
			err = CheckResult(show.HTTPResponse, show.Body)
		}
		switch {
		case err != nil:
			return nil, err
		case show.JSON200 == nil || show.JSON200.Status == nil:
			return nil, fmt.Errorf("oms: ShowTask of task %d answered without a status", taskID)
		}
		switch s := *show.JSON200.Status; {
		case s == StatusStopped:
			return show.JSON200, nil
		case s == StatusPausing, s == StatusMigrating && !notMigrating:
		default:
			return show.JSON200, fmt.Errorf("oms: task %d is in status %d: it is not pausing and will not stop", taskID, s)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return show.JSON200, fmt.Errorf("oms: task %d is not stopped yet: %w", taskID, ctx.Err())
		case <-t.C:
		}
	}
}
