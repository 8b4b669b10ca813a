package main

import (
	"context"
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

Forwards every request to the upstream unchanged and validates each exchange
against the spec, writing one JSON line per exchange that broke the contract
to --log (tokens, keys and signatures scrubbed by name and by value).
Compressed answers are validated decoded. When the upstream gives no complete
answer the client gets the gateway's 502 (504 past --timeout, which bounds
the whole exchange, bodies included) in the contract's error shape, and the
log a line; a request body past the body limit is answered 413, unsent. --coverage FILE is written when the proxy
stops (Ctrl-C): which documented responses and error codes the traffic
exercised, and what it saw that the spec does not document.
`

func runProxy(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8081", "address to listen on")
	upstream := fs.String("upstream", "", "base `URL` of the server to forward to (required)")
	logFile := fs.String("log", "", "append violation lines to `FILE` (default: stdout)")
	specFile := fs.String("spec", "", "OpenAPI `FILE` to validate against (default: the embedded openapi.yaml)")
	coverageOut := fs.String("coverage", "", "write coverage JSON to `FILE` when the proxy stops")
	timeout := fs.Duration("timeout", contract.DefaultProxyTimeout, "bound on each exchange, bodies included; past it the client gets 504")
	idle := fs.Int("max-idle", 64, "idle connections kept open to the upstream; at least the number of concurrent clients")
	if code, ok := parseFlags(fs, proxyUsage, args, stdout, stderr); !ok {
		return code
	}
	if *upstream == "" {
		return usageError(stderr, "proxy", "--upstream is required")
	}
	if *timeout <= 0 {
		return usageError(stderr, "proxy", "--timeout must be positive")
	}
	if *idle < 1 {
		return usageError(stderr, "proxy", "--max-idle must be at least 1")
	}
	v, err := contract.New(contract.WithSpecFile(*specFile), contract.WithServer(*upstream), contract.WithServer("/"))
	if err != nil {
		return usageError(stderr, "proxy", "%v", err)
	}
	log := stdout
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return usageError(stderr, "proxy", "--log: %v", err)
		}
		defer f.Close()
		log = f
	}
	cov := contract.NewCoverage(v)
	p, err := contract.NewProxy(v, *upstream, log, contract.WithProxyCoverage(cov),
		contract.WithProxyTransport(contract.NewUpstreamTransport(*idle)), contract.WithProxyTimeout(*timeout))
	if err != nil {
		return usageError(stderr, "proxy", "%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return usageError(stderr, "proxy", "--listen: %v", err)
	}
	_, restore := captureStdLog(stderr) // the clients' credentials are unknown: unsolicited answers are withheld
	defer restore()
	fmt.Fprintf(stderr, "omscontract proxy: http://%s → %s\n", ln.Addr(), contract.RedactURL(*upstream))
	err = serve(ctx, ln, &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second})
	if *coverageOut != "" {
		if werr := writeFile(*coverageOut, func(w io.Writer) error { return writeJSON(w, cov.Report()) }); werr != nil {
			fmt.Fprintf(stderr, "omscontract proxy: %v\n", werr)
			return exitNoVerdict
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "omscontract proxy: %v\n", err)
		return exitNoVerdict
	}
	return exitOK
}
