package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// PARAM checks: the date forms and spellings clients send, and the parameter errors.

// sameAsWeek reads u and compares its rows with the canonical read of the week window.
func sameAsWeek(ctx context.Context, s *session, p *probe, form, u string) {
	base, err := s.weekRead(ctx)
	if !p.complete(base, err) || !p.enough(entryCount(base), 1, "entries in the week the forms spell") {
		return
	}
	sameAs(ctx, s, p, base, "the canonical form", form, u)
}

// sameAs reads u and compares its rows with base's.
func sameAs(ctx context.Context, s *session, p *probe, base *readResult, baseName, form, u string) {
	rr := readAll(ctx, s, p, form, u)
	if rr == nil {
		return
	}
	before := len(p.details)
	diffRows(p, base.rows(), rr.rows(), baseName, form, rr.pages[0].rsp)
	if len(p.details) > before {
		p.show(base.pages[0].rsp)
	}
}

func weekParams(s *session, f func(time.Time) string) string {
	from, to := s.week()
	return "fromDateTime=" + f(from) + ",toDateTime=" + f(to)
}

func checkDateOnly(ctx context.Context, s *session, p *probe) {
	u := s.url(fnURL{params: weekParams(s, func(t time.Time) string { return t.Format(time.DateOnly) })})
	sameAsWeek(ctx, s, p, "date-only values", u)
}

func checkFractions(ctx context.Context, s *session, p *probe) {
	for _, digits := range []int{1, 3, 7} {
		f := func(t time.Time) string {
			return t.UTC().Format("2006-01-02T15:04:05") + "." + strings.Repeat("0", digits) + "Z"
		}
		sameAsWeek(ctx, s, p, fmt.Sprintf("%d fractional digits", digits), s.url(fnURL{params: weekParams(s, f)}))
	}
}

func offsetForm(hours int) func(time.Time) string {
	return func(t time.Time) string {
		return t.In(time.FixedZone("", hours*3600)).Format("2006-01-02T15:04:05-07:00")
	}
}

func checkOffsets(ctx context.Context, s *session, p *probe) {
	for _, h := range []int{2, -5} {
		u := s.url(fnURL{params: weekParams(s, offsetForm(h))})
		sameAsWeek(ctx, s, p, fmt.Sprintf("offset %+03d:00", h), u)
	}
}

func checkPercentEncoded(ctx context.Context, s *session, p *probe) {
	enc := strings.NewReplacer(":", "%3A", "+", "%2B")
	for _, form := range []struct {
		name string
		f    func(time.Time) string
	}{
		{"%3A-encoded UTC", func(t time.Time) string { return enc.Replace(odataTime(t)) }},
		{"%3A/%2B-encoded offset", func(t time.Time) string { return enc.Replace(offsetForm(2)(t)) }},
	} {
		sameAsWeek(ctx, s, p, form.name, s.url(fnURL{params: weekParams(s, form.f)}))
	}
}

func checkSwapped(ctx context.Context, s *session, p *probe) {
	from, to := s.week()
	u := s.url(fnURL{params: "toDateTime=" + odataTime(to) + ",fromDateTime=" + odataTime(from)})
	sameAsWeek(ctx, s, p, "swapped parameters", u)
}

func checkSpellings(ctx context.Context, s *session, p *probe) {
	params := weekParams(s, odataTime)
	for _, fn := range []string{fnQualified, fnAlias} {
		sameAsWeek(ctx, s, p, "spelling "+fn, s.url(fnURL{fn: fn, params: params}))
	}
}

func checkCaseInsensitive(ctx context.Context, s *session, p *probe) {
	params := weekParams(s, odataTime)
	for _, u := range []fnURL{
		{coll: "callrecords", fn: strings.ToUpper(fnShort), params: params},
		{coll: "CALLRECORDS", fn: strings.ToLower(fnShort), params: params},
	} {
		sameAsWeek(ctx, s, p, "segments "+u.coll+"/"+u.fn, s.url(u))
	}
}

func checkMissingParams(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	from, to := s.week()
	for _, params := range []string{"", "fromDateTime=" + odataTime(from), "toDateTime=" + odataTime(to)} {
		expectError(ctx, s, p, "("+params+")", request{url: s.url(fnURL{params: params})}, badRequest(), "BadRequest")
	}
}

func checkEmptyParams(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	from, _ := s.week()
	for _, params := range []string{"fromDateTime=,toDateTime=", "fromDateTime=" + odataTime(from) + ",toDateTime="} {
		expectError(ctx, s, p, "("+params+")", request{url: s.url(fnURL{params: params})}, badRequest(), "BadRequest")
	}
}

func checkMalformedParams(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	from, to := s.week()
	for _, bad := range []string{"2026-13-45", "yesterday", from.Format("2006-01-02") + "T25:00:00Z"} {
		params := "fromDateTime=" + bad + ",toDateTime=" + odataTime(to)
		expectError(ctx, s, p, "("+params+")", request{url: s.url(fnURL{params: params})}, badRequest(), "BadRequest")
	}
}

func checkReversed(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	from, to := s.week()
	u := s.rangeURL(to, from)
	expectError(ctx, s, p, "from after to", request{url: u}, badRequest(), "BadRequest")
}

func checkOver90(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	to := s.cfg.To
	for _, span := range []time.Duration{MaxRange + time.Second, 100 * 24 * time.Hour} {
		what := fmt.Sprintf("a range of %s", span)
		expectError(ctx, s, p, what, request{url: s.rangeURL(to.Add(-span), to)}, []int{http.StatusBadRequest, http.StatusNotAcceptable}, "BadRequest")
	}
}

func checkExactly90(ctx context.Context, s *session, p *probe) {
	to := s.cfg.To
	getPage(ctx, s, p, "a range of exactly 90 days", request{url: s.rangeURL(to.Add(-MaxRange), to)})
}

// fullComplete returns the full read when complete and non-empty, else marks the probe skipped.
func fullComplete(ctx context.Context, s *session, p *probe, minEntries int) *readResult {
	rr, err := s.fullRead(ctx)
	if !p.complete(rr, err) {
		return nil
	}
	if n := len(rr.entries()); n < minEntries {
		p.skipf("needs at least %d entries in [From, To], the report has %d", minEntries, n)
		return nil
	}
	return rr
}

// limited reads u and checks it returns want entries, each as in the full read.
func limited(ctx context.Context, s *session, p *probe, full *readResult, what, u string, want int) {
	rr := readAll(ctx, s, p, what, u)
	if rr == nil {
		return
	}
	got := rr.entries()
	if len(got) != want {
		p.failf(rr.pages[0].rsp, "%s returned %d entries, want %d", what, len(got), want)
	}
	all := full.rows()
	for _, e := range got {
		if f, ok := all[e.key]; !ok || !f.totals.equal(e.totals) {
			p.failf(rr.pages[0].rsp, "%s: entry %s is not as in the full read", what, e.key)
		}
	}
}

func checkTop(ctx context.Context, s *session, p *probe) {
	full := fullComplete(ctx, s, p, 1)
	if full == nil {
		return
	}
	n := len(full.rows()) // distinct keys: duplicates are DR-PAGE-007's and DR-AGG-001's business
	base := s.rangeURL(s.cfg.From, s.cfg.To)
	for _, top := range []int{1, min(2, n), n + 5} {
		limited(ctx, s, p, full, fmt.Sprintf("$top=%d", top), base+fmt.Sprintf("?$top=%d", top), min(top, n))
	}
}

func checkSkip(ctx context.Context, s *session, p *probe) {
	full := fullComplete(ctx, s, p, 2)
	if full == nil {
		return
	}
	all := full.entries()
	base := s.rangeURL(s.cfg.From, s.cfg.To)
	pg, rsp := getPage(ctx, s, p, "$skip=1", request{url: base + "?$skip=1"})
	if pg == nil {
		return
	}
	if len(pg.entries) == 0 {
		p.failf(rsp, "$skip=1 returned no entries, the full read has %d", len(all))
	}
	for i, e := range pg.entries {
		if i+1 >= len(all) || all[i+1].key != e.key {
			p.failf(rsp, "$skip=1: entry %d is %s, want the full read's entry %d", i, e.key, i+1)
			break
		}
	}
	rsp, ok := p.got(s.c.do(ctx, request{url: base + fmt.Sprintf("?$skip=%d", len(all))}))
	if !ok {
		return
	}
	if pg, err := parsePage(rsp); rsp.status != http.StatusOK || err != nil || len(pg.entries) != 0 || pg.hasNext {
		p.failf(rsp, "$skip=%d (all entries skipped): want 200 with no entries and no nextLink", len(all))
	}
}

func checkBadSkip(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	base := s.rangeURL(s.cfg.From, s.cfg.To)
	for _, v := range []string{"-1", "abc"} {
		expectError(ctx, s, p, "$skip="+v, request{url: base + "?$skip=" + v}, badRequest(), "BadRequest")
	}
}

func checkIgnoredOptions(ctx context.Context, s *session, p *probe) {
	full := fullComplete(ctx, s, p, 1)
	if full == nil {
		return
	}
	base := s.rangeURL(s.cfg.From, s.cfg.To)
	for _, q := range []string{
		"$count=true&$filter=userId%20eq%20%27x%27&$search=%22x%22",
		"%24count=true&%24filter=userId%20eq%20%27x%27&%24search=%22x%22",
	} {
		sameAs(ctx, s, p, full, "the full read", "?"+q, base+"?"+q)
	}
	if n := len(full.entries()); n >= 2 {
		limited(ctx, s, p, full, "%24top=1", base+"?%24top=1", 1)
	}
}

func checkV1(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	u := s.url(fnURL{version: "v1.0", params: rangeParams(s.cfg.From, s.cfg.To)})
	rsp := expectError(ctx, s, p, "/v1.0", request{url: u}, badRequest(), "BadRequest")
	if rsp == nil {
		return
	}
	if env, ok := parseEnvelope(rsp.body); ok && env.Error.Message != nil &&
		!strings.Contains(strings.ToLower(*env.Error.Message), strings.ToLower(fnShort)) {
		p.failf(rsp, "/v1.0: message %q does not name the segment %s", *env.Error.Message, fnShort)
	}
}
