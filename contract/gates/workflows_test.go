package gates

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflowsPath is the repository's workflows, seen from this package.
var workflowsPath = filepath.Join("..", "..", WorkflowsDir)

// shellcheckPath finds shellcheck, which actionlint runs on each run: step.
// Missing, the test is skipped, except on CI (.ci/run installs it).
func shellcheckPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shellcheck is not installed (CI=true: .ci/run installs it)")
		}
		t.Skipf("SKIPPED, not tested: shellcheck is not installed, so the run: scripts were not checked; install it with `apt-get install -y shellcheck`")
	}
	return p
}

// TestWorkflows is the repository's own workflows through the check `make
// lint` runs: actionlint-clean, every action pinned to a commit SHA with its
// release in a comment.
func TestWorkflows(t *testing.T) {
	problems, err := Workflows(workflowsPath, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Run("run scripts by shellcheck", func(t *testing.T) {
		problems, err := Workflows(workflowsPath, shellcheckPath(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Error(p)
		}
	})
}

// A workflow that passes, and one way each to break it. Every broken one must
// be caught, with a message that says what is wrong.
const goodWorkflow = `name: good
on:
  pull_request:
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - uses: ./local-action
      - run: make check
  reuse:
    uses: octo-org/workflows/.github/workflows/ci.yml@0123456789abcdef0123456789abcdef01234567 # v1
`

func TestWorkflowsCatchBrokenOnes(t *testing.T) {
	pin := "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
	reuse := "octo-org/workflows/.github/workflows/ci.yml@0123456789abcdef0123456789abcdef01234567 # v1"
	tests := []struct {
		name       string
		old, new   string // replaced in goodWorkflow; old "" keeps it as it is
		shellcheck bool
		want       string // in one of the problems; "" means none
	}{
		{name: "as it is", want: ""},
		{name: "action by tag", old: pin, new: "actions/checkout@v7.0.1", want: `"actions/checkout@v7.0.1" is not pinned to a full commit SHA`},
		{name: "action by branch", old: pin, new: "actions/checkout@main", want: `"actions/checkout@main" is not pinned`},
		{name: "action by short SHA", old: pin, new: "actions/checkout@3d3c42e # v7.0.1", want: `"actions/checkout@3d3c42e" is not pinned`},
		{name: "action by upper-case SHA", old: pin, new: "actions/checkout@3D3C42E5AAC5BA805825DA76410C181273BA90B1 # v7.0.1", want: "is not pinned"},
		{name: "SHA without its release", old: pin, new: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", want: "has no comment naming its release"},
		{name: "SHA with another comment", old: pin, new: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # latest", want: "has no comment naming its release"},
		{name: "reusable workflow by tag", old: reuse, new: "octo-org/workflows/.github/workflows/ci.yml@v1", want: `"octo-org/workflows/.github/workflows/ci.yml@v1" is not pinned`},
		{name: "image by tag", old: "./local-action", new: "docker://alpine:3.20", want: `"docker://alpine:3.20" is not pinned: name the image by its digest`},
		{name: "YAML syntax error", old: "    runs-on: ubuntu-latest", new: "    runs-on: ubuntu-latest\n   steps: [", want: "[actionlint syntax-check]"},
		{name: "unknown key", old: "    runs-on:", new: "    run-on:", want: `unexpected key "run-on"`},
		{name: "undefined context", old: "make check", new: "make check BASE=${{ github.shaa }}", want: `property "shaa" is not defined`},
		{name: "unknown permission", old: "contents: read", new: "content: read", want: `unknown permission scope "content"`},
		{name: "job needs a missing job", old: "  reuse:\n", new: "  reuse:\n    needs: [chek]\n", want: `job "reuse" needs job "chek" which does not exist`},
		{name: "shell bug", old: "run: make check", new: `run: cd $(dirname "$0") && make check`, shellcheck: true, want: "SC2046"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			workflow := goodWorkflow
			if tc.old != "" {
				if !strings.Contains(workflow, tc.old) {
					t.Fatalf("the good workflow has no %q to replace", tc.old)
				}
				workflow = strings.Replace(workflow, tc.old, tc.new, 1)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "ci.yml"), []byte(workflow), 0o644); err != nil {
				t.Fatal(err)
			}
			shellcheck := ""
			if tc.shellcheck {
				shellcheck = shellcheckPath(t)
			}
			problems, err := Workflows(dir, shellcheck)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && len(problems) > 0:
				t.Errorf("problems in a good workflow:\n%s", strings.Join(problems, "\n"))
			case tc.want != "" && !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }):
				t.Errorf("no problem says %q; got:\n%s", tc.want, strings.Join(problems, "\n"))
			}
			for _, p := range problems {
				if !strings.HasPrefix(p, filepath.Join(dir, "ci.yml")+":") {
					t.Errorf("problem names no file and line: %s", p)
				}
			}
		})
	}
	t.Run("no workflow", func(t *testing.T) {
		if _, err := Workflows(t.TempDir(), ""); err == nil {
			t.Error("an empty directory passed")
		}
	})
}

// workflow is what TestWorkflowsRunTheGates reads of one workflow file.
type workflow struct {
	On          map[string]any `yaml:"on"`
	Permissions map[string]string
	Jobs        map[string]struct {
		If          string
		Permissions map[string]string
		Environment any
		Steps       []step
	}
}

type step struct {
	Uses string
	Run  string
	With map[string]any
	Env  map[string]string
}

func readWorkflow(t *testing.T, name string) (workflow, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(workflowsPath, name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w, string(data)
}

// runs returns every run: of the workflow's jobs, and every uses: without its
// ref.
func (w workflow) runs() (runs, uses []string) {
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if s.Run != "" {
				runs = append(runs, s.Run)
			}
			if s.Uses != "" {
				uses = append(uses, strings.SplitN(s.Uses, "@", 2)[0])
			}
		}
	}
	return runs, uses
}

func containsMatch(list []string, pattern string) bool {
	re := regexp.MustCompile(pattern)
	return slices.ContainsFunc(list, re.MatchString)
}

// TestWorkflowsRunTheGates holds the workflows to what README.md's "In CI"
// promises: which gates run, with which reports, with which permissions, and
// credentials only where a user opted in, never on a command line.
func TestWorkflowsRunTheGates(t *testing.T) {
	entries, err := os.ReadDir(workflowsPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		w, text := readWorkflow(t, e.Name())
		if w.Permissions["contents"] != "read" || len(w.Permissions) != 1 {
			t.Errorf("%s: top-level permissions are %v, want only contents: read", e.Name(), w.Permissions)
		}
		runs, _ := w.runs()
		for _, r := range runs {
			// Values reach scripts through env:, so that no expression is
			// pasted into shell code (script injection) or onto a command line.
			if strings.Contains(r, "${{") {
				t.Errorf("%s: a run: expands an expression in the script; pass it through env: instead:\n%s", e.Name(), r)
			}
		}
		if e.Name() != "live-endpoint.yml" && strings.Contains(text, "secrets.") {
			t.Errorf("%s uses secrets; only the opt-in live-endpoint.yml may", e.Name())
		}
	}

	t.Run("pull request", func(t *testing.T) {
		w, _ := readWorkflow(t, "contract-gates.yml")
		if _, ok := w.On["pull_request"]; !ok || len(w.On) != 1 {
			t.Errorf("on: %v, want pull_request only", w.On)
		}
		runs, uses := w.runs()
		for _, want := range []string{`^make verify$`, `^make lint$`, `^make breaking BASE="\$BASE_SHA"$`, `^make check CHECK_FLAGS=".*--junit reports/junit\.xml.*--coverage reports/coverage\.json.*"$`} {
			if !containsMatch(runs, want) {
				t.Errorf("no step runs %s; runs: %q", want, runs)
			}
		}
		for _, want := range []string{"mikepenz/action-junit-report", "actions/upload-artifact"} {
			if !slices.Contains(uses, want) {
				t.Errorf("no step uses %s", want)
			}
		}
		breaking := w.Jobs["breaking"]
		if len(breaking.Steps) == 0 || breaking.Steps[0].With["fetch-depth"] != 0 {
			t.Errorf("the breaking job does not check out the whole history (fetch-depth: 0), so the base may be missing")
		}
		if got := breaking.Steps[len(breaking.Steps)-1].Env["BASE_SHA"]; got != "${{ github.event.pull_request.base.sha }}" {
			t.Errorf("make breaking's BASE_SHA is %q, want the pull request's base", got)
		}
		for name, j := range w.Jobs {
			if j.Permissions != nil {
				t.Errorf("job %s widens the permissions to %v; no gate needs more than contents: read", name, j.Permissions)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		w, _ := readWorkflow(t, "docs.yml")
		if push, ok := w.On["push"].(map[string]any); !ok || !slices.Equal(push["branches"].([]any), []any{"main"}) {
			t.Errorf("on.push: %v, want branches: [main]", w.On["push"])
		}
		runs, uses := w.runs()
		if !slices.Contains(runs, "make docs") {
			t.Errorf("no step runs make docs; runs: %q", runs)
		}
		for _, want := range []string{"actions/upload-pages-artifact", "actions/deploy-pages"} {
			if !slices.Contains(uses, want) {
				t.Errorf("no step uses %s", want)
			}
		}
		for name, j := range w.Jobs {
			want := map[string]string(nil)
			if slices.ContainsFunc(j.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/deploy-pages@") }) {
				want = map[string]string{"pages": "write", "id-token": "write"}
			}
			if !maps.Equal(j.Permissions, want) {
				t.Errorf("job %s: permissions %v, want %v", name, j.Permissions, want)
			}
		}
	})

	t.Run("live endpoint", func(t *testing.T) {
		w, text := readWorkflow(t, "live-endpoint.yml")
		if _, ok := w.On["workflow_dispatch"]; !ok || len(w.On) != 1 {
			t.Errorf("on: %v, want workflow_dispatch only (opt-in)", w.On)
		}
		for name, j := range w.Jobs {
			if !strings.Contains(j.If, "vars.OMS_ENDPOINT") {
				t.Errorf("job %s runs without the variable OMS_ENDPOINT set (if: %q)", name, j.If)
			}
			for _, s := range j.Steps {
				if !strings.Contains(s.Run, "omscontract check") {
					continue
				}
				for _, v := range []string{"OMS_PROJECT_ID", "OMS_TOKEN", "OMS_AK", "OMS_SK", "OMS_SECURITY_TOKEN"} {
					if s.Env[v] != "${{ secrets."+v+" }}" {
						t.Errorf("%s is %q in the step's env:, want the secret %s", v, s.Env[v], v)
					}
				}
				if !strings.Contains(s.Run, "::add-mask::") {
					t.Errorf("the step does not mask the credentials")
				}
				if strings.Contains(s.Run, "--token") || strings.Contains(s.Run, "--sk") || strings.Contains(s.Run, "--ak") {
					t.Errorf("credentials on the command line:\n%s", s.Run)
				}
			}
		}
		if strings.Contains(text, "upload-artifact") {
			t.Errorf("the live run uploads reports, which leave the masked log")
		}
	})
}
