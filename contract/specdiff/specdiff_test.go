package specdiff

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oasdiff/oasdiff/checker"
)

func TestChanges(t *testing.T) {
	const base = "testdata/base.yaml"
	tests := []struct {
		name         string
		revision     string
		wantBreaking bool
		// wantRules must all be among the reported rule IDs.
		wantRules []string
	}{
		{name: "identical spec", revision: base},
		{name: "task_id widened from int64 to string", revision: "testdata/task_id_string.yaml", wantBreaking: true, wantRules: []string{"request-parameter-type-generalized"}},
		{name: "task_id narrowed from int64 to int32", revision: "testdata/task_id_int32.yaml", wantBreaking: true, wantRules: []string{"request-parameter-type-changed", "request-parameter-max-decreased"}},
		{name: "project_id maxLength tightened", revision: "testdata/project_id_shorter.yaml", wantBreaking: true, wantRules: []string{"request-parameter-max-length-decreased"}},
		{name: "documented 400 response removed", revision: "testdata/response_400_removed.yaml", wantBreaking: true, wantRules: []string{"response-non-success-status-removed"}},
		{name: "documented 200 response removed", revision: "testdata/response_200_removed.yaml", wantBreaking: true, wantRules: []string{"response-success-status-removed"}},
		{name: "required request header added", revision: "testdata/required_header_added.yaml", wantBreaking: true, wantRules: []string{"new-required-request-parameter"}},
		{name: "optional response header added", revision: "testdata/optional_response_header_added.yaml"},
		{name: "example added", revision: "testdata/example_added.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.revision != base {
				// Guard against a fixture that silently equals the base.
				a, _ := os.ReadFile(base)
				b, err := os.ReadFile(tc.revision)
				if err != nil {
					t.Fatal(err)
				}
				if string(a) == string(b) {
					t.Fatalf("%s is identical to %s", tc.revision, base)
				}
			}
			changes, err := Changes(base, tc.revision)
			if err != nil {
				t.Fatalf("Changes: %v", err)
			}
			var rules []string
			for _, c := range changes {
				rules = append(rules, c.GetId())
			}
			if got := changes.HasLevelOrHigher(checker.ERR); got != tc.wantBreaking {
				t.Errorf("breaking = %v, want %v; reported rules: %q", got, tc.wantBreaking, rules)
			}
			for _, r := range tc.wantRules {
				if !slices.Contains(rules, r) {
					t.Errorf("rule %s not reported; reported: %q", r, rules)
				}
			}
		})
	}
}

// TestRealSpec checks the gate on the real contract: no change,
// and a tightened limit on one of its path-level parameters is caught (which
// needs --flatten-params, since openapi.yaml declares them on the path item).
func TestRealSpec(t *testing.T) {
	const spec = "../../openapi.yaml"
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	tightened := strings.Replace(string(data), "maximum: 999999999999999", "maximum: 99999", 1)
	if tightened == string(data) {
		t.Fatal("openapi.yaml no longer has task_id's maximum: 999999999999999; update this test")
	}
	tightenedPath := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(tightenedPath, []byte(tightened), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		revision     string
		wantBreaking bool
	}{
		{name: "openapi.yaml against itself", revision: spec},
		{name: "task_id maximum lowered", revision: tightenedPath, wantBreaking: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := Changes(spec, tc.revision)
			if err != nil {
				t.Fatalf("Changes: %v", err)
			}
			if got := changes.HasLevelOrHigher(checker.ERR); got != tc.wantBreaking {
				t.Errorf("breaking = %v, want %v; changes: %v", got, tc.wantBreaking, changes)
			}
			if !tc.wantBreaking && len(changes) != 0 {
				t.Errorf("want no changes at all, got %v", changes)
			}
		})
	}
}

func TestLevelsFileIsValid(t *testing.T) {
	// The Makefile passes the file by path; make sure it is the embedded one
	// and that oasdiff accepts every rule ID in it.
	onDisk, err := checker.ProcessSeverityLevels("oasdiff-levels.txt")
	if err != nil {
		t.Fatalf("oasdiff rejects oasdiff-levels.txt: %v", err)
	}
	for _, id := range []string{"response-non-success-status-removed", "request-parameter-type-generalized"} {
		if onDisk[id] != checker.ERR {
			t.Errorf("%s: level %v, want ERR", id, onDisk[id])
		}
	}
	if !strings.HasSuffix(LevelsFile, "/oasdiff-levels.txt") {
		t.Errorf("LevelsFile = %q does not name oasdiff-levels.txt", LevelsFile)
	}
}
