package conformance

import "context"

// SCHEMA checks: every page and every entry against schemas/.

func checkPageSchema(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
		errs, err := validate(s.sch.pageEnvelope, pg.rsp.body)
		if err != nil {
			p.failf(pg.rsp, "page %d: %v", i, err)
			return
		}
		for _, e := range errs {
			p.failf(pg.rsp, "page %d: %s", i, e)
		}
	})
}

func checkEntrySchema(ctx context.Context, s *session, p *probe) {
	eachPageOf(ctx, s, p, 1, func(i int, pg *page) {
		for j, raw := range pg.rawValue {
			errs, err := validate(s.sch.entry, raw)
			if err != nil {
				p.failf(pg.rsp, "page %d entry %d: %v", i, j, err)
				continue
			}
			for _, e := range errs {
				p.failf(pg.rsp, "page %d entry %d %s: %s", i, j, pg.entries[j].key, e)
			}
		}
	})
}
