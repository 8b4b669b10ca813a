package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/oms-contract/stoptask/gen"
)

// authError is why one security scheme did not authenticate a request. Its
// reason never contains a header value: it ends up in violations and logs.
type authError struct {
	header  string // the header the scheme reads
	present bool   // the header was sent, so the client meant this scheme
	reason  string
}

func (e *authError) Error() string { return e.reason }

// authenticate is the openapi3filter.AuthenticationFunc of the validator. It
// checks each scheme for form only; see Validator.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	return checkScheme(in.SecurityScheme, in.SecuritySchemeName, in.RequestValidationInput.Request)
}

// checkScheme checks req against one security scheme, named name. The fast
// path calls it directly: it depends on nothing but its arguments.
func checkScheme(s *openapi3.SecurityScheme, name string, req *http.Request) error {
	if s == nil || s.Type != "apiKey" || s.In != "header" {
		return &authError{reason: fmt.Sprintf("security scheme %q is not supported by the validator", name)}
	}
	switch http.CanonicalHeaderKey(s.Name) {
	case gen.HeaderAuthToken:
		return checkToken(req.Header)
	case gen.HeaderAuthorization:
		return checkSignature(req)
	}
	header := http.CanonicalHeaderKey(s.Name)
	if req.Header.Get(header) == "" {
		return &authError{header: header, reason: header + " is missing"}
	}
	return nil
}

// checkToken checks X-Auth-Token for form: one value of 1 to
// gen.MaxTokenLength bytes. The spec says "1 to 16384 characters"; the
// limit is counted in bytes, as gen.WithToken, the mock and the suite
// count it, so that the validator never admits a token the client refuses
// to send. IAM tokens are ASCII, where characters and bytes are the same.
func checkToken(h http.Header) error {
	vals := h.Values(gen.HeaderAuthToken)
	if len(vals) == 1 && vals[0] != "" && len(vals[0]) <= gen.MaxTokenLength {
		return nil
	}
	e := &authError{header: gen.HeaderAuthToken, present: len(vals) > 0}
	switch {
	case len(vals) == 0:
		e.reason = gen.HeaderAuthToken + " is missing"
	case len(vals) > 1:
		e.reason = fmt.Sprintf("%s must appear once, got %d values", gen.HeaderAuthToken, len(vals))
	case vals[0] == "":
		e.reason = gen.HeaderAuthToken + " is empty"
	default:
		e.reason = fmt.Sprintf("%s is %d bytes long, the limit is %d", gen.HeaderAuthToken, len(vals[0]), gen.MaxTokenLength)
	}
	return e
}

func checkSignature(req *http.Request) error {
	vals := req.Header.Values(gen.HeaderAuthorization)
	e := &authError{header: gen.HeaderAuthorization, present: len(vals) > 0}
	if len(vals) == 0 {
		e.reason = gen.HeaderAuthorization + " is missing"
		return e
	}
	if len(vals) > 1 {
		e.reason = fmt.Sprintf("%s must appear once, got %d values", gen.HeaderAuthorization, len(vals))
		return e
	}
	sig, err := gen.ParseAuthorization(vals[0])
	if err != nil {
		// gen.ParseAuthorization never quotes its input; scrubbing later
		// covers it anyway.
		e.reason = "Authorization is not a well-formed " + gen.SignAlgorithm +
			" value (want `" + gen.SignAlgorithm + " Access=<AK>, SignedHeaders=<h1;h2>, Signature=<64 hex>`): " + err.Error()
		return e
	}
	// gen.SdkDate is what a verifying server (the mock) reads the date
	// with: one value, in SdkDateFormat, that formats back to itself
	// (time.Parse alone admits "20261127T022808.5Z", which is not what
	// was signed). Using it keeps the two verdicts the same.
	if _, err := gen.SdkDate(req); err != nil {
		switch n := len(req.Header.Values(gen.HeaderSdkDate)); {
		case n == 0 && errors.Is(err, gen.ErrMissingDate):
			e.reason = "an " + gen.SignAlgorithm + " signature needs " + gen.HeaderSdkDate + ", which is missing"
		case n > 1:
			e.reason = fmt.Sprintf("%s must appear once, got %d values", gen.HeaderSdkDate, n)
		default:
			e.reason = fmt.Sprintf("%s is not one value in the %s format", gen.HeaderSdkDate, gen.SdkDateFormat)
		}
		return e
	}
	if !slices.Contains(sig.SignedHeaders, strings.ToLower(gen.HeaderSdkDate)) {
		e.reason = gen.HeaderSdkDate + " is not among the SignedHeaders"
		return e
	}
	for _, name := range sig.SignedHeaders {
		present := len(req.Header.Values(name)) > 0
		if name == "host" {
			present = req.Host != "" || req.URL.Host != ""
		}
		if !present {
			e.reason = fmt.Sprintf("the signed header %q is missing from the request", name)
			return e
		}
	}
	return nil
}

// authViolation folds the per-scheme failures into the violation a person
// needs: what is wrong with the credentials they sent, or that they sent
// none.
func authViolation(op string, errs []error) Violations {
	var vs Violations
	var unknown []string
	for _, err := range errs {
		var ae *authError
		if !errors.As(err, &ae) {
			unknown = append(unknown, err.Error())
			continue
		}
		if ae.present {
			vs = append(vs, Violation{Operation: op, Direction: DirectionRequest, Kind: KindAuth, Name: ae.header, Reason: ae.reason})
		}
	}
	if len(vs) > 0 {
		return vs
	}
	reason := "no credentials: send " + gen.HeaderAuthToken + " (an IAM token) or an " + gen.SignAlgorithm +
		" Authorization header with " + gen.HeaderSdkDate
	if len(unknown) > 0 {
		reason += " (" + strings.Join(unknown, "; ") + ")"
	}
	return Violations{{Operation: op, Direction: DirectionRequest, Kind: KindAuth, Reason: reason}}
}
