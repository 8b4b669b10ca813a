package main

import (
	"os"
	"path/filepath"
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
