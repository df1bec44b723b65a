package identity

import (
	"errors"
	"slices"
	"time"
)

// Why a bearer token is refused. The server answers each as Graph does
// (docs/contract.md#auth-modes): 401 InvalidAuthenticationToken, or 403
// Forbidden for ErrForbidden.
var (
	ErrTokenNotJWS      = errors.New("identity: token is not a JWT: it has no dots")
	ErrTokenMalformed   = errors.New("identity: token is malformed")
	ErrTokenSignature   = errors.New("identity: token signature does not verify")
	ErrTokenExpired     = errors.New("identity: token is expired")
	ErrTokenNotYetValid = errors.New("identity: token is not yet valid")
	ErrTokenAudience    = errors.New("identity: token is not for Microsoft Graph")
	ErrTokenIssuer      = errors.New("identity: token issuer is not its tenant's")
	// ErrForbidden: the token does not grant the report's application
	// permission: it is delegated (scp), or holds no accepted role.
	ErrForbidden = errors.New("identity: token does not grant the report's permission")
)

// acceptedRoles are the application permissions that allow the function: the
// docs list CallRecords.Read.All; older docs also CallRecord-PstnCalls.Read.All.
var acceptedRoles = [...]string{"CallRecords.Read.All", "CallRecord-PstnCalls.Read.All"}

func hasAcceptedRole(roles []string) bool {
	for _, r := range acceptedRoles {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// Verify checks token as strict mode requires (docs/contract.md#auth-modes),
// in the order Microsoft's validation runs: the signature (RS256 by the
// authority's key; alg none, another algorithm, another key or kid all
// fail), the lifetime (exp and nbf, TokenSkew allowed), the audience (Graph
// by URI or by app id), the issuer (https://sts.windows.net/{tid}/, as
// issued), then permissions: delegated tokens (scp) and tokens without an
// accepted role are forbidden. It returns the token's claims, or one of the
// package's ErrToken errors or ErrForbidden.
func (a *Authority) Verify(token string, now time.Time) (Claims, error) {
	k, err := a.key()
	if err != nil {
		return Claims{}, err
	}
	cl, err := k.verify(token, now)
	if err != nil {
		return Claims{}, err
	}
	if cl.Scp != "" || !hasAcceptedRole(cl.Roles) {
		return Claims{}, ErrForbidden // delegated permissions are not supported by this function
	}
	return cl, nil
}

// Lenient checks tokens as lenient mode does (docs/contract.md#auth-modes):
// an opaque token passes; a JWT's claims are read without verifying it, and
// it is refused when expired (ErrTokenExpired), delegated, or holding roles
// none of which is accepted (ErrForbidden). A JWT without a roles claim
// passes.
type Lenient struct{}

// Verify applies lenient mode's rules to token at now; an opaque token gives
// empty Claims.
func (Lenient) Verify(token string, now time.Time) (Claims, error) {
	cl, isJWT := Inspect(token)
	switch {
	case !isJWT:
		return Claims{}, nil
	case cl.Exp != nil && float64(*cl.Exp) < float64(now.Unix()):
		return Claims{}, ErrTokenExpired
	case cl.Scp != "":
		return Claims{}, ErrForbidden // delegated permissions are not supported by this function
	case cl.Roles != nil && !hasAcceptedRole(cl.Roles):
		return Claims{}, ErrForbidden
	}
	return cl, nil
}
