package mock

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"time"

	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
)

// Status is an OMS task status (ShowTask's int32 `status`). Only
// StatusMigrating can be stopped.
type Status int32

// The task statuses OMS documents. Stopping is asynchronous:
// StatusMigrating → StatusPausing → StatusStopped.
const (
	StatusWaiting   Status = 1 // waiting to be scheduled
	StatusMigrating Status = 2 // running: the only state StopTask accepts
	StatusStopped   Status = 3 // paused
	StatusFailed    Status = 4
	StatusSucceeded Status = 5 // finished: StopTask answers OMS.0070
	StatusRetrying  Status = 6
	StatusPausing   Status = 7 // a stop was accepted
)

var statusNames = [...]string{"", "waiting", "migrating", "stopped", "failed", "succeeded", "retrying", "pausing"}

// String returns the status name, or "status(N)".
func (s Status) String() string {
	if s >= StatusWaiting && s <= StatusPausing {
		return statusNames[s]
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Task is one migration task of the mock.
type Task struct {
	ID     int64  `json:"id"`
	Status Status `json:"status"`
	Name   string `json:"name,omitempty"`
	// Type is ShowTask's task_type; "" reads as "object". StartTask wants
	// the source's keys for every type but "url_list".
	Type string `json:"task_type,omitempty"`
}

// The mock's tasks move 2 objects of these many bytes (the figures of the
// OMS reference's examples).
const (
	taskObjects = 2
	taskBytes   = 2223728
)

// view is ShowTask's body for the task as it is: the counters follow the
// status (nothing moved while waiting, half of it while migrating, pausing,
// stopped or failed, all of it once succeeded; a failed task failed the
// other half).
func (s *taskState) view() gen.Task {
	// One allocation holds every value the task points to.
	v := &struct {
		t                                                  Task
		total, size, done, failed, skipped, complete, left int64
		status                                             int32
		progress                                           float64
		typ, empty                                         string
		policies                                           []gen.BandwidthPolicy
	}{t: s.task, total: taskObjects, size: taskBytes, done: taskObjects / 2, typ: cmp.Or(s.task.Type, "object"),
		policies: []gen.BandwidthPolicy{}}
	switch v.t.Status {
	case StatusWaiting:
		v.done = 0
	case StatusSucceeded:
		v.done = taskObjects
	case StatusFailed:
		v.failed = taskObjects - v.done
	}
	if v.t.Status == StatusMigrating || v.t.Status == StatusRetrying {
		v.left = 1000 * (taskObjects - v.done)
	}
	v.status, v.progress, v.complete = int32(v.t.Status), float64(v.done)/taskObjects, v.done*taskBytes/taskObjects
	return gen.Task{Id: &v.t.ID, Name: &v.t.Name, Status: &v.status, TaskType: &v.typ, Description: &v.empty, GroupId: &v.empty,
		TotalNum: &v.total, TotalSize: &v.size, SuccessfulNum: &v.done, FailedNum: &v.failed, SkippedNum: &v.skipped,
		CompleteSize: &v.complete, RealSize: &v.complete, Progress: &v.progress, LeftTime: &v.left, BandwidthPolicy: &v.policies}
}

// AnyProject in a credential's projects covers every project.
const AnyProject = "*"

// Fixtures seed a mock. LoadFixtures reads them from JSON of this shape
// (unknown members are errors, so that a typo does not silently drop a task
// or a credential):
//
//	{
//	  "stop_delay": "2s",
//	  "tasks":  [{"project_id": "2c06…", "id": 191297407830872, "status": 2, "name": "nightly"}],
//	  "tokens": [{"token": "MII…", "projects": ["2c06…"]}],
//	  "aksk":   [{"ak": "AK…", "sk": "SK…", "projects": ["*"]}]
//	}
//
// Project and task IDs must be ones the parameters of every operation of the
// spec accept, or some request could never address them. Fixture files hold credentials in
// clear: keep real ones out of them.
type Fixtures struct {
	StopDelay string         `json:"stop_delay,omitempty"`
	Tasks     []FixtureTask  `json:"tasks"`
	Tokens    []FixtureToken `json:"tokens,omitempty"`
	AKSK      []FixtureAKSK  `json:"aksk,omitempty"`
}

// FixtureTask is a task and its project.
type FixtureTask struct {
	ProjectID string `json:"project_id"`
	Task
}

// FixtureToken is an IAM token the mock accepts for some projects.
type FixtureToken struct {
	Token    string   `json:"token"`
	Projects []string `json:"projects"`
}

// FixtureAKSK is an AK/SK pair whose signatures the mock accepts.
type FixtureAKSK struct {
	AK       string   `json:"ak"`
	SK       string   `json:"sk"`
	Projects []string `json:"projects"`
}

// LoadFixtures reads fixtures from JSON (at most 16 MiB).
func LoadFixtures(r io.Reader) (*Fixtures, error) {
	dec := json.NewDecoder(io.LimitReader(r, 16<<20))
	dec.DisallowUnknownFields()
	var f Fixtures
	if err := dec.Decode(&f); err != nil {
		// A JSON error quotes no value, so no credential leaks through it.
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("fixtures: more than one JSON value")
	}
	return &f, nil
}

// The built-in fixtures' public test values. They protect nothing, are
// printed by `omscontract mock`, and must never be accepted by anything real.
const (
	DefaultProjectID = "2c0689c860ad4728a497c91ec0844383" // the OMS reference's example
	DefaultToken     = "MIIomsMockTokenForTestsOnlyNotASecret0000"
	DefaultAK        = "OMSMOCKAKTESTONLY000"
	DefaultSK        = "omsMockSecretKeyForTestsOnlyNotASecret00"
	// DefaultMigratingTaskID is migrating, the ID of the reference's example;
	// the next IDs are migrating spares, then tasks in every other status.
	DefaultMigratingTaskID int64 = 191297407830872
	// DefaultUnknownTaskID is a valid ID no default task has.
	DefaultUnknownTaskID int64 = 191297407830999
)

// DefaultTaskID is the default task in status s (the first migrating one for
// StatusMigrating). DefaultTaskID(s)+100 is another one in that status.
func DefaultTaskID(s Status) int64 {
	if s == StatusMigrating {
		return DefaultMigratingTaskID
	}
	return DefaultMigratingTaskID + 100 + int64(s)
}

// DefaultFixtures returns the built-in fixtures: DefaultProjectID with eight
// migrating tasks and two in every other status, DefaultToken and
// DefaultAK/DefaultSK for that project only, a delay of two seconds.
func DefaultFixtures() *Fixtures {
	f := &Fixtures{StopDelay: "2s"}
	add := func(id int64, s Status) {
		f.Tasks = append(f.Tasks, FixtureTask{DefaultProjectID, Task{ID: id, Status: s, Name: s.String()}})
	}
	for i := range int64(8) {
		add(DefaultMigratingTaskID+i, StatusMigrating)
	}
	for s := StatusWaiting; s <= StatusPausing; s++ {
		if s != StatusMigrating {
			add(DefaultTaskID(s), s)
			add(DefaultTaskID(s)+100, s)
		}
	}
	f.Tokens = []FixtureToken{{DefaultToken, []string{DefaultProjectID}}}
	f.AKSK = []FixtureAKSK{{DefaultAK, DefaultSK, []string{DefaultProjectID}}}
	return f
}

// Plan names tasks of DefaultFixtures for a conformance run, none used
// twice: for each operation the mock implements, a task it accepts, by
// operationId and parameter (suite.Config.Positive); each operation it
// answers from the spec's examples, with any values; and the tasks of the
// official workflows.
func (m *Mock) Plan() (positive map[string]map[string]string, w suite.Workflow) {
	task := func(id int64) map[string]string { return map[string]string{"task_id": strconv.FormatInt(id, 10)} }
	positive = map[string]map[string]string{
		"ShowTask":   task(DefaultTaskID(StatusWaiting)),
		"StopTask":   task(DefaultMigratingTaskID + 1),
		"StartTask":  task(DefaultTaskID(StatusFailed)),
		"DeleteTask": task(DefaultTaskID(StatusSucceeded) + 100),
	}
	for _, op := range m.unimplemented {
		positive[op] = map[string]string{}
	}
	return positive, suite.Workflow{Migrating: DefaultMigratingTaskID, PauseAndDelete: DefaultMigratingTaskID + 2,
		Paused: DefaultTaskID(StatusStopped), Finished: DefaultTaskID(StatusSucceeded), Unknown: DefaultUnknownTaskID}
}

// seed loads fx into m, checking IDs against the spec's parameters.
func (m *Mock) seed(fx *Fixtures) error {
	var err error
	if m.delay, err = time.ParseDuration(fx.StopDelay); fx.StopDelay == "" {
		m.delay, err = 2*time.Second, nil
	}
	if err != nil || m.delay < 0 {
		return fmt.Errorf("fixtures: stop_delay %q is not a non-negative Go duration", fx.StopDelay)
	}
	// A task must be one every operation can address.
	params := map[string][]func(any) error{}
	for _, op := range m.v.Operations() {
		for _, p := range op.Params {
			params[p.Name] = append(params[p.Name], func(v any) error {
				if id, ok := v.(int64); ok { // kin-openapi's float64 bounds are not exact past 2^53
					if min, max := m.v.IntBounds(p.Schema.Value); min != nil && min.Cmp(big.NewInt(id)) > 0 || max != nil && max.Cmp(big.NewInt(id)) < 0 {
						return errors.New("out of bounds")
					}
					v = float64(id)
				}
				return p.Schema.Value.VisitJSON(v)
			})
		}
	}
	valid := func(name string, v any) bool {
		for _, check := range params[name] {
			if check(v) != nil {
				return false
			}
		}
		return true
	}
	for i, t := range fx.Tasks {
		if !valid("project_id", t.ProjectID) {
			return fmt.Errorf("fixtures: tasks[%d]: project_id %q is not one the contract accepts", i, t.ProjectID)
		}
		if !valid("task_id", t.ID) {
			return fmt.Errorf("fixtures: tasks[%d]: id %d is not one the contract accepts", i, t.ID)
		}
		if t.Status < StatusWaiting || t.Status > StatusPausing {
			return fmt.Errorf("fixtures: tasks[%d]: status %d is not 1..7", i, t.Status)
		}
		k := taskKey{t.ProjectID, t.ID}
		if _, dup := m.tasks[k]; dup {
			return fmt.Errorf("fixtures: tasks[%d]: task %d appears twice in project %s", i, t.ID, t.ProjectID)
		}
		s := &taskState{task: t.Task, since: m.now()}
		if t.Status == StatusPausing { // a seeded pausing task too stops after the delay
			s.next = StatusStopped
		}
		m.tasks[k] = s
	}
	for i, t := range fx.Tokens {
		if t.Token == "" || len(t.Projects) == 0 {
			return fmt.Errorf("fixtures: tokens[%d]: a token and at least one project are required", i)
		}
		m.tokens[sha256.Sum256([]byte(t.Token))] = t.Projects
	}
	for i, k := range fx.AKSK {
		if k.AK == "" || k.SK == "" || len(k.Projects) == 0 {
			return fmt.Errorf("fixtures: aksk[%d]: ak, sk and at least one project are required", i)
		}
		m.keys[k.AK] = akskEntry{sk: k.SK, projects: k.Projects}
	}
	return nil
}
