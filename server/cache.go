package server

import (
	"container/list"
	"math"
	"sync"
	"unsafe"

	"github.com/dialoutkit/dialoutkit/report"
)

// defaultCacheBytes bounds the memory the cache keeps: rows and encoded
// pages of all ranges together.
const defaultCacheBytes = 256 << 20

// maxCacheRanges bounds the ranges the cache keeps, whatever their rows: a
// client asking for ever new empty ranges must not grow it without end.
const maxCacheRanges = 1024

// maxPagesPerRange bounds the encoded pages one range keeps.
const maxPagesPerRange = 64

// rowBytes is what one cached row costs, strings shared with the ledger.
const rowBytes = int64(unsafe.Sizeof(report.Row{}))

// rowCache keeps the rows of recently asked ranges, so paging through a
// report aggregates it once, and the encoded pages of each; and the
// encoded pages of the call log (getLog). Entries are
// computed once even when many requests ask at the same time. The least
// recently used ranges go first when the bytes or the ranges held pass
// their bounds.
type rowCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64 // rows and pages held
	lru      *list.List
	entries  map[rangeKey]*list.Element
	windows  map[rangeKey]window // a range's key -> its newest window of arrivals, with late arrival
}

// window is a span of instants [from, until) over which the arrived calls
// of a range stay the same, and the key of their rows: an arrived-calls
// entry, or the range's own entry when every call has arrived (until is
// then the end of time).
type window struct {
	key         rangeKey
	from, until int64 // Unix nanoseconds
}

// rangeKey names the rows of a range of a dataset: all its calls, or (with
// late arrival, arrival.go) those arrived in the window of arrival instants
// that starts at epoch. The report of a range changes only when one of its
// calls arrives, so an entry never goes stale as time passes: a later
// instant with more calls arrived has another epoch, hence another key.
type rangeKey struct {
	version  string
	from, to int64 // Unix nanoseconds, UTC
	arrived  bool
	epoch    int64 // Unix nanoseconds; with arrived
	log      bool  // the call log's pages of the range (calllog.go), no rows
}

// rangeRows is the report over one range of one dataset, or (key.log) the
// call log's pages of that range.
type rangeRows struct {
	key   rangeKey
	cache *rowCache
	el    *list.Element
	once  sync.Once
	rows  []report.Row

	mu    sync.Mutex
	bytes int64              // counted in cache.bytes; guarded by cache.mu
	pages map[pageKey][]byte // encoded rows[lo:hi], comma-separated; nil: a call log page asked once
}

// pageKey names an encoded page: rows [lo, hi) of the report, or the calls
// at positions [lo, hi) of the call log, in beta or v1.0.
type pageKey struct {
	lo, hi  int
	ieee754 bool
	beta    bool // the call log's beta entries
}

func newRowCache(maxBytes int64) *rowCache {
	return &rowCache{maxBytes: maxBytes, lru: list.New(), entries: map[rangeKey]*list.Element{},
		windows: map[rangeKey]window{}}
}

func cacheKey(ds *Dataset, q report.Query) rangeKey {
	k := rangeKey{version: ds.Version, from: q.From.UnixNano(), to: q.To.UnixNano()}
	if q.From.Year() < 1678 || q.To.Year() > 2261 { // beyond UnixNano: keep exact times apart
		k.from, k.to = q.From.Unix(), q.To.Unix()
		k.version += "\x00s"
	}
	return k
}

// get returns the rows of q over ds, computing them at most once while they
// stay cached.
func (c *rowCache) get(ds *Dataset, q report.Query) *rangeRows {
	return c.getWith(cacheKey(ds, q), func() []report.Row { return ds.Source.Rows(q) })
}

// getLog returns the entry that keeps the call log's encoded pages of q
// over ds. A page's entries are the calls at its positions, the same at
// every instant: late arrival only leaves positions out.
func (c *rowCache) getLog(ds *Dataset, q report.Query) *rangeRows {
	k := cacheKey(ds, q)
	k.log = true
	return c.getWith(k, func() []report.Row { return nil })
}

// window returns the newest window of arrivals known for q over ds when it
// holds the instant at, and false otherwise.
func (c *rowCache) window(ds *Dataset, q report.Query, at int64) (rangeKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.windows[cacheKey(ds, q)]
	return w.key, ok && w.from <= at && at < w.until
}

// arrivedAll records that every call of q over ds has arrived from the
// instant from on, so later reads skip looking for late calls.
func (c *rowCache) arrivedAll(ds *Dataset, q report.Query, from int64) {
	k := cacheKey(ds, q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok {
		return // evicted meanwhile
	}
	if w, ok := c.windows[k]; !ok || w.from < from {
		c.dropWindow(k)
		c.windows[k] = window{key: k, from: from, until: math.MaxInt64}
	}
}

// getArrived returns the rows of q over ds of the calls arrived in the
// window [from, until), computing them with rows at most once while they
// stay cached. A range keeps the entry of its newest window only: readers
// of an older one are clients paging since before the last arrival, whose
// rows are computed again, uncached, rather than evict the newest.
func (c *rowCache) getArrived(ds *Dataset, q report.Query, from, until int64, rows func() []report.Row) *rangeRows {
	base := cacheKey(ds, q)
	k := base
	k.arrived, k.epoch = true, from
	c.mu.Lock()
	if w, ok := c.windows[base]; ok && w.from > from {
		c.mu.Unlock()
		return &rangeRows{key: k, rows: rows(), pages: map[pageKey][]byte{}}
	} else if !ok || w.from < from {
		c.dropWindow(base)
		c.windows[base] = window{key: k, from: from, until: until}
	}
	c.mu.Unlock()
	return c.getWith(k, rows)
}

// dropWindow forgets the window of the range base, and its arrived-calls
// entry. c.mu is held.
func (c *rowCache) dropWindow(base rangeKey) {
	w, ok := c.windows[base]
	if !ok {
		return
	}
	delete(c.windows, base)
	if el, ok := c.entries[w.key]; ok && w.key.arrived {
		c.remove(el)
	}
}

// getWith returns the entry of k, computing its rows at most once while it
// stays cached.
func (c *rowCache) getWith(k rangeKey, rows func() []report.Row) *rangeRows {
	c.mu.Lock()
	el, ok := c.entries[k]
	if ok {
		c.lru.MoveToFront(el)
	} else {
		rr := &rangeRows{key: k, cache: c, pages: map[pageKey][]byte{}}
		el = c.lru.PushFront(rr)
		rr.el = el
		c.entries[k] = el
		c.evict(el)
	}
	rr := el.Value.(*rangeRows)
	c.mu.Unlock()

	rr.once.Do(func() {
		rr.rows = rows()
		c.account(rr, int64(len(rr.rows))*rowBytes)
	})
	return rr
}

// account adds n bytes held by rr, then evicts as needed.
func (c *rowCache) account(rr *rangeRows, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, still := c.entries[rr.key]; !still {
		return // evicted meanwhile: its memory goes with its last reader
	}
	rr.bytes += n
	c.bytes += n
	c.evict(rr.el)
}

// evict drops the least recently used ranges until the cache holds at most
// maxBytes and maxCacheRanges ranges, never dropping keep. c.mu is held.
func (c *rowCache) evict(keep *list.Element) {
	for c.bytes > c.maxBytes || c.lru.Len() > maxCacheRanges {
		last := c.lru.Back()
		if last == nil || last == keep {
			return
		}
		c.remove(last)
	}
}

// remove drops the entry of el. c.mu is held.
func (c *rowCache) remove(el *list.Element) {
	rr := el.Value.(*rangeRows)
	c.lru.Remove(el)
	delete(c.entries, rr.key)
	c.bytes -= rr.bytes
	base := rr.key
	base.arrived, base.epoch = false, 0
	if w, ok := c.windows[base]; ok && (w.key == rr.key || base == rr.key) {
		delete(c.windows, base) // its rows, or the range's, are gone
	}
}

// page returns rows [lo, hi) encoded as JSON objects separated by commas.
func (rr *rangeRows) page(lo, hi int, ieee754 bool) []byte {
	k := pageKey{lo: lo, hi: hi, ieee754: ieee754}
	if b, ok := rr.cachedPage(k); ok {
		return b
	}
	b := make([]byte, 0, (hi-lo)*280)
	for i := lo; i < hi; i++ {
		if i > lo {
			b = append(b, ',')
		}
		b = appendRow(b, &rr.rows[i], ieee754)
	}
	rr.keepPage(k, b)
	return b
}

// cachedPage returns the encoded page k, if rr keeps it, and whether it
// holds k at all: the call log marks a page asked once with a nil page.
func (rr *rangeRows) cachedPage(k pageKey) ([]byte, bool) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	b, ok := rr.pages[k]
	return b, ok
}

// keepPage keeps b, which is no one else's to change, as the encoded page
// k, and counts its bytes in the cache.
func (rr *rangeRows) keepPage(k pageKey, b []byte) {
	rr.put(k, b, true)
}

// markPage marks the call log's page k as asked once (a nil page), unless
// rr holds it already.
func (rr *rangeRows) markPage(k pageKey) {
	rr.put(k, nil, false)
}

func (rr *rangeRows) put(k pageKey, b []byte, replace bool) {
	var freed int64
	rr.mu.Lock()
	if _, ok := rr.pages[k]; ok && !replace {
		rr.mu.Unlock()
		return
	}
	if len(rr.pages) >= maxPagesPerRange { // a client walking a huge range: start over
		for _, p := range rr.pages {
			freed += int64(cap(p))
		}
		clear(rr.pages)
	}
	rr.pages[k] = b
	rr.mu.Unlock()
	if rr.cache != nil {
		rr.cache.account(rr, int64(cap(b))-freed)
	}
}
