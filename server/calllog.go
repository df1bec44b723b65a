package server

import (
	"iter"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
)

// The call log, getPstnCalls (docs/contract.md#call-log), is served from
// the same ledger as the dial-out report, by position: the dataset's call
// log index (report.CallLog) finds a range's span of positions with two
// binary searches, and a page reads its calls from there, so no request
// copies the range. With late arrival, the calls not yet arrived at the
// page's instant are left out (report.Arrivals.LogPage), which costs a scan
// of the range's recent calls only. A page asked again is written from
// its encoded bytes, kept in the server's cache beside the report's pages.

// Graph's names for the call log's collection.
const (
	logContextBeta = "/beta/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)"
	logContextV1   = "/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)"
)

// writeCallLog writes a page of the call log. A page of one span of
// positions asked a second time is kept encoded, as the report's pages are
// (cache.go): its entries are the calls at those positions of the
// dataset's version, the same for any spelling of the request, tenant or
// instant, and apart for beta and v1.0 and for IEEE754Compatible. Pages
// asked once, such as a client's walk through a range, are not kept: they
// are encoded into a pooled buffer, where a kept page needs fresh memory.
func (s *Server) writeCallLog(c echo.Context, p *pageRequest) error {
	src := p.ds.Source
	lo, hi := src.CallSpan(p.q)
	total, runs := s.logPage(p.ds, lo, hi, p.asOf, int(min(p.opts.skip, int64(hi-lo))), s.cfg.PageSize)
	first, last, limit := s.window(p.opts, int64(total))
	var next string
	if last < limit {
		next = nextLink(p.base, p.path, p.opts, last, limit, s.pageToken(p.ds.Version, p.asOf))
	}
	n := int(last - first) // the page's entries: runs may hold more, past $top
	ctx := logContextV1
	if p.beta {
		ctx = logContextBeta
	}
	var kept *rangeRows
	var k pageKey
	keep := false
	if len(runs) == 1 && n > 0 {
		kept = s.cache.getLog(p.ds, p.q)
		k = pageKey{lo: runs[0][0], hi: runs[0][0] + min(n, runs[0][1]-runs[0][0]), ieee754: p.ieee, beta: p.beta}
		value, seen := kept.cachedPage(k)
		if value != nil {
			return writePage(c, p, ctx, int64(n), next, value)
		}
		if !seen {
			kept.markPage(k)
		}
		keep = seen && int64(n*logRowBytes) <= s.cache.maxBytes/maxPageShare
	}
	// Room for the page at once: growing a buffer by doubling up to most of
	// a megabyte costs as much again in copying and clearing. A page to keep
	// gets a buffer of its own, others a pooled one.
	var value []byte
	if keep {
		value = make([]byte, 0, n*logRowBytes)
	} else {
		buf := s.logBufs.Get().(*[]byte)
		defer func() {
			if cap(value) <= maxPooledBuffer {
				*buf = value[:0]
			}
			s.logBufs.Put(buf)
		}()
		value = slices.Grow((*buf)[:0], n*logRowBytes)
	}
	value = appendLogPage(value, src, runs, n, p.ieee, p.beta)
	if keep && int64(cap(value)) <= s.cache.maxBytes/maxPageShare {
		kept.keepPage(k, value)
	}
	return writePage(c, p, ctx, last-first, next, value)
}

// appendLogPage writes the first n calls of the runs of positions of the
// call log, comma-separated. A generated tenant's calls are written from
// the generator's fields (generatedLog), any other's from their
// report.Calls: the same bytes.
func appendLogPage(b []byte, log report.CallLog, runs [][2]int, n int, ieee754, beta bool) []byte {
	i := 0
	if gl, ok := log.(generatedLog); ok {
		var k clock
		for _, run := range runs {
			for c := range gl.LogCallsAt(run[0], run[1]) {
				if i == n {
					return b
				}
				if i > 0 {
					b = append(b, ',')
				}
				b = appendLogCall(b, c, &k, ieee754, beta)
				i++
			}
		}
		return b
	}
	for _, run := range runs {
		for call := range log.CallsAt(run[0], run[1]) {
			if i == n {
				return b
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLogRow(b, &call, ieee754, beta)
			i++
		}
	}
	return b
}

// generatedLog is a call log that regenerates its calls by position into
// a generator.LogCall, without building their strings: a generated
// tenant's. A page of the call log on a cache miss is mostly that work.
type generatedLog interface {
	LogCallsAt(lo, hi int) iter.Seq[*generator.LogCall]
}

var _ generatedLog = (*generator.Tenant)(nil)

// maxPageShare is the least number of call log pages of its largest size
// that the cache's budget holds: a page bigger than its share is not kept.
const maxPageShare = 16

// newLogBuffer is a buffer of Server.logBufs, which holds the buffers pages
// of the call log are encoded into: a page of 1000 rows is most of a
// megabyte, which a fresh buffer a request would allocate and clear each
// time.
func newLogBuffer() any { b := make([]byte, 0, 64<<10); return &b }

// logRowBytes is about what an entry of a generated tenant's call log
// takes in beta (v1.0 a little less): the room a page reserves a row.
const logRowBytes = 800

// maxPooledBuffer bounds what goes back to logBuffers: a page of rows with
// hostile long fields is not kept.
const maxPooledBuffer = 4 << 20

// logPage returns how many calls of the span [lo, hi) a client sees at
// asOf, and the positions of those from the skip-th, at most n, as runs.
func (s *Server) logPage(ds *Dataset, lo, hi int, asOf time.Time, skip, n int) (int, [][2]int) {
	if s.cfg.ArrivalDelay.IsZero() {
		total := hi - lo
		return total, [][2]int{{lo + min(skip, total), lo + min(skip+n, total)}}
	}
	ix := s.arrivals(ds, asOf)
	first, _ := ds.Source.CallSpan(report.Query{From: ix.Horizon(), To: endOfTime})
	return ix.LogPage(lo, hi, first, asOf, skip, n)
}
