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

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
)

const checkUsage = `Usage:
  omscontract check [flags]

Runs the StopTask conformance suite and prints a table of cases: request,
status, verdict, violations and expectation. Every exchange is validated against
openapi.yaml (documented status, Content-Type, X-Request-Id, body schema); each
case also checks its own expectation:
  - task_id 0 and 999999999999999 accepted: 200, 400 other than OMS.0054/
    OMS.0064, or 403 (404 fails: it says StopTask does not exist there; so
    does an authentication failure: 401, APIGW.0301 or OMS.0068);
  - invalid task_id (-1, 10^15, 2^63, abc, 1.5, 1e3, empty): 400 OMS.0054 or
    OMS.0064;
  - a 1025-character project_id: 400 or 403; a 16385-character token: 400, 401,
    or 403 OMS.0068/APIGW.0301 (a 400 about the task, such as OMS.1009, fails:
    the input got through);
  - no credentials or an empty X-Auth-Token: 401;
  - a wrong token, a wrong signature, or (with AK/SK) a signature 20 minutes
    old: 401, or 403 OMS.0068/APIGW.0301 (403 OMS.0072, insufficient
    permission, fails: it says the credentials were taken as valid);
  - GET and PUT: a 4xx with a JSON Error body and X-Request-Id.
A server that closes the connection, cuts its answer short or sends a
malformed one after receiving a request fails like a 5xx.

It prints on stderr which endpoint it checks and where that came from, before
the first request.

Without --endpoint (and without OMS_ENDPOINT) the suite runs against a mock
started in this process, with its built-in test project, credentials and tasks,
and also checks behaviour: stopping a migrating task (200, then OMS.0066), a
finished one (OMS.0070) and an unknown one (OMS.1009).

With --endpoint it runs against that server, non-destructive ON ONE ASSUMPTION:
that task IDs 0 and 999999999999999 are not tasks of the project.
The cases task_id=0, task_id=999999999999999, token-accepted and aksk-accepted
send a valid, authenticated stop to those IDs; if one of them were a migrating
task, it would be paused. --no-boundary-probes leaves those cases out; the rest
send only invalid input, wrong or no credentials and other methods (still to
task 999999999999999), which a conforming server refuses, but then nothing
shows that valid requests are accepted. The report's header lists every task ID
the run addressed. A named task is stopped only with --stop-task. --endpoint
needs --project and either --token or --ak and --sk.

Environment variables (used when the flag is absent; values are never printed):
  OMS_ENDPOINT, OMS_PROJECT_ID, OMS_TOKEN, OMS_AK, OMS_SK, OMS_SECURITY_TOKEN
  (the others are read only together with an endpoint: without one the mock's
  own credentials are used). OMS_ENDPOINT alone points the check at a real
  server; "make check" unsets all six so that it always checks the mock.

Exit codes:
  0  every case passed: the server conforms
  1  at least one case failed: the server broke the contract
  2  usage error, or no verdict: the server could not be reached (connection
     refused, unknown host) or did not answer in time, a report file could
     not be written

Examples:
  omscontract check
  omscontract check --junit reports/junit.xml --json reports/report.json
  OMS_TOKEN=... omscontract check --endpoint https://oms.cn-north-4.myhuaweicloud.com \
      --project 2c0689c860ad4728a497c91ec0844383
  OMS_TOKEN=... omscontract check --endpoint https://oms.cn-north-4.myhuaweicloud.com \
      --project 2c0689c860ad4728a497c91ec0844383 --no-boundary-probes
  OMS_AK=... OMS_SK=... omscontract check --endpoint http://127.0.0.1:8080 --project <id> \
      --stop-task 191297407830872
`

type checkFlags struct {
	endpoint, project       string
	token, ak, sk, secToken string
	timeout                 time.Duration
	stopTask                *int64
	junitPath, jsonPath     string
	quiet                   bool
	noBoundaryProbes        bool
}

func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var f checkFlags
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.StringVar(&f.endpoint, "endpoint", "", "base URL of the server under test, e.g. https://oms.cn-north-4.myhuaweicloud.com (env OMS_ENDPOINT); empty: a built-in mock")
	fs.StringVar(&f.project, "project", "", "project ID the requests address (env OMS_PROJECT_ID)")
	fs.StringVar(&f.token, "token", "", "IAM token, sent as X-Auth-Token (env OMS_TOKEN; prefer the variable)")
	fs.StringVar(&f.ak, "ak", "", "access key ID for AK/SK signing (env OMS_AK)")
	fs.StringVar(&f.sk, "sk", "", "secret access key for AK/SK signing (env OMS_SK; prefer the variable)")
	fs.StringVar(&f.secToken, "security-token", "", "session token of temporary AK/SK credentials (env OMS_SECURITY_TOKEN)")
	fs.DurationVar(&f.timeout, "timeout", suite.DefaultTimeout, "how long to wait for each answer")
	fs.Func("stop-task", "DESTRUCTIVE, opt-in: stop this migrating task (200 expected, then OMS.0066 on a second stop)", func(s string) error {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < suite.MinTaskID || id > suite.MaxTaskID {
			return fmt.Errorf("want a task ID in %d..%d", suite.MinTaskID, suite.MaxTaskID)
		}
		f.stopTask = &id
		return nil
	})
	fs.StringVar(&f.junitPath, "junit", "", "also write the report as JUnit XML to this file")
	fs.StringVar(&f.jsonPath, "json", "", "also write the report as JSON to this file")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress line per case on stderr (the line naming the endpoint is still printed)")
	fs.BoolVar(&f.noBoundaryProbes, "no-boundary-probes", false, "leave out the cases that send a valid, authenticated stop to task 0 or 999999999999999, for a project where either may exist")
	if code, ok := parseFlags(fs, checkUsage, args, stdout, stderr); !ok {
		return code
	}
	set := setFlags(fs)
	if f.timeout <= 0 {
		return usageError(stderr, "check", "--timeout must be positive")
	}
	endpointFrom := "--endpoint"
	if !set["endpoint"] {
		endpointFrom = envEndpoint
	}
	fromEnv(set, "endpoint", &f.endpoint, getenv, envEndpoint)

	cfg := suite.Config{Timeout: f.timeout, NoBoundaryProbes: f.noBoundaryProbes}
	if f.endpoint == "" {
		for _, name := range []string{"project", "token", "ak", "sk", "security-token", "stop-task"} {
			if set[name] {
				return usageError(stderr, "check", "--%s needs --endpoint; without one the suite runs against the built-in mock with its own credentials", name)
			}
		}
		stopMock, err := startMock(ctx, &cfg)
		if err != nil {
			fmt.Fprintf(stderr, "omscontract check: starting the built-in mock: %v\n", err)
			return exitUsage
		}
		defer stopMock()
		// Said before any request, so that nobody mistakes which server
		// was judged.
		fmt.Fprintf(stderr, "omscontract check: checking the built-in mock at %s (no --endpoint and no %s)\n", cfg.Endpoint, envEndpoint)
	} else {
		fromEnv(set, "project", &f.project, getenv, envProjectID)
		fromEnv(set, "token", &f.token, getenv, envToken)
		fromEnv(set, "ak", &f.ak, getenv, envAK)
		fromEnv(set, "sk", &f.sk, getenv, envSK)
		fromEnv(set, "security-token", &f.secToken, getenv, envSecurityToken)
		switch {
		case f.project == "":
			return usageError(stderr, "check", "--endpoint needs --project (or OMS_PROJECT_ID)")
		case f.token == "" && f.ak == "" && f.sk == "":
			return usageError(stderr, "check", "--endpoint needs credentials: --token (OMS_TOKEN) or --ak and --sk (OMS_AK, OMS_SK)")
		case (f.ak == "") != (f.sk == ""):
			return usageError(stderr, "check", "--ak and --sk go together")
		case f.secToken != "" && f.ak == "":
			return usageError(stderr, "check", "--security-token needs --ak and --sk")
		}
		cfg.Endpoint, cfg.ProjectID = f.endpoint, f.project
		cfg.Token, cfg.AK, cfg.SK, cfg.SecurityToken = f.token, f.ak, f.sk, f.secToken
		cfg.Behaviour.MigratingTask = f.stopTask
		fmt.Fprintf(stderr, "omscontract check: checking %s (endpoint from %s)\n", contract.RedactURL(f.endpoint), endpointFrom)
	}
	if !f.quiet {
		cfg.Progress = func(done, total int, r suite.CaseResult) {
			status := "-"
			if r.Status != 0 {
				status = strings.TrimSpace(strconv.Itoa(r.Status) + " " + r.ErrorCode)
			}
			fmt.Fprintf(stderr, "[%*d/%d] %-5s %s (%s)\n", len(strconv.Itoa(total)), done, total, r.Verdict, r.Name, status)
		}
	}

	rep, err := suite.Run(ctx, cfg)
	if err != nil {
		return usageError(stderr, "check", "%s", strings.TrimPrefix(err.Error(), "suite: "))
	}
	if !f.quiet {
		fmt.Fprintln(stderr)
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "omscontract check: writing the table: %v\n", err)
		return exitUsage
	}
	code := exitOK
	if err := writeReport(f.junitPath, rep.WriteJUnit); err != nil {
		fmt.Fprintf(stderr, "omscontract check: writing the JUnit report: %v\n", err)
		code = exitUsage
	}
	if err := writeReport(f.jsonPath, rep.WriteJSON); err != nil {
		fmt.Fprintf(stderr, "omscontract check: writing the JSON report: %v\n", err)
		code = exitUsage
	}
	s := rep.Summary
	switch {
	case s.Unreachable == s.Total:
		fmt.Fprintf(stderr, "omscontract check: cannot reach %s: %s\n", rep.Endpoint, rep.Cases[0].Error)
		return exitUsage
	case s.Failed > 0:
		if code == exitOK {
			code = exitViolations
		}
	case s.Errors > 0:
		fmt.Fprintf(stderr, "omscontract check: %d of %d cases could not be judged; see the errors above\n", s.Errors, s.Total)
		code = exitUsage
	}
	return code
}

// writeReport writes a report file, creating it or truncating it; an empty
// path writes nothing.
func writeReport(path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// startMock serves a mock with the default fixtures on a loopback port and
// points cfg at it, with the behaviour cases the fixtures make possible. The
// returned function stops it and waits until it has.
func startMock(ctx context.Context, cfg *suite.Config) (func(), error) {
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- mock.Serve(sctx, ln, m) }()

	cfg.Endpoint = "http://" + ln.Addr().String()
	cfg.ProjectID = mock.DefaultProjectID
	cfg.Token, cfg.AK, cfg.SK = mock.DefaultToken, mock.DefaultAK, mock.DefaultSK
	cfg.Behaviour = suite.Behaviour{
		MigratingTask: suite.TaskID(mock.DefaultMigratingTaskID),
		FinishedTask:  suite.TaskID(mock.DefaultSucceededTaskID),
		UnknownTask:   suite.TaskID(mock.DefaultUnknownTaskID),
	}
	return func() {
		cancel()
		// The report is out by now; a shutdown error changes nothing.
		<-done
		m.Close()
	}, nil
}
