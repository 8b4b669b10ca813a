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
// Violations never carry credentials; RedactHeaders makes headers safe to
// log. The validator checks authentication for form only and does not
// verify signatures: it holds no secret key.
package contract
