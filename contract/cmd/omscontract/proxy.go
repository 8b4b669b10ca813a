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
	"time"

	"github.com/oms-contract/stoptask/contract"
)

const proxyUsage = `Usage:
  omscontract proxy --upstream URL [flags]

Serves a validating reverse proxy until SIGINT (Ctrl-C) or SIGTERM. Point any
client, in any language, at it instead of the OMS endpoint: it forwards every
request and answer unchanged and writes one JSON line per exchange that broke
the contract (time, method, path, status, request ID, violations, redacted
headers) to --log, or to stderr. Tokens, secret keys and signatures never reach
the log.

AK/SK clients must not sign the Host header (the official SDKs do not): the
proxy forwards to the upstream's host.

Environment variables:
  OMS_ENDPOINT  the upstream, when --upstream is absent

Exit codes:
  0  shut down cleanly on a signal
  2  usage error, unwritable log, or the address cannot be listened on

Examples:
  omscontract proxy --listen 127.0.0.1:8081 --upstream https://oms.cn-north-4.myhuaweicloud.com
  omscontract proxy --listen 127.0.0.1:0 --upstream http://127.0.0.1:8080 --log violations.jsonl
`

// proxyShutdownTimeout bounds how long in-flight exchanges may finish after
// a signal.
const proxyShutdownTimeout = 5 * time.Second

func runProxy(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var listen, upstream, logPath string
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.StringVar(&listen, "listen", "127.0.0.1:8081", "address to listen on; port 0 picks a free one")
	fs.StringVar(&upstream, "upstream", "", "base URL of the OMS endpoint to forward to (env OMS_ENDPOINT)")
	fs.StringVar(&logPath, "log", "", "append violations as JSON lines to this file; empty: stderr")
	if code, ok := parseFlags(fs, proxyUsage, args, stdout, stderr); !ok {
		return code
	}
	fromEnv(setFlags(fs), "upstream", &upstream, getenv, envEndpoint)
	if upstream == "" {
		return usageError(stderr, "proxy", "--upstream is required")
	}

	var log io.Writer = stderr
	if logPath != "" {
		fh, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "omscontract proxy: %v\n", err)
			return exitUsage
		}
		defer fh.Close()
		log = fh
	}
	p, err := contract.NewProxy(upstream, log)
	if err != nil {
		return usageError(stderr, "proxy", "%v", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintf(stderr, "omscontract proxy: %v\n", err)
		return exitUsage
	}
	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// "OPTIONS *" goes to the upstream like any other request rather
		// than getting net/http's built-in empty 200, which would be an
		// answer from the proxy itself, outside the contract and without
		// X-Request-Id (the mock answers it with its JSON 404).
		DisableGeneralOptionsHandler: true,
		BaseContext:                  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	fmt.Fprintf(stdout, "omscontract proxy: serving on http://%s, forwarding to %s\n", ln.Addr(), contract.RedactURL(upstream))
	where := "stderr"
	if logPath != "" {
		where = logPath
	}
	fmt.Fprintf(stdout, "  violations go to %s as JSON lines\nStop with Ctrl-C (SIGINT) or SIGTERM.\n", where)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "omscontract proxy: %v\n", err)
		return exitUsage
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), proxyShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "omscontract proxy: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, "omscontract proxy: stopped")
	return exitOK
}
