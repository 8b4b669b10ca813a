package mock_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// Start the mock with the built-in fixtures, stop the migrating task with
// the generated client, and stop it again.
func Example() {
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	c, err := gen.NewClientWithResponses(srv.URL, gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		resp, err := c.StopTaskWithResponse(context.Background(), mock.DefaultProjectID, mock.DefaultMigratingTaskID)
		if err != nil {
			log.Fatal(err)
		}
		if err := gen.CheckStopTaskResponse(resp); err != nil {
			fmt.Println("stop refused:", gen.IsNotMigrating(err), resp.JSON400.ErrorCode)
			continue
		}
		task, _ := m.Task(mock.DefaultProjectID, mock.DefaultMigratingTaskID)
		fmt.Println("stop accepted:", resp.StatusCode(), "task is now", task.Status)
	}
	// Output:
	// stop accepted: 200 task is now pausing
	// stop refused: true OMS.0066
}
