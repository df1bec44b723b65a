package server

import (
	"net/url"
	"strings"
	"testing"
)

func TestHostCannotSteerNextLinks(t *testing.T) {
	pub, _ := url.Parse("https://mock.example:8443/graph")
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2, PublicURL: pub})
	for _, host := range []string{"evil.example", "evil.example:1", "127.0.0.1"} {
		req := mustRequest(t, ts.URL+october)
		req.Host = host
		p := decodePage(t, do(t, req))
		if !strings.HasPrefix(p.NextLink, "https://mock.example:8443/graph/beta/") || !strings.HasPrefix(p.Context, "https://mock.example:8443/graph/beta/$metadata") {
			t.Errorf("Host %q: nextLink %q, context %q; want the public URL", host, p.NextLink, p.Context)
		}
	}
}

func TestInvalidHostIsRefused(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2})
	for _, host := range []string{"evil.example/path", "a b", "[::1", "host:port", "x:99999999", "-bad-.example", "user@host"} {
		req := mustRequest(t, ts.URL+october)
		req.Host = host
		checkEnvelope(t, do(t, req), 400, "BadRequest")
	}
	for _, host := range []string{"localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "mock.example", "my_host.local"} {
		req := mustRequest(t, ts.URL+october)
		req.Host = host
		if r := do(t, req); r.status != 200 {
			t.Errorf("Host %q: %d, want 200", host, r.status)
		}
	}
}
