package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/conformance"
)

func TestNoCheckSelectedIsAnError(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*conformance.Config)
		wantText string
	}{
		{"a typo in run", func(c *conformance.Config) { c.Run = []string{"DR-NOPE-999"} }, "DR-NOPE-999 matches no check"},
		{"skip removes every check", func(c *conformance.Config) { c.Run, c.Skip = []string{"DR-ENV"}, []string{"ENV"} }, "removes all 12 checks"},
		{"only mock checks in the graph profile", func(c *conformance.Config) {
			c.Profile, c.Run = conformance.ProfileGraph, []string{"DR-LEDGER"}
		}, "none of the 8 checks selected can run"},
		{"only checks that change state with NoMutate", func(c *conformance.Config) {
			c.NoMutate, c.Run = true, []string{"DR-LEDGER-01"}
		}, "change the server's state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(breaks{})
			cfg := serve(t, f, conformance.ProfileMock)
			tt.change(&cfg)
			rep, err := conformance.Run(context.Background(), cfg)
			if rep != nil || !errors.Is(err, conformance.ErrNoChecks) || !errors.Is(err, conformance.ErrConfig) {
				t.Fatalf("Run = %v, %v; want no report and ErrNoChecks", rep, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Run error %q does not say %q", err, tt.wantText)
			}
			if len(f.requests) != 0 {
				t.Errorf("the kit sent %d requests for a run of nothing", len(f.requests))
			}
		})
	}
	if _, err := conformance.Select([]string{"DR-NOPE-999"}, nil); !errors.Is(err, conformance.ErrNoChecks) {
		t.Errorf("Select(DR-NOPE-999) = %v, want ErrNoChecks", err)
	}
}

// mockCall sends one control API request to the fake and returns the body; a status other than want
// fails the test.
func mockCall(t *testing.T, cfg conformance.Config, method, path, body string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, cfg.BaseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	rsp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	if rsp.StatusCode != want {
		t.Fatalf("%s %s = HTTP %d %s, want %d", method, path, rsp.StatusCode, b, want)
	}
	return b
}

// userScenario is a dataset a user loads before running the kit: calls in the kit's default range.
func userScenario() string {
	var users, calls []string
	for i := range 6 {
		id := fmt.Sprintf("7d0c3e2a-7d41-4f6e-8a9b-%012d", i+1)
		users = append(users, fmt.Sprintf(`{"id":%q,"userPrincipalName":"u%d@fabrikam.com","displayName":"Üser %d","usageLocation":"SE"}`, id, i+1, i+1))
		for j := range 3 {
			start := time.Date(2026, 11, 1+i+j*7, 9, 30, 0, 0, time.UTC).Format(time.RFC3339)
			calls = append(calls, fmt.Sprintf(`{"id":"8e1d2e3f-4a5b-4c6d-8e7f-%06d%06d","organizerId":%q,"startDateTime":%q,"duration":%d,"destinationContext":"Domestic","charge":"0.%02d","connectionCharge":0,"currency":"SEK","usageLocation":"SE"}`,
				i+1, j+1, id, start, 60+j, 10+i+j))
		}
	}
	return `{"name":"mine","description":"a user's own","users":[` + strings.Join(users, ",") + `],"calls":[` + strings.Join(calls, ",") + `]}`
}

// TestRestoresWhatItFound loads a user's own scenario, queues a fault the kit's requests would meet
// and fills the journal, then runs the mock profile: the mock's documented reset is not a failure,
// the checks meet no fault, and afterwards the mock serves the user's dataset and holds the fault.
func TestRestoresWhatItFound(t *testing.T) {
	f := newFake(breaks{})
	cfg := serve(t, f, conformance.ProfileMock)
	mockCall(t, cfg, http.MethodPut, "/_mock/dataset?name=mine", userScenario(), 200)
	mockCall(t, cfg, http.MethodPost, "/_mock/faults", `{"path":"getPstnOnlineMeetingDialoutReport","times":2,"status":503,"retryAfter":1}`, 201)
	mockCall(t, cfg, http.MethodGet, "/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-11-01,toDateTime=2026-11-02)", "", 503)
	callsBefore := mockCall(t, cfg, http.MethodGet, "/_mock/calls", "", 200)
	faultsBefore := mockCall(t, cfg, http.MethodGet, "/_mock/faults", "", 200)

	var events []string
	cfg.Progress = func(e conformance.Event) {
		if e.Index == 1 && e.Result == nil {
			events = append(events, "first check")
		}
	}
	cfg.Notice = func(s string) { events = append(events, s) }
	rep := run(t, cfg)
	if !rep.Passed() {
		t.Errorf("Passed() = false:%s", describe(rep, conformance.Fail))
	}
	if r, _ := rep.Result("DR-LEDGER-014"); r.Status != conformance.Pass {
		t.Errorf("DR-LEDGER-014 = %s %s, want PASS: the documented reset is not a failure", r.Status, r.Reason)
	}
	if got := mockCall(t, cfg, http.MethodGet, "/_mock/calls", "", 200); !bytes.Equal(got, callsBefore) {
		t.Errorf("GET /_mock/calls after the run:\n%s\nwant the user's ledger:\n%s", got, callsBefore)
	}
	var sum struct {
		Name         string
		Users, Calls int
	}
	if err := json.Unmarshal(mockCall(t, cfg, http.MethodGet, "/_mock/dataset", "", 200), &sum); err != nil || sum.Name != "scenario mine" || sum.Users != 6 || sum.Calls != 18 {
		t.Errorf("GET /_mock/dataset after the run = %+v, %v; want the user's scenario mine, 6 users, 18 calls", sum, err)
	}
	// A fault comes back with the uses it had left; its times, the count it was queued with, is
	// what a POST can give: that same count.
	if got, want := faultUses(t, mockCall(t, cfg, http.MethodGet, "/_mock/faults", "", 200)), faultUses(t, faultsBefore); !cmp.Equal(got, want) {
		t.Errorf("GET /_mock/faults after the run = %v, want %v", got, want)
	}
	// What the user reads of the restored dataset is what the scenario says.
	full := run(t, conformance.Config{BaseURL: cfg.BaseURL, Token: testToken, Profile: conformance.ProfileMock, HTTPClient: cfg.HTTPClient,
		Clock: newFakeClock(), NoMutate: true, Run: []string{"DR-LEDGER-00[12]", "DR-PAGE-00[1-8]"}})
	if !full.Passed() {
		t.Errorf("the restored dataset does not pass the ledger checks:%s", describe(full, conformance.Fail))
	}

	if len(events) < 3 || events[len(events)-1] == "first check" {
		t.Fatalf("events = %q, want notices before the first check and after the last", events)
	}
	first := slices.Index(events, "first check")
	before := strings.Join(events[:first], "\n")
	for _, want := range []string{"DR-LEDGER-014", "empties its request journal (1 request in it now)", "the 1 queued fault it sets aside",
		"version scenario-1", "a copy rebuilt from GET /_mock/calls", "--no-mutate"} {
		if !strings.Contains(before, want) {
			t.Errorf("the notices before the first check do not say %q:\n%s", want, before)
		}
	}
	after := strings.Join(events[first+1:], "\n")
	for _, want := range []string{"Put back a copy of the dataset it found (version scenario-1)", "Queued again the 1 fault"} {
		if !strings.Contains(after, want) {
			t.Errorf("the notices after the last check do not say %q:\n%s", want, after)
		}
	}
	if diff := cmp.Diff(events[:first], rep.Notes[:first]); diff != "" {
		t.Errorf("Report.Notes (-notices +notes):\n%s", diff)
	}
}

// faultUses reads GET /_mock/faults without each fault's times.
func faultUses(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var faults []map[string]any
	if err := json.Unmarshal(body, &faults); err != nil {
		t.Fatalf("GET /_mock/faults: %v\n%s", err, body)
	}
	for _, f := range faults {
		delete(f, "times")
	}
	return faults
}

// TestRestoresTheStartupDatasetExactly: when the run found the startup dataset, a reset brings back
// that very version.
func TestRestoresTheStartupDatasetExactly(t *testing.T) {
	f := newFake(breaks{})
	cfg := serve(t, f, conformance.ProfileMock)
	rep := run(t, cfg)
	if !rep.Passed() {
		t.Errorf("Passed() = false:%s", describe(rep, conformance.Fail))
	}
	if f.data != f.startup {
		t.Errorf("after the run the fake serves %q, want its startup dataset", f.data.version)
	}
	if last := rep.Notes[len(rep.Notes)-1]; !strings.Contains(last, "serves the dataset it found again (version startup)") {
		t.Errorf("last note %q, want it to say the startup dataset is served again", last)
	}
	out := outputs(t, rep)
	for name, want := range map[string]string{"text": "note: The mock serves the dataset it found again", "html": "<li>The mock serves the dataset it found again"} {
		if !strings.Contains(out[name], want) {
			t.Errorf("the %s report lacks %q", name, want)
		}
	}
}

func TestNotRestoredIsAnError(t *testing.T) {
	f := newFake(breaks{})
	cfg := serve(t, f, conformance.ProfileMock)
	mockCall(t, cfg, http.MethodPut, "/_mock/dataset?name=mine", userScenario(), 200)
	f.b.putRefusesNamed = true // the rebuilt copy goes in under its name
	rep, err := conformance.Run(context.Background(), cfg)
	if rep == nil || !errors.Is(err, conformance.ErrNotRestored) {
		t.Fatalf("Run = %v, %v; want a report and ErrNotRestored", rep, err)
	}
	if !rep.Passed() {
		t.Errorf("Passed() = false:%s\nthe checks passed; only putting back failed", describe(rep, conformance.Fail))
	}
	if last := rep.Notes[len(rep.Notes)-1]; !strings.Contains(last, "Could not put back") {
		t.Errorf("last note %q, want it to say what could not be put back", last)
	}
}

// TestNoMutateChangesNothing: only GETs, the checks that change state skipped with the reason, the
// journal and the queued faults left as they were.
func TestNoMutateChangesNothing(t *testing.T) {
	f := newFake(breaks{})
	cfg := serve(t, f, conformance.ProfileMock)
	mockCall(t, cfg, http.MethodPost, "/_mock/faults", `{"path":"/beta/users","times":1,"status":500}`, 201)
	n := len(f.requests)
	cfg.NoMutate = true
	var notices []string
	cfg.Notice = func(s string) { notices = append(notices, s) }
	rep := run(t, cfg)
	if !rep.Passed() {
		t.Errorf("Passed() = false:%s", describe(rep, conformance.Fail))
	}
	for _, r := range f.requests[n:] {
		if r.method != http.MethodGet {
			t.Errorf("NoMutate sent %s %s", r.method, r.uri)
		}
	}
	for _, r := range rep.Results {
		switch {
		case r.ChangesState && (r.Status != conformance.Skip || !strings.Contains(r.Reason, "--no-mutate")):
			t.Errorf("%s = %s %q, want SKIP naming --no-mutate", r.ID, r.Status, r.Reason)
		case !r.ChangesState && r.Status != conformance.Pass:
			t.Errorf("%s = %s %s, want PASS", r.ID, r.Status, r.Reason)
		}
	}
	if len(f.faults) != 1 || len(f.journal) == 0 {
		t.Errorf("after a NoMutate run: %d faults, %d journal entries; want the fault and the journal kept", len(f.faults), len(f.journal))
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "1 fault is queued") {
		t.Errorf("notices = %q, want one warning of the queued fault", notices)
	}
}

// TestRateCapWaitIsShown: the graph profile says when it waits on the cap, how long, and about how
// much is left, at most once every 5 s by the run's clock.
func TestRateCapWaitIsShown(t *testing.T) {
	f := newFake(breaks{})
	cfg := serve(t, f, conformance.ProfileGraph)
	cfg.MaxRPM = 10
	clock := cfg.Clock
	type notice struct {
		at   time.Time
		text string
	}
	var got []notice
	cfg.Notice = func(s string) { got = append(got, notice{clock.Now(), s}) }
	rep := run(t, cfg)
	if !rep.Passed() {
		t.Fatalf("Passed() = false:%s", describe(rep, conformance.Fail))
	}
	if len(got) < 2 {
		t.Fatalf("%d notices for a run of %d requests at 10 a minute, want several", len(got), len(f.requests))
	}
	line := regexp.MustCompile(`^waiting (\d+\.\d s|\d+ ms) for the 10 requests/min cap \(about (\d+) (s|min) left for (\d+) planned requests\)$`)
	early := regexp.MustCompile(`^waiting (\d+\.\d s|\d+ ms) for the 10 requests/min cap \(the time left is known once the report of \[From, To\] is read\)$`)
	if !early.MatchString(got[0].text) {
		t.Errorf("first notice %q, want one that waits for the first read to tell the time left", got[0].text)
	}
	for len(got) > 0 && early.MatchString(got[0].text) { // while the first read goes on
		got = got[1:]
	}
	for i, n := range got {
		m := line.FindStringSubmatch(n.text)
		if m == nil {
			t.Errorf("notice %q does not say how long it waits and how much is left", n.text)
			continue
		}
		if i > 0 && n.at.Sub(got[i-1].at) < 5*time.Second {
			t.Errorf("notices %d and %d %s apart by the run's clock, want at least 5 s", i, i+1, n.at.Sub(got[i-1].at))
		}
	}
	// Each estimate against what was sent after it: about right, within a factor of two.
	for _, n := range got {
		m := line.FindStringSubmatch(n.text)
		if m == nil {
			continue
		}
		planned, _ := strconv.Atoi(m[4])
		sent := 0
		for _, r := range f.requests {
			if !r.at.Before(n.at) {
				sent++
			}
		}
		if planned < sent/2-2 || planned > 2*sent+5 {
			t.Errorf("at %s the run planned %d more requests, and sent %d", n.at.Format(time.TimeOnly), planned, sent)
		}
	}
	if len(rep.Notes) != 0 {
		t.Errorf("Notes = %q, want none: waits are shown while they last", rep.Notes)
	}
}

func TestHeadersAreSentAndRedacted(t *testing.T) {
	f := newFake(breaks{})
	cfg := serve(t, f, conformance.ProfileMock)
	cfg.Header = http.Header{"X-Api-Key": {"gw"}, "X-Trace": {"trace-1"}}
	cfg.Run = []string{"DR-ENV-001", "DR-LEDGER-001"}
	rep := run(t, cfg)
	for _, r := range f.requests {
		if r.header.Get("X-Api-Key") != "gw" || r.header.Get("X-Trace") != "trace-1" {
			t.Errorf("%s %s: X-Api-Key %q, X-Trace %q; want both sent", r.method, r.uri, r.header.Get("X-Api-Key"), r.header.Get("X-Trace"))
		}
	}
	_ = rep

	srv := httptest.NewServer(http.HandlerFunc(leaker))
	t.Cleanup(srv.Close)
	rep = run(t, conformance.Config{BaseURL: srv.URL, Token: testToken, Profile: conformance.ProfileMock, HTTPClient: srv.Client(), Clock: newFakeClock(),
		Header: http.Header{"Ocp-Apim-Subscription-Key": {"sub-9f8e"}, "X-Client": {"kit"}}})
	for name, text := range outputs(t, rep) {
		if strings.Contains(text, "sub-9f8e") {
			t.Errorf("%s output holds the subscription key", name)
		}
		if name != "json" && !strings.Contains(text, "X-Client: kit") && !strings.Contains(text, `X-Client&#39;: kit`) && strings.Contains(text, "curl") {
			t.Errorf("%s output does not show the other header", name)
		}
	}

	for _, bad := range []http.Header{{"Authorization": {"Bearer x"}}, {"client-request-id": {"x"}}, {"X-Admin-Key": {"k"}}, {"Bad Name": {"x"}}, {"X-Ok": {"a\r\nb"}}} {
		c := cfg
		c.Header = bad
		if _, err := conformance.Run(context.Background(), c); !errors.Is(err, conformance.ErrConfig) {
			t.Errorf("Run with Header %v = %v, want ErrConfig", bad, err)
		}
	}
}

// TestShortTokensNeverAppear: a token of any length is redacted where it stands alone in every
// output, here from a server that echoes it in bodies and headers.
func TestShortTokensNeverAppear(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(leaker))
	t.Cleanup(srv.Close)
	for _, token := range []string{"Q", "zq", "7Kx", "w9Zq", "p0-x7", "Ab1_c2", "Zq9-x7Y"} {
		t.Run(token, func(t *testing.T) {
			rep := run(t, conformance.Config{BaseURL: srv.URL, Token: token, Profile: conformance.ProfileGraph, MaxRPM: -1,
				HTTPClient: srv.Client(), Clock: newFakeClock()})
			alone := regexp.MustCompile(`(^|[^A-Za-z0-9._~+/-])` + regexp.QuoteMeta(token) + `($|[^A-Za-z0-9._~+/-])`)
			echoed := false
			for name, text := range outputs(t, rep) {
				if m := alone.FindString(text); m != "" {
					t.Errorf("%s output holds the token: ...%s...", name, m)
				}
				echoed = echoed || strings.Contains(text, "you sent Bearer &lt;redacted&gt;") || strings.Contains(text, "you sent Bearer <redacted>") ||
					strings.Contains(text, `you sent Bearer \u003credacted\u003e`)
			}
			if !echoed {
				t.Errorf("no output shows the server's echo, redacted: the test shows nothing")
			}
		})
	}
}

// TestNonJSONErrorBodyIsNamed: an error body that is not JSON is reported as such, not as a schema
// type error about its first number.
func TestNonJSONErrorBodyIsNamed(t *testing.T) {
	f := newFake(breaks{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "404 page not found\n")
			return
		}
		f.ServeHTTP(w, r)
	})
	cfg := serveHandler(t, h, conformance.ProfileGraph)
	f.clock = cfg.Clock.Now
	cfg.Run = []string{"DR-ERR-001"}
	cfg.MaxRPM = -1
	rep := run(t, cfg)
	r, _ := rep.Result("DR-ERR-001")
	if r.Status != conformance.Fail || !strings.Contains(strings.Join(r.Details, "\n"), `the body is not JSON: "404 page not found\n"`) {
		t.Errorf("DR-ERR-001 = %s %q, want FAIL saying the body is not JSON", r.Status, r.Details)
	}
	if strings.Contains(strings.Join(r.Details, "\n"), "Invalid type") {
		t.Errorf("DR-ERR-001 details %q speak of a schema type", r.Details)
	}
}
