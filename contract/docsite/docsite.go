// Package docsite builds the publishable API reference site from openapi.yaml:
// one self-contained index.html rendered by Redoc, plus the bundled contract
// as openapi.yaml and openapi.json for download.
//
// The page is produced by the pinned Redocly CLI (`build-docs`) from the local
// node_modules, so what is published is exactly what Redocly renders. Its
// default output loads Redoc from a CDN; this package makes the page work with
// no network at all: the CLI inlines the Redoc standalone bundle it ships
// (byte-identical to bundles/redoc.standalone.js of the npm redoc package of
// the same version), telemetry is switched off, and any remaining
// <script src>, <link href> or CSS url() pointing at an http(s) host is
// stripped or, if it cannot be stripped safely, reported as an error.
//
// The page template (template.hbs, build-docs --template) is build-docs'
// default with three changes Redoc 3 has no option for: no image from another
// host (a Content-Security-Policy), no "API docs by" Redocly link, and the
// page opens on the first tag, whose operations Redoc otherwise hides behind
// "+ Show".
package docsite

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// RedoclyCLIVersion is the @redocly/cli version pinned in package.json; the
// build refuses any other, because the page's look and the offline fixes
// below are only known to hold for it.
const RedoclyCLIVersion = "2.77.0"

// RedocVersion is the Redoc release bundled in RedoclyCLIVersion. The build
// checks the inlined bundle's license header against it, so an upgrade of the
// CLI that changes Redoc cannot slip through unnoticed.
const RedocVersion = "3.0.1"

// Site file names, relative to the output directory. The page links the two
// contract files with these relative URLs, so the directory can be served
// from any path or opened straight from disk.
const (
	IndexFile = "index.html"
	YAMLFile  = "openapi.yaml"
	JSONFile  = "openapi.json"
)

//go:embed template.hbs
var template []byte

// Options says where the inputs are and where the site goes.
type Options struct {
	// SpecPath is the OpenAPI document to publish (normally openapi.yaml).
	SpecPath string
	// OutDir receives index.html, openapi.yaml and openapi.json. It is
	// created if missing; other files in it are left alone.
	OutDir string
	// NodeModules is the node_modules directory that `npm ci` filled from
	// package-lock.json.
	NodeModules string
	// Node is the node executable; empty means "node" from PATH.
	Node string
}

// Build renders the site. It is deterministic: the same inputs give the same
// bytes, because nothing time- or host-dependent goes into the files.
func Build(ctx context.Context, opts Options) error {
	if opts.SpecPath == "" || opts.OutDir == "" || opts.NodeModules == "" {
		return errors.New("docsite: SpecPath, OutDir and NodeModules are all required")
	}
	if _, err := os.Stat(opts.SpecPath); err != nil {
		return fmt.Errorf("docsite: spec: %w", err)
	}
	node, cli, err := locateTools(opts)
	if err != nil {
		return err
	}

	// Work in a scratch directory so a failed build never leaves a
	// half-written site behind.
	tmp, err := os.MkdirTemp("", "docsite-")
	if err != nil {
		return fmt.Errorf("docsite: %w", err)
	}
	defer os.RemoveAll(tmp)

	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, node, append([]string{cli}, args...)...)
		// REDOCLY_TELEMETRY=off is what makes build-docs write
		// "disableTelemetry":true into the page; without it the page would
		// try to reach Redocly's telemetry endpoint from the reader's browser.
		cmd.Env = append(os.Environ(),
			"REDOCLY_TELEMETRY=off",
			"REDOCLY_SUPPRESS_UPDATE_NOTICE=true",
			"NO_COLOR=1",
		)
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("docsite: redocly %s: %w\n%s", args[0], err, out.String())
		}
		return nil
	}

	templatePath := filepath.Join(tmp, "template.hbs")
	if err := os.WriteFile(templatePath, template, 0o644); err != nil {
		return fmt.Errorf("docsite: %w", err)
	}
	yamlPath := filepath.Join(tmp, YAMLFile)
	jsonPath := filepath.Join(tmp, JSONFile)
	rawPage := filepath.Join(tmp, "raw.html")
	if err := run("bundle", opts.SpecPath, "-o", yamlPath); err != nil {
		return err
	}
	if err := run("bundle", opts.SpecPath, "-o", jsonPath); err != nil {
		return err
	}
	redocOpts, err := json.Marshal(map[string]any{
		"downloadUrls": []map[string]string{
			{"title": YAMLFile, "url": YAMLFile},
			{"title": JSONFile, "url": JSONFile},
		},
	})
	if err != nil {
		return fmt.Errorf("docsite: %w", err)
	}
	if err := run("build-docs", opts.SpecPath, "--inlineBundle", "-t", templatePath, "-o", rawPage, "--openapi", string(redocOpts)); err != nil {
		return err
	}

	raw, err := os.ReadFile(rawPage)
	if err != nil {
		return fmt.Errorf("docsite: %w", err)
	}
	page, err := MakeOffline(raw)
	if err != nil {
		return err
	}

	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return fmt.Errorf("docsite: %w", err)
	}
	files := []struct {
		name string
		src  string
		data []byte
	}{
		{name: YAMLFile, src: yamlPath},
		{name: JSONFile, src: jsonPath},
		{name: IndexFile, data: page},
	}
	for _, f := range files {
		data := f.data
		if data == nil {
			if data, err = os.ReadFile(f.src); err != nil {
				return fmt.Errorf("docsite: %w", err)
			}
		}
		if err := os.WriteFile(filepath.Join(opts.OutDir, f.name), data, 0o644); err != nil {
			return fmt.Errorf("docsite: %w", err)
		}
	}
	return nil
}

// locateTools finds node and the pinned Redocly CLI and says plainly what to
// run when either is missing.
func locateTools(opts Options) (node, cli string, err error) {
	node = opts.Node
	if node == "" {
		node = "node"
	}
	if node, err = exec.LookPath(node); err != nil {
		return "", "", fmt.Errorf("docsite: Node.js not found (%v): install Node.js 20.19+ and npm, then run `npm ci`", err)
	}
	pkgPath := filepath.Join(opts.NodeModules, "@redocly", "cli", "package.json")
	data, err := os.ReadFile(pkgPath)
	if err != nil {
		return "", "", fmt.Errorf("docsite: Redocly CLI not installed (%v): run `npm ci` at the repository root", err)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return "", "", fmt.Errorf("docsite: %s: %w", pkgPath, err)
	}
	if pkg.Version != RedoclyCLIVersion {
		return "", "", fmt.Errorf("docsite: node_modules has @redocly/cli %s, want %s: run `npm ci`", pkg.Version, RedoclyCLIVersion)
	}
	return node, filepath.Join(opts.NodeModules, "@redocly", "cli", "bin", "cli.js"), nil
}

var (
	// Tags that make the browser fetch from another host. Protocol-relative
	// URLs (//host/...) count too: opened from disk they become file://host.
	externalLinkTag = regexp.MustCompile(`(?is)<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>`)
	// CSS imports of web fonts (the Google Fonts kind) inside <style>.
	externalCSSImport = regexp.MustCompile(`(?i)@import\s+(?:url\(\s*)?["']?(?:https?:)?//[^;]*;`)

	styleBlock  = regexp.MustCompile(`(?is)<style\b[^>]*>(.*?)</style\s*>`)
	cssURL      = regexp.MustCompile(`(?i)url\(\s*["']?((?:https?:)?//[^"')\s]+)`)
	tagOpen     = regexp.MustCompile(`(?is)<(?:script|link)\b[^>]*>`)
	attrURL     = regexp.MustCompile(`(?is)\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)`)
	bundleMark  = regexp.MustCompile(`\* Version: (\S+)`)
	telemetryOn = regexp.MustCompile(`"disableTelemetry"\s*:\s*false`)
)

// scriptSpan locates one <script> element: page[start:openEnd] is its
// opening tag, page[openEnd:closeStart] its text, page[closeStart:end] the
// closing tag.
type scriptSpan struct{ start, openEnd, closeStart, end int }

// scriptSpans finds the <script> elements of page. It scans with
// bytes.Index rather than a regular expression because the inlined Redoc
// bundle is megabytes of text that a regexp crawls through slowly. Redoc's
// bundle escapes "</script" inside its text (build-docs does that), so the
// first closing tag after an opening one really ends the element.
func scriptSpans(page []byte) []scriptSpan {
	lower := make([]byte, len(page))
	for i, c := range page {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	var spans []scriptSpan
	for i := 0; i < len(lower); {
		j := bytes.Index(lower[i:], []byte("<script"))
		if j < 0 {
			break
		}
		start := i + j
		k := start + len("<script")
		if k < len(lower) && !strings.ContainsRune(" \t\r\n\f/>", rune(lower[k])) {
			i = k // <scripts> or similar: not a script tag
			continue
		}
		gt := bytes.IndexByte(lower[k:], '>')
		if gt < 0 {
			break
		}
		sp := scriptSpan{start: start, openEnd: k + gt + 1, closeStart: len(page), end: len(page)}
		if c := bytes.Index(lower[sp.openEnd:], []byte("</script")); c >= 0 {
			sp.closeStart = sp.openEnd + c
			if e := bytes.IndexByte(lower[sp.closeStart:], '>'); e >= 0 {
				sp.end = sp.closeStart + e + 1
			}
		}
		spans = append(spans, sp)
		i = sp.end
	}
	return spans
}

// outsideScripts applies fn to the parts of page that are not the text of a
// <script> element, so that markup-looking strings inside Redoc's JavaScript
// are never touched. A script element that loads its code from another host
// is dropped whole.
func outsideScripts(page []byte, fn func([]byte) []byte) []byte {
	var out []byte
	last := 0
	for _, sp := range scriptSpans(page) {
		out = append(out, fn(page[last:sp.start])...)
		if !attrURL.Match(page[sp.start:sp.openEnd]) {
			out = append(out, page[sp.start:sp.end]...)
		}
		last = sp.end
	}
	return append(out, fn(page[last:])...)
}

// withoutScriptText keeps each script's opening tag and drops its text.
func withoutScriptText(page []byte) []byte {
	var out []byte
	last := 0
	for _, sp := range scriptSpans(page) {
		out = append(out, page[last:sp.openEnd]...)
		out = append(out, "</script>"...)
		last = sp.end
	}
	return append(out, page[last:]...)
}

// MakeOffline turns build-docs output into a page that needs no network:
// it removes external script/stylesheet/font/preload tags and font imports,
// then checks that what is left loads nothing from an http(s) host, that the
// inlined Redoc bundle is RedocVersion and that telemetry is off.
func MakeOffline(page []byte) ([]byte, error) {
	out := outsideScripts(page, func(b []byte) []byte {
		b = externalLinkTag.ReplaceAll(b, nil)
		return styleBlock.ReplaceAllFunc(b, func(block []byte) []byte {
			return externalCSSImport.ReplaceAll(block, nil)
		})
	})
	if refs := ExternalResources(out); len(refs) > 0 {
		return nil, fmt.Errorf("docsite: the page still loads from the network: %s", strings.Join(refs, ", "))
	}
	m := bundleMark.FindSubmatch(out)
	if m == nil {
		return nil, errors.New("docsite: the Redoc standalone bundle is not inlined in the page (build-docs --inlineBundle output changed?)")
	}
	if got := string(m[1]); got != RedocVersion {
		return nil, fmt.Errorf("docsite: inlined Redoc is %s, want %s: update RedocVersion only after checking the page offline", got, RedocVersion)
	}
	if telemetryOn.Match(out) {
		return nil, errors.New("docsite: the page has Redoc telemetry enabled; build with REDOCLY_TELEMETRY=off")
	}
	return out, nil
}

// ExternalResources lists the http(s) URLs that the page would load as a
// script, stylesheet, preload, icon or font: src/href of <script> and <link>
// tags and url()/@import in <style> blocks. Links a reader may click (<a
// href>) and URLs inside script text are not loads and are not listed.
func ExternalResources(page []byte) []string {
	page = withoutScriptText(page)
	var refs []string
	for _, tag := range tagOpen.FindAll(page, -1) {
		for _, m := range attrURL.FindAllSubmatch(tag, -1) {
			refs = append(refs, string(m[1]))
		}
	}
	for _, block := range styleBlock.FindAllSubmatch(page, -1) {
		for _, m := range cssURL.FindAllSubmatch(block[1], -1) {
			refs = append(refs, string(m[1]))
		}
		for _, m := range externalCSSImport.FindAll(block[1], -1) {
			refs = append(refs, string(m))
		}
	}
	return refs
}
