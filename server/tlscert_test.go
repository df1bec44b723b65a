package server

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
	cert, err := NewTLSCert([]string{"mock.test", "*.apps.test", "10.1.2.3", "Mock.Test"}, now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(scenarioDataset(t, "edges"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s)
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
			resp, err := trusting.Get(base + "/_mock/health")
			if err != nil {
				t.Fatalf("GET with the CA trusted: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status = %d, want 200", resp.StatusCode)
			}
			// The identity endpoints name the https base the client used.
			resp, err = trusting.Get(base + "/common/v2.0/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), `"issuer":"`+base+"/") {
				t.Errorf("openid-configuration does not name %s as issuer: %s", base, b)
			}
		})
	}

	t.Run("a name not in the certificate", func(t *testing.T) {
		_, err := trusting.Get("https://other.test:" + port + "/_mock/health")
		var hostErr x509.HostnameError
		if !errors.As(err, &hostErr) {
			t.Errorf("GET other.test = %v, want a hostname error", err)
		}
	})
	t.Run("a client not trusting the CA", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
		_, err := c.Get(ts.URL + "/_mock/health")
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
		if _, err := NewTLSCert([]string{bad}, time.Now()); err == nil || !strings.Contains(err.Error(), "TLS name") {
			t.Errorf("NewTLSCert(%q) = %v, want an error naming the TLS name", bad, err)
		}
	}
}
