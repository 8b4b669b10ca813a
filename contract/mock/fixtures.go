package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"
)

// MaxFixturesBytes bounds what LoadFixtures reads, so that pointing the CLI
// at the wrong file fails fast instead of filling memory.
const MaxFixturesBytes = 16 << 20

// Fixtures seeds a mock from a file. LoadFixtures reads it from JSON of this
// shape (every member but tasks may be left out; unknown members are
// errors, so that a typo does not silently drop a task or a credential):
//
//	{
//	  "stop_delay": "2s",
//	  "tasks": [
//	    {"project_id": "2c0689c860ad4728a497c91ec0844383", "id": 191297407830872, "status": 2, "name": "nightly sync"}
//	  ],
//	  "tokens": [
//	    {"token": "MII...", "projects": ["2c0689c860ad4728a497c91ec0844383"]}
//	  ],
//	  "aksk": [
//	    {"ak": "AKEXAMPLE", "sk": "SKEXAMPLE", "projects": ["*"]}
//	  ]
//	}
//
// stop_delay is a Go duration ("1.5s", "250ms"), the time a stopped task
// stays pausing; empty means DefaultStopDelay. status is the OMS number 1..7
// (see Status); id is 0..999999999999999 and unique within its project.
// A credential covers the listed projects, or every project with "*".
//
// Fixture files hold credentials in clear: keep real ones out of them.
type Fixtures struct {
	// StopDelay is a time.ParseDuration string; empty for the default.
	StopDelay string `json:"stop_delay,omitempty"`
	// Tasks are the tasks to seed.
	Tasks []FixtureTask `json:"tasks"`
	// Tokens are the IAM tokens to accept.
	Tokens []FixtureToken `json:"tokens,omitempty"`
	// AKSK are the AK/SK pairs whose signatures to accept.
	AKSK []FixtureAKSK `json:"aksk,omitempty"`
}

// FixtureTask is one task of Fixtures.
type FixtureTask struct {
	// ProjectID is the project holding the task.
	ProjectID string `json:"project_id"`
	// ID is the task ID.
	ID int64 `json:"id"`
	// Status is the initial status, 1..7.
	Status Status `json:"status"`
	// Name is a free label.
	Name string `json:"name,omitempty"`
}

// FixtureToken is one accepted IAM token of Fixtures.
type FixtureToken struct {
	// Token is the X-Auth-Token value; a secret.
	Token string `json:"token"`
	// Projects are the covered project IDs, or "*".
	Projects []string `json:"projects"`
}

// String hides the token, so that printing fixtures cannot leak it.
func (t FixtureToken) String() string {
	return fmt.Sprintf("{token:%s projects:%v}", redacted(t.Token), t.Projects)
}

// GoString hides the token from %#v too.
func (t FixtureToken) GoString() string { return "mock.FixtureToken" + t.String() }

// Format serves every verb with String (GoString for %#v). Without it, fmt
// prints the fields themselves for verbs a Stringer does not serve (%d,
// %o, %b, %t, ...), token included.
func (t FixtureToken) Format(f fmt.State, verb rune) { formatRedacted(f, verb, t) }

// LogValue keeps the token out of slog output, whichever handler.
func (t FixtureToken) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token", redacted(t.Token)),
		slog.Any("projects", t.Projects),
	)
}

// FixtureAKSK is one accepted AK/SK pair of Fixtures.
type FixtureAKSK struct {
	// AK is the access key ID; it is not secret.
	AK string `json:"ak"`
	// SK is the secret key; a secret.
	SK string `json:"sk"`
	// Projects are the covered project IDs, or "*".
	Projects []string `json:"projects"`
}

// String hides the SK, so that printing fixtures cannot leak it.
func (k FixtureAKSK) String() string {
	return fmt.Sprintf("{ak:%s sk:%s projects:%v}", k.AK, redacted(k.SK), k.Projects)
}

// GoString hides the SK from %#v too.
func (k FixtureAKSK) GoString() string { return "mock.FixtureAKSK" + k.String() }

// Format serves every verb with String (GoString for %#v), for the same
// reason as FixtureToken.Format: the SK would otherwise show under %d.
func (k FixtureAKSK) Format(f fmt.State, verb rune) { formatRedacted(f, verb, k) }

// LogValue keeps the SK out of slog output, whichever handler.
func (k FixtureAKSK) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("ak", k.AK),
		slog.String("sk", redacted(k.SK)),
		slog.Any("projects", k.Projects),
	)
}

// String summarizes the fixtures with every secret hidden: tasks in full,
// credentials as their String forms.
func (f Fixtures) String() string {
	return fmt.Sprintf("{stop_delay:%s tasks:%v tokens:%v aksk:%v}", f.StopDelay, f.Tasks, f.Tokens, f.AKSK)
}

// GoString hides the secrets from %#v too.
func (f Fixtures) GoString() string {
	return fmt.Sprintf("mock.Fixtures{StopDelay:%q, Tasks:%#v, Tokens:%#v, AKSK:%#v}", f.StopDelay, f.Tasks, f.Tokens, f.AKSK)
}

// Format serves every verb with String (GoString for %#v), so that no verb
// prints the credentials' fields raw.
func (f Fixtures) Format(s fmt.State, verb rune) { formatRedacted(s, verb, f) }

// LogValue keeps the secrets out of slog output. The credentials are
// rendered as strings, not as their slices: slog's JSON handler would
// marshal a slice with encoding/json, which prints the secrets (see below).
func (f Fixtures) LogValue() slog.Value {
	tokens := make([]string, len(f.Tokens))
	for i, t := range f.Tokens {
		tokens[i] = t.String()
	}
	aksk := make([]string, len(f.AKSK))
	for i, k := range f.AKSK {
		aksk[i] = k.String()
	}
	return slog.GroupValue(
		slog.String("stop_delay", f.StopDelay),
		slog.Int("tasks", len(f.Tasks)),
		slog.Any("tokens", tokens),
		slog.Any("aksk", aksk),
	)
}

// Marshalling the fixture types to JSON deliberately shows the secrets:
// JSON is the fixtures file format (LoadFixtures reads it back, and the CLI
// writes files in it), where the credentials must be in clear. Hence there
// is no MarshalJSON hiding them, and JSON of fixtures (including a plain
// []FixtureToken or []FixtureAKSK handed to slog's JSON handler, which
// marshals slices with encoding/json) must never go to a log.

// redactedMark stands in for a secret in printed fixtures.
const redactedMark = "[redacted]"

// redacted hides a secret but still tells an empty one apart, which is
// what someone debugging a fixture file needs to know.
func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedMark
}

// formatRedacted prints v, a fixture type whose String and GoString hide
// its secrets, for any verb: %#v gets GoString, %q a quoted String, and
// every other verb the String form itself.
func formatRedacted(f fmt.State, verb rune, v interface {
	fmt.Stringer
	fmt.GoStringer
}) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = fmt.Fprint(f, v.GoString())
	case verb == 'q':
		_, _ = fmt.Fprint(f, strconv.Quote(v.String()))
	default:
		_, _ = fmt.Fprint(f, v.String())
	}
}

// LoadFixtures reads and validates fixtures in the JSON format documented
// on Fixtures. Errors say which entry is wrong and why ("tasks[2]: unknown
// status 9 (want 1..7)") and never quote a token or SK.
func LoadFixtures(r io.Reader) (*Fixtures, error) {
	dec := json.NewDecoder(io.LimitReader(r, MaxFixturesBytes+1))
	dec.DisallowUnknownFields()
	var f Fixtures
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("mock: fixtures: %w", describeJSONError(err))
	}
	if dec.More() {
		return nil, errors.New("mock: fixtures: unexpected data after the JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("mock: fixtures: unexpected data after the JSON object")
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// describeJSONError adds the position to a syntax error and names the
// limit on a truncated (oversized) file; encoding/json's own messages
// already name the member for type errors and unknown fields, and never
// quote string values.
func describeJSONError(err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d: %w", syn.Offset, err)
	case errors.Is(err, io.EOF):
		return errors.New("empty input, want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated JSON (files are read up to %d bytes)", MaxFixturesBytes)
	}
	return err
}

// Validate checks the fixtures as New would, so that the CLI can report a
// bad file before starting. Errors name the entry, never a secret.
func (f *Fixtures) Validate() error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	return nil
}

func (f *Fixtures) validate() error {
	if _, err := f.stopDelay(); err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	seen := make(map[string]map[int64]int)
	for i, t := range f.Tasks {
		if err := validateTask(t.ProjectID, Task{ID: t.ID, Status: t.Status}); err != nil {
			return fmt.Errorf("fixtures: tasks[%d]: %w", i, err)
		}
		if seen[t.ProjectID] == nil {
			seen[t.ProjectID] = make(map[int64]int)
		}
		if j, dup := seen[t.ProjectID][t.ID]; dup {
			return fmt.Errorf("fixtures: tasks[%d]: duplicate task id %d in project %q (first at tasks[%d])", i, t.ID, t.ProjectID, j)
		}
		seen[t.ProjectID][t.ID] = i
	}
	tokens, aksk := f.credentialSeeds()
	if _, err := newCredentials(tokens, aksk); err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	return nil
}

func (f *Fixtures) stopDelay() (*time.Duration, error) {
	if f.StopDelay == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(f.StopDelay)
	if err != nil {
		return nil, fmt.Errorf("stop_delay %q is not a duration such as \"2s\" or \"250ms\"", f.StopDelay)
	}
	if d < 0 {
		return nil, fmt.Errorf("stop_delay %q is negative", f.StopDelay)
	}
	return &d, nil
}

func (f *Fixtures) credentialSeeds() ([]tokenSeed, []akskSeed) {
	tokens := make([]tokenSeed, len(f.Tokens))
	for i, t := range f.Tokens {
		tokens[i] = tokenSeed{token: t.Token, projects: t.Projects, origin: fmt.Sprintf("tokens[%d]", i)}
	}
	aksk := make([]akskSeed, len(f.AKSK))
	for i, k := range f.AKSK {
		aksk[i] = akskSeed{ak: k.AK, sk: k.SK, projects: k.Projects, origin: fmt.Sprintf("aksk[%d]", i)}
	}
	return tokens, aksk
}

// WithFixtures seeds the mock with f: its tasks, credentials and stop delay.
// It may be combined with other options; New rejects duplicates across them.
// A later WithStopDelay overrides the fixtures' stop_delay.
func WithFixtures(f *Fixtures) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("WithFixtures: nil fixtures")
		}
		if err := f.validate(); err != nil {
			return err
		}
		d, _ := f.stopDelay()
		if d != nil {
			c.delay = d
		}
		for i, t := range f.Tasks {
			c.tasks = append(c.tasks, seedTask{
				project: t.ProjectID,
				task:    Task{ID: t.ID, Status: t.Status, Name: t.Name},
				origin:  fmt.Sprintf("fixtures: tasks[%d]", i),
			})
		}
		tokens, aksk := f.credentialSeeds()
		for _, t := range tokens {
			t.origin = "fixtures: " + t.origin
			c.tokens = append(c.tokens, t)
		}
		for _, k := range aksk {
			k.origin = "fixtures: " + k.origin
			c.aksk = append(c.aksk, k)
		}
		return nil
	}
}

// The built-in fixtures. The credentials are public test values, documented
// so that clients and the conformance suite can use them: they protect
// nothing and must never be accepted by anything real.
const (
	// DefaultProjectID is the project of every default task, the one the
	// OMS API reference uses in its examples.
	DefaultProjectID = "2c0689c860ad4728a497c91ec0844383"
	// DefaultToken is the IAM token the default fixtures accept, for
	// DefaultProjectID only.
	DefaultToken = "MIIomsMockTokenForTestsOnlyNotASecret0000"
	// DefaultAK is the access key the default fixtures accept, for
	// DefaultProjectID only.
	DefaultAK = "OMSMOCKAKTESTONLY000"
	// DefaultSK is the secret key of DefaultAK.
	DefaultSK = "omsMockSecretKeyForTestsOnlyNotASecret00"
	// DefaultStopDelayFixture is the stop_delay of the default fixtures.
	DefaultStopDelayFixture = "2s"
)

// IDs of the default tasks, all in DefaultProjectID: one in every status,
// plus spare migrating tasks so that a suite can stop several.
const (
	// DefaultWaitingTaskID is waiting (1): StopTask answers OMS.0066.
	DefaultWaitingTaskID int64 = 191297407830871
	// DefaultMigratingTaskID is migrating (2), the ID of the API
	// reference's example: the first StopTask answers 200.
	DefaultMigratingTaskID int64 = 191297407830872
	// DefaultStoppedTaskID is stopped (3): StopTask answers OMS.0066.
	DefaultStoppedTaskID int64 = 191297407830873
	// DefaultFailedTaskID is failed (4): StopTask answers OMS.0066.
	DefaultFailedTaskID int64 = 191297407830874
	// DefaultSucceededTaskID is succeeded (5): StopTask answers OMS.0070.
	DefaultSucceededTaskID int64 = 191297407830875
	// DefaultRetryingTaskID is retrying (6): StopTask answers OMS.0066.
	DefaultRetryingTaskID int64 = 191297407830876
	// DefaultPausingTaskID is pausing (7) and, being seeded so, stays
	// pausing: StopTask answers OMS.0066.
	DefaultPausingTaskID int64 = 191297407830877
	// DefaultSpareMigratingTaskIDs starts a run of DefaultSpareMigratingTasks
	// more migrating tasks with consecutive IDs.
	DefaultSpareMigratingTaskIDs int64 = 191297407830880
	// DefaultSpareMigratingTasks is how many spare migrating tasks there are.
	DefaultSpareMigratingTasks = 8
	// DefaultUnknownTaskID is a valid ID that no default task has.
	DefaultUnknownTaskID int64 = 191297407830999
)

// DefaultFixtures returns the built-in fixtures, a fresh copy on every call:
// DefaultProjectID with a task in every status and spare migrating tasks,
// DefaultToken and DefaultAK/DefaultSK covering that project only (so any
// other project answers 403), and a stop delay of two seconds.
func DefaultFixtures() *Fixtures {
	f := &Fixtures{
		StopDelay: DefaultStopDelayFixture,
		Tasks: []FixtureTask{
			{ProjectID: DefaultProjectID, ID: DefaultWaitingTaskID, Status: StatusWaiting, Name: "waiting"},
			{ProjectID: DefaultProjectID, ID: DefaultMigratingTaskID, Status: StatusMigrating, Name: "migrating"},
			{ProjectID: DefaultProjectID, ID: DefaultStoppedTaskID, Status: StatusStopped, Name: "stopped"},
			{ProjectID: DefaultProjectID, ID: DefaultFailedTaskID, Status: StatusFailed, Name: "failed"},
			{ProjectID: DefaultProjectID, ID: DefaultSucceededTaskID, Status: StatusSucceeded, Name: "finished"},
			{ProjectID: DefaultProjectID, ID: DefaultRetryingTaskID, Status: StatusRetrying, Name: "retrying"},
			{ProjectID: DefaultProjectID, ID: DefaultPausingTaskID, Status: StatusPausing, Name: "pausing"},
		},
		Tokens: []FixtureToken{{Token: DefaultToken, Projects: []string{DefaultProjectID}}},
		AKSK:   []FixtureAKSK{{AK: DefaultAK, SK: DefaultSK, Projects: []string{DefaultProjectID}}},
	}
	for i := range int64(DefaultSpareMigratingTasks) {
		f.Tasks = append(f.Tasks, FixtureTask{
			ProjectID: DefaultProjectID,
			ID:        DefaultSpareMigratingTaskIDs + i,
			Status:    StatusMigrating,
			Name:      fmt.Sprintf("spare migrating %d", i+1),
		})
	}
	return f
}
