package mock

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/oms-contract/stoptask/gen"
)

// MaxRequestBodyBytes bounds the request body the mock reads. StopTask takes
// no body, so anything non-empty is refused anyway; the bound only keeps a
// client streaming an endless body from holding the handler.
const MaxRequestBodyBytes = 64 << 10

// stopPath is the operation's path as net/http patterns spell it.
const stopPath = "/v2/{project_id}/tasks/{task_id}/stop"

// Answers that do not come from the task state. The 404 message is the
// gateway's own; OMS answers an unknown path at the gateway, before any
// authentication.
const (
	msgAPINotFound  = "The API does not exist or has not been published in the environment."
	msgMethod       = "The API does not exist or has not been published in the environment: StopTask only allows POST."
	msgBodyTooLarge = "Invalid request parameters: the request body is too large or unreadable."
	msgBodyPresent  = "Invalid request parameters: StopTask takes no request body."
	msgQueryPresent = "Invalid request parameters: StopTask takes no query parameters."
	msgSystemError  = "System error."
	msgTaskNotFound = "The resource does not exist."
	msgNotMigrating = "Failed to pause the task because it is not in the migrating state."
	msgFinished     = "The task has been completed and cannot be started or paused."
	msgInvalidTask  = "Invalid task ID: task_id must be an integer in 0..999999999999999."
	msgInvalidProj  = "Invalid request parameters: project_id must be 1..1024 characters."
	msgForbidden    = "Insufficient permission."
	msgNotAuthed    = "Incorrect IAM authentication information: the request was not authenticated."
)

type requestIDKey struct{}

// requestID returns the ID the outermost layer gave the request; a handler
// called without it (StopTask from Go) gets a fresh one.
func requestID(ctx context.Context) string {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok && id != "" {
		return id
	}
	return gen.NewRequestID()
}

// Handler returns the mock's full HTTP stack:
//
//	request ID + panic guard
//	→ contract validation middleware, strict mode
//	→ routing (404/405 as Error bodies), body limit, authentication,
//	  refusal of a query string or a body
//	→ generated std-http handler → generated strict handler → Mock.StopTask
//
// It is the same handler for every call and is safe for concurrent use.
func (m *Mock) Handler() http.Handler { return m.handler }

// outer gives every request its X-Request-Id before anything can answer, so
// that every answer, from any layer, carries it; and turns a panic into the
// contract's 500 rather than a dropped connection.
func (m *Mock) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		id := gen.NewRequestID()
		w.Header().Set(gen.HeaderRequestID, id)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				// Headers may already be out; writing again is then a no-op
				// logged by net/http, which is the best that can be done.
				gen.WriteError(w, http.StatusInternalServerError, gen.CodeSystemError, msgSystemError, id)
			}
		}()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// inner routes, reads the body, authenticates and hands over to the
// generated handler. It repeats checks the contract middleware makes
// (unknown path, wrong method, body present) so that the mock stays correct
// on its own. The X-Request-Id set by the outer layer survives the contract
// middleware, which hands its headers down.
func (m *Mock) inner() http.Handler {
	generated := gen.HandlerWithOptions(
		gen.NewStrictHandlerWithOptions(m, nil, gen.StrictHTTPServerOptions{
			RequestErrorHandlerFunc:  gen.ParamErrorHandler,
			ResponseErrorHandlerFunc: gen.ResponseErrorHandler,
		}),
		gen.StdHTTPServerOptions{ErrorHandlerFunc: gen.ParamErrorHandler},
	)
	mux := http.NewServeMux()
	mux.Handle("POST "+stopPath, m.authenticated(generated))
	mux.HandleFunc(stopPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		gen.WriteError(w, http.StatusMethodNotAllowed, gen.CodeGatewayAPINotFound, msgMethod, requestID(r.Context()))
	})
	mux.HandleFunc("/", notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux answers an unclean path ("//", "/./", "/../") with a
		// redirect, which is not an answer the contract knows; such a path
		// names no API, so it is a 404 like any other.
		if !isCleanPath(r.URL.Path) || r.Method == http.MethodConnect {
			notFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func notFound(w http.ResponseWriter, r *http.Request) {
	gen.WriteError(w, http.StatusNotFound, gen.CodeGatewayAPINotFound, msgAPINotFound, requestID(r.Context()))
}

func isCleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// authenticated reads the (bounded) body, which AK/SK verification hashes,
// authenticates the caller, then refuses a query string and a body.
//
// The order of the answers is not simply "bad credentials first". The
// contract middleware in front of the mock (see Handler) runs before this
// and checks credentials for form only: a request whose credentials are
// missing or malformed gets its 401 there, ahead of any other fault, but a
// request with well-formed yet wrong credentials (an unknown token, a bad
// signature) passes it, and any fault the middleware sees wins: an unknown
// path (404), another method (405), a bad task_id or project_id (400) and a
// body (400 OMS.0064; so a body added after signing gets 400, not 401).
// What reaches this point has a valid path and no body the middleware
// objected to; here wrong credentials are a 401, checked before the query
// and body refusals below, as the gateway authenticates before OMS looks at
// the request.
//
// StopTask declares no query parameters, so any query is refused with 400
// OMS.0064 before the task is touched: a request such as
// ".../stop?task_id=1" must not stop a task while the caller believes it
// named another. A bare "?" carries no parameter and is accepted. The
// contract's validator deliberately does not flag unknown query parameters
// (gateways may add harmless ones); this refusal is the mock's, as OMS's.
func (m *Mock) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestID(r.Context())
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBodyBytes))
		if err != nil {
			gen.WriteError(w, http.StatusBadRequest, gen.CodeInvalidParameters, msgBodyTooLarge, id)
			return
		}
		p, failure := m.authenticate(r, body)
		if failure != "" {
			m.unauthorized.Add(1)
			gen.WriteError(w, http.StatusUnauthorized, CodeGatewayAuthFailed, failure, id)
			return
		}
		if r.URL.RawQuery != "" {
			gen.WriteError(w, http.StatusBadRequest, gen.CodeInvalidParameters, msgQueryPresent, id)
			return
		}
		if len(body) > 0 {
			gen.WriteError(w, http.StatusBadRequest, gen.CodeInvalidParameters, msgBodyPresent, id)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
	})
}

// StopTask implements gen.StrictServerInterface: it applies the state
// machine to the task and answers as OMS does. The generated code has
// already parsed the path; the range checks below are the contract's limits,
// which the generated binder does not enforce.
func (m *Mock) StopTask(ctx context.Context, req gen.StopTaskRequestObject) (gen.StopTaskResponseObject, error) {
	id := requestID(ctx)
	if m.respond != nil {
		return m.respond(req, id), nil
	}
	switch {
	case req.TaskId < 0 || req.TaskId > MaxTaskID:
		return badRequest(id, gen.CodeInvalidTaskID, msgInvalidTask), nil
	case req.ProjectId == "" || len(req.ProjectId) > MaxProjectIDLength:
		return badRequest(id, gen.CodeInvalidParameters, msgInvalidProj), nil
	}
	p, ok := principalFrom(ctx)
	if !ok {
		// Only a Go caller bypassing Handler gets here.
		m.unauthorized.Add(1)
		return gen.StopTask401JSONResponse{UnauthorizedJSONResponse: gen.UnauthorizedJSONResponse{
			Body:    gen.Error{ErrorCode: CodeGatewayAuthFailed, ErrorMsg: msgNotAuthed},
			Headers: gen.UnauthorizedResponseHeaders{XRequestId: id},
		}}, nil
	}
	if !p.scope.covers(req.ProjectId) {
		m.forbidden.Add(1)
		return gen.StopTask403JSONResponse{ForbiddenJSONResponse: gen.ForbiddenJSONResponse{
			Body:    gen.Error{ErrorCode: gen.CodeInsufficientPermission, ErrorMsg: msgForbidden},
			Headers: gen.ForbiddenResponseHeaders{XRequestId: id},
		}}, nil
	}
	switch m.stop(req.ProjectId, req.TaskId) {
	case stopAccepted:
		m.stops.Add(1)
		return gen.StopTask200Response{Headers: gen.StopTask200ResponseHeaders{XRequestId: id}}, nil
	case stopFinished:
		m.refused.Add(1)
		return badRequest(id, gen.CodeAlreadyFinished, msgFinished), nil
	case stopNotFound:
		m.refused.Add(1)
		return badRequest(id, gen.CodeTaskNotFound, msgTaskNotFound), nil
	case stopNotMigrating:
		m.refused.Add(1)
		return badRequest(id, gen.CodeNotMigrating, msgNotMigrating), nil
	}
	return nil, errors.New("mock: unhandled stop outcome")
}

func badRequest(id, code, msg string) gen.StopTaskResponseObject {
	return gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{
		Body:    gen.Error{ErrorCode: code, ErrorMsg: msg},
		Headers: gen.BadRequestResponseHeaders{XRequestId: id},
	}}
}
