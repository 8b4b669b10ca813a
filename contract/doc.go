// Package contract checks HTTP traffic against the StopTask contract
// (openapi.yaml, embedded in package gen) and says, in terms a person can act
// on, how an exchange broke it.
//
// One Validator, built once with New, serves every use:
//
//   - Transport validates the calls of a client (strict: the call fails with
//     an *ExchangeError; record: the call goes through and a Recorder or a
//     report function gets the violations);
//   - Middleware validates the exchanges of a server and answers bad
//     requests in the contract's Error shape;
//   - Proxy sits between any client and an OMS endpoint and logs violations
//     as JSON lines.
//
// An answer to a request that matches no operation (unknown server, path or
// method) is held to the error shape the contract's error responses share,
// with Validator.ValidateErrorAnswer: a 4xx, application/json, one
// X-Request-Id and an Error body. All three of the above apply it.
//
// JSON is held to RFC 8259 where kin-openapi is lenient, on every answer: a
// JSON body is exactly one JSON value (nothing after it) in UTF-8, under a
// single, well-formed Content-Type with no charset but utf-8. The answer to
// a HEAD request carries no body, so none is required of it.
//
// Violations never carry credentials; RedactHeaders makes headers safe to
// log, and SecretValues lists the values to scrub from anything else. Server
// URLs with user info are refused, and server URLs are printed without it. The validator checks authentication for form only and does not
// verify signatures: it holds no secret key.
package contract
