package server

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// The mock is its own Microsoft identity platform (docs/contract.md#identity-and-https), so that real
// identity libraries (Go azidentity, npm @azure/identity) run unchanged
// against it: an OpenID configuration, the JWKS, and the client-credentials
// token endpoint. It issues the app-only access tokens Entra issues for
// Microsoft Graph (v1.0 tokens, https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference),
// signed with the mock's own RSA key; strict auth accepts exactly those.

// IdentityConfig configures the identity platform: which applications may get
// tokens, and the key tokens are signed with. The zero value serves
// DefaultApp with a key generated on first use.
type IdentityConfig struct {
	// Apps are the registered applications; nil or empty: DefaultApp alone.
	Apps []App
	// Key signs tokens (RSA, at least 2048 bits). Nil: a key generated the
	// first time one is needed, new at each start; give replicas behind one
	// balancer the same key so each accepts the others' tokens.
	Key *rsa.PrivateKey
}

// App is an application registration: a client id, its secret, and the
// application permissions (app roles) an admin granted it on Microsoft Graph.
type App struct {
	ClientID string   // the application (client) id, normally a GUID; compared case-insensitively
	Secret   string   // the client secret
	Roles    []string // e.g. CallRecords.Read.All; none gives tokens without a roles claim
	Name     string   // display name (the app_displayname claim); "" names it by its client id
}

// The default application, served when IdentityConfig.Apps is empty. Its
// secret is fixed (the mock guards synthetic data only), so examples can be
// copied as they are; the start-up banner prints it.
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
	// MintTenant is the tenant of tokens from MintToken.
	MintTenant = "contoso.onmicrosoft.com"
)

// identity is the token service of one Server: apps by lower-case client id,
// the signing key (made on first use: a 2048-bit RSA key costs tens of
// milliseconds, which tests that never ask for a token should not pay), and
// the server's clock.
type identity struct {
	apps map[string]App
	key  func() (*signingKey, error)
	now  func() time.Time
}

func newIdentity(cfg IdentityConfig, now func() time.Time) (*identity, error) {
	id := &identity{apps: map[string]App{}, now: now}
	apps := cfg.Apps
	if len(apps) == 0 {
		apps = []App{DefaultApp()}
	}
	for i, a := range apps {
		switch {
		case a.ClientID == "" || strings.ContainsAny(a.ClientID, " \t\r\n"):
			return nil, fmt.Errorf("server: app %d: client id %q: want a non-empty id without spaces", i+1, a.ClientID)
		case a.Secret == "":
			return nil, fmt.Errorf("server: app %q: empty secret", a.ClientID)
		}
		for _, r := range a.Roles {
			if r == "" || strings.ContainsAny(r, " \t\r\n") {
				return nil, fmt.Errorf("server: app %q: role %q: want a non-empty name without spaces", a.ClientID, r)
			}
		}
		k := strings.ToLower(a.ClientID)
		if _, dup := id.apps[k]; dup {
			return nil, fmt.Errorf("server: app %q registered twice", a.ClientID)
		}
		a.Roles = append([]string(nil), a.Roles...)
		id.apps[k] = a
	}
	if cfg.Key != nil {
		if cfg.Key.N.BitLen() < 2048 {
			return nil, fmt.Errorf("server: token signing key has %d bits: want at least 2048", cfg.Key.N.BitLen())
		}
		k, err := newSigningKey(cfg.Key)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		id.key = func() (*signingKey, error) { return k, nil }
		return id, nil
	}
	id.key = sync.OnceValues(func() (*signingKey, error) {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("generate token signing key: %w", err)
		}
		return newSigningKey(priv)
	})
	return id, nil
}

// tenantSegmentRE is what the identity platform takes as a tenant in a path:
// a GUID, a domain name, or a name like "common".
var (
	tenantSegmentRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$`)
	guidRE          = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// tenantID maps the tenant segment of an identity URL to a tenant id. Any
// tenant is accepted (docs/contract.md#identity-and-https): a GUID is the tenant id itself, in lower
// case; a name (contoso.onmicrosoft.com, common) becomes a stable GUID derived
// from it, so the same name always yields the same tid.
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
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// issuerOf is the iss of the tokens the mock issues in tenant tid: what app
// tokens for Microsoft Graph carry (v1.0 tokens), and what strict mode
// requires.
func issuerOf(tid string) string { return "https://sts.windows.net/" + tid + "/" }

// tokenClaims are the claims of an issued token, in the order Entra writes
// them. Scp is never issued; tests mint delegated tokens with it.
type tokenClaims struct {
	Aud            string   `json:"aud"`
	Iss            string   `json:"iss"`
	Iat            int64    `json:"iat"`
	Nbf            int64    `json:"nbf"`
	Exp            int64    `json:"exp"`
	AppDisplayName string   `json:"app_displayname,omitempty"`
	AppID          string   `json:"appid"`
	AppIDAcr       string   `json:"appidacr"` // "1": the client authenticated with a secret
	Idp            string   `json:"idp"`
	Idtyp          string   `json:"idtyp"`
	Oid            string   `json:"oid"`
	Roles          []string `json:"roles,omitempty"` // omitted, as Entra does, when the app holds none
	Scp            string   `json:"scp,omitempty"`
	Sub            string   `json:"sub"`
	Tid            string   `json:"tid"`
	Uti            string   `json:"uti"`
	Ver            string   `json:"ver"`
}

// claimsFor returns the claims of a token for app in tenant tid with
// audience aud, issued now.
func (id *identity) claimsFor(app App, tid, aud string) tokenClaims {
	now := id.now()
	// The service principal's object id: one per app and tenant, as in Entra.
	oid := derivedGUID("sp", tid, strings.ToLower(app.ClientID))
	var uti [16]byte
	rand.Read(uti[:])
	name := app.Name
	if name == "" {
		name = app.ClientID
	}
	return tokenClaims{
		Aud:            aud,
		Iss:            issuerOf(tid),
		Iat:            now.Unix(),
		Nbf:            now.Unix(),
		Exp:            now.Add(TokenLifetime).Unix(),
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

func (id *identity) sign(cl tokenClaims) (string, error) {
	k, err := id.key()
	if err != nil {
		return "", err
	}
	return k.sign(cl)
}

// MintToken returns an access token that strict mode accepts, as the token
// endpoint would issue it to an app holding roles, in tenant MintTenant, for
// the default app's client id. With no roles the token has no roles claim,
// which strict mode forbids (403); see acceptedRoles for the roles that pass.
func (s *Server) MintToken(roles ...string) (string, error) {
	app := DefaultApp()
	app.Roles = roles
	tid, _ := tenantID(MintTenant)
	return s.identity.sign(s.identity.claimsFor(app, tid, GraphAudience))
}

// tokenError is a failure of the identity platform, answered in its own error
// shape rather than Graph's envelope (see writeTokenError).
type tokenError struct {
	Status      int
	Code        string // the OAuth error: invalid_request, invalid_client, ...
	AADSTS      int    // Entra's error code
	Description string // after "AADSTSnnn: ", before the trace lines
}

func (e *tokenError) Error() string {
	return fmt.Sprintf("%d %s: AADSTS%d: %s", e.Status, e.Code, e.AADSTS, e.Description)
}

func missingParameter(name string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_request", 900144,
		fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

func invalidTenant(segment string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_request", 900023,
		fmt.Sprintf("Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", printable(segment))}
}

// identityErrors answers the *tokenError a handler returns in the identity
// platform's shape:
//
//	{"error":"invalid_client","error_description":"AADSTS7000215: ...\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: 2026-11-26 14:21:05Z",
//	 "error_codes":[7000215],"timestamp":"2026-11-26 14:21:05Z","trace_id":"…","correlation_id":"…"}
//
// trace_id is the response's request-id, correlation_id its client-request-id
// (MSAL sends one). Other errors go on to Graph's error handler.
func (s *Server) identityErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var te *tokenError
		if !errors.As(err, &te) {
			return err
		}
		ts := s.now().UTC().Format("2006-01-02 15:04:05Z")
		trace, corr := requestID(c), clientRequestID(c)
		body := struct {
			Error         string `json:"error"`
			Description   string `json:"error_description"`
			Codes         []int  `json:"error_codes"`
			Timestamp     string `json:"timestamp"`
			TraceID       string `json:"trace_id"`
			CorrelationID string `json:"correlation_id"`
		}{te.Code, fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			te.AADSTS, te.Description, trace, corr, ts), []int{te.AADSTS}, ts, trace, corr}
		return writeIdentityJSON(c, te.Status, body)
	}
}

// writeIdentityJSON writes v with the headers the token endpoint sends:
// tokens and errors are never cached.
func writeIdentityJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	return c.Blob(status, "application/json; charset=utf-8", b)
}

// openIDConfiguration is the v2.0 OpenID Provider metadata, in the fields and
// order Entra serves; only endpoints the mock serves (or that libraries
// require, authorization_endpoint) are listed. MSAL Go requires issuer,
// authorization_endpoint and token_endpoint and checks that the issuer's
// scheme and host are the authority's; MSAL Node also requires jwks_uri.
type openIDConfiguration struct {
	TokenEndpoint                    string   `json:"token_endpoint"`
	TokenEndpointAuthMethods         []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseModesSupported           []string `json:"response_modes_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	ScopesSupported                  []string `json:"scopes_supported"`
	Issuer                           string   `json:"issuer"`
	RequestURIParameterSupported     bool     `json:"request_uri_parameter_supported"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint"`
	ClaimsSupported                  []string `json:"claims_supported"`
	TenantRegionScope                string   `json:"tenant_region_scope"`
	CloudInstanceName                string   `json:"cloud_instance_name"`
	CloudGraphHostName               string   `json:"cloud_graph_host_name"`
	MSGraphHost                      string   `json:"msgraph_host"`
}

// handleOpenIDConfig serves GET /{tenant}/v2.0/.well-known/openid-configuration
// (Go's MSAL asks for it with a bare "?" appended, which routing ignores).
// Like Entra's, the endpoints name the tenant by its id.
func (s *Server) handleOpenIDConfig(c echo.Context) error {
	seg := c.Param("tenant")
	tid, ok := tenantID(seg)
	if !ok {
		return invalidTenant(seg)
	}
	authority := s.publicBase(c.Request()) + "/" + tid
	return c.JSON(http.StatusOK, openIDConfiguration{
		TokenEndpoint:                    authority + "/oauth2/v2.0/token",
		TokenEndpointAuthMethods:         []string{"client_secret_post", "client_secret_basic"},
		JWKSURI:                          authority + "/discovery/v2.0/keys",
		ResponseModesSupported:           []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:            []string{"pairwise"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
		ResponseTypesSupported:           []string{"code", "id_token", "code id_token", "id_token token"},
		ScopesSupported:                  []string{"openid", "profile", "email", "offline_access"},
		Issuer:                           authority + "/v2.0",
		AuthorizationEndpoint:            authority + "/oauth2/v2.0/authorize",
		ClaimsSupported:                  []string{"sub", "iss", "aud", "exp", "iat", "tid", "ver", "appid", "roles", "oid"},
		TenantRegionScope:                "NA",
		CloudInstanceName:                "microsoftonline.com",
		CloudGraphHostName:               "graph.windows.net",
		MSGraphHost:                      "graph.microsoft.com",
	})
}

// handleJWKS serves GET /{tenant}/discovery/v2.0/keys: the public key that
// issued tokens verify against.
func (s *Server) handleJWKS(c echo.Context) error {
	if seg := c.Param("tenant"); !tenantSegmentRE.MatchString(seg) {
		return invalidTenant(seg)
	}
	k, err := s.identity.key()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, jwks{Keys: []jwk{k.jwk()}})
}

// maxTokenRequest bounds a token request's body; real ones are under 2 KiB.
const maxTokenRequest = 64 << 10

// handleToken serves POST /{tenant}/oauth2/v2.0/token: the client-credentials
// grant with a client secret, in the body (client_secret_post, what MSAL
// sends) or in HTTP Basic auth (client_secret_basic). Fields other than those
// read here (client-request-id, x-client-*, claims, ...) are ignored. Checks,
// in order: tenant, grant_type, client_id, scope present, the app exists,
// its secret, the scope asks for Microsoft Graph.
func (s *Server) handleToken(c echo.Context) error {
	seg := c.Param("tenant")
	tid, ok := tenantID(seg)
	if !ok {
		return invalidTenant(seg)
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxTokenRequest)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return &tokenError{http.StatusBadRequest, "invalid_request", 900144,
			"The request body must be form-encoded (application/x-www-form-urlencoded)."}
	}
	form := r.PostForm
	grant := form.Get("grant_type")
	switch {
	case grant == "":
		return missingParameter("grant_type")
	case grant != "client_credentials":
		return &tokenError{http.StatusBadRequest, "unsupported_grant_type", 70003,
			fmt.Sprintf("The app requested an unsupported grant type '%s'.", printable(grant))}
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both are form-encoded inside the Basic credentials.
		if clientID == "" {
			clientID, _ = url.QueryUnescape(u)
		}
		if secret == "" {
			secret, _ = url.QueryUnescape(p)
		}
	}
	if clientID == "" {
		return missingParameter("client_id")
	}
	scope := form.Get("scope")
	if strings.TrimSpace(scope) == "" {
		return missingParameter("scope")
	}
	app, ok := s.identity.apps[strings.ToLower(clientID)]
	if !ok {
		return &tokenError{http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", printable(clientID), printable(seg))}
	}
	if secret == "" {
		return &tokenError{http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'. (dialoutmock accepts client secrets only.)"}
	}
	if !sameSecret(secret, app.Secret) {
		return &tokenError{http.StatusUnauthorized, "invalid_client", 7000215,
			fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.ClientID)}
	}
	aud, terr := graphScope(scope, seg)
	if terr != nil {
		return terr
	}
	token, err := s.identity.sign(s.identity.claimsFor(app, tid, aud))
	if err != nil {
		return err
	}
	return writeIdentityJSON(c, http.StatusOK, struct {
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		ExtExpiresIn int    `json:"ext_expires_in"`
		AccessToken  string `json:"access_token"`
	}{"Bearer", int(TokenLifetime / time.Second), int(TokenLifetime / time.Second), token})
}

// handleTokenMethod answers a token request that is not a POST as Entra does.
func handleTokenMethod(c echo.Context) error {
	return &tokenError{http.StatusBadRequest, "invalid_request", 900561,
		fmt.Sprintf("The endpoint only accepts POST, OPTIONS requests. Received a %s request.", c.Request().Method)}
}

// sameSecret compares secrets in constant time (of their digests, so not
// even the length leaks).
func sameSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// isOIDCScope reports whether s is an OpenID scope, which may accompany a
// resource's /.default scope: MSAL Go appends openid, offline_access and
// profile to every request.
func isOIDCScope(s string) bool {
	switch s {
	case "openid", "offline_access", "profile", "email":
		return true
	}
	return false
}

// graphScope checks the scope of a client-credentials request: exactly one
// "<resource>/.default", for Microsoft Graph by URI or by application id,
// plus OpenID scopes. It returns the token's audience: the resource as asked.
func graphScope(scope, tenant string) (string, *tokenError) {
	var res []string
	for _, s := range strings.Fields(scope) {
		if !isOIDCScope(s) {
			res = append(res, s)
		}
	}
	switch {
	case len(res) > 1:
		return "", &tokenError{http.StatusBadRequest, "invalid_scope", 70011,
			fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid. A client credentials request asks for a single resource's /.default scope.", printable(scope))}
	case len(res) == 0 || !strings.HasSuffix(res[0], "/.default"):
		return "", &tokenError{http.StatusBadRequest, "invalid_scope", 1002012,
			fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", printable(scope))}
	}
	resource := strings.TrimSuffix(strings.TrimSuffix(res[0], "/.default"), "/")
	switch {
	case strings.EqualFold(resource, GraphAudience):
		return GraphAudience, nil
	case strings.EqualFold(resource, graphAppID):
		return graphAppID, nil
	}
	return "", &tokenError{http.StatusBadRequest, "invalid_resource", 500011,
		fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant. (dialoutmock issues tokens for Microsoft Graph only.)", printable(resource), printable(tenant))}
}

// tokenMethods are the methods the token endpoint refuses in Entra's words.
var tokenMethods = []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete}
