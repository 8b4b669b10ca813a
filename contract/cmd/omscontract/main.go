// Command omscontract checks Huawei Cloud OMS StopTask servers against the
// contract in openapi.yaml, and serves the tools to do so: a mock OMS and a
// validating proxy.
//
//	omscontract check                      # the suite against a built-in mock
//	omscontract check --endpoint URL ...   # the suite against a real endpoint
//	omscontract mock  --listen ADDR        # serve the mock
//	omscontract proxy --listen ADDR --upstream URL
//
// Run "omscontract help" for flags, environment variables and exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes, the same for every subcommand.
const (
	// exitOK: conformant, or a server shut down cleanly.
	exitOK = 0
	// exitViolations: the server under test broke the contract.
	exitViolations = 1
	// exitUsage: bad flags, or the check could not run (connection
	// refused, unreadable file, unwritable report).
	exitUsage = 2
)

// Environment variables read by the subcommands. Credentials are read from
// here so that they stay out of shell history and process listings; they are
// never printed.
const (
	envEndpoint      = "OMS_ENDPOINT"
	envProjectID     = "OMS_PROJECT_ID"
	envToken         = "OMS_TOKEN"
	envAK            = "OMS_AK"
	envSK            = "OMS_SK"
	envSecurityToken = "OMS_SECURITY_TOKEN"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const topUsage = `omscontract checks servers of Huawei Cloud OMS v2 StopTask
(POST /v2/{project_id}/tasks/{task_id}/stop) against the contract in openapi.yaml.

Usage:
  omscontract <command> [flags]

Commands:
  check   run the conformance suite, against a built-in mock or a real endpoint
  mock    serve a mock OMS over HTTP
  proxy   serve a validating reverse proxy in front of an OMS endpoint
  help    show this help, or "help <command>" for a command's

Environment variables (used when the matching flag is absent; never printed):
  OMS_ENDPOINT, OMS_PROJECT_ID, OMS_TOKEN, OMS_AK, OMS_SK, OMS_SECURITY_TOKEN

Exit codes:
  0  conformant (check), clean shutdown (mock, proxy)
  1  the server under test broke the contract (check)
  2  usage error, or the check could not run (connection refused, file errors)

Examples:
  omscontract check
  OMS_TOKEN=... omscontract check --endpoint https://oms.cn-north-4.myhuaweicloud.com --project <id>
  omscontract mock --listen 127.0.0.1:8080
  omscontract proxy --listen 127.0.0.1:8081 --upstream https://oms.cn-north-4.myhuaweicloud.com
`

// run is main without the process: it returns the exit code instead of
// exiting and reads the environment through getenv, so that tests run it
// in-process. Cancelling ctx stops a serving subcommand gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return runCheck(ctx, rest, getenv, stdout, stderr)
	case "mock":
		return runMock(ctx, rest, getenv, stdout, stderr)
	case "proxy":
		return runProxy(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			fmt.Fprint(stdout, topUsage)
			return exitOK
		}
		switch rest[0] {
		case "check", "mock", "proxy":
			return run(ctx, []string{rest[0], "--help"}, getenv, stdout, stderr)
		}
		fmt.Fprintf(stderr, "omscontract: no help for unknown command %q\n\n%s", rest[0], topUsage)
		return exitUsage
	}
	fmt.Fprintf(stderr, "omscontract: unknown command %q\n\n%s", cmd, topUsage)
	return exitUsage
}

// parseFlags parses args with fs. It answers --help on stdout with exit 0,
// and a bad flag on stderr with the usage and exit 2; ok is false in both
// cases and code is what run should return.
func parseFlags(fs *flag.FlagSet, usage string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	var buf strings.Builder
	fs.SetOutput(&buf)
	fs.Usage = func() {}
	printUsage := func(w io.Writer) {
		fmt.Fprint(w, usage)
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(&buf)
	}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout)
		return exitOK, false
	case err != nil:
		// The flag package names the flag and, for typed flags, the bad
		// value; credential flags are strings, which it never quotes.
		fmt.Fprintf(stderr, "omscontract %s: %v\n\n", fs.Name(), err)
		printUsage(stderr)
		return exitUsage, false
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "omscontract %s: unexpected argument %q\n\n", fs.Name(), fs.Arg(0))
		printUsage(stderr)
		return exitUsage, false
	}
	return exitOK, true
}

// usageError reports a flag combination that cannot work.
func usageError(stderr io.Writer, cmd, format string, a ...any) int {
	fmt.Fprintf(stderr, "omscontract %s: %s\nRun \"omscontract help %s\" for usage.\n", cmd, fmt.Sprintf(format, a...), cmd)
	return exitUsage
}

// setFlags lists the flags given on the command line, so that environment
// variables fill only the others.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// fromEnv fills *dst from the environment unless the flag was given.
func fromEnv(set map[string]bool, flagName string, dst *string, getenv func(string) string, env string) {
	if !set[flagName] {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
}

// maskToken shows enough of a token to tell two apart, never enough to use
// it.
func maskToken(t string) string {
	if len(t) < 16 {
		return fmt.Sprintf("****(%d chars)", len(t))
	}
	return fmt.Sprintf("%s…(%d chars)", t[:4], len(t))
}
