package devcert

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tlsClient trusts only the CA in pemFile and dials addr whatever the URL's
// host, so a test can ask for https://localhost or https://mock.test without
// a resolver.
func tlsClient(t *testing.T, pemFile, addr string) *http.Client {
	t.Helper()
	b, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("%s holds no PEM certificate", pemFile)
	}
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

func TestGeneratedCertificateIsTrustedThroughItsPEM(t *testing.T) {
	now := time.Now()
	cert, err := New([]string{"mock.test", "*.apps.test", "10.1.2.3", "Mock.Test"}, now)
	if err != nil {
		t.Fatal(err)
	}
	// The handler answers with the base URL the client asked for.
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "https://"+r.Host)
	}))
	ts.TLS = cert.ServerConfig()
	ts.StartTLS()
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pemFile, cert.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	trusting := tlsClient(t, pemFile, addr)
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "mock.test", "x.apps.test", "10.1.2.3"} {
		t.Run(host, func(t *testing.T) {
			base := "https://" + host + ":" + port
			resp, err := trusting.Get(base + "/")
			if err != nil {
				t.Fatalf("GET with the CA trusted: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(b) != base {
				t.Errorf("answer = %d %q, want 200 %q", resp.StatusCode, b, base)
			}
		})
	}

	t.Run("a name not in the certificate", func(t *testing.T) {
		_, err := trusting.Get("https://other.test:" + port + "/")
		var hostErr x509.HostnameError
		if !errors.As(err, &hostErr) {
			t.Errorf("GET other.test = %v, want a hostname error", err)
		}
	})
	t.Run("a client not trusting the CA", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
		_, err := c.Get(ts.URL + "/")
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("GET without trusting the CA = %v, want an unknown authority error", err)
		}
	})

	leaf := cert.Certificate.Leaf
	if leaf.IsCA || len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("leaf: IsCA %v, ExtKeyUsage %v: want a server certificate", leaf.IsCA, leaf.ExtKeyUsage)
	}
	if got := strings.Join(cert.Names, ","); got != "localhost,mock.test,*.apps.test,127.0.0.1,::1,10.1.2.3" {
		t.Errorf("Names = %s", got)
	}
	if leaf.NotBefore.After(now) || leaf.NotAfter.Before(now.Add(365*24*time.Hour)) {
		t.Errorf("leaf valid %s to %s: want from before now for about a year", leaf.NotBefore, leaf.NotAfter)
	}
}

func TestTLSNamesAreChecked(t *testing.T) {
	for _, bad := range []string{"", "has space", "a..b", "-x.test", "x_.test", "*", "a.*.test", "http://x"} {
		if _, err := New([]string{bad}, time.Now()); err == nil || !strings.Contains(err.Error(), "TLS name") {
			t.Errorf("New(%q) = %v, want an error naming the TLS name", bad, err)
		}
	}
}

func TestServerConfig(t *testing.T) {
	cert, err := New(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]*tls.Config{"generated": cert.ServerConfig(), "loaded": ServerConfig(cert.Certificate)} {
		if len(tc.Certificates) != 1 || tc.MinVersion != tls.VersionTLS12 || strings.Join(tc.NextProtos, ",") != "h2,http/1.1" {
			t.Errorf("%s: %d certificates, min version %x, protocols %v: want one, TLS 1.2, h2 then http/1.1", name, len(tc.Certificates), tc.MinVersion, tc.NextProtos)
		}
	}
}
