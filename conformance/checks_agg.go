package conformance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// AUTH

func checkNoToken(ctx context.Context, s *session, p *probe) {
	r := request{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authNone}
	expectError(ctx, s, p, "no Authorization header", r, []int{http.StatusUnauthorized}, "InvalidAuthenticationToken")
}

func checkEmptyToken(ctx context.Context, s *session, p *probe) {
	r := request{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authCustom, authValue: "Bearer "}
	expectError(ctx, s, p, `"Authorization: Bearer " (empty token)`, r, []int{http.StatusUnauthorized}, "InvalidAuthenticationToken")
}

// unsignedJWT builds a JWT whose signature is junk: the mock's lenient auth reads claims without
// verifying, its strict auth refuses the signature; either way the token must not pass.
func unsignedJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	body, _ := json.Marshal(claims)
	return enc.EncodeToString(head) + "." + enc.EncodeToString(body) + "." + enc.EncodeToString([]byte("not-a-signature"))
}

func jwtClaims(now time.Time, exp time.Time) map[string]any {
	return map[string]any{
		"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/00000000-0000-4000-8000-000000000001/",
		"tid": "00000000-0000-4000-8000-000000000001", "appid": "00000000-0000-4000-8000-000000000002",
		"iat": now.Add(-time.Hour).Unix(), "nbf": now.Add(-time.Hour).Unix(), "exp": exp.Unix(),
	}
}

func checkDelegated(ctx context.Context, s *session, p *probe) {
	now := s.cfg.Clock.Now()
	c := jwtClaims(now, now.Add(time.Hour))
	c["scp"] = "CallRecords.Read.All"
	r := request{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authCustom, authValue: "Bearer " + unsignedJWT(c)}
	expectError(ctx, s, p, "a delegated (scp) token", r, []int{http.StatusForbidden, http.StatusUnauthorized}, "")
}

func checkExpired(ctx context.Context, s *session, p *probe) {
	now := s.cfg.Clock.Now()
	c := jwtClaims(now.Add(-2*time.Hour), now.Add(-time.Hour))
	c["roles"] = []string{"CallRecords.Read.All"}
	r := request{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authCustom, authValue: "Bearer " + unsignedJWT(c)}
	expectError(ctx, s, p, "an expired token", r, []int{http.StatusUnauthorized}, "")
}

// AGG

func checkUniqueInPage(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
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
	eachPage(ctx, s, p, func(i int, pg *page) {
		for _, e := range pg.entries {
			id, ok := seen[e.key.userID]
			if !ok {
				seen[e.key.userID] = identity{e.upn, e.name, pg.rsp}
				continue
			}
			if id.upn != e.upn || id.name != e.name {
				p.failf(pg.rsp, "userId %s is %q (%q) on one entry and %q (%q) on another", e.key.userID, id.upn, id.name, e.upn, e.name)
				p.show(id.rsp)
			}
		}
	})
}

var intLiteralRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

func checkTotalsRange(ctx context.Context, s *session, p *probe) {
	eachPage(ctx, s, p, func(i int, pg *page) {
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
	eachPage(ctx, s, p, func(i int, pg *page) {
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
	rr, err := s.read(ctx, s.rangeURL(from, to), request{})
	if err != nil {
		p.errorf(err)
		return nil
	}
	if len(rr.pages) == 0 {
		p.failf(rr.stopRsp, "[%s, %s]: %s", odataTime(from), odataTime(to), rr.stop)
		return nil
	}
	if !rr.complete {
		p.skipf("[%s, %s] could not be read to its last page: %s", odataTime(from), odataTime(to), rr.stop)
		return nil
	}
	return rr
}

func checkMonotonic(ctx context.Context, s *session, p *probe) {
	full, err := s.fullRead(ctx)
	if !p.complete(full, err) {
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
	if sub == nil {
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
	if !p.complete(full, err) {
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
	if !p.complete(full, err) {
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

// ERR

// errorAnswers makes sure a few error answers exist (the same requests PARAM and AUTH send, so the
// cache usually has them) and returns every non-2xx answer of the run outside /_mock/.
func errorAnswers(ctx context.Context, s *session, p *probe) []*response {
	from, to := s.week()
	for _, r := range []request{
		{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authNone},
		{url: s.rangeURL(to, from)},
		{url: s.url(fnURL{params: ""})},
		{url: s.url(fnURL{version: "v1.0", params: rangeParams(s.cfg.From, s.cfg.To)})},
	} {
		if _, err := s.c.do(ctx, r); err != nil {
			p.errorf(err)
			return nil
		}
	}
	var out []*response
	for _, rsp := range s.c.recorded() {
		if rsp.status < 300 || strings.Contains(rsp.url, "/_mock/") {
			continue
		}
		out = append(out, rsp)
	}
	return out
}

func checkErrorSchema(ctx context.Context, s *session, p *probe) {
	for _, rsp := range errorAnswers(ctx, s, p) {
		errs, err := validate(s.sch.errorBody, rsp.body)
		if err != nil {
			p.failf(rsp, "%s %s → %d: body is not JSON: %v", rsp.ex.Method, rsp.ex.URL, rsp.status, err)
			continue
		}
		for _, e := range errs {
			p.failf(rsp, "%s %s → %d: %s", rsp.ex.Method, rsp.ex.URL, rsp.status, e)
		}
	}
}

func checkErrorMessage(ctx context.Context, s *session, p *probe) {
	for _, rsp := range errorAnswers(ctx, s, p) {
		env, ok := parseEnvelope(rsp.body)
		if !ok || env.Error.Message == nil {
			p.failf(rsp, "%s %s → %d: no error.message string", rsp.ex.Method, rsp.ex.URL, rsp.status)
		}
	}
}

func checkErrorContentType(ctx context.Context, s *session, p *probe) {
	for _, rsp := range errorAnswers(ctx, s, p) {
		if mt, _ := mediaType(rsp.header); mt != "application/json" {
			p.failf(rsp, "%s %s → %d: Content-Type %q, want application/json", rsp.ex.Method, rsp.ex.URL, rsp.status, rsp.header.Get("Content-Type"))
		}
	}
}

func checkErrorInnerIDs(ctx context.Context, s *session, p *probe) {
	for _, rsp := range errorAnswers(ctx, s, p) {
		env, ok := parseEnvelope(rsp.body)
		if !ok {
			continue // DR-ERR-001's business
		}
		var inner map[string]any
		_ = json.Unmarshal(env.Error.InnerError, &inner)
		if rid := rsp.header.Get("request-id"); rid != "" && !strings.EqualFold(str(inner["request-id"]), rid) {
			p.failf(rsp, "%s → %d: innerError.request-id %q, the header says %q", rsp.ex.URL, rsp.status, str(inner["request-id"]), rid)
		}
		if rsp.crid != "" && !strings.EqualFold(str(inner["client-request-id"]), rsp.crid) {
			p.failf(rsp, "%s → %d: innerError.client-request-id %q, the request sent %q", rsp.ex.URL, rsp.status, str(inner["client-request-id"]), rsp.crid)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

func checkErrorHeaders(ctx context.Context, s *session, p *probe) {
	for _, rsp := range errorAnswers(ctx, s, p) {
		if rsp.header.Get("request-id") == "" {
			p.failf(rsp, "%s → %d: no request-id header", rsp.ex.URL, rsp.status)
		}
		if rsp.crid != "" && rsp.header.Get(headerCRID) != rsp.crid {
			p.failf(rsp, "%s → %d: client-request-id %q, the request sent %q", rsp.ex.URL, rsp.status, rsp.header.Get(headerCRID), rsp.crid)
		}
	}
}
