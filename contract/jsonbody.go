package contract

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// The checks below hold JSON answers to what JSON is (RFC 8259) where
// kin-openapi is lenient, for the documented responses of an operation
// (Exchange.ValidateResponse) and for the shared error answer
// (ValidateErrorAnswer) alike, so that both paths give one verdict:
//
//   - kin-openapi's JSONBodyDecoder reads the first JSON value with
//     json.Decoder.Decode and ignores whatever follows, so an Error object
//     followed by an HTML page (a proxy appending its own 502) passed;
//   - encoding/json turns invalid UTF-8 into U+FFFD instead of failing, so a
//     body in Latin-1 passed;
//   - kin-openapi matches a Content-Type by cutting it at the first ';', so
//     malformed parameters and a charset other than UTF-8 passed, and it
//     reads only the first of several Content-Type values.
//
// They run before the fast path and before kin-openapi, so the fast path
// stays exactly as strict as kin-openapi behind them.

// jsonContentType parses a Content-Type the way a JSON answer must carry
// it: one well-formed media type (mime.ParseMediaType), and no charset
// other than utf-8, since JSON exchanged between systems is UTF-8
// (RFC 8259, section 8.1). It returns the lowercased media type, and ok
// false when the header is malformed or names another charset.
func jsonContentType(ct string) (mediaType string, ok bool) {
	// The usual spellings, decided without mime.ParseMediaType's
	// allocations: they are what nearly every server sends.
	switch {
	case strings.EqualFold(ct, "application/json"),
		strings.EqualFold(ct, "application/json; charset=utf-8"),
		strings.EqualFold(ct, "application/json;charset=utf-8"):
		return "application/json", true
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", false
	}
	if cs, has := params["charset"]; has && !strings.EqualFold(cs, "utf-8") {
		return mt, false
	}
	return mt, true
}

// isJSONMediaType reports whether a Content-Type names JSON
// (application/json or a +json type), judged as leniently as kin-openapi
// matches it, so that every Content-Type kin-openapi would decode as JSON
// gets the strict checks.
func isJSONMediaType(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	base = strings.TrimSpace(base)
	const suffix = "+json"
	return strings.EqualFold(base, "application/json") ||
		(len(base) > len(suffix) && strings.EqualFold(base[len(base)-len(suffix):], suffix))
}

// jsonBodyProblem says why body is not exactly one JSON value in UTF-8, or
// returns "" when it is. json.Valid and utf8.Valid do not allocate.
func jsonBodyProblem(body []byte) string {
	if !json.Valid(body) {
		// Only a broken body pays for the diagnosis; json.Unmarshal
		// validates the whole input, trailing data included, before
		// decoding anything.
		var raw json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			return jsonReason(err)
		}
		return "invalid JSON"
	}
	if !utf8.Valid(body) {
		return invalidUTF8
	}
	return ""
}

// invalidUTF8 is the reason given for a JSON body that is not UTF-8.
const invalidUTF8 = "invalid UTF-8 (JSON is UTF-8, RFC 8259)"

// checkContentTypeOnce reports a Content-Type sent more than once: a
// recipient may read either value (kin-openapi and http.Header.Get read
// the first, a browser may read the last), so the answer has no single
// media type.
func checkContentTypeOnce(vs Violations, viol func(Kind, string, string, string) Violation, header http.Header) Violations {
	if n := len(header.Values("Content-Type")); n > 1 {
		vs = append(vs, viol(KindContentType, "Content-Type", "", fmt.Sprintf("the header must appear once, got %d values", n)))
	}
	return vs
}
