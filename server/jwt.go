package server

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// RS256 JSON Web Tokens (RFC 7515, RFC 7519) and the JSON Web Key Set they
// verify against (RFC 7517), with the standard library only: the module stays
// free of JWT dependencies, since users import its packages in their tests.

// jwtHeader is a JWS protected header. Entra's tokens carry typ, alg, kid
// (and x5t, the certificate thumbprint; the mock's key has no certificate).
type jwtHeader struct {
	Typ string `json:"typ,omitempty"`
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
}

// Reasons a token fails verification; strict mode maps them to Graph's messages.
var (
	errNotJWS       = errors.New("jwt: not in JWS compact serialization")
	errBadSegment   = errors.New("jwt: a segment is not base64url-encoded JSON")
	errBadSignature = errors.New("jwt: signature does not verify")
)

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

// sign returns the compact RS256 JWS of claims.
func (k *signingKey) sign(claims any) (string, error) {
	h, err := json.Marshal(jwtHeader{Typ: "JWT", Alg: "RS256", Kid: k.kid})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

// verify checks that token is an RS256 JWS signed by k (alg RS256, kid k's
// when present) and decodes its payload into claims. Anything else (alg none,
// HS256, an empty or altered signature, another key) is errBadSignature.
func (k *signingKey) verify(token string, claims any) error {
	parts := strings.SplitN(token, ".", 4) // bounded work on a header of dots
	if len(parts) != 3 {
		return errNotJWS
	}
	var h jwtHeader
	if err := decodeJSONSegment(parts[0], &h); err != nil {
		return err
	}
	if err := decodeJSONSegment(parts[1], claims); err != nil {
		return err
	}
	if h.Alg != "RS256" || (h.Kid != "" && h.Kid != k.kid) {
		return errBadSignature
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) == 0 {
		return errBadSignature
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&k.priv.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return errBadSignature
	}
	return nil
}

// decodeJSONSegment decodes one base64url (unpadded) segment of JSON. The
// size cap keeps a hostile header from costing more than a real token does.
func decodeJSONSegment(seg string, v any) error {
	if len(seg) > 16<<10 {
		return errBadSegment
	}
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return errBadSegment
	}
	if json.Unmarshal(b, v) != nil {
		return errBadSegment
	}
	return nil
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
