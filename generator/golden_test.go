package generator

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins a small tenant byte for byte: its users, every call and
// the report over its window. A diff means the generated data changed, by
// our hand or by a gofakeit release; rewrite it with go test -update only
// when the change is meant.
func TestGolden(t *testing.T) {
	s := Spec{Seed: 42, Users: 12, Domain: "contoso.com", Intensity: 40, InternationalShare: 0.25,
		WindowEnd: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), WindowDays: 7}
	tn := generate(t, s)
	first, last := s.Window()
	q := report.Query{From: first, To: last}

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	write := func(v any) {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	write(tn.Spec())
	write(tn.Summary())
	for _, u := range tn.Users() {
		write(u)
	}
	for c := range tn.Calls(q) {
		write(c)
	}
	for _, r := range tn.Rows(q) {
		write(r)
	}

	path := filepath.Join("testdata", "tenant.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := gocmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("tenant differs from %s (-want +got):\n%s", path, diff)
	}
}
