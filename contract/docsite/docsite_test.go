package docsite

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
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
	if err := build(dir); err != nil {
		t.Fatalf("Build: %v", err)
	}
}

func build(dir string) error {
	// A hang guard only: a build takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return Build(ctx, Options{
		SpecPath:    filepath.Join(repoRoot, "openapi.yaml"),
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
			shared.err = build(shared.dir)
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
		if doc.Paths.Find("/v2/{project_id}/tasks/{task_id}/stop") == nil {
			t.Errorf("%s lacks the StopTask path", name)
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
	// CJK is how the title's Chinese text was drawn in the title's font.
	CJK *struct {
		Found           bool   `json:"found"`
		Font            string `json:"font"`
		Inked, Distinct int
	} `json:"cjk"`
}

var resultPre = regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`)

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

// expectations derives what the rendered page must show from openapi.yaml,
// so the test follows the contract instead of repeating it.
type expectations struct {
	summary, path string
	cjk           string   // the Chinese text of the summary
	urls          []string // the only other hosts' URLs the page may link: externalDocs, license
	params        []string // "name" and its rendered limits
	schemes       []string // scheme names
	schemeHeaders map[string]string
	errorCodes    []string
	examples      map[string]map[string]string // status → example summary (or name) → its error code
}

func loadExpectations(t *testing.T) expectations {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(repoRoot, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var e expectations
	e.schemeHeaders, e.examples = map[string]string{}, map[string]map[string]string{}
	e.urls = []string{doc.ExternalDocs.URL, doc.Info.License.URL}
	for path, item := range doc.Paths.Map() {
		op := item.Post
		if op == nil || op.OperationID != "StopTask" {
			continue
		}
		e.summary, e.path = op.Summary, path
		e.cjk = regexp.MustCompile(`\p{Han}+`).FindString(op.Summary)
		for _, p := range append(item.Parameters, op.Parameters...) {
			s := p.Value.Schema.Value
			var limits string
			switch {
			case s.Type.Is("string"):
				limits = fmt.Sprintf("[ %d .. %d ] characters", s.MinLength, *s.MaxLength)
			case s.Min != nil && s.Max != nil:
				limits = fmt.Sprintf("[ %.0f .. %.0f ]", *s.Min, *s.Max)
			default:
				t.Fatalf("parameter %s has no limits to check", p.Value.Name)
			}
			e.params = append(e.params, p.Value.Name, limits)
		}
		for status, ref := range op.Responses.Map() {
			e.examples[status] = map[string]string{}
			for _, mt := range ref.Value.Content {
				for name, ex := range mt.Examples {
					v, ok := ex.Value.Value.(map[string]any)
					if !ok {
						t.Fatalf("example %v is not an object", ex.Value.Value)
					}
					code, _ := v["error_code"].(string)
					if code != "" && !slices.Contains(e.errorCodes, code) {
						e.errorCodes = append(e.errorCodes, code)
					}
					if code != "" {
						e.examples[status][cmp.Or(ex.Value.Summary, name)] = code
					}
				}
			}
		}
	}
	for name, s := range doc.Components.SecuritySchemes {
		e.schemes = append(e.schemes, name)
		e.schemeHeaders[name] = s.Value.Name
	}
	slices.Sort(e.schemes)
	slices.Sort(e.errorCodes)
	if e.path == "" || e.cjk == "" || len(e.params) != 4 || len(e.schemes) != 2 || len(e.errorCodes) < 5 {
		t.Fatalf("openapi.yaml no longer looks like the StopTask contract this test knows: %+v", e)
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

// TestBrowserRendersStopTask opens the built page in headless Chromium with
// networking off and checks what Redoc rendered after its scripts ran.
func TestBrowserRendersStopTask(t *testing.T) {
	chromium := chromiumPath(t)
	site := siteForBrowser(t)
	want := loadExpectations(t)

	// What the harness waits for before each snapshot: what the checks
	// below look for in it.
	schemes, err := json.Marshal(map[string]any{"schemes": want.schemes, "headers": want.schemeHeaders, "examples": want.examples,
		"downloads": []string{YAMLFile, JSONFile}, "landing": append([]string{want.summary, want.path}, want.params...),
		"operation": append([]string{want.summary, "POST", want.path}, want.params...)})
	if err != nil {
		t.Fatal(err)
	}
	cjk, err := json.Marshal(want.cjk)
	if err != nil {
		t.Fatal(err)
	}
	harness := filepath.Join(t.TempDir(), "harness.html")
	if err := os.WriteFile(harness, fmt.Appendf(nil, harnessHTML, fileURL(t, filepath.Join(site, IndexFile)), schemes, cjk), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, chromium,
		"--allow-file-access-from-files",
		"--virtual-time-budget=600000",
		"--dump-dom", fileURL(t, harness))
	m := resultPre.FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the harness wrote no result; dumped DOM starts:\n%.2000s", dom)
	}
	var res harnessResult
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &res); err != nil {
		t.Fatalf("harness result: %v\n%s", err, m[1])
	}
	if res.NetworkBlocked == nil || !*res.NetworkBlocked {
		t.Errorf("a fetch to http://example.com/ did not fail: the browser was not offline")
	}
	if res.Error != "" {
		t.Fatalf("the page did not behave as expected in the browser: %s\nsteps so far: %d", res.Error, len(res.Steps))
	}

	steps := map[string]harnessStep{}
	var all strings.Builder
	var badLinks []string
	for _, s := range res.Steps {
		if !s.Hydrated {
			t.Errorf("step %q: Redoc had not hydrated the page", s.Name)
		}
		if len(s.BrokenImages) > 0 {
			t.Errorf("step %q: broken images show: %q", s.Name, s.BrokenImages)
		}
		for _, href := range s.Links {
			inPage := strings.HasPrefix(href, "#") || strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//")
			if !inPage && href != YAMLFile && href != JSONFile && !slices.Contains(want.urls, href) && !slices.Contains(badLinks, href) {
				badLinks = append(badLinks, href)
				t.Errorf("step %q: the page links %q, which is neither in the page, a download, nor openapi.yaml's externalDocs or license URL %q", s.Name, href, want.urls)
			}
		}
		steps[s.Name] = s
		all.WriteString(s.Text)
		all.WriteString("\n")
	}

	landing, overview := steps["landing"], steps["overview"]
	if landing.Name == "" || overview.Name == "" {
		t.Fatal("no snapshot of the page as it opens or of its overview")
	}
	for _, f := range []string{YAMLFile, JSONFile} {
		if !slices.Contains(overview.Downloads, f) {
			t.Errorf("overview download links = %q, want %s", overview.Downloads, f)
		}
	}
	if strings.Contains(landing.Text, "+ Show") {
		t.Errorf("the page opens with something collapsed behind \"+ Show\"")
	}

	op, ok := steps["operation"]
	if !ok {
		t.Fatal("no StopTask page snapshot")
	}
	if op.Hash != "#/migration-tasks/stoptask" {
		t.Errorf("after clicking through, location.hash = %q, want the StopTask page", op.Hash)
	}
	type check struct {
		name, text string
		want       []string
	}
	checks := []check{
		{name: "operation expanded on the landing page, without a click", text: landing.Text, want: append([]string{want.summary, want.path}, want.params...)},
		{name: "operation summary and path", text: op.Text, want: []string{want.summary, "POST", want.path}},
		{name: "path parameters with limits", text: op.Text, want: want.params},
		{name: "error codes of all examples", text: all.String(), want: want.errorCodes},
	}
	for _, sc := range want.schemes {
		s, ok := steps["security "+sc]
		if !ok {
			t.Errorf("no snapshot of the %s security tab", sc)
			continue
		}
		checks = append(checks, check{name: "security scheme " + sc, text: s.Text, want: []string{sc, want.schemeHeaders[sc]}})
	}
	for _, c := range checks {
		for _, w := range c.want {
			if !strings.Contains(c.text, w) {
				t.Errorf("%s: rendered page does not show %q", c.name, w)
			}
		}
	}
	if !res.RemoteImagesBlocked {
		t.Errorf("the page lets an image load from another host (Redoc's sidebar fetches the Redocly logo from a CDN): template.hbs lost its Content-Security-Policy")
	}
	if strings.Contains(all.String(), "API docs by") {
		t.Errorf("the page shows Redocly's \"API docs by\" link")
	}

	// The title's Chinese text must be drawn in a font that has it: the same
	// drawing for every character is the box of a missing glyph.
	distinct := len(slices.Compact(slices.Sorted(slices.Values([]rune(want.cjk)))))
	switch c := res.CJK; {
	case c == nil || !c.Found:
		t.Errorf("no visible heading shows %q", want.cjk)
	case c.Inked != len([]rune(want.cjk)) || c.Distinct != distinct:
		fonts, _ := exec.Command("fc-list", ":lang=zh", "family").Output()
		t.Errorf("the title's %q renders as boxes, not Chinese: in font-family %s its %d characters draw %d distinct glyphs (%d with ink), want %d. "+
			"Install a CJK font: apt-get install -y fonts-wqy-zenhei (fc-list :lang=zh finds: %q)",
			want.cjk, c.Font, len([]rune(want.cjk)), c.Distinct, c.Inked, distinct, strings.TrimSpace(string(fonts)))
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
