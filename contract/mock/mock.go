package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
	"github.com/oms-contract/stoptask/gen/spec"
)

// The mock breaks the build when the spec's operations change.
var _ gen.StrictServerInterface = (*Mock)(nil)

// Mock is a stateful OMS: tasks per project, the credentials it accepts,
// and StopTask's state machine (migrating → pausing → stopped after the
// stop delay). Its handler is the generated server behind the contract
// middleware, so every request it answers was routed, authenticated and
// validated against the spec first, in the gateway's order.
type Mock struct {
	v       *contract.Validator
	handler http.Handler
	now     func() time.Time
	delay   time.Duration

	mu     sync.Mutex
	tasks  map[taskKey]*taskState
	tokens map[[sha256.Size]byte][]string // token digest → projects
	keys   map[string]akskEntry           // AK → SK and projects

	stops         atomic.Int64
	unimplemented []string
}

type taskKey struct {
	project string
	id      int64
}

type taskState struct {
	task  Task
	next  Status    // what a transient status (7 after a stop, 1 after a start) becomes, or 0
	since time.Time // when the task entered it
}

type akskEntry struct {
	sk       string
	projects []string
}

// Option configures a Mock.
type Option func(*Mock) error

// WithContract sets the validator options, for example WithSpecFile to
// serve the spec of a pull request. The mock adds WithServer("/").
func WithContract(opts ...contract.Option) Option {
	return func(m *Mock) (err error) {
		m.v, err = contract.New(append(opts, contract.WithServer("/"), contract.WithAuthenticator(m.verify))...)
		return err
	}
}

// WithClock replaces time.Now, for tests of the stop delay and of stale
// signatures.
func WithClock(now func() time.Time) Option {
	return func(m *Mock) error { m.now = now; return nil }
}

// New builds a mock seeded with fx (DefaultFixtures when nil).
func New(fx *Fixtures, opts ...Option) (*Mock, error) {
	if fx == nil {
		fx = DefaultFixtures()
	}
	m := &Mock{now: time.Now, tasks: map[taskKey]*taskState{}, tokens: map[[sha256.Size]byte][]string{}, keys: map[string]akskEntry{}}
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	if m.v == nil {
		if err := WithContract()(m); err != nil {
			return nil, err
		}
	}
	if err := m.seed(fx); err != nil {
		return nil, err
	}
	if err := m.findUnimplemented(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	// An operation of the spec that the generated server does not have
	// (a newer spec given with WithSpecFile) is answered from the spec's
	// examples, as Prism does.
	mux.HandleFunc("/", m.fromExamples)
	// A handler error would be a mock bug: the generated default answers it
	// with a text/plain 500, which the strict middleware turns into the
	// gateway's 502 and reports.
	strict := gen.NewStrictHandlerWithOptions(m, []gen.StrictMiddlewareFunc{m.authorize},
		gen.StrictHTTPServerOptions{RequestErrorHandlerFunc: m.v.ParamErrorHandler})
	h := gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{BaseRouter: mux, ErrorHandlerFunc: m.v.ParamErrorHandler})
	m.handler = contract.Middleware(m.v, contract.WithStrictResponses())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// "." and ".." are project IDs the spec allows; ServeMux would
		// redirect them away as path segments, so they reach it escaped.
		if !strings.Contains(r.URL.EscapedPath(), "/.") {
			h.ServeHTTP(w, r)
			return
		}
		segs := strings.Split(r.URL.EscapedPath(), "/")
		for i, s := range segs {
			if s == "." || s == ".." {
				segs[i] = strings.Repeat("%2E", len(s))
			}
		}
		u := *r.URL
		u.RawPath = strings.Join(segs, "/")
		r = r.WithContext(r.Context())
		r.URL = &u
		h.ServeHTTP(w, r)
	}))
	return m, nil
}

// findUnimplemented lists the operations the generated server lacks.
func (m *Mock) findUnimplemented() error {
	embedded, err := spec.GetSpec()
	if err != nil {
		return err
	}
	for _, op := range m.v.Operations() {
		item := embedded.Paths.Find(op.Path)
		if item == nil || item.GetOperation(op.Method) == nil || item.GetOperation(op.Method).OperationID != op.OperationID {
			m.unimplemented = append(m.unimplemented, op.OperationID)
		}
	}
	return nil
}

// Unimplemented lists the operations of the spec the mock has no behaviour
// for: it answers them with their documented 2xx and its example.
func (m *Mock) Unimplemented() []string { return m.unimplemented }

// fromExamples answers an operation the mock does not implement with its
// documented 2xx and that response's first example, by name, if it has one.
// The middleware has routed and validated the request already.
func (m *Mock) fromExamples(w http.ResponseWriter, r *http.Request) {
	x, _ := m.v.ValidateRequest(r.Context(), r, nil)
	op, ok := m.v.Operation(x.Operation())
	if !ok || op.Success == 0 {
		m.v.WriteError(w, http.StatusNotFound, m.v.StatusCode(http.StatusNotFound), "the mock does not implement "+r.Method+" "+r.URL.Path)
		return
	}
	var example any
	if mt := op.Responses.Status(op.Success).Value.Content.Get("application/json"); mt != nil {
		example = mt.Example
		if names := slices.Sorted(maps.Keys(mt.Examples)); example == nil && len(names) > 0 {
			example = mt.Examples[names[0]].Value.Value
		}
	}
	if example == nil {
		w.WriteHeader(op.Success)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(op.Success)
	_ = json.NewEncoder(w).Encode(example)
}

// Handler serves the mock.
func (m *Mock) Handler() http.Handler { return m.handler }

// Validator is the mock's validator (its spec and its facts).
func (m *Mock) Validator() *contract.Validator { return m.v }

// Stops counts the stops the mock accepted.
func (m *Mock) Stops() int { return int(m.stops.Load()) }

// Task returns a task as it is now.
func (m *Mock) Task(project string, id int64) (Task, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.tasks[taskKey{project, id}]
	if !ok {
		return Task{}, false
	}
	m.settle(s)
	return s.task, true
}

// settle ends a transient status once the delay has passed on the mock's
// clock: a pausing task is stopped, a started one migrates. It runs when a
// task is next looked at, so the mock owns no goroutine.
func (m *Mock) settle(s *taskState) {
	if s.next != 0 && m.now().Sub(s.since) >= m.delay {
		s.task.Status, s.next = s.next, 0
	}
}

// verify is the validator's authenticator: the credential, whose form the
// validator has checked, must be one the mock knows.
func (m *Mock) verify(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	projects, err := m.projects(in.RequestValidationInput.Request, m.v.Credentials()[in.SecuritySchemeName])
	if err == nil {
		contract.SetPrincipal(ctx, projects)
	}
	return err
}

// projects verifies the credential r carries for scheme c and returns the
// projects it covers. A token is looked up by digest in constant time; a
// signature is verified with the SK of its AK, and its date must be within
// the skew the scheme's x-oms-max-skew allows.
func (m *Mock) projects(r *http.Request, c contract.Credential) ([]string, error) {
	value := r.Header.Get(c.Header)
	a, err := signer.ParseAuthorization(value)
	if err != nil {
		if p := m.tokenProjects(value); p != nil {
			return p, nil
		}
		return nil, errors.New(c.Name + ": unknown token")
	}
	key, ok := m.keys[a.Access]
	if !ok {
		return nil, errors.New(c.Name + ": unknown access key")
	}
	date, err := signer.Date(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.Name, err)
	}
	if d := m.now().Sub(date); c.MaxSkew > 0 && (d > c.MaxSkew || d < -c.MaxSkew) {
		return nil, fmt.Errorf("%s: the signature's date is more than %s off", c.Name, c.MaxSkew)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := signer.Verify(r, body, key.sk); err != nil {
		return nil, fmt.Errorf("%s: %v", c.Name, err)
	}
	return key.projects, nil
}

func (m *Mock) tokenProjects(token string) []string {
	d := sha256.Sum256([]byte(token))
	var found []string
	for k, projects := range m.tokens {
		if subtle.ConstantTimeCompare(d[:], k[:]) == 1 {
			found = projects
		}
	}
	return found
}

type projectsKey struct{}

// authorize hands the operations the projects the credential the
// middleware verified (verify, the first scheme that verifies) covers.
func (m *Mock) authorize(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		projects, _ := contract.Principal(ctx).([]string)
		return f(context.WithValue(ctx, projectsKey{}, projects), w, r, req)
	}
}

// ShowTask answers with the task as it is now.
func (m *Mock) ShowTask(ctx context.Context, req gen.ShowTaskRequestObject) (gen.ShowTaskResponseObject, error) {
	var task gen.Task
	code := m.apply(ctx, req.ProjectId, req.TaskId, func(s *taskState) string { task = s.view(); return "" })
	if code != "" {
		return gen.ShowTask400JSONResponse{Body: m.error(code), Headers: gen.ShowTask400ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
	}
	return gen.ShowTask200JSONResponse{Body: task, Headers: gen.ShowTask200ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
}

// StopTask pauses a migrating task: 2 → 7, and 3 after the delay.
func (m *Mock) StopTask(ctx context.Context, req gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
	code := m.apply(ctx, req.ProjectId, req.TaskId, func(s *taskState) string {
		switch s.task.Status {
		case StatusMigrating:
			s.task.Status, s.next, s.since = StatusPausing, StatusStopped, m.now()
			m.stops.Add(1)
			return ""
		case StatusSucceeded:
			return gen.CodeAlreadyFinished
		}
		return gen.CodeNotMigrating
	})
	if code != "" {
		return gen.StopTask400JSONResponse{Body: m.error(code), Headers: gen.StopTask400ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
	}
	return gen.StopTask200Response{Headers: gen.StopTask200ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
}

// StartTask starts a paused or failed task: 3 or 4 → 1, and 2 after the
// delay. The keys are checked for presence only, and never kept.
func (m *Mock) StartTask(ctx context.Context, req gen.StartTaskRequestObject) (gen.StartTaskResponseObject, error) {
	code := m.apply(ctx, req.ProjectId, req.TaskId, func(s *taskState) string {
		switch s.task.Status {
		case StatusSucceeded:
			return gen.CodeAlreadyFinished
		case StatusStopped, StatusFailed:
		default:
			return gen.CodeAlreadyStarted
		}
		// The destination's keys always, the source's for all but URL-list
		// tasks (启动迁移任务).
		if b := req.Body; b.DstAk == "" || b.DstSk == "" || s.task.Type != "url_list" && (ptrEmpty(b.SrcAk) || ptrEmpty(b.SrcSk)) {
			return gen.CodeParametersMissing
		}
		s.task.Status, s.next, s.since = StatusWaiting, StatusMigrating, m.now()
		return ""
	})
	if code != "" {
		return gen.StartTask400JSONResponse{Body: m.error(code), Headers: gen.StartTask400ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
	}
	return gen.StartTask200Response{Headers: gen.StartTask200ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
}

// DeleteTask removes a task that is not running, retrying or pausing.
func (m *Mock) DeleteTask(ctx context.Context, req gen.DeleteTaskRequestObject) (gen.DeleteTaskResponseObject, error) {
	code := m.apply(ctx, req.ProjectId, req.TaskId, func(s *taskState) string {
		switch s.task.Status {
		case StatusMigrating, StatusRetrying, StatusPausing:
			return gen.CodeTaskInProgress
		}
		delete(m.tasks, taskKey{req.ProjectId, req.TaskId})
		return ""
	})
	if code != "" {
		return gen.DeleteTask400JSONResponse{Body: m.error(code), Headers: gen.DeleteTask400ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
	}
	return gen.DeleteTask200Response{Headers: gen.DeleteTask200ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
}

func ptrEmpty(s *string) bool { return s == nil || *s == "" }

func (m *Mock) error(code string) gen.Error {
	return gen.Error{ErrorCode: code, ErrorMsg: m.v.Message(http.StatusBadRequest, code)}
}

// apply is the one state machine behind every operation: under the lock it
// checks that the caller's credentials cover the project (OMS.0072), finds
// the task (OMS.1009), settles it and applies fn, which returns the error
// code of a refusal or "". Of many concurrent calls on one task, each sees
// the state the previous one left: one stop of a migrating task wins.
func (m *Mock) apply(ctx context.Context, project string, id int64, fn func(*taskState) string) string {
	projects, _ := ctx.Value(projectsKey{}).([]string)
	if !slices.Contains(projects, project) && !slices.Contains(projects, AnyProject) {
		return gen.CodeInsufficientPermission
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.tasks[taskKey{project, id}]
	if !ok {
		return gen.CodeTaskNotFound
	}
	m.settle(s)
	return fn(s)
}
