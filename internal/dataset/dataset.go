// Package dataset builds and writes the ledger datasets the server serves:
// from a generator spec, a scenario file or bytes, and writes calls out.
// Readers of other formats belong here too, so that the program
// (cmd/dialoutmock), the control API (server) and Go tests (mocktest) load
// data one way.
package dataset

import (
	"iter"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
)

// Source is the data a dataset answers from: the report over a range, the
// ledger's calls behind it (also as the call log, by position), and a
// summary. A scenario's report.CallLedger and a generated generator.Tenant
// are Sources.
type Source interface {
	Rows(q report.Query) []report.Row
	Calls(q report.Query) iter.Seq[report.Call]
	Summary() report.Summary
	report.CallLog
}

var (
	_ Source = (*report.CallLedger)(nil)
	_ Source = (*generator.Tenant)(nil)
)

// Dataset is a Source with its identity. Version is derived from the content
// (a generator spec or a scenario's bytes), so replicas started alike agree on
// it and honour each other's nextLinks.
type Dataset struct {
	Source  Source
	Version string
	Name    string // for people: "generator seed=…", a scenario's file name
}
