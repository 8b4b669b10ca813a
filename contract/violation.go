package contract

import (
	"strconv"
	"strings"
)

// Direction tells which half of an exchange broke the contract: the client
// that sent the request or the server that sent the response. It decides who
// has to fix something.
type Direction string

const (
	// DirectionRequest blames the client.
	DirectionRequest Direction = "request"
	// DirectionResponse blames the server.
	DirectionResponse Direction = "response"
)

// Kind classifies a violation so that callers can react without parsing
// reasons: the middleware turns KindPath into 404, KindMethod into 405,
// KindAuth into 401 and every other request violation into 400.
type Kind string

const (
	// KindServer: the request went to a scheme, host or path prefix that is
	// neither declared in the spec's servers nor added with WithServer. The
	// scheme counts for requests a client sends, not for requests a server
	// receives: behind TLS termination the server cannot see it.
	KindServer Kind = "server"
	// KindPath: no operation of the spec has this path.
	KindPath Kind = "path"
	// KindMethod: the path exists but not with this method.
	KindMethod Kind = "method"
	// KindAuth: neither an IAM token nor a well-formed AK/SK signature.
	KindAuth Kind = "auth"
	// KindParameter: a path, query or header parameter is missing or invalid.
	KindParameter Kind = "parameter"
	// KindStatus: the response status is not documented for the operation.
	KindStatus Kind = "status"
	// KindHeader: a documented response header is missing or invalid.
	KindHeader Kind = "header"
	// KindContentType: the body's media type is not the documented one.
	KindContentType Kind = "content-type"
	// KindBody: a body is present where none is declared, is not decodable,
	// or does not match its schema.
	KindBody Kind = "body"
)

// Violation is one way an exchange broke the contract, described so that a
// person can act on it without the raw traffic: which operation, which side,
// where (parameter or header name, or a JSON pointer into the body) and why.
//
// A Violation never carries the value of a credential: reasons are built by
// this package or sanitized, and X-Auth-Token, Authorization and
// X-Security-Token values are scrubbed from anything taken from kin-openapi.
type Violation struct {
	// Operation is the spec's operationId, empty when the request matched no
	// operation.
	Operation string `json:"operation,omitempty"`
	// Direction says whether the request or the response is at fault.
	Direction Direction `json:"direction"`
	// Status is the HTTP status of the response; zero for request violations.
	Status int `json:"status,omitempty"`
	// Kind classifies the violation.
	Kind Kind `json:"kind"`
	// Name is the parameter or header concerned (task_id, X-Request-Id,
	// Content-Type), empty when the violation is about something else.
	Name string `json:"name,omitempty"`
	// Pointer is an RFC 6901 JSON pointer into the body ("/error_code"), empty
	// when the violation is not about a body member.
	Pointer string `json:"pointer,omitempty"`
	// Reason says what is wrong, in words.
	Reason string `json:"reason"`
}

// String renders the violation on one line, most specific location first:
//
//	StopTask response 400: body /error_code: value must be a string
func (v Violation) String() string {
	var b strings.Builder
	b.Grow(64 + len(v.Reason))
	if v.Operation != "" {
		b.WriteString(v.Operation)
		b.WriteByte(' ')
	}
	b.WriteString(string(v.Direction))
	if v.Status != 0 {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(v.Status))
	}
	b.WriteString(": ")
	b.WriteString(string(v.Kind))
	if v.Name != "" {
		b.WriteByte(' ')
		b.WriteString(v.Name)
	}
	if v.Pointer != "" {
		b.WriteByte(' ')
		b.WriteString(v.Pointer)
	}
	b.WriteString(": ")
	b.WriteString(v.Reason)
	return b.String()
}

// Violations is every violation found in one exchange. It is an error so that
// the strict transport can fail a call with it and callers can recover the
// details with errors.As:
//
//	var vs contract.Violations
//	if errors.As(err, &vs) { ... }
type Violations []Violation

// Error lists the violations on one line each.
func (vs Violations) Error() string {
	switch len(vs) {
	case 0:
		return "contract: no violations"
	case 1:
		return "contract violation: " + vs[0].String()
	}
	var b strings.Builder
	b.WriteString("contract: ")
	b.WriteString(strconv.Itoa(len(vs)))
	b.WriteString(" violations:")
	for _, v := range vs {
		b.WriteString("\n\t")
		b.WriteString(v.String())
	}
	return b.String()
}

// Has reports whether any violation is of kind k; the middleware uses it to
// choose its answer.
func (vs Violations) Has(k Kind) bool {
	for _, v := range vs {
		if v.Kind == k {
			return true
		}
	}
	return false
}

// Err returns vs as an error, or nil when there is none, so that an empty
// result never becomes a non-nil error interface by accident.
func (vs Violations) Err() error {
	if len(vs) == 0 {
		return nil
	}
	return vs
}
