// Package mock is a stateful, in-memory OMS serving ShowTask, StopTask,
// StartTask and DeleteTask over real HTTP, so that clients, the
// conformance suite and load tests can exercise them without a cloud
// account.
//
// It is built from the same parts as everything else: it implements
// gen.StrictServerInterface and is routed by the generated std-http
// handler only, behind the strict contract middleware. So every request is
// routed, authenticated and validated against the spec before the mock's
// logic runs, in the gateway's order (unknown path or method 404, bad
// credentials 401, bad parameters or body 400 with the x-oms-error-code),
// and an answer of the mock that broke the contract would be replaced by
// the gateway's 502. With WithContract(contract.WithSpecFile(f)) it serves
// another version of the spec; operations the generated code does not
// have are answered from the spec's examples (Unimplemented lists them).
//
// # Behaviour
//
// One state machine is behind the four operations (apply). StopTask moves
// a migrating task (2) to pausing (7), which becomes stopped (3) once the
// delay has passed on the mock's clock; StartTask moves a stopped or failed
// task (3, 4) to waiting (1), which becomes migrating (2) the same way;
// DeleteTask removes a task that is not migrating, retrying or pausing
// (OMS.0063 otherwise), after which every operation answers OMS.1009.
// ShowTask gives the task as it is, its counters following its status. A
// transient status is settled when the task is next looked at, so the mock
// owns no goroutine. A credential the mock knows that does not cover the
// project gets 400 OMS.0072. Credentials are an IAM token (looked up in
// constant time) or an SDK-HMAC-SHA256 signature verified with gen/signer,
// its X-Sdk-Date within the scheme's x-oms-max-skew. StartTask's keys are
// checked for presence and never kept.
//
// # Seeding
//
// New(nil) uses DefaultFixtures: DefaultProjectID with tasks in every
// status and public test credentials (DefaultToken, DefaultAK, DefaultSK);
// Plan names tasks of them for a conformance run. LoadFixtures reads your
// own; the format is documented on Fixtures.
package mock
