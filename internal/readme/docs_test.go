package readme_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// contractAnchors are the sections of docs/contract.md that the code, the
// README and the kit's catalogue cite: renaming one breaks those citations.
var contractAnchors = []string{
	"the-function", "request", "parameters", "response", "errors", "what-clients-send", "throttling",
	"data", "the-generator", "scenario-files",
	"the-mock-server", "running-the-mock", "in-go-tests", "auth-modes", "identity-and-https", "control-api",
	"scaling-out", "progress",
	"conformance-kit", "decisions",
	// The second stage.
	"loading-real-data", "many-tenants", "call-log", "dashboard", "like-the-live-service", "honest-kit",
}

// otherContractAnchors are the only other headings the document may have:
// its title and the heading that groups the second stage.
var otherContractAnchors = []string{"dialoutkit-contract", "second-stage"}

// headingAnchors returns the anchors of a Markdown document's headings, in
// order, as GitHub derives them (lower case, punctuation dropped, spaces as
// hyphens), skipping fenced code blocks.
func headingAnchors(doc string) []string {
	var anchors []string
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteByte('-')
			}
		}
		anchors = append(anchors, b.String())
	}
	return anchors
}

// TestContractAnchors keeps docs/contract.md's headings exactly the cited
// anchors (and its title), each once.
func TestContractAnchors(t *testing.T) {
	anchors := headingAnchors(readFile(t, "docs/contract.md"))
	seen := map[string]int{}
	for _, a := range anchors {
		seen[a]++
	}
	for a, n := range seen {
		if n > 1 {
			t.Errorf("docs/contract.md: %d headings make the anchor #%s, want 1", n, a)
		}
		if !slices.Contains(contractAnchors, a) && !slices.Contains(otherContractAnchors, a) {
			t.Errorf("docs/contract.md: heading anchor #%s is not one of the cited sections", a)
		}
	}
	for _, a := range contractAnchors {
		if seen[a] == 0 {
			t.Errorf("docs/contract.md: no heading makes the anchor #%s", a)
		}
	}
}

// TestDocLinks checks the links of README.md and docs/*.md: every relative
// link names a file or folder of the repository, and every #anchor (in the
// same document or in another .md) is a heading there.
func TestDocLinks(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, filepath.Join(root, "README.md"))
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(root, doc)
		for _, m := range link.FindAllStringSubmatch(stripFences(string(b)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := doc
			if file != "" {
				path = filepath.Join(filepath.Dir(doc), filepath.FromSlash(file))
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s links to %s, which does not exist", name, target)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			tb, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s links to %s: %v", name, target, err)
				continue
			}
			if !slices.Contains(headingAnchors(string(tb)), anchor) {
				t.Errorf("%s links to %s: no heading makes #%s", name, target, anchor)
			}
		}
	}
}

// stripFences removes fenced code blocks, whose brackets are not links.
func stripFences(doc string) string {
	var b strings.Builder
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// TestLayoutTable checks that the README's layout table has a row for every
// package of the module, so that a newcomer finds where each job lives.
func TestLayoutTable(t *testing.T) {
	rows, err := markedTable(readFile(t, "README.md"), "layout")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	listed := map[string]bool{}
	for _, r := range rows {
		listed[strings.TrimSuffix(strings.Trim(r[0], "`"), "/")] = true
	}
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(abs, dir)
		if err != nil {
			t.Fatal(err)
		}
		if rel = filepath.ToSlash(rel); !listed[rel] {
			t.Errorf("README.md's layout table has no row for %s/", rel)
		}
	}
}
