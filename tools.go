//go:build tools

// Package tools pins the code generator, the spec diff tool and the workflow
// linter that this repository runs with `go run`, so that their versions live
// in go.mod and go.sum like any other dependency and `make` needs nothing
// installed.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "github.com/oasdiff/oasdiff"
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
