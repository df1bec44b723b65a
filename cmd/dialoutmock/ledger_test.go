package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/internal/binarytest"
	"github.com/google/go-cmp/cmp"
)

// sumLedger is a second implementation of the report, written for the test:
// it reads the ledger as /_mock/calls serves it (JSON Lines), keeps the
// dial-out (conf_out) calls, sums exact
// decimals with math/big.Rat, and orders rows by key. It shares no code with
// report or generator.
func sumLedger(t *testing.T, jsonl []byte) map[string]string {
	t.Helper()
	type acc struct {
		calls, secs int64
		charge      *big.Rat
	}
	sums := map[string]*acc{}
	for _, c := range binarytest.DialOuts(t, jsonl) {
		k := c.OrganizerID + "|" + c.UsageLocation + "|" + c.DestinationContext + "|" + c.Currency
		a := sums[k]
		if a == nil {
			a = &acc{charge: new(big.Rat)}
			sums[k] = a
		}
		a.charge.Add(a.charge, c.Cost)
		a.calls++
		a.secs += c.Duration
	}
	out := map[string]string{}
	for k, a := range sums {
		out[k] = fmt.Sprintf("%d calls, %d s, %s", a.calls, a.secs, a.charge.FloatString(2))
	}
	return out
}

func reportTotals(t *testing.T, rows []entry) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range rows {
		k := r.UserID + "|" + r.UsageLocation + "|" + r.DestinationContext + "|" + r.Currency
		if _, dup := out[k]; dup {
			t.Errorf("key %s appears twice", k)
		}
		charge, ok := new(big.Rat).SetString(string(r.TotalCallCharge))
		if !ok {
			t.Fatalf("totalCallCharge %s is not a decimal number", r.TotalCallCharge)
		}
		out[k] = fmt.Sprintf("%d calls, %d s, %s", r.TotalCalls, r.TotalCallSeconds, charge.FloatString(2))
	}
	return out
}

func TestEveryTotalIsTheSumOfTheLedger(t *testing.T) {
	ranges := []struct{ from, to string }{
		{"2026-08-03", "2026-11-01"},
		{"2026-10-14T00:00:00Z", "2026-10-14T23:59:59.9999999Z"},
		{"2026-09-07T13:30:00%2B02:00", "2026-09-09T08:00:00Z"},
		{"2025-11-02", "2025-11-30"}, // the window's first day
	}
	for _, setup := range []struct {
		name string
		args []string
	}{
		{"generated", []string{"--window-end", "2026-11-01", "--page-size", "97"}},
		{"scenario edges", []string{"--scenario", filepath.Join("..", "..", "fixtures", "scenarios", "edges.json")}},
	} {
		t.Run(setup.name, func(t *testing.T) {
			base := startMock(t, nil, setup.args...)
			for _, r := range append(ranges, struct{ from, to string }{"2026-10-01", "2026-10-31"}) {
				rows := allRows(t, fmt.Sprintf("%s%s(fromDateTime=%s,toDateTime=%s)", base, fn, r.from, r.to))
				ledger := fetch(t, fmt.Sprintf("%s/_mock/calls?from=%s&to=%s", base, r.from, r.to))
				want := sumLedger(t, ledger)
				if diff := cmp.Diff(want, reportTotals(t, rows)); diff != "" {
					t.Errorf("%s..%s: report disagrees with the ledger (-ledger +report):\n%s", r.from, r.to, diff)
				}
				if setup.name == "generated" && len(want) == 0 {
					t.Errorf("%s..%s: no calls; the check checks nothing", r.from, r.to)
				}
			}
		})
	}
}

// TestGeneratedScenarioServesTheSameReport writes a generated tenant as a
// scenario file and serves it: the scenario path (report.CallLedger) and the
// generator path must answer the same rows.
func TestGeneratedScenarioServesTheSameReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenant.json")
	args := []string{"dialoutmock", "generate", "--window-end", "2026-11-01", "--users", "60",
		"--from", "2026-09-01", "--to", "2026-10-31T23:59:59Z", "--format", "scenario", "--out", path}
	if err := run(context.Background(), args, func(string) string { return "" }, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	gen := startMock(t, nil, "--window-end", "2026-11-01", "--users", "60")
	sc := startMock(t, nil, "--scenario", path)
	for _, r := range []string{"(fromDateTime=2026-09-01,toDateTime=2026-10-31)", "(fromDateTime=2026-10-10T08:00:00Z,toDateTime=2026-10-12T17:00:00Z)"} {
		a, b := allRows(t, gen+fn+r), allRows(t, sc+fn+r)
		if len(a) == 0 {
			t.Fatalf("%s: no rows", r)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: generator and its scenario disagree (-generator +scenario):\n%s", r, diff)
		}
	}
	info, _ := os.Stat(path)
	t.Logf("scenario of %d bytes", info.Size())
}

func TestGenerateWritesJSONLinesAndCSV(t *testing.T) {
	var jsonl, csv bytes.Buffer
	common := []string{"--window-end", "2026-11-01", "--users", "20", "--from", "2026-10-01", "--to", "2026-10-07"}
	env := func(string) string { return "" }
	if err := run(context.Background(), append([]string{"dialoutmock", "generate"}, common...), env, &jsonl, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), append([]string{"dialoutmock", "generate", "--format", "csv"}, common...), env, &csv, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(jsonl.Bytes(), []byte("\n"))
	if rows := bytes.Count(csv.Bytes(), []byte("\n")); lines == 0 || rows != lines+1 {
		t.Errorf("%d JSON lines, %d CSV lines; want the same calls plus a header", lines, rows)
	}
	var starts []string
	sc := bufio.NewScanner(&jsonl)
	for sc.Scan() {
		var c struct{ StartDateTime time.Time }
		json.Unmarshal(sc.Bytes(), &c)
		starts = append(starts, c.StartDateTime.Format(time.RFC3339Nano))
	}
	if !sort.StringsAreSorted(starts) {
		t.Error("calls are not in start order")
	}
	for _, bad := range [][]string{{"--format", "xml"}, {"--from", "tomorrow"}, {"--from", "2026-10-07", "--to", "2026-10-01"}, {"--users", "0"}} {
		err := run(context.Background(), append([]string{"dialoutmock", "generate"}, bad...), env, io.Discard, io.Discard)
		if exitCode(err) != 2 {
			t.Errorf("generate %v = %v, want a usage error", bad, err)
		}
	}
}
