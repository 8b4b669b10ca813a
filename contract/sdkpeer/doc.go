// Package sdkpeer runs the two official OMS workflows (示例3 pause and
// delete, 示例2 start) with the official Huawei Cloud Go SDK
// (github.com/huaweicloud/huaweicloud-sdk-go-v3, services/oms/v2) against
// the mock OMS of contract/mock, served over loopback HTTP as `omscontract
// mock` serves it. It shows that the SDK's ShowTask, StopTask, StartTask and
// DeleteTask, signed with AK/SK by the SDK's own signer, get from the mock
// only the answers and errors the workflows expect, and that the SDK decodes
// ShowTask's body in full.
//
// It is a Go module of its own (replacing the main module with ../..) so that
// the SDK, which is large and pulls in dependencies of its own (json-iterator,
// the MongoDB driver's bson, gmsm, goccy/go-yaml, ...), stays out of the main
// module's go.mod: nothing the project ships needs it. `go test ./...` at the
// repository root does not reach it; `make test` runs it, and `make verify`
// checks that its go.mod is tidy.
//
// The SDK authenticates with AK/SK signatures (or temporary AK/SK with
// X-Security-Token) only: it has no way to send an IAM token (X-Auth-Token),
// so the workflows run with AK/SK only.
package sdkpeer
