package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// LEDGER scenario checks: they load datasets through the control API and read the report back.

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

// checkReset resets twice, with a scenario loaded between: the second reset must bring back what the
// first did. It does not compare with the dataset the run found, which may be one the user loaded
// after the mock started (the run puts that one back at the end).
func checkReset(ctx context.Context, s *session, p *probe) {
	if _, ok := controlAPI(ctx, s, p); !ok {
		return
	}
	first, ok := resetDataset(ctx, s, p)
	if !ok {
		return
	}
	rangeURL := s.rangeURL(s.cfg.From, s.cfg.To)
	before, err := s.read(ctx, rangeURL, request{fresh: true})
	if !p.complete(before, err) {
		return
	}
	rsp := putDataset(ctx, s, p, exactScenario().body)
	if rsp == nil {
		return
	}
	if rsp.status != http.StatusOK {
		p.skipf("needs a scenario loaded to reset from, and PUT /_mock/dataset answered HTTP %d (DR-LEDGER-010 judges that)", rsp.status)
		return
	}
	second, ok := resetDataset(ctx, s, p)
	if !ok {
		return
	}
	if second != first {
		p.failf(rsp, "after a scenario and POST /_mock/reset the dataset version is %q, want the startup %q (as after the first reset)", second, first)
	}
	after, err := s.read(ctx, rangeURL, request{fresh: true})
	if !p.complete(after, err) {
		return
	}
	diffRows(p, before.rows(), after.rows(), "the report after the first reset", "the report after the second reset", after.pages[0].rsp)
}
