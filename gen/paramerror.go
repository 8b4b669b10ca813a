package gen

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
)

// The generated std-http and strict servers answer a parameter they cannot
// bind with http.Error, that is text/plain and no X-Request-Id, which breaks
// the contract: every error answer is the JSON Error schema with a request
// ID. The handlers in this file restore the contract; wire them in with
//
//	strict := NewStrictHandlerWithOptions(impl, nil, StrictHTTPServerOptions{
//		RequestErrorHandlerFunc:  ParamErrorHandler,
//		ResponseErrorHandlerFunc: ResponseErrorHandler,
//	})
//	h := HandlerWithOptions(strict, StdHTTPServerOptions{ErrorHandlerFunc: ParamErrorHandler})

// NewRequestID returns a fresh request ID: 32 lower-case hex characters
// from crypto/rand, the shape OMS uses.
func NewRequestID() string {
	var b [16]byte
	// crypto/rand.Read never fails; it crashes the program if the system
	// random source is broken.
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WriteError writes an error answer in the contract's shape: the Error JSON
// body, Content-Type application/json, and an X-Request-Id header. An empty
// requestID gets a fresh one from NewRequestID. A status outside 100..999,
// which net/http would panic on, is answered as 500.
func WriteError(w http.ResponseWriter, status int, code, msg, requestID string) {
	if requestID == "" {
		requestID = NewRequestID()
	}
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	var buf bytes.Buffer
	// Encoding a struct of two strings cannot fail.
	_ = json.NewEncoder(&buf).Encode(Error{ErrorCode: code, ErrorMsg: msg})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(HeaderRequestID, requestID)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// ParamErrorHandler answers a request whose parameters the generated server
// could not bind with 400 and the contract's Error body: OMS.0054 for a bad
// task_id, OMS.0064 for anything else. The message names the parameter but
// does not echo its value or the parser's internals.
//
// It suits both StdHTTPServerOptions.ErrorHandlerFunc and
// StrictHTTPServerOptions.RequestErrorHandlerFunc. It reuses an
// X-Request-Id already set on w (by a request-ID middleware, say) and
// generates one otherwise.
func ParamErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	name := printable(paramName(err), 64)
	code, msg := CodeInvalidParameters, "Invalid request parameters."
	switch name {
	case "task_id":
		code, msg = CodeInvalidTaskID, "Invalid task ID: path parameter task_id must be an integer (int64)."
	case "":
	default:
		msg = "Invalid request parameters: parameter " + name + " is invalid."
	}
	WriteError(w, http.StatusBadRequest, code, msg, w.Header().Get(HeaderRequestID))
}

// ResponseErrorHandler answers 500 with OMS.0159 when a strict handler
// returns an error or its response cannot be written. The error itself is
// not sent, since it may carry internal detail; log it in a middleware if
// needed. It suits StrictHTTPServerOptions.ResponseErrorHandlerFunc.
func ResponseErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, http.StatusInternalServerError, CodeSystemError, "System error.", w.Header().Get(HeaderRequestID))
}

// paramName digs the parameter name out of the generated error types. The
// generated Unwrap methods dereference their receiver, so a typed nil in
// the chain would panic inside errors.AsType; it counts as no name instead.
func paramName(err error) (name string) {
	defer func() {
		if recover() != nil {
			name = ""
		}
	}()
	if e, ok := errors.AsType[*InvalidParamFormatError](err); ok && e != nil {
		return e.ParamName
	}
	if e, ok := errors.AsType[*RequiredParamError](err); ok && e != nil {
		return e.ParamName
	}
	if e, ok := errors.AsType[*RequiredHeaderError](err); ok && e != nil {
		return e.ParamName
	}
	if e, ok := errors.AsType[*UnmarshalingParamError](err); ok && e != nil {
		return e.ParamName
	}
	if e, ok := errors.AsType[*TooManyValuesForParamError](err); ok && e != nil {
		return e.ParamName
	}
	if e, ok := errors.AsType[*UnescapedCookieParamError](err); ok && e != nil {
		return e.ParamName
	}
	return ""
}
