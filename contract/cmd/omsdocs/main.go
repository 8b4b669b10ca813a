// Command omsdocs builds the offline API reference site from openapi.yaml.
//
// Usage:
//
//	omsdocs [-spec openapi.yaml] [-node-modules node_modules] -out _site
//	omsdocs -validate [-spec openapi.yaml]
//
// It needs Node.js and the npm tools pinned in package-lock.json (`npm ci`).
// `make docs` runs it and then checks the page in headless Chromium.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/oms-contract/stoptask/contract/docsite"
	"github.com/oms-contract/stoptask/contract/gates"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "omsdocs:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("omsdocs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := fs.String("spec", "openapi.yaml", "OpenAPI document to publish")
	out := fs.String("out", "", "output directory for index.html, openapi.yaml and openapi.json (required), e.g. _site")
	validate := fs.Bool("validate", false, "only validate -spec with kin-openapi, every example (headers' included) against its schema (the Go half of make lint), and build nothing")
	nodeModules := fs.String("node-modules", "node_modules", "node_modules directory filled by 'npm ci'")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `omsdocs builds the offline API reference site.

Usage:
  omsdocs -out _site [-spec openapi.yaml] [-node-modules node_modules]
  omsdocs -validate [-spec openapi.yaml]

It writes, into -out:
  %s    the Redoc reference (Redoc %s via @redocly/cli %s build-docs),
                one self-contained file that loads nothing from the network
  %s  the bundled contract, linked from the page
  %s  the same, as JSON

Prerequisites: Node.js 20.19+ and `+"`npm ci`"+` at the repository root.
The output is reproducible: the same inputs give the same bytes.

Flags:
`, docsite.IndexFile, docsite.RedocVersion, docsite.RedoclyCLIVersion, docsite.YAMLFile, docsite.JSONFile)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if *validate {
		if err := gates.Lint(ctx, *spec); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "omsdocs: %s is valid (kin-openapi, examples included)\n", *spec)
		return nil
	}
	if *out == "" {
		fs.Usage()
		return errors.New("-out is required")
	}
	if err := docsite.Build(ctx, docsite.Options{SpecPath: *spec, OutDir: *out, NodeModules: *nodeModules}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "omsdocs: wrote %s/{%s,%s,%s}\n", *out, docsite.IndexFile, docsite.YAMLFile, docsite.JSONFile)
	return nil
}
