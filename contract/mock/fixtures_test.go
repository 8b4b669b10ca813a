package mock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

func TestLoadFixturesFile(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fx, err := mock.LoadFixtures(f)
	if err != nil {
		t.Fatalf("LoadFixtures: %v", err)
	}
	clock := newClock()
	m, err := mock.New(mock.WithFixtures(fx), mock.WithClock(clock.Now))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	wantTasks := map[string][]mock.Task{
		project: {
			{ID: 0, Status: mock.StatusSucceeded},
			{ID: 191297407830872, Status: mock.StatusMigrating, Name: "nightly sync"},
			{ID: 999999999999999, Status: mock.StatusPausing, Name: "largest id"},
		},
		otherProject: {{ID: 191297407830872, Status: mock.StatusWaiting, Name: "same id, other project"}},
	}
	gotTasks := map[string][]mock.Task{}
	for _, p := range m.Projects() {
		gotTasks[p] = m.Tasks(p)
	}
	if diff := cmp.Diff(wantTasks, gotTasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}

	// The credentials and the stop delay of the file are in force.
	e := &env{m: m, clock: clock}
	e.srv = newServer(t, m)
	if got := e.stop(t, e.client(t, gen.WithToken("fixture-token")), project, 191297407830872); got != (answer{200, ""}) {
		t.Errorf("stop with fixture token = %+v, want 200", got)
	}
	signed := e.client(t, e.akskEditor(gen.Credentials{AK: "FIXTUREAK", SK: "fixture-sk"}))
	if got := e.stop(t, signed, otherProject, 191297407830872); got != (answer{400, gen.CodeNotMigrating}) {
		t.Errorf("stop with fixture AK/SK (covers *) = %+v, want 400 OMS.0066", got)
	}
	clock.Advance(1499 * time.Millisecond)
	if got := mustTask(t, m, project, 191297407830872).Status; got != mock.StatusPausing {
		t.Errorf("status before stop_delay = %v, want pausing", got)
	}
	clock.Advance(time.Millisecond)
	if got := mustTask(t, m, project, 191297407830872).Status; got != mock.StatusStopped {
		t.Errorf("status after stop_delay = %v, want stopped", got)
	}
}

func TestLoadFixturesErrors(t *testing.T) {
	t.Parallel()
	const p = `"project_id": "p1"`
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{"empty input", ``, "empty input"},
		{"not JSON", `<tasks/>`, "invalid JSON at byte 1"},
		{"truncated", `{"tasks": [`, "truncated JSON"},
		{"not an object", `[]`, "cannot unmarshal array"},
		{"trailing data", `{"tasks": []} {}`, "unexpected data after the JSON object"},
		{"unknown top-level field", `{"task": []}`, `unknown field "task"`},
		{"unknown task field", `{"tasks": [{` + p + `, "id": 1, "status": 2, "colour": "red"}]}`, `unknown field "colour"`},
		{"unknown status", `{"tasks": [{` + p + `, "id": 1, "status": 8}]}`, "tasks[0]: task 1: unknown status 8 (want 1..7)"},
		{"zero status", `{"tasks": [{` + p + `, "id": 1}]}`, "tasks[0]: task 1: unknown status 0 (want 1..7)"},
		{"status as string", `{"tasks": [{` + p + `, "id": 1, "status": "migrating"}]}`, "cannot unmarshal string"},
		{"negative id", `{"tasks": [{` + p + `, "id": -1, "status": 2}]}`, "tasks[0]: task id -1 is outside 0..999999999999999"},
		{"id too large", `{"tasks": [{` + p + `, "id": 1000000000000000, "status": 2}]}`, "tasks[0]: task id 1000000000000000 is outside 0..999999999999999"},
		{"fractional id", `{"tasks": [{` + p + `, "id": 1.5, "status": 2}]}`, "cannot unmarshal number 1.5"},
		{"duplicate id", `{"tasks": [{` + p + `, "id": 7, "status": 2}, {` + p + `, "id": 7, "status": 3}]}`, `tasks[1]: duplicate task id 7 in project "p1" (first at tasks[0])`},
		{"missing project", `{"tasks": [{"id": 1, "status": 2}]}`, "tasks[0]: empty project ID"},
		{"project too long", `{"tasks": [{"project_id": "` + strings.Repeat("p", 1025) + `", "id": 1, "status": 2}]}`, "tasks[0]: project ID is 1025 bytes"},
		{"bad stop_delay", `{"stop_delay": "soon", "tasks": []}`, `stop_delay "soon" is not a duration`},
		{"negative stop_delay", `{"stop_delay": "-1s", "tasks": []}`, `stop_delay "-1s" is negative`},
		{"empty token", `{"tasks": [], "tokens": [{"token": "", "projects": ["p1"]}]}`, "tokens[0]: empty token"},
		{"token without projects", `{"tasks": [], "tokens": [{"token": "tok"}]}`, "tokens[0]: covers no project"},
		{"duplicate token", `{"tasks": [], "tokens": [{"token": "SECRET-T", "projects": ["p1"]}, {"token": "SECRET-T", "projects": ["p2"]}]}`, "tokens[1]: same token as tokens[0]"},
		{"empty sk", `{"tasks": [], "aksk": [{"ak": "AK1", "sk": "", "projects": ["p1"]}]}`, "aksk[0]: empty SK"},
		{"empty ak", `{"tasks": [], "aksk": [{"ak": "", "sk": "SECRET-SK", "projects": ["p1"]}]}`, "aksk[0]: empty AK"},
		{"ak with comma", `{"tasks": [], "aksk": [{"ak": "A,K", "sk": "SECRET-SK", "projects": ["p1"]}]}`, "aksk[0]: AK must be visible ASCII"},
		{"duplicate ak", `{"tasks": [], "aksk": [{"ak": "AK1", "sk": "SECRET-SK", "projects": ["p1"]}, {"ak": "AK1", "sk": "SECRET-SK2", "projects": ["p1"]}]}`, "aksk[1]: AK given twice"},
		{"empty project in credential", `{"tasks": [], "aksk": [{"ak": "AK1", "sk": "SECRET-SK", "projects": [""]}]}`, "aksk[0]: project 1 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := mock.LoadFixtures(strings.NewReader(tt.json))
			if err == nil {
				t.Fatalf("LoadFixtures = %+v, nil; want an error containing %q", f, tt.wantErr)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "mock: fixtures: ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error %q, want prefix \"mock: fixtures: \" and %q", msg, tt.wantErr)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("error %q quotes a secret", msg)
			}
		})
	}
}

func TestDefaultFixtures(t *testing.T) {
	t.Parallel()
	f := mock.DefaultFixtures()
	if err := f.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	m, err := mock.New(mock.WithFixtures(f))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	wantStatus := map[int64]mock.Status{
		mock.DefaultWaitingTaskID:   mock.StatusWaiting,
		mock.DefaultMigratingTaskID: mock.StatusMigrating,
		mock.DefaultStoppedTaskID:   mock.StatusStopped,
		mock.DefaultFailedTaskID:    mock.StatusFailed,
		mock.DefaultSucceededTaskID: mock.StatusSucceeded,
		mock.DefaultRetryingTaskID:  mock.StatusRetrying,
		mock.DefaultPausingTaskID:   mock.StatusPausing,
	}
	for i := range int64(mock.DefaultSpareMigratingTasks) {
		wantStatus[mock.DefaultSpareMigratingTaskIDs+i] = mock.StatusMigrating
	}
	gotStatus := map[int64]mock.Status{}
	for _, tk := range m.Tasks(mock.DefaultProjectID) {
		gotStatus[tk.ID] = tk.Status
	}
	if diff := cmp.Diff(wantStatus, gotStatus); diff != "" {
		t.Errorf("default tasks (-want +got):\n%s", diff)
	}
	if _, ok := m.Task(mock.DefaultProjectID, mock.DefaultUnknownTaskID); ok {
		t.Errorf("DefaultUnknownTaskID %d exists", mock.DefaultUnknownTaskID)
	}
	if diff := cmp.Diff([]string{mock.DefaultProjectID}, m.Projects()); diff != "" {
		t.Errorf("projects (-want +got):\n%s", diff)
	}
	// Each call is a fresh copy.
	f.Tasks[0].Status = mock.StatusFailed
	if got := mock.DefaultFixtures().Tasks[0].Status; got != mock.StatusWaiting {
		t.Errorf("DefaultFixtures shares state: Tasks[0].Status = %v", got)
	}
}

// TestDefaultCredentials: the documented default token and AK/SK work on the
// default project and nowhere else.
func TestDefaultCredentials(t *testing.T) {
	t.Parallel()
	clock := newClock()
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()), mock.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{m: m, clock: clock, srv: newServer(t, m)}
	byToken := e.client(t, gen.WithToken(mock.DefaultToken))
	byAKSK := e.client(t, e.akskEditor(gen.Credentials{AK: mock.DefaultAK, SK: mock.DefaultSK, ProjectID: mock.DefaultProjectID}))
	got := []answer{
		e.stop(t, byToken, mock.DefaultProjectID, mock.DefaultMigratingTaskID),
		e.stop(t, byAKSK, mock.DefaultProjectID, mock.DefaultSpareMigratingTaskIDs),
		e.stop(t, byAKSK, mock.DefaultProjectID, mock.DefaultSucceededTaskID),
		e.stop(t, byToken, mock.DefaultProjectID, mock.DefaultUnknownTaskID),
		e.stop(t, byToken, otherProject, mock.DefaultMigratingTaskID),
	}
	want := []answer{{200, ""}, {200, ""}, {400, gen.CodeAlreadyFinished}, {400, gen.CodeTaskNotFound}, {403, gen.CodeInsufficientPermission}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestFixturesRedactSecrets(t *testing.T) {
	t.Parallel()
	f := mock.DefaultFixtures()
	for _, s := range []string{fmtV(f), fmtPlusV(f), fmtSharpV(f)} {
		if strings.Contains(s, mock.DefaultToken) || strings.Contains(s, mock.DefaultSK) {
			t.Errorf("printed fixtures leak a secret: %s", s)
		}
		if !strings.Contains(s, mock.DefaultAK) {
			t.Errorf("printed fixtures lost the AK, which is not secret: %s", s)
		}
	}
}

// TestFixturesRedactSecretsEverywhere: the fixture types hide their
// secrets from every fmt verb (fmt prints a struct's fields raw for a verb
// its methods do not serve, so String and GoString alone do not suffice)
// and from slog's handlers, while JSON, the fixtures file format, keeps
// them. %p is left out: fmt answers it before consulting any method.
func TestFixturesRedactSecretsEverywhere(t *testing.T) {
	t.Parallel()
	f := mock.DefaultFixtures()
	values := map[string]any{
		"Fixtures": *f, "*Fixtures": f,
		"FixtureToken": f.Tokens[0], "*FixtureToken": &f.Tokens[0], "[]FixtureToken": f.Tokens,
		"FixtureAKSK": f.AKSK[0], "*FixtureAKSK": &f.AKSK[0], "[]FixtureAKSK": f.AKSK,
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%o", "%b", "%c", "%U", "%e", "%f", "%g", "%t", "%10.3s", "%z"}
	leaks := func(s string) bool {
		for _, secret := range []string{mock.DefaultToken, mock.DefaultSK} {
			for _, enc := range []string{secret, fmt.Sprintf("%x", secret), fmt.Sprintf("%X", secret), fmt.Sprintf("% x", secret)} {
				if strings.Contains(s, enc) {
					return true
				}
			}
		}
		return false
	}
	for name, v := range values {
		for _, verb := range verbs {
			if s := fmt.Sprintf(verb, v); leaks(s) {
				t.Errorf("%s printed with %s leaks a secret: %s", name, verb, s)
			}
		}
		var text, js strings.Builder
		slog.New(slog.NewTextHandler(&text, nil)).Info("fixtures", "v", v)
		if leaks(text.String()) {
			t.Errorf("%s logged with slog's text handler leaks a secret: %s", name, text.String())
		}
		if strings.HasPrefix(name, "[]") {
			// slog's JSON handler marshals a bare slice with
			// encoding/json, the file format; see mock.Fixtures.
			continue
		}
		slog.New(slog.NewJSONHandler(&js, nil)).Info("fixtures", "v", v)
		if leaks(js.String()) {
			t.Errorf("%s logged with slog's JSON handler leaks a secret: %s", name, js.String())
		}
		if !strings.Contains(js.String(), mock.DefaultAK) && name != "FixtureToken" && name != "*FixtureToken" {
			t.Errorf("%s logged with slog lost the AK, which is not secret: %s", name, js.String())
		}
	}
	// JSON stays the file format: the secrets round-trip.
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	back, err := mock.LoadFixtures(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("LoadFixtures of marshalled fixtures: %v", err)
	}
	if diff := cmp.Diff(f, back); diff != "" {
		t.Errorf("fixtures did not round-trip through JSON (-want +got):\n%s", diff)
	}
}
