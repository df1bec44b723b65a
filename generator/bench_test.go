package generator

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/report"
)

// largeSpec has about calls calls over 365 days, 50 per user a year (the
// 10-million-call, 200,000-user ledger of issue 6 at calls = 10e6).
func largeSpec(calls int) Spec {
	s := DefaultSpec(end)
	s.Users = calls / 50
	s.Intensity = 4.22 // ≈ 50 calls a year, net of the year-end holidays
	return s
}

func BenchmarkGenerateDefault(b *testing.B) { benchGenerate(b, DefaultSpec(end)) }
func BenchmarkGenerate1M(b *testing.B)      { benchGenerate(b, largeSpec(1_000_000)) }
func BenchmarkGenerate10M(b *testing.B)     { benchGenerate(b, largeSpec(10_000_000)) }

// benchGenerate reports, besides time and allocations, the heap a tenant
// keeps per call once generated (B/call, after a GC) and the process's
// resident set per call after returning freed memory to the OS (rss-B/call,
// Linux only).
func benchGenerate(b *testing.B, s Spec) {
	b.ReportAllocs()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var t *Tenant
	for b.Loop() {
		t = nil
		var err error
		if t, err = Generate(context.Background(), s, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	calls := float64(t.Summary().Calls)
	b.ReportMetric(calls, "calls")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/calls, "B/call")
	debug.FreeOSMemory()
	if rss := residentBytes(); rss > 0 {
		b.ReportMetric(float64(rss)/calls, "rss-B/call")
	}
	runtime.KeepAlive(t)
}

// residentBytes reads VmRSS from /proc/self/status, or 0.
func residentBytes() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// BenchmarkCallsDay lists one day of the default tenant's full calls, what
// GET /_mock/calls does.
func BenchmarkCallsDay(b *testing.B) {
	t, err := Generate(context.Background(), DefaultSpec(end), nil)
	if err != nil {
		b.Fatal(err)
	}
	q := report.Query{From: end.AddDate(0, 0, -1), To: end}
	b.ReportAllocs()
	for b.Loop() {
		for range t.Calls(q) {
		}
	}
}

// BenchmarkCalls90Days1M lists 90 days of a 1-million-call tenant.
func BenchmarkCalls90Days1M(b *testing.B) {
	t, err := Generate(context.Background(), largeSpec(1_000_000), nil)
	if err != nil {
		b.Fatal(err)
	}
	q := report.Query{From: end.AddDate(0, 0, -89), To: end.Add(24*time.Hour - 1)}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for range t.Calls(q) {
			n++
		}
	}
	b.ReportMetric(float64(n), "calls")
}

// BenchmarkRows90Days10M is the first request for a new 90-day range over the
// 10-million-call, 200,000-user ledger (issue 6): the aggregation alone.
// Each iteration asks a different range, as a cache would miss.
func BenchmarkRows90Days10M(b *testing.B) { benchRows(b, largeSpec(10_000_000)) }

// BenchmarkRows90Days1M is the same over a tenth of the ledger.
func BenchmarkRows90Days1M(b *testing.B) { benchRows(b, largeSpec(1_000_000)) }

func benchRows(b *testing.B, s Spec) {
	t, err := Generate(context.Background(), s, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	rows, i := 0, 0
	for b.Loop() {
		from := end.AddDate(0, 0, -270+i%180)
		rows = len(t.Rows(report.Query{From: from, To: from.AddDate(0, 0, 90)}))
		i++
	}
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkCallsAt1000 regenerates 1000 consecutive calls of the call log
// of a 100,000-dial-out tenant with every call type, as a page of
// getPstnCalls does on a cache miss: as report.Calls (CallsAt), and into
// a LogCall without allocating (LogCallsAt), what the page is written from.
func BenchmarkCallsAt1000(b *testing.B) {
	t, err := Generate(context.Background(), largeSpec(100_000), nil)
	if err != nil {
		b.Fatal(err)
	}
	lo, _ := t.CallSpan(report.Query{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: end})
	lo += 3000
	b.Run("CallsAt", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n = 0
			for range t.CallsAt(lo, lo+1000) {
				n++
			}
		}
		b.ReportMetric(float64(n), "calls")
	})
	b.Run("LogCallsAt", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n = 0
			for range t.LogCallsAt(lo, lo+1000) {
				n++
			}
		}
		b.ReportMetric(float64(n), "calls")
	})
}
