package readme_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGoSnippet keeps the README's Go test the one that runs here: the
// block equals billing_test.go, whose test runs with this package's, but
// for its package clause, which is a client's own.
func TestGoSnippet(t *testing.T) {
	shown := readmeBlock(t, "go-test")
	if shown.lang != "go" {
		t.Errorf("README.md go-test block is %q, want go", shown.lang)
	}
	file := readFile(t, "internal/readme/billing_test.go")
	const ours, theirs = "package readme_test\n", "package billing_test\n"
	if !strings.HasPrefix(file, ours) {
		t.Fatalf("billing_test.go starts %q, want %q", strings.SplitN(file, "\n", 2)[0], ours)
	}
	want := theirs + strings.TrimPrefix(file, ours)
	if diff := cmp.Diff(want, shown.text); diff != "" {
		t.Errorf("README.md's Go test differs from internal/readme/billing_test.go (-file +README); copy the file into the README:\n%s", diff)
	}
}
