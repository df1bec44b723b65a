package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/binarytest"
)

// The identity platform's defects of issue 11, as its users saw them
// through the binary: items 9 (strict auth's time claims), 10 (faults on the
// token endpoint), 11 (what the token endpoint refuses) and 14 (the 401 of a
// request without a token).

// call sends a request to the binary and returns its status, headers and
// body.
var call = binarytest.Call

// identityAnswer is the identity platform's error shape (and a token).
type identityAnswer = binarytest.IdentityAnswer

func TestNoTokenHintThroughTheBinary(t *testing.T) {
	p := startBinary(t, "--scenario", filepath.Join("..", "..", "fixtures", "scenarios", "edges.json"))
	status, _, body := call(t, http.MethodGet, p.base+fn+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "")
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	json.Unmarshal(body, &e)
	if status != 401 || e.Error.Code != "InvalidAuthenticationToken" || !strings.HasPrefix(e.Error.Message, "Access token is empty. No Authorization header was sent") ||
		!strings.Contains(e.Error.Message, "--tls") || !strings.Contains(e.Error.Message, "--auth none") {
		t.Errorf("report without a token = %d %s, want 401 InvalidAuthenticationToken, Access token is empty. and a hint naming --tls and --auth none", status, body)
	}
}

func TestTokenEndpointThroughTheBinary(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := writeFile(t, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	p := startBinary(t, "--auth", "strict", "--token-key", keyFile, "--app", "reader:r3ader-s3cret:CallRecords.Read.All",
		"--scenario", filepath.Join("..", "..", "fixtures", "scenarios", "edges.json"))
	endpoint := p.base + "/contoso.onmicrosoft.com/oauth2/v2.0/token"
	creds := url.Values{"grant_type": {"client_credentials"}, "client_id": {"reader"}, "client_secret": {"r3ader-s3cret"},
		"scope": {"https://graph.microsoft.com/.default"}}
	form := "application/x-www-form-urlencoded"
	token := func(body string, headers ...string) (int, http.Header, identityAnswer) {
		t.Helper()
		status, h, b := call(t, http.MethodPost, endpoint, body, append([]string{"Content-Type", form}, headers...)...)
		var a identityAnswer
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("token endpoint answered %d %s: not the identity platform's JSON", status, b)
		}
		return status, h, a
	}

	t.Run("item 11: refusals", func(t *testing.T) {
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("reader:guess"))
		cases := []struct {
			name, body string
			headers    []string
			status     int
			error      string
			code       int
		}{
			{"body over the limit", creds.Encode() + "&pad=" + strings.Repeat("x", 70<<10), nil, 413, "invalid_request", 90004},
			{"a parameter twice", creds.Encode() + "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default", nil, 400, "invalid_request", 9000411},
			{"a wrong secret in Basic, the right one in the body", creds.Encode(), []string{"Authorization", basic}, 401, "invalid_client", 7000215},
			{"a client assertion", "grant_type=client_credentials&client_id=reader&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" +
				"&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
				nil, 401, "invalid_client", 700027},
		}
		for _, c := range cases {
			status, _, a := token(c.body, c.headers...)
			if status != c.status || a.Error != c.error || len(a.Codes) != 1 || a.Codes[0] != c.code || a.AccessToken != "" {
				t.Errorf("%s: %d %+v, want %d %s [%d]", c.name, status, a, c.status, c.error, c.code)
			}
		}
		if _, _, a := token(cases[3].body); !strings.Contains(a.Description, "certificate credentials") {
			t.Errorf("client assertion: %q, want it to say certificate credentials are not supported", a.Description)
		}
	})

	t.Run("item 10: a fault on the token endpoint", func(t *testing.T) {
		status, _, b := call(t, http.MethodPost, p.base+"/_mock/faults", `{"path":"oauth2","status":429,"retryAfter":3,"times":1}`)
		if status != http.StatusCreated {
			t.Fatalf("queue the fault: %d %s", status, b)
		}
		status, h, a := token(creds.Encode())
		if status != 429 || a.Error != "temporarily_unavailable" || !strings.HasPrefix(a.Description, "AADSTS90055: ") || h.Get("Retry-After") != "3" {
			t.Errorf("faulted token request = %d %+v, Retry-After %q: want 429 temporarily_unavailable AADSTS90055, Retry-After 3", status, a, h.Get("Retry-After"))
		}
		if status, _, a := token(creds.Encode()); status != 200 || a.AccessToken == "" {
			t.Errorf("the next token request = %d %+v, want a token", status, a)
		}
	})

	t.Run("item 9: time claims at the edges", func(t *testing.T) {
		a, err := identity.New(identity.Config{Key: key})
		if err != nil {
			t.Fatal(err)
		}
		signed := func(edit func(*identity.Claims)) string {
			cl, err := a.Claims(identity.App{ClientID: "reader", Roles: []string{"CallRecords.Read.All"}}, "contoso.onmicrosoft.com")
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
		at := func(sec float64) *identity.NumericDate { d := identity.NumericDate(sec); return &d }
		cases := []struct {
			name    string
			edit    func(*identity.Claims)
			status  int
			message string
		}{
			{"as issued", func(*identity.Claims) {}, 200, ""},
			{"exp 2^63-1", func(c *identity.Claims) { c.Exp = at(math.MaxInt64) }, 200, ""},
			{"nbf 2^63-300", func(c *identity.Claims) { c.Nbf = at(math.MaxInt64 - 300) }, 401, "Access token has expired or is not yet valid."},
			{"exp -2^63", func(c *identity.Claims) { c.Exp = at(math.MinInt64) }, 401, "Lifetime validation failed, the token is expired."},
		}
		for _, c := range cases {
			status, _, b := call(t, http.MethodGet, p.base+fn+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "", "Authorization", "Bearer "+signed(c.edit))
			if status != c.status || !strings.Contains(string(b), c.message) {
				t.Errorf("%s: %d %s, want %d %q", c.name, status, b, c.status, c.message)
			}
		}
	})
}
