package mock_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/oms-contract/stoptask/contract/mock"
)

// BenchmarkOperations measures the mock's handler in process, one
// sub-benchmark per request of the load BenchmarkPeers (in
// contract/cmd/omscontract) puts on it, none of which changes its state:
// the target for `go test -cpuprofile` and for allocations per request,
// without the network and wrk's noise.
func BenchmarkOperations(b *testing.B) {
	m, err := mock.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	path := func(task int64, suffix string) string {
		return "/v2/" + mock.DefaultProjectID + "/tasks/" + strconv.FormatInt(task, 10) + suffix
	}
	finished := mock.DefaultTaskID(mock.StatusSucceeded)
	for _, r := range []struct {
		op, method, path, body string
		status                 int
	}{
		{"ShowTask", http.MethodGet, path(finished, ""), "", http.StatusOK},
		{"StopTask", http.MethodPost, path(finished, "/stop"), "", http.StatusBadRequest},
		{"StartTask", http.MethodPost, path(finished, "/start"),
			`{"dst_ak":"destination_ak","dst_sk":"destination_sk","src_ak":"source_ak","src_sk":"source_sk"}`, http.StatusBadRequest},
		{"DeleteTask", http.MethodDelete, path(mock.DefaultMigratingTaskID+7, ""), "", http.StatusBadRequest},
	} {
		b.Run(r.op, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(r.method, r.path, nil)
				req.Header.Set("X-Auth-Token", mock.DefaultToken)
				if r.method == http.MethodPost {
					req.Header.Set("Content-Type", "application/json")
				}
				if r.body != "" { // net/http's server gives a request without a body http.NoBody
					req.Body, req.ContentLength = io.NopCloser(strings.NewReader(r.body)), int64(len(r.body))
				}
				w := httptest.NewRecorder()
				m.Handler().ServeHTTP(w, req)
				if w.Code != r.status {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
