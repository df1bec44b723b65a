package dataset

// The fuzz target of the scenario loader, a reader of client bytes (PUT
// /_mock/dataset). `go test` runs its seeds (the f.Add calls and
// testdata/fuzz/FuzzScenarioLoad/); CI fuzzes it for a bounded time:
//
//	go test ./internal/dataset -run '^$' -fuzz '^FuzzScenarioLoad$' -fuzztime 15s -fuzzminimizetime 2s
//
// -fuzzminimizetime: minimizing each new interesting scenario document
// otherwise takes up to a minute, which stalls a 15 s run. A crash leaves its
// input in testdata/fuzz/FuzzScenarioLoad/; commit it with the fix.

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/report"
)

// fuzzScenarioSeeds are the scenario documents every scenario target starts
// from: every named scenario, the refused edits of edges.json, and inputs
// that once cost the loader seconds or a panic.
func fuzzScenarioSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	files, err := fixtures.Scenarios.ReadDir("scenarios")
	if err != nil {
		tb.Fatal(err)
	}
	for _, fi := range files {
		if b, _ := fixtures.Scenarios.ReadFile("scenarios/" + fi.Name()); len(b) < 64<<10 {
			seeds = append(seeds, b)
		}
	}
	for _, c := range refusedScenarios(tb) {
		seeds = append(seeds, []byte(c.Doc))
	}
	for _, charge := range []string{`1.25`, `"1.25"`, `1e1000001`, `1e999999`, `-0`, `0.001`, `"1e3"`, `1E+2`} {
		seeds = append(seeds, []byte(fixtures.TinyScenario(charge)))
	}
	// JSON Lines with a user line, and the ledger's CSV, as the content tells
	// them apart.
	call := `{"id":"aaaaaaaa-0000-4000-8000-000000000001","organizerId":"11111111-2222-4333-8444-555555555555","userPrincipalName":"a@contoso.com",` +
		`"userDisplayName":"A","userUsageLocation":"NL","startDateTime":"2026-10-05T10:00:00Z","duration":61,` +
		`"destinationContext":"Domestic","charge":0.07,"connectionCharge":0,"currency":"EUR","usageLocation":"NL"}` + "\n"
	seeds = append(seeds, []byte(call+userLine("22222222-2222-4333-8444-555555555555", "b@contoso.com", "US")),
		[]byte(strings.Join(callCSVHeader, ",")+"\naaaaaaaa-0000-4000-8000-000000000001,11111111-2222-4333-8444-555555555555,"+
			"2026-10-05T10:00:00Z,2026-10-05T10:01:01Z,61,Domestic,0.07,0.00,EUR,NL,,+31205550100,,,,a@contoso.com,A,NL,conf_out,,,,,,,,\n"))
	return seeds
}

// checkProblems fails unless err is a non-empty report.Problems whose every
// problem has a reason.
func checkProblems(t *testing.T, err error) {
	t.Helper()
	var probs report.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("error %v (%T), want report.Problems", err, err)
	}
	if len(probs) == 0 {
		t.Fatal("error is an empty report.Problems")
	}
	for _, p := range probs {
		if p.Reason == "" {
			t.Fatalf("problem at %q has no reason: %v", p.Pointer, probs)
		}
	}
}

func FuzzScenarioLoad(f *testing.F) {
	for _, doc := range fuzzScenarioSeeds(f) {
		f.Add(doc)
	}
	l, err := NewScenarioLoader()
	if err != nil {
		f.Fatal(err)
	}
	all := report.Query{From: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, doc []byte) {
		ds, err := l.Load("fuzz", doc)
		if err != nil {
			checkProblems(t, err)
			return
		}
		if ds.Source == nil || ds.Version == "" {
			t.Fatalf("Load = %+v: want a source and a version", ds)
		}
		sum := ds.Source.Summary()
		rows := ds.Source.Rows(all)
		n := 0
		for range ds.Source.Calls(all) {
			n++
		}
		if n != sum.Calls || len(rows) != sum.Rows {
			t.Fatalf("summary says %d calls, %d rows; the whole range has %d calls, %d rows", sum.Calls, sum.Rows, n, len(rows))
		}
		for _, r := range rows {
			if r.TotalCalls < 1 || r.TotalCallSeconds < 0 || r.TotalCallCharge.IsNegative() {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
