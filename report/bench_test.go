package report

import (
	"cmp"
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
