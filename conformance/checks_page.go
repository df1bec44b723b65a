package conformance

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// PAGE checks: page size, count, nextLinks, disjoint pages and a stable union.

func checkPageSize(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
		if n := len(pg.entries); n > 1000 {
			p.failf(pg.rsp, "page %d holds %d entries, more than 1000", i, n)
		}
	})
}

func checkPageCount(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
		raw, ok := pg.fields["@odata.count"]
		if !ok {
			p.failf(pg.rsp, "page %d: no @odata.count", i)
			return
		}
		d, isString, err := rawNumber(raw)
		n, isInt := d.int64()
		switch {
		case err != nil || isString || !isInt:
			p.failf(pg.rsp, "page %d: @odata.count is %s, want a JSON integer", i, raw)
		case n != int64(len(pg.entries)):
			p.failf(pg.rsp, "page %d: @odata.count = %d, want %d (the entries in this page, decision D1)", i, n, len(pg.entries))
		}
	})
}

// withLinks returns the full read when it has at least one nextLink, or marks the probe skipped.
func withLinks(ctx context.Context, s *session, p *probe) *readResult {
	rr, err := s.fullRead(ctx)
	if !p.readable(rr, err) {
		return nil
	}
	for _, pg := range rr.pages {
		if pg.hasNext {
			return rr
		}
	}
	p.skipf("the report of [From, To] fits one page: no @odata.nextLink to check")
	return nil
}

func checkNextLinkAbsolute(ctx context.Context, s *session, p *probe) {
	rr := withLinks(ctx, s, p)
	if rr == nil {
		return
	}
	for i, pg := range rr.pages {
		if !pg.hasNext {
			continue
		}
		u, err := url.Parse(pg.next)
		if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			p.failf(pg.rsp, "page %d: @odata.nextLink %q is not an absolute http(s) URL", i+1, pg.next)
		}
	}
	p.partial(rr)
}

func checkNextLinkHost(ctx context.Context, s *session, p *probe) {
	rr := withLinks(ctx, s, p)
	if rr == nil {
		return
	}
	judged := 0
	for i, pg := range rr.pages {
		u, err := url.Parse(pg.next)
		if !pg.hasNext || err != nil || !u.IsAbs() || u.Host == "" {
			continue // relative links are DR-PAGE-003's business
		}
		judged++
		if !s.sameOrigin(u) {
			p.failf(pg.rsp, "page %d: @odata.nextLink %q leaves %s://%s", i+1, pg.next, s.rootURL.Scheme, s.rootURL.Host)
		}
	}
	if judged == 0 {
		p.skipf("no absolute @odata.nextLink to judge")
	}
	p.partial(rr)
}

func checkNextLinkFollowable(ctx context.Context, s *session, p *probe) {
	rr := withLinks(ctx, s, p)
	if rr == nil {
		return
	}
	switch {
	case rr.followFailed:
		p.failf(rr.stopRsp, "following @odata.nextLink of page %d: %s", len(rr.pages), rr.stop)
	case rr.badLink:
		p.failf(rr.stopRsp, "%s", rr.stop)
	case !rr.complete:
		p.skipf("not every @odata.nextLink was followed: %s", rr.stop)
	}
}

func checkLastPage(ctx context.Context, s *session, p *probe) {
	rr, err := s.fullRead(ctx)
	if !p.readable(rr, err) {
		return
	}
	for i, pg := range rr.pages {
		if i > 0 && len(pg.entries) == 0 {
			p.failf(pg.rsp, "page %d, reached through @odata.nextLink, is empty: page %d should have been the last, without nextLink", i+1, i)
			p.show(rr.pages[i-1].rsp)
		}
	}
	if rr.looped != "" {
		p.failf(rr.stopRsp, "%s", rr.stop)
	}
	if rr.tooLong {
		p.failf(nil, "the nextLink chain goes on for %s", rr.stop)
	}
	if !rr.complete && p.status == Pass {
		p.skipf("needs the last page, and the read stopped before it: %s", rr.stop)
	}
}

func checkPagesDisjoint(ctx context.Context, s *session, p *probe) {
	rr, err := s.fullRead(ctx)
	if !p.readable(rr, err) {
		return
	}
	where := map[rowKey]int{}
	withEntries := 0
	for i, pg := range rr.pages {
		if len(pg.entries) > 0 {
			withEntries++
		}
		for _, e := range pg.entries {
			if first, ok := where[e.key]; ok && first != i {
				p.failf(pg.rsp, "key %s is on page %d and page %d", e.key, first+1, i+1)
				p.show(rr.pages[first].rsp)
				continue
			}
			where[e.key] = i
		}
	}
	if p.status == Pass {
		if rr.complete {
			p.enough(withEntries, 2, "pages with entries")
		} else {
			p.partial(rr)
		}
	}
}

// diffRows compares two reads key by key: identity fields and exact totals.
func diffRows(p *probe, a, b rows, aName, bName string, rsp *response) {
	for k, ea := range a {
		eb, ok := b[k]
		switch {
		case !ok:
			p.failf(rsp, "key %s is in %s, not in %s", k, aName, bName)
		case !ea.totals.equal(eb.totals):
			p.failf(rsp, "key %s: %s in %s, %s in %s", k, ea.totals, aName, eb.totals, bName)
		case ea.upn != eb.upn || ea.name != eb.name:
			p.failf(rsp, "key %s: identity %q/%q in %s, %q/%q in %s", k, ea.upn, ea.name, aName, eb.upn, eb.name, bName)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			p.failf(rsp, "key %s is in %s, not in %s", k, bName, aName)
		}
	}
}

func checkUnionStable(ctx context.Context, s *session, p *probe) {
	rr, err := s.fullRead(ctx)
	if !p.complete(rr, err) {
		return
	}
	again, err := s.secondRead(ctx)
	if !p.complete(again, err) || !p.enough(entryCount(rr), 1, "entries in [From, To]") {
		return
	}
	diffRows(p, rr.rows(), again.rows(), "the first read", "the second read", again.pages[0].rsp)
	if n1, n2 := len(rr.entries()), len(again.entries()); n1 != n2 {
		p.failf(again.pages[0].rsp, "the first read has %d entries, the second %d", n1, n2)
	}
}

func checkNextLinkSpelling(ctx context.Context, s *session, p *probe) {
	qualified := func(params string) string { return s.url(fnURL{fn: fnQualified, params: params}) }
	linkSpelling(ctx, s, p, s.cfg.From, s.cfg.To, qualified, "DR-PARAM-006", "the report of [From, To]", "$skip")
}

// linkSpelling reads the first page of [from, to] at the URL spelt asks
// for with the parameters as Kiota writes them (colons escaped), and checks
// that its @odata.nextLink keeps the request's path (function spelling and
// parameter names) and pages with one of the options. judge names the check
// that judges an answer other than 200; what names the read.
func linkSpelling(ctx context.Context, s *session, p *probe, from, to time.Time, spelt func(params string) string, judge, what string, options ...string) {
	enc := func(t time.Time) string { return strings.ReplaceAll(odataTime(t), ":", "%3A") }
	reqURL := spelt("fromDateTime=" + enc(from) + ",toDateTime=" + enc(to))
	rsp, ok := p.got(s.c.do(ctx, request{url: reqURL}))
	if !ok {
		return
	}
	if rsp.status != http.StatusOK {
		p.skipf("needs a 200 page: the Kiota spelling answered HTTP %d (%s judges that)", rsp.status, judge)
		return
	}
	pg, err := parsePage(rsp)
	if err != nil {
		p.skipf("needs a page: %v", err)
		return
	}
	if !pg.hasNext {
		p.skipf("%s fits one page: no @odata.nextLink to check", what)
		return
	}
	link, err := url.Parse(pg.next)
	if err != nil {
		p.failf(rsp, "@odata.nextLink %q does not parse", pg.next)
		return
	}
	sent, _ := url.Parse(reqURL)
	gotPath, _ := url.PathUnescape(link.EscapedPath())
	wantPath, _ := url.PathUnescape(sent.EscapedPath())
	if gotPath != wantPath {
		p.failf(rsp, "@odata.nextLink path %q, want the request's %q: its spelling and parameter names", gotPath, wantPath)
	}
	q := strings.ToLower(link.RawQuery)
	if !slices.ContainsFunc(options, func(o string) bool {
		return strings.Contains(q, o+"=") || strings.Contains(q, "%24"+o[1:]+"=")
	}) {
		p.failf(rsp, "@odata.nextLink %q has no %s", pg.next, options[0])
	}
}

// emptyRange is a range no tenant has data in: Teams did not exist yet.
func emptyRange() (time.Time, time.Time) {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 8, 0, 0, 0, 0, time.UTC)
}

func checkEmptyRange(ctx context.Context, s *session, p *probe) {
	emptyFrom, emptyTo := emptyRange()
	led, err := s.ledgerFor(ctx, emptyFrom, emptyTo)
	if err != nil {
		p.errorf(err)
		return
	}
	if led.absent {
		p.skipf("cannot tell an empty range without GET /_mock/calls (404)")
		return
	}
	if led.rsp.status != http.StatusOK || len(led.calls) > 0 {
		p.skipf("the ledger does not show [%s, %s] empty", odataTime(emptyFrom), odataTime(emptyTo))
		return
	}
	pg, rsp := getPage(ctx, s, p, "an empty range", request{url: s.rangeURL(emptyFrom, emptyTo)})
	if pg == nil {
		return
	}
	if len(pg.entries) != 0 {
		p.failf(rsp, "an empty range has %d entries", len(pg.entries))
	}
	if c := strings.TrimSpace(string(pg.fields["@odata.count"])); c != "0" {
		p.failf(rsp, `an empty range: "@odata.count" is %s, want 0`, orAbsent(c))
	}
	if pg.hasNext {
		p.failf(rsp, "an empty range has an @odata.nextLink")
	}
}

func orAbsent(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}
