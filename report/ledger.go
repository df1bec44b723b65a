package report

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Entry is a call reduced to what the report needs. The ledger index stores
// only these fields, a few bytes a call, so that a ledger of ten million calls
// stays small.
type Entry struct {
	Start       int64 // startDateTime, Unix nanoseconds UTC
	Cents       int64 // charge + connectionCharge, in hundredths (exact; see Places)
	User        int32 // index of the organizer in the ledger's users
	Seconds     int32 // duration
	Location    Code2
	Currency    Code3
	Destination Destination
}

// Code2 is a two-letter code such as an ISO 3166-1 alpha-2 usage location.
type Code2 [2]byte

// Code3 is a three-letter code such as an ISO 4217 currency.
type Code3 [3]byte

// String returns the code's letters.
func (c Code2) String() string { return string(c[:]) }

// String returns the code's letters.
func (c Code3) String() string { return string(c[:]) }

// ParseCode2 reads a code of exactly two ASCII capital letters.
func ParseCode2(s string) (Code2, error) {
	var c Code2
	if len(s) != 2 || !upper(s) {
		return c, fmt.Errorf("%q is not a two-letter upper-case code", s)
	}
	copy(c[:], s)
	return c, nil
}

// ParseCode3 reads a code of exactly three ASCII capital letters.
func ParseCode3(s string) (Code3, error) {
	var c Code3
	if len(s) != 3 || !upper(s) {
		return c, fmt.Errorf("%q is not a three-letter upper-case code", s)
	}
	copy(c[:], s)
	return c, nil
}

func upper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// Ledger is an immutable, indexed set of calls. Calls are grouped by row key
// in the row order of decision D5 and sorted by start time inside a key, with
// prefix sums of seconds and charges, so a query costs two binary searches a
// key and never scans the calls themselves.
type Ledger struct {
	users    []User
	keys     []keyRange
	start    []int64 // per call, grouped by key
	cumSecs  []int64 // cumSecs[i] = seconds of calls [0, i)
	cumCents []int64 // cumCents[i] = hundredths of calls [0, i)
	summary  Summary
	longest  int32 // the longest call's duration, seconds
}

type keyRange struct {
	lo, hi      int32 // calls [lo, hi)
	user        int32
	location    Code2
	currency    Code3
	destination Destination
	names       *codeNames // the codes as strings, shared, so a row costs no allocation for them
}

type codeNames struct{ location, currency string }

// Summary describes a ledger: its size, the time it spans and its totals per
// currency.
type Summary struct {
	Users      int             `json:"users"`
	Calls      int             `json:"calls"`
	Rows       int             `json:"rows"`
	First      time.Time       `json:"firstCall,omitzero"`
	Last       time.Time       `json:"lastCall,omitzero"`
	Currencies []CurrencyTotal `json:"currencies"`
	// CallTypes counts the calls of each type, when a ledger holds other
	// types than conf_out; Calls then counts every type, Currencies and
	// Rows the dial-out (conf_out) calls.
	CallTypes []CallTypeCount `json:"callTypes,omitempty"`
}

// CallTypeCount is how many calls of a ledger have one callType.
type CallTypeCount struct {
	CallType string `json:"callType"`
	Calls    int    `json:"calls"`
}

// CurrencyTotal sums every call of one currency.
type CurrencyTotal struct {
	Currency string `json:"currency"`
	Calls    int64  `json:"calls"`
	Seconds  int64  `json:"seconds"`
	Charge   Money  `json:"charge"`
}

// NewLedger indexes entries for users. It takes ownership of entries (they are
// sorted in place and may be released afterwards). It refuses an entry whose
// organizer is unknown or whose duration or charge is negative, and a ledger in
// which some row total could exceed Int32 (decision D10).
func NewLedger(users []User, entries []Entry) (*Ledger, error) {
	if len(entries) > math.MaxInt32-1 {
		return nil, fmt.Errorf("%w: %d calls is more than a ledger holds", ErrOverflow, len(entries))
	}
	for i, e := range entries {
		switch {
		case e.User < 0 || int(e.User) >= len(users):
			return nil, fmt.Errorf("%w: call %d: organizer %d is not a user", ErrInvalid, i, e.User)
		case e.Seconds < 0:
			return nil, fmt.Errorf("%w: call %d: negative duration", ErrInvalid, i)
		case e.Cents < 0:
			return nil, fmt.Errorf("%w: call %d: negative charge", ErrInvalid, i)
		}
	}

	rank := make([]int32, len(users))
	for r, u := range UserOrder(users) {
		rank[u] = int32(r)
	}
	sorted := slices.IsSortedFunc(entries, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(rank[a.User], rank[b.User]), CompareEntries(a, b))
	})
	if !sorted {
		slices.SortFunc(entries, func(a, b Entry) int {
			return cmp.Or(cmp.Compare(rank[a.User], rank[b.User]), CompareEntries(a, b))
		})
	}

	l := &Ledger{
		users:    users,
		start:    make([]int64, len(entries)),
		cumSecs:  make([]int64, len(entries)+1),
		cumCents: make([]int64, len(entries)+1),
	}
	type sums struct{ calls, seconds, cents int64 }
	totals := map[Code3]*sums{}
	names := map[[5]byte]*codeNames{}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for i, e := range entries {
		l.start[i] = e.Start
		l.cumSecs[i+1] = l.cumSecs[i] + int64(e.Seconds)
		c, err := addCents(l.cumCents[i], e.Cents)
		if err != nil {
			return nil, err
		}
		l.cumCents[i+1] = c
		if i == 0 || e.User != entries[i-1].User || compareKey(e, entries[i-1]) != 0 {
			nk := [5]byte{e.Location[0], e.Location[1], e.Currency[0], e.Currency[1], e.Currency[2]}
			n := names[nk]
			if n == nil {
				n = &codeNames{e.Location.String(), e.Currency.String()}
				names[nk] = n
			}
			l.keys = append(l.keys, keyRange{lo: int32(i), user: e.User, location: e.Location,
				currency: e.Currency, destination: e.Destination, names: n})
		}
		k := &l.keys[len(l.keys)-1]
		k.hi = int32(i + 1)
		if secs := l.cumSecs[k.hi] - l.cumSecs[k.lo]; secs > MaxInt32 {
			u := users[e.User]
			return nil, fmt.Errorf("%w: totalCallSeconds of user %s (%s, %s, %s) reaches %d",
				ErrOverflow, u.ID, e.Location, e.Destination, e.Currency, secs)
		}

		t := totals[e.Currency]
		if t == nil {
			t = &sums{}
			totals[e.Currency] = t
		}
		t.calls++
		t.seconds += int64(e.Seconds)
		t.cents += e.Cents // cannot overflow: cumCents did not
		l.longest = max(l.longest, e.Seconds)
		first, last = min(first, e.Start), max(last, e.Start)
	}
	if len(entries) > 0 {
		l.summary.First = time.Unix(0, first).UTC()
		l.summary.Last = time.Unix(0, last).UTC()
	}
	l.summary.Users = len(users)
	l.summary.Calls = len(entries)
	l.summary.Rows = len(l.keys)
	for c, t := range totals {
		l.summary.Currencies = append(l.summary.Currencies,
			CurrencyTotal{Currency: c.String(), Calls: t.calls, Seconds: t.seconds, Charge: Cents(t.cents)})
	}
	slices.SortFunc(l.summary.Currencies, func(a, b CurrencyTotal) int { return cmp.Compare(a.Currency, b.Currency) })
	return l, nil
}

// UserOrder returns the indexes of users in row order (decision D5):
// by userPrincipalName, then userId.
func UserOrder(users []User) []int32 {
	order := make([]int32, len(users))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(
			cmp.Compare(users[a].UserPrincipalName, users[b].UserPrincipalName),
			cmp.Compare(users[a].ID, users[b].ID))
	})
	return order
}

// CompareEntries orders the calls of one user as the index holds them: by
// row key (decision D5), then by start time. A producer that hands
// NewLedger entries already in this order, users in UserOrder, saves it
// the sort.
func CompareEntries(a, b Entry) int {
	return cmp.Or(compareKey(a, b), cmp.Compare(a.Start, b.Start))
}

// compareKey orders the row keys of one user as decision D5 does:
// usageLocation, destinationContext ("Domestic" before "International"),
// then currency. Codes compare as their big-endian bytes, which is their
// string order.
func compareKey(a, b Entry) int {
	return cmp.Or(
		cmp.Compare(a.Location.num(), b.Location.num()),
		cmp.Compare(a.Destination, b.Destination),
		cmp.Compare(a.Currency.num(), b.Currency.num()))
}

func (c Code2) num() uint32 { return uint32(c[0])<<8 | uint32(c[1]) }
func (c Code3) num() uint32 { return uint32(c[0])<<16 | uint32(c[1])<<8 | uint32(c[2]) }

func addCents(a, b int64) (int64, error) {
	if b > 0 && a > math.MaxInt64-b {
		return 0, fmt.Errorf("%w: the ledger's charges exceed what it can sum exactly", ErrOverflow)
	}
	return a + b, nil
}

// Users returns the ledger's users, in the order they were given.
func (l *Ledger) Users() []User { return l.users }

// Summary describes the ledger.
func (l *Ledger) Summary() Summary { return l.summary }

// Longest returns the duration of the ledger's longest call: a call that
// starts before t has ended by t + Longest.
func (l *Ledger) Longest() time.Duration { return time.Duration(l.longest) * time.Second }

// Rows computes the report over q, in row order (decision D5). A key with no
// call in the range has no row.
//
// Large ledgers are aggregated on all CPUs in chunks of keys: a first pass
// finds each key's calls in the range (two binary searches), a second fills
// the rows, allocated once at their exact number, each chunk at its offset.
func (l *Ledger) Rows(q Query) []Row {
	from, to := nanos(q.From), nanos(q.To)
	spans := make([]span, len(l.keys))
	const chunk = 1 << 13
	chunks := (len(l.keys) + chunk - 1) / chunk
	counts := make([]int, chunks+1)
	parallel(chunks, func(c int) {
		lo, hi := c*chunk, min((c+1)*chunk, len(l.keys))
		counts[c+1] = l.find(l.keys[lo:hi], spans[lo:hi], from, to)
	})
	for c := range chunks {
		counts[c+1] += counts[c]
	}
	if counts[chunks] == 0 {
		return nil
	}
	rows := make([]Row, counts[chunks])
	parallel(chunks, func(c int) {
		lo, hi := c*chunk, min((c+1)*chunk, len(l.keys))
		l.fill(l.keys[lo:hi], spans[lo:hi], rows[counts[c]:counts[c+1]])
	})
	return rows
}

// span is the calls of one key inside a query's range: [lo, hi).
type span struct{ lo, hi int32 }

// find sets the span of each key and returns how many keys have calls.
func (l *Ledger) find(keys []keyRange, spans []span, from, to int64) int {
	n := 0
	for i := range keys {
		k := &keys[i]
		starts := l.start[k.lo:k.hi]
		if starts[0] > to || starts[len(starts)-1] < from {
			continue
		}
		lo, _ := slices.BinarySearch(starts, from) // first start ≥ from
		hi := len(starts)                          // first start > to
		if to < math.MaxInt64 {
			hi, _ = slices.BinarySearch(starts, to+1)
		}
		if hi > lo {
			spans[i] = span{k.lo + int32(lo), k.lo + int32(hi)}
			n++
		}
	}
	return n
}

// fill writes the rows of the keys whose span is not empty.
func (l *Ledger) fill(keys []keyRange, spans []span, rows []Row) {
	j := 0
	for i := range keys {
		s := spans[i]
		if s.hi == s.lo {
			continue
		}
		k := &keys[i]
		u := &l.users[k.user]
		rows[j] = Row{
			UserID:             u.ID,
			UserPrincipalName:  u.UserPrincipalName,
			UserDisplayName:    u.DisplayName,
			UsageLocation:      k.names.location,
			DestinationContext: k.destination,
			Currency:           k.names.currency,
			TotalCalls:         s.hi - s.lo,
			TotalCallSeconds:   int32(l.cumSecs[s.hi] - l.cumSecs[s.lo]),
			TotalCallCharge:    Cents(l.cumCents[s.hi] - l.cumCents[s.lo]),
		}
		j++
	}
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines; small n runs
// inline.
func parallel(n int, fn func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// nanos maps t to the index's Unix nanoseconds, saturating outside the years
// an int64 of nanoseconds covers (about 1678 to 2262), so a query for year 0000
// or 9999 still means "before" or "after" every call.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// Nanos converts a call's start time to an Entry's Start, and false when t is
// outside the years the index can hold.
func Nanos(t time.Time) (int64, bool) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, false
	}
	return t.UnixNano(), true
}
