package mock_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// rawResponse is a StopTask answer written verbatim, to break the contract
// in ways the generated response types cannot.
type rawResponse struct {
	status      int
	contentType string
	requestID   string
	body        string
}

func (r rawResponse) VisitStopTaskResponse(w http.ResponseWriter) error {
	if r.contentType != "" {
		w.Header().Set("Content-Type", r.contentType)
	}
	w.Header().Set(gen.HeaderRequestID, r.requestID)
	w.WriteHeader(r.status)
	_, err := w.Write([]byte(r.body))
	return err
}

// TestStrictMiddlewareCatchesBrokenMock proves the contract middleware sits
// in front of StopTask: a mock made to answer outside the contract reaches
// the client as 500 OMS.0159, and the violation is reported.
func TestStrictMiddlewareCatchesBrokenMock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		respond  func(id string) gen.StopTaskResponseObject
		wantKind contract.Kind
	}{
		{"undocumented status", func(id string) gen.StopTaskResponseObject {
			return rawResponse{status: http.StatusTeapot, contentType: "application/json", requestID: id, body: `{"error_code":"X","error_msg":"y"}`}
		}, contract.KindStatus},
		{"error body without error_msg", func(id string) gen.StopTaskResponseObject {
			return rawResponse{status: http.StatusBadRequest, contentType: "application/json", requestID: id, body: `{"error_code":"OMS.0066"}`}
		}, contract.KindBody},
		{"error body as text", func(id string) gen.StopTaskResponseObject {
			return rawResponse{status: http.StatusBadRequest, contentType: "text/plain", requestID: id, body: "OMS.0066"}
		}, contract.KindContentType},
		{"200 with a body", func(id string) gen.StopTaskResponseObject {
			return rawResponse{status: http.StatusOK, contentType: "application/json", requestID: id, body: `{}`}
		}, contract.KindBody},
		{"empty X-Request-Id", func(string) gen.StopTaskResponseObject {
			return gen.StopTask400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse{
				Body: gen.Error{ErrorCode: gen.CodeNotMigrating, ErrorMsg: "not migrating"},
			}}
		}, contract.KindHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, []mock.Task{{ID: 1, Status: mock.StatusMigrating}},
				mock.WithResponder(func(_ gen.StopTaskRequestObject, id string) gen.StopTaskResponseObject { return tt.respond(id) }))
			got := e.stop(t, e.client(t, gen.WithToken(token)), project, 1)
			if diff := cmp.Diff(answer{500, gen.CodeSystemError}, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			recs := e.reported()
			if len(recs) != 1 {
				t.Fatalf("reported %d records, want 1: %v", len(recs), recs)
			}
			var kinds []contract.Kind
			for _, v := range recs[0].Violations {
				if v.Direction == contract.DirectionResponse {
					kinds = append(kinds, v.Kind)
				}
			}
			if !contains(kinds, tt.wantKind) {
				t.Errorf("response violation kinds %v, want %v among them; record %v", kinds, tt.wantKind, recs[0])
			}
			if s := e.m.Stats(); s.ResponseViolations != len(kinds) || s.RequestViolations != 0 {
				t.Errorf("Stats() = %+v, want %d response violations and no request violation", s, len(kinds))
			}
			if diff := cmp.Diff(recs[0].Violations, e.m.Violations()); diff != "" {
				t.Errorf("Violations() (-reported +kept):\n%s", diff)
			}
		})
	}
}

// TestRequestViolationsReported: a request the contract refuses is answered
// by the middleware and reported as the client's fault, not the mock's.
func TestRequestViolationsReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 1, Status: mock.StatusMigrating}})
	e.raw(t, "POST", "/v2/"+project+"/tasks/x/stop", nil, tokenHeader(token))
	s := e.m.Stats()
	if s.RequestViolations == 0 || s.ResponseViolations != 0 {
		t.Errorf("Stats() = %+v, want request violations only", s)
	}
	if len(e.m.Records()) != 1 || len(e.reported()) != 1 {
		t.Errorf("Records() = %v, handler saw %v; want one record each", e.m.Records(), e.reported())
	}
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

type panicResponse struct{}

func (panicResponse) VisitStopTaskResponse(http.ResponseWriter) error { panic("mock bug") }

// TestPanicBecomes500: a bug that panics still yields the contract's 500
// with a request ID, not a dropped connection.
func TestPanicBecomes500(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []mock.Task{{ID: 1, Status: mock.StatusMigrating}},
		mock.WithResponder(func(gen.StopTaskRequestObject, string) gen.StopTaskResponseObject { return panicResponse{} }))
	got := e.stop(t, e.client(t, gen.WithToken(token)), project, 1)
	if diff := cmp.Diff(answer{500, gen.CodeSystemError}, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
}
