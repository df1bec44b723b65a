package identitytest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/dialoutkit/dialoutkit/devcert"
	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/report"
	"github.com/dialoutkit/dialoutkit/server"
)

const fn = "/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport"

// The apps of these tests: one holding the report's role, one without it.
var (
	reader = identity.App{ClientID: "6731de76-14a6-49ae-97bc-6eba6914391e", Secret: "r3ader~Secret.With-Symbols_", Roles: []string{"CallRecords.Read.All"}}
	other  = identity.App{ClientID: "0a0b0c0d-1e1f-4a4b-8c8d-9e9f0a0b0c0d", Secret: "other-secret", Roles: []string{"User.Read.All"}}
)

// startMock serves the mock over fixtures/scenarios/edges.json with HTTPS,
// strict auth and pages of 2, and returns its base URL and an HTTP client
// that trusts only the CA PEM the mock generated, read back from a file as a
// user's SSL_CERT_FILE would be.
func startMock(t *testing.T) (string, *http.Client) {
	t.Helper()
	b, err := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := report.DecodeScenario(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := sc.CallLedger()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Dataset{Source: ds, Version: "identitytest", Name: "edges"}, server.Config{
		Auth:     server.AuthStrict,
		PageSize: 2,
		Identity: identity.Config{Apps: []identity.App{reader, other}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := devcert.New(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes refused on purpose are not news
	ts.TLS = cert.ServerConfig()
	ts.StartTLS()
	t.Cleanup(ts.Close)

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, cert.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the CA file holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(client.CloseIdleConnections)
	return ts.URL, client
}

// credential is azidentity's ClientSecretCredential with the mock as its
// authority, configured as the README tells users to.
func credential(t *testing.T, base string, client *http.Client, tenant string, app identity.App) *azidentity.ClientSecretCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(tenant, app.ClientID, app.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: base + "/"},
			Transport: client,
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func graphToken(ctx context.Context, cred *azidentity.ClientSecretCredential) (string, error) {
	tk, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	return tk.Token, err
}

// getReport sends one GET with a bearer token.
func getReport(t *testing.T, client *http.Client, link, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestAzidentityTokenPagesTheReport(t *testing.T) {
	base, client := startMock(t)
	ctx := context.Background()
	for _, tenant := range []string{"contoso.onmicrosoft.com", "72f988bf-86f1-41af-91ab-2d7cd011db47"} {
		t.Run(tenant, func(t *testing.T) {
			token, err := graphToken(ctx, credential(t, base, client, tenant, reader))
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			var rows, pages int
			for link := base + fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"; link != ""; pages++ {
				status, body := getReport(t, client, link, token)
				if status != http.StatusOK {
					t.Fatalf("GET %s: %d %s", link, status, body)
				}
				var p struct {
					Count    int               `json:"@odata.count"`
					NextLink string            `json:"@odata.nextLink"`
					Value    []json.RawMessage `json:"value"`
				}
				if err := json.Unmarshal(body, &p); err != nil {
					t.Fatal(err)
				}
				if p.Count != len(p.Value) || len(p.Value) > 2 {
					t.Errorf("page %d: @odata.count %d, %d entries: want equal and at most 2", pages+1, p.Count, len(p.Value))
				}
				if p.NextLink != "" && !strings.HasPrefix(p.NextLink, base+"/beta/") {
					t.Errorf("nextLink %s is not under %s", p.NextLink, base)
				}
				rows, link = rows+len(p.Value), p.NextLink
				if pages > 100 {
					t.Fatal("a nextLink loop")
				}
			}
			if rows != 9 || pages != 5 {
				t.Errorf("walked %d rows in %d pages, want October's 9 rows in 5 pages of 2", rows, pages)
			}
		})
	}
}

func TestWrongSecretFailsAtTheTokenStep(t *testing.T) {
	base, client := startMock(t)
	app := reader
	app.Secret = "not-the-secret"
	_, err := graphToken(context.Background(), credential(t, base, client, "contoso.onmicrosoft.com", app))
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) {
		t.Fatalf("GetToken with a wrong secret = %v, want an AuthenticationFailedError", err)
	}
	if authErr.RawResponse == nil || authErr.RawResponse.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("GetToken with a wrong secret = %v, want 401 invalid_client AADSTS7000215", err)
	}

	app = identity.App{ClientID: "11111111-1111-4111-8111-111111111111", Secret: "x"}
	_, err = graphToken(context.Background(), credential(t, base, client, "contoso.onmicrosoft.com", app))
	if err == nil || !strings.Contains(err.Error(), "AADSTS700016") {
		t.Errorf("GetToken for an unknown client = %v, want AADSTS700016", err)
	}
}

func TestAppWithoutAcceptedRoleGets403(t *testing.T) {
	base, client := startMock(t)
	token, err := graphToken(context.Background(), credential(t, base, client, "contoso.onmicrosoft.com", other))
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	status, body := getReport(t, client, base+fn+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", token)
	var e struct {
		Error struct {
			Code    string  `json:"code"`
			Message *string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	if status != http.StatusForbidden || e.Error.Code != "Forbidden" || e.Error.Message == nil || *e.Error.Message != "" {
		t.Errorf("report with a token lacking CallRecords.Read.All: %d %s, want 403 Forbidden with an empty message", status, body)
	}
}

func TestUntrustedCertificateFails(t *testing.T) {
	base, _ := startMock(t)
	cred, err := azidentity.NewClientSecretCredential("contoso.onmicrosoft.com", reader.ClientID, reader.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: base + "/"},
			Transport: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}},
			Retry:     policy.RetryOptions{MaxRetries: -1},
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// MSAL reports the transport's error as text only.
	if _, err := graphToken(context.Background(), cred); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("GetToken without trusting the mock's CA = %v, want an unknown authority error", err)
	}
}
