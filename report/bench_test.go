package report

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkRows compares the index with the reference a reader would write
// first: scan every call in the range, sum per key in a map, sort the rows
// (scanRows). One million calls of 20,000 users over a year, a 90-day
// range; run both in one go to read the ratio:
//
//	go test ./report -run '^$' -bench Rows
func BenchmarkRows(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	users, entries := randomLedger(r, 20_000, 1_000_000, start, 365*24*time.Hour)
	orig := append([]Entry(nil), entries...)
	l, err := NewLedger(users, entries)
	if err != nil {
		b.Fatal(err)
	}
	q := Query{start.AddDate(0, 3, 0), start.AddDate(0, 3, 0).Add(MaxRange)}
	b.Run("index", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.Rows(q)
		}
	})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			scanRows(users, orig, q)
		}
	})
}

// scanRows is a straightforward, reasonably fast scan: no index, no prefix
// sums, a map of keys and one sort.
func scanRows(users []User, entries []Entry, q Query) []Row {
	type key struct {
		u   int32
		loc Code2
		dst Destination
		cur Code3
	}
	type acc struct{ calls, secs, cents int64 }
	from, to := q.From.UnixNano(), q.To.UnixNano()
	sums := map[key]*acc{}
	for _, e := range entries {
		if e.Start < from || e.Start > to {
			continue
		}
		k := key{e.User, e.Location, e.Destination, e.Currency}
		a := sums[k]
		if a == nil {
			a = &acc{}
			sums[k] = a
		}
		a.calls++
		a.secs += int64(e.Seconds)
		a.cents += e.Cents
	}
	rank := make([]int32, len(users))
	for r, u := range UserOrder(users) {
		rank[u] = int32(r)
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(rank[a.u], rank[b.u]),
			CompareEntries(Entry{Location: a.loc, Destination: a.dst, Currency: a.cur}, Entry{Location: b.loc, Destination: b.dst, Currency: b.cur}))
	})
	rows := make([]Row, len(keys))
	for i, k := range keys {
		a, u := sums[k], users[k.u]
		rows[i] = Row{UserID: u.ID, UserPrincipalName: u.UserPrincipalName, UserDisplayName: u.DisplayName,
			UsageLocation: k.loc.String(), DestinationContext: k.dst, Currency: k.cur.String(),
			TotalCalls: int32(a.calls), TotalCallSeconds: int32(a.secs), TotalCallCharge: Cents(a.cents)}
	}
	return rows
}

// BenchmarkArrivals is what late arrival adds to a report of the last 90
// days ending now, over the ledger of BenchmarkRows with a 24h-48h delay:
// Window (which calls are late: a scan of the recent calls only) and Rows
// (the ledger's rows less the late calls), beside the ledger's own Rows.
//
//	go test ./report -run '^$' -bench Arrivals
func BenchmarkArrivals(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span := 365 * 24 * time.Hour
	users, entries := randomLedger(r, 20_000, 1_000_000, start, span)
	orig := append([]Entry(nil), entries...)
	l, err := NewLedger(users, entries)
	if err != nil {
		b.Fatal(err)
	}
	now := start.Add(span)
	d := Delay{24 * time.Hour, 48 * time.Hour}
	horizon := now.Add(-24*time.Hour - d.Max - l.Longest() - time.Second)
	recent := func(yield func(Call) bool) {
		for i, e := range orig {
			if e.Start < horizon.UnixNano() {
				continue
			}
			c := Call{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i), OrganizerID: users[e.User].ID,
				StartDateTime: time.Unix(0, e.Start).UTC(), Duration: int64(e.Seconds), Charge: Cents(e.Cents),
				Currency: e.Currency.String(), UsageLocation: e.Location.String(), DestinationContext: e.Destination}
			if !yield(c) {
				return
			}
		}
	}
	ix := NewArrivals(users, recent, "g-bench", d, horizon, l.Longest())
	q := Query{now.Add(-MaxRange), now}
	all := l.Rows(q)
	_, _, late := ix.Window(q, now)
	b.Logf("%d rows, %d calls indexed as possibly late, %d late", len(all), len(ix.calls), late)
	b.Run("ledger", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.Rows(q)
		}
	})
	b.Run("window", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.Window(q, now)
		}
	})
	b.Run("rows", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.Rows(all, q, now)
		}
	})
}
