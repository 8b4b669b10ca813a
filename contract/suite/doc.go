// Package suite is the conformance suite for the StopTask contract: a fixed
// list of cases derived from openapi.yaml, in the spirit of Schemathesis'
// checks, that it sends to a server over real HTTP and judges.
//
// Every exchange goes through a contract.Validator, so whatever a case is
// about, the server's answer is also held to the whole contract: status
// documented, Content-Type, X-Request-Id, body schema. An answer to a
// request that matches no operation (a wrong method) is held to the error
// shape all the contract's errors share: a 4xx, application/json, exactly
// one X-Request-Id, an Error body. On top of that each case has an
// expectation of its own:
//
//   - positive data accepted: task_id 0 and 999999999999999 (and, per
//     credential scheme, 999999999999999 again) must get an answer of an
//     operation that took the input: 200, 400 with a code other than
//     OMS.0054/OMS.0064, or 403. An authentication failure fails: 401, or a
//     400 or 403 whose code is APIGW.0301 or OMS.0068 (gen.IsUnauthorized's
//     rule), means the configured credentials were refused; 404 fails
//     because the contract documents it as "the path does not exist", so
//     the endpoint does not serve StopTask at all;
//   - negative task IDs rejected: -1, 1000000000000000, 2^63, abc, 1.5, 1e3
//     and empty must get 400 with OMS.0054 (invalid task ID) or OMS.0064
//     (invalid parameters), the mirror of the positive rule, since those
//     codes are how the suite tells a refused ID from a refused task. The
//     path template still matches, so 404 fails; so does the empty ID,
//     which the validator routes to StopTask with a missing parameter.
//     ("+1" and "01" are not sent: the validator reads them as 1, as
//     strconv.ParseInt does, so they are not invalid requests to it);
//   - a project_id of 1025 characters must get 400 or 403 (the contract's
//     Forbidden: no credentials are scoped to such a project), and a token
//     of 16385 characters 400, 401, or 403 with an authentication-failure
//     code (OMS.0068, APIGW.0301), since no token that long is valid. The
//     contract names no error code for either, so any 400 code will do
//     except an answer about the task (OMS.1009, OMS.0066, OMS.0070), which
//     proves the input got through;
//   - missing authentication rejected with 401: the spec documents 401 for a
//     "missing token or signature" and the facts file says the API gateway
//     rejects bad, expired and missing credentials there, with APIGW.0301.
//     An empty X-Auth-Token header counts as missing;
//   - wrong credentials (an unknown token, a signature made with the wrong
//     secret key, and, with AK/SK configured, a correct signature whose
//     X-Sdk-Date is 20 minutes old) rejected as an authentication failure:
//     401 (the gateway's answer to a bad token), or 403 with OMS.0068 (OMS
//     itself refusing the credentials) or APIGW.0301. 403 OMS.0072,
//     "insufficient permission", fails: it is the answer to valid
//     credentials without the right, so a server that gives it to wrong
//     ones never verified them. The positive rule and this one exclude each
//     other, so the answers to valid and to wrong credentials for the same
//     request necessarily differ;
//   - an unsupported method (GET, PUT) rejected with any 4xx (405, or 404
//     from a gateway that routes by method and path), in the shared error
//     shape above;
//   - behaviour, when the caller names tasks whose state it knows: stopping
//     a migrating task answers 200 and a second stop OMS.0066, a finished
//     task OMS.0070, an unknown task OMS.1009.
//
// Error codes are read as gen.CheckResponse reads them from a body of the
// contract's Error shape, so that the suite judges what clients see: the
// first JSON value, after any JSON white space, must be an object, and the
// code is its member named exactly "error_code" (names are case-sensitive;
// "Error_Code" is another member). A body with more than one "error_code"
// fails response_schema_conformance, since parsers disagree on which one
// counts.
//
// A server that was reached, was sent the whole request, and then closed
// the connection without an answer, cut its body short or sent a malformed
// status line or header fails not_a_server_error, like a 5xx: it crashed on
// the input. A failure to connect (a refused dial, an unknown host) and a
// timeout of the suite's own budget give the verdict "error" instead, as
// they say nothing about the request. Each exchange runs on a connection
// of its own (Connection: close) so that a closed connection is always
// this request's doing; with a caller's http.Client that hands out a
// connection kept idle from other traffic, a close before any answer stays
// an error, since it may be the server's idle timeout.
//
// Requests the suite sends on purpose outside the contract are expected to
// draw request-side violations from the validator; those are reported as
// expected and never counted against the server. Response-side violations
// always count. If a request the suite means to be valid is judged invalid,
// or a deliberately invalid one is judged valid, the case ends in the verdict
// "error": the suite or its configuration, not the server, is at fault.
//
// Against a real endpoint the suite is non-destructive on one assumption:
// that task IDs 0 and 999999999999999 are not tasks of the project. The
// positive cases send a valid, authenticated stop to them (that is their
// point: the boundaries must be accepted), and would pause either if it
// were a migrating task. Config.NoBoundaryProbes leaves those cases out;
// every other request is one a conforming server refuses (invalid input,
// wrong or no credentials, another method). Report.TaskIDs lists the task
// IDs a run addressed. Stopping a named task happens only for tasks named
// in Behaviour.
//
// No report, error or progress line ever carries a token, a secret key or a
// signature: the suite never prints headers, and every message that came
// from the server or the transport is scrubbed of the credentials it sent.
package suite
