package gates

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"go.yaml.in/yaml/v3"
)

// specPath is the contract, seen from this package's directory.
const specPath = "../../openapi.yaml"

const stopPath = "/v2/{project_id}/tasks/{task_id}/stop"

// at returns the node under the mapping keys of n, failing the test when one
// is missing (openapi.yaml changed under the drill).
func at(t *testing.T, n *yaml.Node, keys ...string) *yaml.Node {
	t.Helper()
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	for _, k := range keys {
		i := keyIndex(n, k)
		if i < 0 {
			t.Fatalf("openapi.yaml has no %q on the way to %q; update this drill", k, keys)
		}
		n = n.Content[i+1]
	}
	return n
}

func keyIndex(m *yaml.Node, key string) int {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// set sets key of mapping m to value, written in YAML.
func set(t *testing.T, m *yaml.Node, key, value string) {
	t.Helper()
	var v yaml.Node
	if err := yaml.Unmarshal([]byte(value), &v); err != nil {
		t.Fatalf("drill value for %s: %v", key, err)
	}
	if i := keyIndex(m, key); i >= 0 {
		m.Content[i+1] = v.Content[0]
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v.Content[0])
}

func del(t *testing.T, m *yaml.Node, key string) {
	t.Helper()
	i := keyIndex(m, key)
	if i < 0 {
		t.Fatalf("openapi.yaml has no %q to delete; update this drill", key)
	}
	m.Content = slices.Delete(m.Content, i, i+2)
}

// specInt reads an integer keyword of a component parameter's schema in
// openapi.yaml, so that the drills follow the spec's own bounds.
func specInt(t *testing.T, param, key string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(at(t, parse(t), "components", "parameters", param, "schema", key).Value, 10, 64)
	if err != nil {
		t.Fatalf("%s %s: %v", param, key, err)
	}
	return n
}

// parse reads openapi.yaml as YAML nodes.
func parse(t *testing.T) *yaml.Node {
	t.Helper()
	data, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	return &root
}

// mutate writes openapi.yaml, edited by edit, into a temporary directory.
func mutate(t *testing.T, edit func(t *testing.T, root *yaml.Node)) string {
	t.Helper()
	data, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(t, &root)
	}
	out, err := yaml.Marshal(&root)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	inlineHeader = `
description: Trace ID of the answer.
schema:
  type: string
example: 4f1c2a`
	optionalQuery = `
- name: dry_run
  in: query
  required: false
  schema:
    type: boolean
  example: true`
	requiredHeader = `
- name: X-Client-Id
  in: header
  required: true
  schema:
    type: string`
	startOperation = `
parameters:
  - $ref: '#/components/parameters/ProjectId'
  - $ref: '#/components/parameters/TaskId'
post:
  operationId: StartTask
  tags: [Migration tasks]
  summary: Start a migration task
  responses:
    '200':
      description: The task is starting.
      headers:
        X-Request-Id:
          $ref: '#/components/headers/X-Request-Id'
    '400':
      $ref: '#/components/responses/BadRequest'`
)

// TestSpecChangeDrills changes a copy of openapi.yaml the way an engineer
// would and asserts what both gates say: Changes (make breaking) and Lint
// (the Go half of make lint).
func TestSpecChangeDrills(t *testing.T) {
	maxLen := strconv.FormatInt(specInt(t, "ProjectId", "maxLength"), 10)
	tightened := strconv.FormatInt(specInt(t, "ProjectId", "maxLength")/2, 10)
	op := func(t *testing.T, root *yaml.Node) *yaml.Node { return at(t, root, "paths", stopPath, "post") }
	param := func(t *testing.T, root *yaml.Node, name string) *yaml.Node {
		return at(t, root, "components", "parameters", name)
	}
	tests := []struct {
		name string
		edit func(t *testing.T, root *yaml.Node)
		// wantRules must all be among the reported oasdiff rule IDs; with
		// wantBreaking, the first is the breaking one and its text must
		// mention wantMention.
		wantRules    []string
		wantBreaking bool
		wantMention  string
		// wantLint lists what the Lint error must mention; none means Lint
		// must pass. The error must start with file:line, and the line must
		// contain wantLine.
		wantLint []string
		wantLine string
	}{
		{name: "unchanged (re-encoded) openapi.yaml"},
		{
			name: "task_id maximum widened",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, param(t, r, "TaskId"), "schema"), "maximum", strconv.FormatInt(2*specInt(t, "TaskId", "maximum")+1, 10))
			},
			wantRules: []string{"request-parameter-max-increased"},
		},
		{
			name: "project_id maxLength tightened",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, param(t, r, "ProjectId"), "schema"), "maxLength", tightened)
			},
			wantRules:    []string{"request-parameter-max-length-decreased"},
			wantBreaking: true, wantMention: "`project_id`, the maxLength was decreased from `" + maxLen + "` to `" + tightened + "`",
		},
		{
			name: "inline optional response header with an example added",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, op(t, r), "responses", "200", "headers"), "X-Trace-Id", inlineHeader)
			},
			wantRules: []string{"response-header-added"},
		},
		{
			name:      "optional query parameter added",
			edit:      func(t *testing.T, r *yaml.Node) { set(t, op(t, r), "parameters", optionalQuery) },
			wantRules: []string{"new-optional-request-parameter"},
		},
		{
			name: "operation POST .../start added",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "paths"), "/v2/{project_id}/tasks/{task_id}/start", startOperation)
			},
			wantRules: []string{"endpoint-added"},
		},
		{
			name: "example added to the Error schema",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "schemas", "Error"), "example", "{error_code: OMS.0066, error_msg: Not migrating.}")
			},
		},
		{
			name: "task_id widened from int64 to string",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, param(t, r, "TaskId"), "schema", "{type: string}")
				set(t, param(t, r, "TaskId"), "example", "'191297407830872'")
			},
			wantRules:    []string{"request-parameter-type-generalized"},
			wantBreaking: true, wantMention: "`task_id`",
		},
		{
			name: "task_id narrowed from int64 to int32",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, param(t, r, "TaskId"), "schema", "{type: integer, format: int32, minimum: 0, maximum: 2147483647}")
				set(t, param(t, r, "TaskId"), "example", "1912974078")
			},
			wantRules:    []string{"request-parameter-type-changed", "request-parameter-max-decreased"},
			wantBreaking: true, wantMention: "`task_id`",
		},
		{
			name:         "documented 400 response removed",
			edit:         func(t *testing.T, r *yaml.Node) { del(t, at(t, op(t, r), "responses"), "400") },
			wantRules:    []string{"response-non-success-status-removed"},
			wantBreaking: true, wantMention: "`400`",
		},
		{
			name:         "documented 200 response removed",
			edit:         func(t *testing.T, r *yaml.Node) { del(t, at(t, op(t, r), "responses"), "200") },
			wantRules:    []string{"response-success-status-removed"},
			wantBreaking: true, wantMention: "`200`",
		},
		{
			name:         "required request header added",
			edit:         func(t *testing.T, r *yaml.Node) { set(t, op(t, r), "parameters", requiredHeader) },
			wantRules:    []string{"new-required-request-parameter"},
			wantBreaking: true, wantMention: "`x-client-id`",
		},
		{
			name: "header example of the wrong type",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "headers", "X-Request-Id"), "example", "42")
			},
			wantLint: []string{`components header "X-Request-Id"`, "example", "value must be a string"}, wantLine: "example: 42",
		},
		{
			name: "inline response header example of the wrong type",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, op(t, r), "responses", "200", "headers"), "X-Trace-Id", strings.Replace(inlineHeader, "4f1c2a", "[1, 2]", 1))
			},
			wantRules: []string{"response-header-added"},
			wantLint:  []string{`POST /v2/{project_id}/tasks/{task_id}/stop response 200 header "X-Trace-Id"`, "example", "value must be a string"}, wantLine: "example:",
		},
		{
			name:     "parameter example of the wrong type",
			edit:     func(t *testing.T, r *yaml.Node) { set(t, param(t, r, "TaskId"), "example", "not-a-number") },
			wantLint: []string{`parameter "TaskId"`, "example", "value must be an integer"}, wantLine: "example: not-a-number",
		},
		{
			name: "schema example of the wrong type",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "schemas", "Error", "properties", "error_code"), "example", "66")
			},
			wantLint: []string{`schema "Error"`, "example", "value must be a string"}, wantLine: "example: 66",
		},
		{
			name: "response example missing a required member",
			edit: func(t *testing.T, r *yaml.Node) {
				del(t, at(t, r, "components", "responses", "BadRequest", "content", "application/json", "examples", "TaskNotFound", "value"), "error_msg")
			},
			wantLint: []string{"TaskNotFound", `property "error_msg" is missing`}, wantLine: "value:",
		},
	}
	l := checker.NewDefaultLocalizer()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			revision := mutate(t, tc.edit)
			changes, err := Changes(specPath, revision)
			if err != nil {
				t.Fatalf("Changes: %v", err)
			}
			var rules []string
			for _, c := range changes {
				rules = append(rules, c.GetId())
			}
			if tc.edit == nil && len(changes) != 0 {
				t.Errorf("re-encoding alone changed the contract: %v", changes)
			}
			if got := changes.HasLevelOrHigher(checker.ERR); got != tc.wantBreaking {
				t.Errorf("breaking = %v, want %v; reported rules: %q", got, tc.wantBreaking, rules)
			}
			for _, r := range tc.wantRules {
				if !slices.Contains(rules, r) {
					t.Errorf("rule %s not reported; reported: %q", r, rules)
				}
			}
			if tc.wantBreaking {
				i := slices.IndexFunc(changes, func(c checker.Change) bool { return c.GetId() == tc.wantRules[0] })
				if i >= 0 && (changes[i].GetLevel() != checker.ERR || !strings.Contains(changes[i].GetUncolorizedText(l), tc.wantMention)) {
					t.Errorf("%s: level %v, text %q; want ERR naming %s", tc.wantRules[0], changes[i].GetLevel(), changes[i].GetUncolorizedText(l), tc.wantMention)
				}
			}

			err = Lint(context.Background(), revision)
			switch {
			case len(tc.wantLint) == 0 && err != nil:
				t.Errorf("Lint: %v", err)
			case len(tc.wantLint) > 0 && err == nil:
				t.Errorf("Lint passed; want an error mentioning %q", tc.wantLint)
			case err != nil:
				for _, w := range tc.wantLint {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Lint error does not mention %q:\n%v", w, err)
					}
				}
				if got := lineOf(t, revision, err); !strings.Contains(got, tc.wantLine) {
					t.Errorf("Lint error points at %q, want the line with %q:\n%v", got, tc.wantLine, err)
				}
			}
		})
	}
}

// lineOf returns the line of path that err names as path:N.
func lineOf(t *testing.T, path string, err error) string {
	t.Helper()
	var n int
	if _, scanErr := fmt.Sscanf(strings.TrimPrefix(err.Error(), path), ":%d:", &n); scanErr != nil {
		t.Errorf("Lint error does not start with %s:<line>: %v", path, err)
		return ""
	}
	data, _ := os.ReadFile(path)
	if lines := strings.Split(string(data), "\n"); n >= 1 && n <= len(lines) {
		return lines[n-1]
	}
	return ""
}

// TestKinOpenAPISkipsHeaderExamples pins the gap Lint's header check fills:
// kin-openapi validates a parameter's example but not a header's. When this
// test fails, kin-openapi checks headers itself and headerExamples can go.
func TestKinOpenAPISkipsHeaderExamples(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  headers:
    X-Count: {schema: {type: integer}, example: not-a-number}
  parameters:
    count: {name: count, in: query, schema: {type: integer}, example: not-a-number}
`))
	if err != nil {
		t.Fatal(err)
	}
	opts := []openapi3.ValidationOption{openapi3.EnableExamplesValidation()}
	if err := doc.Components.Headers["X-Count"].Validate(context.Background(), opts...); err != nil {
		t.Errorf("kin-openapi now validates header examples (%v): drop headerExamples from Lint", err)
	}
	if err := doc.Components.Parameters["count"].Validate(context.Background(), opts...); err == nil {
		t.Error("kin-openapi no longer validates parameter examples, which headerExamples relies on")
	}
	if err := headerExamples(context.Background(), "inline.yaml", doc, opts); err == nil || !strings.Contains(err.Error(), `inline.yaml: components header "X-Count": invalid example: value must be an integer`) {
		t.Errorf("headerExamples = %v, want an error naming X-Count", err)
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
	embedded, err := os.ReadFile(filepath.Join("../..", LevelsFile))
	if err != nil || string(embedded) != string(levels) {
		t.Errorf("LevelsFile %s does not hold the embedded levels (err %v)", LevelsFile, err)
	}
}

// TestMakeBreaking runs `make breaking` in a scratch git repository that
// holds the Makefile, go.mod, go.sum, the levels file and openapi.yaml as
// committed, after editing openapi.yaml in its working tree: the Makefile's
// own wording and exit status are what this checks, oasdiff's verdicts are
// the drills' business.
func TestMakeBreaking(t *testing.T) {
	maxLen := strconv.FormatInt(specInt(t, "ProjectId", "maxLength"), 10)
	tightened := strconv.FormatInt(specInt(t, "ProjectId", "maxLength")/2, 10)
	var major, minor int
	if _, err := fmt.Sscanf(at(t, parse(t), "info", "version").Value, "%d.%d", &major, &minor); err != nil {
		t.Fatalf("openapi.yaml: info.version is not major.minor…: %v", err)
	}
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (CI=true: .ci/run needs it)", tool)
			}
			t.Skipf("SKIPPED, not tested: %s is not installed", tool)
		}
	}
	repo := t.TempDir()
	for _, f := range []string{"Makefile", "go.mod", "go.sum", "openapi.yaml", LevelsFile} {
		data, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(repo, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "MAKEFLAGS=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"commit", "-qm", "base"}} {
		if out, err := run("git", args...); err != nil {
			t.Fatalf("git %s: %v\n%s", args, err, out)
		}
	}

	tests := []struct {
		name    string
		edit    func(t *testing.T, root *yaml.Node)
		wantErr bool
		want    []string
	}{
		{
			name: "description reworded: nothing to list",
			edit: func(t *testing.T, r *yaml.Node) { set(t, at(t, r, "info"), "description", "Reworded.") },
			want: []string{"No changes to report, but the specs are different.", "make breaking: no breaking change (0 changes listed above)."},
		},
		{
			name: "task_id maximum widened: listed, not breaking",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "parameters", "TaskId", "schema"), "maximum", strconv.FormatInt(2*specInt(t, "TaskId", "maximum")+1, 10))
			},
			want: []string{"info\t[request-parameter-max-increased]", "make breaking: no breaking change (1 changes listed above)."},
		},
		{
			name: "project_id maxLength tightened: listed and breaking",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "parameters", "ProjectId", "schema"), "maxLength", tightened)
			},
			wantErr: true,
			want: []string{"error\t[request-parameter-max-length-decreased]", "the maxLength was decreased from `" + maxLen + "` to `" + tightened + "`",
				"make breaking: 1 of the changes above (level error) break clients of the contract;", "bump info.version's major version"},
		},
		{
			name: "project_id maxLength tightened, info.version's minor bumped: still breaking",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "parameters", "ProjectId", "schema"), "maxLength", tightened)
				set(t, at(t, r, "info"), "version", fmt.Sprintf("'%d.%d.0'", major, minor+1))
			},
			wantErr: true,
			want:    []string{"error\t[request-parameter-max-length-decreased]", "make breaking: 1 of the changes above (level error) break clients of the contract;"},
		},
		{
			name: "project_id maxLength tightened, info.version's major bumped: listed, declared intended",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "parameters", "ProjectId", "schema"), "maxLength", tightened)
				set(t, at(t, r, "info"), "version", fmt.Sprintf("%d.0.0", major+1))
			},
			want: []string{"error\t[request-parameter-max-length-decreased]", "the maxLength was decreased from `" + maxLen + "` to `" + tightened + "`",
				fmt.Sprintf("make breaking: 1 of the changes above (level error) break clients of the contract, declared intended by the major version bump of info.version (%d → %d).", major, major+1)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(mutate(t, tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(repo, "openapi.yaml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := run("make", "--no-print-directory", "breaking", "BASE=HEAD")
			if (err != nil) != tc.wantErr {
				t.Errorf("make breaking: err = %v, want failure %v", err, tc.wantErr)
			}
			for _, w := range append(tc.want, "Changes to openapi.yaml since HEAD") {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if strings.Contains(out, "oasdiff diff") {
				t.Errorf("output repeats oasdiff's useless hint")
			}
			if t.Failed() {
				t.Logf("make breaking said:\n%s", out)
			}
		})
	}
}

// TestSpecNamesAContact: Spectral's spectral:oas ruleset warns
// info-contact when info has no contact. The contact is a name only: the
// project has no URL or address of its own to give, and an invented one
// was dropped in 2.1.0.
func TestSpecNamesAContact(t *testing.T) {
	info := at(t, parse(t), "info")
	if keyIndex(info, "contact") < 0 || at(t, info, "contact", "name").Value == "" {
		t.Fatal("openapi.yaml: info has no contact with a name (Spectral's info-contact)")
	}
	for _, k := range []string{"url", "email"} {
		if keyIndex(at(t, info, "contact"), k) >= 0 {
			t.Errorf("openapi.yaml: info.contact.%s: the project has none to give; keep the name only", k)
		}
	}
}
