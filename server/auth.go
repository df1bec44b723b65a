package server

import (
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/identity"
)

// TokenVerifier checks the bearer token of a Graph request at now and
// returns its claims, or why it is refused: one of identity's ErrToken
// errors or identity.ErrForbidden, which handleError answers as Graph does.
// Strict mode verifies with the identity platform's Authority; lenient mode
// reads tokens without verifying them.
type TokenVerifier interface {
	Verify(token string, now time.Time) (identity.Claims, error)
}

var (
	_ TokenVerifier = (*identity.Authority)(nil)
	_ TokenVerifier = identity.Lenient{}
)

// bearerToken returns the token of an `Authorization: Bearer <token>` header.
func bearerToken(h string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// authorize applies the configured auth mode to Graph routes (docs/contract.md#auth-modes):
// none checks nothing; lenient reads a JWT's claims without verifying it;
// strict verifies the token as one the mock's token endpoint issued.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.tokens == nil {
			return next(c)
		}
		h := c.Request().Header
		token := bearerToken(h.Get(echo.HeaderAuthorization))
		if token == "" {
			if _, sent := h[echo.HeaderAuthorization]; !sent {
				return errNoAuthorization
			}
			return errTokenEmpty
		}
		if _, err := s.tokens.Verify(token, s.now()); err != nil {
			return err
		}
		return next(c)
	}
}
