package gates

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// WorkflowsDir is the directory, relative to the repository root, that holds
// the GitHub Actions workflows `make lint` checks.
const WorkflowsDir = ".github/workflows"

var (
	// pinnedAction is an action or reusable workflow of another repository
	// named by a full commit SHA: owner/repo[/path]@<40 hex digits>.
	pinnedAction = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$`)
	// pinnedImage is a container action named by its digest.
	pinnedImage = regexp.MustCompile(`^docker://[^@]+@sha256:[0-9a-f]{64}$`)
	// releaseComment is the comment that names the release a SHA is, like
	// "# v4.2.2".
	releaseComment = regexp.MustCompile(`^#\s*v?[0-9]+(\.[0-9]+)*\b`)
)

// Workflows checks every workflow (*.yml, *.yaml) in dir and returns one
// line per problem, "file:line:col: message", sorted by file and position:
//
//   - what actionlint finds (syntax, unknown keys, expressions and their
//     types, permissions, runner labels, job needs, and, when shellcheck is
//     the path of a shellcheck executable, the shell of each run: step);
//   - each uses: (of a step or of a job) that names an action or a reusable
//     workflow of another repository by anything but a full 40-hex commit
//     SHA (a tag or branch can be moved to other code), or a docker:// image
//     by anything but its sha256 digest;
//   - such a pin without a comment naming its release (`# v4.2.2`), which
//     is all a reader or an updater has to go by.
//
// Local actions (./path) need no pin. An error means dir could not be read
// or holds no workflow.
func Workflows(dir, shellcheck string) ([]string, error) {
	// actionlint names files relative to its working directory: make that
	// dir, and name every file as dir/name, as the caller wrote dir.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("gates: %w", err)
	}
	name := func(path string) string {
		if filepath.IsAbs(path) {
			if rel, err := filepath.Rel(abs, path); err == nil {
				path = rel
			}
		}
		return filepath.Join(dir, path)
	}
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{
		Shellcheck: shellcheck,
		Color:      actionlint.ColorOptionKindNever,
		WorkingDir: abs,
	})
	if err != nil {
		return nil, fmt.Errorf("gates: actionlint: %w", err)
	}
	lintErrs, err := linter.LintDir(abs, nil)
	if err != nil {
		return nil, fmt.Errorf("gates: actionlint: %w", err)
	}
	type problem struct {
		file      string
		line, col int
		msg       string
	}
	var problems []problem
	for _, e := range lintErrs {
		problems = append(problems, problem{name(e.Filepath), e.Line, e.Column, fmt.Sprintf("%s [actionlint %s]", e.Message, e.Kind)})
	}
	err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(path, ".yml") && !strings.HasSuffix(path, ".yaml")) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			// actionlint reports the syntax error, with its position.
			return nil
		}
		for _, u := range usesOf(&doc) {
			if msg := checkPin(u); msg != "" {
				problems = append(problems, problem{name(path), u.Line, u.Column, msg})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gates: %w", err)
	}
	slices.SortFunc(problems, func(a, b problem) int {
		if c := strings.Compare(a.file, b.file); c != 0 {
			return c
		}
		if a.line != b.line {
			return a.line - b.line
		}
		return a.col - b.col
	})
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = fmt.Sprintf("%s:%d:%d: %s", p.file, p.line, p.col, p.msg)
	}
	return out, nil
}

// checkPin says what is wrong with the value of one uses: key, or "".
func checkPin(u *yaml.Node) string {
	ref := u.Value
	switch {
	case strings.HasPrefix(ref, "./"):
		return ""
	case strings.HasPrefix(ref, "docker://"):
		if !pinnedImage.MatchString(ref) {
			return fmt.Sprintf("%q is not pinned: name the image by its digest, docker://image@sha256:<64 hex digits>", ref)
		}
		return ""
	case !pinnedAction.MatchString(ref):
		return fmt.Sprintf("%q is not pinned to a full commit SHA: use owner/repo@<40 hex digits> # <release tag>", ref)
	case !releaseComment.MatchString(u.LineComment):
		return fmt.Sprintf("%q has no comment naming its release: add one, like # v1.2.3", ref)
	}
	return ""
}

// usesOf returns the value nodes of uses: in the jobs (reusable workflows)
// and in their steps (actions) of one workflow document. A document that is
// not shaped like a workflow yields what it has; actionlint reports the
// shape.
func usesOf(doc *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	for _, job := range mappingValues(value(root, "jobs")) {
		if u := value(job, "uses"); u != nil && u.Kind == yaml.ScalarNode {
			out = append(out, u)
		}
		if steps := value(job, "steps"); steps != nil && steps.Kind == yaml.SequenceNode {
			for _, step := range steps.Content {
				if u := value(step, "uses"); u != nil && u.Kind == yaml.ScalarNode {
					out = append(out, u)
				}
			}
		}
	}
	return out
}

// value returns the value of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func mappingValues(m *yaml.Node) []*yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for i := 1; i < len(m.Content); i += 2 {
		out = append(out, m.Content[i])
	}
	return out
}
