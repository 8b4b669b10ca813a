package contract

import (
	"strconv"
	"strings"
)

// Direction tells which half of an exchange broke the contract: the client
// that sent the request or the server that sent the response.
type Direction string

const (
	// DirectionRequest blames the client.
	DirectionRequest Direction = "request"
	// DirectionResponse blames the server.
	DirectionResponse Direction = "response"
)

// Kind classifies a violation so that callers can react without parsing
// reasons. Each kind comes from a typed kin-openapi error or from one of
// this package's adapters, never from message wording.
type Kind string

const (
	// KindServer: the request went to a host or base path that no server of
	// the spec (nor one added with WithServer) matches.
	KindServer Kind = "server"
	// KindPath: no path of the spec matches (routers.ErrPathNotFound).
	KindPath Kind = "path"
	// KindMethod: the path exists but not with this method
	// (routers.ErrMethodNotAllowed).
	KindMethod Kind = "method"
	// KindAuth: no security requirement is met
	// (openapi3filter.SecurityRequirementsError).
	KindAuth Kind = "auth"
	// KindParameter: a parameter is missing or invalid
	// (openapi3filter.RequestError with a Parameter).
	KindParameter Kind = "parameter"
	// KindRequest: anything else wrong with a request, such as a body where
	// the operation takes none.
	KindRequest Kind = "request"
	// KindStatus: the response status is not documented for the operation.
	KindStatus Kind = "status"
	// KindResponse: the response does not match its documented headers,
	// media type or schema (openapi3filter.ResponseError and the adapters).
	KindResponse Kind = "response"
	// KindTransport: there was no complete answer to validate: the
	// connection failed, was cut, or timed out.
	KindTransport Kind = "transport"
)

// Violation is one way an exchange broke the contract.
type Violation struct {
	// Operation is the spec's operationId, empty when the request matched
	// no operation.
	Operation string `json:"operation,omitempty"`
	// Direction says whether the request or the response is at fault.
	Direction Direction `json:"direction"`
	// Status is the HTTP status of the response; zero for request violations.
	Status int `json:"status,omitempty"`
	// Kind classifies the violation.
	Kind Kind `json:"kind"`
	// Name is the parameter or security scheme concerned, if any.
	Name string `json:"name,omitempty"`
	// Pointer is an RFC 6901 JSON pointer into the body, from
	// openapi3.SchemaError.JSONPointer, when the violation is about a member.
	Pointer string `json:"pointer,omitempty"`
	// Reason says what is wrong, in kin-openapi's words or this package's.
	Reason string `json:"reason"`
	// code is the parameter's x-oms-error-code, for the middleware's answer.
	code string
}

// String renders the violation on one line:
//
//	StopTask response 400: response /error_code: value must be a string
func (v Violation) String() string {
	var b strings.Builder
	if v.Operation != "" {
		b.WriteString(v.Operation + " ")
	}
	b.WriteString(string(v.Direction))
	if v.Status != 0 {
		b.WriteString(" " + strconv.Itoa(v.Status))
	}
	b.WriteString(": " + string(v.Kind))
	if v.Name != "" {
		b.WriteString(" " + v.Name)
	}
	if v.Pointer != "" {
		b.WriteString(" " + v.Pointer)
	}
	b.WriteString(": " + v.Reason)
	return b.String()
}

// Violations is every violation found in one exchange. It is an error, so
// that callers can recover it with errors.As from what a strict Transport
// returns.
type Violations []Violation

// Error lists the violations, one per line.
func (vs Violations) Error() string {
	if len(vs) == 1 {
		return "contract violation: " + vs[0].String()
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = "\n\t" + v.String()
	}
	return "contract: " + strconv.Itoa(len(vs)) + " violations:" + strings.Join(lines, "")
}

// Has reports whether any violation is of one of the kinds.
func (vs Violations) Has(kinds ...Kind) bool {
	for _, v := range vs {
		for _, k := range kinds {
			if v.Kind == k {
				return true
			}
		}
	}
	return false
}

// Err returns vs as an error, or nil when there is none.
func (vs Violations) Err() error {
	if len(vs) == 0 {
		return nil
	}
	return vs
}
