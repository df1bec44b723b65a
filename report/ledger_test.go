package report

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// bruteRows is a second, deliberately naive implementation of the report:
// scan every entry, sum per key in a map, sort the keys with sort.Slice by
// the D5 fields as strings. It shares nothing with Ledger but the types.
func bruteRows(users []User, entries []Entry, q Query) []Row {
	type acc struct {
		calls, secs, cents int64
	}
	type key struct {
		u        int32
		loc, cur string
		dst      Destination
	}
	sums := map[key]*acc{}
	for _, e := range entries {
		t := time.Unix(0, e.Start)
		if t.Before(q.From) || t.After(q.To) {
			continue
		}
		k := key{e.User, string(e.Location[:]), string(e.Currency[:]), e.Destination}
		if sums[k] == nil {
			sums[k] = &acc{}
		}
		sums[k].calls++
		sums[k].secs += int64(e.Seconds)
		sums[k].cents += e.Cents
	}
	var rows []Row
	for k, a := range sums {
		u := users[k.u]
		rows = append(rows, Row{UserID: u.ID, UserPrincipalName: u.UserPrincipalName, UserDisplayName: u.DisplayName,
			UsageLocation: k.loc, DestinationContext: k.dst, Currency: k.cur,
			TotalCalls: int32(a.calls), TotalCallSeconds: int32(a.secs), TotalCallCharge: Cents(a.cents)})
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		ka := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s", a.UserPrincipalName, a.UserID, a.UsageLocation, a.DestinationContext, a.Currency)
		kb := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s", b.UserPrincipalName, b.UserID, b.UsageLocation, b.DestinationContext, b.Currency)
		return ka < kb
	})
	return rows
}

var rowCmp = cmp.Comparer(func(a, b Money) bool { return a.Equal(b) })

func randomLedger(r *rand.Rand, nUsers, nCalls int, start time.Time, span time.Duration) ([]User, []Entry) {
	users := make([]User, nUsers)
	for i := range users {
		// Some users share a UPN prefix order with others, and two share a UPN,
		// so the userId tie-break of D5 matters.
		users[i] = User{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", r.Uint32(), i),
			UserPrincipalName: fmt.Sprintf("user%03d@contoso.com", r.IntN(nUsers)), DisplayName: fmt.Sprint("User ", i), UsageLocation: "US"}
	}
	locs := []string{"US", "GB", "DE", "JP"}
	curs := []string{"USD", "GBP", "EUR", "JPY"}
	entries := make([]Entry, nCalls)
	for i := range entries {
		l := r.IntN(len(locs))
		c := l
		if r.IntN(10) == 0 {
			c = r.IntN(len(curs))
		}
		// Start times cluster on whole minutes so ranges hit them exactly.
		entries[i] = Entry{
			Start:       start.Add(time.Duration(r.Int64N(int64(span/time.Minute))) * time.Minute).UnixNano(),
			Cents:       r.Int64N(5000),
			User:        int32(r.IntN(nUsers)),
			Seconds:     int32(r.IntN(7200)),
			Location:    Code2([]byte(locs[l])),
			Currency:    Code3([]byte(curs[c])),
			Destination: Destination(r.IntN(2)),
		}
	}
	return users, entries
}

func TestLedgerMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	users, entries := randomLedger(r, 60, 5000, start, 200*24*time.Hour)
	orig := append([]Entry(nil), entries...)
	l, err := NewLedger(users, entries)
	if err != nil {
		t.Fatal(err)
	}
	queries := []Query{
		{start, start.Add(MaxRange)},
		{start.Add(time.Hour), start.Add(24 * time.Hour)},
		{start.Add(-time.Hour), start},                                     // only calls at exactly start
		{start.Add(500 * 24 * time.Hour), start.Add(501 * 24 * time.Hour)}, // nothing
		{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for i := 0; i < 50; i++ {
		a := start.Add(time.Duration(r.Int64N(int64(200*24*time.Hour/time.Minute))) * time.Minute)
		queries = append(queries, Query{a, a.Add(time.Duration(r.Int64N(int64(MaxRange/time.Minute))) * time.Minute)})
	}
	for _, q := range queries {
		want := bruteRows(users, orig, q)
		got := l.Rows(q)
		if diff := cmp.Diff(want, got, rowCmp); diff != "" {
			t.Fatalf("Rows(%v..%v) mismatch (-brute +ledger):\n%s", q.From, q.To, diff)
		}
	}
}

func TestLedgerSummary(t *testing.T) {
	users := []User{{ID: "a", UserPrincipalName: "a@x"}}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	l, err := NewLedger(users, []Entry{
		{Start: t0.Add(time.Hour).UnixNano(), Cents: 101, Seconds: 10, Location: Code2{'U', 'S'}, Currency: Code3{'U', 'S', 'D'}},
		{Start: t0.UnixNano(), Cents: 1, Seconds: 5, Location: Code2{'U', 'S'}, Currency: Code3{'U', 'S', 'D'}},
		{Start: t0.Add(2 * time.Hour).UnixNano(), Cents: 50000, Seconds: 1, Location: Code2{'J', 'P'}, Currency: Code3{'J', 'P', 'Y'}, Destination: International},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Users: 1, Calls: 3, Rows: 2, First: t0, Last: t0.Add(2 * time.Hour), Currencies: []CurrencyTotal{
		{Currency: "JPY", Calls: 1, Seconds: 1, Charge: Cents(50000)},
		{Currency: "USD", Calls: 2, Seconds: 15, Charge: Cents(102)},
	}}
	if diff := cmp.Diff(want, l.Summary(), rowCmp); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
}

func TestLedgerRefuses(t *testing.T) {
	users := []User{{ID: "a", UserPrincipalName: "a@x"}}
	us := Code2{'U', 'S'}
	usd := Code3{'U', 'S', 'D'}
	cases := []struct {
		name    string
		entries []Entry
		want    error
	}{
		{"unknown user", []Entry{{User: 1, Location: us, Currency: usd}}, ErrInvalid},
		{"negative duration", []Entry{{Seconds: -1, Location: us, Currency: usd}}, ErrInvalid},
		{"negative charge", []Entry{{Cents: -1, Location: us, Currency: usd}}, ErrInvalid},
		{"seconds past Int32", []Entry{{Seconds: MaxInt32, Location: us, Currency: usd}, {Seconds: 1, Location: us, Currency: usd}}, ErrOverflow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewLedger(users, c.entries); !errors.Is(err, c.want) {
				t.Errorf("NewLedger = %v, want %v", err, c.want)
			}
		})
	}
	// Exactly Int32 is fine, in one key; two keys may each reach it.
	ok := []Entry{{Seconds: MaxInt32, Location: us, Currency: usd}, {Seconds: MaxInt32, Location: us, Currency: usd, Destination: International}}
	if _, err := NewLedger(users, ok); err != nil {
		t.Errorf("NewLedger at exactly Int32 = %v, want nil", err)
	}
}

func TestQueryValidate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		q    Query
		want error
	}{
		{Query{t0, t0}, nil},
		{Query{t0, t0.Add(MaxRange)}, nil},
		{Query{t0, t0.Add(MaxRange + time.Nanosecond)}, ErrRangeTooLong},
		{Query{t0.Add(time.Nanosecond), t0}, ErrReversedRange},
		{Query{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrRangeTooLong},
	}
	for _, c := range cases {
		if err := c.q.Validate(); !errors.Is(err, c.want) {
			t.Errorf("Validate(%v..%v) = %v, want %v", c.q.From, c.q.To, err, c.want)
		}
	}
}

// TestScanRowsAgrees keeps the benchmark's reference honest.
func TestScanRowsAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	users, entries := randomLedger(r, 50, 3000, start, 100*24*time.Hour)
	q := Query{start.AddDate(0, 0, 10), start.AddDate(0, 0, 70)}
	if diff := cmp.Diff(bruteRows(users, entries, q), scanRows(users, entries, q), rowCmp); diff != "" {
		t.Errorf("scanRows disagrees with bruteRows (-brute +scan):\n%s", diff)
	}
}
