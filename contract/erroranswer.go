package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// A request that matches no operation (unknown server, unknown path, known
// path with another method) has no documented responses to hold its answer
// to, yet the answer is still part of the API: the gateway answers it 404 or
// 405 in the same Error shape as every other error. The checks below hold
// such off-operation answers to the shape the contract shares between its
// error responses, resolved from the spec once in New.

// The component names the shared error shape is resolved from.
const (
	errorSchemaName    = "Error"
	requestIDComponent = "X-Request-Id"
)

// errorShape is the contract's shared error answer, compiled once.
type errorShape struct {
	schema    *openapi3.Schema // #/components/schemas/Error
	requestID declaredHeader   // #/components/headers/X-Request-Id
}

func compileErrorShape(doc *openapi3.T) (errorShape, error) {
	var es errorShape
	if doc.Components == nil {
		return es, fmt.Errorf("contract: the spec has no components")
	}
	ref := doc.Components.Schemas[errorSchemaName]
	if ref == nil || ref.Value == nil {
		return es, fmt.Errorf("contract: the spec has no #/components/schemas/%s", errorSchemaName)
	}
	es.schema = ref.Value
	h := doc.Components.Headers[requestIDComponent]
	if h == nil || h.Value == nil {
		return es, fmt.Errorf("contract: the spec has no #/components/headers/%s", requestIDComponent)
	}
	es.requestID = declaredHeader{name: http.CanonicalHeaderKey(requestIDComponent), required: h.Value.Required}
	if h.Value.Schema != nil && h.Value.Schema.Value != nil {
		es.requestID.schema = h.Value.Schema.Value
		es.requestID.lengthOnly = isLengthOnly(es.requestID.schema)
	}
	return es, nil
}

// ValidateErrorAnswer checks an answer to a request that matched no
// operation (a 404 for an unknown path or server, a 405 for another method)
// against the error shape the contract's error responses share:
//
//   - the status is a 4xx: the request is the client's mistake, and a 2xx,
//     3xx or 5xx means the server did something the contract does not
//     describe;
//   - Content-Type appears once and is application/json, well formed
//     (mime.ParseMediaType), with no charset but utf-8;
//   - X-Request-Id appears exactly once and is valid against
//     #/components/headers/X-Request-Id (non-empty);
//   - the body is exactly one JSON value, in UTF-8, valid against
//     #/components/schemas/Error.
//
// The violations have no Operation and the DirectionResponse. An answer
// with a status that is not 4xx gets only the KindStatus violation, since
// its headers and body are then not expected to be an error at all.
//
// Exchange.ValidateResponse (and so ValidateExchange, Transport, Middleware
// and Proxy) calls it for requests that failed routing with a KindServer,
// KindPath or KindMethod violation; call it directly for answers obtained
// some other way. ValidateResponse knows the request's method and so
// exempts the answer to a HEAD request, which has no body, from the body
// rules; ValidateErrorAnswer does not know it and always wants the body.
func (v *Validator) ValidateErrorAnswer(status int, header http.Header, body []byte) Violations {
	return v.validateErrorAnswer(status, header, body, false)
}

// validateErrorAnswer is ValidateErrorAnswer for a request whose method is
// known. For HEAD (head true) the body is neither required nor checked and
// Content-Type only when present, as in Exchange.ValidateResponse: by HTTP
// rule no body is sent, and Content-Type describes the body a GET would
// have had (RFC 9110, sections 9.3.2 and 8.3).
func (v *Validator) validateErrorAnswer(status int, header http.Header, body []byte, head bool) Violations {
	viol := func(k Kind, name, pointer, reason string) Violation {
		return Violation{Direction: DirectionResponse, Status: status, Kind: k, Name: name, Pointer: pointer, Reason: reason}
	}
	if status < 400 || status > 499 {
		return Violations{viol(KindStatus, "", "", fmt.Sprintf("status %d answers a request that matches no operation; want a 4xx with an Error body", status))}
	}
	if header == nil {
		header = http.Header{}
	}
	var vs Violations
	vs = v.checkHeader(vs, viol, v.errShape.requestID, header)

	vs = checkContentTypeOnce(vs, viol, header)
	ct := header.Get("Content-Type")
	if mt, ok := jsonContentType(ct); (!ok || mt != "application/json") && !(head && ct == "") {
		if ct == "" {
			vs = append(vs, viol(KindContentType, "Content-Type", "", fmt.Sprintf("status %d requires Content-Type application/json, got none", status)))
		} else {
			vs = append(vs, viol(KindContentType, "Content-Type", "", fmt.Sprintf("status %d requires Content-Type application/json (well formed, charset absent or utf-8), got %q", status, ct)))
		}
	}
	if head {
		return vs
	}

	switch {
	case int64(len(body)) > v.maxBody:
		return append(vs, viol(KindBody, "", "", fmt.Sprintf("the response body exceeds %d bytes", v.maxBody)))
	case len(body) == 0:
		return append(vs, viol(KindBody, "", "", fmt.Sprintf("status %d requires an Error body (application/json), got none", status)))
	}
	if reason := jsonBodyProblem(body); reason != "" {
		return append(vs, viol(KindBody, "", "", "the body cannot be decoded as application/json: "+reason))
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return append(vs, viol(KindBody, "", "", "the body cannot be decoded as application/json: "+jsonReason(err)))
	}
	if err := v.errShape.schema.VisitJSON(doc, v.visit...); err != nil {
		ses := schemaErrors(err)
		if len(ses) == 0 {
			return append(vs, viol(KindBody, "", "", "the body does not match the Error schema"))
		}
		for _, se := range ses {
			vs = append(vs, viol(KindBody, "", pointer(se), schemaReason(se)))
		}
	}
	return vs
}

// jsonReason describes a JSON decoding error by where it happened, without
// quoting the body.
func jsonReason(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at offset %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("unexpected %s at offset %d", e.Value, e.Offset)
	}
	if strings.Contains(err.Error(), "unexpected end of JSON input") {
		return "unexpected end of JSON input"
	}
	return "invalid JSON"
}
