package contract

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/oms-contract/stoptask/gen"
)

// This file turns kin-openapi's errors into Violations. kin-openapi's error
// strings may embed the offending value (ParseError quotes it, SchemaError
// dumps it with the schema), so reasons are built from the structured
// fields only, and whatever is taken verbatim is scrubbed of credentials.

// appendRequestErr appends the violations an openapi3filter.ValidateRequest
// error stands for.
func appendRequestErr(vs Violations, op string, err error) Violations {
	if me, ok := err.(openapi3.MultiError); ok {
		for _, e := range me {
			vs = appendRequestErr(vs, op, e)
		}
		return vs
	}
	var sre *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sre) {
		return append(vs, authViolation(op, sre.Errors)...)
	}
	var ae *authError
	if errors.As(err, &ae) {
		return append(vs, authViolation(op, []error{ae})...)
	}
	v := Violation{Operation: op, Direction: DirectionRequest, Kind: KindParameter}
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		v.Reason = err.Error()
		return append(vs, v)
	}
	if re.Parameter != nil {
		v.Name = re.Parameter.Name
		v.Reason = paramReason(re.Parameter, re.Err, re.Reason)
		if ses := schemaErrors(re.Err); len(ses) > 1 {
			for _, se := range ses {
				v.Reason = schemaReason(se)
				vs = append(vs, v)
			}
			return vs
		}
		return append(vs, v)
	}
	v.Kind = KindBody
	if ses := schemaErrors(re.Err); len(ses) > 0 {
		for _, se := range ses {
			v.Pointer, v.Reason = pointer(se), schemaReason(se)
			vs = append(vs, v)
		}
		return vs
	}
	v.Reason = re.Error()
	return append(vs, v)
}

func paramReason(p *openapi3.Parameter, err error, reason string) string {
	var pe *openapi3filter.ParseError
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		return fmt.Sprintf("the %s parameter is required but missing", p.In)
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		return fmt.Sprintf("the %s parameter must not be empty", p.In)
	case errors.As(err, &pe):
		return "the value cannot be parsed as " + typeName(p.Schema)
	}
	if ses := schemaErrors(err); len(ses) > 0 {
		return schemaReason(ses[0])
	}
	if reason != "" {
		return reason
	}
	if err != nil {
		return err.Error()
	}
	return "the parameter is invalid"
}

func typeName(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil || ref.Value.Type == nil {
		return "the documented type"
	}
	s := ref.Value
	name := strings.Join(s.Type.Slice(), " or ")
	if s.Format != "" {
		name += " (" + s.Format + ")"
	}
	if s.Type.Is(openapi3.TypeInteger) {
		return "an " + name
	}
	return "a " + name
}

// schemaErrors flattens err into its schema errors.
func schemaErrors(err error) []*openapi3.SchemaError {
	if err == nil {
		return nil
	}
	if me, ok := err.(openapi3.MultiError); ok {
		var out []*openapi3.SchemaError
		for _, e := range me {
			out = append(out, schemaErrors(e)...)
		}
		return out
	}
	if se, ok := err.(*openapi3.SchemaError); ok {
		return []*openapi3.SchemaError{se}
	}
	if u := errors.Unwrap(err); u != nil {
		return schemaErrors(u)
	}
	return nil
}

// schemaReason describes a schema error without its value: Reason is, by
// kin-openapi's own rule, free of the value; Error() is not.
func schemaReason(se *openapi3.SchemaError) string {
	// kin-openapi prints bounds with %g, so 999999999999999 reads as
	// 9.99999999999999e+14; spell integers out.
	if s := se.Schema; s != nil {
		switch {
		case se.SchemaField == "maximum" && s.Max != nil:
			return "number must be at most " + strconv.FormatFloat(*s.Max, 'f', -1, 64)
		case se.SchemaField == "minimum" && s.Min != nil:
			return "number must be at least " + strconv.FormatFloat(*s.Min, 'f', -1, 64)
		}
	}
	if se.Reason != "" {
		return se.Reason
	}
	if se.SchemaField != "" {
		return fmt.Sprintf("the value does not satisfy %q", se.SchemaField)
	}
	return "the value does not match the schema"
}

func pointer(se *openapi3.SchemaError) string {
	p := se.JSONPointer()
	if len(p) == 0 {
		return ""
	}
	var b strings.Builder
	for _, tok := range p {
		b.WriteByte('/')
		tok = strings.ReplaceAll(tok, "~", "~0")
		b.WriteString(strings.ReplaceAll(tok, "/", "~1"))
	}
	return b.String()
}

// appendResponseErr appends the violations an openapi3filter.ValidateResponse
// error stands for.
func appendResponseErr(vs Violations, viol func(Kind, string, string, string) Violation, ct string, status int, c openapi3.Content, err error) Violations {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		return append(vs, viol(KindBody, "", "", err.Error()))
	}
	switch {
	case strings.HasPrefix(re.Reason, "response header Content-Type has unexpected value"):
		return append(vs, viol(KindContentType, "Content-Type", "", contentTypeReason(ct, status, c)))
	case re.Reason == "status is not supported":
		return append(vs, viol(KindStatus, "", "", fmt.Sprintf("status %d is not documented", status)))
	case strings.HasPrefix(re.Reason, "failed to decode response body"):
		return append(vs, viol(KindBody, "", "", "the body cannot be decoded as "+strings.Join(mediaTypes(c), " or ")+": "+decodeReason(re.Err)))
	}
	if ses := schemaErrors(re.Err); len(ses) > 0 {
		for _, se := range ses {
			vs = append(vs, viol(KindBody, "", pointer(se), schemaReason(se)))
		}
		return vs
	}
	return append(vs, viol(KindBody, "", "", re.Error()))
}

// decodeReason keeps the JSON decoder's diagnosis (offset, unexpected
// character) but not ParseError's quoting of the value.
func decodeReason(err error) string {
	var pe *openapi3filter.ParseError
	if errors.As(err, &pe) {
		if rc := pe.RootCause(); rc != nil {
			return rc.Error()
		}
		if pe.Reason != "" {
			return pe.Reason
		}
		return "invalid syntax"
	}
	if err == nil {
		return "invalid syntax"
	}
	return err.Error()
}

// scrubViolations removes the values of the request's credential headers
// from every reason. Reasons are built not to contain them; this is the
// second line of defence against a library error quoting a header.
func scrubViolations(vs Violations, h http.Header) {
	secrets := SecretValues(h)
	if len(secrets) == 0 {
		return
	}
	for i := range vs {
		for _, s := range secrets {
			if strings.Contains(vs[i].Reason, s) {
				vs[i].Reason = strings.ReplaceAll(vs[i].Reason, s, gen.Redacted)
			}
		}
	}
}
