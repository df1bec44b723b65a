package server

import (
	"crypto/tls"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/devcert"
	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/testkeys"
)

// The identity platform as the server mounts it (package identity tests
// the endpoints and the token checks themselves).

// testKeys are two RSA keys shared by the tests: the mock's and a
// stranger's.
var testKeys = testkeys.Keys

var identityNow = testkeys.Now()

// Apps of the identity tests: one with the report's role, one without.
var (
	readerApp = identity.App{ClientID: testkeys.ReaderID, Secret: testkeys.ReaderSecret, Roles: []string{testkeys.ReaderRole}, Name: testkeys.ReaderName}
	otherApp  = identity.App{ClientID: testkeys.OtherID, Secret: testkeys.OtherSecret, Roles: []string{testkeys.OtherRole}}
)

func newIdentityServer(t *testing.T, mode AuthMode) (*Server, string) {
	t.Helper()
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{
		Auth:     mode,
		Now:      func() time.Time { return identityNow },
		Identity: identity.Config{Apps: []identity.App{readerApp, otherApp}, Key: testKeys()[0]},
	})
	return s, ts.URL
}

// tokenResponse is the token endpoint's body, success or failure.
type tokenResponse struct {
	AccessToken   string `json:"access_token"`
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	ErrorCodes    []int  `json:"error_codes"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
}

// postToken sends a token request with the given form fields and extra
// headers (name, value pairs).
func postToken(t *testing.T, rawURL string, form url.Values, headers ...string) (response, tokenResponse) {
	t.Helper()
	r := send(t, http.MethodPost, rawURL, []byte(form.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
	var tr tokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		t.Fatalf("token response is not JSON: %v\n%s", err, r.body)
	}
	return r, tr
}

func credentials(app identity.App, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.Secret}, "scope": {scope}}
}

// forge signs the claims the mock issues to readerApp, edited, with the
// authority given.
func forge(t *testing.T, a *identity.Authority, edit func(*identity.Claims)) string {
	t.Helper()
	cl, err := a.Claims(readerApp, "contoso.onmicrosoft.com")
	if err != nil {
		t.Fatal(err)
	}
	edit(&cl)
	tok, err := a.Sign(cl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func seconds(f float64) *identity.NumericDate { d := identity.NumericDate(f); return &d }

// TestStrictAuth checks Graph's answer to each reason identity refuses a
// token for (identity's TestVerify checks which tokens give which reason).
func TestStrictAuth(t *testing.T) {
	s, base := newIdentityServer(t, AuthStrict)
	mock := s.Identity()
	stranger, err := identity.New(identity.Config{Apps: []identity.App{readerApp}, Key: testKeys()[1], Now: func() time.Time { return identityNow }})
	if err != nil {
		t.Fatal(err)
	}
	valid := func(*identity.Claims) {}
	good := forge(t, mock, valid)
	goodParts := strings.Split(good, ".")
	minted, err := mock.Mint("CallRecords.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	mintedNoRole, err := mock.Mint()
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) *identity.NumericDate { return identity.NewNumericDate(identityNow.Add(d)) }

	const (
		unauthorized = "InvalidAuthenticationToken"
		forbidden    = "Forbidden"
	)
	cases := []struct {
		name    string
		header  string // Authorization; "-" sends none
		status  int
		code    string
		message string
	}{
		{"valid", "Bearer " + good, 200, "", ""},
		{"minted by Mint", "Bearer " + minted, 200, "", ""},
		{"Graph's app id as audience", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Aud = identity.Audience{"00000003-0000-0000-c000-000000000000"} }), 200, "", ""},
		{"expired within the skew", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Exp = at(-4 * time.Minute) }), 200, "", ""},
		{"exp 2^63-1", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Exp = seconds(math.MaxInt64) }), 200, "", ""},

		{"no token", "-", 401, unauthorized, "Access token is empty. No Authorization header was sent"},
		{"empty bearer", "Bearer ", 401, unauthorized, "Access token is empty."},
		{"opaque token", "Bearer opaque-token-without-dots", 401, unauthorized, "IDX14100: JWT is not well formed, there are no dots (.)."},
		{"two segments", "Bearer " + goodParts[0] + "." + goodParts[1], 401, unauthorized, "Access token validation failure. The token is malformed."},
		{"another key", "Bearer " + forge(t, stranger, valid), 401, unauthorized, "Access token validation failure. Invalid signature."},
		{"expired", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Iat, c.Nbf, c.Exp = at(-2*time.Hour), at(-2*time.Hour), at(-time.Hour) }), 401, unauthorized, "Lifetime validation failed, the token is expired."},
		{"not yet valid", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Nbf = at(10 * time.Minute) }), 401, unauthorized, "Access token has expired or is not yet valid."},
		{"nbf 2^63-300", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Nbf = seconds(math.MaxInt64 - 300) }), 401, unauthorized, "Access token has expired or is not yet valid."},
		{"wrong audience", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Aud = identity.Audience{"https://management.azure.com"} }), 401, unauthorized, "Access token validation failure. Invalid audience."},
		{"v2 issuer", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Iss = base + "/" + c.Tid + "/v2.0" }), 401, unauthorized, "Access token validation failure. Invalid issuer."},
		{"delegated (scp)", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Scp = "CallRecords.Read.All"; c.Roles = nil; c.Idtyp = "user" }), 403, forbidden, ""},
		{"no accepted role", "Bearer " + forge(t, mock, func(c *identity.Claims) { c.Roles = []string{"User.Read.All", "CallRecords.ReadWrite"} }), 403, forbidden, ""},
		{"no roles claim", "Bearer " + mintedNoRole, 403, forbidden, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", nil)
			if c.header != "-" {
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

func TestIdentityFollowsThePublicURL(t *testing.T) {
	pub, _ := url.Parse("https://mock.example.test:8443/graph")
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PublicURL: pub, Identity: identity.Config{Key: testKeys()[0]}})
	r := get(t, ts.URL+"/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/.well-known/openid-configuration")
	var doc map[string]any
	json.Unmarshal(r.body, &doc)
	if want := "https://mock.example.test:8443/graph/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"; doc["issuer"] != want {
		t.Errorf("issuer = %v, want %s", doc["issuer"], want)
	}
}

// TestIdentityFollowsHTTPS: served over TLS, the identity endpoints name the
// https base the client used.
func TestIdentityFollowsHTTPS(t *testing.T) {
	cert, err := devcert.New(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(scenarioDataset(t, "edges"), Config{Identity: identity.Config{Key: testKeys()[0]}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s)
	ts.TLS = cert.ServerConfig()
	ts.StartTLS()
	t.Cleanup(ts.Close)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.CertPool()}}}
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Get(ts.URL + "/common/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	json.NewDecoder(resp.Body).Decode(&doc)
	if iss, _ := doc["issuer"].(string); !strings.HasPrefix(iss, ts.URL+"/") || !strings.HasPrefix(ts.URL, "https://") {
		t.Errorf("issuer = %v, want it under %s", doc["issuer"], ts.URL)
	}
}

func TestDefaultApp(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Auth: AuthStrict, Identity: identity.Config{Key: testKeys()[0]}})
	r, tr := postToken(t, ts.URL+"/common/oauth2/v2.0/token", credentials(identity.DefaultApp(), "https://graph.microsoft.com/.default"))
	if r.status != http.StatusOK {
		t.Fatalf("default app: status %d: %s", r.status, r.body)
	}
	if got := get(t, ts.URL+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "Authorization", "Bearer "+tr.AccessToken); got.status != http.StatusOK {
		t.Errorf("report with the default app's token: status %d: %s", got.status, got.body)
	}
}

func TestIssuedTokensPassLenientMode(t *testing.T) {
	_, base := newIdentityServer(t, AuthLenient)
	for _, c := range []struct {
		app    identity.App
		status int
	}{{readerApp, 200}, {otherApp, 403}} {
		_, tr := postToken(t, base+"/contoso.com/oauth2/v2.0/token", credentials(c.app, "https://graph.microsoft.com/.default"))
		r := get(t, base+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "Authorization", "Bearer "+tr.AccessToken)
		if r.status != c.status {
			t.Errorf("lenient, app %s: status %d, want %d: %s", c.app.ClientID, r.status, c.status, r.body)
		}
	}
}

// TestIdentityErrorsThroughTheServer: the identity platform's errors carry
// the server's request-id as trace_id and the client's client-request-id,
// and are journaled.
func TestIdentityErrorsThroughTheServer(t *testing.T) {
	s, base := newIdentityServer(t, AuthStrict)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		r := send(t, method, base+"/contoso.com/oauth2/v2.0/token", []byte("grant_type=password"),
			"Content-Type", "application/x-www-form-urlencoded", "client-request-id", "0c1f3a77-ffd8-4a2b-9b3c-7c3e8a1d2e4f")
		var tr tokenResponse
		if err := json.Unmarshal(r.body, &tr); err != nil || r.status != http.StatusBadRequest || tr.Error == "" {
			t.Fatalf("%s: answer %d %s, want 400 in the identity platform's shape", method, r.status, r.body)
		}
		if tr.TraceID == "" || tr.TraceID != r.header.Get("request-id") {
			t.Errorf("%s: trace_id = %q, want the request-id %q", method, tr.TraceID, r.header.Get("request-id"))
		}
		if tr.CorrelationID != "0c1f3a77-ffd8-4a2b-9b3c-7c3e8a1d2e4f" {
			t.Errorf("%s: correlation_id = %q, want the client-request-id sent", method, tr.CorrelationID)
		}
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s: Cache-Control = %q, want no-store", method, cc)
		}
	}
	if j := s.Journal(JournalFilter{Path: "oauth2"}); len(j) != 2 || j[0].Status != 400 || j[1].Method != http.MethodGet {
		t.Errorf("journal = %+v, want both token requests with their 400", j)
	}
}

// TestFaultsOnTheIdentityEndpoints: a fault whose path names the token
// endpoint fires there, in the identity platform's shape, so token-retry
// logic can be tested; faults without a path stand for Graph's and leave
// the identity endpoints alone (issue 11, item 10).
func TestFaultsOnTheIdentityEndpoints(t *testing.T) {
	s, base := newIdentityServer(t, AuthLenient)
	token := base + "/contoso.com/oauth2/v2.0/token"
	creds := credentials(readerApp, "https://graph.microsoft.com/.default")
	queue := func(body string) {
		t.Helper()
		if r := send(t, http.MethodPost, base+"/_mock/faults", []byte(body)); r.status != http.StatusCreated {
			t.Fatalf("queue %s: %d %s", body, r.status, r.body)
		}
	}
	cases := []struct {
		fault      string
		status     int
		error      string
		code       int
		retryAfter string
	}{
		{`{"path":"oauth2","status":429,"retryAfter":2,"times":1}`, 429, "temporarily_unavailable", 90055, "2"},
		{`{"path":"/oauth2/v2.0/token","status":503,"times":1}`, 503, "temporarily_unavailable", 90033, "1"},
		{`{"path":"oauth2","status":500,"times":1}`, 500, "server_error", 50000, ""},
		{`{"path":"token","status":401,"times":1}`, 401, "invalid_client", 7000215, ""},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			queue(c.fault)
			// Graph requests do not match the fault's path.
			if r := get(t, base+october); r.status != http.StatusOK {
				t.Fatalf("report with an identity fault queued: %d %s", r.status, r.body)
			}
			r, tr := postToken(t, token, creds)
			if r.status != c.status || tr.Error != c.error || len(tr.ErrorCodes) != 1 || tr.ErrorCodes[0] != c.code || tr.AccessToken != "" {
				t.Errorf("faulted token request = %d %s, want %d %s [%d]", r.status, r.body, c.status, c.error, c.code)
			}
			if !strings.HasPrefix(tr.Description, "AADSTS") || tr.TraceID != r.header.Get("request-id") {
				t.Errorf("error_description %q, trace_id %q: want Entra's shape with the request-id", tr.Description, tr.TraceID)
			}
			if got := r.header.Get("Retry-After"); got != c.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, c.retryAfter)
			}
			if r, tr := postToken(t, token, creds); r.status != http.StatusOK || tr.AccessToken == "" {
				t.Errorf("the request after the fault = %d %s, want a token", r.status, r.body)
			}
		})
	}
	j := s.Journal(JournalFilter{Path: "oauth2"})
	if len(j) != 2*len(cases) || j[0].Fault != "429" || j[1].Fault != "" {
		t.Errorf("journal of token requests = %+v, want each fault marked", j)
	}

	// A fault without a path fires on Graph's function, never on a token
	// request; one matching Graph's path neither.
	queue(`{"status":503,"times":1}`)
	queue(`{"path":"getPstn","status":500,"times":1}`)
	if r, _ := postToken(t, token, creds); r.status != http.StatusOK {
		t.Errorf("token request with Graph faults queued = %d %s, want 200", r.status, r.body)
	}
	if r := get(t, base+october); r.status != http.StatusServiceUnavailable {
		t.Errorf("report = %d, want the pathless 503", r.status)
	}
}
