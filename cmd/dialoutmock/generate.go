package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/internal/cli"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/report"
)

// runGenerate is `dialoutmock generate`: it writes the ledger of a generated
// tenant, the ground truth behind every total, without serving it.
func runGenerate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	spec := generator.DefaultSpec(time.Now().UTC())
	var windowEnd, from, to, format, out string
	fs := flag.NewFlagSet("dialoutmock generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addSpecFlags(fs, &spec, &windowEnd)
	fs.StringVar(&from, "from", "", "first instant of calls to write (default: the window's first day)")
	fs.StringVar(&to, "to", "", "last instant of calls to write (default: the window's end)")
	fs.StringVar(&format, "format", "jsonl", "jsonl (one call a line, with its organizer), csv (the ledger's columns, with a header row), teams-csv (the Teams admin center PSTN usage export), or json (a scenario document; also \"scenario\"); every format loads back with --scenario")
	fs.StringVar(&out, "out", "", "output `file` (default stdout)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: dialoutmock generate [flags]\n\nWrites the ledger of the generated tenant (the same flags give the same calls).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, envPrefix, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := finishSpec(&spec, windowEnd); err != nil {
		return err
	}
	var q report.Query
	q.From, q.To = spec.Window()
	for _, p := range []struct {
		name, value string
		dst         *time.Time
	}{{"--from", from, &q.From}, {"--to", to, &q.To}} {
		if p.value == "" {
			continue
		}
		t, err := cli.ParseTime(p.value)
		if err != nil {
			return cli.Usagef("%s %q: %v", p.name, p.value, err)
		}
		*p.dst = t
	}
	if q.From.After(q.To) {
		return cli.Usagef("--from %s is after --to %s", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	switch format {
	case "jsonl", "csv", "teams-csv", "json", "scenario":
	default:
		return cli.Usagef("--format %q: want json, jsonl, csv or teams-csv", format)
	}

	start := time.Now()
	tenant, err := generator.Generate(ctx, spec, newProgress(stderr, "generating ledger"))
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	built := time.Now()
	var written int
	counted := func(yield func(report.Call) bool) {
		for c := range tenant.Calls(q) {
			written++
			if !yield(c) {
				return
			}
		}
	}
	w := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if format == "scenario" || format == "json" {
		err = dataset.WriteScenario(w, fmt.Sprintf("generated-%d", spec.Seed),
			fmt.Sprintf("%s, calls from %s to %s", spec, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339)),
			tenant.Users(), counted)
	} else {
		err = dataset.WriteCalls(w, format, counted, tenant.Users())
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if f, ok := w.(*os.File); ok && out != "" {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
	}
	sum := tenant.Summary()
	took := time.Since(built)
	fmt.Fprintf(stderr, "generated %d users, %d calls (%s, version %s) in %s; wrote %d calls (%s) in %s, %.0f calls/s\n",
		sum.Users, sum.Calls, spec, spec.Version(), built.Sub(start).Round(time.Millisecond),
		written, format, took.Round(time.Millisecond), float64(written)/max(took.Seconds(), 1e-9))
	return nil
}
