package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// The ledger behind the report (GET /_mock/calls) and the exact aggregation the LEDGER checks
// compare the report with (docs/contract.md#data).

// ledgerCall is one line of GET /_mock/calls, as much as the checks need.
type ledgerCall struct {
	line                               int
	id, organizer, callType            string // callType "" when the line names none: conf_out
	location, context, currency        string
	start                              time.Time
	duration, charge, connectionCharge dec
}

func (c ledgerCall) key() rowKey { return rowKey{c.organizer, c.location, c.context, c.currency} }

// ledgerResult is what GET /_mock/calls answered.
type ledgerResult struct {
	rsp      *response
	absent   bool // 404: the server offers no ledger
	calls    []ledgerCall
	problems []string // format findings, one a line
}

// ledgerFor asks the mock for the calls of [from, to], both inclusive.
func (s *session) ledgerFor(ctx context.Context, from, to time.Time) (*ledgerResult, error) {
	u := "/_mock/calls?from=" + url.QueryEscape(from.UTC().Format(time.RFC3339Nano)) +
		"&to=" + url.QueryEscape(to.UTC().Format(time.RFC3339Nano))
	rsp, err := s.mockDo(ctx, request{url: u})
	if err != nil {
		return nil, err
	}
	led := &ledgerResult{rsp: rsp}
	if rsp.status == http.StatusNotFound {
		led.absent = true
		return led, nil
	}
	if rsp.status != http.StatusOK {
		led.problems = append(led.problems, fmt.Sprintf("GET /_mock/calls answered HTTP %d, want 200", rsp.status))
		return led, nil
	}
	if mt, _ := mediaType(rsp.header); mt != "application/x-ndjson" {
		led.problems = append(led.problems, fmt.Sprintf("Content-Type %q, want application/x-ndjson", rsp.header.Get("Content-Type")))
	}
	ids := map[string]int{}
	for i, line := range bytes.Split(rsp.body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		n := i + 1
		bad := func(format string, args ...any) {
			led.problems = append(led.problems, fmt.Sprintf("line %d: ", n)+fmt.Sprintf(format, args...))
		}
		_, f, err := objectKeys(line)
		if err != nil {
			bad("not a JSON object: %v", err)
			continue
		}
		errs, err := validate(s.sch.call, line)
		if err != nil {
			bad("%v", err)
		}
		for _, e := range errs {
			bad("%s", e)
		}
		c := ledgerCall{line: n}
		c.id, _ = rawString(f["id"])
		c.organizer, _ = rawString(f["organizerId"])
		c.callType, _ = rawString(f["callType"])
		c.context, _ = rawString(f["destinationContext"])
		c.currency, _ = rawString(f["currency"])
		var ok bool
		if c.location, ok = rawString(f["usageLocation"]); !ok {
			bad("no usageLocation (the ledger always writes the organizer's location at that time)")
		}
		start, _ := rawString(f["startDateTime"])
		if c.start, err = time.Parse(time.RFC3339Nano, start); err != nil {
			bad("startDateTime %q: %v", start, err)
			continue
		}
		if c.start.Before(from) || c.start.After(to) {
			bad("startDateTime %s is outside [%s, %s]", start, odataTime(from), odataTime(to))
		}
		var errD, errC, errK error
		c.duration, _, errD = rawNumber(f["duration"])
		c.charge, _, errC = rawNumber(f["charge"])
		c.connectionCharge, _, errK = rawNumber(f["connectionCharge"])
		if errD != nil || errC != nil || errK != nil {
			bad("duration, charge or connectionCharge is not a number")
			continue
		}
		if prev, dup := ids[c.id]; dup {
			bad("id %s repeats line %d", c.id, prev)
		}
		ids[c.id] = n
		led.calls = append(led.calls, c)
	}
	return led, nil
}

func (s *session) mainLedger(ctx context.Context) (*ledgerResult, error) {
	return s.ledger.get(func() (*ledgerResult, error) { return s.ledgerFor(ctx, s.cfg.From, s.cfg.To) })
}

// dialOut reports whether a call feeds the dial-out report: callType
// conf_out, the default (decision D11).
func (c ledgerCall) dialOut() bool { return c.callType == "" || c.callType == "conf_out" }

// aggregate is the report the dial-out calls with from <= start <= to make
// (docs/contract.md#data, decision D11).
func aggregate(calls []ledgerCall, from, to time.Time) map[rowKey]totals {
	out := map[rowKey]totals{}
	one, _ := parseDec("1")
	for _, c := range calls {
		if !c.dialOut() || c.start.Before(from) || c.start.After(to) {
			continue
		}
		out[c.key()] = out[c.key()].add(totals{calls: one, seconds: c.duration, charge: c.charge.add(c.connectionCharge)})
	}
	return out
}

// compareAgg checks that every entry of rr equals want, and that every key of want has an entry.
func compareAgg(p *probe, rr *readResult, want map[rowKey]totals, what string) {
	have := map[rowKey]bool{}
	for i, pg := range rr.pages {
		for _, e := range pg.entries {
			have[e.key] = true
			w, ok := want[e.key]
			switch {
			case !ok:
				p.failf(pg.rsp, "%s: page %d has %s, which no ledger call makes", what, i+1, e.key)
			case !e.totals.equal(w):
				p.failf(pg.rsp, "%s: %s reports %s, the ledger makes %s", what, e.key, e.totals, w)
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
		p.failf(rr.pages[0].rsp, "%s: no entry for %s", what, m)
	}
}

// usableLedger returns the ledger of [From, To], or marks the probe skipped.
func usableLedger(ctx context.Context, s *session, p *probe) *ledgerResult {
	led, err := s.mainLedger(ctx)
	if err != nil {
		p.errorf(err)
		return nil
	}
	if led.absent {
		p.skipf("the server offers no ledger: GET /_mock/calls answered 404")
		return nil
	}
	if led.rsp.status != http.StatusOK {
		p.skipf("the ledger could not be read: GET /_mock/calls answered HTTP %d (DR-LEDGER-001 judges that)", led.rsp.status)
		return nil
	}
	return led
}
