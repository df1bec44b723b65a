// Package conformance checks a server at a base URL against the documented contract of the Microsoft
// Graph beta function callRecords.getPstnOnlineMeetingDialoutReport (docs/contract.md#the-function, #conformance-kit): the dialoutkit
// mock, or the real Graph.
//
// [Run] executes a catalogue of checks with stable IDs (DR-<AREA>-<NNN>, see [Catalogue]) and returns
// a [Report]; it never takes a *testing.T (package conformancetest maps a report onto subtests). Each
// result has a status; the order PASS < SKIP < FAIL < ERROR lets the worst win, and ERROR ("the kit
// could not run the check") is kept apart from FAIL ("the server broke a rule").
//
// Two profiles exist. [ProfileGraph] is safe for a live tenant: it sends nothing but GETs, checks
// invariants only, honours 429/503 Retry-After and stays under a request rate (40 a minute by default).
// [ProfileMock] runs everything, including the LEDGER checks that recompute every report row from the
// mock's ledger (GET /_mock/calls) and the scenario checks that use the mock's control API. Those
// change the mock's state ([Check.ChangesState]): the kit records the dataset and the queued faults
// before the first check, says up front what it will change ([Config.Notice]), and puts them back
// after the last; [Config.NoMutate] runs only the checks that change nothing.
//
// Nothing passes by default: a check that cannot reach its assertion (the next pages cannot be read,
// the range has no entries, every request is refused, the server has no control API) is SKIP or ERROR
// with the reason, and a selection that leaves no check to run is an error ([ErrNoChecks]).
//
// The package imports the standard library, gojsonschema and package schemas only: nothing of the
// server side, so that it can judge the real service.
package conformance
