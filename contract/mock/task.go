package mock

import "strconv"

// Status is an OMS task status, the int32 `status` member of ShowTask and
// ListTasks. Only StatusMigrating can be stopped.
type Status int32

// The task statuses OMS documents. Stopping is asynchronous:
// StatusMigrating → StatusPausing → StatusStopped.
const (
	// StatusWaiting: waiting to be scheduled.
	StatusWaiting Status = 1
	// StatusMigrating: running; the only state StopTask accepts.
	StatusMigrating Status = 2
	// StatusStopped: paused.
	StatusStopped Status = 3
	// StatusFailed: the migration failed.
	StatusFailed Status = 4
	// StatusSucceeded: the migration finished; StopTask answers OMS.0070.
	StatusSucceeded Status = 5
	// StatusRetrying: being retried after a failure.
	StatusRetrying Status = 6
	// StatusPausing: a stop was accepted and the task is winding down.
	StatusPausing Status = 7
)

var statusNames = [...]string{
	StatusWaiting:   "waiting",
	StatusMigrating: "migrating",
	StatusStopped:   "stopped",
	StatusFailed:    "failed",
	StatusSucceeded: "succeeded",
	StatusRetrying:  "retrying",
	StatusPausing:   "pausing",
}

// Valid reports whether s is one of the seven documented statuses; fixtures
// with anything else are rejected rather than guessed at.
func (s Status) Valid() bool { return s >= StatusWaiting && s <= StatusPausing }

// String returns the status name, or "status(N)" for an undocumented value,
// so that test failures read as words.
func (s Status) String() string {
	if s.Valid() {
		return statusNames[s]
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// MaxTaskID is the largest task ID the contract allows (task_id is an int64
// in 0..999999999999999).
const MaxTaskID int64 = 999999999999999

// MaxProjectIDLength is the longest project_id the contract allows.
const MaxProjectIDLength = 1024

// Task is the state of one migration task as the mock holds it. It is a
// value: changing a returned Task does not change the mock.
type Task struct {
	// ID is the task ID, 0..MaxTaskID.
	ID int64 `json:"id"`
	// Status is the current status.
	Status Status `json:"status"`
	// Name is a free label, for people reading fixtures and logs.
	Name string `json:"name,omitempty"`
}
