package readme_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/fixtures"
)

// scenarioFacts is what the README says of a named scenario.
type scenarioFacts struct {
	First, Last string // startDateTime of the first and the last call, "" without calls
	Calls, Rows int    // rows: report entries over [First, Last]
}

// markedTable returns the rows of the Markdown table after
// <!-- readme: name --> in doc, header and separator left out, each row as
// its trimmed cells.
func markedTable(doc, name string) ([][]string, error) {
	marker := "<!-- readme: " + name + " -->\n"
	i := strings.Index(doc, marker)
	if i < 0 {
		return nil, fmt.Errorf("no %q marker", strings.TrimSpace(marker))
	}
	var rows [][]string
	for n, line := range strings.Split(doc[i+len(marker):], "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if n < 2 {
			continue // the header and the |---| line
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("marker %q is not followed by a table", name)
	}
	return rows, nil
}

// readmeScenarios reads the README's table of named scenarios: name, first
// call, last call, calls, rows, description.
func readmeScenarios(tb testing.TB) map[string]scenarioFacts {
	tb.Helper()
	rows, err := markedTable(readFile(tb, "README.md"), "scenarios")
	if err != nil {
		tb.Fatalf("README.md: %v", err)
	}
	got := map[string]scenarioFacts{}
	for _, r := range rows {
		if len(r) != 6 {
			tb.Fatalf("README.md scenarios: row %q has %d cells, want 6", r, len(r))
		}
		unquote := func(s string) string {
			if s == "—" {
				return ""
			}
			return strings.Trim(s, "`")
		}
		calls, err1 := strconv.Atoi(r[3])
		rowCount, err2 := strconv.Atoi(r[4])
		if err1 != nil || err2 != nil {
			tb.Fatalf("README.md scenarios: row %q: calls and rows must be numbers", r)
		}
		got[unquote(r[0])] = scenarioFacts{First: unquote(r[1]), Last: unquote(r[2]), Calls: calls, Rows: rowCount}
	}
	return got
}

// fileScenarios works the same facts out of the shipped files themselves,
// reading only their JSON: the first and last startDateTime, the calls, and
// the distinct (organizer, location, context, currency) keys, a call's
// location defaulting to its organizer's.
func fileScenarios(tb testing.TB) map[string]scenarioFacts {
	tb.Helper()
	names, err := fs.Glob(fixtures.Scenarios, "scenarios/*.json")
	if err != nil || len(names) == 0 {
		tb.Fatalf("no named scenarios: %v", err)
	}
	want := map[string]scenarioFacts{}
	for _, name := range names {
		b, err := fixtures.Scenarios.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		var doc struct {
			Users []struct{ ID, UsageLocation string }
			Calls []struct {
				OrganizerID, StartDateTime, DestinationContext, Currency, UsageLocation string
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		home := map[string]string{}
		for _, u := range doc.Users {
			home[u.ID] = u.UsageLocation
		}
		var f scenarioFacts
		var first, last time.Time
		keys := map[[4]string]bool{}
		for i, c := range doc.Calls {
			start, err := time.Parse(time.RFC3339Nano, c.StartDateTime)
			if err != nil {
				tb.Fatalf("%s: call %d: %v", name, i, err)
			}
			if i == 0 || start.Before(first) {
				first, f.First = start, c.StartDateTime
			}
			if i == 0 || start.After(last) {
				last, f.Last = start, c.StartDateTime
			}
			loc := c.UsageLocation
			if loc == "" {
				loc = home[c.OrganizerID]
			}
			keys[[4]string{c.OrganizerID, loc, c.DestinationContext, c.Currency}] = true
		}
		f.Calls, f.Rows = len(doc.Calls), len(keys)
		if f.Calls > 0 && last.Sub(first) > 90*24*time.Hour {
			tb.Errorf("%s spans more than 90 days: no single request reads it whole", name)
		}
		want[strings.TrimSuffix(path.Base(name), ".json")] = f
	}
	return want
}

// TestNamedScenarios keeps the README's list of named scenarios true: every
// file of fixtures/scenarios is listed with its dates, calls and rows, and
// nothing else is.
func TestNamedScenarios(t *testing.T) {
	got, want := readmeScenarios(t), fileScenarios(t)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README.md's scenario table differs from fixtures/scenarios (-files +README):\n%s", diff)
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	t.Logf("named scenarios: %s", strings.Join(names, ", "))
}

func TestMarkedTable(t *testing.T) {
	doc := "<!-- readme: t -->\n| a | b |\n|---|---|\n| `x` | 1 |\n| y | 2 |\n\nafter\n<!-- readme: empty -->\ntext\n"
	got, err := markedTable(doc, "t")
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"`x`", "1"}, {"y", "2"}}; !cmp.Equal(got, want) {
		t.Errorf("markedTable = %q, want %q", got, want)
	}
	if _, err := markedTable(doc, "empty"); err == nil {
		t.Errorf("markedTable(empty) error = nil, want an error")
	}
}
