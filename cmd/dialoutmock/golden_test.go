package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/dialoutkit/dialoutkit/internal/golden"
)

// goldenDir holds the golden responses of a fixed tenant (fixtures/golden).
var goldenDir = filepath.Join("..", "..", "fixtures", "golden")

// TestGoldenResponses pins whole response bodies of a fixed seed and
// --window-end. They change only when the generator, gofakeit or the wire
// format changes; then review the diff and run go test ./... -update.
func TestGoldenResponses(t *testing.T) {
	base := startMock(t, nil, "--window-end", "2026-11-01", "--page-size", "50")
	cases := []struct{ file, path string }{
		{"first-page.json", fn + "(fromDateTime=2026-08-03,toDateTime=2026-11-01)"},
		{"middle-page.json", fn + "(fromDateTime=2026-08-03,toDateTime=2026-11-01)?$skip=100"},
		{"empty-range.json", fn + "(fromDateTime=2025-01-01,toDateTime=2025-01-31)"},
		{"one-day.json", fn + "(fromDateTime=2026-10-14T00:00:00Z,toDateTime=2026-10-14T23:59:59.9999999Z)"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := bytes.ReplaceAll(fetch(t, base+c.path), []byte(base), []byte("{base}"))
			golden.Check(t, filepath.Join(goldenDir, c.file), got)
		})
	}
}
