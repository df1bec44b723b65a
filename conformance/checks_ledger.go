package conformance

import (
	"context"
	"slices"
	"time"
)

// LEDGER checks against the ledger the mock serves: every row recomputed from GET /_mock/calls.

func checkLedgerFormat(ctx context.Context, s *session, p *probe) {
	led, err := s.mainLedger(ctx)
	if err != nil {
		p.errorf(err)
		return
	}
	if led.absent {
		p.skipf("the server offers no ledger: GET /_mock/calls answered 404")
		return
	}
	for _, msg := range led.problems {
		p.failf(led.rsp, "GET /_mock/calls: %s", msg)
	}
	if p.status == Pass {
		p.enough(len(led.calls), 1, "ledger calls in [From, To]")
	}
}

func checkLedgerRows(ctx context.Context, s *session, p *probe) {
	led := usableLedger(ctx, s, p)
	if led == nil {
		return
	}
	rr, err := s.fullRead(ctx)
	if !p.complete(rr, err) || !p.enough(max(len(led.calls), entryCount(rr)), 1, "ledger calls or report entries in [From, To]") {
		return
	}
	before := len(p.details)
	compareAgg(p, rr, aggregate(led.calls, s.cfg.From, s.cfg.To), "[From, To]")
	if len(p.details) > before {
		p.show(led.rsp)
	}
}

func checkLedgerBounds(ctx context.Context, s *session, p *probe) {
	led := usableLedger(ctx, s, p)
	if led == nil {
		return
	}
	var starts []time.Time
	for _, c := range led.calls {
		if c.dialOut() && c.start.Truncate(100*time.Nanosecond).Equal(c.start) && !c.start.Before(s.cfg.From) && !c.start.After(s.cfg.To) {
			starts = append(starts, c.start)
		}
	}
	if len(starts) == 0 {
		p.skipf("the ledger has no call in [From, To] to probe the ends with")
		return
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	first, last := starts[0], starts[len(starts)-1]
	tick := 100 * time.Nanosecond
	probes := [][2]time.Time{{first, last}, {first, first}, {last, last}}
	if first.Add(tick).Before(last.Add(-tick)) {
		probes = append(probes, [2]time.Time{first.Add(tick), last.Add(-tick)})
	}
	for _, r := range probes {
		rr := readRange(ctx, s, p, r[0], r[1])
		if rr == nil {
			return
		}
		before := len(p.details)
		compareAgg(p, rr, aggregate(led.calls, r[0], r[1]), "["+odataTime(r[0])+", "+odataTime(r[1])+"]")
		if len(p.details) > before {
			p.show(led.rsp)
		}
	}
}
