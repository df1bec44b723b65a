// Package golden holds the -update flag of every package's tests and the
// comparison of output with golden files: `go test ./... -update` rewrites
// them, otherwise a difference fails the test with a diff.
//
// Only tests import it; a package with no golden files imports it for its
// side effect, so that the -update flag is known to every test binary:
//
//	import _ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
package golden

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is the one -update flag of the module's tests.
var update = flag.Bool("update", false, "rewrite the golden files (testdata/, fixtures/) instead of comparing with them")

// Update reports whether the tests run with -update.
func Update() bool { return *update }

// Check compares got with the golden file at path. With -update it writes
// got to path instead; otherwise a difference is an error with a diff
// (-want +got) and a missing file is fatal.
func Check(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test ./... -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		tb.Errorf("%s differs from the golden file (-want +got); if intended, run go test ./... -update:\n%s", path, Diff(want, got))
	}
}

// maxDiff bounds the diff Check prints: a one-line document of megabytes
// is not worth printing whole.
const maxDiff = 16 << 10

// Diff is the difference of want and got (-want +got), at most maxDiff
// bytes of it.
func Diff(want, got []byte) string {
	d := cmp.Diff(string(want), string(got))
	if len(d) > maxDiff {
		d = d[:maxDiff] + "\n… (diff cut)"
	}
	return d
}
