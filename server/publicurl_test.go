package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPublicURLVersionSegmentIsNotAPrefix(t *testing.T) {
	tests := []struct {
		public     string
		wantBase   string
		wantPrefix string
	}{
		{"http://h:9", "http://h:9", ""},
		{"http://h:9/", "http://h:9", ""},
		{"http://h:9/beta", "http://h:9", ""},
		{"http://h:9/beta/", "http://h:9", ""},
		{"http://h:9/BETA", "http://h:9", ""},
		{"http://h:9/v1.0", "http://h:9", ""},
		{"https://gw.example/graph", "https://gw.example/graph", "/graph"},
		{"https://gw.example/graph/beta", "https://gw.example/graph", "/graph"},
		{"https://gw.example/a/b/v1.0/", "https://gw.example/a/b", "/a/b"},
		{"https://gw.example/betamax", "https://gw.example/betamax", "/betamax"},
	}
	for _, tt := range tests {
		t.Run(tt.public, func(t *testing.T) {
			pub, err := url.Parse(tt.public)
			if err != nil {
				t.Fatal(err)
			}
			s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2, PublicURL: pub})
			if base, prefix := s.PublicBase(); base != tt.wantBase || prefix != tt.wantPrefix {
				t.Errorf("PublicBase() = %q, %q, want %q, %q", base, prefix, tt.wantBase, tt.wantPrefix)
			}
			p := decodePage(t, get(t, ts.URL+october))
			if want := tt.wantBase + fnPath + "("; !strings.HasPrefix(p.NextLink, want) {
				t.Errorf("nextLink = %q, want it to start with %q", p.NextLink, want)
			}
			if want := tt.wantBase + "/beta/$metadata"; !strings.HasPrefix(p.Context, want) {
				t.Errorf("@odata.context = %q, want it to start with %q", p.Context, want)
			}
		})
	}
}

// TestPublicURLPrefixIsServed: with a path prefix in the public URL, the
// mock serves every path with the prefix as without it, so its links work
// whether a proxy in front strips the prefix or passes it.
func TestPublicURLPrefixIsServed(t *testing.T) {
	pub, _ := url.Parse("https://gw.example/graph/beta")
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2, PublicURL: pub})
	for _, prefix := range []string{"", "/graph"} {
		// Every page, followed through links rewritten to this server.
		link := ts.URL + prefix + october
		pages := 0
		for link != "" {
			p := decodePage(t, get(t, link))
			pages++
			if p.NextLink == "" {
				break
			}
			if !strings.HasPrefix(p.NextLink, "https://gw.example/graph/beta/communications/") {
				t.Fatalf("prefix %q: nextLink %q, want it under https://gw.example/graph/beta/", prefix, p.NextLink)
			}
			link = ts.URL + prefix + strings.TrimPrefix(p.NextLink, "https://gw.example/graph")
		}
		if pages < 2 {
			t.Errorf("prefix %q: %d pages, want several", prefix, pages)
		}
		if r := get(t, ts.URL+prefix+"/_mock/health"); r.status != http.StatusOK {
			t.Errorf("GET %s/_mock/health = %d, want 200", prefix, r.status)
		}
	}
	for _, path := range []string{"/graphx/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "/other" + october} {
		if r := get(t, ts.URL+path); r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404: only the public URL's prefix is served", path, r.status)
		}
	}
}
