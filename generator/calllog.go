package generator

import (
	"cmp"
	"context"
	"iter"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/dialoutkit/dialoutkit/report"
)

// The calls of a tenant come in streams, each drawn from random streams of
// its own, so that adding one never changes another: the dial-out calls
// (conf_out, calls.go) that the report aggregates, the users' other PSTN
// calls, and the bots' calls (othercalls.go).
const (
	streamDialOut = iota
	streamUser
	streamBot
	nStreams
)

// logIndex orders every call of the window as the call log lists them, by
// start time then id, in 8 bytes a call: per day, the calls of that day,
// each packed as its second of the day, stream, user (or bot) and index in
// that user's day, which is all it takes to regenerate it.
type logIndex struct {
	first []int    // first[i] is the position of the first call of day firstDay+i; one more for the end
	calls []uint64 // packed, see pack
}

// Bits of a packed entry, from the top: second of the day (17), stream
// (2), unit: user or bot (userBits), k (kBits).
const (
	unitShift   = kBits
	streamShift = kBits + userBits
	secShift    = streamShift + 2
)

func pack(sec int64, stream, unit int, k uint16) uint64 {
	return uint64(sec)<<secShift | uint64(stream)<<streamShift | uint64(unit)<<unitShift | uint64(k)
}

func unpackEntry(e uint64) (sec int64, stream, unit int, k uint16) {
	return int64(e >> secShift), int(e >> streamShift & 3), int(e >> unitShift & (1<<userBits - 1)), uint16(e & (1<<kBits - 1))
}

// logKey is the unique key of a call of a stream; the dial-out stream's is
// callKey itself, so those ids never change.
func logKey(stream, unit int, d int64, k uint16) uint64 {
	return callKey(unit, d, k) | uint64(stream)<<60
}

// buildLog indexes every call of the window, a day a task on all CPUs.
func (g *gen) buildLog(ctx context.Context) (*logIndex, error) {
	days := len(g.kinds)
	perDay := make([][]uint64, days)
	type keyed struct {
		e  uint64
		id guid
	}
	err := parallel(ctx, days, runtime.GOMAXPROCS(0), func(lo, hi int) {
		var ks []keyed
		var buf []draw
		for i := lo; i < hi; i++ {
			d := g.firstDay + int64(i)
			ks = ks[:0]
			g.eachCall(d, g.kinds[i], &buf, func(stream, unit int, start int64, k uint16) {
				ks = append(ks, keyed{pack(start-d*86400, stream, unit, k), g.callID(logKey(stream, unit, d, k))})
			})
			slices.SortFunc(ks, func(a, b keyed) int {
				if c := cmp.Compare(a.e>>secShift, b.e>>secShift); c != 0 {
					return c
				}
				if a.id.less(b.id) {
					return -1
				}
				if b.id.less(a.id) {
					return 1
				}
				return 0
			})
			out := make([]uint64, len(ks))
			for j := range ks {
				out[j] = ks[j].e
			}
			perDay[i] = out
		}
	}, nil)
	if err != nil {
		return nil, err
	}
	ix := &logIndex{first: make([]int, days+1)}
	n := 0
	for i, calls := range perDay {
		ix.first[i] = n
		n += len(calls)
	}
	ix.first[days] = n
	ix.calls = make([]uint64, 0, n)
	for i := range perDay {
		ix.calls = append(ix.calls, perDay[i]...)
		perDay[i] = nil
	}
	return ix, nil
}

// eachCall calls fn for every call of day d, of every stream, with its
// start in Unix seconds.
func (g *gen) eachCall(d int64, kind uint8, buf *[]draw, fn func(stream, unit int, start int64, k uint16)) {
	for u := range g.people {
		*buf = g.day(u, d, kind, (*buf)[:0])
		for _, x := range *buf {
			fn(streamDialOut, u, x.start, x.k)
		}
	}
}

// search returns the position of the first call that starts at or after
// sec (Unix seconds).
func (g *gen) search(ix *logIndex, sec int64) int {
	day := floorDiv(sec, 86400) - g.firstDay
	switch {
	case day < 0:
		return 0
	case day >= int64(len(g.kinds)):
		return len(ix.calls)
	}
	within := uint64(sec - (g.firstDay+day)*86400)
	a, b := ix.first[day], ix.first[day+1]
	return a + sort.Search(b-a, func(i int) bool { return ix.calls[a+i]>>secShift >= within })
}

// CallSpan returns the positions [lo, hi) of the calls that start in q, of
// every type, in the call log's order (report.CallLog).
func (t *Tenant) CallSpan(q report.Query) (lo, hi int) {
	from, to := satNanos(q.From), satNanos(q.To)
	if from > to {
		return 0, 0
	}
	const s = int64(time.Second)
	first := floorDiv(from, s) // calls start on whole seconds: the first at or after from
	if first*s < from {
		first++
	}
	lo = t.g.search(t.log, first)
	hi = t.g.search(t.log, floorDiv(to, s)+1)
	return lo, max(lo, hi)
}

// CallsAt lists the calls at positions [lo, hi) of the call log's order,
// each regenerated from the seed.
func (t *Tenant) CallsAt(lo, hi int) iter.Seq[report.Call] {
	return func(yield func(report.Call) bool) {
		ix, g := t.log, t.g
		lo, hi := max(lo, 0), min(hi, len(ix.calls))
		if lo >= hi {
			return
		}
		day := sort.Search(len(g.kinds), func(i int) bool { return ix.first[i+1] > lo })
		users := t.Users()
		var r regen
		for p := lo; p < hi; p++ {
			for p >= ix.first[day+1] {
				day++
			}
			if !yield(g.callAt(&r, users, g.firstDay+int64(day), ix.calls[p])) {
				return
			}
		}
	}
}

// regen keeps the draws of the last user-day regenerated: calls of one
// user's day often follow each other.
type regen struct {
	stream, unit int
	d            int64
	ok           bool
	buf          []draw
}

// callAt regenerates the call of entry e of day d.
func (g *gen) callAt(r *regen, users []report.User, d int64, e uint64) report.Call {
	_, stream, unit, k := unpackEntry(e)
	if !r.ok || r.stream != stream || r.unit != unit || r.d != d {
		r.stream, r.unit, r.d, r.ok = stream, unit, d, true
		kind := g.kinds[d-g.firstDay]
		switch stream {
		default:
			r.buf = g.day(unit, d, kind, r.buf[:0])
		}
	}
	x := &r.buf[k]
	switch stream {
	default:
		return g.call(users, unit, d, x)
	}
}

// Calls lists the calls with q.From ≤ startDateTime ≤ q.To, of every type,
// ordered by start time then id: CallsAt(CallSpan(q)). They are regenerated
// from the seed, and the dial-out calls among them are exactly the calls
// the ledger aggregates. It is safe for concurrent use.
func (t *Tenant) Calls(q report.Query) iter.Seq[report.Call] { return t.CallsAt(t.CallSpan(q)) }

var _ report.CallLog = (*Tenant)(nil)
