package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Error codes a caller branches on, through the Is* predicates. Every OMS.*
// code comes with status 400. A test checks that each is an example
// error_code in openapi.yaml.
const (
	CodeTaskNotFound           = "OMS.1009"   // no such task (sent with 400, not 404)
	CodeNotMigrating           = "OMS.0066"   // StopTask: not migrating, e.g. already pausing or paused
	CodeAlreadyFinished        = "OMS.0070"   // StopTask, StartTask: finished, can no longer be paused or started
	CodeAlreadyStarted         = "OMS.0065"   // StartTask: the task has already started
	CodeTaskInProgress         = "OMS.0063"   // DeleteTask: the task is running; pause it first
	CodeParametersMissing      = "OMS.1004"   // StartTask: required keys missing
	CodeAuthFailed             = "OMS.0068"   // OMS rejected the token
	CodeInsufficientPermission = "OMS.0072"   // the credentials do not cover the project or action
	CodeGatewayAuthFailed      = "APIGW.0301" // the gateway rejected the token or signature
	CodeGatewayAPINotFound     = "APIGW.0101" // no such API: wrong endpoint, path or method
	CodeGatewayBackend         = "APIGW.0201" // with 502 or 504: the gateway could not reach OMS, or OMS did not answer in time
)

// HeaderRequestID is the response header OMS and its gateway identify each
// answer with; Huawei Cloud support asks for it.
const HeaderRequestID = "X-Request-Id"

// MaxErrorBodyBytes caps how much of an error body CheckResponse reads, so
// that a proxy streaming an endless body cannot exhaust memory.
const MaxErrorBodyBytes = 1 << 20

// maxRawMessage bounds a Message taken from a raw body, which may be a whole
// HTML page from a proxy.
const maxRawMessage = 512

// APIError is a non-2xx answer from OMS or from the API gateway in front of
// it.
type APIError struct {
	StatusCode int    // HTTP status
	Code       string // OMS.xxxx or APIGW.xxxx; empty when the body carried none
	Message    string // the error message, or the raw body, shortened
	RequestID  string // X-Request-Id, to quote to Huawei Cloud support
}

// Error formats "oms: <status> <code>: <message> (request id <id>)",
// with control characters and runs of white space in each part replaced by
// one space, so that an answer cannot forge log lines. No other response
// header is included: headers may echo credentials.
func (e *APIError) Error() string {
	s := "oms: " + strconv.Itoa(e.StatusCode)
	switch {
	case e.Code != "":
		s += " " + clean(e.Code)
	case e.Message == "" && http.StatusText(e.StatusCode) != "":
		s += " " + http.StatusText(e.StatusCode)
	}
	if e.Message != "" {
		s += ": " + clean(e.Message)
	}
	if e.RequestID != "" {
		s += " (request id " + clean(e.RequestID) + ")"
	}
	return s
}

// CheckResponse returns nil for a 2xx response, leaving it untouched, and
// an *APIError from DecodeError for any other status. It reads at most
// MaxErrorBodyBytes of an error body, closes it and leaves r.Body reading
// the bytes read. A 3xx is an error too: every operation documents only 200 (the
// SDK counts every status below 400 as success).
func CheckResponse(r *http.Response) error {
	if r == nil {
		return errors.New("oms: nil response")
	}
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, MaxErrorBodyBytes))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return DecodeError(r.StatusCode, r.Header, body)
}

// CheckResult is CheckResponse for the result of any XxxWithResponse
// method, which returns err == nil for every status, answers outside the
// contract included (an HTML 502 from a proxy): pass its HTTPResponse and
// Body, as in CheckResult(r.HTTPResponse, r.Body).
//
// The XxxWithResponse methods themselves fail, with a JSON syntax error
// and no response, when a documented status carries a JSON content type
// but a body that is not JSON; Client's methods with CheckResponse give an
// *APIError in every case.
func CheckResult(r *http.Response, body []byte) error {
	if r == nil {
		return errors.New("oms: nil response")
	}
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	return DecodeError(r.StatusCode, r.Header, body[:min(len(body), MaxErrorBodyBytes)])
}

// DecodeError builds the *APIError for an answer with the given status,
// header and body, whatever the status. RequestID is the X-Request-Id
// header. Code and Message come from the body, ignoring its content type
// (gateways mislabel bodies), by these rules:
//
//  1. The body must be one JSON object; anything else (HTML, an array,
//     text, an object followed by more data) leaves Code empty.
//  2. In that object, a pair error_code + error_msg, else code + message,
//     counts when both members are non-empty strings. Numeric members are
//     ignored. These are the SDK's rules, so
//     {"error_code":"OMS.0072","error_msg":"","code":"APIGW.0301","message":"m"}
//     gives APIGW.0301.
//  3. Failing that, nested objects are searched the same way, depth first,
//     in sorted key order, and the first pair found wins. The SDK searches
//     in Go map order, which is random, and keeps the last pair it finds;
//     ours is deterministic.
//  4. Failing that, a top-level error_code that is a non-empty string is
//     still the Code (the contract's Error schema allows an empty
//     error_msg). The SDK leaves the code empty here; we keep it so that a
//     caller can still branch on it.
//  5. Message is the message of the pair. Without a pair it is the raw body
//     with control characters and white space runs made single spaces, cut
//     to 512 bytes (the SDK keeps the whole body).
//
// A member that appears twice counts with its last value, as encoding/json
// decodes it: {"error_code":"A","error_code":"B","error_msg":"m"} gives B.
func DecodeError(status int, header http.Header, body []byte) *APIError {
	e := &APIError{StatusCode: status, RequestID: header.Get(HeaderRequestID)}
	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		e.Code, e.Message = findPair(obj)
		if e.Code == "" {
			e.Code, _ = obj["error_code"].(string)
		}
	}
	if e.Message == "" {
		e.Message = clean(string(body))
		if len(e.Message) > maxRawMessage {
			e.Message = strings.ToValidUTF8(e.Message[:maxRawMessage], "")
		}
	}
	return e
}

// findPair applies rules 2 and 3 of DecodeError.
func findPair(obj map[string]any) (code, msg string) {
	for _, names := range [][2]string{{"error_code", "error_msg"}, {"code", "message"}} {
		code, _ = obj[names[0]].(string)
		msg, _ = obj[names[1]].(string)
		if code != "" && msg != "" {
			return code, msg
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if nested, ok := obj[k].(map[string]any); ok {
			if code, msg = findPair(nested); code != "" {
				return code, msg
			}
		}
	}
	return "", ""
}

// clean replaces invalid UTF-8, control characters and runs of white space
// with single spaces and trims the ends.
func clean(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, " "), func(r rune) bool {
		return unicode.IsSpace(r) || !unicode.IsPrint(r)
	}), " ")
}

// is reports whether err wraps a non-nil *APIError that satisfies match.
func is(err error, match func(*APIError) bool) bool {
	e, ok := errors.AsType[*APIError](err)
	return ok && e != nil && match(e)
}

// IsNotFound reports whether err is OMS.1009: there is no such task. A 404
// means something else, see IsNoSuchAPI.
func IsNotFound(err error) bool {
	return is(err, func(e *APIError) bool { return e.Code == CodeTaskNotFound })
}

// IsNoSuchAPI reports whether err is a 404 or APIGW.0101: the gateway knows
// no such API, so the endpoint, path or method is wrong — not the task.
func IsNoSuchAPI(err error) bool {
	return is(err, func(e *APIError) bool { return e.StatusCode == http.StatusNotFound || e.Code == CodeGatewayAPINotFound })
}

// IsNotMigrating reports whether err is OMS.0066: the task is not
// migrating, for example because it is already paused, which callers
// usually treat as success.
func IsNotMigrating(err error) bool {
	return is(err, func(e *APIError) bool { return e.Code == CodeNotMigrating })
}

// IsAlreadyStarted reports whether err is OMS.0065: StartTask found the
// task started already.
func IsAlreadyStarted(err error) bool {
	return is(err, func(e *APIError) bool { return e.Code == CodeAlreadyStarted })
}

// IsInProgress reports whether err is OMS.0063: DeleteTask found the task
// running; pause it and wait until it is stopped (StopAndWait).
func IsInProgress(err error) bool {
	return is(err, func(e *APIError) bool { return e.Code == CodeTaskInProgress })
}

// IsAlreadyFinished reports whether err is OMS.0070: the task has finished.
func IsAlreadyFinished(err error) bool {
	return is(err, func(e *APIError) bool { return e.Code == CodeAlreadyFinished })
}

// IsUnauthorized reports whether the credentials themselves were rejected:
// a 401, or APIGW.0301 or OMS.0068 under any status; not a permission the
// credentials lack (400 OMS.0072, 403 APIGW.0302).
func IsUnauthorized(err error) bool {
	return is(err, func(e *APIError) bool {
		return e.StatusCode == http.StatusUnauthorized || e.Code == CodeGatewayAuthFailed || e.Code == CodeAuthFailed
	})
}

// IsRetryable reports whether the call may be sent again later, with
// backoff: 429 (throttled), 503 (unavailable), or a 502 or 504 with
// APIGW.0201 (the gateway could not reach OMS, or OMS did not answer it in
// time). After a 504 OMS may have applied the call all the same: a retried
// stop may then find the task pausing (OMS.0066, which StopAndWait takes as
// done), a retried delete may find it gone (OMS.1009). A 502 or 504 without
// that code (an HTML page from another proxy) is not retryable.
func IsRetryable(err error) bool {
	return is(err, func(e *APIError) bool {
		return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable ||
			(e.StatusCode == http.StatusBadGateway || e.StatusCode == http.StatusGatewayTimeout) && e.Code == CodeGatewayBackend
	})
}
