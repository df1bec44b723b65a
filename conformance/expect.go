package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The helpers here turn the client's answers into what checks judge, and mark the probe when a
// precondition does not hold: ERROR when the kit could not get an answer, SKIP when what is missing is
// another check's business, FAIL when the server refused what it must answer.

// readable returns true when rr has at least one page; otherwise it marks the probe (ERROR for the
// kit's failure, SKIP when the server's failure is another check's business).
func (p *probe) readable(rr *readResult, err error) bool {
	return p.hasPage(rr, err, "needs a report page, and there is none")
}

// hasPage is readable with the reason of the skip.
func (p *probe) hasPage(rr *readResult, err error, skip string) bool {
	if err != nil {
		p.errorf(err)
		return false
	}
	if len(rr.pages) == 0 {
		p.skipf("%s: %s", skip, rr.stop)
		return false
	}
	return true
}

// complete returns true when rr was read to its last page.
func (p *probe) complete(rr *readResult, err error) bool {
	if !p.readable(rr, err) {
		return false
	}
	if !rr.complete {
		p.skipf("needs the report read to its last page, and it could not be: %s", rr.stop)
		return false
	}
	return true
}

// partial turns a check that found nothing wrong on a read that stopped early into a SKIP: it judged
// only the pages the kit could read, and a rule about every page is not shown by some of them.
func (p *probe) partial(rr *readResult) {
	if !rr.complete && p.status == Pass {
		p.skipf("judged only the %d pages the kit could read: %s", len(rr.pages), rr.stop)
	}
}

// enough returns true when have reaches need; otherwise it marks the probe skipped: a rule about
// entries is not shown by too few of them.
func (p *probe) enough(have, need int, what string) bool {
	if have >= need {
		return true
	}
	p.skipf("needs at least %d %s to judge, and there are %d", need, what, have)
	return false
}

// entryCount is the number of entries in the pages of rr.
func entryCount(rr *readResult) int {
	n := 0
	for _, pg := range rr.pages {
		n += len(pg.entries)
	}
	return n
}

// baseline returns true when the well-formed request of [From, To] answers a report page; otherwise
// it marks the probe skipped. A check that wants an error answer needs it: a server that refuses
// every request (a wrong token, a gateway's own auth) would otherwise show each refusal it wants.
func baseline(ctx context.Context, s *session, p *probe) bool {
	rr, err := s.fullRead(ctx)
	return p.hasPage(rr, err, "needs the well-formed request to answer a report page, to tell this refusal from a refusal of every request")
}

// mustRead returns true when rr was read to its last page. It marks the probe otherwise: ERROR for
// the kit's failure, FAIL when the server did not answer the request (what says which) with a page,
// SKIP when it answered but the pages could not be read to the last one (the PAGE checks' business).
func (p *probe) mustRead(what string, rr *readResult, err error) bool {
	if err != nil {
		p.errorf(err)
		return false
	}
	if len(rr.pages) == 0 {
		p.failf(rr.stopRsp, "%s: %s", what, rr.stop)
		return false
	}
	if !rr.complete {
		p.skipf("%s: could not be read to its last page: %s", what, rr.stop)
		return false
	}
	return true
}

// readAll reads u and its nextLinks, which the server must answer; nil after marking the probe.
func readAll(ctx context.Context, s *session, p *probe, what, u string) *readResult {
	rr, err := s.read(ctx, u, request{})
	if !p.mustRead(what, rr, err) {
		return nil
	}
	return rr
}

// getPage sends r, which the server must answer with one 200 report page; nil after marking the probe.
func getPage(ctx context.Context, s *session, p *probe, what string, r request) (*page, *response) {
	rsp, ok := p.got(s.c.do(ctx, r))
	if !ok {
		return nil, nil
	}
	if rsp.status != http.StatusOK {
		p.failf(rsp, "%s answered HTTP %d, want 200", what, rsp.status)
		return nil, rsp
	}
	pg, err := parsePage(rsp)
	if err != nil {
		p.failf(rsp, "%s: %v", what, err)
		return nil, rsp
	}
	return pg, rsp
}

// expectError sends a GET that must fail with one of statuses; code is checked on a 400 whose body
// parses as an envelope (whether every envelope is well-formed is the ERR checks' business).
func expectError(ctx context.Context, s *session, p *probe, what string, r request, statuses []int, code string) *response {
	rsp, ok := p.got(s.c.do(ctx, r))
	if !ok {
		return nil
	}
	if !slices.Contains(statuses, rsp.status) {
		p.failf(rsp, "%s: HTTP %d, want %s", what, rsp.status, statusList(statuses))
		return nil
	}
	if env, ok := parseEnvelope(rsp.body); ok && code != "" && env.Error.Code != code {
		p.failf(rsp, "%s: error code %q, want %q", what, env.Error.Code, code)
	}
	return rsp
}

func statusList(st []int) string {
	var parts []string
	for _, s := range st {
		parts = append(parts, fmt.Sprint(s))
	}
	return strings.Join(parts, " or ")
}

// badRequest is the only status a parameter error may have.
func badRequest() []int { return []int{http.StatusBadRequest} }
