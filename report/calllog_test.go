package report

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// mixedLedger is arrivalLedger's calls with every third one of another call
// type, and some bot calls without a user.
func mixedLedger(t *testing.T, r *rand.Rand, n int, start time.Time, span time.Duration) ([]User, []Call) {
	t.Helper()
	users, calls := arrivalLedger(t, r, n, start, span)
	types := []string{"user_in", "user_out", "conf_in", "ucap_in"}
	for i := range calls {
		if i%3 != 0 {
			continue
		}
		calls[i].CallType = types[i%len(types)]
		if IsBot(calls[i].CallType) {
			calls[i].OrganizerID = ""
			calls[i].UsageLocation = "US"
			calls[i].Currency = "USD"
		}
	}
	// Ties in start time, which the id orders.
	for i := 1; i < len(calls); i += 7 {
		calls[i].StartDateTime = calls[i-1].StartDateTime
	}
	return users, calls
}

// TestCallLogOrderAndSpans: CallsAt lists every call once, by start time
// then id, and CallSpan of any range is exactly the calls that start in it,
// both ends inclusive.
func TestCallLogOrderAndSpans(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	users, calls := mixedLedger(t, r, 2000, start, 20*24*time.Hour)
	d, err := NewCallLedger(users, calls)
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Collect(d.CallsAt(0, len(calls)+5))
	if len(all) != len(calls) {
		t.Fatalf("CallsAt(0, n+5) = %d calls, want %d", len(all), len(calls))
	}
	less := func(a, b Call) int {
		return cmp.Or(a.StartDateTime.Compare(b.StartDateTime), cmp.Compare(a.ID, b.ID))
	}
	if !slices.IsSortedFunc(all, less) {
		t.Errorf("CallsAt is not in (startDateTime, id) order")
	}
	for i := range 200 {
		from := start.Add(time.Duration(r.Int64N(int64(21 * 24 * time.Hour))))
		to := from.Add(time.Duration(r.Int64N(int64(5 * 24 * time.Hour))))
		if i%4 == 0 {
			from, to = all[r.IntN(len(all))].StartDateTime, all[r.IntN(len(all))].StartDateTime // ends on calls
		}
		q := Query{From: from, To: to}
		lo, hi := d.CallSpan(q)
		var want []string
		for _, c := range all {
			if !c.StartDateTime.Before(from) && !c.StartDateTime.After(to) {
				want = append(want, c.ID)
			}
		}
		var got []string
		for c := range d.CallsAt(lo, hi) {
			got = append(got, c.ID)
		}
		var viaCalls []string
		for c := range d.Calls(q) {
			viaCalls = append(viaCalls, c.ID)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("CallsAt(CallSpan(%v)) (-want +got):\n%s", q, diff)
		}
		if diff := gocmp.Diff(got, viaCalls); diff != "" {
			t.Fatalf("Calls(%v) differs from CallsAt(CallSpan) (-span +calls):\n%s", q, diff)
		}
	}
}

// TestArrivalsRowsCountOnlyDialOuts: a late call of another type, or a bot
// call, never changes a report row (decision D11); it is late for Late.
func TestArrivalsRowsCountOnlyDialOuts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	users, calls := mixedLedger(t, r, 3000, now.Add(-10*24*time.Hour), 11*24*time.Hour)
	ds, err := NewCallLedger(users, calls)
	if err != nil {
		t.Fatal(err)
	}
	const seed = "s-mixed"
	d := Delay{24 * time.Hour, 48 * time.Hour}
	horizon := now.Add(-5 * 24 * time.Hour)
	ix := NewArrivals(users, ds.Calls(Query{From: horizon, To: now.AddDate(1, 0, 0)}), seed, d, horizon, ds.Longest())

	var dialOuts []Call
	for _, c := range calls {
		if c.Type() == ConfOut {
			dialOuts = append(dialOuts, c)
		}
	}
	checkArrivals(t, rand.New(rand.NewPCG(9, 10)), ix, ds, users, dialOuts, seed, d, now, horizon)

	lateOther := 0
	for c := range ds.Calls(Query{From: horizon, To: now.AddDate(1, 0, 0)}) {
		if c.Type() != ConfOut && d.Arrival(seed, &c).After(now) {
			lateOther++
		}
	}
	late := 0
	for _, c := range calls {
		c.EndDateTime = c.StartDateTime.Add(time.Duration(c.Duration) * time.Second)
		if d.Arrival(seed, &c).After(now) {
			late++
		}
	}
	if lateOther == 0 {
		t.Fatal("no late call of another type: the test tests nothing")
	}
	if got := ix.Late(now); got != late {
		t.Errorf("Late(now) = %d, want %d, every type counted", got, late)
	}
}

// TestLogPage: the pages LogPage finds are the arrived calls of the span,
// in order, cut at skip and n, whatever the span, the index's first
// position and the instant.
func TestLogPage(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	users, calls := mixedLedger(t, r, 1500, now.Add(-10*24*time.Hour), 11*24*time.Hour)
	ds, err := NewCallLedger(users, calls)
	if err != nil {
		t.Fatal(err)
	}
	const seed = "s-page"
	d := Delay{24 * time.Hour, 48 * time.Hour}
	horizon := now.Add(-4 * 24 * time.Hour)
	ix := NewArrivals(users, ds.Calls(Query{From: horizon, To: endOfYears}), seed, d, horizon, ds.Longest())
	first, _ := ds.CallSpan(Query{From: ix.Horizon(), To: endOfYears})
	all := slices.Collect(ds.CallsAt(0, len(calls)))

	for i := range 300 {
		asOf := now.Add(time.Duration(r.Int64N(int64(48*time.Hour))) - 12*time.Hour)
		from := now.Add(-time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
		q := Query{From: from, To: from.Add(time.Duration(r.Int64N(int64(9 * 24 * time.Hour))))}
		lo, hi := ds.CallSpan(q)
		var want []int
		for p := lo; p < hi; p++ {
			if !d.Arrival(seed, &all[p]).After(asOf) {
				want = append(want, p)
			}
		}
		skip, n := r.IntN(len(want)+3), 1+r.IntN(400)
		total, runs := ix.LogPage(lo, hi, first, asOf, skip, n)
		if total != len(want) {
			t.Fatalf("%d: LogPage total = %d, want %d arrived of %d", i, total, len(want), hi-lo)
		}
		var got []int
		for _, run := range runs {
			if run[0] >= run[1] {
				t.Fatalf("%d: empty run %v", i, run)
			}
			for p := run[0]; p < run[1]; p++ {
				got = append(got, p)
			}
		}
		wantPage := want[min(skip, len(want)):min(skip+n, len(want))]
		if !slices.Equal(wantPage, got) {
			t.Fatalf("%d: LogPage(skip %d, n %d) positions = %v, want %v", i, skip, n, got, wantPage)
		}
	}
}

var endOfYears = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func ExampleCallLedger_CallSpan() {
	users := []User{{ID: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", UserPrincipalName: "ana@contoso.com", UsageLocation: "BR"}}
	day := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	var calls []Call
	for i, typ := range []string{"conf_out", "user_in", "conf_out", "user_out"} {
		calls = append(calls, Call{ID: fmt.Sprintf("call-%d", i), OrganizerID: users[0].ID, CallType: typ,
			StartDateTime: day.Add(time.Duration(i) * time.Hour), Duration: 60, Currency: "BRL"})
	}
	d, err := NewCallLedger(users, calls)
	if err != nil {
		panic(err)
	}
	lo, hi := d.CallSpan(Query{From: day.Add(time.Hour), To: day.Add(2 * time.Hour)})
	for c := range d.CallsAt(lo, hi) {
		fmt.Println(c.ID, c.Type())
	}
	fmt.Println(len(d.Rows(Query{From: day, To: day.Add(3 * time.Hour)})), "report row of", d.Summary().Rows)
	// Output:
	// call-1 user_in
	// call-2 conf_out
	// 1 report row of 1
}

// TestLongestCountsEveryType: a call of another type longer than every
// dial-out bounds Longest, which late arrival's index relies on.
func TestLongestCountsEveryType(t *testing.T) {
	users := []User{{ID: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", UserPrincipalName: "ana@contoso.com", UsageLocation: "BR"}}
	day := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	d, err := NewCallLedger(users, []Call{
		{ID: "a", OrganizerID: users[0].ID, StartDateTime: day, Duration: 60, Currency: "BRL"},
		{ID: "b", OrganizerID: users[0].ID, CallType: "conf_in", StartDateTime: day, Duration: 7200, Currency: "BRL"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Longest(); got != 2*time.Hour {
		t.Errorf("Longest() = %s, want 2h, the conf_in call's", got)
	}
}
