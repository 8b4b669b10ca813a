package mock

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// The mock is served through the generated strict server, so a change to the
// contract that the mock does not follow breaks the build here.
var _ gen.StrictServerInterface = (*Mock)(nil)

// DefaultStopDelay is how long a stopped task stays pausing (7) before it is
// stopped (3) when neither WithStopDelay nor the fixtures say otherwise. It
// is short enough for a person trying the CLI to see both states.
const DefaultStopDelay = 2 * time.Second

// maxRecordsKept bounds the exchanges a Mock remembers for Records, so that
// a long-running mock fed bad traffic cannot grow without limit.
const maxRecordsKept = 1000

// Mock is an in-memory OMS serving StopTask. It is safe for concurrent use;
// create it with New and serve Handler.
type Mock struct {
	now         func() time.Time
	delay       time.Duration
	creds       *credentials
	onViolation func(contract.Record)
	// respond, when set, replaces StopTask's answer. Only tests set it, to
	// prove that the contract middleware catches a wrong answer.
	respond func(gen.StopTaskRequestObject, string) gen.StopTaskResponseObject

	handler http.Handler

	mu       sync.Mutex
	projects map[string]map[int64]*taskState
	records  []contract.Record

	requests     atomic.Int64
	stops        atomic.Int64
	refused      atomic.Int64
	forbidden    atomic.Int64
	unauthorized atomic.Int64
	reqViolated  atomic.Int64
	respViolated atomic.Int64
}

// taskState is a task plus what the lazy pausing → stopped transition
// needs.
type taskState struct {
	task Task
	// stoppedAt is when StopTask accepted the stop; zero for a task that was
	// seeded as pausing, which therefore stays pausing.
	stoppedAt time.Time
}

// config collects what the options ask for, so that New can validate the
// whole set (duplicates across options, for instance) before building.
type config struct {
	now         func() time.Time
	delay       *time.Duration
	tasks       []seedTask
	tokens      []tokenSeed
	aksk        []akskSeed
	onViolation func(contract.Record)
	respond     func(gen.StopTaskRequestObject, string) gen.StopTaskResponseObject
}

type seedTask struct {
	project string
	task    Task
	origin  string // where the task came from, for error messages
}

// Option configures a Mock built by New.
type Option func(*config) error

// WithTask seeds a task in project. New fails for an empty or too long
// project ID, an ID outside 0..MaxTaskID, an unknown status or a task ID
// already seeded in the same project.
func WithTask(project string, t Task) Option {
	return func(c *config) error {
		c.tasks = append(c.tasks, seedTask{project: project, task: t, origin: fmt.Sprintf("WithTask(%q, %d)", project, t.ID)})
		return nil
	}
}

// WithToken accepts the IAM token for the listed projects; "*" covers every
// project. New fails for an empty or too long token, a token given twice or
// an empty project list. The token never appears in errors.
func WithToken(token string, projects ...string) Option {
	return func(c *config) error {
		c.tokens = append(c.tokens, tokenSeed{token: token, projects: slices.Clone(projects), origin: fmt.Sprintf("WithToken #%d", len(c.tokens)+1)})
		return nil
	}
}

// WithAKSK accepts AK/SK signatures made with ak and sk for the listed
// projects; "*" covers every project. New fails for an empty AK or SK, an AK
// given twice or an empty project list. The SK never appears in errors.
func WithAKSK(ak, sk string, projects ...string) Option {
	return func(c *config) error {
		c.aksk = append(c.aksk, akskSeed{ak: ak, sk: sk, projects: slices.Clone(projects), origin: fmt.Sprintf("WithAKSK(%q)", ak)})
		return nil
	}
}

// WithStopDelay sets how long a task stays pausing after an accepted stop,
// measured on the mock's clock. Zero makes it stopped as soon as it is next
// looked at; the 200 answer itself always leaves it pausing.
func WithStopDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("stop delay %v is negative", d)
		}
		c.delay = &d
		return nil
	}
}

// WithClock makes the mock read the time from now instead of time.Now: it
// drives the pausing → stopped transition and the X-Sdk-Date skew check, so
// tests can move time without sleeping.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithViolationHandler has f called for every exchange in which the strict
// contract middleware found violations: request violations (the client's
// fault, answered 400/401/404/405 by the middleware) as well as response
// violations (the mock's fault, answered 500). f runs on the request's
// goroutine and must be safe for concurrent use. Records are also counted
// in Stats and kept for Records.
func WithViolationHandler(f func(contract.Record)) Option {
	return func(c *config) error {
		c.onViolation = f
		return nil
	}
}

// New builds a Mock from opts. Without options it holds no task and accepts
// no credential, so every request is refused; seed it with WithFixtures(
// DefaultFixtures()) for a ready-made set. Errors name the offending option
// or fixture but never quote a token or SK.
func New(opts ...Option) (*Mock, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return nil, fmt.Errorf("mock: %w", err)
		}
	}
	m := &Mock{
		now:         time.Now,
		delay:       DefaultStopDelay,
		onViolation: c.onViolation,
		respond:     c.respond,
		projects:    make(map[string]map[int64]*taskState),
	}
	if c.now != nil {
		m.now = c.now
	}
	if c.delay != nil {
		m.delay = *c.delay
	}
	for _, s := range c.tasks {
		if err := validateTask(s.project, s.task); err != nil {
			return nil, fmt.Errorf("mock: %s: %w", s.origin, err)
		}
		if _, dup := m.projects[s.project][s.task.ID]; dup {
			return nil, fmt.Errorf("mock: %s: duplicate task id %d in project %q", s.origin, s.task.ID, s.project)
		}
		m.putLocked(s.project, s.task)
	}
	creds, err := newCredentials(c.tokens, c.aksk)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	m.creds = creds
	h, err := m.buildHandler()
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	m.handler = h
	return m, nil
}

// validateTask applies the contract's limits, so that a seeded task is one a
// client could actually address.
func validateTask(project string, t Task) error {
	switch {
	case project == "":
		return errors.New("empty project ID")
	case len(project) > MaxProjectIDLength:
		return fmt.Errorf("project ID is %d bytes, the contract allows at most %d", len(project), MaxProjectIDLength)
	case project == wildcardProject:
		return fmt.Errorf("project ID %q is reserved for credentials covering every project", wildcardProject)
	case t.ID < 0 || t.ID > MaxTaskID:
		return fmt.Errorf("task id %d is outside 0..%d", t.ID, MaxTaskID)
	case !t.Status.Valid():
		return fmt.Errorf("task %d: unknown status %d (want 1..7)", t.ID, t.Status)
	}
	return nil
}

func (m *Mock) putLocked(project string, t Task) {
	tasks := m.projects[project]
	if tasks == nil {
		tasks = make(map[int64]*taskState)
		m.projects[project] = tasks
	}
	tasks[t.ID] = &taskState{task: t}
}

// settleLocked completes a pausing → stopped transition whose delay has
// passed. Doing it on every read, under the lock, replaces a timer per task.
func (m *Mock) settleLocked(s *taskState, now time.Time) {
	if s.task.Status == StatusPausing && !s.stoppedAt.IsZero() && !now.Before(s.stoppedAt.Add(m.delay)) {
		s.task.Status = StatusStopped
		s.stoppedAt = time.Time{}
	}
}

// Task returns the current state of a task, and false if project has no
// task id.
func (m *Mock) Task(project string, id int64) (Task, bool) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.projects[project][id]
	if !ok {
		return Task{}, false
	}
	m.settleLocked(s, now)
	return s.task, true
}

// Tasks returns the tasks of project sorted by ID; nil for a project with
// none.
func (m *Mock) Tasks(project string) []Task {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	tasks := m.projects[project]
	if len(tasks) == 0 {
		return nil
	}
	out := make([]Task, 0, len(tasks))
	for _, s := range tasks {
		m.settleLocked(s, now)
		out = append(out, s.task)
	}
	slices.SortFunc(out, func(a, b Task) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Projects returns the IDs of the projects holding tasks, sorted.
func (m *Mock) Projects() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.projects))
	for p, tasks := range m.projects {
		if len(tasks) > 0 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// SetTask creates or replaces a task, for example to put a stopped task back
// to migrating between two runs of a suite. It validates like WithTask,
// except that replacing an existing ID is the point.
func (m *Mock) SetTask(project string, t Task) error {
	if err := validateTask(project, t); err != nil {
		return fmt.Errorf("mock: SetTask: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLocked(project, t)
	return nil
}

// stopOutcome is what a stop attempt found.
type stopOutcome int

const (
	stopAccepted stopOutcome = iota
	stopNotMigrating
	stopFinished
	stopNotFound
)

// stop is the whole state transition, atomic under the lock: of many
// concurrent stops of one migrating task exactly one is accepted.
func (m *Mock) stop(project string, id int64) stopOutcome {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.projects[project][id]
	if !ok {
		return stopNotFound
	}
	m.settleLocked(s, now)
	switch s.task.Status {
	case StatusMigrating:
		s.task.Status = StatusPausing
		s.stoppedAt = now
		return stopAccepted
	case StatusSucceeded:
		return stopFinished
	default:
		return stopNotMigrating
	}
}

// Stats counts what the mock answered since it was built.
type Stats struct {
	// Requests is every request the handler received.
	Requests int
	// Stops is StopTask calls answered 200.
	Stops int
	// Refused is StopTask calls answered 400 because of the task's state or
	// absence (OMS.0066, OMS.0070, OMS.1009).
	Refused int
	// Forbidden is requests answered 403 OMS.0072.
	Forbidden int
	// Unauthorized is requests the mock answered 401 (bad token or
	// signature); credentials missing or malformed are request violations.
	Unauthorized int
	// RequestViolations is violations the contract middleware found in
	// requests: the clients' fault.
	RequestViolations int
	// ResponseViolations is violations the contract middleware found in the
	// mock's own answers: a mock bug, always zero when all is well.
	ResponseViolations int
}

// Stats returns the counters. They are read one by one, so under
// concurrent traffic they may not add up exactly; read them when quiet.
func (m *Mock) Stats() Stats {
	return Stats{
		Requests:           int(m.requests.Load()),
		Stops:              int(m.stops.Load()),
		Refused:            int(m.refused.Load()),
		Forbidden:          int(m.forbidden.Load()),
		Unauthorized:       int(m.unauthorized.Load()),
		RequestViolations:  int(m.reqViolated.Load()),
		ResponseViolations: int(m.respViolated.Load()),
	}
}

// Stops returns how many StopTask calls were answered 200, the number a load
// test compares with the migrating tasks it targeted.
func (m *Mock) Stops() int { return int(m.stops.Load()) }

// Records returns the exchanges in which the contract middleware found
// violations (at most the last 1000), oldest first.
func (m *Mock) Records() []contract.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.records)
}

// Violations returns the violations of Records, flattened, oldest first.
func (m *Mock) Violations() contract.Violations {
	var vs contract.Violations
	for _, rec := range m.Records() {
		vs = append(vs, rec.Violations...)
	}
	return vs
}

func (m *Mock) reportViolations(_ *http.Request, rec contract.Record) {
	for _, v := range rec.Violations {
		if v.Direction == contract.DirectionResponse {
			m.respViolated.Add(1)
		} else {
			m.reqViolated.Add(1)
		}
	}
	m.mu.Lock()
	if len(m.records) >= maxRecordsKept {
		m.records = slices.Delete(m.records, 0, 1)
	}
	m.records = append(m.records, rec)
	m.mu.Unlock()
	if m.onViolation != nil {
		m.onViolation(rec)
	}
}

// Close releases the mock. The mock starts no goroutine and holds no
// resource (transitions are computed on read), so Close has nothing to stop;
// it exists so that callers can treat the mock like other servers and so
// that a future version may need it. It is safe to call more than once.
func (m *Mock) Close() error { return nil }
