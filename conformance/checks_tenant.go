package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// TENANT checks (mock profile, docs/contract.md#many-tenants): when the mock reports many tenants on
// /_mock/health, the kit acts as tenants of its own with unsigned app tokens carrying a tid claim,
// which lenient auth reads: each tenant has its own data, the same on every read, and a nextLink of
// one tenant is refused with another's token.

// The kit's tenants: ids no real tenant has.
const (
	kitTenantA = "d1a1c0de-7e4a-4000-8000-00000000000a"
	kitTenantB = "d1a1c0de-7e4a-4000-8000-00000000000b"
	kitTenantC = "d1a1c0de-7e4a-4000-8000-00000000000c"
	kitTenantD = "d1a1c0de-7e4a-4000-8000-00000000000d"
	kitApp     = "d1a1c0de-7e4a-4000-8000-0000000000ff"
)

// tenantToken is an app token of tenant tid with the report's role, unsigned: lenient auth reads its
// claims, strict auth refuses it (and the TENANT checks then skip).
func tenantToken(s *session, tid string) string {
	now := s.cfg.Clock.Now()
	c := jwtClaims(now, now.Add(time.Hour))
	c["tid"], c["iss"], c["appid"] = tid, "https://sts.windows.net/"+tid+"/", kitApp
	c["roles"] = []string{"CallRecords.Read.All"}
	return "Bearer " + unsignedJWT(c)
}

func asTenant(s *session, tid string) request {
	return request{auth: authCustom, authValue: tenantToken(s, tid)}
}

// multiTenancy returns true when the server reports many tenants; otherwise it marks the probe.
func multiTenancy(ctx context.Context, s *session, p *probe) bool {
	h, err := s.healthFirst(ctx)
	switch {
	case err != nil:
		p.errorf(err)
		return false
	case h.absent:
		p.skipf("the server has no control API: GET /_mock/health answered 404")
		return false
	case !h.ok:
		p.skipf("the control API is not healthy (%s): DR-ENV-012 judges that", h.problem)
		return false
	case h.tenancy != "multi":
		p.skipf(`GET /_mock/health does not report "tenancy":"multi": the server serves one dataset to every tenant`)
		return false
	}
	return true
}

// tenantRead reads [From, To] as tenant tid, to the last page; nil after marking the probe.
func tenantRead(ctx context.Context, s *session, p *probe, tid string, fresh bool) *readResult {
	r := asTenant(s, tid)
	r.fresh = fresh
	rr, err := s.read(ctx, s.rangeURL(s.cfg.From, s.cfg.To), r)
	if err != nil {
		p.errorf(err)
		return nil
	}
	if len(rr.pages) == 0 && rr.stopRsp != nil && (rr.stopRsp.status == http.StatusUnauthorized || rr.stopRsp.status == http.StatusForbidden) {
		p.skipf("the server refused the kit's unsigned token of tenant %s (HTTP %d): the TENANT checks need lenient auth", tid, rr.stopRsp.status)
		return nil
	}
	if !p.complete(rr, err) {
		return nil
	}
	return rr
}

// tenantUsers is the set of user ids of a read.
func tenantUsers(rr *readResult) map[string]bool {
	out := map[string]bool{}
	for _, e := range rr.entries() {
		out[e.key.userID] = true
	}
	return out
}

func checkTenantsDiffer(ctx context.Context, s *session, p *probe) {
	if !multiTenancy(ctx, s, p) {
		return
	}
	a := tenantRead(ctx, s, p, kitTenantA, false)
	if a == nil {
		return
	}
	b := tenantRead(ctx, s, p, kitTenantB, false)
	if b == nil {
		return
	}
	if !p.enough(entryCount(a), 1, "entries of tenant "+kitTenantA) || !p.enough(entryCount(b), 1, "entries of tenant "+kitTenantB) {
		return
	}
	ub := tenantUsers(b)
	for _, e := range a.entries() {
		if ub[e.key.userID] {
			p.failf(b.pages[0].rsp, "user %s is in the reports of tenant %s and of tenant %s: a tenant sees another's data", e.key.userID, kitTenantA, kitTenantB)
			return
		}
	}
}

func checkTenantStable(ctx context.Context, s *session, p *probe) {
	if !multiTenancy(ctx, s, p) {
		return
	}
	first := tenantRead(ctx, s, p, kitTenantA, false)
	if first == nil {
		return
	}
	again := tenantRead(ctx, s, p, kitTenantA, true)
	if again == nil {
		return
	}
	diffRows(p, first.rows(), again.rows(), "tenant A's first read", "its re-read", again.pages[0].rsp)
	diffRows(p, again.rows(), first.rows(), "tenant A's re-read", "its first read", again.pages[0].rsp)
}

func checkTenantNextLink(ctx context.Context, s *session, p *probe) {
	if !multiTenancy(ctx, s, p) {
		return
	}
	a := tenantRead(ctx, s, p, kitTenantA, false)
	if a == nil {
		return
	}
	if len(a.pages) < 2 {
		p.skipf("tenant %s's report of [From, To] fits one page: no nextLink to follow with another tenant's token", kitTenantA)
		return
	}
	link, err := url.Parse(a.pages[0].next)
	if err != nil {
		p.skipf("tenant %s's nextLink does not parse (DR-PAGE-003 judges that): %v", kitTenantA, err)
		return
	}
	if base, err := url.Parse(a.url); err == nil {
		link = base.ResolveReference(link) // a relative link is DR-PAGE-003's business
	}
	r := asTenant(s, kitTenantB)
	r.url, r.fresh = link.String(), true
	rsp, ok := p.got(s.c.do(ctx, r))
	if !ok {
		return
	}
	if rsp.status != http.StatusBadRequest {
		p.failf(rsp, "tenant %s's nextLink followed with tenant %s's token answered HTTP %d, want 400 as a stale link", kitTenantA, kitTenantB, rsp.status)
	}
}

// tenantList is GET /_mock/tenants; nil after marking the probe when the server has none.
func tenantList(ctx context.Context, s *session, p *probe) map[string]bool {
	rsp, ok := p.got(s.mockDo(ctx, request{url: "/_mock/tenants", fresh: true}))
	if !ok {
		return nil
	}
	if rsp.status != http.StatusOK {
		p.skipf("GET /_mock/tenants answered HTTP %d: the kit cannot tell which tenants are held", rsp.status)
		return nil
	}
	var body struct {
		Tenants []struct {
			ID     string `json:"id"`
			Cached *bool  `json:"cached"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal(rsp.body, &body); err != nil {
		p.failf(rsp, "GET /_mock/tenants: not the tenants format: %v", err)
		return nil
	}
	held := map[string]bool{}
	for _, t := range body.Tenants {
		if t.Cached != nil {
			held[t.ID] = *t.Cached
		}
	}
	return held
}

func checkTenantAfterEviction(ctx context.Context, s *session, p *probe) {
	if !multiTenancy(ctx, s, p) {
		return
	}
	reads := map[string]*readResult{}
	for _, tid := range []string{kitTenantA, kitTenantB} {
		if reads[tid] = tenantRead(ctx, s, p, tid, false); reads[tid] == nil {
			return
		}
	}
	held := tenantList(ctx, s, p)
	if held == nil {
		return
	}
	judged := false
	for _, tid := range []string{kitTenantA, kitTenantB} {
		cached, listed := held[tid]
		if !listed || cached {
			continue
		}
		again := tenantRead(ctx, s, p, tid, true)
		if again == nil {
			return
		}
		judged = true
		what := fmt.Sprintf("tenant %s after its eviction", tid)
		diffRows(p, reads[tid].rows(), again.rows(), "its first read", what, again.pages[0].rsp)
		diffRows(p, again.rows(), reads[tid].rows(), what, "its first read", again.pages[0].rsp)
	}
	if !judged {
		p.skipf("GET /_mock/tenants lists the kit's tenants as held: no eviction to observe (a small --tenant-cache shows one)")
	}
}

// maxThrottleProbe bounds the requests one tenant sends to meet a limit: past the documented 50
// a minute per collection, and past the reference server's.
const maxThrottleProbe = 120

func checkTenantThrottling(ctx context.Context, s *session, p *probe) {
	if !multiTenancy(ctx, s, p) {
		return
	}
	u := s.rangeURL(s.cfg.From, s.cfg.To)
	for i := 0; i < maxThrottleProbe; i++ {
		r := asTenant(s, kitTenantC)
		r.url, r.fresh, r.noRetry = u, true, true
		rsp, ok := p.got(s.c.do(ctx, r))
		if !ok {
			return
		}
		switch {
		case rsp.status == http.StatusOK:
			continue
		case rsp.status != http.StatusTooManyRequests:
			p.skipf("tenant %s's request %d answered HTTP %d, not a page or a 429", kitTenantC, i+1, rsp.status)
			return
		}
		if rsp.header.Get("Retry-After") == "" {
			p.failf(rsp, "tenant %s's 429 has no Retry-After", kitTenantC)
		}
		other := asTenant(s, kitTenantD)
		other.url, other.fresh, other.noRetry = u, true, true
		rsp2, ok := p.got(s.c.do(ctx, other))
		if !ok {
			return
		}
		if rsp2.status != http.StatusOK {
			p.failf(rsp2, "tenant %s throttled (HTTP 429 after %d requests), the same app in tenant %s answered HTTP %d, want 200: limits count per tenant", kitTenantC, i+1, kitTenantD, rsp2.status)
		}
		return
	}
	p.skipf("no 429 in %d requests of one tenant: throttling looks off (dialoutmock --throttle)", maxThrottleProbe)
}
