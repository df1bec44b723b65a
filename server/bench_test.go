package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/report"
)

// discard is a ResponseWriter that keeps nothing, so a benchmark measures the
// handler, not a recorder.
type discard struct {
	h http.Header
	n int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// benchDataset is rows-2500: 2500 rows in October 2026.
func benchServer(b *testing.B, cfg Config) *Server {
	s, err := New(scenarioDataset(b, "rows-2500"), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkHandler runs the whole handler (Echo, middleware, journal, auth,
// cache hit, writing) for a page of 1000 and of 10 entries.
func BenchmarkHandler(b *testing.B) {
	for _, c := range []struct{ name, query string }{{"1000rows", ""}, {"10rows", "?$top=10"}} {
		b.Run(c.name, func(b *testing.B) {
			s := benchServer(b, Config{})
			req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+october+c.query, nil)
			req.RequestURI = october + c.query
			req.Header.Set("Authorization", "Bearer bench")
			w := &discard{h: http.Header{}}
			s.ServeHTTP(w, req)
			b.SetBytes(int64(w.n))
			b.ReportAllocs()
			for b.Loop() {
				w := &discard{h: http.Header{}}
				s.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkHandlerLateArrival is BenchmarkHandler's page of 1000 with
// late arrival on (24h-48h) and the clock at the range's end, so some calls
// are on their way: a cache hit inside the window of the last arrival.
func BenchmarkHandlerLateArrival(b *testing.B) {
	now := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	s := benchServer(b, Config{Now: func() time.Time { return now }, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}})
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+october, nil)
	req.RequestURI = october
	req.Header.Set("Authorization", "Bearer bench")
	w := &discard{h: http.Header{}}
	s.ServeHTTP(w, req)
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{h: http.Header{}}
		s.ServeHTTP(w, req)
	}
}

// BenchmarkEncodePage encodes 1000 rows to JSON, what a cache miss costs.
func BenchmarkEncodePage(b *testing.B) {
	ds := scenarioDataset(b, "rows-2500")
	rows := ds.Source.Rows(report.Query{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)})
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		rr := &rangeRows{rows: rows, pages: map[pageKey][]byte{}}
		out = rr.page(0, 1000, false)
	}
	b.SetBytes(int64(len(out)))
}

// BenchmarkFirstRequest is a new range each time: aggregation, encoding and
// the handler, over the scenario ledger.
func BenchmarkFirstRequest(b *testing.B) {
	s := benchServer(b, Config{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		from := time.Date(2026, 10, 1, 0, 0, i%60, 0, time.UTC) // a new cache key each time
		uri := fnPath + "(fromDateTime=" + from.Format(time.RFC3339) + ",toDateTime=2026-10-31)"
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+uri, nil)
		req.RequestURI = uri
		req.Header.Set("Authorization", "Bearer bench")
		s.ServeHTTP(&discard{h: http.Header{}}, req)
		i++
		if i%60 == 0 {
			s.cache = newRowCache(defaultCacheBytes)
		}
	}
}
