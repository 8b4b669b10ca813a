package mock

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/oms-contract/stoptask/gen"
)

// This file is in package mock, not mock_test: BenchmarkMock needs the
// mock's stack without the contract middleware, which Mock does not export.

// BenchmarkStopTask measures one refused stop through the whole stack over
// loopback: the cost a load test pays per request.
func BenchmarkStopTask(b *testing.B) {
	m, err := New(WithFixtures(DefaultFixtures()))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	c, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(srv.Client()), gen.WithRequestEditorFn(gen.WithToken(DefaultToken)))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		resp, err := c.StopTaskWithResponse(context.Background(), DefaultProjectID, DefaultStoppedTaskID)
		if err != nil || resp.JSON400 == nil {
			b.Fatalf("StopTask: %v", err)
		}
	}
}

// BenchmarkMock measures the mock's throughput over loopback with parallel
// clients, behind the strict contract middleware (middleware=strict, the
// mock's Handler) and without it (middleware=none: the same request-ID
// layer, routing, authentication, generated handler and mock logic, minus
// the validation). Every request stops DefaultStoppedTaskID, which is
// stopped already: the answer, 400 OMS.0066, never changes the mock's
// state, so both variants do the same work on every request. req/s is the
// throughput; ns/op is wall time per request across all clients.
func BenchmarkMock(b *testing.B) {
	m, err := New(WithFixtures(DefaultFixtures()))
	if err != nil {
		b.Fatal(err)
	}
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"none", m.outer(m.inner())},
		{"strict", m.Handler()},
	}
	url := "/v2/" + DefaultProjectID + "/tasks/" + strconv.FormatInt(DefaultStoppedTaskID, 10) + "/stop"
	for _, tc := range handlers {
		b.Run("middleware="+tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			defer client.CloseIdleConnections()
			if err := checkStable(client, srv.URL+url); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, err := http.NewRequest(http.MethodPost, srv.URL+url, nil)
					if err != nil {
						b.Error(err)
						return
					}
					req.Header.Set(gen.HeaderAuthToken, DefaultToken)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusBadRequest {
						b.Errorf("status %d, want 400", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// checkStable makes sure url is answered 400 OMS.0066, the answer
// BenchmarkMock expects on every request.
func checkStable(client *http.Client, url string) error {
	req, err := http.NewRequest(http.MethodPost, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set(gen.HeaderAuthToken, DefaultToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	ae := gen.CheckResponse(resp)
	if !gen.IsNotMigrating(ae) {
		return fmt.Errorf("want 400 %s, got %v", gen.CodeNotMigrating, ae)
	}
	return nil
}
