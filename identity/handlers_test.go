package identity

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTokenEndpointIssuesGraphAppTokens(t *testing.T) {
	base := serve(t, newTestAuthority(t))
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
			[]string{"Authorization", basic(readerApp.ClientID, readerApp.Secret)},
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
	base := serve(t, newTestAuthority(t))
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
	base := serve(t, newTestAuthority(t))
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

// TestTokenEndpointRefusesWhatEntraRefuses: a body over the limit answered
// in the identity platform's shape, a parameter sent twice, credentials sent
// two ways that disagree, and certificate credentials (issue 11, item 11).
func TestTokenEndpointRefusesWhatEntraRefuses(t *testing.T) {
	base := serve(t, newTestAuthority(t))
	endpoint := base + "/contoso.com/oauth2/v2.0/token"
	graphScope := "https://graph.microsoft.com/.default"
	ok := credentials(readerApp, graphScope)
	with := func(k string, vs ...string) string {
		f := credentials(readerApp, graphScope)
		f[k] = vs
		return f.Encode()
	}
	cases := []struct {
		name, body, authorization string
		status                    int
		error                     string
		code                      int
		mention                   string
	}{
		{"body over 64 KiB", ok.Encode() + "&pad=" + strings.Repeat("x", 64<<10), "", 413, "invalid_request", 90004, "over 64 KiB"},
		{"grant_type twice", with("grant_type", "client_credentials", "client_credentials"), "", 400, "invalid_request", 9000411, "The parameter 'grant_type' is duplicated."},
		{"secret twice, the right one first", with("client_secret", readerApp.Secret, "guess"), "", 400, "invalid_request", 9000411, "'client_secret' is duplicated"},
		{"scope twice", with("scope", graphScope, "https://management.azure.com/.default"), "", 400, "invalid_request", 9000411, "'scope' is duplicated"},
		{"an ignored field twice", ok.Encode() + "&x-client-SKU=a&x-client-SKU=b", "", 400, "invalid_request", 9000411, "'x-client-SKU' is duplicated"},
		{"wrong secret in Basic, right in the body", ok.Encode(), basic(readerApp.ClientID, "guess"), 401, "invalid_client", 7000215, "Invalid client secret provided"},
		{"right secret in Basic, wrong in the body", with("client_secret", "guess"), basic(readerApp.ClientID, readerApp.Secret), 401, "invalid_client", 7000215, "Invalid client secret provided"},
		{"another client id in Basic", ok.Encode(), basic(otherApp.ClientID, otherApp.Secret), 400, "invalid_request", 9000411, "'client_id' is duplicated"},
		{"certificate credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {readerApp.ClientID}, "scope": {graphScope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}}.Encode(),
			"", 401, "invalid_client", 700027, "does not support certificate credentials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.authorization != "" {
				headers = []string{"Authorization", c.authorization}
			}
			r, tr := postBody(t, endpoint, c.body, headers...)
			if r.status != c.status || tr.Error != c.error || !cmp.Equal(tr.ErrorCodes, []int{c.code}) {
				t.Errorf("answer = %d %q %v, want %d %q [%d]: %s", r.status, tr.Error, tr.ErrorCodes, c.status, c.error, c.code, r.body)
			}
			if prefix := "AADSTS" + strconv.Itoa(c.code) + ": "; !strings.HasPrefix(tr.Description, prefix) || !strings.Contains(tr.Description, c.mention) {
				t.Errorf("error_description = %q, want it to start %q and mention %q", tr.Description, prefix, c.mention)
			}
			if tr.AccessToken != "" || strings.Contains(string(r.body), readerApp.Secret) {
				t.Errorf("the answer carries a token or repeats a secret: %s", r.body)
			}
		})
	}

	// The same credentials sent both ways, agreeing, still get a token.
	r, tr := postToken(t, endpoint, ok, "Authorization", basic(strings.ToUpper(readerApp.ClientID), readerApp.Secret))
	if r.status != http.StatusOK || tr.AccessToken == "" {
		t.Errorf("agreeing Basic and body credentials: %d %s, want a token", r.status, r.body)
	}
}

func TestFailureShapes(t *testing.T) {
	cases := []struct {
		status, retryAfter int
		error              string
		code, wantRetry    int
	}{
		{401, 0, "invalid_client", 7000215, 0},
		{403, 0, "unauthorized_client", 7000112, 0},
		{429, 7, "temporarily_unavailable", 90055, 7},
		{429, 0, "temporarily_unavailable", 90055, 1},
		{500, 0, "server_error", 50000, 0},
		{503, 3, "temporarily_unavailable", 90033, 3},
		{504, 0, "temporarily_unavailable", 90012, 0},
	}
	for _, c := range cases {
		e := Failure(c.status, c.retryAfter)
		if e.Status != c.status || e.Code != c.error || e.AADSTS != c.code || e.RetryAfter != c.wantRetry || e.Description == "" {
			t.Errorf("Failure(%d, %d) = %+v, want %d %s AADSTS%d, Retry-After %d", c.status, c.retryAfter, e, c.status, c.error, c.code, c.wantRetry)
		}
	}
}

// TestWriteErrorWithoutAHost: standalone, the trace id is new and the
// correlation id is the client's.
func TestWriteErrorWithoutAHost(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/common/oauth2/v2.0/token", nil)
	req.Header.Set("client-request-id", "c-1")
	WriteError(rec, req, Failure(http.StatusTooManyRequests, 2), identityNow)
	var tr tokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "2" || !guidRE.MatchString(tr.TraceID) || tr.CorrelationID != "c-1" {
		t.Errorf("answer = %d, Retry-After %q, trace_id %q, correlation_id %q: want 429, 2, a GUID, c-1",
			rec.Code, rec.Header().Get("Retry-After"), tr.TraceID, tr.CorrelationID)
	}
}
