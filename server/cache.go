package server

import (
	"container/list"
	"sync"

	"github.com/dialoutkit/dialoutkit/report"
)

// defaultCacheRows bounds the rows the cache keeps, across all ranges.
const defaultCacheRows = 2_000_000

// rowCache keeps the rows of recently asked ranges, so paging through a
// report aggregates it once, and the encoded pages of each. Entries are
// computed once even when many requests ask at the same time.
type rowCache struct {
	mu      sync.Mutex
	max     int
	rows    int // rows held
	lru     *list.List
	entries map[rangeKey]*list.Element
}

type rangeKey struct {
	version  string
	from, to int64 // Unix nanoseconds, UTC
}

// rangeRows is the report over one range of one dataset.
type rangeRows struct {
	key  rangeKey
	once sync.Once
	rows []report.Row

	mu    sync.Mutex
	pages map[pageKey][]byte // encoded rows[lo:hi], comma-separated
}

type pageKey struct {
	lo, hi  int
	ieee754 bool
}

func newRowCache(maxRows int) *rowCache {
	return &rowCache{max: maxRows, lru: list.New(), entries: map[rangeKey]*list.Element{}}
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
		el = c.lru.PushFront(&rangeRows{key: k, pages: map[pageKey][]byte{}})
		c.entries[k] = el
	}
	rr := el.Value.(*rangeRows)
	c.mu.Unlock()

	rr.once.Do(func() {
		rr.rows = ds.Source.Rows(q)
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, still := c.entries[k]; still {
			c.rows += len(rr.rows)
		}
		c.evict(el)
	})
	return rr
}

// evict drops the least recently used ranges until the cache holds at most
// max rows, never dropping keep.
func (c *rowCache) evict(keep *list.Element) {
	for c.rows > c.max {
		last := c.lru.Back()
		if last == nil || last == keep {
			return
		}
		rr := last.Value.(*rangeRows)
		c.lru.Remove(last)
		delete(c.entries, rr.key)
		c.rows -= len(rr.rows)
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
	rr.mu.Lock()
	if len(rr.pages) >= 64 { // a client walking a huge report: keep memory bounded
		clear(rr.pages)
	}
	rr.pages[k] = b
	rr.mu.Unlock()
	return b
}
