package server

import (
	"container/list"
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
// report aggregates it once, and the encoded pages of each. Entries are
// computed once even when many requests ask at the same time. The least
// recently used ranges go first when the bytes or the ranges held pass
// their bounds.
type rowCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64 // rows and pages held
	lru      *list.List
	entries  map[rangeKey]*list.Element
}

type rangeKey struct {
	version  string
	from, to int64 // Unix nanoseconds, UTC
}

// rangeRows is the report over one range of one dataset.
type rangeRows struct {
	key   rangeKey
	cache *rowCache
	el    *list.Element
	once  sync.Once
	rows  []report.Row

	mu    sync.Mutex
	bytes int64              // counted in cache.bytes; guarded by cache.mu
	pages map[pageKey][]byte // encoded rows[lo:hi], comma-separated
}

type pageKey struct {
	lo, hi  int
	ieee754 bool
}

func newRowCache(maxBytes int64) *rowCache {
	return &rowCache{maxBytes: maxBytes, lru: list.New(), entries: map[rangeKey]*list.Element{}}
}

// get returns the rows of q over ds, computing them at most once while they
// stay cached.
func (c *rowCache) get(ds *Dataset, q report.Query) *rangeRows {
	k := rangeKey{ds.Version, q.From.UnixNano(), q.To.UnixNano()}
	if q.From.Year() < 1678 || q.To.Year() > 2261 { // beyond UnixNano: keep exact times apart
		k.from, k.to = q.From.Unix(), q.To.Unix()
		k.version += "\x00s"
	}
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
		rr.rows = ds.Source.Rows(q)
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
		rr := last.Value.(*rangeRows)
		c.lru.Remove(last)
		delete(c.entries, rr.key)
		c.bytes -= rr.bytes
	}
}

// page returns rows [lo, hi) encoded as JSON objects separated by commas.
func (rr *rangeRows) page(lo, hi int, ieee754 bool) []byte {
	k := pageKey{lo, hi, ieee754}
	rr.mu.Lock()
	b, ok := rr.pages[k]
	rr.mu.Unlock()
	if ok {
		return b
	}
	b = make([]byte, 0, (hi-lo)*280)
	for i := lo; i < hi; i++ {
		if i > lo {
			b = append(b, ',')
		}
		b = appendRow(b, &rr.rows[i], ieee754)
	}
	var freed int64
	rr.mu.Lock()
	if len(rr.pages) >= maxPagesPerRange { // a client walking a huge report: start over
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
	return b
}
