// Package mock is a stateful, in-memory stand-in for the Huawei Cloud OMS v2
// StopTask operation (POST /v2/{project_id}/tasks/{task_id}/stop), served
// over real HTTP.
//
// The mock exists so that clients, the conformance suite and load tests can
// exercise StopTask without a cloud account, and so that what they learn
// transfers to the real service. To that end it is built from the same
// generated code as the clients (it implements gen.StrictServerInterface and
// is routed by the generated std-http handler) and every exchange passes
// through the strict validation middleware of package contract: an answer
// the contract does not allow is replaced by a 500 and reported, so the mock
// cannot drift from openapi.yaml unnoticed.
//
// # Behaviour
//
// Tasks live in memory, per project, with the OMS status values 1..7 (see
// Status). StopTask on a migrating task (2) answers 200 and moves it to
// pausing (7); the task becomes stopped (3) once the stop delay has passed
// on the mock's clock. The transition is computed when the task is next
// looked at rather than by a timer, so the mock owns no goroutine and an
// injected clock drives it deterministically. Any other state is refused
// with 400 OMS.0066, a succeeded task with 400 OMS.0070, an unknown task
// with 400 OMS.1009, and a project the credentials do not cover with
// 403 OMS.0072.
//
// Authentication imitates the API gateway in front of OMS: an IAM token in
// X-Auth-Token, or an SDK-HMAC-SHA256 AK/SK signature verified with the
// project's signer, with X-Sdk-Date at most 15 minutes off. Failures are
// 401 with the gateway's code APIGW.0301, which Huawei's gateway documents
// for every IAM authentication failure, token and AK/SK alike.
//
// Every answer, including 404 for an unknown path and 405 for a wrong
// method, is the contract's Error JSON body (or the empty 200) with an
// X-Request-Id header. Bad input never changes state and never yields a
// 5xx. StopTask declares no query parameters, so a query string is refused
// with 400 OMS.0064. Requests that net/http refuses itself, before any
// handler runs (oversized headers, an unparsable request line or header,
// an unknown Transfer-Encoding or HTTP version), get the same 400 OMS.0064
// when served by Serve or through WrapListener; see WrapListener.
//
// # Seeding
//
// From Go, use options such as WithTask, WithToken, WithAKSK, WithStopDelay
// and WithClock. From a file, use LoadFixtures and WithFixtures; the JSON
// format is documented on Fixtures. DefaultFixtures is a ready-made set with
// a task in every status and well-known test credentials (DefaultToken,
// DefaultAK, DefaultSK). Those credentials are public test values: never
// use them anywhere real.
package mock
