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
//     OMS.0054/OMS.0064, or 403. 401 means the configured credentials were
//     refused; 404 fails because the contract documents it as "the path
//     does not exist", so the endpoint does not serve StopTask at all;
//   - negative task IDs rejected: -1, 1000000000000000, 2^63, abc, 1.5 and
//     empty must get 400 with OMS.0054 (invalid task ID) or OMS.0064
//     (invalid parameters), the mirror of the positive rule, since those
//     codes are how the suite tells a refused ID from a refused task. The
//     path template still matches, so 404 fails; so does the empty ID,
//     which the validator routes to StopTask with a missing parameter;
//   - a project_id of 1025 characters must get 400 or 403 (the contract's
//     Forbidden: no credentials are scoped to such a project), and a token
//     of 16385 characters 400, 401 or 403. The contract names no error code
//     for either, so any code will do except an answer about the task
//     (OMS.1009, OMS.0066, OMS.0070), which proves the input got through;
//   - missing authentication rejected with 401: the spec documents 401 for a
//     "missing token or signature" and the facts file says the API gateway
//     rejects bad, expired and missing credentials there, with APIGW.0301;
//   - wrong credentials (an unknown token, a signature made with the wrong
//     secret key) rejected with 401, or 403 because OMS itself may refuse
//     credentials with OMS.0068;
//   - an unsupported method (GET, PUT) rejected with any 4xx (405, or 404
//     from a gateway that routes by method and path), in the shared error
//     shape above;
//   - behaviour, when the caller names tasks whose state it knows: stopping
//     a migrating task answers 200 and a second stop OMS.0066, a finished
//     task OMS.0070, an unknown task OMS.1009.
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
