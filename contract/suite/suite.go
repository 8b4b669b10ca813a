package suite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// DefaultTimeout bounds each exchange when Config.Timeout is zero. A stop is
// a single small request, so anything slower is a hung server, not a slow
// one.
const DefaultTimeout = 30 * time.Second

// MaxProjectIDLength is the longest project_id the contract allows; the
// suite refuses a longer configured one because every valid case would then
// be invalid.
const MaxProjectIDLength = 1024

// Boundary task IDs of the contract (task_id is an int64 in 0..MaxTaskID).
const (
	MinTaskID int64 = 0
	MaxTaskID int64 = 999999999999999
)

// Config says where the suite sends its requests and with which credentials.
// Either Token or AK and SK (or both) must be set: without valid
// credentials the positive cases cannot be told apart from authentication
// failures.
type Config struct {
	// Endpoint is the base URL: scheme, host and an optional path prefix,
	// for example http://127.0.0.1:8080 or https://oms.cn-north-4.myhuaweicloud.com.
	Endpoint string
	// ProjectID is the project every request addresses (1..1024 characters).
	ProjectID string
	// Token is an IAM token sent as X-Auth-Token.
	Token string
	// AK and SK sign requests with SDK-HMAC-SHA256; when both they and Token
	// are set, AK/SK is the primary scheme and the token is exercised by a
	// case of its own.
	AK, SK string
	// SecurityToken accompanies temporary AK/SK credentials.
	SecurityToken string
	// Timeout bounds each exchange; zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a client that does not follow
	// redirects (a redirect would hide the answer under test). A given
	// client is used as it is, but its redirect policy is not changed.
	HTTPClient *http.Client
	// Behaviour names tasks whose state the caller knows. Cases that need
	// such a task are left out when it is not named, so the zero Behaviour
	// makes the run non-destructive, on one assumption: see
	// NoBoundaryProbes.
	Behaviour Behaviour
	// NoBoundaryProbes leaves out the cases that send a valid, authenticated
	// stop to a task the caller did not name: positive/task_id=0,
	// positive/task_id=999999999999999, auth/token-accepted and
	// auth/aksk-accepted (both address 999999999999999). Those cases assume
	// that the boundary IDs are not tasks of the project; if one were a
	// migrating task, they would pause it. The cases left send only
	// requests a conforming server refuses (invalid input, wrong or no
	// credentials, another method), still addressing task 999999999999999.
	// The price: nothing then shows that valid credentials and IDs are
	// accepted.
	NoBoundaryProbes bool
	// Progress, when set, is called after each case with its result and its
	// position, so that a long run can show it is alive.
	Progress func(done, total int, r CaseResult)
}

// Behaviour names tasks of Config.ProjectID by ID and what state they are
// in. Only MigratingTask leads to a state change: the suite stops it.
type Behaviour struct {
	// MigratingTask is a task in status 2 (migrating). The suite stops it and
	// expects 200, then stops it again and expects 400 OMS.0066. This is the
	// only destructive case; name a task only if you mean it to be paused.
	MigratingTask *int64
	// FinishedTask is a task in status 5 (succeeded); the suite expects 400
	// OMS.0070.
	FinishedTask *int64
	// UnknownTask is an ID the project has no task with; the suite expects
	// 400 OMS.1009.
	UnknownTask *int64
}

// TaskID returns a pointer to id, for the fields of Behaviour.
func TaskID(id int64) *int64 { return &id }

// auth names the primary authentication scheme in reports.
func (c *Config) auth() string {
	var parts []string
	if c.Token != "" {
		parts = append(parts, "token")
	}
	if c.AK != "" || c.SK != "" {
		parts = append(parts, "AK/SK")
	}
	return strings.Join(parts, "+")
}

// secrets are the configured values that must never be printed, sent or
// not (the SK never is). What each request carried is added per request
// from contract.SecretValues, which also lists the access key of an
// Authorization header: not a secret, but not worth showing either.
func (c *Config) secrets() []string {
	return []string{c.Token, c.SK, c.SecurityToken}
}

// validate rejects a configuration the suite cannot give an honest verdict
// with. Its messages never quote a credential.
func (c *Config) validate() (*url.URL, error) {
	if c.Endpoint == "" {
		return nil, errors.New("suite: no endpoint")
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("suite: endpoint %q is not an http or https URL with a host", contract.RedactURL(c.Endpoint))
	}
	if u.User != nil {
		return nil, errors.New("suite: the endpoint must not carry user information")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("suite: the endpoint must not have a query or fragment")
	}
	switch {
	case c.ProjectID == "":
		return nil, errors.New("suite: no project ID")
	case len(c.ProjectID) > MaxProjectIDLength:
		return nil, fmt.Errorf("suite: the project ID is %d characters, the contract allows at most %d", len(c.ProjectID), MaxProjectIDLength)
	case c.Token == "" && c.AK == "" && c.SK == "":
		return nil, errors.New("suite: no credentials: set a token or an AK/SK pair")
	case (c.AK == "") != (c.SK == ""):
		return nil, errors.New("suite: AK and SK must be given together")
	case len(c.Token) > gen.MaxTokenLength:
		return nil, fmt.Errorf("suite: the token is %d characters, the contract allows at most %d", len(c.Token), gen.MaxTokenLength)
	case c.Timeout < 0:
		return nil, errors.New("suite: negative timeout")
	}
	for name, id := range map[string]*int64{"migrating": c.Behaviour.MigratingTask, "finished": c.Behaviour.FinishedTask, "unknown": c.Behaviour.UnknownTask} {
		if id != nil && (*id < MinTaskID || *id > MaxTaskID) {
			return nil, fmt.Errorf("suite: the %s task ID %d is outside %d..%d", name, *id, MinTaskID, MaxTaskID)
		}
	}
	return u, nil
}

// Run sends every case to the configured endpoint, one after the other, and
// returns the report. The error is for a configuration the suite cannot run
// with; a server that cannot be reached gives a report whose cases end in
// VerdictError. Cancelling ctx stops the run between cases and marks the
// remaining ones as errors.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	v, err := contract.New(contract.WithServer(strings.TrimRight(base.String(), "/")))
	if err != nil {
		return nil, fmt.Errorf("suite: building the validator: %w", err)
	}
	r := &runner{cfg: cfg, base: strings.TrimRight(base.String(), "/"), v: v, client: cfg.HTTPClient}
	if r.client == nil {
		r.client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if r.cfg.Timeout == 0 {
		r.cfg.Timeout = DefaultTimeout
	}

	cases := buildCases(&r.cfg)
	rep := &Report{
		Endpoint:  r.base,
		ProjectID: cfg.ProjectID,
		Auth:      cfg.auth(),
		Started:   time.Now().UTC(),
	}
	for i, c := range cases {
		res := r.run(ctx, c)
		rep.Cases = append(rep.Cases, res)
		if id, ok := addressedTaskID(res.Path); ok && !slices.Contains(rep.TaskIDs, id) {
			rep.TaskIDs = append(rep.TaskIDs, id)
		}
		if cfg.Progress != nil {
			cfg.Progress(i+1, len(cases), res)
		}
	}
	rep.Duration = time.Since(rep.Started)
	rep.Summary = summarize(rep.Cases)
	return rep, nil
}

// addressedTaskID returns the task ID a request path names, when it is a
// valid one: the IDs of tasks the run could have acted on.
func addressedTaskID(path string) (int64, bool) {
	i := strings.LastIndex(path, "/tasks/")
	if i < 0 {
		return 0, false
	}
	seg, _, _ := strings.Cut(path[i+len("/tasks/"):], "/")
	id, err := strconv.ParseInt(seg, 10, 64)
	if err != nil || id < MinTaskID || id > MaxTaskID || strconv.FormatInt(id, 10) != seg {
		return 0, false
	}
	return id, true
}
