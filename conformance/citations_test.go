package conformance_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// TestCitationsExist keeps every statement's citation pointing somewhere: each
// anchor of docs/contract.md that a check cites is a heading of that document
// (as GitHub and most Markdown renderers derive anchors from headings).
func TestCitationsExist(t *testing.T) {
	doc, err := os.ReadFile("../docs/contract.md")
	if err != nil {
		t.Fatalf("read the contract document: %v", err)
	}
	anchors := markdownAnchors(string(doc))
	cite := regexp.MustCompile(`docs/contract\.md((?:,? ?#[a-z0-9-]+)+)`)
	for _, c := range conformance.Catalogue() {
		for _, m := range cite.FindAllStringSubmatch(c.Statement, -1) {
			for _, a := range regexp.MustCompile(`#([a-z0-9-]+)`).FindAllStringSubmatch(m[1], -1) {
				if !anchors[a[1]] {
					t.Errorf("%s cites docs/contract.md#%s, which has no such heading", c.ID, a[1])
				}
			}
		}
	}
}

// markdownAnchors returns the anchors of a document's headings: lower case,
// punctuation dropped, spaces as hyphens.
func markdownAnchors(doc string) map[string]bool {
	anchors := map[string]bool{}
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "#") {
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
		anchors[b.String()] = true
	}
	return anchors
}
