package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// The PSTN call log, getPstnCalls (docs/contract.md#call-log): the same calls as the dial-out
// report, one row each, in beta and v1.0. The PSTN checks judge the function itself; the XFN checks
// judge that the two functions tell the same story: the report of a range is the aggregation of that
// range's conf_out rows.

// The three spellings of the call log (docs/contract.md#call-log).
const (
	logShort     = "getPstnCalls"
	logQualified = "microsoft.graph.callRecords.getPstnCalls"
	logAlias     = "callRecords.getPstnCalls"

	logContextSuffix = "Collection(microsoft.graph.callRecords.pstnCallLogRow)"
)

// logURL is one spelling of a call log request; version "" is beta, fn "" the docs' spelling.
func (s *session) logURL(version, fn, params, query string) string {
	if fn == "" {
		fn = logShort
	}
	return s.url(fnURL{version: version, fn: fn, params: params, query: query})
}

// logRangeURL is the docs' spelling of the call log of [from, to], in beta.
func (s *session) logRangeURL(from, to time.Time) string {
	return s.logURL("", "", rangeParams(from, to), "")
}

// logWeek is the range the call log is read over: the week the date-form checks spell. A call log has
// a row a call, so the kit reads it over a week rather than all of [From, To], which a live tenant's
// rate limits would make long.
func (s *session) logWeek() (time.Time, time.Time) { return s.week() }

// logDay is the last day of the week: the range the spellings and date forms of the call log are
// compared over.
func (s *session) logDay() (time.Time, time.Time) {
	_, end := s.week()
	return end.Add(-24 * time.Hour), end
}

// logWeekRead is the call log of the week, in the docs' spelling.
func (s *session) logWeekRead(ctx context.Context) (*readResult, error) {
	return s.logWeekMemo.get(func() (*readResult, error) {
		from, to := s.logWeek()
		return s.read(ctx, s.logRangeURL(from, to), request{})
	})
}

// logDayRead is the call log of the last day of the week, in the docs' spelling.
func (s *session) logDayRead(ctx context.Context) (*readResult, error) {
	return s.logDayMemo.get(func() (*readResult, error) {
		from, to := s.logDay()
		return s.read(ctx, s.logRangeURL(from, to), request{})
	})
}

// logRow is one pstnCallLogRow, read leniently so that one broken field does not hide the others.
type logRow struct {
	page, index int // 1-based page, 0-based entry
	raw         json.RawMessage
	fields      map[string]json.RawMessage
	id          string
	callType    string
	key         rowKey // userId, usageCountryCode, destinationContext, currency (decision D12)
	start       time.Time
	startOK     bool
	duration    dec
	charge      dec
	connection  dec
	numbersOK   bool // duration, charge and connectionCharge read as numbers (possibly from strings)
}

func (r *logRow) String() string {
	return fmt.Sprintf("page %d entry %d (id %s)", r.page, r.index, r.id)
}

// dialOut reports whether the row feeds the dial-out report (decision D11).
func (r *logRow) dialOut() bool { return r.callType == "conf_out" }

// logRows reads the rows of every page of rr, in order.
func logRows(rr *readResult) []*logRow {
	var out []*logRow
	for i, pg := range rr.pages {
		for j, raw := range pg.rawValue {
			r := &logRow{page: i + 1, index: j, raw: raw}
			_, r.fields, _ = objectKeys(raw)
			r.id, _ = rawString(r.fields["id"])
			r.callType, _ = rawString(r.fields["callType"])
			r.key.userID, _ = rawString(r.fields["userId"])
			r.key.location, _ = rawString(r.fields["usageCountryCode"])
			r.key.context, _ = rawString(r.fields["destinationContext"])
			r.key.currency, _ = rawString(r.fields["currency"])
			if start, ok := rawString(r.fields["startDateTime"]); ok {
				t, err := time.Parse(time.RFC3339Nano, start)
				r.start, r.startOK = t, err == nil
			}
			var errs [3]error
			r.duration, _, errs[0] = rawNumber(r.fields["duration"])
			r.charge, _, errs[1] = rawNumber(r.fields["charge"])
			r.connection, _, errs[2] = rawNumber(r.fields["connectionCharge"])
			r.numbersOK = errs[0] == nil && errs[1] == nil && errs[2] == nil
			out = append(out, r)
		}
	}
	return out
}

// aggregateLog is the dial-out report the conf_out rows of a call log make: one entry per (userId,
// usageCountryCode, destinationContext, currency), totalCallCharge = Σ(charge + connectionCharge),
// exact (docs/contract.md#call-log). bad lists the conf_out rows it could not read.
func aggregateLog(rows []*logRow) (out map[rowKey]totals, bad []*logRow) {
	out = map[rowKey]totals{}
	one, _ := parseDec("1")
	for _, r := range rows {
		if !r.dialOut() {
			continue
		}
		if !r.numbersOK || r.key.userID == "" {
			bad = append(bad, r)
			continue
		}
		out[r.key] = out[r.key].add(totals{calls: one, seconds: r.duration, charge: r.charge.add(r.connection)})
	}
	return out, bad
}

// twoPlaces matches a JSON number written with exactly two decimal places.
var twoPlaces = regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]{2}$`)

// logReadable returns the rows of rr and true when it was read to its last page and has at least
// min rows; otherwise it marks the probe (ERROR for the kit's failure, SKIP otherwise) and returns
// false.
func logReadable(p *probe, what string, rr *readResult, err error, min int) ([]*logRow, bool) {
	if err != nil {
		p.errorf(err)
		return nil, false
	}
	if len(rr.pages) == 0 {
		p.skipf("needs %s, and there is none: %s", what, rr.stop)
		return nil, false
	}
	if !rr.complete {
		p.skipf("needs %s read to its last page, and it could not be: %s", what, rr.stop)
		return nil, false
	}
	rows := logRows(rr)
	if !p.enough(len(rows), min, "rows in "+what) {
		return nil, false
	}
	return rows, true
}

// eachLogPage calls f for every page of the week's call log. With fewer than minRows rows the check is
// skipped, and a read that stopped early leaves a check that found nothing wrong skipped.
func eachLogPage(ctx context.Context, s *session, p *probe, minRows int, f func(i int, pg *page)) {
	rr, err := s.logWeekRead(ctx)
	if !p.hasPage(rr, err, "needs a page of the call log") {
		return
	}
	for i, pg := range rr.pages {
		f(i+1, pg)
	}
	if p.status == Pass {
		if rr.complete {
			p.enough(entryCount(rr), minRows, "rows in the call log of the week")
		} else {
			p.partial(rr)
		}
	}
}

// weekName writes the week the call log is read over.
func (s *session) logWeekName() string {
	from, to := s.logWeek()
	return "[" + odataTime(from) + ", " + odataTime(to) + "]"
}
