package main

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestH2loadLatencies(t *testing.T) {
	log := "1700000000000000\t200\t1500\n1700000000000100\t503\t90\n1700000000000200\t200\t250\n\n"
	got := h2loadLatencies([]byte(log))
	want := []time.Duration{1500 * time.Microsecond, 250 * time.Microsecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("h2loadLatencies (-want +got):\n%s", diff)
	}
}

// TestGoLoadOverHTTP2 drives a TLS server with the Go load generator in
// -h2 mode: over HTTP/2 it measures; from a server that speaks only
// HTTP/1.1 it refuses to report numbers.
func TestGoLoadOverHTTP2(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) })
	for _, c := range []struct {
		name    string
		h2      bool
		wantErr string
	}{
		{"HTTP/2 server", true, ""},
		{"HTTP/1.1-only server", false, "not over HTTP/2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := httptest.NewUnstartedServer(ok)
			ts.EnableHTTP2 = c.h2
			ts.StartTLS()
			defer ts.Close()
			base := ts.Client().Transport.(*http.Transport)
			o := options{conns: 2, h2: true, client: &http.Client{Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: base.TLSClientConfig.RootCAs}}}}
			r, err := goLoad(context.Background(), o, 200*time.Millisecond, ts.URL)
			switch {
			case c.wantErr == "" && (err != nil || r.rps <= 0):
				t.Errorf("goLoad = %+v, %v; want requests measured", r, err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("goLoad = %+v, %v; want an error saying %q", r, err, c.wantErr)
			}
		})
	}
}
