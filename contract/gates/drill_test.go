package gates

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// listTasksMock is the hand work the fifth-operation drill expects after
// `make generate`: ListTasks' behaviour in the mock, one new file.
const listTasksMock = `package mock

import (
	"cmp"
	"context"
	"slices"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// ListTasks answers the caller's project's tasks as they are now, by ID:
// limit of them (10 by default) from offset, and how many there are.
func (m *Mock) ListTasks(ctx context.Context, req gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	projects, _ := ctx.Value(projectsKey{}).([]string)
	if !slices.Contains(projects, req.ProjectId) && !slices.Contains(projects, AnyProject) {
		return gen.ListTasks400JSONResponse{Body: m.error(gen.CodeInsufficientPermission),
			Headers: gen.ListTasks400ResponseHeaders{XRequestId: contract.RequestID(ctx)}}, nil
	}
	tasks := []gen.Task{}
	m.mu.Lock()
	for k, s := range m.tasks {
		if k.project == req.ProjectId {
			m.settle(s)
			tasks = append(tasks, s.view())
		}
	}
	m.mu.Unlock()
	slices.SortFunc(tasks, func(a, b gen.Task) int { return cmp.Compare(*a.Id, *b.Id) })
	limit, offset := 10, 0
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	if req.Params.Offset != nil {
		offset = min(*req.Params.Offset, len(tasks))
	}
	ok := gen.ListTasks200JSONResponse{Headers: gen.ListTasks200ResponseHeaders{XRequestId: contract.RequestID(ctx)}}
	ok.Body.Tasks, ok.Body.Count = tasks[offset:min(offset+limit, len(tasks))], int64(len(tasks))
	return ok, nil
}
`

// drillTests are the packages whose tests the fifth-operation drill runs,
// unedited, in the copy, less the drill itself (it would find ListTasks
// there already). The suite runs apart because its TestSpecChangeDrills
// shares a name with gates'. The docs site's browser test is compiled, by
// go vet, not run: it needs Chromium, and make docs runs it.
var drillTests = []struct {
	pkgs []string
	skip string
}{
	{[]string{"./gen/...", "./contract/", "./contract/gates/", "./contract/mock/", "./contract/cmd/omscontract/"}, "TestFifthOperationDrill"},
	{[]string{"./contract/suite/"}, ""},
}

// TestFifthOperationDrill is issue 14's drill: in a copy of the module it
// adds a fifth operation, ListTasks, to openapi.yaml and regenerates gen/.
// The build then fails on the mock's compile-time check, naming the method
// to write, and on nothing else; one new file in contract/mock/ with that
// method is all the hand work: vet, the tests and `omscontract check`
// (conformant, ListTasks' 200 exercised by the suite's positive case) pass
// with no test edited.
func TestFifthOperationDrill(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the drill runs the go command: %v", err)
	}
	start := time.Now()
	dir := filepath.Join(t.TempDir(), "module")
	copyModule(t, "../..", dir)
	root := parse(t)
	if keyIndex(at(t, root, "paths"), "/v2/{project_id}/tasks") >= 0 {
		t.Fatal("openapi.yaml has /v2/{project_id}/tasks already: this drill adds it; update it")
	}
	list := listTasks(t, root, "ListTasks", "/v2/{project_id}/tasks")
	spec, err := os.ReadFile(mutate(t, func(t *testing.T, r *yaml.Node) { set(t, at(t, r, "paths"), list.path, list.pathItem) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}

	// Like make check, without the OMS_* settings that would point
	// omscontract at a real endpoint.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "OMS_") })
	run := func(name string, args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		began := time.Now()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, 10*time.Second
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		t.Logf("%s %s: %v (%s)", filepath.Base(name), strings.Join(args, " "), err, time.Since(began).Round(100*time.Millisecond))
		return string(out), err
	}
	must := func(name string, args ...string) string {
		t.Helper()
		out, err := run(name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return out
	}

	must(goBin, "generate", "./gen/...")
	// The compile-time check in contract/mock tells what to write, and it
	// is the only error.
	out, err := run(goBin, "build", "./...")
	if err == nil {
		t.Fatal("go build ./... passed with ListTasks in the spec and no mock behaviour for it: the mock's compile-time check is gone")
	}
	errLine := regexp.MustCompile(`(?m)^[^\s#].*\.go:\d+:\d+: .*$`)
	lines := errLine.FindAllString(out, -1)
	if len(lines) == 0 {
		t.Fatalf("go build ./... failed without a compile error:\n%s", out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "contract/mock/") || !strings.Contains(l, "*Mock does not implement gen.StrictServerInterface (missing method ListTasks)") {
			t.Errorf("go build ./...: an error other than the mock's missing ListTasks: %s", l)
		}
	}
	if t.Failed() {
		t.Fatalf("go build ./... said:\n%s", out)
	}

	if err := os.WriteFile(filepath.Join(dir, "contract", "mock", "listtasks.go"), []byte(listTasksMock), 0o644); err != nil {
		t.Fatal(err)
	}
	must(goBin, "vet", "./...")
	for _, p := range drillTests {
		args := []string{"test", "-timeout=7m"}
		if p.skip != "" {
			args = append(args, "-skip=^("+p.skip+")$")
		}
		must(goBin, append(args, p.pkgs...)...)
	}

	bin := filepath.Join(t.TempDir(), "omscontract")
	must(goBin, "build", "-o", bin, "./contract/cmd/omscontract")
	covFile := filepath.Join(t.TempDir(), "coverage.json")
	out = must(bin, "check", "--coverage", covFile)
	if !strings.HasSuffix(out, "\nconformant\n") {
		t.Errorf("omscontract check does not end with conformant:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^pass +200 +ListTasks accepted$`).MatchString(out) {
		t.Errorf("omscontract check ran no passing positive case for ListTasks:\n%s", out)
	}
	if strings.Contains(out, "from the spec's examples") {
		t.Errorf("omscontract check answered an operation from the spec's examples:\n%s", out)
	}
	checkCoverage(t, out, covFile, list.id)
	t.Logf("the drill took %s", time.Since(start).Round(time.Second))
}

// checkCoverage holds check's coverage line ("N of M documented responses
// exercised") to its coverage report, in which id's 2xx must be exercised.
func checkCoverage(t *testing.T, out, file, id string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^(\d+) of (\d+) documented responses exercised$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("omscontract check printed no coverage line:\n%s", out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Operations []struct {
			OperationID string `json:"operation_id"`
			Responses   []struct {
				Status string `json:"status"`
				Seen   int    `json:"seen"`
			} `json:"responses"`
		} `json:"operations"`
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	seen, all, ok := 0, 0, false
	for _, op := range report.Operations {
		for _, r := range op.Responses {
			all++
			if r.Seen > 0 {
				seen++
				ok = ok || op.OperationID == id && strings.HasPrefix(r.Status, "2")
			}
		}
	}
	if !ok {
		t.Errorf("coverage: %s's 2xx was not exercised:\n%s", id, data)
	}
	if m[1] != strconv.Itoa(seen) || m[2] != strconv.Itoa(all) {
		t.Errorf("coverage line %q, but the report has %d of %d responses exercised", m[0], seen, all)
	}
}

// copyModule copies the module at src to dst: every file but those under
// .git, node_modules and _site (what git, npm and make docs write).
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		switch {
		case d.Name() == ".git" && !d.IsDir(): // a worktree's
			return nil
		case d.IsDir() && slices.Contains([]string{".git", "node_modules", "_site"}, d.Name()):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
