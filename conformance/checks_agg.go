package conformance

import (
	"bytes"
	"cmp"
	"context"
	"regexp"
	"strings"
	"time"
)

// AGG checks: aggregation invariants that need no ground truth.

func checkUniqueInPage(ctx context.Context, s *session, p *probe) {
	most := 0
	defer func() {
		if p.status == Pass {
			p.enough(most, 2, "entries in one page")
		}
	}()
	eachPage(ctx, s, p, func(i int, pg *page) {
		most = max(most, len(pg.entries))
		seen := map[rowKey]int{}
		for _, e := range pg.entries {
			if j, ok := seen[e.key]; ok {
				p.failf(pg.rsp, "page %d: key %s at entries %d and %d", i, e.key, j, e.index)
				continue
			}
			seen[e.key] = e.index
		}
	})
}

func checkIdentityStable(ctx context.Context, s *session, p *probe) {
	type identity struct {
		upn, name string
		rsp       *response
	}
	seen := map[string]identity{}
	compared := 0
	eachPageOf(ctx, s, p, 2, func(i int, pg *page) {
		for _, e := range pg.entries {
			id, ok := seen[e.key.userID]
			if !ok {
				seen[e.key.userID] = identity{e.upn, e.name, pg.rsp}
				continue
			}
			compared++
			if id.upn != e.upn || id.name != e.name {
				p.failf(pg.rsp, "userId %s is %q (%q) on one entry and %q (%q) on another", e.key.userID, id.upn, id.name, e.upn, e.name)
				p.show(id.rsp)
			}
		}
	})
	if p.status == Pass && compared == 0 {
		p.skipf("no userId has two entries whose identity fields could differ")
	}
}

var intLiteralRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

func checkTotalsRange(ctx context.Context, s *session, p *probe) {
	eachPageOf(ctx, s, p, 1, func(i int, pg *page) {
		for _, e := range pg.entries {
			for _, f := range []struct {
				name string
				min  int64
			}{{"totalCalls", 1}, {"totalCallSeconds", 0}} {
				raw := bytes.TrimSpace(e.fields[f.name])
				if !intLiteralRE.Match(raw) {
					p.failf(pg.rsp, "page %d entry %d %s: %s is %s, want a JSON integer", i, e.index, e.key, f.name, orAbsent(string(raw)))
					continue
				}
				d, _ := parseDec(string(raw))
				n, fits := d.int64()
				if !fits || n < f.min || n > int32Max {
					p.failf(pg.rsp, "page %d entry %d %s: %s = %s, want %d..%d (Int32)", i, e.index, e.key, f.name, raw, f.min, int32Max)
				}
			}
			if d, isString, err := rawNumber(e.fields["totalCallCharge"]); err == nil && !isString && d.sign() < 0 {
				p.failf(pg.rsp, "page %d entry %d %s: totalCallCharge %s is negative", i, e.index, e.key, e.fields["totalCallCharge"])
			}
		}
	})
}

func checkDecimalExact(ctx context.Context, s *session, p *probe) {
	eachPageOf(ctx, s, p, 1, func(i int, pg *page) {
		for _, e := range pg.entries {
			raw := bytes.TrimSpace(e.fields["totalCallCharge"])
			d, isString, err := rawNumber(raw)
			switch {
			case err != nil:
				p.failf(pg.rsp, "page %d entry %d %s: totalCallCharge %s is not a decimal number", i, e.index, e.key, orAbsent(string(raw)))
			case isString:
				p.failf(pg.rsp, "page %d entry %d %s: totalCallCharge %s is a string; a number is due unless the request asked IEEE754Compatible=true", i, e.index, e.key, raw)
			case d.fracDigits() > 4:
				p.failf(pg.rsp, "page %d entry %d %s: totalCallCharge %s has %d fractional digits: a float artefact, sums of 2-place charges have 2", i, e.index, e.key, raw, d.fracDigits())
			case !d.floatExact():
				p.failf(pg.rsp, "page %d entry %d %s: totalCallCharge %s does not survive a float64 round trip", i, e.index, e.key, raw)
			}
		}
	})
}

// readRange reads [from, to] completely in the docs' spelling, or marks the probe.
func readRange(ctx context.Context, s *session, p *probe, from, to time.Time) *readResult {
	return readAll(ctx, s, p, "["+odataTime(from)+", "+odataTime(to)+"]", s.rangeURL(from, to))
}

func checkMonotonic(ctx context.Context, s *session, p *probe) {
	full, err := s.fullRead(ctx)
	if !p.complete(full, err) || !p.enough(entryCount(full), 1, "entries in [From, To]") {
		return
	}
	span := s.cfg.To.Sub(s.cfg.From)
	from := s.cfg.From.Add(span / 4).Truncate(time.Second)
	to := s.cfg.To.Add(-span / 4).Truncate(time.Second)
	if from.Before(s.cfg.From) || to.Before(from) {
		p.skipf("[From, To] is too short to hold a sub-range")
		return
	}
	sub := readRange(ctx, s, p, from, to)
	if sub == nil || !p.enough(entryCount(sub), 1, "entries in the sub-range ["+odataTime(from)+", "+odataTime(to)+"]") {
		return
	}
	all := full.rows()
	for k, e := range sub.rows() {
		f, ok := all[k]
		switch {
		case !ok:
			p.failf(sub.pages[0].rsp, "key %s is in [%s, %s] but not in the enclosing [From, To]", k, odataTime(from), odataTime(to))
		case !e.totals.le(f.totals):
			p.failf(sub.pages[0].rsp, "key %s: sub-range %s exceeds the enclosing range's %s", k, e.totals, f.totals)
		}
	}
}

func checkAdditive(ctx context.Context, s *session, p *probe) {
	full, err := s.fullRead(ctx)
	if !p.complete(full, err) || !p.enough(entryCount(full), 1, "entries in [From, To]") {
		return
	}
	m := s.cfg.From.Add(s.cfg.To.Sub(s.cfg.From) / 2).Truncate(time.Second)
	if m.Before(s.cfg.From) {
		m = s.cfg.From
	}
	after := m.Add(100 * time.Nanosecond)
	if after.After(s.cfg.To) {
		p.skipf("[From, To] is too short to split")
		return
	}
	left := readRange(ctx, s, p, s.cfg.From, m)
	if left == nil {
		return
	}
	right := readRange(ctx, s, p, after, s.cfg.To)
	if right == nil {
		return
	}
	sum := map[rowKey]totals{}
	for _, part := range []*readResult{left, right} {
		for k, e := range part.rows() {
			sum[k] = sum[k].add(e.totals)
		}
	}
	name := "[" + odataTime(s.cfg.From) + ", " + odataTime(m) + "] + [" + odataTime(after) + ", " + odataTime(s.cfg.To) + "]"
	for k, e := range full.rows() {
		got, ok := sum[k]
		switch {
		case !ok:
			p.failf(right.pages[0].rsp, "key %s is in [From, To] but in neither half of %s", k, name)
		case !got.equal(e.totals):
			p.failf(right.pages[0].rsp, "key %s: the halves of %s add up to %s, the whole range says %s", k, name, got, e.totals)
			p.show(left.pages[0].rsp)
		}
	}
	all := full.rows()
	for k := range sum {
		if _, ok := all[k]; !ok {
			p.failf(right.pages[0].rsp, "key %s is in a half of %s but not in [From, To]", k, name)
		}
	}
}

func checkOrder(ctx context.Context, s *session, p *probe) {
	full, err := s.fullRead(ctx)
	if !p.complete(full, err) || !p.enough(entryCount(full), 2, "entries in [From, To]") {
		return
	}
	less := func(a, b *entry) int {
		return cmp.Or(strings.Compare(a.upn, b.upn), strings.Compare(a.key.userID, b.key.userID),
			strings.Compare(a.key.location, b.key.location), strings.Compare(a.key.context, b.key.context),
			strings.Compare(a.key.currency, b.key.currency))
	}
	var prev *entry
	for i, pg := range full.pages {
		for _, e := range pg.entries {
			if prev != nil && less(prev, e) > 0 {
				p.failf(pg.rsp, "page %d entry %d %s (%s) comes after %s (%s)", i+1, e.index, e.key, e.upn, prev.key, prev.upn)
				return
			}
			prev = e
		}
	}
}
