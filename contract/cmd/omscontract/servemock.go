package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/oms-contract/stoptask/contract/mock"
)

const mockUsage = `Usage:
  omscontract mock [flags]

Serves a mock OMS StopTask over HTTP until SIGINT (Ctrl-C) or SIGTERM. Tasks
live in memory; stopping a migrating task makes it pausing, then stopped after
the stop delay. Every answer is checked against the contract by the mock itself.

Without --fixtures the mock holds the built-in fixtures: project
2c0689c860ad4728a497c91ec0844383 (or --project) with a task in every status,
migrating task 191297407830872 among them, and the built-in test credentials
(see "go doc github.com/oms-contract/stoptask/contract/mock DefaultToken").
--token and --ak/--sk replace the fixtures' credentials; they cover --project,
or every project when the tasks come from --fixtures and --project is absent.

The listening URL is printed first, so --listen 127.0.0.1:0 picks a free port.
The token is printed masked and the secret key not at all.

Environment variables (used when the flag is absent; values are never printed):
  OMS_PROJECT_ID, OMS_TOKEN, OMS_AK, OMS_SK

Exit codes:
  0  shut down cleanly on a signal
  2  usage error, unreadable fixtures, or the address cannot be listened on

Examples:
  omscontract mock --listen 127.0.0.1:8080
  omscontract mock --listen 127.0.0.1:0 --fixtures tasks.json
  OMS_TOKEN=my-test-token omscontract mock --project 0123456789abcdef0123456789abcdef
`

func runMock(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var (
		listen, fixtures, project, token, ak, sk string
		stopDelay                                time.Duration
	)
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on; port 0 picks a free one")
	fs.StringVar(&fixtures, "fixtures", "", "JSON fixtures file (format: go doc github.com/oms-contract/stoptask/contract/mock Fixtures)")
	fs.StringVar(&project, "project", "", "project ID of the built-in tasks and of --token/--ak (env OMS_PROJECT_ID)")
	fs.StringVar(&token, "token", "", "IAM token to accept (env OMS_TOKEN)")
	fs.StringVar(&ak, "ak", "", "access key ID to accept (env OMS_AK)")
	fs.StringVar(&sk, "sk", "", "secret access key of --ak (env OMS_SK)")
	fs.DurationVar(&stopDelay, "stop-delay", 0, "how long a stopped task stays pausing; 0: the fixtures' value (built-in: "+mock.DefaultStopDelayFixture+")")
	if code, ok := parseFlags(fs, mockUsage, args, stdout, stderr); !ok {
		return code
	}
	set := setFlags(fs)
	fromEnv(set, "project", &project, getenv, envProjectID)
	fromEnv(set, "token", &token, getenv, envToken)
	fromEnv(set, "ak", &ak, getenv, envAK)
	fromEnv(set, "sk", &sk, getenv, envSK)
	switch {
	case (ak == "") != (sk == ""):
		return usageError(stderr, "mock", "--ak and --sk go together")
	case stopDelay < 0:
		return usageError(stderr, "mock", "--stop-delay must not be negative")
	case len(project) > mock.MaxProjectIDLength:
		return usageError(stderr, "mock", "--project is %d characters, the contract allows at most %d", len(project), mock.MaxProjectIDLength)
	}

	fx, err := loadFixtures(fixtures, project)
	if err != nil {
		fmt.Fprintf(stderr, "omscontract mock: %v\n", err)
		return exitUsage
	}
	scope := []string{project}
	if project == "" {
		scope = []string{"*"}
		if fixtures == "" {
			scope = []string{mock.DefaultProjectID}
		}
	}
	if token != "" {
		fx.Tokens = []mock.FixtureToken{{Token: token, Projects: scope}}
	}
	if ak != "" {
		fx.AKSK = []mock.FixtureAKSK{{AK: ak, SK: sk, Projects: scope}}
	}
	opts := []mock.Option{mock.WithFixtures(fx)}
	if stopDelay > 0 {
		opts = append(opts, mock.WithStopDelay(stopDelay))
	}
	m, err := mock.New(opts...)
	if err != nil {
		// mock.New never quotes a credential in its errors.
		fmt.Fprintf(stderr, "omscontract mock: %v\n", err)
		return exitUsage
	}
	defer m.Close()

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintf(stderr, "omscontract mock: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "omscontract mock: serving StopTask on http://%s\n", ln.Addr())
	describeMock(stdout, m, fx, fixtures == "" && token == "" && ak == "")
	fmt.Fprintln(stdout, "Stop with Ctrl-C (SIGINT) or SIGTERM.")

	if err := mock.Serve(ctx, ln, m); err != nil {
		fmt.Fprintf(stderr, "omscontract mock: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, "omscontract mock: stopped")
	return exitOK
}

// loadFixtures reads the fixtures file, or takes the built-in fixtures and
// moves them to project when one is given.
func loadFixtures(path, project string) (*mock.Fixtures, error) {
	if path != "" {
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		fx, err := mock.LoadFixtures(fh)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return fx, nil
	}
	fx := mock.DefaultFixtures()
	if project != "" {
		for i := range fx.Tasks {
			fx.Tasks[i].ProjectID = project
		}
		for i := range fx.Tokens {
			fx.Tokens[i].Projects = []string{project}
		}
		for i := range fx.AKSK {
			fx.AKSK[i].Projects = []string{project}
		}
	}
	return fx, nil
}

// describeMock prints what a client needs to talk to the mock: projects,
// tasks by status and credentials, with the token masked and the secret key
// left out.
func describeMock(w io.Writer, m *mock.Mock, fx *mock.Fixtures, builtin bool) {
	for _, p := range m.Projects() {
		byStatus := map[mock.Status][]string{}
		var order []mock.Status
		for _, t := range m.Tasks(p) {
			if byStatus[t.Status] == nil {
				order = append(order, t.Status)
			}
			byStatus[t.Status] = append(byStatus[t.Status], strconv.FormatInt(t.ID, 10))
		}
		fmt.Fprintf(w, "  project %s\n", p)
		for _, s := range order {
			ids := byStatus[s]
			if len(ids) > 3 {
				ids = append(ids[:3:3], fmt.Sprintf("… (%d in all)", len(byStatus[s])))
			}
			fmt.Fprintf(w, "    %-10s %s\n", s, strings.Join(ids, ", "))
		}
	}
	for _, t := range fx.Tokens {
		fmt.Fprintf(w, "  token %s for %s\n", maskToken(t.Token), strings.Join(t.Projects, ", "))
	}
	for _, k := range fx.AKSK {
		fmt.Fprintf(w, "  AK %s for %s (secret key not shown)\n", k.AK, strings.Join(k.Projects, ", "))
	}
	switch {
	case len(fx.Tokens) == 0 && len(fx.AKSK) == 0:
		fmt.Fprintln(w, "  no credentials: every request will be refused with 401")
	case builtin:
		fmt.Fprintln(w, "  (the built-in public test credentials: go doc github.com/oms-contract/stoptask/contract/mock DefaultToken)")
	}
}
