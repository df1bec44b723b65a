package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const corsOctober = fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"

// corsHeaders are the answer headers CORS is about.
var corsHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers"}

// corsOf picks the CORS headers of an answer; absent ones are left out.
func corsOf(h http.Header) map[string]string {
	m := map[string]string{}
	for _, k := range corsHeaders {
		if v := h.Values(k); len(v) > 0 {
			m[k] = strings.Join(v, " | ")
		}
	}
	return m
}

// sendCORS sends method to path with header pairs (name, value), no token.
func sendCORS(tb testing.TB, base, method, path string, headers ...string) response {
	tb.Helper()
	req, err := http.NewRequest(method, base+"/placeholder", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.URL.Opaque = path
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return do(tb, req)
}

func TestPreflight(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	const origin = "https://dashboard.example:3000"
	preflight := func(extra ...string) map[string]string {
		m := map[string]string{
			"Access-Control-Allow-Origin":   origin,
			"Access-Control-Allow-Methods":  "GET",
			"Access-Control-Max-Age":        "3600",
			"Access-Control-Expose-Headers": corsExposed,
		}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				delete(m, extra[i])
				continue
			}
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	huge := strings.Repeat("x-custom-header-name,", 3000) // 63,000 bytes
	cases := []struct {
		name    string
		path    string
		headers []string
		want    map[string]string
	}{
		{"what a browser sends", corsOctober,
			[]string{"Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization,client-request-id"},
			preflight("Access-Control-Allow-Headers", "authorization, client-request-id")},
		{"any case of the prefix", "/BETA/Communications/CALLRECORDS/getpstnonlinemeetingdialoutreport(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
			[]string{"Origin", origin, "Access-Control-Request-Method", "GET"},
			preflight()},
		{"a path Graph does not have", "/beta/me/messages",
			[]string{"Origin", origin, "Access-Control-Request-Method", "GET"},
			preflight()},
		{"v1.0", "/v1.0/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
			[]string{"Origin", origin, "Access-Control-Request-Method", "GET"},
			preflight()},
		{"another method asked", corsOctober,
			[]string{"Origin", origin, "Access-Control-Request-Method", "PATCH"},
			preflight("Access-Control-Allow-Methods", "PATCH")},
		{"no method asked", corsOctober,
			[]string{"Origin", origin},
			preflight()},
		{"a method that is not a token", corsOctober,
			[]string{"Origin", origin, "Access-Control-Request-Method", "G(E)T"},
			preflight()},
		{"two methods asked", corsOctober,
			[]string{"Origin", origin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Method", "POST"},
			preflight()},
		{"an odd header list", corsOctober,
			[]string{"Origin", origin, "Access-Control-Request-Headers", " Authorization ,, X-A,x-a,\tConsistencyLevel , bad name, ,ok,(x)"},
			preflight("Access-Control-Allow-Headers", "authorization, x-a, consistencylevel, ok")},
		{"headers on two lines", corsOctober,
			[]string{"Origin", origin, "Access-Control-Request-Headers", "authorization", "Access-Control-Request-Headers", "sdkversion, Authorization"},
			preflight("Access-Control-Allow-Headers", "authorization, sdkversion")},
		{"only commas", corsOctober,
			[]string{"Origin", origin, "Access-Control-Request-Headers", ",,,"},
			preflight()},
		{"the null origin", corsOctober,
			[]string{"Origin", "null"},
			preflight("Access-Control-Allow-Origin", "null")},
		{"no origin", corsOctober, nil, map[string]string{}},
		{"an origin with a path", corsOctober, []string{"Origin", "https://a.example/x"}, map[string]string{}},
		{"two origins", corsOctober, []string{"Origin", "https://a.example", "Origin", "https://b.example"}, map[string]string{}},
		{"an origin list", corsOctober, []string{"Origin", "https://a.example,https://b.example"}, map[string]string{}},
		{"an origin with credentials", corsOctober, []string{"Origin", "https://u:p@a.example"}, map[string]string{}},
		{"not an origin", corsOctober, []string{"Origin", "javascript:alert(1)"}, map[string]string{}},
		{"a huge origin", corsOctober, []string{"Origin", "https://" + strings.Repeat("a", 60_000) + ".example"}, map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sendCORS(t, ts.URL, http.MethodOptions, c.path, c.headers...)
			if r.status != http.StatusOK {
				t.Errorf("status = %d, want 200; body %s", r.status, r.body)
			}
			if len(r.body) != 0 {
				t.Errorf("body = %q, want none", r.body)
			}
			if diff := cmp.Diff(c.want, corsOf(r.header)); diff != "" {
				t.Errorf("CORS headers (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("a huge header list is bounded", func(t *testing.T) {
		r := sendCORS(t, ts.URL, http.MethodOptions, corsOctober, "Origin", origin,
			"Access-Control-Request-Headers", huge+strings.Repeat("a", 3000)+","+strings.Repeat("b,", 50))
		got := r.header.Get("Access-Control-Allow-Headers")
		if got != "x-custom-header-name" {
			t.Errorf("Access-Control-Allow-Headers = %.100q, want the one distinct name before the one past the bound", got)
		}
		var names []string
		for i := range 200 {
			names = append(names, "x-h"+strings.Repeat("y", i%40)+string(rune('a'+i%26))+strings.Repeat("z", i))
		}
		r = sendCORS(t, ts.URL, http.MethodOptions, corsOctober, "Origin", origin, "Access-Control-Request-Headers", strings.Join(names, ","))
		got = r.header.Get("Access-Control-Allow-Headers")
		if n := strings.Count(got, ",") + 1; len(got) > maxCORSHeaderBytes || n > maxCORSHeaders || got == "" {
			t.Errorf("Access-Control-Allow-Headers has %d bytes and %d names, want 1 to %d bytes and at most %d names", len(got), n, maxCORSHeaderBytes, maxCORSHeaders)
		}
		if !strings.HasPrefix(got, names[0]+", "+names[1]+", ") {
			t.Errorf("Access-Control-Allow-Headers = %.80q…, want the first names asked, in order", got)
		}
	})
}

// TestPreflightIsNoGraphRequest: a preflight needs no token, consumes no
// queued fault, is not throttled nor counted, and is not journaled.
func TestPreflightIsNoGraphRequest(t *testing.T) {
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{
		Auth:     AuthStrict,
		Throttle: []Limit{{PerApp, 1, time.Hour}},
	})
	if err := s.QueueFault(Fault{Path: "getPstn", Times: 1, Status: 503}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r := sendCORS(t, ts.URL, http.MethodOptions, corsOctober, "Origin", "https://a.example",
			"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization")
		if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://a.example" {
			t.Fatalf("preflight %d: %d %v, want 200 with the origin allowed", i, r.status, corsOf(r.header))
		}
	}
	if got := s.Faults(); len(got) != 1 || got[0].Remaining != 1 {
		t.Errorf("faults after preflights = %+v, want the fault untouched", got)
	}
	if got := s.Journal(JournalFilter{}); len(got) != 0 {
		t.Errorf("journal after preflights = %+v, want empty", got)
	}
	// The fault is still there for the real request, and its answer carries
	// the CORS headers.
	r := sendCORS(t, ts.URL, http.MethodGet, corsOctober, "Origin", "https://a.example")
	checkEnvelope(t, r, 503, "ServiceUnavailable")
	if r.header.Get("Access-Control-Allow-Origin") != "https://a.example" {
		t.Errorf("fault answer: CORS %v, want the origin allowed", corsOf(r.header))
	}
}

// TestCORSHeadersOnAnswers: answers to requests with an Origin carry the
// origin and the exposed headers, errors included; requests without one,
// the control API and the identity endpoints carry none.
func TestCORSHeadersOnAnswers(t *testing.T) {
	const origin = "http://localhost:5173"
	answer := map[string]string{"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": corsExposed}
	none := map[string]string{}
	_, lenient := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	_, strict := newTestServer(t, scenarioDataset(t, "edges"), Config{Auth: AuthStrict})
	_, throttled := newTestServer(t, scenarioDataset(t, "edges"), Config{Throttle: []Limit{{PerApp, 1, time.Hour}}})
	sendCORS(t, throttled.URL, http.MethodGet, corsOctober, "Authorization", "Bearer x") // uses up the limit
	cases := []struct {
		name           string
		base, method   string
		path           string
		headers        []string
		status         int
		want           map[string]string
		wantVaryOrigin bool
	}{
		{"200", lenient.URL, "GET", corsOctober, []string{"Origin", origin, "Authorization", "Bearer x"}, 200, answer, true},
		{"200 without an origin", lenient.URL, "GET", corsOctober, []string{"Authorization", "Bearer x"}, 200, none, false},
		{"400 unknown segment", lenient.URL, "GET", "/beta/nothing", []string{"Origin", origin}, 400, answer, true},
		{"400 bad parameters", lenient.URL, "GET", fnPath + "(fromDateTime=,toDateTime=)", []string{"Origin", origin, "Authorization", "Bearer x"}, 400, answer, true},
		{"405", lenient.URL, "POST", corsOctober, []string{"Origin", origin}, 405, answer, true},
		{"401 strict without a token", strict.URL, "GET", corsOctober, []string{"Origin", origin}, 401, answer, true},
		{"429", throttled.URL, "GET", corsOctober, []string{"Origin", origin, "Authorization", "Bearer x"}, 429, answer, true},
		{"the control API", lenient.URL, "GET", "/_mock/health", []string{"Origin", origin}, 200, none, false},
		{"OPTIONS on the control API", lenient.URL, "OPTIONS", "/_mock/health", []string{"Origin", origin, "Access-Control-Request-Method", "GET"}, 404, none, false},
		{"the identity endpoints", lenient.URL, "GET", "/common/v2.0/.well-known/openid-configuration", []string{"Origin", origin}, 200, none, false},
		{"OPTIONS on the token endpoint", lenient.URL, "OPTIONS", "/common/oauth2/v2.0/token", []string{"Origin", origin, "Access-Control-Request-Method", "POST"}, 404, none, false},
		{"not a Graph path", lenient.URL, "GET", "/nowhere", []string{"Origin", origin}, 404, none, false},
		{"OPTIONS not on a Graph path", lenient.URL, "OPTIONS", "/nowhere", []string{"Origin", origin}, 404, none, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sendCORS(t, c.base, c.method, c.path, c.headers...)
			if r.status != c.status {
				t.Errorf("status = %d, want %d; body %s", r.status, c.status, r.body)
			}
			if diff := cmp.Diff(c.want, corsOf(r.header)); diff != "" {
				t.Errorf("CORS headers (-want +got):\n%s", diff)
			}
			if got := slicesContains(r.header.Values("Vary"), "Origin"); got != c.wantVaryOrigin {
				t.Errorf("Vary = %q: has Origin %v, want %v", r.header.Values("Vary"), got, c.wantVaryOrigin)
			}
			if c.status == 429 && r.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		})
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
