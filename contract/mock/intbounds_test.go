package mock_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// TestTaskIDMaximumPast2To53: with task_id's maximum at 9999999999999999
// (float64 holds it as 10^16, one past it), the mock serves the maximum and
// refuses one past it, in requests and in its fixtures.
func TestTaskIDMaximumPast2To53(t *testing.T) {
	const max, past int64 = 9999999999999999, 10000000000000000
	v := setup(t, nil).v
	embedded := param(t, v, "task_id")
	_, old := v.IntBounds(embedded.Schema.Value)
	spec := specCopy(t, "maximum: "+old.String(), "maximum: "+strconv.FormatInt(max, 10))
	withSpec := mock.WithContract(contract.WithSpecFile(spec))
	fx := func(id int64) *mock.Fixtures {
		f := mock.DefaultFixtures()
		f.Tasks = append(f.Tasks, mock.FixtureTask{ProjectID: mock.DefaultProjectID, Task: mock.Task{ID: id, Status: mock.StatusMigrating}})
		return f
	}
	h := setup(t, fx(max), withSpec)
	token := gen.WithToken(mock.DefaultToken)
	invalid := reply{http.StatusBadRequest, contract.ErrorCode(embedded.Extensions)}
	for _, tt := range []struct {
		id   int64
		want reply
	}{
		{max, reply{Status: http.StatusOK}},
		{past, invalid},
	} {
		if diff := cmp.Diff(tt.want, h.stop(t, mock.DefaultProjectID, tt.id, token)); diff != "" {
			t.Errorf("stop %d (-want +got):\n%s", tt.id, diff)
		}
	}
	if _, err := mock.New(fx(past), withSpec); err == nil {
		t.Errorf("fixtures with task %d past the maximum %d loaded", past, max)
	}
}
