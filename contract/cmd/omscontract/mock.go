package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
)

const mockUsage = `Usage:
  omscontract mock [flags]

Serves the mock OMS over HTTP: the generated server behind the strict contract
middleware, so it answers in the gateway's order (unknown path or method 404,
bad credentials 401, bad parameters 400) and never off the contract.

Without --fixtures it serves the built-in project with a task in every status
and public test credentials, printed in full at start (they are not secrets).
--fixtures FILE loads your own (format: go doc ./contract/mock Fixtures);
their credentials are printed masked. --spec FILE serves another version of
the spec; operations the mock does not implement are answered 404 in the
contract's error shape.
`

func runMock(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on; port 0 picks a free one")
	fixtures := fs.String("fixtures", "", "JSON fixtures `FILE` (default: the built-in ones)")
	specFile := fs.String("spec", "", "OpenAPI `FILE` to serve (default: the embedded openapi.yaml)")
	if code, ok := parseFlags(fs, mockUsage, args, stdout, stderr); !ok {
		return code
	}
	var fx *mock.Fixtures
	if *fixtures != "" {
		f, err := os.Open(*fixtures)
		if err != nil {
			return usageError(stderr, "mock", "--fixtures: %v", err)
		}
		fx, err = mock.LoadFixtures(f)
		f.Close()
		if err != nil {
			return usageError(stderr, "mock", "--fixtures %s: %v", *fixtures, err)
		}
	}
	m, err := mock.New(fx, mock.WithContract(contract.WithSpecFile(*specFile)))
	if err != nil {
		return usageError(stderr, "mock", "%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return usageError(stderr, "mock", "--listen: %v", err)
	}
	fmt.Fprintf(stdout, "omscontract mock: serving %s on http://%s\n", m.Validator().Spec().Info.Title, ln.Addr())
	show := func(s string) string { return s }
	if fx == nil {
		fx = mock.DefaultFixtures()
	} else {
		show = mask
	}
	for _, t := range fx.Tokens {
		fmt.Fprintf(stdout, "  token %s for projects %v\n", show(t.Token), t.Projects)
	}
	for _, k := range fx.AKSK {
		fmt.Fprintf(stdout, "  AK %s SK %s for projects %v\n", show(k.AK), show(k.SK), k.Projects)
	}
	for _, t := range fx.Tasks {
		fmt.Fprintf(stdout, "  task %d (%s) in project %s\n", t.ID, t.Status, t.ProjectID)
	}
	fmt.Fprintln(stdout, "Stop with Ctrl-C.")
	if err := serve(ctx, ln, m.Server()); err != nil {
		fmt.Fprintf(stderr, "omscontract mock: %v\n", err)
		return exitNoVerdict
	}
	return exitOK
}
