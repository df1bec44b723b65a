package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/report"
)

// badScenarios are edits of edges.json, each refused for one reason at one
// JSON pointer.
func badScenarios(t testing.TB) []struct{ name, doc, pointer, reason string } {
	good, err := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(good)
	edit := func(old, new string) string {
		if !strings.Contains(doc, old) {
			t.Fatalf("edges.json has no %q", old)
		}
		return strings.Replace(doc, old, new, 1)
	}
	return []struct{ name, doc, pointer, reason string }{
		{"not JSON", `{"users": [}`, "", "invalid JSON at line 1"},
		{"empty body", ``, "", "invalid JSON"},
		{"array instead of object", `[]`, "", "object"},
		{"users missing", `{"calls": []}`, "/users", "required"},
		{"duration as string", edit(`"duration": 60,`, `"duration": "60",`), "/calls/0/duration", "integer"},
		{"unknown currency", edit(`"currency": "CAD"`, `"currency": "XYZ"`), "/calls/9/currency", "allowed values"},
		{"unknown country", edit(`"usageLocation": "BR"`, `"usageLocation": "ZZ"`), "/users/0/usageLocation", "allowed values"},
		{"negative duration", edit(`"duration": 60,`, `"duration": -60,`), "/calls/0/duration", ""},
		{"three decimal places", edit(`"charge": 1.25,`, `"charge": 1.255,`), "/calls/0/charge", ""},
		{"misspelt field", edit(`"destinationName": "Canada"`, `"destinatonName": "Canada"`), "/calls/9/destinatonName", "not a field"},
		{"duplicate call id", edit("0000ca11-0000-4000-8000-000000000002", "0000ca11-0000-4000-8000-000000000001"), "/calls/1/id", "duplicates"},
		{"unknown organizer", edit(`"organizerId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"`, `"organizerId": "00000000-0000-4000-8000-000000000000"`), "/calls/0/organizerId", "not the id of a user"},
		{"end before start", edit(`"duration": 1800,`, `"duration": 1800, "endDateTime": "2026-10-12T00:00:00Z",`), "/calls/11/endDateTime", "before"},
		// Ana's two international BRL calls (60 s and 300 s): one more second
		// than Int32 allows in that row.
		{"overflowing totals", edit(`"duration": 300,`, `"duration": 2147483588,`), "/calls/1/duration", "Int32"},
	}
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
	for _, c := range badScenarios(t) {
		t.Run(c.name, func(t *testing.T) {
			_, err := l.Load(c.name, []byte(c.doc))
			var probs report.Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			for _, p := range probs {
				if p.Pointer == c.pointer && strings.Contains(p.Reason, c.reason) {
					return
				}
			}
			t.Errorf("problems = %v, want one at %q saying %q", probs, c.pointer, c.reason)
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
