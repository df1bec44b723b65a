package report

import (
	"cmp"
	"iter"
	"math"
	"math/bits"
	"slices"
	"sort"
	"time"
)

// Delay is how late calls arrive, as in the live service, whose data lags
// 24 to 48 hours: a call becomes visible at its endDateTime plus a delay
// drawn uniformly from [Min, Max], both inclusive. The draw depends only on
// a seed (the dataset's version) and the call's id, so every replica and
// every run agree on it. The zero Delay is off: every call is visible, also
// one that has not ended yet.
type Delay struct {
	Min, Max time.Duration
}

// IsZero reports whether d is off.
func (d Delay) IsZero() bool { return d.Min == 0 && d.Max == 0 }

// Of returns the delay of the call with id in the dataset seeded by seed:
// integer hashing of both, mapped onto [Min, Max] by a 128-bit product
// (uniform to within 2^-64; no floats, no shared random source).
func (d Delay) Of(seed, id string) time.Duration {
	if d.Max <= d.Min {
		return d.Min
	}
	h := uint64(14695981039346656037) // FNV-1a over seed, a separator, id
	for i := 0; i < len(seed); i++ {
		h = (h ^ uint64(seed[i])) * 1099511628211
	}
	h = (h ^ 0xff) * 1099511628211
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	// splitmix64's finalizer spreads FNV's weak low bits over all 64.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	hi, _ := bits.Mul64(h, uint64(d.Max-d.Min)+1)
	return d.Min + time.Duration(hi)
}

// Arrival returns when c becomes visible.
func (d Delay) Arrival(seed string, c *Call) time.Time {
	end := c.EndDateTime
	if end.IsZero() {
		end = c.StartDateTime.Add(time.Duration(c.Duration) * time.Second)
	}
	return end.Add(d.Of(seed, c.ID))
}

// Arrivals indexes the calls of a dataset that may still be on their way:
// every call that starts at or after a horizon, with its arrival instant and
// what it adds to its row. Calls that start before the horizon have all
// arrived by the time the index is asked about (see Covers), so the report
// of the arrived calls is the ledger's report less the late calls found
// here: the ledger index does the bulk, this short list the recent hours.
//
// An Arrivals is immutable and safe for concurrent use.
type Arrivals struct {
	horizon int64         // Unix ns: calls that start at or after it are indexed
	settled int64         // Unix ns: from this instant on, every call before horizon has arrived
	calls   []arrivalCall // the dial-out (conf_out) calls, by start
	log     []int64       // every call's arrival, Unix ns, in the order given: the call log's
	keys    []rowKey
	order   []int32 // order[k] is the rank of keys[k] in row order; nil without users
}

type arrivalCall struct {
	start, arrival int64 // Unix ns
	cents          int64
	seconds        int64
	key            int32 // into Arrivals.keys
}

// rowKey is what a row is told apart by: its key fields and, to find it
// among sorted rows, the organizer's userPrincipalName.
type rowKey struct {
	userID, location, currency string
	destination                Destination
	upn                        string
}

// NewArrivals indexes calls, the dataset's calls that start at or after
// horizon in the call log's order (CallLog), whose delays are drawn with
// seed. Every call type counts for the call log; only conf_out calls with an
// organizer count for the report's rows (decision D11). longest is the dataset's
// longest call: a call that starts before horizon has ended by horizon +
// longest and arrived by horizon + longest + d.Max. users, the dataset's,
// let Rows find a late call's row by binary search; without them (nil) it
// looks every row up.
func NewArrivals(users []User, calls iter.Seq[Call], seed string, d Delay, horizon time.Time, longest time.Duration) *Arrivals {
	a := &Arrivals{horizon: nanos(horizon)}
	// A scenario's endDateTime may be a second past start + duration.
	a.settled = satAdd(satAdd(satAdd(a.horizon, int64(longest)), int64(time.Second)), int64(d.Max))
	var upn map[string]string
	if users != nil {
		upn = make(map[string]string, len(users))
		for _, u := range users {
			upn[u.ID] = u.UserPrincipalName
		}
	}
	keyIndex := map[rowKey]int32{}
	for c := range calls {
		start := nanos(c.StartDateTime)
		if start < a.horizon {
			continue
		}
		arrival := nanos(d.Arrival(seed, &c))
		a.log = append(a.log, arrival)
		if c.Type() != ConfOut || c.OrganizerID == "" {
			continue
		}
		k := rowKey{c.OrganizerID, c.UsageLocation, c.Currency, c.DestinationContext, upn[c.OrganizerID]}
		ki, ok := keyIndex[k]
		if !ok {
			ki = int32(len(a.keys))
			keyIndex[k] = ki
			a.keys = append(a.keys, k)
		}
		charge, _ := c.Charge.Cents()
		conn, _ := c.ConnectionCharge.Cents()
		a.calls = append(a.calls, arrivalCall{start: start, arrival: arrival,
			cents: charge + conn, seconds: c.Duration, key: ki})
	}
	slices.SortFunc(a.calls, func(x, y arrivalCall) int { return cmp.Compare(x.start, y.start) })
	if users != nil {
		byRow := make([]int32, len(a.keys))
		for i := range byRow {
			byRow[i] = int32(i)
		}
		slices.SortFunc(byRow, func(x, y int32) int { return compareKeys(&a.keys[x], &a.keys[y]) })
		a.order = make([]int32, len(a.keys))
		for rank, k := range byRow {
			a.order[k] = int32(rank)
		}
	}
	return a
}

// compareKeys orders keys as rows are (decision D5).
func compareKeys(a, b *rowKey) int {
	return cmp.Or(cmp.Compare(a.upn, b.upn), cmp.Compare(a.userID, b.userID), cmp.Compare(a.location, b.location),
		cmp.Compare(a.destination, b.destination), cmp.Compare(a.currency, b.currency))
}

// compareRow orders a row against a key as rows are ordered (decision D5).
func compareRow(r *Row, k *rowKey) int {
	return cmp.Or(cmp.Compare(r.UserPrincipalName, k.upn), cmp.Compare(r.UserID, k.userID),
		cmp.Compare(r.UsageLocation, k.location), cmp.Compare(r.DestinationContext, k.destination),
		cmp.Compare(r.Currency, k.currency))
}

// Covers reports whether the index can tell what has arrived at asOf: every
// call it leaves out has arrived by then.
func (a *Arrivals) Covers(asOf time.Time) bool { return nanos(asOf) >= a.settled }

// Settled returns the instant from which the index covers.
func (a *Arrivals) Settled() time.Time { return time.Unix(0, a.settled).UTC() }

// Late counts the calls, of every type, not yet arrived at asOf, which
// Covers.
func (a *Arrivals) Late(asOf time.Time) int {
	t, n := nanos(asOf), 0
	for _, at := range a.log {
		if at > t {
			n++
		}
	}
	return n
}

// Horizon returns the instant from which calls are indexed: the call log's
// calls that start at or after it are indexed, in its order, from the
// position of the first of them.
func (a *Arrivals) Horizon() time.Time { return time.Unix(0, a.horizon).UTC() }

// LogPage finds a page of the call log as a client sees it at asOf, which
// Covers: of the calls at positions [lo, hi) of the log (the span of a
// range, CallLog.CallSpan), those arrived at asOf, from the skip-th, at
// most n of them. first is the log position of the first indexed call
// (the span of [Horizon, the end of time] starts there): every call before
// it has arrived. It returns how many calls of the span have arrived and
// the page's positions as runs [a, b), in order. The cost is a scan of the
// indexed calls of the span, the recent ones, never of the whole range.
func (a *Arrivals) LogPage(lo, hi, first int, asOf time.Time, skip, n int) (total int, runs [][2]int) {
	t := nanos(asOf)
	add := func(p, q int) {
		if p >= q {
			return
		}
		if k := len(runs) - 1; k >= 0 && runs[k][1] == p {
			runs[k][1] = q
			return
		}
		runs = append(runs, [2]int{p, q})
	}
	pre := max(0, min(hi, first)-lo) // arrived, all of them
	if skip < pre {
		add(lo+skip, lo+min(pre, skip+n))
	}
	k := pre
	for p := max(lo, first); p < hi; p++ {
		if i := p - first; i < len(a.log) && a.log[i] > t {
			continue
		}
		if k >= skip && k < skip+n {
			add(p, p+1)
		}
		k++
	}
	return k, runs
}

// Window tells how the report over q stands at asOf, which Covers: late
// calls of q are not arrived yet, and the report of the arrived calls is the
// same at every instant in [from, until), the arrivals of q's calls just
// before and just after asOf. With no late call, until is the zero Time: the
// ledger's report over q is the report of the arrived calls, from then on.
func (a *Arrivals) Window(q Query, asOf time.Time) (from, until time.Time, late int) {
	t := nanos(asOf)
	lastIn, firstOut := a.settled, int64(math.MaxInt64)
	lo, hi := a.span(q)
	for _, c := range a.calls[lo:hi] {
		if c.arrival <= t {
			lastIn = max(lastIn, c.arrival)
		} else {
			firstOut = min(firstOut, c.arrival)
			late++
		}
	}
	from = time.Unix(0, lastIn).UTC()
	if late > 0 {
		until = time.Unix(0, firstOut).UTC()
	}
	return from, until, late
}

// span is the indexed calls that start in q: [lo, hi).
func (a *Arrivals) span(q Query) (lo, hi int) {
	from, to := nanos(q.From), nanos(q.To)
	lo, _ = slices.BinarySearchFunc(a.calls, from, func(c arrivalCall, t int64) int { return cmp.Compare(c.start, t) })
	hi, _ = slices.BinarySearchFunc(a.calls, to, func(c arrivalCall, t int64) int {
		if c.start <= t {
			return -1
		}
		return 1
	})
	return lo, max(lo, hi)
}

// lateSum is what the late calls of one key take from its row.
type lateSum struct {
	key                   int32
	calls, seconds, cents int64
}

// Rows returns the report over q of the calls arrived at asOf, which
// Covers, given all, the ledger's report over q (Ledger.Rows): all less the
// calls of q that arrive after asOf. all is returned as it is when no call
// is late; otherwise it is copied, never changed. With the dataset's users
// the late keys' rows are found by binary search and the rest copied in
// runs, so the cost is a copy of all plus a few searches a late key.
func (a *Arrivals) Rows(all []Row, q Query, asOf time.Time) []Row {
	t := nanos(asOf)
	var sums []lateSum
	var at map[int32]int // key -> index in sums
	lo, hi := a.span(q)
	for _, c := range a.calls[lo:hi] {
		if c.arrival <= t {
			continue
		}
		if at == nil {
			at = map[int32]int{}
		}
		i, ok := at[c.key]
		if !ok {
			i = len(sums)
			at[c.key] = i
			sums = append(sums, lateSum{key: c.key})
		}
		sums[i].calls++
		sums[i].seconds += c.seconds
		sums[i].cents += c.cents
	}
	if sums == nil {
		return all
	}
	rows := make([]Row, 0, len(all))
	if a.order == nil {
		byKey := make(map[rowKey]*lateSum, len(sums))
		for i := range sums {
			k := a.keys[sums[i].key]
			k.upn = ""
			byKey[k] = &sums[i]
		}
		for _, r := range all {
			if s := byKey[rowKey{r.UserID, r.UsageLocation, r.Currency, r.DestinationContext, ""}]; s != nil {
				rows = subtract(rows, r, s)
			} else {
				rows = append(rows, r)
			}
		}
	} else {
		slices.SortFunc(sums, func(x, y lateSum) int { return cmp.Compare(a.order[x.key], a.order[y.key]) })
		pos := 0
		for i := range sums {
			k := &a.keys[sums[i].key]
			rest := all[pos:]
			n := sort.Search(len(rest), func(j int) bool { return compareRow(&rest[j], k) >= 0 })
			rows = append(rows, rest[:n]...)
			pos += n
			if pos < len(all) && compareRow(&all[pos], k) == 0 {
				rows = subtract(rows, all[pos], &sums[i])
				pos++
			}
		}
		rows = append(rows, all[pos:]...)
	}
	if len(rows) == 0 {
		return nil // as Ledger.Rows has it
	}
	return rows
}

// subtract appends r less s to rows, or nothing when s takes all its calls.
func subtract(rows []Row, r Row, s *lateSum) []Row {
	if s.calls >= int64(r.TotalCalls) {
		return rows // the whole row is still on its way
	}
	cents, _ := r.TotalCallCharge.Cents()
	r.TotalCalls -= int32(s.calls)
	r.TotalCallSeconds -= int32(s.seconds)
	r.TotalCallCharge = Cents(cents - s.cents)
	return append(rows, r)
}

// satAdd is a + b for b ≥ 0, saturating at the largest int64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
