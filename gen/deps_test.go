package gen_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDependencies keeps the client small: package gen and package signer
// must not link kin-openapi or any YAML library (the embedded spec lives in
// gen/spec for that reason), and signer uses the standard library only. The
// gen/spec row proves the check sees those modules when they are there.
func TestDependencies(t *testing.T) {
	forbidden := []string{"github.com/getkin/kin-openapi", "gopkg.in/yaml", "go.yaml.in/", "sigs.k8s.io/yaml", "github.com/oasdiff/yaml"}
	tests := []struct {
		pkg        string
		stdlibOnly bool
		wantFound  []string // forbidden prefixes the package reaches
	}{
		{pkg: "github.com/oms-contract/stoptask/gen"},
		{pkg: "github.com/oms-contract/stoptask/gen/signer", stdlibOnly: true},
		{pkg: "github.com/oms-contract/stoptask/gen/spec", wantFound: []string{"github.com/getkin/kin-openapi", "go.yaml.in/"}},
	}
	for _, tc := range tests {
		t.Run(tc.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", tc.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tc.pkg, err)
			}
			var found []string
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range forbidden {
					if strings.HasPrefix(dep, f) && !slices.Contains(found, f) {
						found = append(found, f)
					}
				}
				first, _, _ := strings.Cut(dep, "/")
				if tc.stdlibOnly && strings.Contains(first, ".") && dep != tc.pkg {
					t.Errorf("%s imports %s, outside the standard library", tc.pkg, dep)
				}
			}
			slices.Sort(found)
			if diff := cmp.Diff(tc.wantFound, found); diff != "" {
				t.Errorf("forbidden modules reached (-want +got):\n%s", diff)
			}
		})
	}
}
