package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/dialoutkit/dialoutkit/devcert"
	"github.com/dialoutkit/dialoutkit/internal/cli"
)

// tlsConfig is how the mock serves HTTPS (docs/contract.md#identity-and-https): not at all, with a
// certificate generated at start, or with one loaded from files.
type tlsConfig struct {
	enabled           bool
	certFile, keyFile string   // a loaded certificate; "" generates one
	caOut             string   // where to write the generated CA; "" a temporary file
	names             []string // more names of the generated certificate
}

// tlsState is what serving HTTPS left to tell and to clean up.
type tlsState struct {
	caFile    string // the PEM clients trust ("" with a loaded certificate)
	temporary bool   // caFile is ours to remove at exit
}

// Close removes a temporary CA file.
func (s *tlsState) Close() {
	if s != nil && s.temporary {
		os.Remove(s.caFile)
	}
}

// listenTLS wraps ln in TLS when cfg asks for it and returns the https base
// URL; otherwise it returns ln and base as they are, and a nil state. A
// generated certificate's CA is written to cfg.caOut (or a temporary file).
// On error ln is closed.
func listenTLS(ln net.Listener, base string, cfg tlsConfig, now time.Time) (net.Listener, string, *tlsState, error) {
	if !cfg.enabled {
		return ln, base, nil, nil
	}
	fail := func(err error) (net.Listener, string, *tlsState, error) {
		ln.Close()
		return nil, "", nil, err
	}
	st := &tlsState{}
	var tc *tls.Config
	if cfg.certFile != "" {
		pair, err := tls.LoadX509KeyPair(cfg.certFile, cfg.keyFile)
		if err != nil {
			return fail(cli.Usagef("--tls-cert %s, --tls-key %s: %w", cfg.certFile, cfg.keyFile, err))
		}
		tc = devcert.ServerConfig(pair)
	} else {
		cert, err := devcert.New(cfg.names, now)
		if err != nil {
			return fail(cli.Usagef("--tls-name: %w", err))
		}
		if cfg.caOut != "" {
			if err := os.WriteFile(cfg.caOut, cert.CAPEM, 0o644); err != nil {
				return fail(fmt.Errorf("--tls-ca-out: %w", err))
			}
			st.caFile = cfg.caOut
		} else {
			f, err := os.CreateTemp("", "dialoutmock-ca-*.pem")
			if err != nil {
				return fail(fmt.Errorf("write the CA certificate: %w", err))
			}
			_, err = f.Write(cert.CAPEM)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			st.caFile, st.temporary = f.Name(), true
			if err != nil {
				st.Close()
				return fail(fmt.Errorf("write the CA certificate: %w", err))
			}
		}
		tc = cert.ServerConfig()
	}
	return tls.NewListener(ln, tc), "https://" + strings.TrimPrefix(base, "http://"), st, nil
}
