package conformance

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// ENV checks: status, headers, content type and @odata.context of the report pages.

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkAnswers200(ctx context.Context, s *session, p *probe) {
	rr, err := s.fullRead(ctx)
	if err != nil {
		p.errorf(err)
		return
	}
	if len(rr.pages) == 0 {
		p.failf(rr.stopRsp, "%s", rr.stop)
	}
}

// eachPage runs f on every page of the full read, after the usual guard. When the read stopped
// before its last page and f found nothing wrong, the check is skipped: it judged some pages only.
func eachPage(ctx context.Context, s *session, p *probe, f func(i int, pg *page)) {
	eachPageOf(ctx, s, p, 0, f)
}

// eachPageOf is eachPage for a rule about entries: with fewer than minEntries in the pages read, the
// check is skipped, for there is too little to judge.
func eachPageOf(ctx context.Context, s *session, p *probe, minEntries int, f func(i int, pg *page)) {
	rr, err := s.fullRead(ctx)
	if !p.readable(rr, err) {
		return
	}
	for i, pg := range rr.pages {
		f(i+1, pg)
	}
	if p.status == Pass {
		if rr.complete {
			p.enough(entryCount(rr), minEntries, "entries in [From, To]")
		} else {
			p.partial(rr)
		}
	}
}

func checkContentType(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
		mt, params := mediaType(pg.rsp.header)
		ct := pg.rsp.header.Get("Content-Type")
		switch {
		case mt != "application/json":
			p.failf(pg.rsp, "page %d: Content-Type %q, want application/json", i, ct)
		case !strings.EqualFold(params["odata.metadata"], "minimal"):
			p.failf(pg.rsp, "page %d: Content-Type %q lacks odata.metadata=minimal", i, ct)
		case strings.EqualFold(params["ieee754compatible"], "true"):
			p.failf(pg.rsp, "page %d: Content-Type %q says IEEE754Compatible=true, which the request did not ask", i, ct)
		}
	})
}

func checkContentTypeFull(ctx context.Context, s *session, p *probe) {
	want := [][2]string{{"odata.metadata", "minimal"}, {"odata.streaming", "true"}, {"ieee754compatible", "false"}, {"charset", "utf-8"}}
	eachPage(ctx, s, p, func(i int, pg *page) {
		_, params := mediaType(pg.rsp.header)
		for _, kv := range want {
			if !strings.EqualFold(params[kv[0]], kv[1]) {
				p.failf(pg.rsp, "page %d: Content-Type %q: %s=%q, want %q", i, pg.rsp.header.Get("Content-Type"), kv[0], params[kv[0]], kv[1])
			}
		}
	})
}

func checkRequestID(ctx context.Context, s *session, p *probe) {
	rr, err := s.fullRead(ctx)
	if !p.readable(rr, err) {
		return
	}
	again, err := s.secondRead(ctx)
	if !p.readable(again, err) {
		return
	}
	defer p.partial(again)
	defer p.partial(rr)
	seen := map[string]*response{}
	for _, pg := range append(append([]*page(nil), rr.pages...), again.pages...) {
		id := pg.rsp.header.Get("request-id")
		switch {
		case id == "":
			p.failf(pg.rsp, "GET %s: no request-id header", pg.rsp.ex.URL)
		case !guidRE.MatchString(id):
			p.failf(pg.rsp, "GET %s: request-id %q is not a GUID", pg.rsp.ex.URL, id)
		case seen[strings.ToLower(id)] != nil:
			p.failf(pg.rsp, "request-id %q answered two requests", id)
			p.show(seen[strings.ToLower(id)])
		default:
			seen[strings.ToLower(id)] = pg.rsp
		}
	}
}

func checkCRIDEcho(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
		if got := pg.rsp.header.Get(headerCRID); got != pg.rsp.crid {
			p.failf(pg.rsp, "page %d: client-request-id %q, want the request's %q", i, got, pg.rsp.crid)
		}
	})
}

func checkCRIDDefault(ctx context.Context, s *session, p *probe) {
	rsp, ok := p.got(s.c.do(ctx, request{url: s.rangeURL(s.cfg.From, s.cfg.To), noCRID: true}))
	if !ok {
		return
	}
	if rsp.status != http.StatusOK {
		p.skipf("needs a 200 answer; GET without client-request-id answered HTTP %d", rsp.status)
		return
	}
	rid, crid := rsp.header.Get("request-id"), rsp.header.Get(headerCRID)
	if crid == "" || !strings.EqualFold(crid, rid) {
		p.failf(rsp, "without client-request-id in the request, the answer's client-request-id is %q, want the request-id %q", crid, rid)
	}
}

func checkODataVersion(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
		if v := strings.TrimSpace(pg.rsp.header.Get("OData-Version")); v != "4.0" {
			p.failf(pg.rsp, "page %d: OData-Version %q, want 4.0", i, v)
		}
	})
}

func checkContext(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
		if !pg.hasCtx {
			p.failf(pg.rsp, "page %d: no @odata.context", i)
			return
		}
		if pg.context == "" {
			p.failf(pg.rsp, "page %d: @odata.context is not a non-empty string: %s", i, pg.fields["@odata.context"])
			return
		}
		u, err := url.Parse(pg.context)
		switch {
		case err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			p.failf(pg.rsp, "page %d: @odata.context %q is not an absolute http(s) URL", i, pg.context)
		case !strings.HasSuffix(strings.ToLower(u.Path), "/beta/$metadata"):
			p.failf(pg.rsp, "page %d: @odata.context %q does not point at {base}/beta/$metadata", i, pg.context)
		case u.Fragment != contextSuffix:
			p.failf(pg.rsp, "page %d: @odata.context fragment %q, want %q", i, u.Fragment, contextSuffix)
		}
	})
}

func checkContextFirst(ctx context.Context, s *session, p *probe) {
	judged := 0
	eachPage(ctx, s, p, func(i int, pg *page) {
		if !pg.hasCtx {
			return // DR-ENV-008's business
		}
		judged++
		if pg.keys[0] != "@odata.context" {
			p.failf(pg.rsp, "page %d: first key %q, want @odata.context (keys: %s)", i, pg.keys[0], strings.Join(pg.keys, ", "))
		}
	})
	if judged == 0 && p.status == Pass {
		p.skipf("no page has an @odata.context to place (DR-ENV-008 judges that)")
	}
}

func checkKeyOrder(ctx context.Context, s *session, p *probe) {
	rank := map[string]int{"@odata.context": 1, "@odata.count": 2, "@odata.nextLink": 3, "value": 4}
	eachPage(ctx, s, p, func(i int, pg *page) {
		last := 0
		for _, k := range pg.keys {
			r := rank[k]
			if r == 0 {
				continue
			}
			if r < last {
				p.failf(pg.rsp, "page %d: keys in the order %s, want @odata.context, @odata.count, @odata.nextLink, value", i, strings.Join(pg.keys, ", "))
				return
			}
			last = r
		}
	})
}

func checkIEEE754(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	h := http.Header{"Accept": {"application/json;IEEE754Compatible=true"}}
	pg, rsp := getPage(ctx, s, p, "Accept: application/json;IEEE754Compatible=true", request{url: s.rangeURL(s.cfg.From, s.cfg.To), header: h})
	if pg == nil {
		return
	}
	defer func() {
		if p.status == Pass {
			p.enough(len(pg.entries), 1, "entries on the page, whose totalCallCharge shows the decimals,")
		}
	}()
	_, params := mediaType(rsp.header)
	if !strings.EqualFold(params["ieee754compatible"], "true") {
		p.failf(rsp, "asked IEEE754Compatible=true, the Content-Type %q does not say IEEE754Compatible=true", rsp.header.Get("Content-Type"))
	}
	for _, e := range pg.entries {
		if _, isString, err := rawNumber(e.fields["totalCallCharge"]); err != nil || !isString {
			p.failf(rsp, "entry %d %s: totalCallCharge %s, want a decimal in a string (IEEE754Compatible=true)", e.index, e.key, e.fields["totalCallCharge"])
			return
		}
	}
}

func checkHealth(ctx context.Context, s *session, p *probe) {
	h, err := s.healthFirst(ctx)
	if err != nil {
		p.errorf(err)
		return
	}
	switch {
	case h.absent:
		p.skipf("the server has no control API: GET /_mock/health answered 404")
	case !h.ok:
		p.failf(h.rsp, "%s", h.problem)
	}
}
