// Package suite is the conformance suite, derived from the spec in the
// spirit of Schemathesis. For every operation of the spec it sends:
//
//   - for each path parameter, values from its schema: minimum and maximum
//     (expected accepted), one past each, the wrong type and empty for
//     integers; minLength and maxLength (in one- and two-byte characters)
//     and one past them for strings (expected refused with 400 and the
//     parameter's x-oms-error-code);
//   - for each security scheme it accepts, no credentials, an empty, an
//     unknown, an over-long (x-oms-value maxLength) and, for a dated
//     signature, a stale credential (expected 401, or 403 with a code
//     documented under 401);
//   - each undeclared method on each path (expected the gateway's 404 and
//     its x-oms-error-code).
//
// StopTask's own behaviour (a migrating task is paused, then not
// migrating; finished; unknown) is a layer of its own, run when tasks are
// named. Every answer is validated against the spec by a contract.Transport,
// its error code read with gen.DecodeError as a client reads it, and any 5xx
// or broken-off exchange fails the case. Each result names the schema
// keyword or rule that produced the case.
package suite
