package identity

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/internal/testkeys"
)

// testKeys are two RSA keys shared by the tests: the authority's and a
// stranger's.
var testKeys = testkeys.Keys

var identityNow = testkeys.Now()

// Apps of the tests: one with the report's role, one without.
var (
	readerApp = App{ClientID: testkeys.ReaderID, Secret: testkeys.ReaderSecret, Roles: []string{testkeys.ReaderRole}, Name: testkeys.ReaderName}
	otherApp  = App{ClientID: testkeys.OtherID, Secret: testkeys.OtherSecret, Roles: []string{testkeys.OtherRole}}
)

// newTestAuthority is the authority of the tests: both apps, the first test
// key, the fixed clock.
func newTestAuthority(tb testing.TB) *Authority {
	tb.Helper()
	a, err := New(Config{Apps: []App{readerApp, otherApp}, Key: testKeys()[0], Now: func() time.Time { return identityNow }})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// serve mounts a's endpoints as the server does (docs/contract.md#identity-and-https), behind a
// host that gives every answer a request-id and echoes the client-request-id,
// and returns the base URL.
func serve(tb testing.TB, a *Authority) string {
	tb.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /{tenant}/v2.0/.well-known/openid-configuration", a.OpenIDConfiguration())
	mux.Handle("GET /{tenant}/discovery/v2.0/keys", a.Keys())
	mux.Handle("/{tenant}/oauth2/v2.0/token", a.Token())
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		rand.Read(b[:])
		w.Header().Set("request-id", formatGUID(b[:], 0x40))
		w.Header().Set("client-request-id", r.Header.Get("client-request-id"))
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(ts.Close)
	return ts.URL
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(tb testing.TB, req *http.Request) response {
	tb.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func get(tb testing.TB, rawURL string) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return do(tb, req)
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
func postToken(tb testing.TB, rawURL string, form url.Values, headers ...string) (response, tokenResponse) {
	tb.Helper()
	return postBody(tb, rawURL, form.Encode(), headers...)
}

// postBody sends a token request with the given form-encoded body.
func postBody(tb testing.TB, rawURL, body string, headers ...string) (response, tokenResponse) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	r := do(tb, req)
	var tr tokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		tb.Fatalf("token response is not JSON: %v\n%s", err, r.body)
	}
	return r, tr
}

func credentials(app App, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.Secret}, "scope": {scope}}
}

// basic is an Authorization header of HTTP Basic credentials, form-encoded
// inside as RFC 6749 §2.3.1 says.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// payload decodes a JWT's claims without verifying it.
func payload(tb testing.TB, token string) map[string]any {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// rawJWT joins a header and claims as JSON with the given signature.
func rawJWT(header, claims any, sig string) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + sig
}
