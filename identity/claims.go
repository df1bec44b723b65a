package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of an access token: those the token endpoint issues,
// in the order Entra writes them, and those the checks read (Scp and Azp are
// never issued; tests sign delegated tokens with Scp). Strict and lenient
// mode, and throttling, read tokens into this one struct.
type Claims struct {
	Aud            Audience     `json:"aud"`
	Iss            string       `json:"iss"`
	Iat            *NumericDate `json:"iat,omitempty"`
	Nbf            *NumericDate `json:"nbf,omitempty"`
	Exp            *NumericDate `json:"exp,omitempty"`
	AppDisplayName string       `json:"app_displayname,omitempty"`
	AppID          string       `json:"appid"`
	AppIDAcr       string       `json:"appidacr"` // "1": the client authenticated with a secret
	Azp            string       `json:"azp,omitempty"`
	Idp            string       `json:"idp"`
	Idtyp          string       `json:"idtyp"`
	Oid            string       `json:"oid"`
	Roles          []string     `json:"roles,omitempty"` // omitted, as Entra does, when the app holds none
	Scp            string       `json:"scp,omitempty"`
	Sub            string       `json:"sub"`
	Tid            string       `json:"tid"`
	Uti            string       `json:"uti"`
	Ver            string       `json:"ver"`
}

// NumericDate is a JWT time (RFC 7519 §2): seconds since 1970-01-01 UTC, as
// the token carries it. Any JSON number reads, fractional or out of
// time.Time's reach (1e300, -1e300, even 1e400, which reads as infinity);
// Time brings it within reach.
type NumericDate float64

// NewNumericDate returns t in whole seconds, as issued tokens carry it.
func NewNumericDate(t time.Time) *NumericDate {
	d := NumericDate(t.Unix())
	return &d
}

// maxSeconds bounds the times a token can name: about 146 billion years
// either side of 1970, far beyond any token's life, yet well inside
// time.Time's range, so no arithmetic on them overflows.
const maxSeconds = 1 << 62

// Time is d as a time.Time, clamped to ±2^62 seconds: a not-before of 2^63
// seconds stays in the future and an expiry of 2^63−1 seconds stays
// unexpired, rather than wrapping to the past as int64(d) would.
func (d NumericDate) Time() time.Time {
	f := float64(d)
	switch {
	case f >= maxSeconds:
		return time.Unix(maxSeconds, 0)
	case f <= -maxSeconds:
		return time.Unix(-maxSeconds, 0)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// UnmarshalJSON reads a JSON number; anything else (a string, true, an
// object) is an error, which makes the token malformed.
func (d *NumericDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("a time claim is %.20s, want a number of seconds", b)
	}
	*d = NumericDate(f) // out of float64's range: ±Inf, which Time clamps
	return nil
}

// Audience is the aud claim: one audience or several (RFC 7519 §4.1.3).
// Issued tokens carry one, as a string.
type Audience []string

// MarshalJSON writes one audience as a string, several as an array.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalJSON reads a string or an array; what is not a string (a number,
// an object, an array's non-string elements) names no audience, so the token
// fails the audience check rather than being malformed.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = nil
	switch v := v.(type) {
	case string:
		*a = Audience{v}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				*a = append(*a, s)
			}
		}
	}
	return nil
}

// jwtClaims is Claims as the JWT library reads and checks them: the
// registered claims by the library's interface, and the issuer (which
// depends on the tenant claim) by Validate.
type jwtClaims Claims

var _ jwt.ClaimsValidator = (*jwtClaims)(nil)

func numericDate(d *NumericDate) (*jwt.NumericDate, error) {
	if d == nil {
		return nil, nil
	}
	return &jwt.NumericDate{Time: d.Time()}, nil
}

func (c *jwtClaims) GetExpirationTime() (*jwt.NumericDate, error) { return numericDate(c.Exp) }
func (c *jwtClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return numericDate(c.Iat) }
func (c *jwtClaims) GetNotBefore() (*jwt.NumericDate, error)      { return numericDate(c.Nbf) }
func (c *jwtClaims) GetIssuer() (string, error)                   { return c.Iss, nil }
func (c *jwtClaims) GetSubject() (string, error)                  { return c.Sub, nil }
func (c *jwtClaims) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings(c.Aud), nil }

// errIssuer is Validate's complaint: iss is not what the mock issues in the
// token's tenant.
var errIssuer = errors.New("issuer is not the tenant's")

// Validate requires the issuer the mock writes in the token's tenant,
// https://sts.windows.net/{tid}/, with tid a GUID.
func (c *jwtClaims) Validate() error {
	if !guidRE.MatchString(c.Tid) || c.Iss != issuerOf(c.Tid) {
		return errIssuer
	}
	return nil
}
