package mock_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// A client under test talks to the mock over HTTP as it would to OMS: the
// first stop of a migrating task is accepted, the second is refused as not
// migrating.
func Example() {
	m, err := mock.New(nil) // DefaultFixtures
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	client, err := gen.NewClient(srv.URL, gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
	if err != nil {
		fmt.Println(err)
		return
	}
	stop := func() error {
		resp, err := client.StopTask(context.Background(), mock.DefaultProjectID, mock.DefaultMigratingTaskID)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return gen.CheckResponse(resp)
	}
	fmt.Println("first stop:", stop())
	err = stop()
	fmt.Println("second stop: not migrating:", gen.IsNotMigrating(err))
	task, _ := m.Task(mock.DefaultProjectID, mock.DefaultMigratingTaskID)
	fmt.Println("task:", task.Status)
	// Output:
	// first stop: <nil>
	// second stop: not migrating: true
	// task: pausing
}
