package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSecretsNeverLeak drives the mock with a bearer token, a client secret
// and the admin key, right and wrong, and checks that none of them appears in
// the logs (text and JSON), the journal, or any answer.
func TestSecretsNeverLeak(t *testing.T) {
	const (
		adminKey = "admin-key-5d3c1f"
		secret   = "client-secret-9a7b2e"
		token    = "opaque-token-4e8f0a"
		wrongKey = "wrong-admin-key-77aa"
		wrongSec = "wrong-secret-31cc"
	)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			env := map[string]string{"DIALOUTMOCK_ADMIN_KEY": adminKey}
			base, stdout, stderr := startMockOutput(t, env, "--log", format,
				"--app", "11111111-1111-4111-8111-111111111111:"+secret+":CallRecords.Read.All")
			var bodies strings.Builder
			do := func(method, path string, body io.Reader, header ...string) {
				req, _ := http.NewRequest(method, base+path, body)
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				bodies.Write(b)
				for k, v := range resp.Header {
					bodies.WriteString(k + ": " + strings.Join(v, ",") + "\n")
				}
			}
			form := func(s string) io.Reader {
				return strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "client_id": {"11111111-1111-4111-8111-111111111111"},
					"client_secret": {s}, "scope": {"https://graph.microsoft.com/.default"}}.Encode())
			}
			ct := "application/x-www-form-urlencoded"
			report := fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
			do("GET", report, nil, "Authorization", "Bearer "+token)
			do("GET", report+"?$skip=-1", nil, "Authorization", "Bearer "+token)
			do("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", form(secret), "Content-Type", ct)
			do("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", form(wrongSec), "Content-Type", ct)
			do("GET", "/_mock/requests", nil, "X-Admin-Key", wrongKey)
			do("POST", "/_mock/faults", strings.NewReader(`{"times":1,"status":401}`), "X-Admin-Key", adminKey)
			do("GET", report, nil, "Authorization", "Bearer "+token)
			do("GET", "/_mock/requests", nil, "X-Admin-Key", adminKey) // the journal
			waitLog(t, stderr, "/_mock/requests", 2)                   // the log lines of every request above

			everything := stdout.String() + stderr.String() + bodies.String()
			for _, s := range []string{adminKey, secret, token, wrongKey, wrongSec} {
				if strings.Contains(everything, s) {
					t.Errorf("%q leaks into the logs, the journal or an answer", s)
				}
			}
			if !strings.Contains(bodies.String(), `"Authorization":"Bearer"`) {
				t.Error("the journal does not show the redacted Authorization header: was it read?")
			}
		})
	}
}
