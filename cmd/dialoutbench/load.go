package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is one measured run.
type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	cpu      time.Duration // the server's CPU time (user and system) a request
}

// load drives url, served by the process pid, with o.conns connections for
// o.duration, after a second of warm-up; dir takes h2load's request log.
func load(ctx context.Context, o options, url string, pid int, dir string) (loadResult, error) {
	var r loadResult
	var err error
	switch o.loader {
	case "h2load":
		warm := o
		warm.duration = time.Second
		if _, err := h2Load(ctx, warm, url, dir); err != nil {
			return r, err
		}
		before := cpuTime(pid)
		r, err = h2Load(ctx, o, url, dir)
		r.cpu = perRequest(cpuTime(pid)-before, r.rps, o.duration)
		return r, err
	case "wrk":
		exec.CommandContext(ctx, "wrk", "-t2", "-c"+strconv.Itoa(o.conns), "-d1s", url).Run() // warm-up
		before := cpuTime(pid)
		r, err = wrkLoad(ctx, o, url)
		r.cpu = perRequest(cpuTime(pid)-before, r.rps, o.duration)
		return r, err
	}
	goLoad(ctx, o, time.Second, url) // warm-up
	before := cpuTime(pid)
	r, err = goLoad(ctx, o, o.duration, url)
	r.cpu = perRequest(cpuTime(pid)-before, r.rps, o.duration)
	return r, err
}

func perRequest(cpu time.Duration, rps float64, d time.Duration) time.Duration {
	if n := rps * d.Seconds(); n >= 1 {
		return time.Duration(float64(cpu) / n)
	}
	return 0
}

// cpuTime is the user and system CPU time process pid has used, from
// /proc (in clock ticks of 10 ms: a run of seconds makes it precise enough).
// Unlike req/s, it barely moves when other work shares the machine.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// goLoad is a closed-loop load generator: each connection sends its next
// request when the previous answer is read. Over HTTP/2 (-h2) each
// connection is a transport of its own (a transport multiplexes all
// requests to a host on one connection), and an answer over another
// protocol is an error.
func goLoad(ctx context.Context, o options, d time.Duration, url string) (loadResult, error) {
	conns := o.conns
	newTransport := func() *http.Transport {
		tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
		if o.h2 {
			base := o.client.Transport.(*http.Transport)
			// Each its own TLS config: a transport sets NextProtos on it.
			tr = &http.Transport{MaxConnsPerHost: 1, DisableCompression: true, ForceAttemptHTTP2: true, TLSClientConfig: base.TLSClientConfig.Clone()}
		}
		return tr
	}
	shared := newTransport()
	stop := time.Now().Add(d)
	lat := make([][]time.Duration, conns)
	var wrongProto atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := shared
			if o.h2 {
				tr = newTransport()
				defer tr.CloseIdleConnections()
			}
			client := &http.Client{Transport: tr}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer bench")
			for time.Now().Before(stop) && ctx.Err() == nil {
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if o.h2 && resp.ProtoMajor != 2 {
					wrongProto.Add(1)
				}
				if resp.StatusCode == http.StatusOK {
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	shared.CloseIdleConnections()
	if n := wrongProto.Load(); n > 0 {
		return loadResult{}, fmt.Errorf("%d answers from %s not over HTTP/2", n, url)
	}
	return summarize(slices.Concat(lat...), d), nil
}

// summarize is the rate and the percentiles of the latencies of a run of d.
func summarize(all []time.Duration, d time.Duration) loadResult {
	slices.Sort(all)
	if len(all) == 0 {
		return loadResult{}
	}
	return loadResult{
		rps: float64(len(all)) / d.Seconds(),
		p50: all[len(all)/2],
		p99: all[len(all)*99/100],
	}
}

// h2Load runs h2load (nghttp2) over HTTP/2 with TLS for o.duration, one
// stream at a time on each of o.conns connections (closed loop, as wrk),
// and reads the latencies from its request log: h2load prints no
// percentiles itself.
func h2Load(ctx context.Context, o options, url, dir string) (loadResult, error) {
	logFile := filepath.Join(dir, "h2load.log")
	os.Remove(logFile)
	secs := strconv.Itoa(max(1, int(o.duration.Seconds())))
	args := []string{"-t2", "-c" + strconv.Itoa(o.conns), "-m1", "-D" + secs, "--log-file=" + logFile,
		"-H", "Authorization: Bearer bench", url}
	out, err := exec.CommandContext(ctx, "h2load", args...).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("h2load: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^Application protocol: h2$`).Match(out) {
		return loadResult{}, fmt.Errorf("h2load did not negotiate h2 with %s:\n%s", url, out)
	}
	if m := regexp.MustCompile(`status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx`).FindStringSubmatch(string(out)); m == nil || m[1] != "0" || m[2] != "0" || m[3] != "0" {
		return loadResult{}, fmt.Errorf("h2load saw answers other than 2xx from %s:\n%s", url, out)
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		return loadResult{}, err
	}
	r := summarize(h2loadLatencies(b), o.duration)
	if m := regexp.MustCompile(`finished in [^,]+, ([0-9.]+) req/s`).FindStringSubmatch(string(out)); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	if r.rps == 0 {
		return r, fmt.Errorf("h2load measured nothing:\n%s", out)
	}
	return r, nil
}

// wrkLoad runs wrk with one thread per core and reads its summary.
func wrkLoad(ctx context.Context, o options, url string) (loadResult, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(o.conns), "-d" + strconv.Itoa(int(o.duration.Seconds())) + "s", "--latency",
		"-H", "Authorization: Bearer bench", url}
	out, err := exec.CommandContext(ctx, "wrk", args...).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	var r loadResult
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			r.p50 = wrkDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.p99 = wrkDuration(f[1])
		}
	}
	if r.rps == 0 {
		return r, fmt.Errorf("wrk printed no Requests/sec:\n%s", out)
	}
	if m := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindStringSubmatch(string(out)); m != nil {
		return r, fmt.Errorf("wrk saw %s non-2xx answers from %s", m[1], url)
	}
	return r, nil
}

// wrkDuration reads wrk's "1.23ms", "456.00us" or "1.02s".
func wrkDuration(s string) time.Duration {
	for _, unit := range []string{"us", "ms", "s"} {
		if v, ok := strings.CutSuffix(s, unit); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0
			}
			switch unit {
			case "us":
				return time.Duration(f * float64(time.Microsecond))
			case "ms":
				return time.Duration(f * float64(time.Millisecond))
			default:
				return time.Duration(f * float64(time.Second))
			}
		}
	}
	return 0
}

// h2loadLatencies reads the latencies of the 200s from h2load's request
// log. Columns: start (µs since the epoch), status, µs to the end of the
// answer.
func h2loadLatencies(log []byte) []time.Duration {
	var lat []time.Duration
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != "200" {
			continue
		}
		if u, err := strconv.ParseInt(f[2], 10, 64); err == nil {
			lat = append(lat, time.Duration(u)*time.Microsecond)
		}
	}
	return lat
}
