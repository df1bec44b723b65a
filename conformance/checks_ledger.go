package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ledgerCall is one line of GET /_mock/calls, as much as the checks need.
type ledgerCall struct {
	line                               int
	id, organizer                      string
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
	u := s.mockURL("/_mock/calls") + "?from=" + url.QueryEscape(from.UTC().Format(time.RFC3339Nano)) +
		"&to=" + url.QueryEscape(to.UTC().Format(time.RFC3339Nano))
	rsp, err := s.c.do(ctx, request{url: u})
	if err != nil {
		return nil, err
	}
	if err := mockDenied(rsp); err != nil {
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

// aggregate is the report the calls with from <= start <= to make (docs/contract.md#data).
func aggregate(calls []ledgerCall, from, to time.Time) map[rowKey]totals {
	out := map[rowKey]totals{}
	one, _ := parseDec("1")
	for _, c := range calls {
		if c.start.Before(from) || c.start.After(to) {
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
}

func checkLedgerRows(ctx context.Context, s *session, p *probe) {
	led := usableLedger(ctx, s, p)
	if led == nil {
		return
	}
	rr, err := s.fullRead(ctx)
	if !p.complete(rr, err) {
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
		if c.start.Truncate(100*time.Nanosecond).Equal(c.start) && !c.start.Before(s.cfg.From) && !c.start.After(s.cfg.To) {
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

// controlAPI returns the dataset version before a scenario check, or marks the probe skipped.
func controlAPI(ctx context.Context, s *session, p *probe) (string, bool) {
	h, err := s.healthNow(ctx)
	if err != nil {
		p.errorf(err)
		return "", false
	}
	if h.absent {
		p.skipf("the server has no control API: GET /_mock/health answered 404")
		return "", false
	}
	if !h.ok {
		p.skipf("the control API is not healthy (%s): DR-ENV-012 judges that", h.problem)
		return "", false
	}
	return h.version, true
}

// putDataset loads a scenario. It returns nil after marking the probe when the server has no PUT.
func putDataset(ctx context.Context, s *session, p *probe, body []byte) *response {
	rsp, ok := p.got(s.c.do(ctx, request{method: http.MethodPut, url: s.mockURL("/_mock/dataset"), body: body}))
	if !ok {
		return nil
	}
	if err := mockDenied(rsp); err != nil {
		p.errorf(err)
		return nil
	}
	if rsp.status == http.StatusNotFound || rsp.status == http.StatusMethodNotAllowed {
		p.skipf("the server cannot load scenarios: PUT /_mock/dataset answered HTTP %d", rsp.status)
		return nil
	}
	return rsp
}

// mockDenied is the kit's error for a control API that wants an admin key the kit does not have:
// the check could not run, which is not the server's fault.
func mockDenied(rsp *response) error {
	if rsp.status != http.StatusUnauthorized && rsp.status != http.StatusForbidden {
		return nil
	}
	return &answerError{rsp: rsp, err: fmt.Errorf("%s %s answered HTTP %d: the control API wants an admin key (Config.AdminKey, dialoutconform --admin-key-env)", rsp.ex.Method, rsp.ex.URL, rsp.status)}
}

// resetDataset goes back to the startup dataset; a failure is the server's.
func resetDataset(ctx context.Context, s *session, p *probe) bool {
	rsp, ok := p.got(s.c.do(ctx, request{method: http.MethodPost, url: s.mockURL("/_mock/reset")}))
	if !ok {
		return false
	}
	if err := mockDenied(rsp); err != nil {
		p.errorf(err)
		return false
	}
	if rsp.status < 200 || rsp.status > 299 {
		p.failf(rsp, "POST /_mock/reset answered HTTP %d, want 2xx; later checks may see the scenario", rsp.status)
		return false
	}
	return true
}

// withScenario loads body, runs f if the server took it, and resets in every case.
func withScenario(ctx context.Context, s *session, p *probe, body []byte, f func(rsp *response)) {
	if _, ok := controlAPI(ctx, s, p); !ok {
		return
	}
	rsp := putDataset(ctx, s, p, body)
	if rsp == nil {
		return
	}
	defer resetDataset(context.WithoutCancel(ctx), s, p)
	f(rsp)
}

func checkScenarioExact(ctx context.Context, s *session, p *probe) {
	sc := exactScenario()
	withScenario(ctx, s, p, sc.body, func(rsp *response) {
		if rsp.status != http.StatusOK {
			p.failf(rsp, "PUT /_mock/dataset answered HTTP %d, want 200", rsp.status)
			return
		}
		rr, err := s.read(ctx, s.rangeURL(sc.from, sc.to), request{fresh: true})
		if !p.complete(rr, err) {
			return
		}
		compareAgg(p, rr, sc.rows, "scenario")
		for _, e := range rr.entries() {
			if want, ok := sc.identity[e.key.userID]; ok && (e.upn != want[0] || e.name != want[1]) {
				p.failf(rr.pages[0].rsp, "scenario: %s is %q (%q), want %q (%q)", e.key, e.upn, e.name, want[0], want[1])
			}
		}
		if n := len(rr.entries()); n != len(sc.rows) {
			p.failf(rr.pages[0].rsp, "scenario: %d entries, want %d", n, len(sc.rows))
		}
	})
}

func checkScenarioPaging(ctx context.Context, s *session, p *probe) {
	sc := manyRowsScenario(1001)
	withScenario(ctx, s, p, sc.body, func(rsp *response) {
		if rsp.status != http.StatusOK {
			p.failf(rsp, "PUT /_mock/dataset answered HTTP %d, want 200", rsp.status)
			return
		}
		rr, err := s.read(ctx, s.rangeURL(sc.from, sc.to), request{fresh: true})
		if err != nil {
			p.errorf(err)
			return
		}
		if !rr.complete && len(rr.foreign) > 0 {
			p.skipf("1001 rows: %s (DR-PAGE-004 judges that)", rr.stop)
			return
		}
		if !rr.complete {
			p.failf(rr.stopRsp, "1001 rows: the pages could not be read to the last one: %s", rr.stop)
			return
		}
		if len(rr.pages) < 2 {
			p.failf(rr.pages[0].rsp, "1001 rows came in %d page, want at least 2 (at most 1000 a page)", len(rr.pages))
		}
		for i, pg := range rr.pages {
			if len(pg.entries) > 1000 {
				p.failf(pg.rsp, "1001 rows: page %d holds %d entries", i+1, len(pg.entries))
			}
			if c := strings.TrimSpace(string(pg.fields["@odata.count"])); c != fmt.Sprint(len(pg.entries)) {
				p.failf(pg.rsp, "1001 rows: page %d has @odata.count %s and %d entries", i+1, orAbsent(c), len(pg.entries))
			}
		}
		if n := len(rr.entries()); n != 1001 {
			p.failf(rr.pages[len(rr.pages)-1].rsp, "1001 rows: the pages hold %d entries", n)
		}
		compareAgg(p, rr, sc.rows, "1001 rows")
	})
}

// checkRefused loads a scenario the server must refuse, and checks the dataset did not change.
func checkRefused(ctx context.Context, s *session, p *probe, body []byte, what, mention string) {
	before, ok := controlAPI(ctx, s, p)
	if !ok {
		return
	}
	rsp := putDataset(ctx, s, p, body)
	if rsp == nil {
		return
	}
	defer resetDataset(context.WithoutCancel(ctx), s, p)
	if rsp.status != http.StatusBadRequest {
		p.failf(rsp, "PUT /_mock/dataset with %s answered HTTP %d, want 400", what, rsp.status)
		return
	}
	if mention != "" {
		env, ok := parseEnvelope(rsp.body)
		switch {
		case !ok || env.Error.Message == nil:
			p.failf(rsp, "PUT /_mock/dataset with %s: no error envelope with a message to name %q", what, mention)
		case !strings.Contains(*env.Error.Message, mention):
			p.failf(rsp, "PUT /_mock/dataset with %s: message %q does not name %q", what, *env.Error.Message, mention)
		}
	}
	h, err := s.healthNow(ctx)
	if err != nil {
		p.errorf(err)
		return
	}
	if h.ok && h.version != before {
		p.failf(h.rsp, "after a refused scenario the dataset version is %q, want the old %q", h.version, before)
	}
}

func checkScenarioOverflow(ctx context.Context, s *session, p *probe) {
	checkRefused(ctx, s, p, overflowScenario(), "totals past Int32", "")
}

func checkScenarioInvalid(ctx context.Context, s *session, p *probe) {
	checkRefused(ctx, s, p, typoScenario(), `an unknown field "chrage"`, "chrage")
}

func checkReset(ctx context.Context, s *session, p *probe) {
	full, err := s.fullRead(ctx)
	if !p.complete(full, err) {
		return
	}
	before, ok := controlAPI(ctx, s, p)
	if !ok {
		return
	}
	rsp := putDataset(ctx, s, p, exactScenario().body)
	if rsp == nil {
		return
	}
	if !resetDataset(ctx, s, p) {
		return
	}
	h, err := s.healthNow(ctx)
	if err != nil {
		p.errorf(err)
		return
	}
	if h.ok && h.version != before {
		p.failf(h.rsp, "after POST /_mock/reset the dataset version is %q, want the startup %q", h.version, before)
	}
	again, err := s.read(ctx, s.rangeURL(s.cfg.From, s.cfg.To), request{fresh: true})
	if !p.complete(again, err) {
		return
	}
	diffRows(p, full.rows(), again.rows(), "the report before PUT", "the report after reset", again.pages[0].rsp)
}
