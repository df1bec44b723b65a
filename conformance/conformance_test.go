package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/conformance"
	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

const testToken = "test-token-6f1d2c9a8b7e" // long enough to be scrubbed from free text

// fakeClock is a Clock whose Sleep returns at once after moving time on: rate limits and Retry-After
// waits cost no wall-clock time, and tests can read when each request was sent.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: fakeNow()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// serve starts f on 127.0.0.1:0 for the test and returns a config aimed at it.
func serve(tb testing.TB, f *fake, profile conformance.Profile) conformance.Config {
	tb.Helper()
	clock := newFakeClock()
	f.clock = clock.Now // before the server starts: its handlers read the field
	srv := httptest.NewServer(f)
	tb.Cleanup(srv.Close)
	return conformance.Config{
		BaseURL:    srv.URL,
		Token:      testToken,
		Profile:    profile,
		HTTPClient: srv.Client(),
		Clock:      clock,
	}
}

func run(tb testing.TB, cfg conformance.Config) *conformance.Report {
	tb.Helper()
	rep, err := conformance.Run(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("Run = %v", err)
	}
	return rep
}

// describe lists the results that did not pass, for failure messages.
func describe(rep *conformance.Report, min conformance.Status) string {
	var b strings.Builder
	for _, r := range rep.Results {
		if r.Status >= min {
			b.WriteString("\n  " + r.Status.String() + " " + r.Level.String() + " " + r.ID + ": " + r.Reason)
			for _, d := range r.Details[1:min2(len(r.Details), 4)] {
				b.WriteString("\n      " + d)
			}
		}
	}
	return b.String()
}

func min2(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func TestCatalogue(t *testing.T) {
	checks := conformance.Catalogue()
	if len(checks) < 35 {
		t.Errorf("len(Catalogue()) = %d, want at least 35", len(checks))
	}
	areas := map[string]int{}
	seen := map[string]bool{}
	for _, c := range checks {
		if seen[c.ID] {
			t.Errorf("ID %s twice", c.ID)
		}
		seen[c.ID] = true
		areas[c.Area()]++
		if !strings.HasPrefix(c.ID, "DR-") || len(strings.Split(c.ID, "-")) != 3 || len(strings.Split(c.ID, "-")[2]) != 3 {
			t.Errorf("ID %q is not DR-<AREA>-<NNN>", c.ID)
		}
		if c.Title == "" || c.Statement == "" || len(c.Profiles) == 0 || (c.Level != conformance.Must && c.Level != conformance.Should) {
			t.Errorf("%s: incomplete: %+v", c.ID, c)
		}
		if !strings.Contains(c.Statement, "docs/contract.md#") && !strings.Contains(c.Statement, "learn.microsoft.com/") {
			t.Errorf("%s: the statement cites neither the contract document nor a Graph page", c.ID)
		}
	}
	for _, a := range []string{"ENV", "SCHEMA", "PAGE", "PARAM", "AUTH", "AGG", "ERR", "LEDGER", "TENANT"} {
		if areas[a] == 0 {
			t.Errorf("area %s has no check", a)
		}
	}
	// Catalogue order groups areas and numbers ascend within an area.
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.ID
	}
	for i := 1; i < len(checks); i++ {
		if checks[i].Area() == checks[i-1].Area() && checks[i].ID < checks[i-1].ID {
			t.Errorf("%s comes after %s", checks[i].ID, checks[i-1].ID)
		}
	}
	_ = sort.StringsAreSorted(ids)
}

func TestReferenceServerPasses(t *testing.T) {
	for _, profile := range []conformance.Profile{conformance.ProfileMock, conformance.ProfileGraph} {
		t.Run(string(profile), func(t *testing.T) {
			f := newFake(breaks{})
			cfg := serve(t, f, profile)
			rep := run(t, cfg)
			if !rep.Passed() {
				t.Errorf("Passed() = false, want true:%s", describe(rep, conformance.Fail))
			}
			for _, r := range rep.Results {
				switch {
				case r.Status == conformance.Pass:
				case r.Status == conformance.Skip && !r.In(profile):
				default:
					t.Errorf("%s %s: %s, want PASS: %s %v", r.Level, r.ID, r.Status, r.Reason, r.Details)
				}
			}
			if profile == conformance.ProfileGraph {
				for _, req := range f.requests {
					if req.method != "GET" {
						t.Errorf("graph profile sent %s %s", req.method, req.uri)
					}
					if strings.HasPrefix(req.uri, "/_mock/") {
						t.Errorf("graph profile touched the control API: %s", req.uri)
					}
				}
			}
		})
	}
}

// TestFakeAnswersTheLoadedScenario loads two scenarios over the same range, a reset between them, the
// way DR-LEDGER-010 and DR-LEDGER-011 do, and reads the range after each. The reference server once
// cached report rows by the dataset's address: after the reset the garbage collector could give the
// first scenario's freed address to the second, and the second read answered the first scenario's
// rows. runtime.GC between the rounds makes that reuse likely, so the loop catches such a cache.
func TestFakeAnswersTheLoadedScenario(t *testing.T) {
	scenario := func(users int) string {
		var us, cs []string
		for i := range users {
			id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
			us = append(us, fmt.Sprintf(`{"id":%q,"userPrincipalName":"u%d@contoso.com","displayName":"U %d","usageLocation":"US"}`, id, i+1, i+1))
			cs = append(cs, fmt.Sprintf(`{"id":"6a1e0c52-2f43-4c8e-9d2b-%012d","organizerId":%q,"startDateTime":"2025-03-10T09:00:00Z","duration":60,"destinationContext":"Domestic","charge":0.01,"connectionCharge":0,"currency":"USD"}`, i+1, id))
		}
		return `{"name":"s","description":"d","users":[` + strings.Join(us, ",") + `],"calls":[` + strings.Join(cs, ",") + `]}`
	}
	f := newFake(breaks{})
	serveOne := func(method, target, body string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s = HTTP %d %s, want 200", method, target, w.Code, w.Body)
		}
		return w
	}
	count := func() string {
		t.Helper()
		var pg struct {
			Count int    `json:"@odata.count"`
			Next  string `json:"@odata.nextLink"`
		}
		w := serveOne(http.MethodGet, "/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2025-03-01T00:00:00Z,toDateTime=2025-03-31T00:00:00Z)", "")
		if err := json.Unmarshal(w.Body.Bytes(), &pg); err != nil {
			t.Fatalf("report page: %v\n%s", err, w.Body)
		}
		return fmt.Sprintf("%d entries, nextLink %t", pg.Count, pg.Next != "")
	}
	for round := range 50 {
		for _, users := range []int{2, 6} {
			serveOne(http.MethodPut, "/_mock/dataset", scenario(users))
			want := fmt.Sprintf("%d entries, nextLink %t", min(users, f.pageSize), users > f.pageSize)
			if got := count(); got != want {
				t.Fatalf("round %d, scenario of %d users: first page has %s, want %s", round, users, got, want)
			}
			serveOne(http.MethodPost, "/_mock/reset", "")
			runtime.GC()
		}
	}
}

// TestBrokenServers shows that the kit catches each broken rule: the expected check fails, and no
// MUST check fails outside the listed collateral (checks that cannot help seeing the same fault).
func TestBrokenServers(t *testing.T) {
	big := func(n int) []fakeCall { // n users' worth of rows, for the 1001-entry page
		var out []fakeCall
		for i := range n {
			out = append(out, fakeCall{id: guid(100000 + i), organizer: guid(200000 + i), location: "BR", context: "Domestic",
				currency: "BRL", start: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), duration: 60, charge: "0.01", connection: "0"})
		}
		return out
	}
	overflow := []fakeCall{
		{id: guid(900001), organizer: guid(2), location: "US", context: "International", currency: "USD", start: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), duration: 1<<31 - 1, charge: "1.00", connection: "0"},
		{id: guid(900002), organizer: guid(2), location: "US", context: "International", currency: "USD", start: time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC), duration: 1<<31 - 1, charge: "1.00", connection: "0"},
	}
	tests := []struct {
		name       string
		b          breaks
		extra      []fakeCall
		pageSize   int
		want       string   // the check that must fail
		collateral []string // MUST checks allowed to fail too
	}{
		{name: "a key repeated across pages", b: breaks{dupKeyAcrossPages: true}, want: "DR-PAGE-007"},
		{name: "a key twice in one page", b: breaks{dupKeyInPage: true}, want: "DR-AGG-001"},
		{name: "a relative nextLink", b: breaks{relativeNextLink: true}, want: "DR-PAGE-003", collateral: []string{"DR-SCHEMA-001", "DR-PSTN-002", "DR-PSTN-008"}},
		{name: "a nextLink to another host", b: breaks{foreignNextLink: true}, want: "DR-PAGE-004", collateral: []string{"DR-PSTN-008"}},
		{name: "a nextLink on the last page", b: breaks{nextLinkOnLastPage: true}, want: "DR-PAGE-006"},
		{name: "@odata.count is the grand total", b: breaks{countIsTotal: true}, want: "DR-PAGE-002"},
		{name: "a string decimal", b: breaks{stringDecimal: true}, want: "DR-AGG-004", collateral: []string{"DR-SCHEMA-002"}},
		{name: "a float artefact", b: breaks{floatSums: true}, want: "DR-AGG-004", collateral: []string{"DR-LEDGER-002", "DR-LEDGER-003", "DR-LEDGER-010", "DR-AGG-006", "DR-XFN-001", "DR-XFN-002"}},
		{name: "an error without message", b: breaks{noMessage: true}, want: "DR-ERR-002", collateral: []string{"DR-ERR-001", "DR-LEDGER-013", "DR-PSTN-015"}},
		{name: "200 for a 100-day range", b: breaks{no90DayLimit: true}, want: "DR-PARAM-012", collateral: []string{"DR-PSTN-014"}},
		{name: "a total past Int32", b: breaks{}, extra: overflow, want: "DR-AGG-003", collateral: []string{"DR-SCHEMA-002"}},
		{name: "a fraction in an integer", b: breaks{exponentInteger: true}, want: "DR-AGG-003"},
		{name: "a wrong Content-Type", b: breaks{wrongContentType: true}, want: "DR-ENV-002"},
		{name: "rows that change between two reads", b: breaks{unstableRows: true}, want: "DR-PAGE-008"},
		{name: "a page of 1001 entries", b: breaks{}, extra: big(1001), pageSize: 1001, want: "DR-PAGE-001", collateral: []string{"DR-SCHEMA-001", "DR-LEDGER-011", "DR-PSTN-002", "DR-PSTN-003", "DR-PSTN-007"}},
		{name: "totals that disagree with the ledger", b: breaks{ledgerOffByOne: true}, want: "DR-LEDGER-002", collateral: []string{"DR-LEDGER-003"}},
		{name: "no @odata.context", b: breaks{noContext: true}, want: "DR-ENV-008", collateral: []string{"DR-SCHEMA-001"}},
		{name: "@odata.context not first", b: breaks{contextNotFirst: true}, want: "DR-ENV-009"},
		{name: "200 without a token", b: breaks{noAuth: true}, want: "DR-AUTH-001", collateral: []string{"DR-PSTN-015"}},
		{name: "no request-id", b: breaks{noRequestID: true}, want: "DR-ENV-004"},
		{name: "client-request-id not echoed", b: breaks{noCRIDEcho: true}, want: "DR-ENV-005"},
		{name: "no OData-Version", b: breaks{noODataVersion: true}, want: "DR-ENV-007"},
		{name: "/v1.0 served", b: breaks{v1Served: true}, want: "DR-PARAM-018"},
		{name: "from after to accepted", b: breaks{reversedAccepted: true}, want: "DR-PARAM-011", collateral: []string{"DR-PSTN-014"}},
		{name: "date-only read as the end of the day", b: breaks{dateOnlyEndOfDay: true}, want: "DR-PARAM-001", collateral: []string{"DR-PSTN-012"}},
		{name: "no percent-decoding", b: breaks{noPercentDecode: true}, want: "DR-PARAM-004", collateral: []string{"DR-PSTN-012"}},
		{name: "a raw + read as a space", b: breaks{plusAsSpace: true}, want: "DR-PARAM-003", collateral: []string{"DR-PSTN-012"}},
		{name: "the Kiota spelling refused", b: breaks{qualifiedRejected: true}, want: "DR-PARAM-006"},
		{name: "case-sensitive segments", b: breaks{caseSensitive: true}, want: "DR-PARAM-007", collateral: []string{"DR-PSTN-011"}},
		{name: "toDateTime exclusive", b: breaks{exclusiveTo: true}, want: "DR-LEDGER-003", collateral: []string{"DR-AGG-006", "DR-LEDGER-010", "DR-XFN-001", "DR-XFN-002"}},
		{name: "errors as text/plain", b: breaks{errorTextPlain: true}, want: "DR-ERR-003"},
		{name: "$top ignored", b: breaks{topIgnored: true}, want: "DR-PARAM-014", collateral: []string{"DR-PARAM-017"}},
		{name: "a negative $skip accepted", b: breaks{badSkipAccepted: true}, want: "DR-PARAM-016"},
		{name: "identity unstable per user", b: breaks{identityUnstable: true}, want: "DR-AGG-002"},
		{name: "reset does not restore", b: breaks{resetBroken: true}, want: "DR-LEDGER-014"},
		{name: "a scenario past Int32 accepted", b: breaks{putAcceptsOverflow: true}, want: "DR-LEDGER-012"},
		{name: "a scenario typo accepted", b: breaks{putIgnoresUnknown: true}, want: "DR-LEDGER-013"},
		{name: "health without a dataset version", b: breaks{healthNoVersion: true}, want: "DR-ENV-012"},
		{name: "an empty range answers 404", b: breaks{emptyRange404: true}, want: "DR-PAGE-010"},
		{name: "tenants share their users", b: breaks{tenantsShareData: true}, want: "DR-TENANT-001"},
		{name: "a nextLink is not bound to its tenant", b: breaks{tenantLinkUnbound: true}, want: "DR-TENANT-003"},
		{name: "an evicted tenant comes back different", b: breaks{tenantRebuildDiffers: true}, want: "DR-TENANT-004", collateral: []string{"DR-TENANT-002"}},

		// The call log's own breakages (docs/contract.md#call-log). The report breakages above share
		// the fake's parsing and paging with the call log, so the call log's twin of a check may see
		// them too: that is listed as collateral.
		{name: "a call log page whose @odata.count is off by one", b: breaks{logCountOff: true}, want: "DR-PSTN-007"},
		{name: "a conf_out row missing from the call log", b: breaks{logMissingConfOut: true}, want: "DR-XFN-001", collateral: []string{"DR-XFN-002", "DR-PSTN-016"}},
		{name: "a call log charge with a float artefact", b: breaks{logFloatCharge: true}, want: "DR-PSTN-005", collateral: []string{"DR-PSTN-006", "DR-XFN-001", "DR-XFN-002"}},
		{name: "a call log nextLink that loses the range", b: breaks{logNextLinkLosesRange: true}, want: "DR-PSTN-008", collateral: []string{"DR-PSTN-009"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(tt.b, tt.extra...)
			if tt.pageSize > 0 {
				f.pageSize = tt.pageSize
			}
			rep := run(t, serve(t, f, conformance.ProfileMock))
			got, ok := rep.Result(tt.want)
			if !ok || got.Status != conformance.Fail {
				t.Errorf("%s: %s (%s), want FAIL", tt.want, got.Status, got.Reason)
			}
			for _, r := range rep.Results {
				if r.Status == conformance.Error {
					t.Errorf("%s: ERROR %s (the kit broke)", r.ID, r.Reason)
				}
				if r.Level != conformance.Must || r.Status != conformance.Fail || r.ID == tt.want || slices.Contains(tt.collateral, r.ID) {
					continue
				}
				t.Errorf("%s also FAILs: %s", r.ID, r.Reason)
			}
			for _, id := range tt.collateral {
				if r, _ := rep.Result(id); r.Status != conformance.Fail {
					t.Logf("collateral %s did not fail (%s): the list could be shorter", id, r.Status)
				}
			}
			if rep.Passed() {
				t.Errorf("Passed() = true, want false")
			}
		})
	}
}

// TestCrossFunctionInTheGraphProfile: against a live tenant the cross-function rule is a SHOULD: the
// functions disagreeing while two reads of the report agree is a FAIL that does not fail the run,
// and a report that moved between its reads is a SKIP, never a FAIL.
func TestCrossFunctionInTheGraphProfile(t *testing.T) {
	cases := []struct {
		name   string
		b      breaks
		status conformance.Status
		reason string
	}{
		{"the functions disagree", breaks{logMissingConfOut: true}, conformance.Fail, "the call log's conf_out rows make"},
		{"the report moves between its reads", breaks{unstableRows: true}, conformance.Skip, "changed between its reads"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := serve(t, newFake(tt.b), conformance.ProfileGraph)
			cfg.Run = []string{"^DR-XFN-001$"}
			rep := run(t, cfg)
			r, _ := rep.Result("DR-XFN-001")
			if r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("DR-XFN-001 = %s %q, want %s saying %q", r.Status, r.Reason, tt.status, tt.reason)
			}
			if r.Level != conformance.Should {
				t.Errorf("DR-XFN-001 ran at level %s in the graph profile, want SHOULD", r.Level)
			}
			if !rep.Passed() {
				t.Errorf("Passed() = false: a SHOULD check fails no run")
			}
		})
	}
	// In the mock profile the same disagreement is a MUST.
	cfg := serve(t, newFake(breaks{logMissingConfOut: true}), conformance.ProfileMock)
	cfg.Run = []string{"^DR-XFN-001$"}
	rep := run(t, cfg)
	if r, _ := rep.Result("DR-XFN-001"); r.Status != conformance.Fail || r.Level != conformance.Must || rep.Passed() {
		t.Errorf("mock profile: DR-XFN-001 = %s at %s, Passed() = %t; want a MUST FAIL", r.Status, r.Level, rep.Passed())
	}
}
