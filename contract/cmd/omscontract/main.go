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
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/oms-contract/stoptask/contract"
)

// Exit codes.
const (
	exitOK        = 0 // conformant, or served until stopped
	exitFail      = 1 // the server broke the contract
	exitNoVerdict = 2 // usage error, or no verdict on the server
)

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// tuneGC lets the heap grow to five times the live data before a
// collection (GOGC=400) unless GOGC is set: the commands keep a few MiB
// live and allocate per request, so collecting less often is cheaper for a
// few MiB more. It returns what restores the setting before.
func tuneGC(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(old) }
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

// stdLog takes what net/http logs through the standard logger while a
// command runs. Its transport logs an answer that came unasked on an idle
// connection with the answer's raw bytes, which may echo a credential: such
// a line is replaced by one that says so without them, and counted (a
// server that answers twice may have answered a case with the previous
// case's answer). Every other line is scrubbed of the secrets.
type stdLog struct {
	mu          sync.Mutex
	w           io.Writer
	scrub       *contract.Scrubber
	unsolicited int
}

// captureStdLog routes the standard logger to a stdLog writing to w until
// restore is called.
func captureStdLog(w io.Writer, secrets ...string) (l *stdLog, restore func()) {
	l = &stdLog{w: w, scrub: contract.NewScrubber(secrets...)}
	prev := log.Writer()
	log.SetOutput(l)
	return l, func() { log.SetOutput(prev) }
}

func (l *stdLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := string(p)
	if strings.Contains(line, "Unsolicited response received on idle HTTP channel") {
		l.unsolicited++
		line = "net/http: the server sent an answer no request asked for, on an idle connection (its bytes are not shown)\n"
	}
	_, err := io.WriteString(l.w, l.scrub.String(line))
	return len(p), err
}

// Unsolicited counts the answers that came unasked.
func (l *stdLog) Unsolicited() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unsolicited
}

// mask shows enough of a user's credential to tell two apart, never enough
// to use it.
func mask(s string) string {
	if len(s) < 16 {
		return strings.Repeat("*", 4)
	}
	return s[:4] + "…"
}
