// Package mock is a stateful, in-memory OMS serving StopTask over real HTTP,
// so that clients, the conformance suite and load tests can exercise it
// without a cloud account.
//
// It is built from the same parts as everything else: it implements
// gen.StrictServerInterface and is routed by the generated std-http
// handler only, behind the strict contract middleware. So every request is
// routed, authenticated and validated against the spec before the mock's
// logic runs, in the gateway's order (unknown path or method 404, bad
// credentials 401, bad parameters 400 with the parameter's
// x-oms-error-code), and an answer of the mock that broke the contract would
// be replaced by the gateway's 502. With WithContract(contract.WithSpecFile(f))
// it serves another version of the spec; operations the generated code does
// not have are answered 404 in the contract's error shape.
//
// # Behaviour
//
// StopTask on a migrating task (2) answers 200 and moves it to pausing (7);
// it becomes stopped (3) once the stop delay has passed on the mock's clock,
// computed when the task is next looked at, so the mock owns no goroutine.
// Any other state is refused with 400 OMS.0066, a succeeded task with
// OMS.0070, an unknown task with OMS.1009, a project the credentials do not
// cover with 403 OMS.0072. Credentials are an IAM token (looked up in
// constant time) or an SDK-HMAC-SHA256 signature verified with gen/signer,
// its X-Sdk-Date within the scheme's x-oms-max-skew.
//
// # Seeding
//
// New(nil) uses DefaultFixtures: DefaultProjectID with a task in every
// status and public test credentials (DefaultToken, DefaultAK, DefaultSK).
// LoadFixtures reads your own; the format is documented on Fixtures.
package mock
