// Package suite is the conformance suite, derived from the spec in the
// spirit of Schemathesis. For every operation of the spec it sends:
//
//   - for each path parameter, values from its schema: minimum and maximum
//     (expected accepted), one past each, the wrong type and empty for
//     integers; minLength and maxLength (in one- and two-byte characters)
//     and one past them for strings (expected refused with 400 and the
//     parameter's x-oms-error-code);
//   - for a JSON body, the body missing and not JSON, each required member
//     missing, each member of the wrong type, past its limits and outside
//     its enum (expected refused with 400 and the operation's code);
//   - for each security scheme it accepts, no credentials, an empty, an
//     unknown, an over-long (x-oms-value maxLength) and, for a dated
//     signature, a stale credential (expected 401 with a code documented
//     under 401);
//   - a positive case on a task named for the operation (Config.Positive),
//     expecting its documented 2xx;
//   - each undeclared method on each path (expected the gateway's 404 and
//     its x-oms-error-code).
//
// The behaviour layer (Config.Workflow) runs StopTask's state machine and
// the two official workflows, 示例3 (pause, ShowTask until stopped, delete)
// and 示例2 (start, ShowTask). Every answer is validated against the spec
// by a contract.Transport, its error code read with gen.DecodeError as a
// client reads it, and any 5xx or broken-off exchange fails the case. Each
// result names the schema keyword or rule that produced the case.
package suite
