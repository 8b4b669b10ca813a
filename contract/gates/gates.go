// Package gates holds the two checks a change to openapi.yaml must pass
// besides the tests: Lint, the kin-openapi half of `make lint`, and
// Changes, the breaking-change gate of `make breaking` (oasdiff). Its tests
// are drills: they mutate a copy of openapi.yaml the way an engineer would
// and assert what each gate says. Workflows (workflows.go) is `make lint`'s
// check of the GitHub Actions workflows that run these gates.
//
// Lint validates the document with kin-openapi, every example against its
// schema. kin-openapi v0.153.0 checks the examples of schemas, media types
// and parameters, but Header.Validate never looks at a header's examples;
// Lint closes that gap by validating each header as the header parameter it
// describes, with kin-openapi's own Parameter.Validate.
//
// Changes runs oasdiff the way `make breaking` runs the oasdiff command.
// `make breaking` lets a break pass, still listed, when info.version's
// major number is higher than BASE's: under semantic versioning that bump
// is how a contract declares a break intended (TestMakeBreaking).
// Two settings differ from oasdiff's defaults, for reasons specific to this
// contract:
//
//   - Path-level parameters are flattened into each operation
//     (--flatten-params). openapi.yaml declares project_id and task_id on
//     the path item, and without flattening oasdiff does not look at them at
//     all, so retyping task_id or tightening a limit would pass unnoticed.
//   - oasdiff-levels.txt (--severity-levels; that file format has no room
//     for comments, so the reasons live here) raises two checks to ERR:
//     response-non-success-status-removed, because clients branch on the
//     documented error responses and their codes, so dropping one (say 400
//     with OMS.0066) silently changes what they must handle; and
//     request-parameter-type-generalized, because the generated Go client and
//     server (gen/) turn a parameter's type into a Go type, so widening
//     task_id from int64 to string breaks every caller's code even though
//     the wire format stays compatible.
package gates

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// LevelsFile is the severity-levels file, relative to the repository root,
// that `make breaking` passes to oasdiff.
const LevelsFile = "contract/gates/oasdiff-levels.txt"

//go:embed oasdiff-levels.txt
var levels []byte

// Changes lists every change from base to revision, the set `oasdiff
// changelog` prints. HasLevelOrHigher(checker.ERR) on the result is the
// verdict of `oasdiff breaking --fail-on ERR`.
func Changes(basePath, revisionPath string) (checker.Changes, error) {
	severity, err := checker.GetSeverityLevels(bytes.NewReader(levels))
	if err != nil {
		return nil, fmt.Errorf("gates: %s: %w", LevelsFile, err)
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	opts := []load.Option{load.WithFlattenParams(), load.WithLowercaseHeaders()}
	base, err := load.NewSpecInfo(loader, load.NewSource(basePath), opts...)
	if err != nil {
		return nil, fmt.Errorf("gates: base %s: %w", basePath, err)
	}
	revision, err := load.NewSpecInfo(loader, load.NewSource(revisionPath), opts...)
	if err != nil {
		return nil, fmt.Errorf("gates: revision %s: %w", revisionPath, err)
	}
	report, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, revision)
	if err != nil {
		return nil, fmt.Errorf("gates: diff: %w", err)
	}
	config := checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(severity))
	return checker.CheckBackwardCompatibilityUntilLevel(config, report, sources, checker.INFO), nil
}

// Lint loads the spec and validates it with kin-openapi: every example
// against its schema (stated explicitly so a change of kin-openapi's default
// cannot turn it off), the schemas' regular expressions, and the examples
// of every header (see the package comment). The other half of `make lint`
// is `redocly lint`.
func Lint(ctx context.Context, specPath string) error {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	opts := []openapi3.ValidationOption{openapi3.EnableExamplesValidation(), openapi3.EnableSchemaPatternValidation()}
	if err := doc.Validate(ctx, opts...); err != nil {
		return fmt.Errorf("%s%s: %w", specPath, line(err), err)
	}
	return headerExamples(ctx, specPath, doc, opts)
}

// line is ":N", N the line of the example (or default) that err says is
// wrong, when kin-openapi recorded it; kin-openapi's own message names the
// schema, parameter or response but not always the property.
func line(err error) string {
	var v *openapi3.SchemaValueError
	if !errors.As(err, &v) || v.Origin == nil {
		return ""
	}
	if loc, ok := v.Origin.Fields.Lookup(v.ValueKind); ok {
		return fmt.Sprintf(":%d", loc.Line)
	}
	if v.Origin.Key != nil {
		return fmt.Sprintf(":%d", v.Origin.Key.Line)
	}
	return ""
}

// headerExamples validates each header where it is defined (a $ref is
// checked at its target): in components, in components' responses and in
// the operations' own responses.
func headerExamples(ctx context.Context, specPath string, doc *openapi3.T, opts []openapi3.ValidationOption) error {
	var errs []error
	check := func(where string, headers openapi3.Headers) {
		for _, name := range slices.Sorted(maps.Keys(headers)) {
			if h := headers[name]; h.Ref == "" && h.Value != nil {
				p := h.Value.Parameter
				p.Name, p.In = name, openapi3.ParameterInHeader
				if err := p.Validate(ctx, opts...); err != nil {
					errs = append(errs, fmt.Errorf("%s%s: %s header %q: %w", specPath, line(err), where, name, err))
				}
			}
		}
	}
	responses := func(where string, rs map[string]*openapi3.ResponseRef) {
		for _, code := range slices.Sorted(maps.Keys(rs)) {
			if r := rs[code]; r.Ref == "" && r.Value != nil {
				check(where+code, r.Value.Headers)
			}
		}
	}
	if c := doc.Components; c != nil {
		check("components", c.Headers)
		responses("components response ", c.Responses)
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		// By method: a path with several operations (ShowTask and
		// DeleteTask share one) reports in the same order every run.
		ops := doc.Paths.Value(path).Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			if op := ops[method]; op.Responses != nil {
				responses(fmt.Sprintf("%s %s response ", method, path), op.Responses.Map())
			}
		}
	}
	return errors.Join(errs...)
}
