package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestPrintHasDefaultAndLogOffRows(t *testing.T) {
	r := &results{machine: "test", loader: "go", opts: options{conns: 50, rounds: 1, duration: time.Second}, bigBytes: 269000, smallBytes: 2000,
		logWritten: 10, logDropped: 0}
	for _, k := range []struct {
		name string
		page string
		rps  float64
	}{{"ceiling", bigPage, 100}, {"mock", bigPage, 90}, {"mock-off", bigPage, 95}, {"ceiling", smallPage, 200}, {"mock", smallPage, 160}, {"mock-off", smallPage, 170}} {
		r.add(k.name, k.page, loadResult{rps: k.rps, p50: time.Millisecond, p99: 2 * time.Millisecond, cpu: time.Duration(k.rps) * time.Microsecond})
		r.add(k.name, k.page, loadResult{rps: k.rps / 2, p50: time.Millisecond, p99: 2 * time.Millisecond, cpu: time.Duration(k.rps) * time.Millisecond})
	}
	var out strings.Builder
	r.print(&out, []string{"dialoutbench", "-rounds", "1"})
	for _, want := range []string{
		"| 1000 rows (269 KB) | dialoutmock (default flags: text log on stderr) | 90 | 1.00 ms | 2.00 ms | **90%** | **1.00×** | 90.0 µs |",
		"| 1000 rows (269 KB) | dialoutmock --log off | 95 | 1.00 ms | 2.00 ms | 95% | 1.00× | 95.0 µs |",
		"| 10 rows (2 KB) | dialoutmock (default flags: text log on stderr) | 160 | 1.00 ms | 2.00 ms | **80%** | **1.00×** | 160.0 µs |",
		"| 10 rows (2 KB) | dialoutmock --log off | 170 | 1.00 ms | 2.00 ms | 85% | 1.00× | 170.0 µs |",
		"request log wrote 10 lines and dropped 0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestHeadKeepsTheFirstBytes(t *testing.T) {
	var h head
	line := strings.Repeat("x", 99) + "\n"
	for range 2 * headBytes / len(line) {
		if n, err := h.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write = %d, %v; want %d, nil (the rest is drained, not refused)", n, err, len(line))
		}
	}
	if got := len(h.String()); got != headBytes {
		t.Errorf("kept %d bytes, want %d", got, headBytes)
	}
}

func TestCPUTimeReadsProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	x := 0
	for i := range 200_000_000 { // tens of milliseconds of CPU
		x ^= i
	}
	if got := cpuTime(os.Getpid()); got <= 0 {
		t.Errorf("cpuTime(self) = %s after spinning (%d), want > 0", got, x)
	}
	if got := cpuTime(-1); got != 0 {
		t.Errorf("cpuTime(-1) = %s, want 0", got)
	}
}

func TestPrintSaysTheProtocol(t *testing.T) {
	for _, c := range []struct {
		h2          bool
		want, never string
	}{
		{false, "HTTP/1.1 in cleartext", "HTTP/2"},
		{true, "HTTP/2 with TLS", "default dataset: first successful response"},
	} {
		r := &results{machine: "test", loader: "h2load", opts: options{conns: 50, rounds: 1, duration: time.Second, h2: c.h2}}
		for _, k := range []string{"ceiling", "mock", "mock-off"} {
			r.add(k, bigPage, loadResult{rps: 100, p50: time.Millisecond, p99: 2 * time.Millisecond})
			r.add(k, smallPage, loadResult{rps: 100, p50: time.Millisecond, p99: 2 * time.Millisecond})
		}
		var out strings.Builder
		r.print(&out, []string{"dialoutbench", "-h2"})
		if got := out.String(); !strings.Contains(got, c.want) || strings.Contains(got, c.never) {
			t.Errorf("h2 %v: output lacks %q or has %q:\n%s", c.h2, c.want, c.never, got)
		}
	}
}
