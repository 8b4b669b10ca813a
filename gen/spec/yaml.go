package spec

import _ "embed"

// YAML is openapi.yaml as written, copied here by go generate. The tools
// load the spec from it rather than from GetSpec's JSON, which oapi-codegen
// marshals from kin-openapi's float64 numbers: an integer bound above 2^53
// comes out rounded there, and only the text has it exactly.
//
//go:embed openapi.yaml
var YAML []byte
