package suite_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
)

// Run the suite against a mock served on loopback, naming the migrating
// task so that the behaviour cases stop it.
func Example() {
	m, err := mock.New(mock.WithFixtures(mock.DefaultFixtures()))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	rep, err := suite.Run(context.Background(), suite.Config{
		Endpoint:  srv.URL,
		ProjectID: mock.DefaultProjectID,
		Token:     mock.DefaultToken,
		Behaviour: suite.Behaviour{MigratingTask: suite.TaskID(mock.DefaultMigratingTaskID)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rep.Cases {
		if strings.HasPrefix(c.Name, "behaviour/") || strings.HasPrefix(c.Name, "auth/missing") {
			fmt.Println(c.Name, c.Status, c.ErrorCode, c.Verdict)
		}
	}
	fmt.Println(rep.SummaryLine())
	// Output:
	// auth/missing 401 APIGW.0301 pass
	// behaviour/stop-migrating-task 200  pass
	// behaviour/stop-again 400 OMS.0066 pass
	// 20 cases: 20 passed, 0 failed, 0 errors — conformant
}
