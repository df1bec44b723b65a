package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// AUTH checks: requests without a usable token (docs/contract.md#auth-modes).

func checkNoToken(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	r := request{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authNone}
	expectError(ctx, s, p, "no Authorization header", r, []int{http.StatusUnauthorized}, "InvalidAuthenticationToken")
}

func checkEmptyToken(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
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
	if !baseline(ctx, s, p) {
		return
	}
	now := s.cfg.Clock.Now()
	c := jwtClaims(now, now.Add(time.Hour))
	c["scp"] = "CallRecords.Read.All"
	r := request{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authCustom, authValue: "Bearer " + unsignedJWT(c)}
	expectError(ctx, s, p, "a delegated (scp) token", r, []int{http.StatusForbidden, http.StatusUnauthorized}, "")
}

func checkExpired(ctx context.Context, s *session, p *probe) {
	if !baseline(ctx, s, p) {
		return
	}
	now := s.cfg.Clock.Now()
	c := jwtClaims(now.Add(-2*time.Hour), now.Add(-time.Hour))
	c["roles"] = []string{"CallRecords.Read.All"}
	r := request{url: s.rangeURL(s.cfg.From, s.cfg.To), auth: authCustom, authValue: "Bearer " + unsignedJWT(c)}
	expectError(ctx, s, p, "an expired token", r, []int{http.StatusUnauthorized}, "")
}
