package server

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testKeys are two RSA keys shared by the tests of this file: the mock's and
// a stranger's. Generating them once keeps the tests fast under -race.
var testKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var ks [2]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	return ks
})

var identityNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Apps of the identity tests: one with the report's role, one without.
var (
	readerApp = App{ClientID: "6731de76-14a6-49ae-97bc-6eba6914391e", Secret: "r3ader~Secret.With-Symbols_", Roles: []string{"CallRecords.Read.All"}, Name: "Billing dashboard"}
	otherApp  = App{ClientID: "0a0b0c0d-1e1f-4a4b-8c8d-9e9f0a0b0c0d", Secret: "other-secret", Roles: []string{"User.Read.All"}}
)

func newIdentityServer(t *testing.T, mode AuthMode) (*Server, string) {
	t.Helper()
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{
		Auth:     mode,
		Now:      func() time.Time { return identityNow },
		Identity: IdentityConfig{Apps: []App{readerApp, otherApp}, Key: testKeys()[0]},
	})
	return s, ts.URL
}

// tokenResponse is the token endpoint's body, success or failure.
type tokenResponse struct {
	TokenType     string `json:"token_type"`
	ExpiresIn     *int   `json:"expires_in"`
	ExtExpiresIn  *int   `json:"ext_expires_in"`
	AccessToken   string `json:"access_token"`
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	ErrorCodes    []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
}

// postToken sends a token request with the given form fields and extra
// headers (name, value pairs).
func postToken(t *testing.T, rawURL string, form url.Values, headers ...string) (response, tokenResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	r := do(t, req)
	var tr tokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		t.Fatalf("token response is not JSON: %v\n%s", err, r.body)
	}
	return r, tr
}

func credentials(app App, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.Secret}, "scope": {scope}}
}

// payload decodes a JWT's claims without verifying it.
func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTokenEndpointIssuesGraphAppTokens(t *testing.T) {
	_, base := newIdentityServer(t, AuthStrict)
	graphScope := "https://graph.microsoft.com/.default"
	contoso := derivedGUID("tenant", "contoso.onmicrosoft.com")
	cases := []struct {
		name, tenant string
		form         url.Values
		headers      []string
		tid, aud     string
	}{
		{"by tenant name", "contoso.onmicrosoft.com", credentials(readerApp, graphScope), nil, contoso, GraphAudience},
		{"tenant name in another case", "Contoso.OnMicrosoft.com", credentials(readerApp, graphScope), nil, contoso, GraphAudience},
		{"by tenant id, upper-case", "72F988BF-86F1-41AF-91AB-2D7CD011DB47", credentials(readerApp, graphScope), nil, "72f988bf-86f1-41af-91ab-2d7cd011db47", GraphAudience},
		{"Go MSAL adds OpenID scopes", "contoso.onmicrosoft.com", credentials(readerApp, graphScope+" openid offline_access profile"), nil, contoso, GraphAudience},
		{"Graph by application id", "contoso.onmicrosoft.com", credentials(readerApp, "00000003-0000-0000-c000-000000000000/.default"), nil, contoso, graphAppID},
		{"double slash before .default", "contoso.onmicrosoft.com", credentials(readerApp, "https://graph.microsoft.com//.default"), nil, contoso, GraphAudience},
		{"client id in another case", "contoso.onmicrosoft.com", func() url.Values {
			f := credentials(readerApp, graphScope)
			f.Set("client_id", strings.ToUpper(readerApp.ClientID))
			return f
		}(), nil, contoso, GraphAudience},
		{"JS MSAL extra fields", "contoso.onmicrosoft.com", func() url.Values {
			f := credentials(readerApp, graphScope)
			f.Set("client-request-id", "5bdb6c0e-33e7-4f55-8c55-0b6a3c4ee1f2")
			f.Set("x-client-SKU", "msal.js.node")
			f.Set("x-client-VER", "2.16.2")
			f.Set("x-ms-lib-capability", "retry-after, h429")
			return f
		}(), []string{"client-request-id", "5bdb6c0e-33e7-4f55-8c55-0b6a3c4ee1f2"}, contoso, GraphAudience},
		{"client_secret_basic", "contoso.onmicrosoft.com",
			url.Values{"grant_type": {"client_credentials"}, "scope": {graphScope}},
			[]string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(readerApp.ClientID)+":"+url.QueryEscape(readerApp.Secret)))},
			contoso, GraphAudience},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, tr := postToken(t, base+"/"+c.tenant+"/oauth2/v2.0/token", c.form, c.headers...)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q, want application/json; charset=utf-8", ct)
			}
			if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			wantKeys := `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"`
			if !strings.HasPrefix(string(r.body), wantKeys) {
				t.Errorf("body = %.90s…, want it to start %s", r.body, wantKeys)
			}
			cl := payload(t, tr.AccessToken)
			want := map[string]any{
				"aud": c.aud, "iss": "https://sts.windows.net/" + c.tid + "/", "tid": c.tid,
				"appid": readerApp.ClientID, "app_displayname": "Billing dashboard", "appidacr": "1",
				"idp": "https://sts.windows.net/" + c.tid + "/", "idtyp": "app", "ver": "1.0",
				"roles": []any{"CallRecords.Read.All"},
				"iat":   float64(identityNow.Unix()), "nbf": float64(identityNow.Unix()),
				"exp": float64(identityNow.Unix() + 3599),
				"oid": cl["oid"], "sub": cl["oid"], "uti": cl["uti"],
			}
			if diff := cmp.Diff(want, cl); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			if oid, _ := cl["oid"].(string); !guidRE.MatchString(oid) {
				t.Errorf("oid = %q, want a GUID", oid)
			}
		})
	}
}

func TestTokenEndpointFailures(t *testing.T) {
	_, base := newIdentityServer(t, AuthStrict)
	graphScope := "https://graph.microsoft.com/.default"
	with := func(f url.Values, k, v string) url.Values {
		g := url.Values{}
		for name, vs := range f {
			g[name] = vs
		}
		if v == "" {
			g.Del(k)
		} else {
			g.Set(k, v)
		}
		return g
	}
	ok := credentials(readerApp, graphScope)
	cases := []struct {
		name, method, tenant string
		form                 url.Values
		contentType          string
		status               int
		error                string
		code                 int
		mention              string // a substring of the description
	}{
		{"missing grant_type", "POST", "contoso.com", with(ok, "grant_type", ""), "", 400, "invalid_request", 900144, "'grant_type'"},
		{"password grant", "POST", "contoso.com", with(ok, "grant_type", "password"), "", 400, "unsupported_grant_type", 70003, "'password'"},
		{"authorization code grant", "POST", "contoso.com", with(ok, "grant_type", "authorization_code"), "", 400, "unsupported_grant_type", 70003, "'authorization_code'"},
		{"missing client_id", "POST", "contoso.com", with(ok, "client_id", ""), "", 400, "invalid_request", 900144, "'client_id'"},
		{"missing scope", "POST", "contoso.com", with(ok, "scope", ""), "", 400, "invalid_request", 900144, "'scope'"},
		{"unknown client", "POST", "contoso.com", with(ok, "client_id", "11111111-1111-4111-8111-111111111111"), "", 400, "unauthorized_client", 700016, "'11111111-1111-4111-8111-111111111111' was not found in the directory 'contoso.com'"},
		{"missing secret", "POST", "contoso.com", with(ok, "client_secret", ""), "", 401, "invalid_client", 7000218, "'client_secret'"},
		{"wrong secret", "POST", "contoso.com", with(ok, "client_secret", "guess"), "", 401, "invalid_client", 7000215, "Invalid client secret provided"},
		{"another app's secret", "POST", "contoso.com", with(ok, "client_secret", otherApp.Secret), "", 401, "invalid_client", 7000215, readerApp.ClientID},
		{"secret with a suffix", "POST", "contoso.com", with(ok, "client_secret", readerApp.Secret+"x"), "", 401, "invalid_client", 7000215, "Invalid client secret"},
		{"delegated scope", "POST", "contoso.com", with(ok, "scope", "User.Read"), "", 400, "invalid_scope", 1002012, "/.default"},
		{"Graph scope without .default", "POST", "contoso.com", with(ok, "scope", "https://graph.microsoft.com/CallRecords.Read.All"), "", 400, "invalid_scope", 1002012, "/.default"},
		{"only OpenID scopes", "POST", "contoso.com", with(ok, "scope", "openid profile offline_access"), "", 400, "invalid_scope", 1002012, "openid"},
		{"two resources", "POST", "contoso.com", with(ok, "scope", graphScope+" https://management.azure.com/.default"), "", 400, "invalid_scope", 70011, "scope"},
		{"another resource", "POST", "contoso.com", with(ok, "scope", "https://management.azure.com/.default"), "", 400, "invalid_resource", 500011, "https://management.azure.com"},
		{"JSON body", "POST", "contoso.com", ok, "application/json", 400, "invalid_request", 900144, "'grant_type'"},
		{"GET", "GET", "contoso.com", nil, "", 400, "invalid_request", 900561, "Received a GET request"},
		{"malformed tenant", "POST", "contoso!com", ok, "", 400, "invalid_request", 900023, "'contoso!com'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := c.form.Encode()
			if c.contentType == "application/json" {
				b, _ := json.Marshal(map[string]string{"grant_type": "client_credentials"})
				body = string(b)
			}
			req, err := http.NewRequest(c.method, base+"/"+c.tenant+"/oauth2/v2.0/token", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			ct := c.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			req.Header.Set("client-request-id", "0c1f3a77-ffd8-4a2b-9b3c-7c3e8a1d2e4f")
			r := do(t, req)
			var tr tokenResponse
			if err := json.Unmarshal(r.body, &tr); err != nil {
				t.Fatalf("body is not JSON: %v\n%s", err, r.body)
			}
			if r.status != c.status || tr.Error != c.error {
				t.Errorf("answer = %d %q, want %d %q: %s", r.status, tr.Error, c.status, c.error, r.body)
			}
			if !cmp.Equal(tr.ErrorCodes, []int{c.code}) {
				t.Errorf("error_codes = %v, want [%d]", tr.ErrorCodes, c.code)
			}
			prefix := "AADSTS" + strconv.Itoa(c.code) + ": "
			if !strings.HasPrefix(tr.Description, prefix) || !strings.Contains(tr.Description, c.mention) {
				t.Errorf("error_description = %q, want it to start %q and mention %q", tr.Description, prefix, c.mention)
			}
			if tr.Timestamp != "2026-11-26 12:00:00Z" || !strings.HasSuffix(tr.Description, "\r\nTimestamp: 2026-11-26 12:00:00Z") {
				t.Errorf("timestamp = %q, description %q: want 2026-11-26 12:00:00Z in both", tr.Timestamp, tr.Description)
			}
			if tr.TraceID == "" || tr.TraceID != r.header.Get("request-id") {
				t.Errorf("trace_id = %q, want the request-id %q", tr.TraceID, r.header.Get("request-id"))
			}
			if tr.CorrelationID != "0c1f3a77-ffd8-4a2b-9b3c-7c3e8a1d2e4f" {
				t.Errorf("correlation_id = %q, want the client-request-id sent", tr.CorrelationID)
			}
			if tr.AccessToken != "" || tr.TokenType != "" || tr.ExpiresIn != nil {
				t.Errorf("a failure carries token fields: %s", r.body)
			}
			if strings.Contains(string(r.body), "guess") || strings.Contains(string(r.body), readerApp.Secret) {
				t.Errorf("the answer repeats a secret: %s", r.body)
			}
		})
	}
}

func TestOpenIDConfigurationAndKeys(t *testing.T) {
	_, base := newIdentityServer(t, AuthStrict)
	tid := derivedGUID("tenant", "contoso.onmicrosoft.com")
	// Go's MSAL asks for the document with a bare "?" appended.
	req, err := http.NewRequest(http.MethodGet, base+"/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !req.URL.ForceQuery {
		t.Fatal("the request does not end in a bare ?")
	}
	r := do(t, req)
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", r.status, r.body)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	authority := base + "/" + tid
	for k, want := range map[string]any{
		"issuer":                 authority + "/v2.0",
		"authorization_endpoint": authority + "/oauth2/v2.0/authorize",
		"token_endpoint":         authority + "/oauth2/v2.0/token",
		"jwks_uri":               authority + "/discovery/v2.0/keys",
		"tenant_region_scope":    "NA",
	} {
		if doc[k] != want {
			t.Errorf("%s = %v, want %v", k, doc[k], want)
		}
	}
	for _, k := range []string{"response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported", "token_endpoint_auth_methods_supported", "scopes_supported"} {
		if v, ok := doc[k].([]any); !ok || len(v) == 0 {
			t.Errorf("%s = %v, want a non-empty list", k, doc[k])
		}
	}

	// A token from the token endpoint the document names verifies against
	// the key at its jwks_uri, by the key's own n and e.
	_, tr := postToken(t, doc["token_endpoint"].(string), credentials(readerApp, "https://graph.microsoft.com/.default"))
	r = get(t, doc["jwks_uri"].(string))
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(r.body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS = %s (%v), want one key", r.body, err)
	}
	k := set.Keys[0]
	if k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" || k["kid"] == "" {
		t.Errorf("key = %v, want kty RSA, use sig, alg RS256 and a kid", k)
	}
	parts := strings.Split(tr.AccessToken, ".")
	var header map[string]string
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	json.Unmarshal(hb, &header)
	if header["alg"] != "RS256" || header["kid"] != k["kid"] || header["typ"] != "JWT" {
		t.Errorf("token header = %v, want alg RS256, typ JWT, kid %s", header, k["kid"])
	}
	n, _ := base64.RawURLEncoding.DecodeString(k["n"])
	e, _ := base64.RawURLEncoding.DecodeString(k["e"])
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		t.Errorf("token does not verify against the JWKS: %v", err)
	}
}

func TestIdentityFollowsThePublicURL(t *testing.T) {
	pub, _ := url.Parse("https://mock.example.test:8443/graph")
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PublicURL: pub, Identity: IdentityConfig{Key: testKeys()[0]}})
	r := get(t, ts.URL+"/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/.well-known/openid-configuration")
	var doc map[string]any
	json.Unmarshal(r.body, &doc)
	if want := "https://mock.example.test:8443/graph/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"; doc["issuer"] != want {
		t.Errorf("issuer = %v, want %s", doc["issuer"], want)
	}
}

func TestDefaultApp(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Auth: AuthStrict, Identity: IdentityConfig{Key: testKeys()[0]}})
	r, tr := postToken(t, ts.URL+"/common/oauth2/v2.0/token", credentials(DefaultApp(), "https://graph.microsoft.com/.default"))
	if r.status != http.StatusOK {
		t.Fatalf("default app: status %d: %s", r.status, r.body)
	}
	if got := get(t, ts.URL+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "Authorization", "Bearer "+tr.AccessToken); got.status != http.StatusOK {
		t.Errorf("report with the default app's token: status %d: %s", got.status, got.body)
	}
}

// forge signs claims as the mock would, with key (nil: the mock's).
func forge(t *testing.T, s *Server, key *rsa.PrivateKey, edit func(*tokenClaims)) string {
	t.Helper()
	tid, _ := tenantID("contoso.onmicrosoft.com")
	cl := s.identity.claimsFor(readerApp, tid, GraphAudience)
	edit(&cl)
	k, err := s.identity.key()
	if key != nil {
		k, err = newSigningKey(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	tok, err := k.sign(cl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rawJWT joins a header and claims as JSON with the given signature.
func rawJWT(header, claims any, sig string) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + sig
}

func TestStrictAuth(t *testing.T) {
	s, base := newIdentityServer(t, AuthStrict)
	valid := func(*tokenClaims) {}
	k, err := s.identity.key()
	if err != nil {
		t.Fatal(err)
	}
	good := forge(t, s, nil, valid)
	goodParts := strings.Split(good, ".")
	tid, _ := tenantID("contoso.onmicrosoft.com")
	claimsOK := s.identity.claimsFor(readerApp, tid, GraphAudience)
	minted, err := s.MintToken("CallRecords.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	mintedNoRole, err := s.MintToken()
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) int64 { return identityNow.Add(d).Unix() }

	const (
		unauthorized = "InvalidAuthenticationToken"
		forbidden    = "Forbidden"
	)
	cases := []struct {
		name    string
		header  string // Authorization
		status  int
		code    string
		message string
	}{
		{"valid", "Bearer " + good, 200, "", ""},
		{"minted by MintToken", "Bearer " + minted, 200, "", ""},
		{"older role", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Roles = []string{"CallRecord-PstnCalls.Read.All"} }), 200, "", ""},
		{"Graph's app id as audience", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Aud = graphAppID }), 200, "", ""},
		{"expired within the skew", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Exp = at(-4 * time.Minute) }), 200, "", ""},
		{"not yet valid within the skew", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Nbf = at(4 * time.Minute) }), 200, "", ""},

		{"no token", "", 401, unauthorized, "Access token is empty."},
		{"opaque token", "Bearer opaque-token-without-dots", 401, unauthorized, "IDX14100: JWT is not well formed, there are no dots (.)."},
		{"two segments", "Bearer " + goodParts[0] + "." + goodParts[1], 401, unauthorized, "Access token validation failure. The token is malformed."},
		{"header not JSON", "Bearer bm90LWpzb24." + goodParts[1] + "." + goodParts[2], 401, unauthorized, "Access token validation failure. The token is malformed."},
		{"unsigned, alg none", "Bearer " + rawJWT(map[string]string{"alg": "none", "typ": "JWT"}, claimsOK, ""), 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"RS256 with an empty signature", "Bearer " + goodParts[0] + "." + goodParts[1] + ".", 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"lenient-style unsigned token", "Bearer " + jwt(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": float64(at(time.Hour))}), 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"HS256", "Bearer " + rawJWT(map[string]string{"alg": "HS256", "typ": "JWT", "kid": k.kid}, claimsOK, goodParts[2]), 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"another key", "Bearer " + forge(t, s, testKeys()[1], valid), 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"another key under the mock's kid", "Bearer " + func() string {
			other, _ := newSigningKey(testKeys()[1])
			other.kid = k.kid
			tok, _ := other.sign(claimsOK)
			return tok
		}(), 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"claims altered after signing", "Bearer " + func() string {
			c := claimsOK
			c.Roles = []string{"CallRecords.Read.All", "Directory.ReadWrite.All"}
			return rawJWT(map[string]string{"typ": "JWT", "alg": "RS256", "kid": k.kid}, c, goodParts[2])
		}(), 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"expired", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Iat, c.Nbf, c.Exp = at(-2*time.Hour), at(-2*time.Hour), at(-time.Hour) }), 401, unauthorized, "Lifetime validation failed, the token is expired."},
		{"not yet valid", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Nbf = at(10 * time.Minute) }), 401, unauthorized, "Access token has expired or is not yet valid."},
		{"wrong audience", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Aud = "https://management.azure.com" }), 401, unauthorized, "Access token validation failure. Invalid audience."},
		{"v2 issuer", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Iss = base + "/" + tid + "/v2.0" }), 401, unauthorized, "Access token validation failure. Invalid issuer."},
		{"another tenant's issuer", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Iss = issuerOf("72f988bf-86f1-41af-91ab-2d7cd011db47") }), 401, unauthorized, "Access token validation failure. Invalid issuer."},
		{"delegated (scp)", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Scp = "CallRecords.Read.All"; c.Roles = nil; c.Idtyp = "user" }), 403, forbidden, ""},
		{"delegated with roles too", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Scp = "User.Read" }), 403, forbidden, ""},
		{"no accepted role", "Bearer " + forge(t, s, nil, func(c *tokenClaims) { c.Roles = []string{"User.Read.All", "CallRecords.ReadWrite"} }), 403, forbidden, ""},
		{"no roles claim", "Bearer " + mintedNoRole, 403, forbidden, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			r := do(t, req)
			if c.status == 200 {
				if r.status != 200 {
					t.Errorf("status = %d, want 200: %s", r.status, r.body)
				}
				return
			}
			e := checkEnvelope(t, r, c.status, c.code)
			if e.Error.Message != nil && !strings.HasPrefix(*e.Error.Message, c.message) || c.message == "" && *e.Error.Message != "" {
				t.Errorf("message = %q, want %q", *e.Error.Message, c.message)
			}
		})
	}
}

func TestIssuedTokensPassLenientMode(t *testing.T) {
	_, base := newIdentityServer(t, AuthLenient)
	for _, c := range []struct {
		app    App
		status int
	}{{readerApp, 200}, {otherApp, 403}} {
		_, tr := postToken(t, base+"/contoso.com/oauth2/v2.0/token", credentials(c.app, "https://graph.microsoft.com/.default"))
		r := get(t, base+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "Authorization", "Bearer "+tr.AccessToken)
		if r.status != c.status {
			t.Errorf("lenient, app %s: status %d, want %d: %s", c.app.ClientID, r.status, c.status, r.body)
		}
	}
}

func TestIdentityConfigIsValidated(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  IdentityConfig
		want string
	}{
		{"empty client id", IdentityConfig{Apps: []App{{Secret: "s"}}}, "client id"},
		{"client id with a space", IdentityConfig{Apps: []App{{ClientID: "a b", Secret: "s"}}}, "client id"},
		{"empty secret", IdentityConfig{Apps: []App{{ClientID: "a"}}}, "empty secret"},
		{"duplicate", IdentityConfig{Apps: []App{{ClientID: "a", Secret: "s"}, {ClientID: "A", Secret: "t"}}}, "twice"},
		{"empty role", IdentityConfig{Apps: []App{{ClientID: "a", Secret: "s", Roles: []string{""}}}}, "role"},
		{"small key", IdentityConfig{Key: small}, "1024 bits"},
	}
	for _, c := range cases {
		_, err := New(scenarioDataset(t, "edges"), Config{Identity: c.cfg})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New = %v, want an error mentioning %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), `"s"`) {
			t.Errorf("%s: error %q repeats a secret", c.name, err)
		}
	}
}

func TestTenantID(t *testing.T) {
	a, _ := tenantID("contoso.onmicrosoft.com")
	b, _ := tenantID("CONTOSO.onmicrosoft.com")
	c, _ := tenantID("fabrikam.com")
	if a != b || a == c || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("tenantID: contoso %s, CONTOSO %s, fabrikam %s: want one stable version-8 GUID per name", a, b, c)
	}
	for _, bad := range []string{"", "-x", "a b", "a/b", strings.Repeat("a", 257)} {
		if _, ok := tenantID(bad); ok {
			t.Errorf("tenantID(%q) accepted", bad)
		}
	}
}
