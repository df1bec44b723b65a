package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTenancyBenchmarks prints the many-tenants figures through the binary
// (docs/contract.md#many-tenants); it asserts no time. It runs only when
// DIALOUTMOCK_TENANT_BENCH is set, to the number of distinct tenants of the
// cache run (10000 for the documented figure):
//
//	DIALOUTMOCK_TENANT_BENCH=10000 go test -run TestTenancyBenchmarks -v -timeout 1h ./cmd/dialoutmock
//
// It prints: the median first request of a never-seen 300-user tenant; the
// largest RSS while N tenants are asked one after another with
// --tenant-cache 256MiB, and whether every re-asked tenant answered byte for
// byte as before; requests a second over 1,000 cached tenants (a token a
// request) beside the single-tenancy figure.
func TestTenancyBenchmarks(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DIALOUTMOCK_TENANT_BENCH"))
	if n <= 0 {
		t.Skip("set DIALOUTMOCK_TENANT_BENCH to the number of tenants to run the many-tenants benchmarks")
	}
	const r = "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	tid := func(i int) string { return fmt.Sprintf("0000beef-0000-4000-8000-%012d", i) }
	get := func(c *http.Client, link, token string) ([]byte, time.Duration) {
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", link, resp.StatusCode, b)
		}
		return b, time.Since(start)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	t.Run("first request of a new 300-user tenant", func(t *testing.T) {
		p := startBinary(t, "--tenancy", "multi", "--users", "300", "--log", "off")
		var times []time.Duration
		for i := range 60 {
			_, d := get(client, p.base+fn+r, unsignedToken(tid(1_000_000+i)))
			times = append(times, d)
		}
		slices.Sort(times)
		t.Logf("first request of a never-seen 300-user tenant (365 days, 60 tenants): median %s, p90 %s, min %s",
			times[len(times)/2].Round(100*time.Microsecond), times[len(times)*9/10].Round(100*time.Microsecond), times[0].Round(100*time.Microsecond))
	})

	t.Run(fmt.Sprintf("%d tenants with --tenant-cache 256MiB", n), func(t *testing.T) {
		p := startBinary(t, "--tenancy", "multi", "--users", "300", "--tenant-cache", "256MiB", "--log", "off")
		pid := p.cmd.Process.Pid
		first := map[int][32]byte{}
		var maxRSS int64
		start := time.Now()
		for i := range n {
			b, _ := get(client, p.base+fn+r, unsignedToken(tid(i)))
			if i%10 == 0 {
				first[i] = sha256.Sum256(b)
			}
			if i%100 == 0 {
				maxRSS = max(maxRSS, rss(t, pid))
			}
		}
		elapsed := time.Since(start)
		differ := 0
		for i, sum := range first {
			b, _ := get(client, p.base+fn+r, unsignedToken(tid(i)))
			if sha256.Sum256(b) != sum {
				differ++
			}
			maxRSS = max(maxRSS, rss(t, pid))
		}
		t.Logf("%d distinct 300-user tenants in %s; largest RSS %d MiB (cap 256 MiB); %d re-asked tenants, %d answered differently",
			n, elapsed.Round(time.Second), maxRSS>>20, len(first), differ)
		if differ > 0 {
			t.Errorf("%d re-asked tenants answered differently", differ)
		}
	})

	t.Run("throughput over 1000 cached tenants", func(t *testing.T) {
		tokens := make([]string, 1000)
		for i := range tokens {
			tokens[i] = unsignedToken(tid(2_000_000 + i))
		}
		load := func(args ...string) float64 {
			p := startBinary(t, append([]string{"--users", "300", "--window-days", "90", "--log", "off"}, args...)...)
			for _, tok := range tokens { // warm: every tenant built and its page cached
				get(client, p.base+fn+r, tok)
			}
			var done atomic.Int64
			var next atomic.Int64
			stop := time.Now().Add(5 * time.Second)
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for time.Now().Before(stop) {
						get(client, p.base+fn+r, tokens[next.Add(1)%int64(len(tokens))])
						done.Add(1)
					}
				})
			}
			wg.Wait()
			return float64(done.Load()) / 5
		}
		single := load()
		multi := load("--tenancy", "multi", "--tenant-cache", "1GiB")
		t.Logf("requests a second, 8 connections, a token a request over 1000 tenants (300 users, 90 days): single %.0f, multi %.0f (%.0f%%)",
			single, multi, 100*multi/single)
	})
}

// rss is the resident set of process pid, in bytes.
func rss(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
