package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
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

	stops atomic.Int64
}

type taskKey struct {
	project string
	id      int64
}

type taskState struct {
	task      Task
	stoppedAt time.Time
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
	mux := http.NewServeMux()
	// An operation of the spec that the generated server does not have
	// (a newer spec given with WithSpecFile) is answered in the contract's
	// shape, naming what is missing.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		x, _ := m.v.ValidateRequest(r.Context(), r, nil)
		m.v.WriteError(w, http.StatusNotFound, m.v.StatusCode(http.StatusNotFound), "the mock does not implement "+x.Operation()+" ("+r.Method+" "+r.URL.Path+")")
	})
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

// settle moves a pausing task to stopped once the stop delay has passed.
func (m *Mock) settle(s *taskState) {
	if s.task.Status == StatusPausing && m.now().Sub(s.stoppedAt) >= m.delay {
		s.task.Status = StatusStopped
	}
}

// verify is the validator's authenticator: the credential, whose form the
// validator has checked, must be one the mock knows.
func (m *Mock) verify(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	_, err := m.projects(in.RequestValidationInput.Request, m.v.Credentials()[in.SecuritySchemeName])
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

// authorize finds which projects the caller's verified credentials cover,
// for StopTask's permission check: a credential that does not verify adds
// none, even beside one that does.
func (m *Mock) authorize(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		projects := []string{}
		for _, c := range m.v.Credentials() {
			if p, err := m.projects(r, c); err == nil {
				projects = append(projects, p...)
			}
		}
		return f(context.WithValue(ctx, projectsKey{}, projects), w, r, req)
	}
}

// StopTask applies the state machine to the task and answers as OMS does.
// The contract middleware has validated the request, so the parameters are
// within the spec's limits.
func (m *Mock) StopTask(ctx context.Context, req gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
	id := contract.RequestID(ctx)
	projects, _ := ctx.Value(projectsKey{}).([]string)
	if !slices.Contains(projects, req.ProjectId) && !slices.Contains(projects, AnyProject) {
		return gen.StopTask403JSONResponse{ForbiddenJSONResponse: gen.ForbiddenJSONResponse{
			Body: m.error(gen.CodeInsufficientPermission), Headers: gen.ForbiddenResponseHeaders{XRequestId: id}}}, nil
	}
	code := m.stop(req.ProjectId, req.TaskId)
	if code == "" {
		m.stops.Add(1)
		return gen.StopTask200Response{Headers: gen.StopTask200ResponseHeaders{XRequestId: id}}, nil
	}
	return gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{
		Body: m.error(code), Headers: gen.BadRequestResponseHeaders{XRequestId: id}}}, nil
}

func (m *Mock) error(code string) gen.Error {
	return gen.Error{ErrorCode: code, ErrorMsg: m.v.Message(code)}
}

// stop is the whole transition, atomic under the lock: of many concurrent
// stops of one migrating task exactly one is accepted. It returns the error
// code of a refusal, or "".
func (m *Mock) stop(project string, id int64) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.tasks[taskKey{project, id}]
	if !ok {
		return gen.CodeTaskNotFound
	}
	m.settle(s)
	switch s.task.Status {
	case StatusMigrating:
		s.task.Status, s.stoppedAt = StatusPausing, m.now()
		return ""
	case StatusSucceeded:
		return gen.CodeAlreadyFinished
	default:
		return gen.CodeNotMigrating
	}
}
