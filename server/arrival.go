package server

import (
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dialoutkit/dialoutkit/report"
)

// Late arrival (docs/contract.md#like-the-live-service): with
// Config.ArrivalDelay, a call is visible from its endDateTime plus its delay
// (report.Delay), at the server's clock. The report and GET /_mock/calls
// leave out calls not arrived yet; GET /_mock/dataset counts them apart.
//
// Paging reads one instant: the first page's instant travels in the
// nextLink's $skiptoken (after the dataset version and a "~"), and every
// later page shows what had arrived then, so a page set never shifts under
// a client while calls arrive. A new first page sees the new arrivals, which
// is how a re-read of a recent range grows. Such nextLinks expire after
// maxPageInstantAge; an instant in the future is read as now.

// MaxArrivalDelay bounds Config.ArrivalDelay: the calls that may be late are
// indexed, and the live service's lag is a day or two.
const MaxArrivalDelay = 30 * 24 * time.Hour

// maxPageInstantAge is how old the instant of a nextLink may be when late
// arrival is on: paging a report takes seconds, and the calls that can be
// late at so old an instant stay indexed.
const maxPageInstantAge = 24 * time.Hour

// ParseArrivalDelay reads an arrival delay: "0" (off), a Go duration such
// as "36h", or an inclusive range "MIN-MAX" such as "24h-48h".
func ParseArrivalDelay(s string) (report.Delay, error) {
	fail := func(reason string) (report.Delay, error) {
		return report.Delay{}, &FieldError{Field: "ArrivalDelay", Reason: fmt.Sprintf("%q: %s", s, reason)}
	}
	const want = "want a duration such as 36h, or a range such as 24h-48h"
	lo, hi, isRange := strings.Cut(s, "-")
	if lo == "" && isRange {
		return fail("a delay is not negative")
	}
	min, err := time.ParseDuration(lo)
	if err != nil {
		return fail(want)
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(hi); err != nil {
			return fail(want)
		}
	}
	d := report.Delay{Min: min, Max: max}
	if err := checkArrivalDelay(d); err != nil {
		return fail(err.(*FieldError).Reason)
	}
	return d, nil
}

func checkArrivalDelay(d report.Delay) error {
	if d.Min < 0 || d.Max < d.Min || d.Max > MaxArrivalDelay {
		return &FieldError{Field: "ArrivalDelay", Reason: fmt.Sprintf("%s-%s: want 0 ≤ min ≤ max ≤ %s", d.Min, d.Max, MaxArrivalDelay)}
	}
	return nil
}

// arrivalIndex is the late-arrival index of one dataset version, built on
// first use. Each tenant keeps its own in its holder (tenantState), so that
// tenants read in turn do not rebuild each other's, and an evicted tenant's
// index goes with it.
type arrivalIndex struct {
	version string
	once    sync.Once
	ix      *report.Arrivals
}

// longest is what a Source tells of its longest call, when it can
// (report.Ledger does); a Source that cannot has all its calls indexed.
type longest interface{ Longest() time.Duration }

// userLister is a Source that lists its users (report.Ledger does), which
// lets the late calls' rows be found by binary search.
type userLister interface{ Users() []report.User }

// arrivals returns the index of ds that covers asOf, building it on first
// use, when the dataset changed, or when a clock that went back asks for an
// instant it does not cover.
func (s *Server) arrivals(ds *Dataset, asOf time.Time) *report.Arrivals {
	st := s.holder(ds)
	if st == nil {
		ix, _ := s.buildArrivals(ds, asOf) // a tenant evicted or changed under the request: answer, uncached
		return ix
	}
	for range 3 {
		cur := st.arrivalIx.Load()
		if cur == nil || cur.version != ds.Version {
			fresh := &arrivalIndex{version: ds.Version}
			if !st.arrivalIx.CompareAndSwap(cur, fresh) {
				continue // another request installed one: use it
			}
			cur = fresh
		}
		cur.once.Do(func() {
			var bytes int64
			cur.ix, bytes = s.buildArrivals(ds, asOf)
			if s.multi() {
				s.tenants.account(st, bytes)
			}
		})
		if cur.ix.Covers(asOf) {
			return cur.ix
		}
		st.arrivalIx.CompareAndSwap(cur, &arrivalIndex{version: ds.Version})
	}
	ix, _ := s.buildArrivals(ds, asOf) // datasets swapping under us: answer, uncached
	return ix
}

// holder returns the holder that keeps the late-arrival index of ds: the
// one holder in single tenancy; with many tenants, the held tenant serving
// ds, or nil when none does any more.
func (s *Server) holder(ds *Dataset) *tenantState {
	if !s.multi() {
		return s.tenantState
	}
	return s.tenants.holder(ds.Version)
}

// bytesPerIndexedCall estimates what report.Arrivals keeps of a call it
// indexes: its arrival for the call log, and for a dial-out its start,
// arrival, amounts and row.
const bytesPerIndexedCall = 48

// buildArrivals indexes the calls of ds that can be late at asOf or at any
// later instant, and at any earlier one a nextLink may still carry. It
// returns the index and an estimate of its size.
func (s *Server) buildArrivals(ds *Dataset, asOf time.Time) (*report.Arrivals, int64) {
	s.arrivalBuilds.Add(1)
	horizon, long := time.Time{}, time.Duration(0) // unknown longest call: index them all
	if l, ok := ds.Source.(longest); ok {
		long = l.Longest()
		horizon = asOf.Add(-maxPageInstantAge - s.cfg.ArrivalDelay.Max - long - time.Second)
	}
	var users []report.User
	if u, ok := ds.Source.(userLister); ok {
		users = u.Users()
	}
	q := report.Query{From: horizon, To: endOfTime}
	lo, hi := ds.Source.CallSpan(q)
	ix := report.NewArrivals(users, ds.Source.Calls(q), ds.Version, s.cfg.ArrivalDelay, horizon, long)
	return ix, int64(hi-lo) * bytesPerIndexedCall
}

// endOfTime is after every call.
var endOfTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// reportRows returns the rows of q over ds that a client sees at asOf.
func (s *Server) reportRows(ds *Dataset, q report.Query, asOf time.Time) *rangeRows {
	all := s.cache.get(ds, q)
	if s.cfg.ArrivalDelay.IsZero() {
		return all
	}
	rows := func() []report.Row { return s.arrivals(ds, asOf).Rows(all.rows, q, asOf) }
	// The arrived calls change only when one arrives: a read inside the
	// window of the last one skips looking for late calls.
	if k, ok := s.cache.window(ds, q, asOf.UnixNano()); ok {
		if !k.arrived {
			return all
		}
		return s.cache.getWith(k, rows)
	}
	from, until, late := s.arrivals(ds, asOf).Window(q, asOf)
	if late == 0 {
		s.cache.arrivedAll(ds, q, from.UnixNano())
		return all
	}
	return s.cache.getArrived(ds, q, from.UnixNano(), until.UnixNano(), rows)
}

// arrivedCalls counts the calls of ds arrived at asOf.
func (s *Server) arrivedCalls(ds *Dataset, asOf time.Time) int {
	n := ds.Source.Summary().Calls
	if s.cfg.ArrivalDelay.IsZero() {
		return n
	}
	return n - s.arrivals(ds, asOf).Late(asOf)
}

// visibleCalls lists the calls of q over ds that GET /_mock/calls shows:
// those arrived at the server's clock, or all of them when arrived is "all".
func (s *Server) visibleCalls(ds *Dataset, q report.Query, arrived string) (iter.Seq[report.Call], error) {
	switch arrived {
	case "all":
		return ds.Source.Calls(q), nil
	case "":
	default:
		return nil, badRequest("The parameter 'arrived' has the invalid value '%s': want all, or leave it out for the calls arrived.", printable(arrived))
	}
	all := ds.Source.Calls(q)
	d := s.cfg.ArrivalDelay
	if d.IsZero() {
		return all, nil
	}
	now := s.now()
	return func(yield func(report.Call) bool) {
		for c := range all {
			if !d.Arrival(ds.Version, &c).After(now) && !yield(c) {
				return
			}
		}
	}, nil
}

// pageToken is the $skiptoken of a nextLink: the dataset version, and with
// late arrival the instant the first page was read, in Unix nanoseconds.
func (s *Server) pageToken(version string, asOf time.Time) string {
	if s.cfg.ArrivalDelay.IsZero() {
		return version
	}
	return version + "~" + strconv.FormatInt(asOf.UnixNano(), 10)
}

// readPageToken splits a $skiptoken into the dataset version and the
// instant to read at: the token's, or now for a first page (or with late
// arrival off).
func (s *Server) readPageToken(token string, now time.Time) (version string, asOf time.Time, err error) {
	version, at, ok := strings.Cut(token, "~")
	if !ok || s.cfg.ArrivalDelay.IsZero() {
		return version, now, nil
	}
	ns, perr := strconv.ParseInt(at, 10, 64)
	if perr != nil || ns < 0 || at[0] == '+' {
		return "", now, badRequest("The $skiptoken '%s' is not one this server wrote. Start again from the first page.", printable(token))
	}
	asOf = time.Unix(0, ns).UTC()
	switch {
	case asOf.After(now):
		asOf = now // a forged instant never shows calls early
	case now.Sub(asOf) > maxPageInstantAge:
		return "", now, &GraphError{Status: http.StatusBadRequest, Code: "BadRequest",
			Message: fmt.Sprintf("This nextLink was issued more than %s ago and has expired. Start again from the first page.", maxPageInstantAge)}
	}
	return version, asOf, nil
}
