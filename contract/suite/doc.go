// Package suite is the conformance suite for the StopTask contract: a fixed
// list of cases derived from openapi.yaml, in the spirit of Schemathesis'
// checks, that it sends to a server over real HTTP and judges.
//
// Every exchange goes through a contract.Validator, so whatever a case is
// about, the server's answer is also held to the whole contract: status
// documented, Content-Type, X-Request-Id, body schema. On top of that each
// case has an expectation of its own:
//
//   - positive data accepted: task_id 0 and 999999999999999 are valid IDs of
//     tasks that do not exist, so the server must answer with a documented
//     status that is not a parameter error (200; 400 with a code other than
//     OMS.0054/OMS.0064; 403; 404);
//   - negative data rejected: task_id -1, 1000000000000000, 2^63, abc, 1.5 and
//     empty, a project_id of 1025 characters and a token of 16385 characters
//     must get a 4xx;
//   - missing authentication rejected with 401: the spec documents 401 for a
//     "missing token or signature" and the facts file says the API gateway
//     rejects bad, expired and missing credentials there, with APIGW.0301;
//   - wrong credentials (an unknown token, a signature made with the wrong
//     secret key) rejected with 401, or 403 because OMS itself may refuse
//     credentials with OMS.0068;
//   - an unsupported method rejected with a 4xx and an error body (405 and
//     404 are not contract statuses, since no operation exists there);
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
// Against a real endpoint the suite is non-destructive unless told
// otherwise: it only addresses task IDs that do not exist, sends bad input
// and bad credentials. Stopping a task happens only for tasks named in
// Behaviour.
//
// No report, error or progress line ever carries a token, a secret key or a
// signature: the suite never prints headers, and every message that came
// from the server or the transport is scrubbed of the credentials it sent.
package suite
