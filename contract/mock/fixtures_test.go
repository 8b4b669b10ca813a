package mock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// The credentials of the fixtures below: no error may quote them.
const (
	fxToken = "MIIfixtureTokenThatMustNeverBePrinted"
	fxAK    = "FIXTUREAKNEVERPRINTED"
	fxSK    = "fixtureSecretKeyThatMustNeverBePrinted"
)

// load reads fixtures as `omscontract mock --fixtures` does and builds a
// mock from them.
func load(js string) (*mock.Mock, error) {
	fx, err := mock.LoadFixtures(strings.NewReader(js))
	if err != nil {
		return nil, err
	}
	return mock.New(fx)
}

func TestLoadFixturesErrors(t *testing.T) {
	h := setup(t, nil)
	taskID, projectID := param(t, h.v, "task_id").Schema.Value, param(t, h.v, "project_id").Schema.Value
	creds := fmt.Sprintf(`"tokens": [{"token": %q, "projects": ["*"]}], "aksk": [{"ak": %q, "sk": %q, "projects": ["*"]}]`, fxToken, fxAK, fxSK)
	task := func(project string, id string, status int) string {
		return fmt.Sprintf(`{"project_id": %q, "id": %s, "status": %d}`, project, id, status)
	}
	withTasks := func(tasks ...string) string {
		return `{"tasks": [` + strings.Join(tasks, ", ") + `], ` + creds + `}`
	}
	ok := task(mock.DefaultProjectID, "1", int(mock.StatusMigrating))
	tests := []struct {
		name, json string
		want       string // in the error
	}{
		{"not JSON", "tasks: []", "invalid character"},
		{"unknown member", `{"tasks": [], "tokenz": [], ` + creds + `}`, `unknown field "tokenz"`},
		{"unknown member of a task", withTasks(`{"project_id": "p", "id": 1, "status": 2, "nmae": "x"}`), `unknown field "nmae"`},
		{"two values", withTasks(ok) + " " + withTasks(ok), "more than one JSON value"},
		{"a stray bracket after the value", withTasks(ok) + "]", "more than one JSON value"},
		{"a token that is a number", `{"tasks": [], "tokens": [{"token": 12345678901234567890, "projects": ["*"]}]}`, "cannot unmarshal number"},
		{"stop_delay not a duration", `{"stop_delay": "soon", "tasks": [], ` + creds + `}`, `stop_delay "soon"`},
		{"negative stop_delay", `{"stop_delay": "-1s", "tasks": [], ` + creds + `}`, `stop_delay "-1s"`},
		{"task id past the spec's maximum", withTasks(task(mock.DefaultProjectID, strconv.FormatInt(int64(*taskID.Max)+1, 10), 2)), "tasks[0]: id"},
		{"task id below the spec's minimum", withTasks(task(mock.DefaultProjectID, strconv.FormatInt(int64(*taskID.Min)-1, 10), 2)), "tasks[0]: id"},
		{"project_id past the spec's maxLength", withTasks(ok, task(strings.Repeat("p", int(*projectID.MaxLength)+1), "1", 2)), "tasks[1]: project_id"},
		{"project_id below the spec's minLength", withTasks(task(strings.Repeat("p", int(projectID.MinLength)-1), "1", 2)), "tasks[0]: project_id"},
		{"status 0", withTasks(task(mock.DefaultProjectID, "1", 0)), "tasks[0]: status 0"},
		{"status past pausing", withTasks(task(mock.DefaultProjectID, "1", int(mock.StatusPausing)+1)), "tasks[0]: status 8"},
		{"duplicate task", withTasks(ok, task(mock.DefaultProjectID, "2", 2), ok), "tasks[2]: task 1 appears twice"},
		{"token without projects", fmt.Sprintf(`{"tasks": [], "tokens": [{"token": %q}]}`, fxToken), "tokens[0]"},
		{"empty token", `{"tasks": [], "tokens": [{"token": "", "projects": ["*"]}]}`, "tokens[0]"},
		{"AK without SK", fmt.Sprintf(`{"tasks": [], "aksk": [{"ak": %q, "projects": ["*"]}]}`, fxAK), "aksk[0]"},
		{"SK without AK", fmt.Sprintf(`{"tasks": [], "aksk": [{"sk": %q, "projects": ["*"]}]}`, fxSK), "aksk[0]"},
		{"AK/SK without projects", fmt.Sprintf(`{"tasks": [], "aksk": [{"ak": %q, "sk": %q, "projects": []}]}`, fxAK, fxSK), "aksk[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(tt.json)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "fixtures: ") {
				t.Errorf("error %q, want one starting fixtures: and containing %q", err, tt.want)
			}
			for _, secret := range []string{fxToken, fxSK, "12345678901234567890"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes a credential", err)
				}
			}
		})
	}
}

// TestFixturesRoundTrip: the default fixtures written as JSON load back as
// they were, and fixtures of one's own are served.
func TestFixturesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(mock.DefaultFixtures()); err != nil {
		t.Fatal(err)
	}
	fx, err := mock.LoadFixtures(&buf)
	if err != nil {
		t.Fatalf("LoadFixtures: %v", err)
	}
	if diff := cmp.Diff(mock.DefaultFixtures(), fx); diff != "" {
		t.Errorf("fixtures (-want +got):\n%s", diff)
	}

	own := fmt.Sprintf(`{"stop_delay": "0s", "tasks": [{"project_id": "p1", "id": 7, "status": 2}, {"project_id": "p2", "id": 7, "status": 2}],
		"tokens": [{"token": %q, "projects": ["p1"]}], "aksk": [{"ak": %q, "sk": %q, "projects": [%q]}]}`, fxToken, fxAK, fxSK, mock.AnyProject)
	fx, err = mock.LoadFixtures(strings.NewReader(own))
	if err != nil {
		t.Fatalf("LoadFixtures: %v", err)
	}
	h := setup(t, fx)
	token := gen.WithToken(fxToken)
	key := gen.WithAKSK(signer.Credentials{AK: fxAK, SK: fxSK}, signer.WithClock(h.clock.now))
	for _, step := range []struct {
		project string
		auth    gen.RequestEditorFn
		want    reply
		status  mock.Status
	}{
		{"p1", token, reply{Status: http.StatusOK}, mock.StatusStopped}, // a zero delay: stopped at once
		{"p2", token, reply{http.StatusBadRequest, codeInsufficientPermission}, mock.StatusMigrating},
		{"p2", key, reply{Status: http.StatusOK}, mock.StatusStopped}, // AnyProject
	} {
		if diff := cmp.Diff(step.want, h.stop(t, step.project, 7, step.auth)); diff != "" {
			t.Errorf("stop in %s (-want +got):\n%s", step.project, diff)
		}
		if task, _ := h.m.Task(step.project, 7); task.Status != step.status {
			t.Errorf("task 7 of %s is %v, want %v", step.project, task.Status, step.status)
		}
	}
}
