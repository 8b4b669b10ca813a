package contract_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
)

// max64 is a task_id maximum past 2^53, as 64-bit IDs need: float64, in
// which kin-openapi keeps bounds, holds it as 10^16, one past it.
const max64 = "9999999999999999"

// widenedTo64 is openapi.yaml with task_id's maximum set to max64, as the
// engineer writes it.
func widenedTo64(t *testing.T, h *harness) string {
	t.Helper()
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	old := "maximum: " + strconv.FormatInt(h.spec.taskIDMax, 10)
	if strings.Count(string(b), old) != 1 {
		t.Fatalf("openapi.yaml has no single %q to widen", old)
	}
	path := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, "maximum: "+max64, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// reasons sends StopTask on task to a server validating with v and
// returns the reasons it found, by parameter.
func reasons(t *testing.T, h *harness, v *contract.Validator, task string) map[string][]string {
	t.Helper()
	srv := serve(t, validating(v))
	_, body := do(t, srv.Client(), request(t, http.MethodPost, srv.URL+h.path(mock.DefaultProjectID, task), token))
	var vs contract.Violations
	if err := json.Unmarshal(body, &vs); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	out := map[string][]string{}
	for _, vi := range vs {
		out[vi.Name] = append(out[vi.Name], vi.Reason)
	}
	return out
}

// TestIntegerBoundsPast2To53AreExact: with task_id's maximum at max64, the
// maximum passes and one past it is refused, though float64 cannot tell
// them apart.
func TestIntegerBoundsPast2To53AreExact(t *testing.T) {
	h := setup(t)
	v, err := contract.New(contract.WithSpecFile(widenedTo64(t, h)), contract.WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range readFacts(t, v).op.Params {
		if min, max := v.IntBounds(p.Schema.Value); p.Name == "task_id" && (min.String() != "0" || max.String() != max64) {
			t.Errorf("IntBounds of task_id = %v, %v; want 0, %s", min, max, max64)
		}
	}
	atMost := `parameter "task_id" in path has an error: number must be at most ` + max64
	tests := []struct {
		task string
		want map[string][]string
	}{
		{max64, map[string][]string{}},
		{"10000000000000000", map[string][]string{"task_id": {atMost}}},   // max + 1: our check
		{"20000000000000000", map[string][]string{"task_id": {atMost}}},   // kin-openapi's, written as the spec writes it
		{"9223372036854775807", map[string][]string{"task_id": {atMost}}}, // the largest int64
		{"-1", map[string][]string{"task_id": {`parameter "task_id" in path has an error: number must be at least 0`}}},
	}
	for _, tt := range tests {
		t.Run(tt.task, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, reasons(t, h, v, tt.task)); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReasonsPrintIntegersAsIntegers: kin-openapi formats bounds with %g,
// 9.99999999999999e+14 for task_id's maximum.
func TestReasonsPrintIntegersAsIntegers(t *testing.T) {
	h := setup(t)
	max := strconv.FormatInt(h.spec.taskIDMax, 10)
	got := reasons(t, h, h.v, strconv.FormatInt(h.spec.taskIDMax+1, 10))
	want := map[string][]string{"task_id": {`parameter "task_id" in path has an error: number must be at most ` + max}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}
