package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// acceptedRoles are the application permissions that allow the function: the
// docs list CallRecords.Read.All; older docs also CallRecord-PstnCalls.Read.All.
var acceptedRoles = [...]string{"CallRecords.Read.All", "CallRecord-PstnCalls.Read.All"}

// claims are the JWT claims the mock reads.
type claims struct {
	Scp   string   `json:"scp"`
	Roles []string `json:"roles"`
	Exp   *float64 `json:"exp"`
	Nbf   *float64 `json:"nbf"`
	Aud   any      `json:"aud"`
	Iss   string   `json:"iss"`
	AppID string   `json:"appid"`
	Azp   string   `json:"azp"`
	Tid   string   `json:"tid"`
}

// bearerToken returns the token of an `Authorization: Bearer <token>` header.
func bearerToken(h string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// inspectJWT reads a JWT's claims without verifying its signature. It returns
// false for a token that is not a JWT (an opaque token).
func inspectJWT(token string) (claims, bool) {
	var cl claims
	// SplitN: a header of a million dots must not cost a million strings.
	parts := strings.SplitN(token, ".", 4)
	if len(parts) != 3 {
		return cl, false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if !decodeSegment(parts[0], &header) || header.Alg == "" {
		return cl, false
	}
	if !decodeSegment(parts[1], &cl) {
		return cl, false
	}
	return cl, true
}

func decodeSegment(seg string, v any) bool {
	if len(seg) > 16<<10 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// authorize applies the configured auth mode to Graph routes (docs/contract.md#auth-modes):
// none checks nothing; lenient reads a JWT's claims without verifying it;
// strict verifies the token as one the mock's token endpoint issued.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.cfg.Auth == AuthNone {
			return next(c)
		}
		token := bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
		if token == "" {
			return errTokenEmpty
		}
		if s.cfg.Auth == AuthStrict {
			if err := s.identity.check(token, s.now()); err != nil {
				return err
			}
			return next(c)
		}
		cl, isJWT := inspectJWT(token)
		if !isJWT {
			return next(c) // lenient: opaque tokens are accepted
		}
		if err := checkClaims(cl, s.now()); err != nil {
			return err
		}
		return next(c)
	}
}

// checkClaims applies the rules of lenient mode to a JWT's claims: delegated
// tokens and tokens without an accepted role are forbidden, expired ones are
// unauthorized.
func checkClaims(cl claims, now time.Time) error {
	if cl.Exp != nil && *cl.Exp < float64(now.Unix()) {
		return errTokenExpired
	}
	if cl.Scp != "" {
		return errForbidden // delegated permissions are not supported by this function
	}
	if cl.Roles != nil && !hasAcceptedRole(cl.Roles) {
		return errForbidden
	}
	return nil
}

func hasAcceptedRole(roles []string) bool {
	for _, r := range roles {
		for _, a := range acceptedRoles {
			if r == a {
				return true
			}
		}
	}
	return false
}

// Strict mode's answers, Graph's where known: "Access token validation
// failure. Invalid audience." and the IDX14100 text are what Graph sends; the
// others follow the same pattern.
var (
	errTokenNotJWS = &GraphError{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken",
		Message: "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'."}
	errTokenMalformed   = &GraphError{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Message: "Access token validation failure. The token is malformed."}
	errTokenSignature   = &GraphError{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Message: "Access token validation failure. Invalid signature."}
	errTokenAudience    = &GraphError{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Message: "Access token validation failure. Invalid audience."}
	errTokenIssuer      = &GraphError{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Message: "Access token validation failure. Invalid issuer."}
	errTokenNotYetValid = &GraphError{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Message: "Access token has expired or is not yet valid."}
)

// check verifies token as strict mode requires (docs/contract.md#auth-modes), in the order
// Microsoft's validation runs: the signature (RS256 by the mock's key; alg
// none, another algorithm, another key or kid all fail), the lifetime (exp
// and nbf, TokenSkew allowed), the audience (Graph by URI or by app id), the
// issuer (https://sts.windows.net/{tid}/, as issued), then permissions:
// delegated tokens (scp) and tokens without an accepted role are forbidden.
func (id *identity) check(token string, now time.Time) error {
	k, err := id.key()
	if err != nil {
		return err
	}
	var cl claims
	switch err := k.verify(token, &cl); {
	case errors.Is(err, errNotJWS) && !strings.Contains(token, "."):
		return errTokenNotJWS
	case errors.Is(err, errNotJWS), errors.Is(err, errBadSegment):
		return errTokenMalformed
	case err != nil:
		return errTokenSignature
	}
	switch {
	case cl.Exp == nil || cl.Nbf == nil:
		return errTokenNotYetValid
	case now.Add(-TokenSkew).After(unixTime(*cl.Exp)):
		return errTokenExpired
	case now.Add(TokenSkew).Before(unixTime(*cl.Nbf)):
		return errTokenNotYetValid
	case !graphAudience(cl.Aud):
		return errTokenAudience
	case !guidRE.MatchString(cl.Tid) || cl.Iss != issuerOf(cl.Tid):
		return errTokenIssuer
	case cl.Scp != "":
		return errForbidden // delegated permissions are not supported by this function
	case !hasAcceptedRole(cl.Roles):
		return errForbidden
	}
	return nil
}

func unixTime(sec float64) time.Time { return time.Unix(int64(sec), 0) }

// graphAudience reports whether aud (a string, or an array as RFC 7519
// allows) names Microsoft Graph.
func graphAudience(aud any) bool {
	switch a := aud.(type) {
	case string:
		return a == GraphAudience || a == graphAppID
	case []any:
		for _, v := range a {
			if graphAudience(v) {
				return true
			}
		}
	}
	return false
}
