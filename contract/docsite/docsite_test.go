package docsite

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/net/html"

	"github.com/oms-contract/stoptask/contract"
)

// The repository root, seen from this package's directory.
const repoRoot = "../.."

// unavailable reports a missing tool. Outside CI the test is skipped with a
// plain explanation (and `make test` lists it); on CI (CI=true, where .ci/run
// installs everything) and under `make docs` (DOCSITE_DIR set) it fails, so
// the checks can never silently stop running there.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	switch {
	case os.Getenv("CI") == "true":
		t.Fatalf("%s (CI=true: this must be installed by .ci/run)", msg)
	case os.Getenv("DOCSITE_DIR") != "":
		t.Fatalf("%s (make docs needs it)", msg)
	}
	t.Skipf("SKIPPED, not tested: %s", msg)
}

// requireNodeTools skips (or fails on CI) when Node.js or the pinned npm
// tools are missing, naming what to install.
func requireNodeTools(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "Node.js is not installed (%v); install Node.js 20.19+ and npm, then run `npm ci`", err)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "node_modules", "@redocly", "cli", "package.json")); err != nil {
		unavailable(t, "the pinned Redocly CLI is not installed (%v); run `npm ci` at the repository root", err)
	}
}

// chromiumPath finds Chromium: $CHROMIUM if set, else /usr/bin/chromium,
// else chromium on PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		unavailable(t, "Chromium is not installed, so the docs were not checked in a browser; install it with `apt-get install -y chromium fonts-wqy-zenhei`")
	}
	return p
}

func buildSite(t *testing.T, dir string) {
	t.Helper()
	if err := build(filepath.Join(repoRoot, "openapi.yaml"), dir); err != nil {
		t.Fatalf("Build: %v", err)
	}
}

func build(spec, dir string) error {
	// A hang guard only: a build takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return Build(ctx, Options{
		SpecPath:    spec,
		OutDir:      dir,
		NodeModules: filepath.Join(repoRoot, "node_modules"),
	})
}

// shared is one build of the real site that several tests read, so that
// `go test -race ./...` does not pay for a build per test.
var shared struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// sharedSite returns the shared build; callers must not modify it.
func sharedSite(t *testing.T) string {
	t.Helper()
	requireNodeTools(t)
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "docsite-test-"); shared.err == nil {
			shared.err = build(filepath.Join(repoRoot, "openapi.yaml"), shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatalf("Build: %v", shared.err)
	}
	return shared.dir
}

func TestMakeOffline(t *testing.T) {
	const bundle = `<script type="module">/**
* Version: ` + RedocVersion + `
**/ const s = "<link rel=stylesheet href=https://cdn.example/x.css>"; hydrate();</script>`
	tests := []struct {
		name       string
		page       string
		wantErr    string
		wantGone   []string
		wantKept   []string
		wantNoRefs bool
	}{
		{
			name: "CDN module preload, script and Google font link are stripped",
			page: `<head><link rel="modulepreload" href="https://cdn.redocly.com/redoc/v3/bundles/redoc.standalone.js" integrity="x" crossorigin="anonymous" />` +
				`<link href="https://fonts.googleapis.com/css?family=Montserrat" rel="stylesheet">` +
				`<script src="https://cdn.example/redoc.js"></script><script src=//cdn.example/x.js></script></head>` + bundle,
			wantGone:   []string{"modulepreload", "fonts.googleapis.com", "cdn.example/redoc.js", "//cdn.example/x.js"},
			wantKept:   []string{`hydrate();`},
			wantNoRefs: true,
		},
		{
			name:       "web font @import in a style block is stripped",
			page:       `<style>@import url("https://fonts.googleapis.com/css?family=Roboto"); body{margin:0}</style>` + bundle,
			wantGone:   []string{"fonts.googleapis.com"},
			wantKept:   []string{"body{margin:0}"},
			wantNoRefs: true,
		},
		{
			name:     "markup inside the inlined JavaScript is left alone",
			page:     bundle,
			wantKept: []string{`"<link rel=stylesheet href=https://cdn.example/x.css>"`},
		},
		{
			name:       "local links and data URLs stay",
			page:       `<link rel="icon" href="favicon.ico"><style>@font-face{src:url('data:font/woff;base64,AA')}</style>` + bundle,
			wantKept:   []string{`href="favicon.ico"`, "data:font/woff"},
			wantNoRefs: true,
		},
		{
			name:    "a CSS url() to a host cannot be stripped safely and is an error",
			page:    `<style>.x{background:url(https://cdn.example/bg.png)}</style>` + bundle,
			wantErr: "still loads from the network: https://cdn.example/bg.png",
		},
		{
			name:    "a page without the inlined bundle is an error",
			page:    `<script type="module">import { hydrate } from "./redoc.js";</script>`,
			wantErr: "not inlined",
		},
		{
			name:    "another Redoc version is an error",
			page:    strings.Replace(bundle, RedocVersion, "2.5.0", 1),
			wantErr: "inlined Redoc is 2.5.0",
		},
		{
			name:    "telemetry left on is an error",
			page:    bundle + `<script>const o = {"disableTelemetry":false};</script>`,
			wantErr: "telemetry",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MakeOffline([]byte(tc.page))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("MakeOffline error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("MakeOffline: %v", err)
			}
			for _, s := range tc.wantGone {
				if bytes.Contains(got, []byte(s)) {
					t.Errorf("output still contains %q:\n%s", s, got)
				}
			}
			for _, s := range tc.wantKept {
				if !bytes.Contains(got, []byte(s)) {
					t.Errorf("output lost %q:\n%s", s, got)
				}
			}
			if refs := ExternalResources(got); tc.wantNoRefs && len(refs) > 0 {
				t.Errorf("ExternalResources = %q, want none", refs)
			}
		})
	}
}

func TestExternalResources(t *testing.T) {
	tests := []struct {
		name string
		page string
		want []string
	}{
		{name: "external script", page: `<script src="https://cdn.example/a.js"></script>`, want: []string{"https://cdn.example/a.js"}},
		{name: "stylesheet link", page: `<link rel="stylesheet" href="http://cdn.example/a.css">`, want: []string{"http://cdn.example/a.css"}},
		{name: "font url in style", page: `<style>@font-face{src:url(https://fonts.gstatic.com/f.woff2)}</style>`, want: []string{"https://fonts.gstatic.com/f.woff2"}},
		{name: "clickable link is not a load", page: `<a href="https://github.com/x">x</a>`},
		{name: "URL in script text is not a load", page: `<script>fetch("https://example.com")</script>`},
		{name: "relative script", page: `<script src="redoc.js"></script>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExternalResources([]byte(tc.page)); !slices.Equal(got, tc.want) {
				t.Errorf("ExternalResources = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBuildIsReproducibleAndOffline builds the real site twice and checks
// that the bytes match and that the page loads nothing from any host.
func TestBuildIsReproducibleAndOffline(t *testing.T) {
	first, second := sharedSite(t), t.TempDir()
	want := loadExpectations(t, filepath.Join(repoRoot, "openapi.yaml"))
	buildSite(t, second)
	for _, name := range []string{IndexFile, YAMLFile, JSONFile} {
		a, err := os.ReadFile(filepath.Join(first, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(second, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds (%d vs %d bytes): the build is not reproducible", name, len(a), len(b))
		}
	}

	page, err := os.ReadFile(filepath.Join(first, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if refs := ExternalResources(page); len(refs) > 0 {
		t.Errorf("index.html loads from the network: %q", refs)
	}
	for _, want := range []string{`href="openapi.yaml"`, `href="openapi.json"`, "Version: " + RedocVersion, `"disableTelemetry":true`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("index.html lacks %s", want)
		}
	}

	// Both downloads must be the contract itself, loadable and valid.
	for _, name := range []string{YAMLFile, JSONFile} {
		doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(first, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
		for _, op := range want.ops {
			if doc.Paths.Find(op.Texts[2]) == nil {
				t.Errorf("%s lacks the path of %s", name, op.ID)
			}
		}
	}
	var anyJSON map[string]any
	data, err := os.ReadFile(filepath.Join(first, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &anyJSON); err != nil {
		t.Errorf("%s is not JSON: %v", JSONFile, err)
	}
}

// harnessStep is one snapshot the browser harness took.
type harnessStep struct {
	Name         string   `json:"name"`
	Hash         string   `json:"hash"`
	Hydrated     bool     `json:"hydrated"`
	Text         string   `json:"text"`
	Downloads    []string `json:"downloads"`
	Links        []string `json:"links"`
	BrokenImages []string `json:"brokenImages"`
}

type harnessResult struct {
	Steps          []harnessStep `json:"steps"`
	Error          string        `json:"error"`
	NetworkBlocked *bool         `json:"networkBlocked"`
	// RemoteImagesBlocked says the page's CSP refused an image from another host.
	RemoteImagesBlocked bool `json:"remoteImagesBlocked"`
	// Problems are the operations' failed steps, each led by its operationId.
	Problems []string `json:"problems"`
	// CJK is, by operationId, how the title's Chinese text was drawn in the
	// title's font.
	CJK map[string]*struct {
		Found           bool   `json:"found"`
		Font            string `json:"font"`
		Inked, Distinct int
	} `json:"cjk"`
}

// runChromium runs headless Chromium with the flags the issue asks for, a
// fresh profile and no way to reach any host: every name resolves to
// NOTFOUND and every connection goes through a proxy that does not exist.
func runChromium(t *testing.T, chromium string, args ...string) []byte {
	t.Helper()
	// A hang guard only: a healthy run takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(),
		"--host-resolver-rules=MAP * ~NOTFOUND",
		"--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--hide-scrollbars", "--mute-audio",
	}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s", chromium, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

func fileURL(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// expectations derives what the rendered page must show from a spec, so
// the test follows the contract instead of repeating it.
type expectations struct {
	urls          []string // the only other hosts' URLs the page may link: externalDocs, license
	schemeHeaders map[string]string
	ops           []opWant
}

// opWant is what the page must show of one operation. Its JSON is what the
// harness reads.
type opWant struct {
	ID    string   `json:"id"`
	Texts []string `json:"texts"` // summary, method, path, "name" and rendered limits of each parameter
	CJK   string   `json:"cjk"`   // the Chinese text of the summary
	// Schemes are the names of the security schemes the operation accepts.
	Schemes []string `json:"schemes"`
	// Responses maps each status with a body to its examples: summary (or
	// name) → error code ("" when the example has none).
	Responses  map[string]map[string]string `json:"responses"`
	ErrorCodes []string                     `json:"-"`
}

func loadExpectations(t *testing.T, specPath string) expectations {
	t.Helper()
	doc, err := contract.LoadSpec(context.Background(), specPath)
	if err != nil {
		t.Fatal(err)
	}
	v, err := contract.New(contract.WithSpec(doc))
	if err != nil {
		t.Fatal(err)
	}
	e := expectations{urls: []string{doc.ExternalDocs.URL, doc.Info.License.URL}, schemeHeaders: map[string]string{}}
	for name, s := range doc.Components.SecuritySchemes {
		e.schemeHeaders[name] = s.Value.Name
	}
	for _, op := range v.Operations() {
		w := opWant{ID: op.OperationID, Texts: []string{op.Summary, strings.ToUpper(op.Method), op.Path},
			CJK: regexp.MustCompile(`\p{Han}+`).FindString(op.Summary), Responses: map[string]map[string]string{}}
		for _, p := range op.Params {
			w.Texts = append(w.Texts, p.Name)
			switch s := p.Schema.Value; {
			case s.Type.Is("string") && s.MaxLength != nil:
				w.Texts = append(w.Texts, fmt.Sprintf("[ %d .. %d ] characters", s.MinLength, *s.MaxLength))
			case s.Min != nil && s.Max != nil:
				w.Texts = append(w.Texts, fmt.Sprintf("[ %.0f .. %.0f ]", *s.Min, *s.Max))
			}
		}
		security := cmp.Or(op.Security, &doc.Security)
		for _, req := range *security {
			for name := range req {
				w.Schemes = append(w.Schemes, name)
			}
		}
		slices.Sort(w.Schemes)
		w.Schemes = slices.Compact(w.Schemes)
		for status, ref := range op.Responses.Map() {
			for _, mt := range ref.Value.Content {
				if w.Responses[status] == nil {
					w.Responses[status] = map[string]string{}
				}
				for name, ex := range mt.Examples {
					v, _ := ex.Value.Value.(map[string]any)
					code, _ := v["error_code"].(string)
					w.Responses[status][cmp.Or(ex.Value.Summary, name)] = code
					if code != "" && !slices.Contains(w.ErrorCodes, code) {
						w.ErrorCodes = append(w.ErrorCodes, code)
					}
				}
			}
		}
		e.ops = append(e.ops, w)
	}
	if len(e.ops) == 0 {
		t.Fatalf("%s has no operations to check", specPath)
	}
	return e
}

// siteForBrowser returns the site to check: $DOCSITE_DIR when set (make docs
// sets it to _site, so the screenshot lands in _site/preview.png), else a
// copy of the shared build in a temporary directory.
func siteForBrowser(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("DOCSITE_DIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, IndexFile)); err != nil {
			t.Fatalf("DOCSITE_DIR=%s: %v (run `make docs`)", dir, err)
		}
		return dir
	}
	// Copy the shared build so the screenshot does not land in it.
	src := sharedSite(t)
	dir := t.TempDir()
	for _, name := range []string{IndexFile, YAMLFile, JSONFile} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBrowserCheckFollowsTheSpec drills the browser check on the page of a
// copy of openapi.yaml in which ShowTask's summary is changed, DeleteTask is
// removed and a fifth operation, ListTasks, is added: checked against
// openapi.yaml, it must fail naming ShowTask's summary and DeleteTask;
// checked against the copy, it must pass, ListTasks included.
func TestBrowserCheckFollowsTheSpec(t *testing.T) {
	chromium := chromiumPath(t)
	requireNodeTools(t)
	real := filepath.Join(repoRoot, "openapi.yaml")
	doc, err := openapi3.NewLoader().LoadFromFile(real)
	if err != nil {
		t.Fatal(err)
	}
	item := doc.Paths.Value("/v2/{project_id}/tasks/{task_id}")
	list := *item.Get
	list.OperationID, list.Summary = "ListTasks", "List the migration tasks (查询任务列表)"
	doc.Paths.Set("/v2/{project_id}/tasks", &openapi3.PathItem{Get: &list,
		Parameters: slices.DeleteFunc(slices.Clone(item.Parameters), func(p *openapi3.ParameterRef) bool { return p.Value.Name != "project_id" })})
	oldSummary := item.Get.Summary
	item.Get.Summary, item.Delete = "Show one task (查询任务)", nil
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec, site := filepath.Join(dir, "copy.json"), filepath.Join(dir, "site")
	if err := os.WriteFile(spec, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := build(spec, site); err != nil {
		t.Fatalf("Build: %v", err)
	}

	problems := strings.Join(checkInBrowser(t, chromium, site, loadExpectations(t, real)), "\n")
	for _, want := range []string{"ShowTask: its section of the page does not show " + strconv.Quote(oldSummary), "DeleteTask: "} {
		if !strings.Contains(problems, want) {
			t.Errorf("checked against openapi.yaml, the page of the copy gave no problem %q; problems:\n%s", want, problems)
		}
	}
	want := loadExpectations(t, spec)
	if !slices.ContainsFunc(want.ops, func(op opWant) bool { return op.ID == "ListTasks" }) {
		t.Fatalf("the copy's expectations lack ListTasks: %+v", want.ops)
	}
	if problems := checkInBrowser(t, chromium, site, want); len(problems) > 0 {
		t.Errorf("checked against the copy itself, its page gave problems:\n%s", strings.Join(problems, "\n"))
	}
}

// checkInBrowser runs the harness on site's page and lists what the page
// does not show of want, each problem naming its operation.
func checkInBrowser(t *testing.T, chromium, site string, want expectations) (problems []string) {
	t.Helper()
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// What the page must show on landing: the first tag lists every
	// operation by summary and path.
	var landing []string
	for _, op := range want.ops {
		landing = append(landing, op.Texts[0], op.Texts[2])
	}
	harnessWant, err := json.Marshal(map[string]any{"operations": want.ops, "headers": want.schemeHeaders,
		"downloads": []string{YAMLFile, JSONFile}, "landing": landing})
	if err != nil {
		t.Fatal(err)
	}
	harness := filepath.Join(t.TempDir(), "harness.html")
	if err := os.WriteFile(harness, fmt.Appendf(nil, harnessHTML, fileURL(t, filepath.Join(site, IndexFile)), harnessWant), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, chromium,
		"--allow-file-access-from-files",
		"--virtual-time-budget=600000",
		"--dump-dom", fileURL(t, harness))
	out, ok := harnessOutput(dom)
	if !ok {
		t.Fatalf("the harness wrote no result; dumped DOM starts:\n%.2000s", dom)
	}
	var res harnessResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("harness result: %v\n%s", err, out)
	}
	if res.NetworkBlocked == nil || !*res.NetworkBlocked {
		problem("a fetch to http://example.com/ did not fail: the browser was not offline")
	}
	if res.Error != "" {
		problem("the page did not behave as expected in the browser: %s\nsteps so far: %d", res.Error, len(res.Steps))
		return problems
	}
	problems = append(problems, res.Problems...)

	steps := map[string]harnessStep{}
	var badLinks []string
	for _, s := range res.Steps {
		if !s.Hydrated {
			problem("step %q: Redoc had not hydrated the page", s.Name)
		}
		if len(s.BrokenImages) > 0 {
			problem("step %q: broken images show: %q", s.Name, s.BrokenImages)
		}
		for _, href := range s.Links {
			inPage := strings.HasPrefix(href, "#") || strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//")
			if !inPage && href != YAMLFile && href != JSONFile && !slices.Contains(want.urls, href) && !slices.Contains(badLinks, href) {
				badLinks = append(badLinks, href)
				problem("step %q: the page links %q, which is neither in the page, a download, nor openapi.yaml's externalDocs or license URL %q", s.Name, href, want.urls)
			}
		}
		if strings.Contains(s.Text, "API docs by") {
			problem("step %q: the page shows Redocly's \"API docs by\" link", s.Name)
		}
		steps[s.Name] = s
	}

	landingStep, overview := steps["landing"], steps["overview"]
	if landingStep.Name == "" || overview.Name == "" {
		t.Fatal("no snapshot of the page as it opens or of its overview")
	}
	for _, f := range []string{YAMLFile, JSONFile} {
		if !slices.Contains(overview.Downloads, f) {
			problem("overview download links = %q, want %s", overview.Downloads, f)
		}
	}
	if strings.Contains(landingStep.Text, "+ Show") {
		problem("the page opens with something collapsed behind \"+ Show\"")
	}
	for _, w := range landing {
		if !strings.Contains(landingStep.Text, w) {
			problem("the landing page (the first tag) does not show %q", w)
		}
	}
	showsAll := func(text string, want []string) bool {
		return !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(text, w) })
	}
	if !slices.ContainsFunc(want.ops, func(op opWant) bool { return showsAll(landingStep.Text, op.Texts) }) {
		problem("the landing page shows no operation expanded (summary, method, path, parameters) without a click")
	}
	if !res.RemoteImagesBlocked {
		problem("the page lets an image load from another host (Redoc's sidebar fetches the Redocly logo from a CDN): template.hbs lost its Content-Security-Policy")
	}

	for _, op := range want.ops {
		s, ok := steps["operation "+op.ID]
		if !ok {
			problem("%s: no snapshot of the operation (see the problem above)", op.ID)
			continue
		}
		for _, w := range op.Texts {
			if !strings.Contains(s.Text, w) {
				problem("%s: its section of the page does not show %q", op.ID, w)
			}
		}
		if !strings.HasSuffix(s.Hash, "/"+strings.ToLower(op.ID)) {
			problem("%s: after clicking its link, location.hash = %q", op.ID, s.Hash)
		}
		for _, sc := range op.Schemes {
			if s, ok := steps[op.ID+" security "+sc]; !ok || !strings.Contains(s.Text, sc) || !strings.Contains(s.Text, want.schemeHeaders[sc]) {
				problem("%s: its security details do not show the scheme %s and its header %s", op.ID, sc, want.schemeHeaders[sc])
			}
		}
		var samples strings.Builder
		for status := range op.Responses {
			_, ok := steps[op.ID+" response "+status]
			if !ok {
				problem("%s: no response sample of status %s", op.ID, status)
			}
		}
		for name, s := range steps {
			if strings.HasPrefix(name, op.ID+" response ") {
				samples.WriteString(s.Text)
			}
		}
		for _, code := range op.ErrorCodes {
			if !strings.Contains(samples.String(), code) {
				problem("%s: its response samples do not show the error code %s", op.ID, code)
			}
		}

		// The title's Chinese text must be drawn in a font that has it: the
		// same drawing for every character is the box of a missing glyph.
		if op.CJK == "" {
			continue
		}
		distinct := len(slices.Compact(slices.Sorted(slices.Values([]rune(op.CJK)))))
		switch c := res.CJK[op.ID]; {
		case c == nil || !c.Found:
			problem("%s: no visible heading shows %q", op.ID, op.CJK)
		case c.Inked != len([]rune(op.CJK)) || c.Distinct != distinct:
			fonts, _ := exec.Command("fc-list", ":lang=zh", "family").Output()
			problem("%s: the title's %q renders as boxes, not Chinese: in font-family %s its %d characters draw %d distinct glyphs (%d with ink), want %d. "+
				"Install a CJK font: apt-get install -y fonts-wqy-zenhei (fc-list :lang=zh finds: %q)",
				op.ID, op.CJK, c.Font, len([]rune(op.CJK)), c.Distinct, c.Inked, distinct, strings.TrimSpace(string(fonts)))
		}
	}
	return problems
}

// harnessOutput returns the text of the harness's <pre id="result"> in the
// DOM that Chromium dumped, unescaped.
func harnessOutput(dom []byte) (string, bool) {
	z := html.NewTokenizer(bytes.NewReader(dom))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return "", false
		case html.StartTagToken:
			name, more := z.TagName()
			for more && string(name) == "pre" {
				var k, v []byte
				k, v, more = z.TagAttr()
				if string(k) == "id" && string(v) == "result" {
					if z.Next() != html.TextToken {
						return "", false
					}
					return string(z.Text()), true
				}
			}
		}
	}
}

// TestBrowserRendersEveryOperation opens the built page in headless
// Chromium with networking off and checks what Redoc rendered after its
// scripts ran, for every operation of openapi.yaml.
func TestBrowserRendersEveryOperation(t *testing.T) {
	chromium := chromiumPath(t)
	site := siteForBrowser(t)
	for _, p := range checkInBrowser(t, chromium, site, loadExpectations(t, filepath.Join(repoRoot, "openapi.yaml"))) {
		t.Error(p)
	}

	// A screenshot of the page as it opens, next to the page itself. The
	// page is framed so that Redoc's scrolling to the operation moves only
	// its own scroll pane, not the window being captured.
	frame := filepath.Join(t.TempDir(), "frame.html")
	framed := fmt.Sprintf(`<!DOCTYPE html><body style="margin:0;overflow:hidden"><iframe src="%s" style="border:0;display:block;width:100vw;height:100vh"></iframe></body>`,
		fileURL(t, filepath.Join(site, IndexFile)))
	if err := os.WriteFile(frame, []byte(framed), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(site, "preview.png")
	runChromium(t, chromium, "--window-size=1400,1800", "--virtual-time-budget=20000", "--screenshot="+shot, fileURL(t, frame))
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", shot, err)
	}
	if b := img.Bounds(); b.Dx() != 1400 || b.Dy() != 1800 {
		t.Errorf("screenshot is %v, want 1400x1800", b)
	}
	t.Logf("screenshot: %s", shot)
}
