package conformance

import (
	"context"
	"encoding/json"
	"strings"
)

// ERR checks: every error answer of the run, whichever check provoked it (docs/contract.md#errors).

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
	if len(out) == 0 {
		p.skipf("no error answer to judge: the server answered every request of the run with a success")
	}
	return out
}

func checkErrorSchema(ctx context.Context, s *session, p *probe) {
	for _, rsp := range errorAnswers(ctx, s, p) {
		errs, err := validate(s.sch.errorBody, rsp.body)
		if err != nil {
			p.failf(rsp, "%s %s → %d: %v", rsp.ex.Method, rsp.ex.URL, rsp.status, err)
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
	judged := 0
	defer func() {
		if judged == 0 && p.status == Pass {
			p.skipf("no error answer has Graph's envelope to look in (DR-ERR-001 judges that)")
		}
	}()
	for _, rsp := range errorAnswers(ctx, s, p) {
		env, ok := parseEnvelope(rsp.body)
		if !ok {
			continue // DR-ERR-001's business
		}
		judged++
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
