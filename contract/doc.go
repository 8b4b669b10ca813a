// Package contract checks HTTP traffic against the OMS contract
// (openapi.yaml, embedded in package gen/spec, or any spec file given with
// WithSpecFile) and says, in terms a person can act on, how an exchange
// broke it.
//
// The package is a thin layer over kin-openapi: routing is its gorillamux
// router and validation is openapi3filter, built once per Validator with
// IncludeResponseStatus and MultiError set and reused for every exchange.
// What kin-openapi cannot do is added in small adapters, each with a test:
//
//   - telling an unknown host from an unknown path, and matching a server
//     behind TLS termination (matchServer);
//   - checking a credential header's form against the schema the spec gives
//     it in x-oms-value and x-oms-headers (authenticate);
//   - an empty body on a response declared without content, one value per
//     declared response header, UTF-8 bodies (and no other charset), decoding Content-Encoding
//     before validation (ValidateResponse, decodeBody);
//   - integer parameters checked against the spec's bounds exactly, past
//     2^53 where kin-openapi's float64 bounds are not (intbounds.go);
//   - holding answers to requests that match no operation to the error
//     shape the spec's 404 answer declares (ValidateResponse on an unrouted
//     Exchange).
//
// Every fact the tools act on is read from the spec: the error code that
// answers an invalid parameter (x-oms-error-code on the parameter, or on the
// operation for anything else), the code of the answers the gateway makes
// itself (x-oms-error-code on a response), the request ID header (the
// header every documented response requires), the limits of credentials.
//
// One Validator serves every use: Transport validates a client's calls,
// Middleware validates a server's exchanges and answers bad requests in the
// contract's Error shape, in the gateway's order (route, authenticate,
// validate parameters), and Proxy sits between any client and an endpoint
// and logs violations as JSON lines. Records never carry credentials:
// secrets are scrubbed by header name and by value (Scrubber).
package contract
