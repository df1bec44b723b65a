package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = true
	r.errors = append(r.errors, format)
}
func (r *recorder) Fatal(args ...any) { r.fatal = true }

func TestCheck(t *testing.T) {
	if Update() {
		t.Skip("compares, which -update turns off")
	}
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		path      string
		got       string
		wantFail  bool
		wantFatal bool
	}{
		{"same bytes", path, "a\nb\n", false, false},
		{"other bytes", path, "a\nc\n", true, false},
		{"missing file", filepath.Join(t.TempDir(), "none.golden"), "a\n", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Check(r, tt.path, []byte(tt.got))
			if got := len(r.errors) > 0; got != tt.wantFail || r.fatal != tt.wantFatal {
				t.Errorf("Check failed = %v (fatal %v), want %v (fatal %v): %v", got, r.fatal, tt.wantFail, tt.wantFatal, r.errors)
			}
		})
	}
}

func TestDiffIsBounded(t *testing.T) {
	want := []byte(strings.Repeat("a", 1<<20))
	got := []byte(strings.Repeat("b", 1<<20))
	if d := Diff(want, got); len(d) > maxDiff+100 || !strings.Contains(d, "diff cut") {
		t.Errorf("Diff of two 1 MiB lines has %d bytes, want at most about %d and a cut mark", len(d), maxDiff)
	}
}
