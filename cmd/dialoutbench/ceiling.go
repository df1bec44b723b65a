package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/dialoutkit/dialoutkit/devcert"
)

// serveCeiling is `dialoutbench ceiling [-tls CAFILE] PATH FILE ...`: the
// fastest honest server of the same answers, plain net/http writing
// pre-serialized bytes (with the mock's headers) for each request URI, and
// nothing else. With -tls it serves HTTPS with a certificate generated at
// start, as dialoutmock --tls does (HTTP/2 by ALPN, then HTTP/1.1), and
// writes the CA clients trust to CAFILE.
func serveCeiling(ctx context.Context, args []string, stdout io.Writer) error {
	caOut := ""
	if len(args) >= 2 && args[0] == "-tls" {
		caOut, args = args[1], args[2:]
	}
	if len(args)%2 != 0 {
		return fmt.Errorf("ceiling: want PATH FILE pairs")
	}
	bodies := map[string][]byte{}
	for i := 0; i < len(args); i += 2 {
		b, err := os.ReadFile(args[i+1])
		if err != nil {
			return err
		}
		bodies[args[i]] = b
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	const ct = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.RequestURI]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("OData-Version", "4.0")
		w.Header().Set("Content-Length", strconv.Itoa(len(b))) // as the mock: no chunked encoding
		w.Write(b)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if caOut != "" {
		cert, err := devcert.New(nil, time.Now())
		if err != nil {
			return err
		}
		if err := os.WriteFile(caOut, cert.CAPEM, 0o600); err != nil {
			return err
		}
		srv.TLSConfig = cert.ServerConfig()
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	fmt.Fprintf(stdout, "ceiling on %s://%s\n", scheme, ln.Addr())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
