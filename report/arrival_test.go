package report

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDelayOf(t *testing.T) {
	cases := []struct {
		name string
		d    Delay
	}{
		{"zero", Delay{}},
		{"fixed", Delay{36 * time.Hour, 36 * time.Hour}},
		{"range", Delay{24 * time.Hour, 48 * time.Hour}},
		{"two values", Delay{0, time.Nanosecond}},
		{"up to the bound", Delay{0, 30 * 24 * time.Hour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for i := range 10_000 {
				id := fmt.Sprintf("call-%d", i)
				got := c.d.Of("g-0123456789ab", id)
				if got < c.d.Min || got > c.d.Max {
					t.Fatalf("Of(%q) = %s, want within [%s, %s]", id, got, c.d.Min, c.d.Max)
				}
				if again := c.d.Of("g-0123456789ab", id); again != got {
					t.Fatalf("Of(%q) = %s, then %s: want the same draw", id, got, again)
				}
				seen[got] = true
			}
			if c.d.Max-c.d.Min == time.Nanosecond && (!seen[c.d.Min] || !seen[c.d.Max]) {
				t.Errorf("drew %v, want both ends of the inclusive range", seen)
			}
		})
	}
}

// TestDelayIsUniform: ten equal slices of 24h-48h each get a tenth of
// 100,000 calls, within 5 % of it; the draws are seeded, so this is exact.
func TestDelayIsUniform(t *testing.T) {
	d := Delay{24 * time.Hour, 48 * time.Hour}
	var buckets [10]int
	for i := range 100_000 {
		got := d.Of("s-feedfacecafe", fmt.Sprintf("%08x-0000-4000-8000-%012x", i*7919, i))
		buckets[min(9, int((got-d.Min)*10/(d.Max-d.Min)))]++
	}
	for i, n := range buckets {
		if n < 9_500 || n > 10_500 {
			t.Errorf("slice %d holds %d draws, want 10,000 ± 500 (all %v)", i, n, buckets)
		}
	}
}

// TestDelayIsStable pins a few draws: replicas and releases must agree on
// when a call arrives, or nextLinks and re-reads disagree between them.
func TestDelayIsStable(t *testing.T) {
	d := Delay{24 * time.Hour, 48 * time.Hour}
	cases := []struct {
		seed, id string
		want     time.Duration
	}{
		{"g-0123456789ab", "00000000-0000-4000-8000-000000000001", pinnedDelays[0]},
		{"g-0123456789ab", "00000000-0000-4000-8000-000000000002", pinnedDelays[1]},
		{"s-0123456789ab", "00000000-0000-4000-8000-000000000001", pinnedDelays[2]},
	}
	for _, c := range cases {
		if got := d.Of(c.seed, c.id); got != c.want {
			t.Errorf("Of(%q, %q) = %d, want %d", c.seed, c.id, got, c.want)
		}
	}
	if pinnedDelays[0] == pinnedDelays[2] {
		t.Errorf("the seed does not change the draw")
	}
}

var pinnedDelays = [...]time.Duration{100466847032086, 112398232459561, 166391079757723}

// arrivalLedger is a dataset of n calls by a few users over span from
// start, with durations up to two hours.
func arrivalLedger(t *testing.T, r *rand.Rand, n int, start time.Time, span time.Duration) ([]User, []Call) {
	t.Helper()
	users := []User{
		{ID: "00000000-0000-4000-8000-000000000001", UserPrincipalName: "a@contoso.com", UsageLocation: "NL"},
		{ID: "00000000-0000-4000-8000-000000000002", UserPrincipalName: "b@contoso.com", UsageLocation: "US"},
		{ID: "00000000-0000-4000-8000-000000000003", UserPrincipalName: "b@contoso.com", UsageLocation: "GB"},
	}
	curs := map[string]string{"NL": "EUR", "US": "USD", "GB": "GBP"}
	calls := make([]Call, n)
	for i := range calls {
		u := users[r.IntN(len(users))]
		calls[i] = Call{
			ID:                 fmt.Sprintf("%08x-0000-4000-8000-%012x", r.Uint32(), i),
			OrganizerID:        u.ID,
			StartDateTime:      start.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second),
			Duration:           r.Int64N(7200),
			DestinationContext: Destination(r.IntN(2)),
			Charge:             Cents(r.Int64N(900)),
			ConnectionCharge:   Cents(r.Int64N(3) * 25),
			Currency:           curs[u.UsageLocation],
		}
	}
	return users, calls
}

// TestArrivalsMatchAReducedLedger: at any instant, the report of the
// arrived calls equals the report of a ledger built from only those calls,
// and Window's answer holds over its whole window and not past it.
func TestArrivalsMatchAReducedLedger(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	users, calls := arrivalLedger(t, r, 3000, now.Add(-10*24*time.Hour), 11*24*time.Hour) // a day past now too
	ds, err := NewCallLedger(users, calls)
	if err != nil {
		t.Fatal(err)
	}
	const seed = "s-test"
	d := Delay{24 * time.Hour, 48 * time.Hour}
	horizon := now.Add(-5 * 24 * time.Hour)
	for _, c := range []struct {
		name  string
		users []User
	}{{"with users", users}, {"without users", nil}} {
		t.Run(c.name, func(t *testing.T) {
			ix := NewArrivals(c.users, ds.Calls(Query{From: horizon, To: now.AddDate(1, 0, 0)}), seed, d, horizon, ds.Longest())
			checkArrivals(t, rand.New(rand.NewPCG(9, 10)), ix, ds, users, calls, seed, d, now, horizon)
		})
	}
}

func checkArrivals(t *testing.T, r *rand.Rand, ix *Arrivals, ds *CallLedger, users []User, calls []Call, seed string, d Delay, now, horizon time.Time) {
	if want := horizon.Add(ds.Longest() + time.Second + d.Max); !ix.Settled().Equal(want) {
		t.Fatalf("Settled() = %s, want %s", ix.Settled(), want)
	}

	reference := func(q Query, asOf time.Time) []Row {
		var arrived []Call
		for _, c := range calls {
			c := c
			if c.EndDateTime.IsZero() {
				c.EndDateTime = c.StartDateTime.Add(time.Duration(c.Duration) * time.Second)
			}
			if !d.Arrival(seed, &c).After(asOf) {
				arrived = append(arrived, c)
			}
		}
		ref, err := NewCallLedger(users, arrived)
		if err != nil {
			t.Fatal(err)
		}
		return ref.Rows(q)
	}
	withLate := 0
	for i := range 40 {
		asOf := now.Add(time.Duration(r.Int64N(int64(72*time.Hour))) - 24*time.Hour)
		from := now.Add(-time.Duration(r.Int64N(int64(9 * 24 * time.Hour))))
		q := Query{From: from, To: from.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))}
		if i%5 == 0 {
			q.To = asOf // a range ending now
		}
		if !ix.Covers(asOf) {
			t.Fatalf("Covers(%s) = false, want true past %s", asOf, ix.Settled())
		}
		all := ds.Rows(q)
		got := ix.Rows(all, q, asOf)
		want := reference(q, asOf)
		if diff := cmp.Diff(want, got, rowCmp); diff != "" {
			t.Fatalf("%d: Rows(%v at %s) (-want +got):\n%s", i, q, asOf, diff)
		}
		from, until, late := ix.Window(q, asOf)
		if late == 0 {
			if !until.IsZero() || len(got) != len(all) {
				t.Errorf("%d: no late call, but until %s and %d of %d rows", i, until, len(got), len(all))
			}
			continue
		}
		withLate++
		if from.After(asOf) || !until.After(asOf) {
			t.Fatalf("%d: Window(%v, %s) = [%s, %s): want it to hold asOf", i, q, asOf, from, until)
		}
		for _, at := range []time.Time{from, until.Add(-time.Nanosecond)} {
			if diff := cmp.Diff(got, ix.Rows(all, q, at), rowCmp); diff != "" {
				t.Errorf("%d: rows at %s differ from rows at %s inside the window:\n%s", i, at, asOf, diff)
			}
		}
		if diff := cmp.Diff(reference(q, until), ix.Rows(all, q, until), rowCmp); diff != "" || cmp.Equal(got, ix.Rows(all, q, until), rowCmp) {
			t.Errorf("%d: at until %s, want the next call arrived (diff %s)", i, until, diff)
		}
	}
	if withLate < 20 {
		t.Errorf("%d of 40 queries had late calls, want at least 20 to test anything", withLate)
	}
}

func TestArrivalsLateCountsAndNeverChangesItsInput(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	users, calls := arrivalLedger(t, rand.New(rand.NewPCG(7, 8)), 500, now.Add(-4*24*time.Hour), 4*24*time.Hour)
	ds, err := NewCallLedger(users, calls)
	if err != nil {
		t.Fatal(err)
	}
	d := Delay{24 * time.Hour, 48 * time.Hour}
	ix := NewArrivals(users, ds.Calls(Query{From: time.Time{}, To: now.AddDate(1, 0, 0)}), "s", d, time.Time{}, 0)
	late := 0
	for c := range ds.Calls(Query{From: time.Time{}, To: now.AddDate(1, 0, 0)}) {
		if d.Arrival("s", &c).After(now) {
			late++
		}
	}
	if got := ix.Late(now); got != late || late == 0 {
		t.Errorf("Late(now) = %d, want %d (> 0)", got, late)
	}
	if got := ix.Late(now.Add(48*time.Hour + 2*time.Hour + time.Second)); got != 0 {
		t.Errorf("Late(now + 50h) = %d, want 0", got)
	}
	q := Query{From: now.Add(-4 * 24 * time.Hour), To: now}
	all := ds.Rows(q)
	keep := slices.Clone(all)
	ix.Rows(all, q, now)
	if diff := cmp.Diff(keep, all, rowCmp); diff != "" {
		t.Errorf("Rows changed its input:\n%s", diff)
	}
}
