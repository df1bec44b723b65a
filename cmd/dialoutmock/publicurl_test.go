package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/internal/cli"
)

// TestPublicURL: a trailing /beta is Graph's version segment, not a prefix
// (Kiota's base URLs end in /beta); a path prefix is served, as the banner
// says; the banner also says where the mock listens (issue 11, item 8).
func TestPublicURL(t *testing.T) {
	const rng = "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	tests := []struct {
		public     string
		wantLink   string // the nextLink's start
		prefix     string // the path prefix the mock serves too
		wantBanner []string
	}{
		{"http://h:9/beta", "http://h:9" + fn + "(", "", []string{"on http://h:9 (", "links point at http://h:9/beta/..."}},
		{"http://h:9/v1.0/", "http://h:9" + fn + "(", "", []string{"on http://h:9 ("}},
		{"https://gw.example/graph", "https://gw.example/graph" + fn + "(", "/graph", []string{"on https://gw.example/graph (", "served with or without the prefix /graph"}},
		{"https://gw.example/graph/beta", "https://gw.example/graph" + fn + "(", "/graph", []string{"on https://gw.example/graph ("}},
	}
	for _, tt := range tests {
		t.Run(tt.public, func(t *testing.T) {
			base, stdout, _ := startMockOutput(t, nil, "--window-end", "2026-11-01", "--users", "5", "--page-size", "1", "--public-url", tt.public)
			for _, path := range []string{fn + rng, tt.prefix + fn + rng} {
				var p struct {
					NextLink string `json:"@odata.nextLink"`
				}
				if err := json.Unmarshal(fetch(t, base+path), &p); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(p.NextLink, tt.wantLink) {
					t.Errorf("GET %s: nextLink = %q, want it to start with %q", path, p.NextLink, tt.wantLink)
				}
			}
			banner := stdout.String()
			for _, want := range append(tt.wantBanner, "listening on "+base+";") {
				if !strings.Contains(banner, want) {
					t.Errorf("banner does not say %q:\n%s", want, banner)
				}
			}
		})
	}
}

// TestPublicURLRefusesCredentials: credentials in --public-url would be
// written into every nextLink; they are a usage error that does not repeat
// the password.
func TestPublicURLRefusesCredentials(t *testing.T) {
	for _, public := range []string{"http://user:s3cret@h:9", "http://user@h:9/beta"} {
		_, err := parseConfig([]string{"--public-url", public}, func(string) string { return "" }, io.Discard, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
		if !cli.IsUsage(err) || !strings.Contains(err.Error(), "--public-url: ") || !strings.Contains(err.Error(), "credentials") {
			t.Errorf("--public-url %s: %v, want a usage error naming --public-url and credentials", public, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("--public-url %s: %v repeats the password", public, err)
		}
	}
}

// TestHelpMentionsGenerate: -h names the generate command (issue 11, item 17).
func TestHelpMentionsGenerate(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"dialoutmock", "-h"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Fatalf("run -h = %v, want nil", err)
	}
	if !strings.Contains(stderr.String(), "dialoutmock generate [flags]") {
		t.Errorf("usage does not mention the generate command:\n%s", stderr.String())
	}
}
