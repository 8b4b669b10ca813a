package mock_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/contract/mock"
)

func newServer(t *testing.T, m *mock.Mock) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func fmtV(v any) string      { return fmt.Sprintf("%v", v) }
func fmtPlusV(v any) string  { return fmt.Sprintf("%+v", v) }
func fmtSharpV(v any) string { return fmt.Sprintf("%#v", *v.(*mock.Fixtures)) }

func TestNewErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("p", mock.MaxProjectIDLength+1)
	tests := []struct {
		name    string
		opts    []mock.Option
		wantErr string
	}{
		{"empty project", []mock.Option{mock.WithTask("", mock.Task{ID: 1, Status: mock.StatusMigrating})}, `WithTask("", 1): empty project ID`},
		{"long project", []mock.Option{mock.WithTask(long, mock.Task{ID: 1, Status: mock.StatusMigrating})}, "project ID is 1025 bytes"},
		{"wildcard project", []mock.Option{mock.WithTask("*", mock.Task{ID: 1, Status: mock.StatusMigrating})}, "reserved"},
		{"negative id", []mock.Option{mock.WithTask("p", mock.Task{ID: -5, Status: mock.StatusMigrating})}, "task id -5 is outside 0..999999999999999"},
		{"id too large", []mock.Option{mock.WithTask("p", mock.Task{ID: mock.MaxTaskID + 1, Status: mock.StatusMigrating})}, "is outside 0..999999999999999"},
		{"unknown status", []mock.Option{mock.WithTask("p", mock.Task{ID: 1, Status: 9})}, "unknown status 9"},
		{"duplicate task", []mock.Option{
			mock.WithTask("p", mock.Task{ID: 1, Status: mock.StatusMigrating}),
			mock.WithTask("p", mock.Task{ID: 1, Status: mock.StatusStopped}),
		}, `duplicate task id 1 in project "p"`},
		{"duplicate task across fixtures", []mock.Option{
			mock.WithFixtures(mock.DefaultFixtures()),
			mock.WithTask(mock.DefaultProjectID, mock.Task{ID: mock.DefaultMigratingTaskID, Status: mock.StatusStopped}),
		}, "duplicate task id 191297407830872"},
		{"empty token", []mock.Option{mock.WithToken("", "p")}, "WithToken #1: empty token"},
		{"token with newline", []mock.Option{mock.WithToken("SECRET\nx", "p")}, "characters a header cannot carry"},
		{"token too long", []mock.Option{mock.WithToken(strings.Repeat("S", 16385), "p")}, "token is 16385 bytes"},
		{"duplicate token", []mock.Option{mock.WithToken("SECRET", "p"), mock.WithToken("SECRET", "q")}, "WithToken #2: same token as WithToken #1"},
		{"token without project", []mock.Option{mock.WithToken("SECRET")}, "covers no project"},
		{"empty ak", []mock.Option{mock.WithAKSK("", "SECRET", "p")}, "empty AK"},
		{"empty sk", []mock.Option{mock.WithAKSK("AK", "", "p")}, `WithAKSK("AK"): empty SK`},
		{"duplicate ak", []mock.Option{mock.WithAKSK("AK", "SECRET1", "p"), mock.WithAKSK("AK", "SECRET2", "p")}, "AK given twice"},
		{"negative delay", []mock.Option{mock.WithStopDelay(-time.Second)}, "stop delay -1s is negative"},
		{"nil clock", []mock.Option{mock.WithClock(nil)}, "nil clock"},
		{"nil fixtures", []mock.Option{mock.WithFixtures(nil)}, "nil fixtures"},
		{"bad fixtures", []mock.Option{mock.WithFixtures(&mock.Fixtures{Tasks: []mock.FixtureTask{{ProjectID: "p", ID: 1, Status: 0}}})}, "fixtures: tasks[0]: task 1: unknown status 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := mock.New(tt.opts...)
			if err == nil {
				t.Fatalf("New = %v, nil; want an error containing %q", m, tt.wantErr)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "mock: ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error %q, want prefix \"mock: \" and %q", msg, tt.wantErr)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q quotes a secret", err)
			}
		})
	}
}

// TestNewEmpty: a mock without options holds nothing and refuses everyone.
func TestNewEmpty(t *testing.T) {
	t.Parallel()
	m, err := mock.New()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Projects(); len(got) != 0 {
		t.Errorf("Projects = %v, want none", got)
	}
	if got := m.Tasks(mock.DefaultProjectID); got != nil {
		t.Errorf("Tasks = %v, want nil", got)
	}
	e := &env{m: m, srv: newServer(t, m)}
	if got := e.raw(t, "POST", "/v2/p/tasks/1/stop", nil, tokenHeader(mock.DefaultToken)); got != (answer{401, mock.CodeGatewayAuthFailed}) {
		t.Errorf("answer = %+v, want 401", got)
	}
}
