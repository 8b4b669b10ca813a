package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestCheckRefusesLengthsItCannotProbe: a spec whose length bound the suite
// would have to build probes of (here 2^40 characters, which took check to
// "out of memory") is refused with one line and exit 2, before any case.
func TestCheckRefusesLengthsItCannotProbe(t *testing.T) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ old, names string }{
		{"        maxLength: 1024\n", "parameter project_id"},
		{"        maxLength: 16384\n", "IAMToken x-oms-value"},
		{"          maxLength: 100\n", "body member"},
	} {
		t.Run(tt.names, func(t *testing.T) {
			if !strings.Contains(string(raw), tt.old) {
				t.Fatalf("openapi.yaml has no %q", tt.old)
			}
			spec := filepath.Join(t.TempDir(), "openapi.yaml")
			huge := strings.Replace(string(raw), tt.old, strings.Replace(tt.old, strings.TrimSpace(tt.old[strings.Index(tt.old, ":")+1:]), "1099511627776", 1), 1)
			if err := os.WriteFile(spec, []byte(huge), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runCLI(t, nil, "check", "--spec", spec)
			if r.code != exitNoVerdict || r.stdout != "" || len(lines(r.stderr)) != 1 || !strings.Contains(r.stderr, tt.names) {
				t.Errorf("want exit 2 and one line naming %s; got %v", tt.names, r)
			}
		})
	}
}

// TestCheckListsOperationsAnsweredFromExamples: an operation of --spec that
// the generated server lacks is answered by the mock from its example, the
// run is conformant, and stderr says which operations the mock has no
// behaviour for.
func TestCheckListsOperationsAnsweredFromExamples(t *testing.T) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	item := `  /v2/{project_id}/tasks/{task_id}/extra:
    parameters:
      - $ref: '#/components/parameters/ProjectId'
      - $ref: '#/components/parameters/TaskId'
    get:
      operationId: ExtraTask
      x-oms-error-code: OMS.0064
      responses:
        '200':
          description: The task.
          headers:
            X-Request-Id:
              $ref: '#/components/headers/X-Request-Id'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Task'
              example: {id: 1, status: 2}
        '400':
          description: Refused.
          headers:
            X-Request-Id:
              $ref: '#/components/headers/X-Request-Id'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        '401':
          $ref: '#/components/responses/Unauthorized'
`
	spec := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(spec, []byte(strings.Replace(string(raw), "\ncomponents:\n", "\n"+item+"components:\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "check", "--spec", spec)
	if r.code != exitOK || !strings.Contains(r.stderr, "the mock answers ExtraTask from the spec's examples") ||
		!strings.Contains(r.stdout, "ExtraTask accepted") {
		t.Errorf("want exit 0, ExtraTask's positive case and stderr naming it; got %v", r)
	}
}

// TestTuneGC: the commands collect at GOGC=400 unless GOGC is set, and the
// setting before comes back on restore.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	restore := tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(400); got != 400 {
		t.Errorf("GC percent %d with GOGC unset, want 400", got)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d after restore, want 100", got)
	}
	tuneGC(func(k string) string { return map[string]string{"GOGC": "50"}[k] })()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d with GOGC set, want it untouched (100)", got)
	}
}
