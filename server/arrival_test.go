package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/report"
)

// testClock is a clock a test moves.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *testClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *testClock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func lit(t time.Time) string             { return t.UTC().Format("2006-01-02T15:04:05Z") }
func rangePath(from, to time.Time) string {
	return fnPath + "(fromDateTime=" + lit(from) + ",toDateTime=" + lit(to) + ")"
}
func callsPath(from, to time.Time, q string) string {
	return "/_mock/calls?from=" + lit(from) + "&to=" + lit(to) + q
}

// mustDataset indexes users and calls as a server dataset.
func mustDataset(tb testing.TB, version string, users []report.User, calls []report.Call) Dataset {
	tb.Helper()
	ds, err := report.NewCallLedger(users, calls)
	if err != nil {
		tb.Fatal(err)
	}
	return Dataset{Source: ds, Version: version, Name: version}
}

// countCalls counts the JSON lines of GET /_mock/calls.
func countCalls(tb testing.TB, base, path string) int {
	tb.Helper()
	r := get(tb, base+path)
	if r.status != 200 {
		tb.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	n := 0
	for sc := bufio.NewScanner(bytes.NewReader(r.body)); sc.Scan(); n++ {
	}
	return n
}

// reportCalls walks a report from path and sums totalCalls.
func reportCalls(tb testing.TB, base, path string) int64 {
	tb.Helper()
	rows, _ := walk(tb, base+path)
	var n int64
	for _, r := range rows {
		n += r.TotalCalls
	}
	return n
}

type summaryBody struct {
	Calls        int `json:"calls"`
	ArrivedCalls int `json:"arrivedCalls"`
}

func datasetCounts(tb testing.TB, base string) summaryBody {
	tb.Helper()
	var s summaryBody
	if err := json.Unmarshal(get(tb, base+"/_mock/dataset").body, &s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// handScenario is written out by hand, with a fixed delay of 24 h so every
// arrival is end + 24 h, and read at 2026-10-10T12:00:00Z.
func handScenario(tb testing.TB) Dataset {
	alice := report.User{ID: "aaaaaaaa-0000-4000-8000-000000000001", UserPrincipalName: "alice@contoso.com", DisplayName: "Alice", UsageLocation: "NL"}
	bob := report.User{ID: "bbbbbbbb-0000-4000-8000-000000000002", UserPrincipalName: "bob@contoso.com", DisplayName: "Bob", UsageLocation: "US"}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	call := func(id string, u report.User, start string, secs int64, cents int64, dst report.Destination, cur string) report.Call {
		return report.Call{ID: id, OrganizerID: u.ID, StartDateTime: at(start), Duration: secs,
			Charge: report.Cents(cents), Currency: cur, DestinationContext: dst}
	}
	return mustDataset(tb, "s-hand", []report.User{alice, bob}, []report.Call{
		call("c1", alice, "2026-10-08T10:00:00Z", 600, 100, report.Domestic, "EUR"),    // arrives 10-09 10:10
		call("c2", alice, "2026-10-09T11:00:00Z", 1800, 250, report.Domestic, "EUR"),   // arrives 10-10 11:30
		call("c3", alice, "2026-10-09T12:00:00Z", 3600, 400, report.Domestic, "EUR"),   // arrives 10-10 13:00
		call("c4", alice, "2026-10-10T09:00:00Z", 60, 25, report.International, "EUR"), // arrives 10-11 09:01
		call("c5", bob, "2026-10-09T11:59:00Z", 59, 10, report.Domestic, "USD"),        // arrives 10-10 11:59:59
		call("c6", bob, "2026-10-09T12:00:00Z", 0, 0, report.Domestic, "USD"),          // arrives 10-10 12:00:00
		call("c7", bob, "2026-10-09T12:00:01Z", 0, 0, report.Domestic, "USD"),          // arrives 10-10 12:00:01
	})
}

// TestLateArrivalHandWritten: totals worked out by hand from handScenario.
func TestLateArrivalHandWritten(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(now)
	_, ts := newTestServer(t, handScenario(t), Config{Now: clock.Now, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 24 * time.Hour}})
	type total struct {
		Key     string
		Calls   int64
		Seconds int64
		Charge  string
	}
	totals := func(path string) []total {
		rows, _ := walk(t, ts.URL+path)
		var out []total
		for _, r := range rows {
			out = append(out, total{r.UserPrincipalName + " " + r.DestinationContext + " " + r.Currency, r.TotalCalls, r.TotalCallSeconds, string(r.TotalCallCharge)})
		}
		return out
	}
	week := rangePath(time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC), now)
	cases := []struct {
		name    string
		at      time.Time
		path    string
		want    []total
		arrived int
	}{
		// c3, c4 and c7 are still on their way; c6 arrives exactly now, which counts.
		{"now", now, week, []total{
			{"alice@contoso.com Domestic EUR", 2, 2400, "3.50"},
			{"bob@contoso.com Domestic USD", 2, 59, "0.10"},
		}, 4},
		// A range that ends before the recent calls is the same as ever.
		{"an older range, now", now, rangePath(time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 9, 10, 0, 0, 0, time.UTC)), []total{
			{"alice@contoso.com Domestic EUR", 1, 600, "1.00"},
		}, 4},
		// c3 (13:00) and c7 (12:00:01) have come.
		{"an hour later", now.Add(time.Hour), week, []total{
			{"alice@contoso.com Domestic EUR", 3, 6000, "7.50"},
			{"bob@contoso.com Domestic USD", 3, 59, "0.10"},
		}, 6},
		// c4 arrives 10-11 09:01; the range ends at 10-10 12:00, so it counts.
		{"a day later", now.Add(24 * time.Hour), week, []total{
			{"alice@contoso.com Domestic EUR", 3, 6000, "7.50"},
			{"alice@contoso.com International EUR", 1, 60, "0.25"},
			{"bob@contoso.com Domestic USD", 3, 59, "0.10"},
		}, 7},
		{"a second before c5", time.Date(2026, 10, 10, 11, 59, 58, 0, time.UTC), week, []total{
			{"alice@contoso.com Domestic EUR", 2, 2400, "3.50"},
		}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock.Set(c.at)
			if diff := cmp.Diff(c.want, totals(c.path)); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if got := datasetCounts(t, ts.URL); got.Calls != 7 || got.ArrivedCalls != c.arrived {
				t.Errorf("/_mock/dataset counts %+v, want 7 calls, %d arrived", got, c.arrived)
			}
			all := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if got := countCalls(t, ts.URL, callsPath(all, all.AddDate(1, 0, 0), "")); got != c.arrived {
				t.Errorf("/_mock/calls lists %d, want %d arrived", got, c.arrived)
			}
			if got := countCalls(t, ts.URL, callsPath(all, all.AddDate(1, 0, 0), "&arrived=all")); got != 7 {
				t.Errorf("/_mock/calls?arrived=all lists %d, want 7", got)
			}
		})
	}
}

// recentDataset has a call every 37 minutes for the 6 days before now and a
// day after it (calls the generator puts later today), each up to an hour
// long, by three users.
func recentDataset(tb testing.TB, now time.Time) (Dataset, time.Duration) {
	tb.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	users := []report.User{
		{ID: "00000000-0000-4000-8000-000000000001", UserPrincipalName: "a@contoso.com", UsageLocation: "NL"},
		{ID: "00000000-0000-4000-8000-000000000002", UserPrincipalName: "b@contoso.com", UsageLocation: "US"},
		{ID: "00000000-0000-4000-8000-000000000003", UserPrincipalName: "c@contoso.com", UsageLocation: "GB"},
	}
	cur := map[string]string{"NL": "EUR", "US": "USD", "GB": "GBP"}
	var calls []report.Call
	for i, t := 0, now.Add(-6*24*time.Hour); t.Before(now.Add(24 * time.Hour)); i, t = i+1, t.Add(37*time.Minute) {
		u := users[i%3]
		calls = append(calls, report.Call{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", r.Uint32(), i), OrganizerID: u.ID,
			StartDateTime: t, Duration: r.Int64N(3601), Charge: report.Cents(r.Int64N(500)), Currency: cur[u.UsageLocation],
			DestinationContext: report.Destination(i % 2)})
	}
	return mustDataset(tb, "s-recent", users, calls), time.Hour
}

// TestLateArrivalReReads is the case of docs/contract.md#like-the-live-service
// with --arrival-delay 24h-48h and an injected clock: a range ending now
// has fewer calls than ?arrived=all; the same range read 48 h later has all
// of them; ranges ending 48 h (and the longest call) ago are unaffected.
func TestLateArrivalReReads(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(now)
	ds, longest := recentDataset(t, now)
	_, ts := newTestServer(t, ds, Config{Now: clock.Now, PageSize: 7, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}})

	from := now.Add(-5 * 24 * time.Hour)
	recent := rangePath(from, now)
	allInRange := countCalls(t, ts.URL, callsPath(from, now, "&arrived=all"))
	first := reportCalls(t, ts.URL, recent)
	if first >= int64(allInRange) {
		t.Errorf("a range ending now has %d calls, want fewer than the %d of ?arrived=all", first, allInRange)
	}
	if got := countCalls(t, ts.URL, callsPath(from, now, "")); int64(got) != first {
		t.Errorf("/_mock/calls lists %d arrived calls in the range, the report counts %d", got, first)
	}

	// Ranges that end 48 h and the longest call ago are whole already.
	old := now.Add(-48*time.Hour - longest - time.Second)
	if got, want := reportCalls(t, ts.URL, rangePath(from, old)), countCalls(t, ts.URL, callsPath(from, old, "&arrived=all")); got != int64(want) {
		t.Errorf("a range ending 48 h ago has %d calls, want all %d", got, want)
	}

	// Re-reads grow as time passes, never shrink.
	prev := first
	for _, step := range []time.Duration{time.Hour, 6 * time.Hour, 17 * time.Hour, 24 * time.Hour} {
		clock.Add(step)
		got := reportCalls(t, ts.URL, recent)
		if got < prev {
			t.Errorf("after %s more the range has %d calls, fewer than the %d before", step, got, prev)
		}
		prev = got
	}
	if prev <= first {
		t.Errorf("48 h later the range has %d calls, want more than the first read's %d", prev, first)
	}
	clock.Set(now.Add(48*time.Hour + longest + time.Second))
	if got := reportCalls(t, ts.URL, recent); got != int64(allInRange) {
		t.Errorf("48 h later the range has %d calls, want all %d", got, allInRange)
	}
	if s := datasetCounts(t, ts.URL); s.ArrivedCalls >= s.Calls {
		t.Errorf("/_mock/dataset counts %+v: calls after now are still to come, want fewer arrived", s)
	}
}

// TestLateArrivalPagesReadOneInstant: a nextLink reads the instant of its
// first page, so its pages never shift while calls arrive; a new first page
// sees the new arrivals. Old nextLinks expire; a forged instant in the
// future is read as now.
func TestLateArrivalPagesReadOneInstant(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(now)
	ds, _ := recentDataset(t, now)
	_, ts := newTestServer(t, ds, Config{Now: clock.Now, PageSize: 1, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}})
	recent := rangePath(now.Add(-3*24*time.Hour), now)

	want, _ := walk(t, ts.URL+recent) // every page at now
	// The same walk with the clock moving an hour a page.
	var got []row
	for link := ts.URL + recent; link != ""; {
		p := decodePage(t, get(t, link))
		got = append(got, p.Value...)
		link = p.NextLink
		clock.Add(time.Hour)
		if len(got) > 1000 {
			t.Fatal("no end to the pages")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages read while calls arrive differ from pages read at once (-want +got):\n%s", diff)
	}
	later, _ := walk(t, ts.URL+recent)
	if cmp.Equal(want, later) {
		t.Errorf("a new first page %d h later shows the same rows, want the calls arrived since", len(got))
	}

	// An old nextLink expires; a future instant is read as now.
	clock.Set(now)
	p := decodePage(t, get(t, ts.URL+recent))
	u, _ := url.Parse(p.NextLink)
	token := u.Query().Get("$skiptoken")
	version, at, ok := strings.Cut(token, "~")
	if !ok || version != "s-recent" || at != fmt.Sprint(now.UnixNano()) {
		t.Fatalf("$skiptoken = %q, want the version, ~ and the instant %d", token, now.UnixNano())
	}
	clock.Add(maxPageInstantAge + time.Second)
	e := checkEnvelope(t, get(t, p.NextLink), 400, "BadRequest")
	if msg := ptrString(e.Error.Message); !strings.Contains(msg, "expired") {
		t.Errorf("message = %q, want it to say the nextLink expired", msg)
	}
	clock.Set(now)
	future := strings.Replace(p.NextLink, at, fmt.Sprint(now.Add(72*time.Hour).UnixNano()), 1)
	if got, want := decodePage(t, get(t, future)), decodePage(t, get(t, p.NextLink)); !cmp.Equal(got.Value, want.Value) {
		t.Errorf("a forged future instant shows %v, want what now shows, %v", got.Value, want.Value)
	}
	for _, bad := range []string{"s-recent~", "s-recent~x", "s-recent~-5", "s-recent~+5", "s-recent~99999999999999999999"} {
		link := strings.Replace(p.NextLink, url.QueryEscape(token), url.QueryEscape(bad), 1)
		checkEnvelope(t, get(t, link), 400, "BadRequest")
	}
}

// TestLateArrivalCacheFollowsTheClock: a range read (and cached) once shows
// a call that arrives afterwards on the next read.
func TestLateArrivalCacheFollowsTheClock(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(now)
	_, ts := newTestServer(t, handScenario(t), Config{Now: clock.Now, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 24 * time.Hour}})
	path := rangePath(time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC), now)
	counts := []int64{}
	for _, at := range []time.Time{now, now, now.Add(time.Second), now.Add(time.Hour), now.Add(time.Hour), now} {
		clock.Set(at)
		counts = append(counts, reportCalls(t, ts.URL, path))
	}
	// c2, c5, c6 at 12:00; c7 at 12:00:01; c3 at 13:00; and back.
	if want := []int64{3, 3, 4, 5, 5, 3}; !cmp.Equal(counts, want) {
		t.Errorf("calls read at now, now, +1s, +1h, +1h, now = %v, want %v", counts, want)
	}
}

func TestLateArrivalOffShowsEverything(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	_, ts := newTestServer(t, handScenario(t), Config{Now: func() time.Time { return now }, PageSize: 1})
	_, pages := walk(t, ts.URL+rangePath(time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC), now.Add(24*time.Hour)))
	if len(pages) != 3 {
		t.Errorf("%d pages, want 3 rows, every call, also those after now", len(pages))
	}
	u, _ := url.Parse(pages[0].NextLink)
	if got := u.Query().Get("$skiptoken"); got != "s-hand" {
		t.Errorf("$skiptoken = %q, want the version alone", got)
	}
	if s := datasetCounts(t, ts.URL); s.Calls != 7 || s.ArrivedCalls != 7 {
		t.Errorf("/_mock/dataset counts %+v, want 7 and 7", s)
	}
	checkEnvelope(t, get(t, ts.URL+"/_mock/calls?arrived=some"), 400, "BadRequest")
}

func TestArrivalDelaySetting(t *testing.T) {
	cases := []struct {
		in   string
		want report.Delay
		ok   bool
	}{
		{"0", report.Delay{}, true},
		{"36h", report.Delay{Min: 36 * time.Hour, Max: 36 * time.Hour}, true},
		{"24h-48h", report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}, true},
		{"0s-1ns", report.Delay{Max: 1}, true},
		{"720h", report.Delay{Min: 720 * time.Hour, Max: 720 * time.Hour}, true},
		{"721h", report.Delay{}, false},
		{"48h-24h", report.Delay{}, false},
		{"-1h", report.Delay{}, false},
		{"1h--2h", report.Delay{}, false},
		{"1h-", report.Delay{}, false},
		{"", report.Delay{}, false},
		{"a day", report.Delay{}, false},
	}
	for _, c := range cases {
		got, err := ParseArrivalDelay(c.in)
		var fe *FieldError
		if got != c.want || (err == nil) != c.ok || (err != nil && (!errors.As(err, &fe) || fe.Field != "ArrivalDelay")) {
			t.Errorf("ParseArrivalDelay(%q) = %v, %v, want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	_, err := New(scenarioDataset(t, "edges"), Config{ArrivalDelay: report.Delay{Min: 2 * time.Hour, Max: time.Hour}})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "ArrivalDelay" {
		t.Errorf("New with a reversed delay = %v, want a *FieldError for ArrivalDelay", err)
	}
}

// TestLateArrivalConcurrentReaders: readers at the same instant agree while
// the clock moves between rounds and the dataset is swapped (run with -race).
func TestLateArrivalConcurrentReaders(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(now)
	ds, _ := recentDataset(t, now)
	s, ts := newTestServer(t, ds, Config{Now: clock.Now, PageSize: 50, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}})
	recent := rangePath(now.Add(-3*24*time.Hour), now)
	for round := range 6 {
		if round == 3 {
			s.Swap(handScenario(t))
			s.Swap(ds)
		}
		results := make(chan string, 8)
		for range 8 {
			go func() { results <- walkText(ts.URL + recent) }()
		}
		first := <-results
		for range 7 {
			if got := <-results; got != first {
				t.Errorf("round %d: readers at one instant saw\n%s\nand\n%s", round, first, got)
			}
		}
		clock.Add(3 * time.Hour)
	}
}

// walkText follows nextLinks from link and returns the pages' rows as
// text, or the error; it is safe to call off the test's goroutine.
func walkText(link string) string {
	var b strings.Builder
	for n := 0; link != "" && n < 1000; n++ {
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		var p page
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return fmt.Sprintf("status %d: %v", resp.StatusCode, err)
		}
		fmt.Fprintln(&b, p.Value)
		link = p.NextLink
	}
	return b.String()
}

// TestLateArrivalCacheIsBounded: a client asking ever new recent ranges
// leaves the cache's entries and windows of arrivals within their bound.
func TestLateArrivalCacheIsBounded(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(now)
	ds, _ := recentDataset(t, now)
	s, err := New(ds, Config{Now: clock.Now, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxCacheRanges + 300 {
		from := now.Add(-time.Duration(i) * time.Minute)
		s.reportRows(&ds, report.Query{From: from.Add(-24 * time.Hour), To: from}, now)
		if i%2 == 0 {
			clock.Add(time.Minute) // new windows for the same ranges too
		}
	}
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > maxCacheRanges || len(c.windows) > maxCacheRanges || c.lru.Len() != len(c.entries) {
		t.Errorf("cache holds %d entries (%d in the LRU list) and %d windows, want at most %d each",
			len(c.entries), c.lru.Len(), len(c.windows), maxCacheRanges)
	}
	for base, w := range c.windows {
		if _, ok := c.entries[w.key]; !ok && w.key.arrived {
			if _, ok := c.entries[base]; !ok {
				t.Errorf("window %+v outlived both its entries", w)
			}
		}
	}
}

// tenantLogIDs pages the call log of range r with a token of tenant tid and
// returns its ids.
func tenantLogIDs(tb testing.TB, base, r, tid string) []string {
	tb.Helper()
	var ids []string
	for link := base + logPath + r; link != ""; {
		var p logPage
		resp := get(tb, link, "Authorization", "Bearer "+tokenOf(tid, "app"))
		if err := json.Unmarshal(resp.body, &p); err != nil || resp.status != http.StatusOK {
			tb.Fatalf("GET %s: %d %s", link, resp.status, resp.body)
		}
		for _, v := range p.Value {
			ids = append(ids, v.ID)
		}
		link = p.NextLink
	}
	return ids
}

// tenantRead is what a client of one tenant reads with late arrival on: the
// dataset's counts, the call log and the arrived calls of /_mock/calls over
// the same range.
type tenantRead struct {
	Counts  summaryBody
	Log     []string
	Arrived []string
}

func readTenant(tb testing.TB, base, tid string, from, to time.Time) tenantRead {
	tb.Helper()
	var rd tenantRead
	r := get(tb, base+"/_mock/tenants/"+tid+"/dataset")
	if err := json.Unmarshal(r.body, &rd.Counts); err != nil || r.status != http.StatusOK {
		tb.Fatalf("GET dataset of %s: %d %s", tid, r.status, r.body)
	}
	rd.Log = tenantLogIDs(tb, base, "(fromDateTime="+lit(from)+",toDateTime="+lit(to)+")", tid)
	rd.Arrived = callLines(tb, base, "/_mock/tenants/"+tid+callsPath(from, to, "")[len("/_mock"):])
	return rd
}

// TestArrivalIndexPerTenant: with late arrival, each tenant keeps its own
// index, so requests alternating between two tenants build one index each
// (a shared slot rebuilt it on every switch), and what each tenant reads
// stays what the index-free /_mock/calls lists.
func TestArrivalIndexPerTenant(t *testing.T) {
	now := tenantWindowEnd.Add(-12 * time.Hour)
	clock := newTestClock(now)
	s, base := newMultiServer(t, Config{Now: clock.Now, PageSize: 40, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}})
	from := now.Add(-6 * 24 * time.Hour)
	first := map[string]tenantRead{}
	const rounds = 5
	for round := range rounds {
		for _, tid := range []string{tidA, tidB} {
			got := readTenant(t, base, tid, from, now)
			if round == 0 {
				first[tid] = got
				if got.Counts.ArrivedCalls >= got.Counts.Calls || len(got.Log) == 0 {
					t.Fatalf("tenant %s counts %+v with %d calls in the log: want some arrived and some late", tid, got.Counts, len(got.Log))
				}
				if diff := cmp.Diff(got.Arrived, got.Log); diff != "" {
					t.Errorf("tenant %s: call log and /_mock/calls differ (-calls +log):\n%s", tid, diff)
				}
				all := countCalls(t, base, "/_mock/tenants/"+tid+"/calls")
				if got.Counts.ArrivedCalls != all {
					t.Errorf("tenant %s: arrivedCalls = %d, want the %d calls /_mock/calls lists", tid, got.Counts.ArrivedCalls, all)
				}
				continue
			}
			if diff := cmp.Diff(first[tid], got); diff != "" {
				t.Errorf("round %d, tenant %s read differently (-first +now):\n%s", round, tid, diff)
			}
		}
	}
	if got := s.arrivalBuilds.Load(); got != 2 {
		t.Errorf("%d rounds over two tenants built %d late-arrival indexes, want 2 (one a tenant)", rounds, got)
	}
}

// TestArrivalIndexesStayInTheTenantCache: many tenants read with late
// arrival hold indexes only while their tenant is held, and the indexes
// count against the tenant cache's bound.
func TestArrivalIndexesStayInTheTenantCache(t *testing.T) {
	now := tenantWindowEnd.Add(-12 * time.Hour)
	const limit = 2 << 20
	s, base := newMultiServer(t, Config{Now: func() time.Time { return now }, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour},
		Tenancy: Tenancy{CacheBytes: limit}})
	const n = 150
	for i := range n {
		tid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		tenantLogIDs(t, base, "(fromDateTime="+lit(now.Add(-24*time.Hour))+",toDateTime="+lit(now)+")", tid)
	}
	tn := s.tenants
	tn.mu.Lock()
	defer tn.mu.Unlock()
	holders, indexed := map[*tenantState]bool{}, 0
	var ixBytes int64
	for _, e := range tn.known {
		if e.st != nil {
			holders[e.st] = true
		}
		ixBytes += e.ixBytes
	}
	tn.versions.Range(func(v, st any) bool {
		if !holders[st.(*tenantState)] {
			t.Errorf("version %s is kept for a tenant no longer held", v)
		}
		if st.(*tenantState).arrivalIx.Load() != nil {
			indexed++
		}
		return true
	})
	if tn.bytes > tn.maxBytes || tn.lru.Len() >= n {
		t.Errorf("cache holds %d bytes in %d tenants, want at most %d bytes and some evicted", tn.bytes, tn.lru.Len(), tn.maxBytes)
	}
	if indexed == 0 || indexed > len(holders) || ixBytes == 0 {
		t.Errorf("%d indexes (%d bytes counted) for %d tenants held, want some, at most one each, counted", indexed, ixBytes, len(holders))
	}
}
