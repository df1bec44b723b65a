// Package identity is the mock's own Microsoft identity platform
// (docs/contract.md#identity-and-https), so that real identity libraries (Go
// azidentity, npm @azure/identity) run unchanged against it: registered
// applications, an OpenID configuration, the JWKS and the client-credentials
// token endpoint. It issues the app-only access tokens Entra issues for
// Microsoft Graph (v1.0 tokens,
// https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference),
// signed with its own RSA key, and checks bearer tokens as Graph's strict and
// lenient modes do (docs/contract.md#auth-modes).
//
// Its endpoints are http.Handlers that answer failures in the identity
// platform's error shape, written in one place (WriteError). Token checks
// return sentinel errors (ErrTokenExpired, ErrForbidden, ...) that the
// server turns into Graph's answers.
package identity

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Config configures the identity platform: which applications may get
// tokens, and the key tokens are signed with. The zero value serves
// DefaultApp with a key generated on first use.
type Config struct {
	// Apps are the registered applications; nil or empty: DefaultApp alone.
	Apps []App
	// Key signs tokens (RSA, at least 2048 bits). Nil: a key generated the
	// first time one is needed, new at each start; give replicas behind one
	// balancer the same key so each accepts the others' tokens.
	Key *rsa.PrivateKey

	// Now is the clock of token lifetimes and error timestamps; nil:
	// time.Now. BaseURL is the scheme, host and optional path the OpenID
	// configuration names endpoints under; nil: the request's scheme and
	// Host. The server sets both from its own configuration.
	Now     func() time.Time
	BaseURL func(r *http.Request) string
}

// App is an application registration: a client id, its secret, and the
// application permissions (app roles) an admin granted it on Microsoft Graph.
type App struct {
	ClientID string   // the application (client) id, normally a GUID; compared case-insensitively
	Secret   string   // the client secret
	Roles    []string // e.g. CallRecords.Read.All; none gives tokens without a roles claim
	Name     string   // display name (the app_displayname claim); "" names it by its client id
}

// The default application, served when Config.Apps is empty. Its secret is
// fixed (the mock guards synthetic data only), so examples can be copied as
// they are; the start-up banner prints it.
const (
	DefaultClientID     = "d1a1c0de-0000-4000-8000-000000000001"
	DefaultClientSecret = "dialoutmock-secret"
)

// DefaultApp is the application served when none is configured: it holds the
// role the report needs.
func DefaultApp() App {
	return App{ClientID: DefaultClientID, Secret: DefaultClientSecret,
		Roles: []string{"CallRecords.Read.All"}, Name: "dialoutmock default app"}
}

// Token facts.
const (
	// GraphAudience is the aud of tokens asked for with the scope
	// https://graph.microsoft.com/.default.
	GraphAudience = "https://graph.microsoft.com"
	// graphAppID is Microsoft Graph's application id: the aud of tokens asked
	// for with the scope 00000003-0000-0000-c000-000000000000/.default.
	graphAppID = "00000003-0000-0000-c000-000000000000"
	// TokenLifetime is the lifetime of issued tokens (expires_in 3599, as Entra answers).
	TokenLifetime = 3599 * time.Second
	// TokenSkew is the clock skew strict mode allows on exp and nbf, the
	// default of Microsoft's own token validation (IdentityModel's ClockSkew).
	TokenSkew = 5 * time.Minute
	// MintTenant is the tenant of tokens from Mint.
	MintTenant = "contoso.onmicrosoft.com"
)

// ErrConfig is matched by every error of Config.Validate.
var ErrConfig = errors.New("invalid identity configuration")

// FieldError is an invalid Config field, so that a caller can name it in its
// own words (a flag, a JSON key). App is the index in Config.Apps of the app
// at fault, or -1 when Field is not an app's. Reason never repeats a secret.
type FieldError struct {
	App    int
	Field  string // the Go name of the field: ClientID, Secret, Roles or Key
	Reason string
}

func (e *FieldError) Error() string {
	if e.App < 0 {
		return fmt.Sprintf("%v: %s: %s", ErrConfig, e.Field, e.Reason)
	}
	return fmt.Sprintf("%v: app %d: %s", ErrConfig, e.App+1, e.Reason)
}

// Is makes errors.Is(err, ErrConfig) true.
func (e *FieldError) Is(target error) bool { return target == ErrConfig }

// Validate checks the configuration and names the first bad field in a
// *FieldError: every app needs a client id and a secret, client ids are
// unique (whatever their case), ids and role names hold no spaces, and the
// key has at least 2048 bits. It is the one check of these rules: the
// command line calls it to name its flags, New calls it again.
func (c Config) Validate() error {
	seen := map[string]bool{}
	for i, a := range c.Apps {
		bad := func(field, format string, args ...any) error {
			return &FieldError{App: i, Field: field, Reason: fmt.Sprintf(format, args...)}
		}
		switch {
		case a.ClientID == "" || strings.ContainsAny(a.ClientID, " \t\r\n"):
			return bad("ClientID", "client id %q: want a non-empty id without spaces", a.ClientID)
		case a.Secret == "":
			return bad("Secret", "empty secret")
		case seen[strings.ToLower(a.ClientID)]:
			return bad("ClientID", "client id %q is registered twice", a.ClientID)
		}
		seen[strings.ToLower(a.ClientID)] = true
		for _, r := range a.Roles {
			if r == "" || strings.ContainsAny(r, " \t\r\n") {
				return bad("Roles", "role %q: want a non-empty name without spaces", r)
			}
		}
	}
	if c.Key != nil && c.Key.N.BitLen() < 2048 {
		return &FieldError{App: -1, Field: "Key", Reason: fmt.Sprintf("token signing key has %d bits: want at least 2048", c.Key.N.BitLen())}
	}
	return nil
}

// Authority is the identity platform: the registered apps, the signing key
// (made on first use when none is configured: a 2048-bit RSA key costs tens
// of milliseconds, which tests that never ask for a token should not pay),
// and the clock. It is safe for concurrent use.
type Authority struct {
	apps map[string]App // by lower-case client id
	key  func() (*signingKey, error)
	now  func() time.Time
	base func(r *http.Request) string
}

// New validates cfg (see Config.Validate) and returns its Authority.
func New(cfg Config) (*Authority, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Authority{apps: map[string]App{}, now: cfg.Now, base: cfg.BaseURL}
	if a.now == nil {
		a.now = time.Now
	}
	if a.base == nil {
		a.base = requestBase
	}
	apps := cfg.Apps
	if len(apps) == 0 {
		apps = []App{DefaultApp()}
	}
	for _, app := range apps {
		app.Roles = append([]string(nil), app.Roles...)
		a.apps[strings.ToLower(app.ClientID)] = app
	}
	if cfg.Key != nil {
		k, err := newSigningKey(cfg.Key)
		if err != nil {
			return nil, fmt.Errorf("identity: %w", err)
		}
		a.key = func() (*signingKey, error) { return k, nil }
		return a, nil
	}
	a.key = sync.OnceValues(func() (*signingKey, error) {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("generate token signing key: %w", err)
		}
		return newSigningKey(priv)
	})
	return a, nil
}

// requestBase is the base URL of the request's own scheme and Host.
func requestBase(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// tenantSegmentRE is what the identity platform takes as a tenant in a path:
// a GUID, a domain name, or a name like "common".
var (
	tenantSegmentRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$`)
	guidRE          = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// tenantID maps the tenant segment of an identity URL to a tenant id. Any
// tenant is accepted (docs/contract.md#identity-and-https): a GUID is the
// tenant id itself, in lower case; a name (contoso.onmicrosoft.com, common)
// becomes a stable GUID derived from it, so the same name always yields the
// same tid.
func tenantID(segment string) (string, bool) {
	if !tenantSegmentRE.MatchString(segment) {
		return "", false
	}
	if guidRE.MatchString(segment) {
		return strings.ToLower(segment), true
	}
	return derivedGUID("tenant", strings.ToLower(segment)), true
}

// derivedGUID is a name-based UUID (RFC 9562 version 8, from SHA-256) of the
// given parts.
func derivedGUID(parts ...string) string {
	sum := sha256.Sum256([]byte("dialoutkit/" + strings.Join(parts, "/")))
	return formatGUID(sum[:16], 0x80)
}

// formatGUID writes 16 bytes as a GUID of the given version (0x40, 0x80),
// RFC 9562 variant.
func formatGUID(b []byte, version byte) string {
	b[6] = b[6]&0x0f | version
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// issuerOf is the iss of the tokens the mock issues in tenant tid: what app
// tokens for Microsoft Graph carry (v1.0 tokens), and what strict mode
// requires.
func issuerOf(tid string) string { return "https://sts.windows.net/" + tid + "/" }

// Claims returns the claims of the token the token endpoint would issue now
// to app in tenant (a tenant id or a domain name) for Microsoft Graph. Edit
// them and Sign them to make tokens the endpoint never issues: expired,
// delegated, for another audience or tenant.
func (a *Authority) Claims(app App, tenant string) (Claims, error) {
	tid, ok := tenantID(tenant)
	if !ok {
		return Claims{}, fmt.Errorf("identity: tenant %q: want a GUID or a domain name", tenant)
	}
	return a.claimsFor(app, tid, GraphAudience), nil
}

// claimsFor returns the claims of a token for app in tenant tid with
// audience aud, issued now.
func (a *Authority) claimsFor(app App, tid, aud string) Claims {
	now := a.now()
	// The service principal's object id: one per app and tenant, as in Entra.
	oid := derivedGUID("sp", tid, strings.ToLower(app.ClientID))
	var uti [16]byte
	rand.Read(uti[:])
	name := app.Name
	if name == "" {
		name = app.ClientID
	}
	return Claims{
		Aud:            Audience{aud},
		Iss:            issuerOf(tid),
		Iat:            NewNumericDate(now),
		Nbf:            NewNumericDate(now),
		Exp:            NewNumericDate(now.Add(TokenLifetime)),
		AppDisplayName: name,
		AppID:          app.ClientID,
		AppIDAcr:       "1",
		Idp:            issuerOf(tid),
		Idtyp:          "app",
		Oid:            oid,
		Roles:          append([]string(nil), app.Roles...),
		Sub:            oid,
		Tid:            tid,
		Uti:            base64.RawURLEncoding.EncodeToString(uti[:]),
		Ver:            "1.0",
	}
}

// Sign returns cl as an RS256 token signed with the authority's key, as the
// token endpoint signs the tokens it issues.
func (a *Authority) Sign(cl Claims) (string, error) {
	k, err := a.key()
	if err != nil {
		return "", err
	}
	return k.sign(cl)
}

// Mint returns an access token that strict mode accepts, as the token
// endpoint would issue it to an app holding roles, in tenant MintTenant, for
// the default app's client id. With no roles the token has no roles claim,
// which strict mode forbids (ErrForbidden); see Verify for the roles that
// pass.
func (a *Authority) Mint(roles ...string) (string, error) {
	app := DefaultApp()
	app.Roles = roles
	tid, _ := tenantID(MintTenant)
	return a.Sign(a.claimsFor(app, tid, GraphAudience))
}
