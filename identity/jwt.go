package identity

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The one JWT codec: RS256 JSON Web Tokens (RFC 7515, RFC 7519) signed,
// parsed and checked by github.com/golang-jwt/jwt/v5, and the JSON Web Key
// Set they verify against (RFC 7517).

// signingKey is the RSA key tokens are signed with, and its key id.
type signingKey struct {
	priv *rsa.PrivateKey
	kid  string
}

// newSigningKey wraps priv, naming it by a digest of its public key so the
// kid is stable for a given key (replicas sharing a key agree on it).
func newSigningKey(priv *rsa.PrivateKey) (*signingKey, error) {
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &signingKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(sum[:20])}, nil
}

// sign returns the compact RS256 JWS of cl. Its header carries typ, alg and
// kid, as Entra's do (less x5t: the key has no certificate).
func (k *signingKey) sign(cl Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, (*jwtClaims)(&cl))
	t.Header["kid"] = k.kid
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// publicKey is the library's Keyfunc: the key of k, for a token that names
// no kid or k's.
func (k *signingKey) publicKey(t *jwt.Token) (any, error) {
	if kid, ok := t.Header["kid"]; ok && kid != "" && kid != k.kid {
		return nil, errors.New("unknown kid")
	}
	return &k.priv.PublicKey, nil
}

// maxSegment bounds a token's header and claims before they are decoded: a
// real token's are a few KiB, and a hostile one must not cost more than a
// real one does.
const maxSegment = 16 << 10

// signingInput returns the length of token's "header.claims." prefix, or
// false when token is not three segments, or its header or claims are over
// maxSegment. It reads no further than the third dot, so a token of a
// million dots costs nothing.
func signingInput(token string) (int, bool) {
	h := strings.IndexByte(token, '.')
	if h < 0 || h > maxSegment {
		return 0, false
	}
	c := strings.IndexByte(token[h+1:], '.')
	if c < 0 || c > maxSegment || strings.IndexByte(token[h+1+c+1:], '.') >= 0 {
		return 0, false
	}
	return h + 1 + c + 1, true
}

// verify checks that token is an RS256 JWS signed by k (alg RS256; kid k's
// when present), then its claims at now: exp and nbf required, TokenSkew
// allowed, the audience Graph (by URI or by app id), the issuer the tenant's.
// The error is a sentinel (ErrTokenNotJWS, ErrTokenMalformed,
// ErrTokenSignature, ErrTokenNotYetValid, ErrTokenExpired, ErrTokenAudience,
// ErrTokenIssuer), in the order Microsoft's validation reports them.
func (k *signingKey) verify(token string, now time.Time) (Claims, error) {
	if strings.IndexByte(token, '.') < 0 {
		return Claims{}, ErrTokenNotJWS
	}
	if _, ok := signingInput(token); !ok {
		return Claims{}, ErrTokenMalformed
	}
	var cl Claims
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(TokenSkew),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithAudience(GraphAudience, graphAppID),
	)
	t, err := p.ParseWithClaims(token, (*jwtClaims)(&cl), k.publicKey)
	switch {
	case err == nil:
		return cl, nil
	case errors.Is(err, jwt.ErrTokenMalformed) && (t == nil || t.Method == nil):
		// The header or the claims do not decode. (The library names the
		// method before it decodes the signature: a token with a method
		// failed on its signature, below.)
		return Claims{}, ErrTokenMalformed
	case !errors.Is(err, jwt.ErrTokenInvalidClaims):
		// Another algorithm (none, HS256), an unknown kid, a signature that
		// does not decode or does not verify.
		return Claims{}, ErrTokenSignature
	case cl.Exp == nil || cl.Nbf == nil:
		return Claims{}, ErrTokenNotYetValid
	case errors.Is(err, jwt.ErrTokenExpired):
		return Claims{}, ErrTokenExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return Claims{}, ErrTokenNotYetValid
	case errors.Is(err, jwt.ErrTokenInvalidAudience), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return Claims{}, ErrTokenAudience
	case errors.Is(err, errIssuer):
		return Claims{}, ErrTokenIssuer
	}
	return Claims{}, fmt.Errorf("identity: unexpected token check failure: %w", err)
}

// Inspect reads a JWT's claims without verifying its signature, as lenient
// mode does and as throttling names a caller. It reports false for a token
// that is not a JWT: an opaque token, one that is not three segments, or one
// whose header (with an alg) or claims do not decode. Padding on the header
// and claims is tolerated; the signature is never read.
func Inspect(token string) (Claims, bool) {
	n, ok := signingInput(token)
	if !ok {
		return Claims{}, false
	}
	unsigned := token[:n] // "header.claims.": an empty signature
	if h, c, _ := strings.Cut(unsigned[:n-1], "."); strings.HasSuffix(h, "=") || strings.HasSuffix(c, "=") {
		unsigned = strings.TrimRight(h, "=") + "." + strings.TrimRight(c, "=") + "."
	}
	var cl Claims
	t, _, err := jwt.NewParser().ParseUnverified(unsigned, (*jwtClaims)(&cl))
	if err != nil {
		// An alg the library does not know still makes a JWT here: only its
		// claims are read.
		if t == nil || !errors.Is(err, jwt.ErrTokenUnverifiable) {
			return Claims{}, false
		}
		if alg, _ := t.Header["alg"].(string); alg == "" {
			return Claims{}, false
		}
	}
	return cl, true
}

// jwk is one RSA public key of a JSON Web Key Set, in the fields Entra's
// discovery/v2.0/keys documents (less x5t/x5c: the key has no certificate).
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

type jwks struct {
	Keys []jwk `json:"keys"`
}

// jwk returns k's public key as a JWK.
func (k *signingKey) jwk() jwk {
	pub := k.priv.PublicKey
	return jwk{
		Kty: "RSA",
		Use: "sig",
		Kid: k.kid,
		Alg: "RS256",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}
