package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen/signer"
)

const checkUsage = `Usage:
  omscontract check [flags]

Runs the conformance suite, derived from the spec: for every operation, each
path parameter at and past the bounds of its schema, each credential scheme
missing, empty, unknown, over-long and (for a signature) stale, and each
undeclared method on each path. Every answer is validated against the spec;
a 5xx or an exchange the server breaks off fails. The table names the schema
keyword or rule behind each case; failures show what was expected.

For a JSON request body it sends each required member missing, each member
of the wrong type, at and past its length limits and outside its enum, and
a body that is not JSON. Each operation gets a positive case, expecting its
documented 2xx (whose body is validated), on a task named for it; a GET
whose path parameters are all configured gets one anyway.

Without --endpoint (or OMS_ENDPOINT) the suite runs against a mock started in
this process, names a task for each operation the mock implements, and runs
the behaviour layer: StopTask's state machine and the two official
workflows, 示例3 (StopTask, ShowTask until status 3, DeleteTask) and 示例2
(StartTask on a paused task, ShowTask). Operations of --spec that the mock
does not implement are answered from the spec's examples and listed.

With --endpoint it is non-destructive on one assumption: that the valid
boundary task IDs (the schema's minimum and maximum) are not tasks of the
project; --no-boundary-probes leaves those cases out. --task OPERATION=ID
sends OPERATION's positive case to task ID (ShowTask=ID reads a task;
StopTask=ID really stops it, DeleteTask=ID really deletes it): destructive
operations run only on the tasks you name. --operation limits the run to
some operations, for a server that serves only those. --endpoint needs
--project and --token or --ak/--sk.

Environment (used for flags not given; values are never printed):
  OMS_ENDPOINT OMS_PROJECT_ID OMS_TOKEN OMS_AK OMS_SK OMS_SECURITY_TOKEN

Exit codes:
  0  every case passed
  1  a case failed, or coverage is below --min-coverage
  2  usage error, or no verdict: unreachable, every authenticated case refused
     for its credentials, interrupted (Ctrl-C, SIGTERM), a spec with a length
     past what the suite probes (1 Mi characters), or a report could not be
     written

A 429 is sent again after its Retry-After when that fits in --timeout (at
most 3 attempts); a case throttled throughout has no verdict ("error").
`

func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.String("endpoint", "", "base URL of the server to check (env OMS_ENDPOINT); default: a built-in mock")
	fs.String("project", "", "project ID the credentials are scoped to (env OMS_PROJECT_ID)")
	fs.String("token", "", "IAM token (env OMS_TOKEN)")
	fs.String("ak", "", "access key ID (env OMS_AK)")
	fs.String("sk", "", "secret access key (env OMS_SK)")
	fs.String("security-token", "", "security token of temporary AK/SK (env OMS_SECURITY_TOKEN)")
	specFile := fs.String("spec", "", "OpenAPI file to check against and derive cases from (default: the embedded openapi.yaml)")
	jsonOut := fs.String("json", "", "write the report as JSON to `FILE`")
	junitOut := fs.String("junit", "", "write the report as JUnit XML to `FILE`")
	coverageOut := fs.String("coverage", "", "write which documented responses and codes were exercised, as JSON, to `FILE`")
	minCoverage := fs.Float64("min-coverage", 0, "fail when less than this share (0..1) of the documented responses was exercised")
	wide := fs.Bool("wide", false, "print every case's rule and expectation, uncut")
	noProbes := fs.Bool("no-boundary-probes", false, "leave out the valid boundary task IDs (see above)")
	stopTask := fs.String("stop-task", "", "really stop this task `ID` and expect 200: --task StopTask=ID")
	var tasks, operations listFlag
	fs.Var(&tasks, "task", "send `OPERATION=ID`'s positive case to task ID (repeatable)")
	fs.Var(&operations, "operation", "check only operation `ID` (repeatable); the reports list those left out")
	timeout := fs.Duration("timeout", suite.DefaultTimeout, "bound on each exchange")
	if code, ok := parseFlags(fs, checkUsage, args, stdout, stderr); !ok {
		return code
	}
	s := settings(fs, getenv, map[string]string{"endpoint": "OMS_ENDPOINT", "project": "OMS_PROJECT_ID",
		"token": "OMS_TOKEN", "ak": "OMS_AK", "sk": "OMS_SK", "security-token": "OMS_SECURITY_TOKEN"})
	usage := func(format string, a ...any) int { return usageError(stderr, "check", format, a...) }
	switch {
	case *minCoverage < 0 || *minCoverage > 1:
		return usage("--min-coverage %v is not a share between 0 and 1", *minCoverage)
	case *timeout <= 0:
		return usage("--timeout must be positive")
	}
	cfg := suite.Config{NoBoundaryProbes: *noProbes, Timeout: *timeout, Operations: operations, Positive: map[string]map[string]string{}}
	if *stopTask != "" {
		if _, err := strconv.ParseInt(*stopTask, 10, 64); err != nil {
			return usage("--stop-task %q is not a task ID", *stopTask)
		}
		tasks = append(tasks, "StopTask="+*stopTask)
	}
	for _, t := range tasks {
		op, id, ok := strings.Cut(t, "=")
		if _, err := strconv.ParseInt(id, 10, 64); !ok || err != nil {
			return usage("--task %q is not OPERATION=ID", t)
		}
		cfg.Positive[op] = map[string]string{"task_id": id}
	}
	endpoint, banner := s["endpoint"], ""
	if endpoint.value == "" {
		for _, name := range []string{"project", "token", "ak", "sk", "security-token"} {
			if x := s[name]; x.value != "" && !x.fromEnv {
				return usage("%s needs --endpoint: without one the built-in mock is checked with its own credentials", x)
			}
		}
		if len(tasks) > 0 {
			return usage("--task needs --endpoint: the built-in mock's tasks are named by the mock")
		}
		m, url, stop, err := startMock(ctx, *specFile)
		if err != nil {
			return usage("%v", err)
		}
		defer stop()
		cfg.Endpoint, cfg.Token = url, mock.DefaultToken
		cfg.AKSK = signer.Credentials{AK: mock.DefaultAK, SK: mock.DefaultSK, ProjectID: mock.DefaultProjectID}
		cfg.Params = map[string]string{"project_id": mock.DefaultProjectID}
		var w suite.Workflow
		cfg.Positive, w = m.Plan()
		cfg.Workflow = &w
		banner = fmt.Sprintf("omscontract check: checking the built-in mock at %s\n", url)
		if ops := m.Unimplemented(); len(ops) > 0 {
			banner += fmt.Sprintf("omscontract check: the mock answers %s from the spec's examples: it has no behaviour for them\n", strings.Join(ops, ", "))
		}
	} else {
		switch p, t, ak, sk := s["project"], s["token"], s["ak"], s["sk"]; {
		case p.value == "":
			return usage("%s is set but neither --project nor OMS_PROJECT_ID is", endpoint)
		case ak.value != "" && sk.value == "":
			return usage("%s is set but neither --sk nor OMS_SK is", ak)
		case sk.value != "" && ak.value == "":
			return usage("%s is set but neither --ak nor OMS_AK is", sk)
		case t.value == "" && ak.value == "":
			return usage("%s needs credentials: --token (OMS_TOKEN) or --ak and --sk (OMS_AK, OMS_SK)", endpoint)
		}
		cfg.Endpoint, cfg.Token = endpoint.value, s["token"].value
		cfg.AKSK = signer.Credentials{AK: s["ak"].value, SK: s["sk"].value, SecurityToken: s["security-token"].value, ProjectID: s["project"].value}
		cfg.Params = map[string]string{"project_id": s["project"].value}
		banner = fmt.Sprintf("omscontract check: checking %s (from %s)\n", contract.RedactURL(cfg.Endpoint), endpoint)
	}
	var err error
	if cfg.Validator, err = contract.New(contract.WithSpecFile(*specFile), contract.WithServer(cfg.Endpoint)); err != nil {
		return usage("%s: %v", endpoint, err)
	}
	for _, op := range operations {
		if _, ok := cfg.Validator.Operation(op); !ok {
			return usage("--operation %q is not an operation of the spec", op)
		}
	}
	if err := suite.CheckLengths(cfg.Validator); err != nil {
		fmt.Fprintf(stderr, "omscontract check: no verdict: %v\n", err)
		return exitNoVerdict
	}
	fmt.Fprint(stderr, banner)
	cfg.Coverage = contract.NewCoverage(cfg.Validator)
	stdLog, restore := captureStdLog(stderr, cfg.Token, cfg.AKSK.AK, cfg.AKSK.SK, cfg.AKSK.SecurityToken)
	defer restore()
	report, err := suite.Run(ctx, cfg)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "omscontract check: interrupted: no verdict, and no report written")
		return exitNoVerdict
	}
	if err != nil {
		fmt.Fprintf(stderr, "omscontract check: no verdict: %v\n", err)
		return exitNoVerdict
	}
	cov := cfg.Coverage.Report()
	if !report.CredentialsRefused {
		_ = report.WriteTable(stdout, *wide)
		fmt.Fprintln(stdout, cov.Summary())
	}
	for path, write := range map[string]func(io.Writer) error{*jsonOut: report.WriteJSON, *junitOut: report.WriteJUnit,
		*coverageOut: func(w io.Writer) error { return writeJSON(w, cov) }} {
		if path == "" {
			continue
		}
		if err := writeFile(path, write); err != nil {
			fmt.Fprintf(stderr, "omscontract check: %v\n", err)
			return exitNoVerdict
		}
	}
	switch seen, all := cov.Exercised(); {
	case report.CredentialsRefused:
		creds := s["token"].String()
		if s["token"].value == "" {
			creds = s["ak"].String() + "/" + s["sk"].String()
		}
		fmt.Fprintf(stderr, "omscontract check: no verdict: the server refused the credentials in every case that reached it; check %s and %s\n", creds, s["project"])
		return exitNoVerdict
	case !report.Conformant():
		fmt.Fprintln(stdout, "NOT conformant")
		return exitFail
	case stdLog.Unsolicited() > 0:
		fmt.Fprintf(stdout, "NOT conformant: the server sent %d answer(s) no request asked for\n", stdLog.Unsolicited())
		return exitFail
	case all > 0 && float64(seen)/float64(all) < *minCoverage:
		fmt.Fprintf(stdout, "coverage %d/%d is below --min-coverage %v\n", seen, all, *minCoverage)
		return exitFail
	}
	fmt.Fprintln(stdout, "conformant")
	return exitOK
}

// startMock serves a mock of specFile on a loopback port.
func startMock(ctx context.Context, specFile string) (*mock.Mock, string, func(), error) {
	m, err := mock.New(nil, mock.WithContract(contract.WithSpecFile(specFile)))
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = serve(ctx, ln, m.Server()); close(done) }()
	return m, "http://" + ln.Addr().String(), func() { cancel(); <-done }, nil
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func writeFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	return errors.Join(err, f.Close())
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
