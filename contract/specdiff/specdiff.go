// Package specdiff is the breaking-change gate of the contract: it compares
// two versions of an OpenAPI document with oasdiff, configured the way
// `make breaking` runs the oasdiff command, and reports the changes.
//
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
package specdiff

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// LevelsFile is the severity-levels file, relative to the repository root,
// that `make breaking` passes to oasdiff.
const LevelsFile = "contract/specdiff/oasdiff-levels.txt"

//go:embed oasdiff-levels.txt
var levels []byte

// Changes lists what changed from base to revision at WARN level or higher,
// the set `oasdiff breaking` prints. Use HasLevelOrHigher(checker.ERR) on the
// result to decide whether the change is breaking.
func Changes(basePath, revisionPath string) (checker.Changes, error) {
	severity, err := checker.GetSeverityLevels(bytes.NewReader(levels))
	if err != nil {
		return nil, fmt.Errorf("specdiff: %s: %w", LevelsFile, err)
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	opts := []load.Option{load.WithFlattenParams(), load.WithLowercaseHeaders()}
	base, err := load.NewSpecInfo(loader, load.NewSource(basePath), opts...)
	if err != nil {
		return nil, fmt.Errorf("specdiff: base %s: %w", basePath, err)
	}
	revision, err := load.NewSpecInfo(loader, load.NewSource(revisionPath), opts...)
	if err != nil {
		return nil, fmt.Errorf("specdiff: revision %s: %w", revisionPath, err)
	}
	report, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, revision)
	if err != nil {
		return nil, fmt.Errorf("specdiff: diff: %w", err)
	}
	config := checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(severity))
	return checker.CheckBackwardCompatibilityUntilLevel(config, report, sources, checker.WARN), nil
}
