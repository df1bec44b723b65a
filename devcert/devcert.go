// Package devcert makes the throw-away certificates dialoutmock serves HTTPS
// with (docs/contract.md#identity-and-https): a certificate authority made at
// start and a server certificate it signs, and the one TLS configuration
// both a generated and a loaded certificate are served with.
package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"regexp"
	"strings"
	"time"
)

// Cert is a certificate generated for serving HTTPS: a throw-away
// certificate authority and a server certificate it signs, both ECDSA P-256. Clients trust the CA (CAPEM): Go through SSL_CERT_FILE or a
// tls.Config's RootCAs, Node through NODE_EXTRA_CA_CERTS. A CA plus a leaf,
// rather than one self-signed certificate, is the chain every TLS stack
// (Go, OpenSSL in Node, curl) verifies alike. The CA's key is dropped once the
// leaf is signed, so trusting the CA trusts nothing else; both are new at
// each call.
type Cert struct {
	Certificate tls.Certificate // the leaf and the CA, with the leaf's key: for tls.Config.Certificates
	CAPEM       []byte          // the CA certificate, PEM-encoded: what clients trust
	Names       []string        // the leaf's subject alternative names
}

// New generates a CA and a server certificate for 127.0.0.1, ::1,
// localhost and names (DNS names, "*.example.test" wildcards, or IP
// addresses), valid from an hour before now for 397 days.
func New(names []string, now time.Time) (*Cert, error) {
	all := append([]string{"127.0.0.1", "::1", "localhost"}, names...)
	var dnsNames []string
	var ips []net.IP
	seen := map[string]bool{}
	for _, n := range all {
		if ip := net.ParseIP(n); ip != nil {
			if !seen[ip.String()] {
				seen[ip.String()] = true
				ips = append(ips, ip)
			}
			continue
		}
		if !tlsNameRE.MatchString(n) || len(n) > 253 {
			return nil, fmt.Errorf("TLS name %q: want a DNS name or an IP address", n)
		}
		if n = strings.ToLower(n); !seen[n] {
			seen[n] = true
			dnsNames = append(dnsNames, n)
		}
	}

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate certificate key: %w", err)
	}
	notBefore, notAfter := now.Add(-time.Hour), now.Add(397*24*time.Hour)
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{Organization: []string{"dialoutkit"}, CommonName: "dialoutmock local CA " + now.UTC().Format("2006-01-02 15:04:05")},
		NotBefore:             notBefore,
		NotAfter:              notAfter.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{Organization: []string{"dialoutkit"}, CommonName: "dialoutmock"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dnsNames,
		IPAddresses:  ips,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	sans := append([]string(nil), dnsNames...)
	for _, ip := range ips {
		sans = append(sans, ip.String())
	}
	return &Cert{
		Certificate: tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey, Leaf: leaf},
		CAPEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Names:       sans,
	}, nil
}

// tlsNameRE is a DNS name, optionally with a leading wildcard label.
var tlsNameRE = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// ServerConfig returns the TLS configuration serving c (see ServerConfig).
func (c *Cert) ServerConfig() *tls.Config { return ServerConfig(c.Certificate) }

// ServerConfig returns the TLS configuration the mock serves cert with, generated or
// loaded from files: TLS 1.2 and later, over HTTP/2 or HTTP/1.1 as the
// client chooses by ALPN.
func ServerConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
}

// CertPool returns a pool holding only the CA: a client's RootCAs.
func (c *Cert) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CAPEM)
	return pool
}
