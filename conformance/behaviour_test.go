package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// TestGraphProfileRate shows the graph profile sends only GETs and never more than MaxRPM requests in
// any minute, by the injected clock (no wall-clock time is spent or asserted).
func TestGraphProfileRate(t *testing.T) {
	for _, tt := range []struct {
		maxRPM, want int
	}{{0, conformance.DefaultGraphRPM}, {10, 10}} {
		t.Run(fmt.Sprint(tt.maxRPM), func(t *testing.T) {
			f := newFake(breaks{})
			cfg := serve(t, f, conformance.ProfileGraph)
			cfg.MaxRPM = tt.maxRPM
			rep := run(t, cfg)
			if !rep.Passed() {
				t.Fatalf("Passed() = false:%s", describe(rep, conformance.Fail))
			}
			if len(f.requests) <= tt.want {
				t.Fatalf("only %d requests: the test shows nothing", len(f.requests))
			}
			for i, r := range f.requests {
				if r.method != http.MethodGet {
					t.Errorf("request %d: %s %s, want GET only", i, r.method, r.uri)
				}
				if j := i + tt.want; j < len(f.requests) {
					if gap := f.requests[j].at.Sub(r.at); gap < time.Minute {
						t.Fatalf("requests %d..%d (%d of them) within %s, want at most %d a minute", i, j, tt.want+1, gap, tt.want)
					}
				}
			}
			if rep.Duration < time.Duration(len(f.requests)-1)*time.Minute/time.Duration(tt.want) {
				t.Errorf("Duration = %s by the fake clock, too short for %d requests at %d/min", rep.Duration, len(f.requests), tt.want)
			}
		})
	}
}

func TestMockProfileIsNotRateCapped(t *testing.T) {
	f := newFake(breaks{})
	rep := run(t, serve(t, f, conformance.ProfileMock))
	if rep.Duration != 0 {
		t.Errorf("Duration = %s by the fake clock, want 0: nothing should wait", rep.Duration)
	}
}

// throttler answers the first n requests 429 with Retry-After, as Graph does.
type throttler struct {
	h          http.Handler
	retryAfter string
	status     int

	mu    sync.Mutex
	n     int
	crids []string
	tries []string
}

func (th *throttler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	th.mu.Lock()
	th.crids = append(th.crids, r.Header.Get("client-request-id"))
	th.tries = append(th.tries, r.Header.Get("Retry-Attempt"))
	throttle := th.n != 0
	if th.n > 0 {
		th.n--
	}
	th.mu.Unlock()
	if !throttle {
		th.h.ServeHTTP(w, r)
		return
	}
	crid := r.Header.Get("client-request-id")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", th.retryAfter)
	w.Header().Set("request-id", "11111111-2222-4333-8444-555555555555")
	w.Header().Set("client-request-id", crid)
	w.WriteHeader(th.status)
	fmt.Fprintf(w, `{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"date":"2026-11-26T12:00:00","request-id":"11111111-2222-4333-8444-555555555555","client-request-id":%q}}}`, crid)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			clock := newFakeClock()
			f := newFake(breaks{})
			f.clock = clock.Now // before the server starts: its handlers read the field
			th := &throttler{h: f, retryAfter: "7", status: status, n: 3}
			srv := httptest.NewServer(th)
			t.Cleanup(srv.Close)
			rep := run(t, conformance.Config{BaseURL: srv.URL, Token: testToken, Profile: conformance.ProfileMock, HTTPClient: srv.Client(), Clock: clock})
			if !rep.Passed() {
				t.Fatalf("Passed() = false:%s", describe(rep, conformance.Fail))
			}
			if got := clock.Now().Sub(fakeNow()); got != 21*time.Second {
				t.Errorf("waited %s, want 3 × Retry-After 7s", got)
			}
			if diff := cmp.Diff([]string{"", "1", "2", "3"}, th.tries[:4]); diff != "" {
				t.Errorf("Retry-Attempt headers (-want +got):\n%s", diff)
			}
			for i := 1; i < 4; i++ {
				if th.crids[i] != th.crids[0] || th.crids[0] == "" {
					t.Errorf("client-request-id of try %d = %q, want the first try's %q", i, th.crids[i], th.crids[0])
				}
			}
			if th.crids[4] == th.crids[0] {
				t.Errorf("the next request reused client-request-id %q", th.crids[0])
			}
		})
	}
}

func TestPersistentThrottlingIsAnErrorNotAFailure(t *testing.T) {
	th := &throttler{h: newFake(breaks{}), retryAfter: "1", status: http.StatusTooManyRequests, n: -1}
	srv := httptest.NewServer(th)
	t.Cleanup(srv.Close)
	rep := run(t, conformance.Config{BaseURL: srv.URL, Token: testToken, Profile: conformance.ProfileGraph, HTTPClient: srv.Client(), Clock: newFakeClock()})
	for _, r := range rep.Results {
		if r.Status == conformance.Fail {
			t.Errorf("%s: FAIL %s, want ERROR or SKIP: throttling is not the server breaking a rule", r.ID, r.Reason)
		}
	}
	if r, _ := rep.Result("DR-ENV-001"); r.Status != conformance.Error || len(r.Exchanges) == 0 || r.Exchanges[0].Status != 429 {
		t.Errorf("DR-ENV-001 = %s %q with %d exchanges, want ERROR showing the 429", r.Status, r.Reason, len(r.Exchanges))
	}
	if rep.Passed() {
		t.Error("Passed() = true, want false: MUST checks could not run")
	}
}

func TestRetryAfterBeyondCapIsAnError(t *testing.T) {
	th := &throttler{h: newFake(breaks{}), retryAfter: "86400", status: http.StatusTooManyRequests, n: -1}
	srv := httptest.NewServer(th)
	t.Cleanup(srv.Close)
	clock := newFakeClock()
	rep := run(t, conformance.Config{BaseURL: srv.URL, Token: testToken, Profile: conformance.ProfileGraph, HTTPClient: srv.Client(), Clock: clock,
		Run: []string{"DR-ENV-001"}})
	if r, _ := rep.Result("DR-ENV-001"); r.Status != conformance.Error || !strings.Contains(r.Reason, "wait") {
		t.Errorf("DR-ENV-001 = %s %q, want ERROR about the wait", r.Status, r.Reason)
	}
	if clock.Now().Sub(fakeNow()) > 2*time.Second {
		t.Errorf("the kit slept %s for a day-long Retry-After", clock.Now().Sub(fakeNow()))
	}
}

// TestWireForms shows the date forms reach the server byte for byte.
func TestWireForms(t *testing.T) {
	f := newFake(breaks{})
	run(t, serve(t, f, conformance.ProfileGraph))
	var uris []string
	for _, r := range f.requests {
		uris = append(uris, r.uri)
	}
	all := strings.Join(uris, "\n")
	for _, want := range []string{
		"(fromDateTime=2026-11-19,toDateTime=2026-11-26)",
		"fromDateTime=2026-11-19T02:00:00+02:00,",
		"fromDateTime=2026-11-18T19:00:00-05:00,",
		"fromDateTime=2026-11-19T00%3A00%3A00Z,",
		"fromDateTime=2026-11-19T02%3A00%3A00%2B02%3A00,",
		"fromDateTime=2026-11-19T00:00:00.0000000Z,",
		"(toDateTime=2026-11-26T00:00:00Z,fromDateTime=2026-11-19T00:00:00Z)",
		"/beta/communications/callRecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(",
		"/beta/communications/callRecords/callRecords.getPstnOnlineMeetingDialoutReport(",
		"/beta/communications/callrecords/GETPSTNONLINEMEETINGDIALOUTREPORT(",
		"/v1.0/communications/callRecords/getPstnOnlineMeetingDialoutReport(",
		"toDateTime=2026-11-11T12:00:00Z)",
		"(fromDateTime=2026-11-11T12:00:00.0000001Z,",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no request URI contains %q", want)
		}
	}
	for _, r := range f.requests {
		if id := r.header.Get("client-request-id"); id != "" && !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
			t.Errorf("client-request-id %q is not a v4 UUID", id)
		}
	}
}

func TestAdminKeyIsSentToTheControlAPIOnly(t *testing.T) {
	f := newFake(breaks{})
	f.adminKey = "admin-key-0a9b8c7d6e5f"
	cfg := serve(t, f, conformance.ProfileMock)
	cfg.AdminKey = f.adminKey
	rep := run(t, cfg)
	if !rep.Passed() {
		t.Errorf("Passed() = false:%s", describe(rep, conformance.Fail))
	}
	for _, r := range f.requests {
		if got := r.header.Get("X-Admin-Key"); (got != "") != strings.HasPrefix(r.uri, "/_mock/") {
			t.Errorf("%s %s: X-Admin-Key %q", r.method, r.uri, got)
		}
	}
}

func TestMissingAdminKeyIsAnErrorNotAFailure(t *testing.T) {
	f := newFake(breaks{})
	f.adminKey = "admin-key-0a9b8c7d6e5f"
	rep := run(t, serve(t, f, conformance.ProfileMock))
	for _, r := range rep.Results {
		if r.Status == conformance.Fail {
			t.Errorf("%s: FAIL %s, want no failure: the kit lacks the key, the server is fine", r.ID, r.Reason)
		}
	}
	if r, _ := rep.Result("DR-LEDGER-010"); r.Status != conformance.Error || !strings.Contains(r.Reason, "admin key") {
		t.Errorf("DR-LEDGER-010 = %s %q, want ERROR naming the admin key", r.Status, r.Reason)
	}
}

// leaker answers a report request with a token and both dates with an empty page (so that the
// checks that want an error answer run), and every other request 400 with the Authorization and
// X-Admin-Key it got, and a script tag.
func leaker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Echo", r.Header.Get("Authorization"))
	if p := r.URL.Path; strings.HasPrefix(p, "/beta/") && strings.Contains(p, "fromDateTime=2") && strings.Contains(p, "toDateTime=2") &&
		r.URL.RawQuery == "" && len(r.Header.Get("Authorization")) > len("Bearer ") {
		fmt.Fprintf(w, `{"@odata.context":"http://%s/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)","@odata.count":0,"value":[]}`, r.Host)
		return
	}
	w.WriteHeader(http.StatusBadRequest)
	msg := "you sent " + r.Header.Get("Authorization") + " and " + r.Header.Get("X-Admin-Key") + " <script>alert(1)</script>"
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "BadRequest", "message": msg}})
}

// outputs renders rep in every format.
func outputs(t *testing.T, rep *conformance.Report) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":  func(b *bytes.Buffer) error { return rep.WriteText(b) },
		"json":  func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
		"junit": func(b *bytes.Buffer) error { return rep.WriteJUnit(b) },
		"html":  func(b *bytes.Buffer) error { return rep.WriteHTML(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
		out[name] = b.String()
	}
	return out
}

func TestSecretsNeverAppear(t *testing.T) {
	const admin = "admin-key-0a9b8c7d6e5f"
	srv := httptest.NewServer(http.HandlerFunc(leaker))
	t.Cleanup(srv.Close)
	rep := run(t, conformance.Config{BaseURL: srv.URL, Token: testToken, AdminKey: admin, Profile: conformance.ProfileMock,
		HTTPClient: srv.Client(), Clock: newFakeClock()})
	if rep.Passed() {
		t.Fatal("Passed() = true against a server that refuses most requests")
	}
	for name, text := range outputs(t, rep) {
		for _, secret := range []string{testToken, admin} {
			if strings.Contains(text, secret) {
				t.Errorf("%s output holds the secret %q", name, secret)
			}
		}
		if name != "json" && !strings.Contains(text, "Bearer &lt;redacted&gt;") && !strings.Contains(text, "Bearer <redacted>") {
			t.Errorf("%s output does not show the redacted Authorization", name)
		}
	}
}

func TestJUnitIsValid(t *testing.T) {
	rep := run(t, serve(t, newFake(breaks{countIsTotal: true, noMessage: true}), conformance.ProfileMock))
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	text := outputs(t, rep)["junit"]
	if err := xml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("xml.Unmarshal = %v\n%s", err, text)
	}
	s := rep.Summary
	if doc.Tests != s.Total || doc.Failures != s.Failed || doc.Errors != s.Errors || doc.Skipped != s.Skipped {
		t.Errorf("testsuites tests/failures/errors/skipped = %d/%d/%d/%d, want %d/%d/%d/%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, s.Total, s.Failed, s.Errors, s.Skipped)
	}
	cases, failed := 0, map[string]bool{}
	for _, suite := range doc.Suites {
		if len(suite.Cases) != suite.Tests {
			t.Errorf("suite %s: tests=%d, %d testcases", suite.Name, suite.Tests, len(suite.Cases))
		}
		for _, c := range suite.Cases {
			cases++
			if c.Failure != nil {
				failed[strings.Fields(c.Name)[0]] = true
			}
		}
	}
	if cases != len(rep.Results) {
		t.Errorf("%d testcases, want %d", cases, len(rep.Results))
	}
	for _, id := range []string{"DR-PAGE-002", "DR-ERR-002"} {
		if !failed[id] {
			t.Errorf("no <failure> for %s", id)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(leaker))
	t.Cleanup(srv.Close)
	rep := run(t, conformance.Config{BaseURL: srv.URL, Token: testToken, Profile: conformance.ProfileMock, HTTPClient: srv.Client(), Clock: newFakeClock()})
	page := outputs(t, rep)["html"]
	lower := strings.ToLower(page)
	for _, bad := range []string{"src=", "<link", "@import", "url(", "<script", "<iframe", "<object", "<embed", "srcset", "http-equiv"} {
		if strings.Contains(lower, bad) {
			t.Errorf("the HTML report contains %q", bad)
		}
	}
	for _, m := range regexp.MustCompile(`(?i)href\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("href %q leaves the page", m[1])
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "curl -sS", "Bearer &lt;redacted&gt;", "DR-ENV-001", "<style>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "Checks</th>"), strings.Index(page, "Failed and broken checks"); i < 0 || j < i {
		t.Errorf("the summary does not come first")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	rep := run(t, serve(t, newFake(breaks{countIsTotal: true}), conformance.ProfileMock))
	var back conformance.Report
	if err := json.Unmarshal([]byte(outputs(t, rep)["json"]), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep, &back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func TestConfigErrors(t *testing.T) {
	ok := conformance.Config{BaseURL: "http://127.0.0.1:1", Token: testToken, Profile: conformance.ProfileMock}
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(*conformance.Config)
	}{
		{"no base URL", func(c *conformance.Config) { c.BaseURL = "" }},
		{"not http", func(c *conformance.Config) { c.BaseURL = "ftp://x" }},
		{"no host", func(c *conformance.Config) { c.BaseURL = "http:///beta" }},
		{"a query", func(c *conformance.Config) { c.BaseURL = "http://x/?a=1" }},
		{"unknown profile", func(c *conformance.Config) { c.Profile = "prod" }},
		{"graph without token", func(c *conformance.Config) { c.Profile, c.Token = conformance.ProfileGraph, "" }},
		{"From only", func(c *conformance.Config) { c.From = day }},
		{"From after To", func(c *conformance.Config) { c.From, c.To = day, day.Add(-time.Second) }},
		{"over 90 days", func(c *conformance.Config) { c.From, c.To = day, day.Add(conformance.MaxRange+time.Second) }},
		{"bad selector", func(c *conformance.Config) { c.Run = []string{"DR-("} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			rep, err := conformance.Run(context.Background(), cfg)
			if !errors.Is(err, conformance.ErrConfig) || rep != nil {
				t.Errorf("Run = %v, %v; want nil, ErrConfig", rep, err)
			}
		})
	}
}

func TestBaseURLForms(t *testing.T) {
	for _, suffix := range []string{"", "/", "/beta", "/beta/", "/BETA"} {
		t.Run(suffix, func(t *testing.T) {
			f := newFake(breaks{})
			cfg := serve(t, f, conformance.ProfileMock)
			root := cfg.BaseURL
			cfg.BaseURL += suffix
			cfg.Run = []string{"DR-ENV-001"}
			rep := run(t, cfg)
			if rep.BaseURL != root || !rep.Passed() {
				t.Errorf("BaseURL %q: report for %q, passed %v", cfg.BaseURL, rep.BaseURL, rep.Passed())
			}
		})
	}
}

func TestSelection(t *testing.T) {
	ids := func(run, skip []string) []string {
		checks, err := conformance.Select(run, skip)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range checks {
			out = append(out, c.ID)
		}
		return out
	}
	all := ids(nil, nil)
	if len(all) != len(conformance.Catalogue()) {
		t.Errorf("Select(nil, nil) = %d checks, want all %d", len(all), len(conformance.Catalogue()))
	}
	if got := ids([]string{"dr-env-001"}, nil); !cmp.Equal(got, []string{"DR-ENV-001"}) {
		t.Errorf("Select(dr-env-001) = %v", got)
	}
	if got := ids([]string{"^DR-AUTH", "DR-ERR-00[12]"}, []string{"DR-AUTH-00[34]"}); !cmp.Equal(got, []string{"DR-AUTH-001", "DR-AUTH-002", "DR-ERR-001", "DR-ERR-002"}) {
		t.Errorf("Select(AUTH, ERR-00[12] minus AUTH-00[34]) = %v", got)
	}
	for _, id := range ids(nil, []string{"LEDGER"}) {
		if strings.Contains(id, "LEDGER") {
			t.Errorf("skip LEDGER kept %s", id)
		}
	}
}

// TestChecksStandAlone runs each area alone: a check must not depend on an earlier one having run.
func TestChecksStandAlone(t *testing.T) {
	for _, area := range []string{"ENV", "SCHEMA", "PAGE", "PARAM", "AUTH", "AGG", "ERR", "LEDGER"} {
		t.Run(area, func(t *testing.T) {
			cfg := serve(t, newFake(breaks{}), conformance.ProfileMock)
			cfg.Run = []string{"DR-" + area + "-"}
			rep := run(t, cfg)
			for _, r := range rep.Results {
				if r.Area() != area {
					t.Errorf("%s ran", r.ID)
				}
				if r.Status != conformance.Pass {
					t.Errorf("%s: %s %s", r.ID, r.Status, r.Reason)
				}
			}
		})
	}
}

func TestProgress(t *testing.T) {
	cfg := serve(t, newFake(breaks{}), conformance.ProfileGraph)
	cfg.Run = []string{"DR-ENV", "DR-LEDGER-001"}
	var events []conformance.Event
	cfg.Progress = func(e conformance.Event) { events = append(events, e) }
	rep := run(t, cfg)
	if len(events) != 2*len(rep.Results) {
		t.Fatalf("%d events for %d checks, want 2 each", len(events), len(rep.Results))
	}
	for i, e := range events {
		if e.Index != i/2+1 || e.Total != len(rep.Results) || (e.Result == nil) != (i%2 == 0) || e.Check.ID != rep.Results[i/2].ID {
			t.Errorf("event %d = %+v", i, e)
		}
	}
	if r, _ := rep.Result("DR-LEDGER-001"); r.Status != conformance.Skip || !strings.Contains(r.Reason, "mock profile") {
		t.Errorf("DR-LEDGER-001 in the graph profile = %s %q, want SKIP (mock profile only)", r.Status, r.Reason)
	}
}

func TestCancelledRun(t *testing.T) {
	cfg := serve(t, newFake(breaks{}), conformance.ProfileMock)
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Progress = func(e conformance.Event) {
		if e.Index == 3 && e.Result != nil {
			cancel()
		}
	}
	rep, err := conformance.Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) || rep == nil {
		t.Fatalf("Run = %v, %v; want a report and context.Canceled", rep, err)
	}
	if r := rep.Results[3]; r.Status != conformance.Error {
		t.Errorf("check 4 after cancel = %s, want ERROR", r.Status)
	}
	if len(rep.Results) != len(conformance.Catalogue()) {
		t.Errorf("%d results, want one per check", len(rep.Results))
	}
}
