package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestIEEE754CompatibleQuoted: a media type parameter's value may be a
// quoted string, so IEEE754Compatible="true" asks for decimals as strings
// like the unquoted form (issue 11, item 12).
func TestIEEE754CompatibleQuoted(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	tests := []struct {
		accept string
		want   bool
	}{
		{`application/json;IEEE754Compatible=true`, true},
		{`application/json;IEEE754Compatible="true"`, true},
		{`application/json; ieee754compatible = "TRUE"`, true},
		{`application/json;odata.metadata=minimal;IEEE754Compatible="true", text/plain`, true},
		{`application/json;IEEE754Compatible="false"`, false},
		{`application/json;IEEE754Compatible="true`, false},
		{`application/json`, false},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			r := get(t, ts.URL+october, "Accept", tt.accept)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200", r.status)
			}
			got := strings.Contains(r.header.Get("Content-Type"), "IEEE754Compatible=true")
			if got != tt.want {
				t.Errorf("Content-Type = %q, want IEEE754Compatible=%v", r.header.Get("Content-Type"), tt.want)
			}
		})
	}
}

// TestCallsRangeErrorsNameItsParameters: GET /_mock/calls takes from and to,
// and its errors say so, never fromDateTime or toDateTime (issue 11, item 12).
func TestCallsRangeErrorsNameItsParameters(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	tests := []struct {
		query string
		want  []string
	}{
		{"from=2026-10-31&to=2026-10-01", []string{"'from'", "'to'"}},
		{"from=yesterday", []string{"'from'"}},
		{"to=tomorrow", []string{"'to'"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := checkEnvelope(t, send(t, http.MethodGet, ts.URL+"/_mock/calls?"+tt.query, nil), 400, "BadRequest")
			msg := *e.Error.Message
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("message = %q, want it to name %s", msg, want)
				}
			}
			if strings.Contains(msg, "DateTime") {
				t.Errorf("message = %q names the function's parameters", msg)
			}
		})
	}
}
