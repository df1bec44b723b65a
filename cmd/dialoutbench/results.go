package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// results gathers one run's measurements.
type results struct {
	machine, loader string
	opts            options

	defaultStart            time.Duration
	defaultRSS, defaultPeak int64
	bigBytes, smallBytes    int
	runs                    map[string][]loadResult // "mock 1000", "mock-off 10", "ceiling 10", ...
	logWritten, logDropped  int64                   // the default mock's request log after the load
	mockRSS, mockPeak       int64
	ceilingRSS, ceilingPeak int64

	largeUp, largeBuild                time.Duration
	largeCalls                         int64
	largeRSS, largeRSSAfter, largePeak int64
	largeFirst                         []time.Duration
}

func (r *results) add(name, page string, res loadResult) {
	if r.runs == nil {
		r.runs = map[string][]loadResult{}
	}
	k := name + " " + pageName(page)
	r.runs[k] = append(r.runs[k], res)
}

// best is the run with the most requests a second: noise on a shared
// machine only ever slows a run down.
func (r *results) best(k string) loadResult {
	var b loadResult
	for _, x := range r.runs[k] {
		if x.rps > b.rps {
			b = x
		}
	}
	return b
}

// leastCPU is the least server CPU time a request of any run: sharing the
// machine only ever adds to it.
func (r *results) leastCPU(k string) time.Duration {
	var least time.Duration
	for _, x := range r.runs[k] {
		if x.cpu > 0 && (least == 0 || x.cpu < least) {
			least = x.cpu
		}
	}
	return least
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func (r *results) print(w io.Writer, args []string) {
	proto := "HTTP/1.1 in cleartext"
	if r.opts.h2 {
		proto = "HTTP/2 with TLS (the mock with --tls, the ceiling over HTTPS; negotiated by ALPN)"
	}
	fmt.Fprintf(w, "dialoutbench: %s; load: %s, %d connections, best of %d runs of %s each; %s\n\n",
		r.machine, r.loader, r.opts.conns, r.opts.rounds, r.opts.duration, proto)
	fmt.Fprintf(w, "| page | server | req/s | p50 | p99 | req/s vs ceiling | p99 vs ceiling | server CPU a request |\n|---|---|---|---|---|---|---|---|\n")
	for _, page := range []string{"1000", "10"} {
		c := r.best("ceiling " + page)
		size := r.bigBytes
		if page == "10" {
			size = r.smallBytes
		}
		label := fmt.Sprintf("%s rows (%d KB)", page, size/1000)
		fmt.Fprintf(w, "| %s | ceiling (net/http, pre-serialized bytes) | %.0f | %s | %s | 100%% | 1.00× | %s |\n",
			label, c.rps, ms(c.p50), ms(c.p99), us(r.leastCPU("ceiling "+page)))
		for _, row := range []struct{ key, name, bold string }{
			{"mock", "dialoutmock (default flags: text log on stderr)", "**"},
			{"mock-off", "dialoutmock --log off", ""},
		} {
			m := r.best(row.key + " " + page)
			fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %s%.0f%%%s | %s%.2f×%s | %s |\n", label, row.name, m.rps, ms(m.p50), ms(m.p99),
				row.bold, 100*m.rps/c.rps, row.bold, row.bold, float64(m.p99)/float64(c.p99), row.bold, us(r.leastCPU(row.key+" "+page)))
		}
	}
	fmt.Fprintf(w, "\nThe default mock's stderr is a pipe the harness drains, as a terminal would; ")
	if r.logWritten < 0 {
		fmt.Fprintf(w, "it does not count its request log lines.\n")
	} else {
		fmt.Fprintf(w, "its request log wrote %d lines and dropped %d.\n", r.logWritten, r.logDropped)
	}
	fmt.Fprintf(w, "\n| measure | value |\n|---|---|\n")
	if !r.opts.h2 { // not measured over HTTP/2: start-up does not depend on the protocol
		fmt.Fprintf(w, "| default dataset: first successful response after process start (median of 5) | %s |\n", ms(r.defaultStart))
		fmt.Fprintf(w, "| default dataset: RSS after the first response | %s |\n", mib(r.defaultRSS))
	}
	fmt.Fprintf(w, "| throughput tenant (%d users): mock RSS / peak after the load | %s / %s |\n", r.opts.users, mib(r.mockRSS), mib(r.mockPeak))
	fmt.Fprintf(w, "| ceiling RSS / peak after the load | %s / %s |\n", mib(r.ceilingRSS), mib(r.ceilingPeak))
	if r.largeCalls > 0 {
		fmt.Fprintf(w, "| large ledger: calls | %d |\n", r.largeCalls)
		fmt.Fprintf(w, "| large ledger: generation and index (as the mock reports it) | %s |\n", r.largeBuild.Round(time.Millisecond))
		fmt.Fprintf(w, "| large ledger: start to serving | %s |\n", r.largeUp.Round(time.Millisecond))
		fmt.Fprintf(w, "| large ledger: RSS when serving / per call | %s / %.0f B |\n", mib(r.largeRSS), float64(r.largeRSS)/float64(r.largeCalls))
		fmt.Fprintf(w, "| large ledger: peak RSS (generation) | %s |\n", mib(r.largePeak))
		fmt.Fprintf(w, "| large ledger: first request of a new 90-day range, median / max of %d | %s / %s |\n",
			len(r.largeFirst), ms(r.largeFirst[len(r.largeFirst)/2]), ms(r.largeFirst[len(r.largeFirst)-1]))
		fmt.Fprintf(w, "| large ledger: RSS after those requests | %s |\n", mib(r.largeRSSAfter))
	}
	fmt.Fprintf(w, "\ncommand: go run ./cmd/dialoutbench %s\n", strings.Join(args[1:], " "))
}
