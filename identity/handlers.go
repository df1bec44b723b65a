package identity

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The endpoints are http.Handlers for the routes below; they read the
// tenant from r.PathValue("tenant"), which net/http's ServeMux sets for
// these patterns and the server's routes set likewise:
//
//	GET  /{tenant}/v2.0/.well-known/openid-configuration  OpenIDConfiguration
//	GET  /{tenant}/discovery/v2.0/keys                    Keys
//	POST /{tenant}/oauth2/v2.0/token                      Token (other methods refused as Entra does)

// handler adapts an endpoint that returns its failure: an *Error is written
// by WriteError; any other error (a signing key that could not be made) is
// a 500 in the same shape.
func (a *Authority) handler(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			e = Failure(http.StatusInternalServerError, 0)
		}
		WriteError(w, r, e, a.now())
	})
}

// writeDocument writes a discovery document (the OpenID configuration, the
// JWKS) as the server's other JSON answers: one line, newline-terminated.
func writeDocument(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(append(b, '\n'))
	return nil
}

func missingParameter(name string) *Error {
	return &Error{http.StatusBadRequest, "invalid_request", 900144,
		fmt.Sprintf("The request body must contain the following parameter: '%s'.", name), 0}
}

func invalidTenant(segment string) *Error {
	return &Error{http.StatusBadRequest, "invalid_request", 900023,
		fmt.Sprintf("Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", quote(segment)), 0}
}

// duplicatedParameter is Entra's answer to a parameter sent twice
// (AADSTS9000411, InvalidRequestFormatDuplicatedParameter: "The request is
// not properly formatted. The parameter 'login_hint' is duplicated.", as
// reported in AzureAD/microsoft-authentication-library-for-android#688).
func duplicatedParameter(name string) *Error {
	return &Error{http.StatusBadRequest, "invalid_request", 9000411,
		fmt.Sprintf("The request is not properly formatted. The parameter '%s' is duplicated.", quote(name)), 0}
}

// quote bounds client input quoted in a description to 100 characters,
// with control characters and invalid UTF-8 replaced.
func quote(s string) string {
	r := []rune(s[:min(len(s), 404)]) // 404 bytes hold at least 101 runes
	if len(r) > 100 {
		r = append(r[:100], '…')
	}
	for i, c := range r {
		if c < 0x20 || c == 0x7f {
			r[i] = '\uFFFD'
		}
	}
	return string(r)
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

// OpenIDConfiguration serves GET /{tenant}/v2.0/.well-known/openid-configuration
// (Go's MSAL asks for it with a bare "?" appended, which routing ignores).
// Like Entra's, the endpoints name the tenant by its id.
func (a *Authority) OpenIDConfiguration() http.Handler {
	return a.handler(func(w http.ResponseWriter, r *http.Request) error {
		seg := r.PathValue("tenant")
		tid, ok := tenantID(seg)
		if !ok {
			return invalidTenant(seg)
		}
		authority := a.base(r) + "/" + tid
		return writeDocument(w, openIDConfiguration{
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
	})
}

// Keys serves GET /{tenant}/discovery/v2.0/keys: the public key that issued
// tokens verify against.
func (a *Authority) Keys() http.Handler {
	return a.handler(func(w http.ResponseWriter, r *http.Request) error {
		if seg := r.PathValue("tenant"); !tenantSegmentRE.MatchString(seg) {
			return invalidTenant(seg)
		}
		k, err := a.key()
		if err != nil {
			return err
		}
		return writeDocument(w, jwks{Keys: []jwk{k.jwk()}})
	})
}

// maxTokenRequest bounds a token request's body; real ones are under 2 KiB.
const maxTokenRequest = 64 << 10

// Token serves POST /{tenant}/oauth2/v2.0/token: the client-credentials
// grant with a client secret, in the body (client_secret_post, what MSAL
// sends) or in HTTP Basic auth (client_secret_basic). Fields other than those
// read here (client-request-id, x-client-*, claims, ...) are ignored, but no
// field may be sent twice. Checks, in order: the method, the tenant, the
// body (form-encoded, at most 64 KiB), no field twice, grant_type,
// client_id, scope present, the app exists, a secret rather than a
// certificate (client_assertion), every secret sent is the app's, the scope
// asks for Microsoft Graph.
func (a *Authority) Token() http.Handler {
	return a.handler(a.token)
}

func (a *Authority) token(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return &Error{http.StatusBadRequest, "invalid_request", 900561,
			fmt.Sprintf("The endpoint only accepts POST, OPTIONS requests. Received a %s request.", quote(r.Method)), 0}
	}
	seg := r.PathValue("tenant")
	tid, ok := tenantID(seg)
	if !ok {
		return invalidTenant(seg)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequest)
	if err := r.ParseForm(); err != nil {
		if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
			return &Error{http.StatusRequestEntityTooLarge, "invalid_request", 90004,
				fmt.Sprintf("The request isn't properly formatted: its body is over %d KiB. (A token request is under 2 KiB.)", maxTokenRequest>>10), 0}
		}
		return &Error{http.StatusBadRequest, "invalid_request", 900144,
			"The request body must be form-encoded (application/x-www-form-urlencoded).", 0}
	}
	form := r.PostForm
	var twice []string
	for name, vs := range form {
		if len(vs) > 1 {
			twice = append(twice, name)
		}
	}
	if len(twice) > 0 {
		return duplicatedParameter(slices.Min(twice))
	}
	grant := form.Get("grant_type")
	switch {
	case grant == "":
		return missingParameter("grant_type")
	case grant != "client_credentials":
		return &Error{http.StatusBadRequest, "unsupported_grant_type", 70003,
			fmt.Sprintf("The app requested an unsupported grant type '%s'.", quote(grant)), 0}
	}
	clientID, secrets := form.Get("client_id"), []string{form.Get("client_secret")}
	if u, p, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both are form-encoded inside the Basic credentials.
		// Sent both ways, the client ids must agree and both secrets must be
		// right.
		u, _ = url.QueryUnescape(u)
		p, _ = url.QueryUnescape(p)
		if clientID != "" && u != "" && !strings.EqualFold(clientID, u) {
			return duplicatedParameter("client_id")
		}
		clientID = cmp.Or(clientID, u)
		secrets = append(secrets, p)
	}
	if clientID == "" {
		return missingParameter("client_id")
	}
	scope := form.Get("scope")
	if strings.TrimSpace(scope) == "" {
		return missingParameter("scope")
	}
	app, ok := a.apps[strings.ToLower(clientID)]
	if !ok {
		return &Error{http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", quote(clientID), quote(seg)), 0}
	}
	if form.Get("client_assertion") != "" || form.Get("client_assertion_type") != "" {
		return &Error{http.StatusUnauthorized, "invalid_client", 700027,
			"Client assertion failed signature validation: dialoutmock does not support certificate credentials (client_assertion). Register the app with a client secret and send client_secret.", 0}
	}
	secrets = slices.DeleteFunc(secrets, func(s string) bool { return s == "" })
	if len(secrets) == 0 {
		return &Error{http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'. (dialoutmock accepts client secrets only.)", 0}
	}
	for _, s := range secrets {
		if !sameSecret(s, app.Secret) {
			return &Error{http.StatusUnauthorized, "invalid_client", 7000215,
				fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.ClientID), 0}
		}
	}
	aud, err := graphScope(scope, seg)
	if err != nil {
		return err
	}
	token, err := a.Sign(a.claimsFor(app, tid, aud))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		ExtExpiresIn int    `json:"ext_expires_in"`
		AccessToken  string `json:"access_token"`
	}{"Bearer", int(TokenLifetime / time.Second), int(TokenLifetime / time.Second), token})
	return nil
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
func graphScope(scope, tenant string) (string, error) {
	var res []string
	for _, s := range strings.Fields(scope) {
		if !isOIDCScope(s) {
			res = append(res, s)
		}
	}
	switch {
	case len(res) > 1:
		return "", &Error{http.StatusBadRequest, "invalid_scope", 70011,
			fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid. A client credentials request asks for a single resource's /.default scope.", quote(scope)), 0}
	case len(res) == 0 || !strings.HasSuffix(res[0], "/.default"):
		return "", &Error{http.StatusBadRequest, "invalid_scope", 1002012,
			fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", quote(scope)), 0}
	}
	resource := strings.TrimSuffix(strings.TrimSuffix(res[0], "/.default"), "/")
	switch {
	case strings.EqualFold(resource, GraphAudience):
		return GraphAudience, nil
	case strings.EqualFold(resource, graphAppID):
		return graphAppID, nil
	}
	return "", &Error{http.StatusBadRequest, "invalid_resource", 500011,
		fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant. (dialoutmock issues tokens for Microsoft Graph only.)", quote(resource), quote(tenant)), 0}
}
