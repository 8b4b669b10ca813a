package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error codes a StopTask caller is expected to branch on. The OMS codes come
// from the OMS API reference; the APIGW codes from the API gateway in front
// of OMS, which answers before OMS sees the request.
const (
	// CodeTaskNotFound means there is no such task (HTTP 400, not 404).
	CodeTaskNotFound = "OMS.1009"
	// CodeNotMigrating means the task is not migrating, so it cannot be
	// paused; an already paused task gets this code too, which is why
	// callers usually treat it as success.
	CodeNotMigrating = "OMS.0066"
	// CodeAlreadyFinished means the task has finished and can no longer be
	// started or paused.
	CodeAlreadyFinished = "OMS.0070"
	// CodeInvalidTaskID means the task_id path parameter is invalid.
	CodeInvalidTaskID = "OMS.0054"
	// CodeInvalidParameters means some other request parameter is invalid.
	CodeInvalidParameters = "OMS.0064"
	// CodeAuthFailed means OMS itself rejected the credentials.
	CodeAuthFailed = "OMS.0068"
	// CodeInsufficientPermission means the credentials lack oms:task:update.
	CodeInsufficientPermission = "OMS.0072"
	// CodeSystemError is OMS's catch-all internal error.
	CodeSystemError = "OMS.0159"
	// CodeGatewayAuthFailed is the gateway's answer to a bad or expired
	// token or signature.
	CodeGatewayAuthFailed = "APIGW.0301"
	// CodeGatewayThrottled is the gateway's throttling answer.
	CodeGatewayThrottled = "APIGW.0308"
	// CodeGatewayAPINotFound is the gateway's answer to a request that
	// names no published API: an unknown path (404) or a known path with
	// another method (405).
	CodeGatewayAPINotFound = "APIGW.0101"
)

const (
	// MaxErrorBodyBytes caps how much of an error body CheckResponse reads,
	// so that a misbehaving proxy streaming an endless body cannot exhaust
	// memory.
	MaxErrorBodyBytes = 1 << 20
	// maxFallbackMessage bounds a message taken from a raw body, which can
	// be a whole HTML page from a gateway.
	maxFallbackMessage = 512
	// maxErrorNesting bounds the search for a nested code/message pair.
	maxErrorNesting = 8
)

// APIError is a non-2xx answer from OMS or from the API gateway in front of
// it.
//
// The generated client does not return an error for an error status: a 400
// comes back with err == nil and JSON400 set, and an answer the contract
// does not describe (an HTML 502 from a proxy, a 400 with a body that is
// not the Error schema) comes back with err == nil and every JSONxxx field
// nil. CheckResponse and CheckStopTaskResponse turn such answers into an
// *APIError so that callers can use ordinary error handling and the Is*
// helpers below.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code is the error code (OMS.xxxx or APIGW.xxxx); empty when the body
	// carried none, for example a gateway's HTML page.
	Code string
	// Message is the human-readable message. When the body carries no
	// message it is the body itself, trimmed, made printable and cut to 512
	// bytes.
	Message string
	// RequestID is the X-Request-Id response header, to quote to Huawei
	// Cloud support.
	RequestID string
	// Body is the raw body, at most MaxErrorBodyBytes of it.
	Body []byte
	// BodyTruncated reports that the body was longer than
	// MaxErrorBodyBytes and Body holds only its beginning.
	BodyTruncated bool
}

// Error formats the error as "oms: <status> <code>: <message> (request id
// <id>)". It deliberately includes no response header other than the
// request ID, since headers may echo credentials.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("oms: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	switch {
	case e.Code != "":
		b.WriteString(" ")
		b.WriteString(e.Code)
	case e.Message == "":
		if text := http.StatusText(e.StatusCode); text != "" {
			b.WriteString(" ")
			b.WriteString(text)
		}
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// CheckResponse returns nil for a 2xx response, leaving its body untouched,
// and an *APIError for any other status.
//
// For a non-2xx response it reads at most MaxErrorBodyBytes of the body,
// closes the original body and replaces r.Body with a reader over the bytes
// it read, so that a caller can still look at them. A body that cannot be
// read in full yields an *APIError built from what was read.
func CheckResponse(r *http.Response) error {
	if r == nil {
		return errors.New("oms: nil HTTP response")
	}
	if is2xx(r.StatusCode) {
		return nil
	}
	var body []byte
	truncated := false
	if r.Body != nil {
		// Read one byte past the cap to learn whether the body was cut.
		data, _ := io.ReadAll(io.LimitReader(r.Body, MaxErrorBodyBytes+1))
		_ = r.Body.Close()
		if len(data) > MaxErrorBodyBytes {
			data, truncated = data[:MaxErrorBodyBytes], true
		}
		body = data
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return newAPIError(r.StatusCode, r.Header, body, truncated)
}

// CheckStopTaskResponse does what CheckResponse does for the result of
// ClientWithResponses.StopTaskWithResponse, which has already read the
// whole body into r.Body. It exists because StopTaskWithResponse returns a
// nil error for every status, including answers outside the contract.
//
// Note that StopTaskWithResponse itself fails, with a JSON syntax error and
// no response, when a documented error status arrives with a JSON content
// type but a body that is not JSON. Callers who need an *APIError in every
// case should use Client.StopTask and CheckResponse.
func CheckStopTaskResponse(r *StopTaskResponse) error {
	if r == nil || r.HTTPResponse == nil {
		return errors.New("oms: nil StopTask response")
	}
	if is2xx(r.HTTPResponse.StatusCode) {
		return nil
	}
	body, truncated := r.Body, false
	if len(body) > MaxErrorBodyBytes {
		body, truncated = body[:MaxErrorBodyBytes], true
	}
	// Copy, so that the error does not pin or alias the caller's buffer.
	return newAPIError(r.HTTPResponse.StatusCode, r.HTTPResponse.Header, bytes.Clone(body), truncated)
}

func is2xx(status int) bool { return status >= 200 && status <= 299 }

// newAPIError decodes body the way the official Huawei Cloud SDK does, and
// a little more tolerantly: it ignores the content type (gateways mislabel
// bodies), accepts numbers where strings are expected, and falls back to
// the raw body as message.
func newAPIError(status int, header http.Header, body []byte, truncated bool) *APIError {
	e := &APIError{
		StatusCode:    status,
		RequestID:     printable(header.Get(HeaderRequestID), maxFallbackMessage),
		Body:          body,
		BodyTruncated: truncated,
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) == nil {
		if obj, ok := doc.(map[string]any); ok {
			code, msg := findCodeAndMessage(obj, 0)
			if code == "" && msg == "" {
				// No complete pair anywhere: keep whatever the top level
				// offers rather than losing a lone code.
				code = firstScalar(obj, "error_code", "code")
				msg = firstScalar(obj, "error_msg", "message")
			}
			e.Code = printable(code, maxFallbackMessage)
			e.Message = printable(msg, maxFallbackMessage)
		}
	}
	if e.Message == "" {
		e.Message = printable(string(body), maxFallbackMessage)
	}
	return e
}

// findCodeAndMessage looks for a complete pair: error_code/error_msg, then
// code/message, then the same in nested objects, in sorted key order so
// that the result does not depend on map iteration.
func findCodeAndMessage(obj map[string]any, depth int) (code, msg string) {
	for _, keys := range [][2]string{{"error_code", "error_msg"}, {"code", "message"}} {
		code, msg = scalar(obj[keys[0]]), scalar(obj[keys[1]])
		if code != "" && msg != "" {
			return code, msg
		}
	}
	if depth >= maxErrorNesting {
		return "", ""
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if nested, ok := obj[k].(map[string]any); ok {
			if code, msg = findCodeAndMessage(nested, depth+1); code != "" {
				return code, msg
			}
		}
	}
	return "", ""
}

func firstScalar(obj map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := scalar(obj[k]); s != "" {
			return s
		}
	}
	return ""
}

// scalar returns strings as they are and numbers in their JSON spelling;
// some gateways send numeric codes.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// printable makes s safe to put in an error string or a log line: invalid
// UTF-8 and control characters become spaces, runs of white space collapse
// to one, and the result is cut to at most max bytes on a rune boundary.
func printable(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			if b.Len()+1 > max {
				break
			}
			b.WriteByte(' ')
			space = false
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// apiError finds a non-nil *APIError in err's chain.
func apiError(err error) (*APIError, bool) {
	e, ok := errors.AsType[*APIError](err)
	return e, ok && e != nil
}

// hasCode reports whether err wraps an *APIError with one of codes.
func hasCode(err error, codes ...string) bool {
	e, ok := apiError(err)
	return ok && slices.Contains(codes, e.Code)
}

// hasStatus reports whether err wraps an *APIError with one of statuses.
func hasStatus(err error, statuses ...int) bool {
	e, ok := apiError(err)
	return ok && slices.Contains(statuses, e.StatusCode)
}

// IsNotFound reports whether err wraps an *APIError saying the task does
// not exist (OMS.1009, which OMS sends as 400) or any HTTP 404.
func IsNotFound(err error) bool {
	return hasCode(err, CodeTaskNotFound) || hasStatus(err, http.StatusNotFound)
}

// IsNotMigrating reports whether err wraps an *APIError with OMS.0066: the
// task is not migrating, for example because it is already paused.
func IsNotMigrating(err error) bool { return hasCode(err, CodeNotMigrating) }

// IsAlreadyFinished reports whether err wraps an *APIError with OMS.0070:
// the task has finished and can no longer be paused.
func IsAlreadyFinished(err error) bool { return hasCode(err, CodeAlreadyFinished) }

// IsUnauthorized reports whether err wraps an *APIError rejecting the
// credentials themselves (HTTP 401, APIGW.0301 or OMS.0068), as opposed to
// a permission the credentials lack (403 OMS.0072).
func IsUnauthorized(err error) bool {
	return hasStatus(err, http.StatusUnauthorized) || hasCode(err, CodeGatewayAuthFailed, CodeAuthFailed)
}

// IsRetryable reports whether err wraps an *APIError that the contract says
// to retry later with backoff: HTTP 429 or 503, or the gateway's throttling
// code. Other errors, including 400s, must not be retried as they are.
func IsRetryable(err error) bool {
	return hasStatus(err, http.StatusTooManyRequests, http.StatusServiceUnavailable) ||
		hasCode(err, CodeGatewayThrottled)
}
