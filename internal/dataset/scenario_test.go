package dataset

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dialoutkit/dialoutkit/fixtures"
	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
	"github.com/dialoutkit/dialoutkit/report"
)

// refusedScenarios are edits of edges.json, each refused for one reason at
// one JSON pointer.
func refusedScenarios(tb testing.TB) []fixtures.Refused {
	tb.Helper()
	refused, err := fixtures.RefusedScenarios()
	if err != nil {
		tb.Fatal(err)
	}
	return refused
}

func TestScenarioLoaderRefuses(t *testing.T) {
	l, err := NewScenarioLoader()
	if err != nil {
		t.Fatal(err)
	}
	good, _ := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	if _, err := l.Load("edges", good); err != nil {
		t.Fatalf("edges.json refused: %v", err)
	}
	for _, c := range refusedScenarios(t) {
		t.Run(c.Name, func(t *testing.T) {
			_, err := l.Load(c.Name, []byte(c.Doc))
			var probs report.Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			for _, p := range probs {
				if p.Pointer == c.Pointer && strings.Contains(p.Reason, c.Reason) {
					return
				}
			}
			t.Errorf("problems = %v, want one at %q saying %q", probs, c.Pointer, c.Reason)
		})
	}
}

func TestEveryNamedScenarioLoads(t *testing.T) {
	l, err := NewScenarioLoader()
	if err != nil {
		t.Fatal(err)
	}
	files, err := fixtures.Scenarios.ReadDir("scenarios")
	if err != nil || len(files) < 10 {
		t.Fatalf("scenarios: %d files, %v", len(files), err)
	}
	for _, f := range files {
		b, _ := fixtures.Scenarios.ReadFile("scenarios/" + f.Name())
		if _, err := l.Load(f.Name(), b); err != nil {
			t.Errorf("%s: %v", f.Name(), err)
		}
	}
}

func TestLoadFile(t *testing.T) {
	l, err := NewScenarioLoader()
	if err != nil {
		t.Fatal(err)
	}
	edges := filepath.Join("..", "..", "fixtures", "scenarios", "edges.json")
	ds, err := l.LoadFile(edges)
	if err != nil {
		t.Fatalf("LoadFile(%s) = %v", edges, err)
	}
	b, _ := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	same, err := l.Load("edges.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "scenario edges.json" || ds.Version != same.Version {
		t.Errorf("LoadFile = %q version %s, want %q version %s", ds.Name, ds.Version, "scenario edges.json", same.Version)
	}

	missing := filepath.Join(t.TempDir(), "none.json")
	if _, err := l.LoadFile(missing); err == nil || !strings.HasPrefix(err.Error(), "load scenario: ") {
		t.Errorf("LoadFile(missing) = %v, want a load scenario error", err)
	}
	_, err = l.LoadFile(filepath.Join("..", "..", "fixtures", "scenarios", "..", "..", "go.mod"))
	var probs report.Problems
	if !errors.As(err, &probs) || !strings.Contains(err.Error(), "go.mod") {
		t.Errorf("LoadFile(go.mod) = %v, want Problems naming the file", err)
	}
}

func TestReadStopsWhenCancelled(t *testing.T) {
	l, err := NewScenarioLoader()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Read(ctx, "edges", FormatJSON, bytes.NewReader(doc)); !errors.Is(err, context.Canceled) {
		t.Errorf("Read(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := l.Read(context.Background(), "edges", FormatJSON, bytes.NewReader(doc)); err != nil {
		t.Errorf("Read = %v, want nil", err)
	}
}
