package gates

import (
	"bytes"
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

	"github.com/oms-contract/stoptask/contract"
)

// specPath is the contract, seen from this package's directory.
const specPath = "../../openapi.yaml"

// operations are the spec's operations as the tools compile them (path,
// then method), so that the drills follow the spec however many it has.
func operations(t *testing.T) []contract.Operation {
	t.Helper()
	v, err := contract.New(contract.WithSpecFile(specPath))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Operations()) == 0 {
		t.Fatal("openapi.yaml has no operations")
	}
	return v.Operations()
}

// opNode is op's node in root.
func opNode(t *testing.T, root *yaml.Node, op contract.Operation) *yaml.Node {
	t.Helper()
	return at(t, root, "paths", op.Path, strings.ToLower(op.Method))
}

// taking lists, as oasdiff names them ("GET /v2/…"), the operations that
// take the parameter name: a change to it is one change per operation.
func taking(t *testing.T, name string) []string {
	t.Helper()
	var ops []string
	for _, op := range operations(t) {
		if hasParam(op, name) {
			ops = append(ops, op.Method+" "+op.Path)
		}
	}
	if len(ops) == 0 {
		t.Fatalf("no operation of openapi.yaml takes %s; update this drill", name)
	}
	return ops
}

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
	// Indented as openapi.yaml is, so that tests which read the copy's text
	// (the drill runs them) find it laid out as they know it.
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
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
)

// added is an operation a drill adds to the spec: its path item, in YAML.
type added struct {
	id, method, path, pathItem string
}

// listTasks is ListTasks (issue 14) under id at path: GET, the project's
// tasks a page at a time (query limit 1..100, default 10, and offset), the
// answer {"tasks": [Task…], "count": int64}, and ShowTask's other responses
// (its errors) copied from the spec.
func listTasks(t *testing.T, root *yaml.Node, id, path string) added {
	t.Helper()
	var item yaml.Node
	if err := yaml.Unmarshal([]byte(`
parameters:
  - $ref: '#/components/parameters/ProjectId'
get:
  operationId: `+id+`
  summary: List the project's migration tasks (查询任务列表)
  description: The project's tasks by ID, limit of them from offset, and how many there are.
  x-oms-error-code: OMS.0064
  parameters:
    - name: limit
      in: query
      description: How many tasks to answer with.
      schema: {type: integer, minimum: 1, maximum: 100, default: 10}
    - name: offset
      in: query
      description: How many tasks to pass over.
      schema: {type: integer, minimum: 0}
  responses:
    '200':
      description: A page of the project's tasks.
      content:
        application/json:
          schema:
            type: object
            required: [tasks, count]
            properties:
              tasks:
                type: array
                items:
                  $ref: '#/components/schemas/Task'
              count:
                type: integer
                format: int64
`), &item); err != nil {
		t.Fatal(err)
	}
	var show *yaml.Node
	for _, op := range operations(t) {
		if op.OperationID == "ShowTask" {
			show = opNode(t, root, op)
		}
	}
	if show == nil {
		t.Fatal("openapi.yaml has no ShowTask, whose responses ListTasks copies; update this drill")
	}
	get := at(t, &item, "get")
	set(t, get, "tags", encode(t, at(t, show, "tags")))
	ok, responses := at(t, get, "responses", "200"), at(t, get, "responses")
	set(t, ok, "headers", encode(t, at(t, show, "responses", "200", "headers")))
	for i, r := 0, at(t, show, "responses"); i+1 < len(r.Content); i += 2 {
		if code := r.Content[i].Value; !strings.HasPrefix(code, "2") {
			set(t, responses, code, encode(t, r.Content[i+1]))
		}
	}
	return added{id: id, method: "GET", path: path, pathItem: encode(t, &item)}
}

func encode(t *testing.T, n *yaml.Node) string {
	t.Helper()
	out, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// freeOperation is ListTasks at GET /v2/{project_id}/tasks, or, once the
// spec has either, under an ID and path it does not have yet.
func freeOperation(t *testing.T, root *yaml.Node) added {
	t.Helper()
	paths := at(t, root, "paths")
	for n := 1; ; n++ {
		id, path := "ListTasks", "/v2/{project_id}/tasks"
		if n > 1 {
			id, path = id+strconv.Itoa(n), path+strconv.Itoa(n)
		}
		if keyIndex(paths, path) < 0 && !slices.ContainsFunc(operations(t), func(op contract.Operation) bool { return op.OperationID == id }) {
			return listTasks(t, root, id, path)
		}
	}
}

// brokenExample finds the example a drill breaks: the first example of the
// first operation's 400 response (followed to its component when it is a
// $ref), and the first member the Error schema requires. It returns the
// example's name, its value's node and the member.
func brokenExample(t *testing.T, root *yaml.Node) (name string, value *yaml.Node, member string) {
	t.Helper()
	examples := at(t, opNode(t, root, operations(t)[0]), "responses", "400", "content", "application/json", "examples")
	if len(examples.Content) < 2 {
		t.Fatalf("%s's 400 response has no examples; update this drill", operations(t)[0].OperationID)
	}
	name, ex := examples.Content[0].Value, examples.Content[1]
	if i := keyIndex(ex, "$ref"); i >= 0 {
		ref, ok := strings.CutPrefix(ex.Content[i+1].Value, "#/components/examples/")
		if !ok {
			t.Fatalf("example %s: $ref %s is not a component example; update this drill", name, ex.Content[i+1].Value)
		}
		ex = at(t, root, "components", "examples", ref)
	}
	required := at(t, root, "components", "schemas", "Error", "required")
	if len(required.Content) == 0 {
		t.Fatal("the Error schema requires no member; update this drill")
	}
	return name, at(t, ex, "value"), required.Content[0].Value
}

// TestSpecChangeDrills changes a copy of openapi.yaml the way an engineer
// would and asserts what both gates say: Changes (make breaking) and Lint
// (the Go half of make lint). The drills on one operation run on each
// operation of the spec.
func TestSpecChangeDrills(t *testing.T) {
	maxLen := strconv.FormatInt(specInt(t, "ProjectId", "maxLength"), 10)
	tightened := strconv.FormatInt(specInt(t, "ProjectId", "maxLength")/2, 10)
	param := func(t *testing.T, root *yaml.Node, name string) *yaml.Node {
		return at(t, root, "components", "parameters", name)
	}
	exampleName, _, member := brokenExample(t, parse(t))
	extra := freeOperation(t, parse(t))
	type drill struct {
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
		// on is the operation a drill edits: wantRules must be reported
		// on it.
		on contract.Operation
	}
	tests := []drill{
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
			name: "operation " + extra.method + " " + extra.path + " added",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "paths"), extra.path, extra.pathItem)
			},
			wantRules: []string{"endpoint-added"},
			on:        contract.Operation{Path: extra.path, Method: extra.method},
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
			name: "header example of the wrong type",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "headers", "X-Request-Id"), "example", "42")
			},
			wantLint: []string{`components header "X-Request-Id"`, "example", "value must be a string"}, wantLine: "example: 42",
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
				_, value, member := brokenExample(t, r)
				del(t, value, member)
			},
			wantLint: []string{"example " + exampleName, `property "` + member + `" is missing`}, wantLine: "value:",
		},
	}
	for _, op := range operations(t) {
		drills := []drill{
			{
				name: "inline optional response header with an example added",
				edit: func(t *testing.T, r *yaml.Node) {
					set(t, at(t, opNode(t, r, op), "responses", "200", "headers"), "X-Trace-Id", inlineHeader)
				},
				wantRules: []string{"response-header-added"},
			},
			{
				name:      "optional query parameter added",
				edit:      func(t *testing.T, r *yaml.Node) { set(t, opNode(t, r, op), "parameters", optionalQuery) },
				wantRules: []string{"new-optional-request-parameter"},
			},
			{
				name:         "documented 400 response removed",
				edit:         func(t *testing.T, r *yaml.Node) { del(t, at(t, opNode(t, r, op), "responses"), "400") },
				wantRules:    []string{"response-non-success-status-removed"},
				wantBreaking: true, wantMention: "`400`",
			},
			{
				name:         "documented 200 response removed",
				edit:         func(t *testing.T, r *yaml.Node) { del(t, at(t, opNode(t, r, op), "responses"), "200") },
				wantRules:    []string{"response-success-status-removed"},
				wantBreaking: true, wantMention: "`200`",
			},
			{
				name:         "required request header added",
				edit:         func(t *testing.T, r *yaml.Node) { set(t, opNode(t, r, op), "parameters", requiredHeader) },
				wantRules:    []string{"new-required-request-parameter"},
				wantBreaking: true, wantMention: "`x-client-id`",
			},
			{
				name: "inline response header example of the wrong type",
				edit: func(t *testing.T, r *yaml.Node) {
					set(t, at(t, opNode(t, r, op), "responses", "200", "headers"), "X-Trace-Id", strings.Replace(inlineHeader, "4f1c2a", "[1, 2]", 1))
				},
				wantRules: []string{"response-header-added"},
				wantLint:  []string{op.Method + " " + op.Path + ` response 200 header "X-Trace-Id"`, "example", "value must be a string"}, wantLine: "example:",
			},
		}
		for _, d := range drills {
			d.name, d.on = d.name+" on "+op.OperationID, op
			tests = append(tests, d)
		}
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
				if tc.on.Path != "" && !slices.ContainsFunc(changes, func(c checker.Change) bool {
					return c.GetId() == r && c.GetOperation() == tc.on.Method && c.GetPath() == tc.on.Path
				}) {
					t.Errorf("rule %s not reported on %s %s", r, tc.on.Method, tc.on.Path)
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
	shorter := strconv.FormatInt(specInt(t, "ProjectId", "maxLength")/2, 10)
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

	// A change to a parameter is one change on each operation that takes
	// it: each is listed, and counted.
	widened, tightened := taking(t, "task_id"), taking(t, "project_id")
	listed := func(level, rule string, ops []string) []string {
		want := []string{level + "\t[" + rule + "]"}
		for _, op := range ops {
			want = append(want, "in API "+op+"\n")
		}
		return want
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
			want: append(listed("info", "request-parameter-max-increased", widened),
				fmt.Sprintf("%d changes: 0 error, 0 warning, %[1]d info\n", len(widened)),
				fmt.Sprintf("make breaking: no breaking change (%d changes listed above).", len(widened))),
		},
		{
			name: "project_id maxLength tightened: listed and breaking",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "parameters", "ProjectId", "schema"), "maxLength", shorter)
			},
			wantErr: true,
			want: append(listed("error", "request-parameter-max-length-decreased", tightened), "the maxLength was decreased from `"+maxLen+"` to `"+shorter+"`",
				fmt.Sprintf("make breaking: %d of the changes above (level error) break clients of the contract;", len(tightened)), "bump info.version's major version"),
		},
		{
			name: "project_id maxLength tightened, info.version's minor bumped: still breaking",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "parameters", "ProjectId", "schema"), "maxLength", shorter)
				set(t, at(t, r, "info"), "version", fmt.Sprintf("'%d.%d.0'", major, minor+1))
			},
			wantErr: true,
			want: append(listed("error", "request-parameter-max-length-decreased", tightened),
				fmt.Sprintf("make breaking: %d of the changes above (level error) break clients of the contract;", len(tightened))),
		},
		{
			name: "project_id maxLength tightened, info.version's major bumped: listed, declared intended",
			edit: func(t *testing.T, r *yaml.Node) {
				set(t, at(t, r, "components", "parameters", "ProjectId", "schema"), "maxLength", shorter)
				set(t, at(t, r, "info"), "version", fmt.Sprintf("%d.0.0", major+1))
			},
			want: append(listed("error", "request-parameter-max-length-decreased", tightened), "the maxLength was decreased from `"+maxLen+"` to `"+shorter+"`",
				fmt.Sprintf("make breaking: %d of the changes above (level error) break clients of the contract, declared intended by the major version bump of info.version (%d → %d).", len(tightened), major, major+1)),
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

// TestLintOrderIsStable: Lint names the header examples of a path's
// operations by method, the same order every run (ShowTask and DeleteTask
// share a path), not in map order.
func TestLintOrderIsStable(t *testing.T) {
	op := func(m string) string {
		return "    " + m + ":\n      responses:\n        '200':\n          description: ok\n          headers:\n            X-Count: {schema: {type: integer}, example: " + m + "}\n"
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /tasks:\n" +
		op("post") + op("get") + op("delete") + op("put")))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		err := headerExamples(context.Background(), "inline.yaml", doc, nil)
		var got []string
		for _, l := range strings.Split(fmt.Sprint(err), "\n") {
			if _, after, ok := strings.Cut(l, "inline.yaml: "); ok {
				got = append(got, strings.Fields(after)[0])
			}
		}
		if want := []string{"DELETE", "GET", "POST", "PUT"}; !slices.Equal(got, want) {
			t.Fatalf("Lint names %q, want %q:\n%v", got, want, err)
		}
	}
}

// hasParam reports whether op has the parameter name.
func hasParam(op contract.Operation, name string) bool {
	return slices.ContainsFunc(op.Params, func(p *openapi3.Parameter) bool { return p.Name == name })
}
