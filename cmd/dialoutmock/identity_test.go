package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/devcert"
	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/cli"
)

func parseTest(t *testing.T, args []string, env map[string]string) (config, error) {
	t.Helper()
	return parseConfig(args, func(k string) string { return env[k] }, io.Discard, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIdentityFlagsPrecedence(t *testing.T) {
	apps := writeFile(t, "apps.json", `{"apps":[{"clientId":"f1","clientSecret":"fs","roles":["CallRecords.Read.All"],"displayName":"From a file"}]}`)
	type app struct{ ID, Secret, Roles, Name string }
	appsOf := func(c config) any {
		var out []app
		for _, a := range c.identity.server.Apps {
			out = append(out, app{a.ClientID, a.Secret, strings.Join(a.Roles, "+"), a.Name})
		}
		return out
	}
	tlsOf := func(c config) any { return c.identity.tls }
	def := identity.DefaultApp()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		get  func(config) any
		want any
	}{
		{"default app", nil, nil, appsOf, []app{{def.ClientID, def.Secret, "CallRecords.Read.All", def.Name}}},
		{"env apps, ; separated", nil, map[string]string{"DIALOUTMOCK_APPS": "a1:s1:CallRecords.Read.All ; a2:s2:User.Read.All+CallRecord-PstnCalls.Read.All;"}, appsOf,
			[]app{{"a1", "s1", "CallRecords.Read.All", ""}, {"a2", "s2", "User.Read.All+CallRecord-PstnCalls.Read.All", ""}}},
		{"env app under the flag's own name", nil, map[string]string{"DIALOUTMOCK_APP": "a1:s1:R"}, appsOf, []app{{"a1", "s1", "R", ""}}},
		{"app without roles", []string{"--app", "a1:s1", "--app", "a2:s2:"}, nil, appsOf, []app{{"a1", "s1", "", ""}, {"a2", "s2", "", ""}}},
		{"flags beat env", []string{"--app", "f1:fs:R1", "--app=f2:fs2:R2"}, map[string]string{"DIALOUTMOCK_APPS": "e1:es:R", "DIALOUTMOCK_APP": "e2:es:R"}, appsOf,
			[]app{{"f1", "fs", "R1", ""}, {"f2", "fs2", "R2", ""}}},
		{"apps file", []string{"--apps-file", apps}, nil, appsOf, []app{{"f1", "fs", "CallRecords.Read.All", "From a file"}}},
		{"apps file from env, with env apps", nil, map[string]string{"DIALOUTMOCK_APPS_FILE": apps, "DIALOUTMOCK_APPS": "a1:s1:R"}, appsOf,
			[]app{{"f1", "fs", "CallRecords.Read.All", "From a file"}, {"a1", "s1", "R", ""}}},

		{"no TLS by default", nil, nil, tlsOf, tlsConfig{}},
		{"env TLS", nil, map[string]string{"DIALOUTMOCK_TLS": "true", "DIALOUTMOCK_TLS_CA_OUT": "/x/ca.pem"}, tlsOf, tlsConfig{enabled: true, caOut: "/x/ca.pem"}},
		{"flag beats env TLS", []string{"--tls=false"}, map[string]string{"DIALOUTMOCK_TLS": "true"}, tlsOf, tlsConfig{}},
		{"env TLS names, comma-separated", []string{"--tls"}, map[string]string{"DIALOUTMOCK_TLS_NAME": "mock.test, 10.0.0.7"}, tlsOf,
			tlsConfig{enabled: true, names: []string{"mock.test", "10.0.0.7"}}},
		{"flag TLS names beat env", []string{"--tls", "--tls-name", "a.test", "--tls-name", "b.test"}, map[string]string{"DIALOUTMOCK_TLS_NAME": "env.test"}, tlsOf,
			tlsConfig{enabled: true, names: []string{"a.test", "b.test"}}},
		{"loaded certificate implies TLS", []string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, nil, tlsOf, tlsConfig{enabled: true, certFile: "c.pem", keyFile: "k.pem"}},
		{"env loaded certificate", nil, map[string]string{"DIALOUTMOCK_TLS_CERT": "c.pem", "DIALOUTMOCK_TLS_KEY": "k.pem"}, tlsOf, tlsConfig{enabled: true, certFile: "c.pem", keyFile: "k.pem"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseTest(t, c.args, c.env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, c.get(cfg), cmp.AllowUnexported(tlsConfig{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdentityFlagErrorsNameTheSetting(t *testing.T) {
	badJSON := writeFile(t, "bad.json", `{"apps":[{"clientId":"x","secret":"typo-field"}]}`)
	noSecret := writeFile(t, "nosecret.json", `{"apps":[{"clientId":"x"}]}`)
	notKey := writeFile(t, "key.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	goodFile := writeFile(t, "good.json", `{"apps":[{"clientId":"x","clientSecret":"s3cr3t"}]}`)
	badRole := writeFile(t, "badrole.json", `{"apps":[{"clientId":"x","clientSecret":"s3cr3t"},{"clientId":"y","clientSecret":"s3cr3t","roles":["R one"]}]}`)
	smallKey := func() string {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, "small.pem", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})))
	}()
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--app", "no-secret-given"}, nil, "--app: app 1"},
		{[]string{"--app", "a:"}, nil, "empty secret"},
		{[]string{"--app", ":s3cr3t:R"}, nil, "--app"},
		{[]string{"--app", "a:s3cr3t:R1+"}, nil, "--app: app 1: client a: role"},
		{[]string{"--app", "a:s3cr3t:R", "--app", "b:s3cr3t:R one"}, nil, "--app: app 2"},
		{nil, map[string]string{"DIALOUTMOCK_APPS": "a:s3cr3t:R;broken"}, "DIALOUTMOCK_APPS: app 2"},
		{[]string{"--app", "a:s3cr3t:R", "--app", "A:s3cr3t2:R"}, nil, "registered twice"},
		{[]string{"--apps-file", "/nonexistent/apps.json"}, nil, "--apps-file"},
		{[]string{"--apps-file", badJSON}, nil, "--apps-file"},
		{[]string{"--apps-file", noSecret}, nil, "apps[0]: clientSecret: empty secret"},
		{[]string{"--token-key", notKey}, nil, "--token-key"},
		{[]string{"--apps-file", badRole}, nil, "apps[1]: roles: role \"R one\""},
		{[]string{"--apps-file", noSecret, "--app", "X:s3cr3t2"}, nil, "apps[0]: clientSecret"},
		{[]string{"--apps-file", goodFile, "--app", "X:s3cr3t2"}, nil, "--app: app 1: client X: client id \"X\" is registered twice"},
		{[]string{"--app", "a b:s3cr3t"}, nil, "--app: app 1: client a b: client id \"a b\""},
		{[]string{"--token-key", smallKey}, nil, "--token-key " + smallKey + ": token signing key has 1024 bits"},
		{[]string{"--token-key", "/nonexistent/key.pem"}, nil, "--token-key"},
		{[]string{"--tls-cert", "c.pem"}, nil, "--tls-cert needs --tls-key"},
		{[]string{"--tls-key", "k.pem"}, nil, "--tls-key needs --tls-cert"},
		{[]string{"--tls-name", "x.test"}, nil, "--tls-name needs --tls"},
		{nil, map[string]string{"DIALOUTMOCK_TLS_NAME": "x.test"}, "DIALOUTMOCK_TLS_NAME needs --tls"},
		{[]string{"--tls-ca-out", "ca.pem"}, nil, "--tls-ca-out needs --tls"},
		{[]string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-name", "x.test"}, nil, "--tls-name"},
		{[]string{"--tls", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca-out", "ca.pem"}, nil, "--tls-ca-out"},
		{[]string{"--tls", "maybe"}, nil, "unexpected argument"},
	}
	for _, c := range cases {
		_, err := parseTest(t, c.args, c.env)
		if !cli.IsUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseConfig(%q, %v) = %v, want a usage error mentioning %q", c.args, c.env, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("parseConfig(%q) = %v: the error repeats a secret", c.args, err)
		}
	}
}

func TestTokenKeyFile(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	for name, block := range map[string]*pem.Block{
		"PKCS #1": {Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)},
		"PKCS #8": {Type: "PRIVATE KEY", Bytes: pkcs8},
	} {
		path := writeFile(t, "key.pem", string(pem.EncodeToMemory(block)))
		cfg, err := parseTest(t, []string{"--token-key", path}, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.identity.server.Key == nil || !cfg.identity.server.Key.Equal(k) {
			t.Errorf("%s: the key read is not the key written", name)
		}
	}
}

// startTLSMock runs the real program with --tls and args, writing the CA to
// a temporary file, and returns the https base URL once /_mock/health
// answers through a client trusting only that CA, with that client and the
// program's stdout so far.
func startTLSMock(t *testing.T, env map[string]string, args ...string) (string, *http.Client, string) {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	argv := append([]string{"dialoutmock", "--addr", "127.0.0.1:0", "--tls", "--tls-ca-out", caFile}, args...)
	go func() { done <- run(ctx, argv, func(k string) string { return env[k] }, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v; stderr:\n%s", err, stderr)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("run did not return after cancel")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\nstderr:\n%s", err, stderr)
		default:
		}
		if base, ok := printedBase(stdout.String()); ok {
			pemBytes, err := os.ReadFile(caFile)
			if err != nil {
				t.Fatalf("--tls-ca-out: %v", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pemBytes) {
				t.Fatalf("%s holds no certificate", caFile)
			}
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			t.Cleanup(client.CloseIdleConnections)
			resp, err := client.Get(base + "/_mock/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return base, client, stdout.String()
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no healthy server within 60 s; stdout:\n%s\nstderr:\n%s", stdout, stderr)
	return "", nil, ""
}

func TestTLSAndStrictAuthEndToEnd(t *testing.T) {
	scenario := filepath.Join("..", "..", "fixtures", "scenarios", "edges.json")
	base, client, banner := startTLSMock(t, map[string]string{"DIALOUTMOCK_APPS": "reader:r3ader-s3cret:CallRecords.Read.All;other:0ther-s3cret:User.Read.All"},
		"--auth", "strict", "--scenario", scenario, "--page-size", "2")
	for _, want := range []string{"export SSL_CERT_FILE=", "export NODE_EXTRA_CA_CERTS=", base + "/contoso.onmicrosoft.com/oauth2/v2.0/token", "app reader secret (as configured) roles CallRecords.Read.All"} {
		if !strings.Contains(banner, want) {
			t.Errorf("start-up output does not say %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "s3cret") {
		t.Errorf("start-up output prints a configured secret:\n%s", banner)
	}

	token := func(clientID, secret string) (int, string) {
		resp, err := client.PostForm(base+"/contoso.onmicrosoft.com/oauth2/v2.0/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
			"scope": {"https://graph.microsoft.com/.default"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			AccessToken string `json:"access_token"`
			Error       string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.AccessToken + body.Error
	}
	getReport := func(link, tok string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	status, tok := token("reader", "r3ader-s3cret")
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, tok)
	}
	var rows, pages int
	for link := base + fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"; link != ""; pages++ {
		status, body := getReport(link, tok)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", link, status, body)
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.NextLink != "" && !strings.HasPrefix(p.NextLink, base+"/") {
			t.Errorf("nextLink %s is not under %s", p.NextLink, base)
		}
		rows, link = rows+len(p.Value), p.NextLink
	}
	if rows != 9 || pages != 5 {
		t.Errorf("walked %d rows in %d pages, want the 9 rows of October in 5 pages of 2", rows, pages)
	}

	if status, _ := token("reader", "wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong secret: status %d, want 401", status)
	}
	if status, body := getReport(base+fn+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "not-a-token"); status != http.StatusUnauthorized {
		t.Errorf("strict mode, opaque token: %d %s, want 401", status, body)
	}
	_, otherTok := token("other", "0ther-s3cret")
	if status, body := getReport(base+fn+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", otherTok); status != http.StatusForbidden {
		t.Errorf("app without an accepted role: %d %s, want 403", status, body)
	}
}

func TestDefaultAppIsPrinted(t *testing.T) {
	_, _, banner := startTLSMock(t, nil, "--scenario", filepath.Join("..", "..", "fixtures", "scenarios", "edges.json"))
	want := "app " + identity.DefaultClientID + " secret " + identity.DefaultClientSecret + " roles CallRecords.Read.All"
	if !strings.Contains(banner, want) || !strings.Contains(banner, "curl -s --cacert ") {
		t.Errorf("start-up output lacks %q and a token curl line:\n%s", want, banner)
	}
}

func TestLoadedCertificate(t *testing.T) {
	cert, err := devcert.New([]string{"mock.test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var chain []byte
	for _, der := range cert.Certificate.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.Certificate.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile := writeFile(t, "cert.pem", string(chain))
	keyFile := writeFile(t, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"dialoutmock", "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
			"--scenario", filepath.Join("..", "..", "fixtures", "scenarios", "edges.json")}, func(string) string { return "" }, stdout, io.Discard)
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.CertPool()}}}
	defer client.CloseIdleConnections()
	var ok bool
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !ok; time.Sleep(20 * time.Millisecond) {
		if base, printed := printedBase(stdout.String()); printed {
			if resp, err := client.Get(base + "/_mock/health"); err == nil {
				resp.Body.Close()
				ok = resp.StatusCode == http.StatusOK
			}
		}
	}
	if !ok {
		t.Errorf("no healthy HTTPS server with the loaded certificate; stdout:\n%s", stdout)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v", err)
	}

	err = run(context.Background(), []string{"dialoutmock", "--addr", "127.0.0.1:0", "--tls-cert", keyFile, "--tls-key", keyFile,
		"--scenario", filepath.Join("..", "..", "fixtures", "scenarios", "edges.json")}, func(string) string { return "" }, io.Discard, io.Discard)
	if !cli.IsUsage(err) || !strings.Contains(err.Error(), "--tls-cert") {
		t.Errorf("run with a key as certificate = %v, want a usage error naming --tls-cert", err)
	}
}

func TestTemporaryCAFileIsRemovedAtExit(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"dialoutmock", "--addr", "127.0.0.1:0", "--tls",
			"--scenario", filepath.Join("..", "..", "fixtures", "scenarios", "edges.json")}, func(string) string { return "" }, stdout, io.Discard)
	}()
	re := regexp.MustCompile(`export SSL_CERT_FILE=(\S+)`)
	var caFile string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && caFile == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			caFile = m[1]
		}
	}
	if caFile == "" {
		cancel()
		t.Fatalf("no CA file printed:\n%s", stdout)
	}
	if _, err := os.Stat(caFile); err != nil {
		t.Errorf("CA file while serving: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(caFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CA file %s after exit: %v, want it removed", caFile, err)
	}
}

func TestHelpNamesTheIdentityFlags(t *testing.T) {
	var stderr syncBuffer
	if err := run(context.Background(), []string{"dialoutmock", "-h"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Fatalf("run -h = %v", err)
	}
	for _, name := range []string{"-app ", "-apps-file", "-token-key", "-tls\n", "-tls-name", "-tls-ca-out", "-tls-cert", "-tls-key", "DIALOUTMOCK_APPS"} {
		if !strings.Contains(stderr.String(), name) {
			t.Errorf("usage does not mention %s", name)
		}
	}
}
