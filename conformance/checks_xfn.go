package conformance

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// XFN checks: the dial-out report and the call log tell the same story (docs/contract.md#call-log):
// the report of a range equals, row for row, the aggregation of that range's conf_out call log rows
// by (userId, usageCountryCode, destinationContext, currency), totalCallCharge = Σ(charge +
// connectionCharge) in exact decimals. Only two read-only functions are needed, so the check runs
// against a live tenant too; there data may arrive between the reads, so the kit reads the report
// again after the log: the functions disagreeing while both report reads agree is a FAIL, a report
// that changed between its reads a SKIP.

func checkCrossWeek(ctx context.Context, s *session, p *probe) {
	from, to := s.logWeek()
	crossCheck(ctx, s, p, from, to)
}

func checkCrossSplit(ctx context.Context, s *session, p *probe) {
	from, to := s.logWeek()
	m := from.Add(to.Sub(from) / 2).Truncate(time.Second)
	after := m.Add(100 * time.Nanosecond) // the finest DateTimeOffset: no instant in both halves
	for _, half := range [][2]time.Time{{from, m}, {after, to}} {
		if !crossCheck(ctx, s, p, half[0], half[1]) {
			return
		}
	}
}

// crossCheck compares the report of [from, to] with the aggregation of its call log; false when the
// probe was marked other than by a finding (a read it could not make, too little data).
func crossCheck(ctx context.Context, s *session, p *probe, from, to time.Time) bool {
	what := "[" + odataTime(from) + ", " + odataTime(to) + "]"
	report := readAll(ctx, s, p, "the report of "+what, s.rangeURL(from, to))
	if report == nil {
		return false
	}
	logRR := readAll(ctx, s, p, "the call log of "+what, s.logRangeURL(from, to))
	if logRR == nil {
		return false
	}
	again, err := s.read(ctx, s.rangeURL(from, to), request{fresh: true})
	if !p.mustRead("the report of "+what+", read again after the call log", again, err) {
		return false
	}
	if !sameReport(report, again) {
		p.skipf("the report of %s changed between its reads before and after the call log: data arrived while the kit read; run again", what)
		return false
	}
	rows := logRows(logRR)
	want, bad := aggregateLog(rows)
	if len(bad) > 0 {
		p.skipf("%d conf_out rows of the call log of %s cannot be summed (DR-PSTN-003 and DR-PSTN-005 judge them), the first %s", len(bad), what, bad[0])
		return false
	}
	if !p.enough(entryCount(report)+len(want), 1, "report entries or conf_out rows in "+what) {
		return false
	}
	have := map[rowKey]bool{}
	for i, pg := range report.pages {
		for _, e := range pg.entries {
			have[e.key] = true
			w, ok := want[e.key]
			switch {
			case !ok:
				p.failf(pg.rsp, "%s: report page %d has %s, which no conf_out row of the call log makes", what, i+1, e.key)
				p.show(logRR.pages[0].rsp)
			case !e.totals.equal(w):
				p.failf(pg.rsp, "%s: the report says %s %s, the call log's conf_out rows make %s", what, e.key, e.totals, w)
				p.show(logRR.pages[0].rsp)
			}
		}
	}
	var missing []string
	for k, w := range want {
		if !have[k] {
			missing = append(missing, fmt.Sprintf("%s (%s)", k, w))
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		p.failf(report.pages[0].rsp, "%s: the call log's conf_out rows make %s, and the report has no entry for it", what, m)
		p.show(logRR.pages[0].rsp)
	}
	return true
}

// sameReport reports whether two reads of a report hold the same entries, key by key, exact totals.
func sameReport(a, b *readResult) bool {
	ra, rb := a.rows(), b.rows()
	if len(ra) != len(rb) || len(a.entries()) != len(b.entries()) {
		return false
	}
	for k, e := range ra {
		f, ok := rb[k]
		if !ok || !e.totals.equal(f.totals) {
			return false
		}
	}
	return true
}
