package mock_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// BenchmarkStopTask measures one refused stop through the whole stack over
// loopback: the cost a load test pays per request.
func BenchmarkStopTask(b *testing.B) {
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	c, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(srv.Client()), gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		resp, err := c.StopTaskWithResponse(context.Background(), mock.DefaultProjectID, mock.DefaultStoppedTaskID)
		if err != nil || resp.JSON400 == nil {
			b.Fatalf("StopTask: %v", err)
		}
	}
}
