package gen_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// serveMock serves the mock OMS with its default tasks, which settle after
// 50ms instead of two seconds.
func serveMock() *httptest.Server {
	fx := mock.DefaultFixtures()
	fx.StopDelay = "50ms"
	m, err := mock.New(fx)
	if err != nil {
		panic(err)
	}
	return httptest.NewServer(m.Handler())
}

// The official "pause, then delete" workflow (OMS API reference, 示例3):
// stop the task, wait with ShowTask until it is stopped (status 3), delete
// it. Any base URL works: the mock here, a region endpoint in production.
func ExampleStopAndWait() {
	srv := serveMock()
	defer srv.Close()
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	project, id := mock.DefaultProjectID, mock.DefaultMigratingTaskID

	task, err := gen.StopAndWait(ctx, client, project, id)
	if err != nil {
		fmt.Println("stop:", err)
		return
	}
	fmt.Println("status after the stop:", *task.Status)

	del, err := client.DeleteTaskWithResponse(ctx, project, id)
	if err == nil {
		err = gen.CheckResult(del.HTTPResponse, del.Body)
	}
	fmt.Println("delete:", err)

	show, err := client.ShowTaskWithResponse(ctx, project, id)
	if err == nil {
		err = gen.CheckResult(show.HTTPResponse, show.Body)
	}
	fmt.Println("gone:", gen.IsNotFound(err))
	// Output:
	// status after the stop: 3
	// delete: <nil>
	// gone: true
}

// The official "start" workflow (示例2): start a paused task, sending the
// keys of its destination and source, then see it waiting or migrating.
func ExampleClientWithResponses_StartTaskWithResponse() {
	srv := serveMock()
	defer srv.Close()
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithRequestEditorFn(gen.WithToken(mock.DefaultToken)))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	project, id := mock.DefaultProjectID, mock.DefaultTaskID(mock.StatusStopped)
	src, srcSK := "source_ak", "source_sk"
	body := gen.StartTaskReq{DstAk: "destination_ak", DstSk: "destination_sk", SrcAk: &src, SrcSk: &srcSK}

	start, err := client.StartTaskWithResponse(ctx, project, id, body)
	if err == nil {
		err = gen.CheckResult(start.HTTPResponse, start.Body)
	}
	fmt.Println("start:", err)

	show, err := client.ShowTaskWithResponse(ctx, project, id)
	if err == nil {
		err = gen.CheckResult(show.HTTPResponse, show.Body)
	}
	if err != nil {
		fmt.Println("show:", err)
		return
	}
	s := *show.JSON200.Status
	fmt.Println("waiting or migrating:", s == 1 || s == gen.StatusMigrating)

	again, err := client.StartTaskWithResponse(ctx, project, id, body)
	if err == nil {
		err = gen.CheckResult(again.HTTPResponse, again.Body)
	}
	fmt.Println("started again:", gen.IsAlreadyStarted(err))
	// Output:
	// start: <nil>
	// waiting or migrating: true
	// started again: true
}
