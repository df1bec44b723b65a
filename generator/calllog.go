package generator

import (
	"cmp"
	"context"
	"iter"
	"math"
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
	first   []int    // first[i] is the position of the first call of day firstDay+i; one more for the end
	calls   []uint64 // packed, see pack
	types   [nTypes]int
	longest int32 // seconds
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
	types := make([][nTypes]int, days)
	longest := make([]int32, days)
	err := parallel(ctx, days, runtime.GOMAXPROCS(0), func(lo, hi int) {
		var ks []keyed
		var buf []draw
		var obuf []odraw
		for i := lo; i < hi; i++ {
			d := g.firstDay + int64(i)
			ks = ks[:0]
			g.eachCall(d, g.kinds[i], &buf, &obuf, func(stream, unit int, start int64, k uint16, typ uint8, secs int32) {
				ks = append(ks, keyed{pack(start-d*86400, stream, unit, k), g.callID(logKey(stream, unit, d, k))})
				types[i][typ]++
				longest[i] = max(longest[i], secs)
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
	for i := range days {
		for t, n := range types[i] {
			ix.types[t] += n
		}
		ix.longest = max(ix.longest, longest[i])
	}
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
// start in Unix seconds, its type (an index in callTypes) and duration.
func (g *gen) eachCall(d int64, kind uint8, buf *[]draw, obuf *[]odraw, fn func(stream, unit int, start int64, k uint16, typ uint8, secs int32)) {
	for u := range g.people {
		*buf = g.day(u, d, kind, (*buf)[:0], allCalls)
		for _, x := range *buf {
			fn(streamDialOut, u, x.start, x.k, typeDialOut, x.seconds)
		}
		*obuf = g.otherDay(u, d, kind, (*obuf)[:0], allCalls)
		for _, x := range *obuf {
			fn(streamUser, u, x.start, x.k, x.typ, x.seconds)
		}
	}
	for b := range g.bots {
		*obuf = g.botDay(b, d, kind, (*obuf)[:0], allCalls)
		for _, x := range *obuf {
			fn(streamBot, b, x.start, x.k, x.typ, x.seconds)
		}
	}
}

// allCalls asks day, otherDay and botDay for every call of the day.
const allCalls = math.MaxInt

// typeDialOut is conf_out's index in callTypes, after otherTypes.
const typeDialOut = uint8(len(otherTypes))

// nTypes is the number of call types.
const nTypes = len(otherTypes) + 1

// callTypes names the types eachCall reports.
var callTypes = [nTypes]string(append(otherTypes[:len(otherTypes):len(otherTypes)], report.ConfOut))

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
// each regenerated from the seed, with its user's identity.
func (t *Tenant) CallsAt(lo, hi int) iter.Seq[report.Call] {
	return func(yield func(report.Call) bool) {
		users := t.Users()
		for lc := range t.LogCallsAt(lo, hi) {
			if !yield(t.g.fullCall(lc, users)) {
				return
			}
		}
	}
}

// LogCallsAt lists the calls at positions [lo, hi) of the call log's
// order as CallsAt does, each in one LogCall that the next replaces:
// regenerated without allocating, for a writer that copies what it needs
// before asking for the next.
func (t *Tenant) LogCallsAt(lo, hi int) iter.Seq[*LogCall] {
	return func(yield func(*LogCall) bool) {
		ix, g := t.log, t.g
		lo, hi := max(lo, 0), min(hi, len(ix.calls))
		if lo >= hi {
			return
		}
		day := sort.Search(len(g.kinds), func(i int) bool { return ix.first[i+1] > lo })
		users := t.Users()
		r := regen{lc: LogCall{text: make([]byte, 0, logTextRoom)}}
		for p := lo; p < hi; p++ {
			for p >= ix.first[day+1] {
				day++
			}
			g.logCallAt(&r, users, g.firstDay+int64(day), ix.calls[p])
			if !yield(&r.lc) {
				return
			}
		}
	}
}

// regen keeps the draws of the last user-day regenerated (calls of one
// user's day often follow each other) and the call last regenerated.
type regen struct {
	stream, unit int
	d            int64
	n            int // draws kept of that user-day
	ok           bool
	buf          []draw
	obuf         []odraw
	lc           LogCall
}

// logCallAt regenerates the call of entry e of day d into r.lc.
func (g *gen) logCallAt(r *regen, users []report.User, d int64, e uint64) {
	_, stream, unit, k := unpackEntry(e)
	// The draws of the day up to the call's: the stream draws them in
	// order, so those after it need not be drawn.
	upto := int(k) + 1
	if !r.ok || r.stream != stream || r.unit != unit || r.d != d || upto > r.n {
		r.stream, r.unit, r.d, r.ok = stream, unit, d, true
		kind := g.kinds[d-g.firstDay]
		switch stream {
		case streamDialOut:
			r.buf = g.day(unit, d, kind, r.buf[:0], upto)
			r.n = len(r.buf)
		case streamUser:
			r.obuf = g.otherDay(unit, d, kind, r.obuf[:0], upto)
			r.n = len(r.obuf)
		case streamBot:
			r.obuf = g.botDay(unit, d, kind, r.obuf[:0], upto)
			r.n = len(r.obuf)
		}
	}
	if stream == streamDialOut {
		g.logDialOut(&r.lc, users, unit, d, &r.buf[k])
	} else {
		g.logOther(&r.lc, users, stream, unit, d, &r.obuf[k])
	}
}

// Summary describes the tenant: its users, every call of every type with a
// count per type, and the dial-out calls' rows and totals per currency.
func (t *Tenant) Summary() report.Summary {
	s := t.Ledger.Summary()
	s.Calls = len(t.log.calls)
	s.CallTypes = nil
	for i, n := range t.log.types {
		if n > 0 {
			s.CallTypes = append(s.CallTypes, report.CallTypeCount{CallType: callTypes[i], Calls: n})
		}
	}
	slices.SortFunc(s.CallTypes, func(a, b report.CallTypeCount) int { return cmp.Compare(a.CallType, b.CallType) })
	return s
}

// Longest returns the duration of the tenant's longest call, of any type:
// a call that starts before t has ended by t + Longest.
func (t *Tenant) Longest() time.Duration {
	return max(t.Ledger.Longest(), time.Duration(t.log.longest)*time.Second)
}

// Calls lists the calls with q.From ≤ startDateTime ≤ q.To, of every type,
// ordered by start time then id: CallsAt(CallSpan(q)). They are regenerated
// from the seed, and the dial-out calls among them are exactly the calls
// the ledger aggregates. It is safe for concurrent use.
func (t *Tenant) Calls(q report.Query) iter.Seq[report.Call] { return t.CallsAt(t.CallSpan(q)) }

var _ report.CallLog = (*Tenant)(nil)
