package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/report"
)

// benchTenant generates a default-shaped tenant with every call type: about
// calls dial-outs over 365 days up to 2026-11-26 (50 a user a year), and
// some four times as many other calls. It prints the time that took and
// the heap the tenant holds a call.
func benchTenant(b *testing.B, calls int) Dataset {
	b.Helper()
	s := generator.DefaultSpec(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	s.Users = max(1, calls/50)
	s.Intensity = 4.22
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	start := time.Now()
	ds, err := dataset.Generate(context.Background(), s, nil)
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	held := float64(heap()) - float64(before)
	sum := ds.Source.Summary()
	b.Logf("generated %d users, %d calls of every type (%v) in %s, %.1f B of heap a call",
		sum.Users, sum.Calls, sum.CallTypes, took.Round(time.Millisecond), held/float64(sum.Calls))
	return ds
}

// benchCalls is the dial-outs of the large tenant: DIALOUTKIT_BENCH_CALLS, or
// a million.
func benchCalls() int {
	if n, err := strconv.Atoi(os.Getenv("DIALOUTKIT_BENCH_CALLS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// BenchmarkCallLogPage compares, over loopback HTTP with keep-alive, a
// 1000-row page of the call log as the mock serves it with the ceiling: a
// plain net/http handler writing the same bytes and headers. ceiling and
// mock measure each alone. paired alternates them, a page of each an
// iteration, and reports the target's measure, the share of the ceiling's
// pages a second that the mock serves (%-of-ceiling), with each one's time
// a page: the noise of a shared machine falls on both alike. The mock
// answers a page asked again from the page kept encoded, as it answers
// the dial-out report's; paired-cold empties its cache before each page,
// so the mock parses, finds the span, regenerates the calls and encodes
// them every time. The ratios are printed, not asserted.
func BenchmarkCallLogPage(b *testing.B) {
	s, err := New(benchTenant(b, 100_000), Config{})
	if err != nil {
		b.Fatal(err)
	}
	uri := "/beta/communications/callRecords/getPstnCalls(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$skip=3000"
	mock := httptest.NewServer(s)
	defer mock.Close()
	body := fetchBody(b, mock.URL+uri)
	ceiling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("OData-Version", "4.0")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	defer ceiling.Close()
	for _, c := range []struct {
		name string
		base string
	}{{"ceiling", ceiling.URL}, {"mock", mock.URL}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				fetchBody(b, c.base+uri)
			}
		})
	}
	for _, cold := range []bool{false, true} {
		name := "paired"
		if cold {
			name = "paired-cold"
		}
		b.Run(name, func(b *testing.B) {
			var inCeiling, inMock time.Duration
			for b.Loop() {
				t0 := time.Now()
				fetchBody(b, ceiling.URL+uri)
				inCeiling += time.Since(t0)
				if cold {
					s.cache.forget()
				}
				t1 := time.Now()
				got := fetchBody(b, mock.URL+uri)
				inMock += time.Since(t1)
				if len(got) != len(body) {
					b.Fatalf("the mock wrote %d bytes, then %d", len(body), len(got))
				}
			}
			pct := 100 * float64(inCeiling) / float64(inMock)
			b.ReportMetric(float64(inCeiling.Microseconds())/float64(b.N), "ceiling-µs/page")
			b.ReportMetric(float64(inMock.Microseconds())/float64(b.N), "mock-µs/page")
			b.ReportMetric(pct, "%-of-ceiling")
			b.Logf("%s: 1000-row page, %d bytes: ceiling %s, mock %s: the mock serves %.0f%% of the ceiling's pages a second",
				name, len(body), inCeiling/time.Duration(b.N), inMock/time.Duration(b.N), pct)
		})
	}
}

// forget empties the cache, as a new server's.
func (c *rowCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.entries)
	clear(c.windows)
	c.bytes = 0
}

func fetchBody(tb testing.TB, link string) []byte {
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	req.Header.Set("Authorization", "Bearer bench")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %v %s", link, resp.StatusCode, err, body)
	}
	return body
}

// BenchmarkFirstRequest90Days is the first request of a new 90-day range for
// each function on a large tenant (benchCalls dial-outs and the other types):
// 15 requests of 15 ranges, each a cache miss, their median and maximum
// printed. The dial-out report indexes conf_out calls apart, so it does not
// pay for the other types; the call log finds its span in an index of every
// call.
func BenchmarkFirstRequest90Days(b *testing.B) {
	s, err := New(benchTenant(b, benchCalls()), Config{})
	if err != nil {
		b.Fatal(err)
	}
	i := 0 // counts the ranges asked, so that one is never asked again, not even by a second run (-count)
	for _, fn := range []string{"getPstnOnlineMeetingDialoutReport", "getPstnCalls"} {
		b.Run(fn, func(b *testing.B) {
			var samples []time.Duration
			for b.Loop() {
				for range 15 {
					from := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute) // a new range each time
					i++
					uri := "/beta/communications/callRecords/" + fn + "(fromDateTime=" + from.Format(time.RFC3339) + ",toDateTime=" + from.Add(90*24*time.Hour).Format(time.RFC3339) + ")"
					req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+uri, nil)
					req.RequestURI = uri
					req.Header.Set("Authorization", "Bearer bench")
					w := &discard{h: http.Header{}}
					start := time.Now()
					s.ServeHTTP(w, req)
					samples = append(samples, time.Since(start))
				}
			}
			slices.Sort(samples)
			med, worst := samples[len(samples)/2], samples[len(samples)-1]
			b.ReportMetric(float64(med.Microseconds()), "median-µs")
			b.ReportMetric(float64(worst.Microseconds()), "max-µs")
			b.Logf("%s: first request of a new 90-day range, median %s, max %s of %d", fn, med, worst, len(samples))
		})
	}
}

// BenchmarkEncodeLogPage encodes the 1000 calls of BenchmarkCallLogPage's
// page, regenerated once beforehand: the encoder alone, in beta.
func BenchmarkEncodeLogPage(b *testing.B) {
	ds := benchTenant(b, 100_000)
	lo, _ := ds.Source.CallSpan(report.Query{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)})
	var calls []report.Call
	for c := range ds.Source.CallsAt(lo+3000, lo+4000) {
		calls = append(calls, c)
	}
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		out = out[:0]
		for i := range calls {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendLogRow(out, &calls[i], false, true)
		}
	}
	b.SetBytes(int64(len(out)))
}

// BenchmarkColdLogPage is the mock's own work for a page of
// BenchmarkCallLogPage on a cache miss, without HTTP: regenerating the
// 1000 calls from the generator by position and encoding them, in beta.
func BenchmarkColdLogPage(b *testing.B) {
	ds := benchTenant(b, 100_000)
	lo, _ := ds.Source.CallSpan(report.Query{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)})
	runs := [][2]int{{lo + 3000, lo + 4000}}
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		out = appendLogPage(out[:0], ds.Source, runs, 1000, false, true)
	}
	b.SetBytes(int64(len(out)))
}
