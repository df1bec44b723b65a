package generator

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/internal/golden"
	"github.com/dialoutkit/dialoutkit/report"
)

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

	golden.Check(t, filepath.Join("testdata", "tenant.golden"), b.Bytes())
}
