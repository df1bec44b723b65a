package conformance

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PSTN checks: the call log, getPstnCalls (docs/contract.md#call-log), over the week before To.

func checkLogAnswers(ctx context.Context, s *session, p *probe) {
	eachLogPage(ctx, s, p, 0, func(i int, pg *page) {
		if mt, _ := mediaType(pg.rsp.header); mt != "application/json" {
			p.failf(pg.rsp, "page %d: Content-Type %q, want application/json", i, pg.rsp.header.Get("Content-Type"))
		}
		want := s.root + "/beta/$metadata#" + logContextSuffix
		if !pg.hasCtx || !strings.EqualFold(pg.context, want) {
			p.failf(pg.rsp, "page %d: @odata.context %q, want %q", i, pg.context, want)
		}
	})
	rr, err := s.logWeekRead(ctx)
	if err == nil && len(rr.pages) == 0 && rr.stopRsp != nil {
		p.failf(rr.stopRsp, "the call log of the week %s: %s", s.logWeekName(), rr.stop)
	}
}

func checkLogPageSchema(ctx context.Context, s *session, p *probe) {
	eachLogPage(ctx, s, p, 0, func(i int, pg *page) {
		errs, err := validate(s.sch.logPage, pg.rsp.body)
		if err != nil {
			p.failf(pg.rsp, "page %d: %v", i, err)
			return
		}
		for _, e := range errs {
			p.failf(pg.rsp, "page %d: %s", i, e)
		}
	})
}

func checkLogEntrySchema(ctx context.Context, s *session, p *probe) {
	eachLogPage(ctx, s, p, 1, func(i int, pg *page) {
		for j, raw := range pg.rawValue {
			errs, err := validate(s.sch.logEntry, raw)
			if err != nil {
				p.failf(pg.rsp, "page %d entry %d: %v", i, j, err)
				continue
			}
			for _, e := range errs {
				p.failf(pg.rsp, "page %d entry %d: %s", i, j, e)
			}
		}
	})
}

func checkLogBetaProperties(ctx context.Context, s *session, p *probe) {
	eachLogPage(ctx, s, p, 1, func(i int, pg *page) {
		for j, raw := range pg.rawValue {
			_, f, err := objectKeys(raw)
			if err != nil {
				continue // the schema check's business
			}
			for _, k := range []string{"otherPartyCountryCode", "administrativeUnitInfos"} {
				if _, ok := f[k]; !ok {
					p.failf(pg.rsp, "page %d entry %d: no %s, which beta adds", i, j, k)
				}
			}
		}
	})
}

func checkLogDecimals(ctx context.Context, s *session, p *probe) {
	eachLogPage(ctx, s, p, 1, func(i int, pg *page) {
		for j, raw := range pg.rawValue {
			_, f, err := objectKeys(raw)
			if err != nil {
				continue
			}
			for _, k := range []string{"charge", "connectionCharge"} {
				v := bytes.TrimSpace(f[k])
				d, isString, err := rawNumber(v)
				switch {
				case err != nil:
					p.failf(pg.rsp, "page %d entry %d: %s %s is not a decimal number", i, j, k, orAbsent(string(v)))
				case isString:
					p.failf(pg.rsp, "page %d entry %d: %s %s is a string; a number is due unless the request asked IEEE754Compatible=true", i, j, k, v)
				case d.fracDigits() > 2:
					p.failf(pg.rsp, "page %d entry %d: %s %s has %d fractional digits: a float artefact, a call's charge has 2", i, j, k, v, d.fracDigits())
				case !d.floatExact():
					p.failf(pg.rsp, "page %d entry %d: %s %s does not survive a float64 round trip", i, j, k, v)
				}
			}
		}
	})
}

func checkLogTwoPlaces(ctx context.Context, s *session, p *probe) {
	eachLogPage(ctx, s, p, 1, func(i int, pg *page) {
		for j, raw := range pg.rawValue {
			_, f, err := objectKeys(raw)
			if err != nil {
				continue
			}
			for _, k := range []string{"charge", "connectionCharge"} {
				if v := bytes.TrimSpace(f[k]); !twoPlaces.Match(v) {
					p.failf(pg.rsp, "page %d entry %d: %s is written %s, want exactly two decimal places (0.00)", i, j, k, orAbsent(string(v)))
				}
			}
		}
	})
}

func checkLogPaging(ctx context.Context, s *session, p *probe) {
	eachLogPage(ctx, s, p, 0, func(i int, pg *page) {
		if n := len(pg.entries); n > 1000 {
			p.failf(pg.rsp, "page %d holds %d rows, more than 1000", i, n)
		}
		raw, ok := pg.fields["@odata.count"]
		d, isString, err := rawNumber(raw)
		n, isInt := d.int64()
		switch {
		case !ok:
			p.failf(pg.rsp, "page %d: no @odata.count", i)
		case err != nil || isString || !isInt:
			p.failf(pg.rsp, "page %d: @odata.count is %s, want a JSON integer", i, raw)
		case n != int64(len(pg.entries)):
			p.failf(pg.rsp, "page %d: @odata.count = %d, want %d (the rows in this page)", i, n, len(pg.entries))
		}
	})
}

func checkLogNextLinks(ctx context.Context, s *session, p *probe) {
	rr, err := s.logWeekRead(ctx)
	if !p.hasPage(rr, err, "needs a page of the call log") {
		return
	}
	links := 0
	for i, pg := range rr.pages {
		if !pg.hasNext {
			continue
		}
		links++
		u, err := url.Parse(pg.next)
		switch {
		case err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			p.failf(pg.rsp, "page %d: @odata.nextLink %q is not an absolute http(s) URL", i+1, pg.next)
		case !s.sameOrigin(u):
			p.failf(pg.rsp, "page %d: @odata.nextLink %q leaves %s://%s", i+1, pg.next, s.rootURL.Scheme, s.rootURL.Host)
		}
		if i > 0 && len(pg.entries) == 0 {
			p.failf(pg.rsp, "page %d, reached through @odata.nextLink, is empty", i+1)
		}
	}
	switch {
	case rr.followFailed:
		p.failf(rr.stopRsp, "following @odata.nextLink of page %d: %s", len(rr.pages), rr.stop)
	case rr.badLink, rr.looped != "":
		p.failf(rr.stopRsp, "%s", rr.stop)
	case rr.tooLong:
		p.failf(nil, "the nextLink chain goes on for %s", rr.stop)
	case links == 0 && p.status == Pass:
		p.skipf("the call log of the week %s fits one page: no @odata.nextLink to check", s.logWeekName())
	case !rr.complete && p.status == Pass:
		p.skipf("not every @odata.nextLink was followed: %s", rr.stop)
	}
}

func checkLogNextLinkSpelling(ctx context.Context, s *session, p *probe) {
	from, to := s.logWeek()
	qualified := func(params string) string { return s.logURL("", logQualified, params, "") }
	linkSpelling(ctx, s, p, from, to, qualified, "DR-PSTN-011", "the call log of the week "+s.logWeekName(), "$skip", "$skiptoken")
}

func checkLogInRange(ctx context.Context, s *session, p *probe) {
	from, to := s.logWeek()
	rr, err := s.logWeekRead(ctx)
	rows, ok := logReadable(p, "the call log of the week "+s.logWeekName(), rr, err, 1)
	if !ok {
		return
	}
	seen := map[string]*logRow{}
	for _, r := range rows {
		pg := rr.pages[r.page-1]
		switch {
		case !r.startOK:
			p.failf(pg.rsp, "%s: startDateTime %s is not a date and time", r, orAbsent(string(r.fields["startDateTime"])))
		case r.start.Before(from) || r.start.After(to):
			p.failf(pg.rsp, "%s starts at %s, outside %s", r, r.start.Format(time.RFC3339Nano), s.logWeekName())
		}
		if first, dup := seen[r.id]; dup && r.id != "" {
			p.failf(pg.rsp, "%s repeats the id of %s", r, first)
		}
		seen[r.id] = r
	}
}

func checkLogOrder(ctx context.Context, s *session, p *probe) {
	rr, err := s.logWeekRead(ctx)
	rows, ok := logReadable(p, "the call log of the week "+s.logWeekName(), rr, err, 2)
	if !ok {
		return
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if !a.startOK || !b.startOK {
			continue // DR-PSTN-010's business
		}
		if c := a.start.Compare(b.start); c > 0 || c == 0 && a.id > b.id {
			p.failf(rr.pages[b.page-1].rsp, "%s (%s) comes after %s (%s): want (startDateTime, id) order", b, b.start.Format(time.RFC3339Nano), a, a.start.Format(time.RFC3339Nano))
			return
		}
	}
}

// sameLog reads u completely and compares its ids, in order, with base's.
func sameLog(ctx context.Context, s *session, p *probe, base []string, form, u string) {
	rr := readAll(ctx, s, p, form, u)
	if rr == nil {
		return
	}
	var ids []string
	for _, r := range logRows(rr) {
		ids = append(ids, r.id)
	}
	if !slices.Equal(base, ids) {
		p.failf(rr.pages[0].rsp, "%s lists %d rows, the docs' form %d: %s", form, len(ids), len(base), firstDifference(base, ids))
	}
}

// firstDifference says where two lists of ids part.
func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "row " + itoa(i) + " is " + b[i] + ", want " + a[i]
		}
	}
	if len(a) > len(b) {
		return "row " + itoa(len(b)) + " (" + a[len(b)] + ") is missing"
	}
	return "row " + itoa(len(a)) + " (" + b[len(a)] + ") is extra"
}

func itoa(n int) string { return strconv.Itoa(n) }

// dayIDs is the ids of the call log of the last day of the week, in order, or nil after marking the probe.
func dayIDs(ctx context.Context, s *session, p *probe) []string {
	rr, err := s.logDayRead(ctx)
	rows, ok := logReadable(p, "the call log of the day the forms spell", rr, err, 1)
	if !ok {
		return nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids
}

func checkLogSpellings(ctx context.Context, s *session, p *probe) {
	base := dayIDs(ctx, s, p)
	if base == nil {
		return
	}
	from, to := s.logDay()
	params := rangeParams(from, to)
	for _, form := range []struct{ name, u string }{
		{"the Kiota spelling", s.logURL("", logQualified, params, "")},
		{"the alias spelling", s.logURL("", logAlias, params, "")},
		{"lower-case names", s.root + "/beta/communications/callrecords/getpstncalls(fromdatetime=" + odataTime(from) + ",todatetime=" + odataTime(to) + ")"},
		{"upper-case names", s.root + "/BETA/COMMUNICATIONS/CALLRECORDS/GETPSTNCALLS(FROMDATETIME=" + odataTime(from) + ",TODATETIME=" + odataTime(to) + ")"},
	} {
		sameLog(ctx, s, p, base, form.name, form.u)
	}
}

func checkLogDateForms(ctx context.Context, s *session, p *probe) {
	base := dayIDs(ctx, s, p)
	if base == nil {
		return
	}
	from, to := s.logDay()
	enc := func(t time.Time) string { return url.PathEscape(odataTime(t)) }
	plus := func(t time.Time) string { return t.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05-07:00") }
	for _, form := range []struct{ name, params string }{
		{"date only", "fromDateTime=" + from.Format(time.DateOnly) + ",toDateTime=" + odataTime(to)},
		{"7 fractional digits", "fromDateTime=" + from.Format("2006-01-02T15:04:05.0000000Z") + ",toDateTime=" + to.Format("2006-01-02T15:04:05.0000000Z")},
		{"a raw + offset", "fromDateTime=" + plus(from) + ",toDateTime=" + plus(to)},
		{"percent-encoded", "fromDateTime=" + strings.ReplaceAll(enc(from), ":", "%3A") + ",toDateTime=" + strings.ReplaceAll(enc(to), ":", "%3A")},
		{"swapped", "toDateTime=" + odataTime(to) + ",fromDateTime=" + odataTime(from)},
	} {
		sameLog(ctx, s, p, base, form.name, s.logURL("", "", form.params, ""))
	}
}

func checkLogV1(ctx context.Context, s *session, p *probe) {
	base := dayIDs(ctx, s, p)
	if base == nil {
		return
	}
	from, to := s.logDay()
	u := s.logURL("v1.0", "", rangeParams(from, to), "")
	rr := readAll(ctx, s, p, "the call log in v1.0", u)
	if rr == nil {
		return
	}
	want := s.root + "/v1.0/$metadata#" + logContextSuffix
	for i, pg := range rr.pages {
		if !strings.EqualFold(pg.context, want) {
			p.failf(pg.rsp, "v1.0 page %d: @odata.context %q, want %q", i+1, pg.context, want)
		}
	}
	var ids []string
	for _, r := range logRows(rr) {
		ids = append(ids, r.id)
	}
	if !slices.Equal(base, ids) {
		p.failf(rr.pages[0].rsp, "v1.0 lists %d rows, beta %d: %s", len(ids), len(base), firstDifference(base, ids))
	}
}

// logBaseline returns true when the call log of the week answers a page; a check that wants an error
// answer needs it to tell a refusal from a refusal of every request.
func logBaseline(ctx context.Context, s *session, p *probe) bool {
	rr, err := s.logWeekRead(ctx)
	return p.hasPage(rr, err, "needs the well-formed call log request to answer a page, to tell this refusal from a refusal of every request")
}

func checkLogParamErrors(ctx context.Context, s *session, p *probe) {
	if !logBaseline(ctx, s, p) {
		return
	}
	from, to := s.logWeek()
	cases := []struct{ what, params string }{
		{"no parameters", ""},
		{"no toDateTime", "fromDateTime=" + odataTime(from)},
		{"empty values", "fromDateTime=,toDateTime="},
		{"a malformed value", "fromDateTime=yesterday,toDateTime=" + odataTime(to)},
		{"from after to", rangeParams(to, from)},
	}
	for _, c := range cases {
		expectError(ctx, s, p, c.what, request{url: s.logURL("", "", c.params, "")}, badRequest(), "BadRequest")
	}
	over := rangeParams(to.Add(-MaxRange-time.Second), to)
	expectError(ctx, s, p, "a range over 90 days", request{url: s.logURL("", "", over, "")}, []int{http.StatusBadRequest, http.StatusNotAcceptable}, "")
}

func checkLogNoToken(ctx context.Context, s *session, p *probe) {
	if !logBaseline(ctx, s, p) {
		return
	}
	from, to := s.logWeek()
	rsp := expectError(ctx, s, p, "the call log without a token", request{url: s.logRangeURL(from, to), auth: authNone}, []int{http.StatusUnauthorized}, "InvalidAuthenticationToken")
	if rsp == nil {
		return
	}
	if env, ok := parseEnvelope(rsp.body); !ok || env.Error.Message == nil {
		p.failf(rsp, "the 401 is not Graph's error envelope with a message")
	}
}

func checkLogLedger(ctx context.Context, s *session, p *probe) {
	from, to := s.logWeek()
	led, err := s.ledgerFor(ctx, from, to)
	if err != nil {
		p.errorf(err)
		return
	}
	if led.absent {
		p.skipf("the server offers no ledger: GET /_mock/calls answered 404")
		return
	}
	if len(led.problems) > 0 {
		p.skipf("GET /_mock/calls cannot be read (DR-LEDGER-001 judges it): %s", led.problems[0])
		return
	}
	rr, err := s.logWeekRead(ctx)
	rows, ok := logReadable(p, "the call log of the week "+s.logWeekName(), rr, err, 0)
	if !ok {
		return
	}
	if !p.enough(max(len(rows), len(led.calls)), 1, "calls in the week "+s.logWeekName()) {
		return
	}
	var want, got []string
	for _, c := range led.calls {
		want = append(want, c.id)
	}
	for _, r := range rows {
		got = append(got, r.id)
	}
	slices.Sort(want)
	sorted := slices.Sorted(slices.Values(got))
	if !slices.Equal(want, sorted) {
		p.failf(rr.pages[0].rsp, "the call log of %s has %d rows, GET /_mock/calls %d calls: %s", s.logWeekName(), len(got), len(want), firstDifference(want, sorted))
		p.show(led.rsp)
	}
}
