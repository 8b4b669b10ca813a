// Command omscontract checks servers of the OMS contract (openapi.yaml):
// it runs the conformance suite (check), serves the mock OMS (mock), and
// puts a validating proxy in front of any endpoint (proxy). Each takes
// --spec FILE to work from another version of the spec than the embedded
// one, without regenerating anything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK        = 0 // conformant, or served until stopped
	exitFail      = 1 // the server broke the contract
	exitNoVerdict = 2 // usage error, or no verdict on the server
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const topUsage = `omscontract checks servers of the OMS contract (openapi.yaml).

Usage:
  omscontract check [flags]   run the conformance suite (default: against a built-in mock)
  omscontract mock [flags]    serve the mock OMS
  omscontract proxy [flags]   validate the traffic between any client and an endpoint
  omscontract help <command>  details of a command
`

// run is main without the process, for tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmds := map[string]func(context.Context, []string, func(string) string, io.Writer, io.Writer) int{
		"check": runCheck, "mock": runMock, "proxy": runProxy}
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitNoVerdict
	}
	if args[0] == "help" && len(args) > 1 {
		args = []string{args[1], "--help"}
	}
	if cmd, ok := cmds[args[0]]; ok {
		return cmd(ctx, args[1:], getenv, stdout, stderr)
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, topUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "omscontract: unknown command %q; run 'omscontract help'\n", args[0])
	return exitNoVerdict
}

// parseFlags parses args: --help prints the usage on stdout, a bad flag one
// line with a hint on stderr. ok is false when run should return code.
func parseFlags(fs *flag.FlagSet, usage string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage+"\nFlags:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK, false
	case err == nil && fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err), false
	}
	return exitOK, true
}

func usageError(stderr io.Writer, cmd, format string, a ...any) int {
	fmt.Fprintf(stderr, "omscontract %s: %s (see 'omscontract %s --help')\n", cmd, fmt.Sprintf(format, a...), cmd)
	return exitNoVerdict
}

// setting is a flag that falls back to an environment variable; errors
// name whichever the user actually set.
type setting struct {
	flag, env, value string
	fromEnv          bool
}

func (s setting) String() string {
	if s.fromEnv {
		return s.env
	}
	return "--" + s.flag
}

// settings reads the named flags' values, taking the environment variable
// for each flag not given on the command line.
func settings(fs *flag.FlagSet, getenv func(string) string, envs map[string]string) map[string]*setting {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	out := map[string]*setting{}
	for name, env := range envs {
		s := &setting{flag: name, env: env, value: fs.Lookup(name).Value.String()}
		if !given[name] && getenv(env) != "" {
			s.value, s.fromEnv = getenv(env), true
		}
		out[name] = s
	}
	return out
}

// serve serves h on ln until ctx is done, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, srv *http.Server) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// mask shows enough of a user's credential to tell two apart, never enough
// to use it.
func mask(s string) string {
	if len(s) < 16 {
		return strings.Repeat("*", 4)
	}
	return s[:4] + "…"
}
