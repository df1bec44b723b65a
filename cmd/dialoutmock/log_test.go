package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// requestLineKeys are the keys of a request line, in order.
var requestLineKeys = []string{"time", "level", "msg", "method", "path", "status", "bytes", "duration", "request-id"}

// parseLogLine reads one line of the log in format ("text" or "json") into
// its keys, in order, and values. A text line is key=value pairs separated by
// one space, each value bare or quoted the way strconv quotes.
func parseLogLine(format, line string) (keys []string, values map[string]string, err error) {
	values = map[string]string{}
	if format == "json" {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil, nil, fmt.Errorf("not a JSON object: %q", line)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, nil, err
			}
			v, err := dec.Token()
			if err != nil {
				return nil, nil, err
			}
			keys = append(keys, k.(string))
			values[k.(string)] = fmt.Sprint(v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, err
		}
		if dec.More() || dec.InputOffset() != int64(len(line)) {
			return nil, nil, fmt.Errorf("more than one object: %q", line)
		}
		return keys, values, nil
	}
	for rest := line; rest != ""; {
		k, v, ok := strings.Cut(rest, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \"") {
			return nil, nil, fmt.Errorf("no key=value at %q", rest)
		}
		if strings.HasPrefix(v, `"`) {
			q, err := strconv.QuotedPrefix(v)
			if err != nil {
				return nil, nil, fmt.Errorf("bad quoting at %q: %v", v, err)
			}
			rest = v[len(q):]
			v, _ = strconv.Unquote(q)
		} else {
			v, rest, _ = strings.Cut(v, " ")
			rest = " " + rest
			if rest == " " {
				rest = ""
			}
		}
		if rest != "" && !strings.HasPrefix(rest, " ") {
			return nil, nil, fmt.Errorf("no space after %s=", k)
		}
		rest = strings.TrimPrefix(rest, " ")
		keys = append(keys, k)
		values[k] = v
	}
	return keys, values, nil
}

// TestLogBurstThenSIGTERM sends a burst of requests to the real binary and
// SIGTERM right after the last answer: every request's line is on stderr,
// whole, once.
func TestLogBurstThenSIGTERM(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			p := startBinary(t, "--log", format)
			const requests, workers = 600, 12
			url := p.base + fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$top=3"
			ids := make(chan string, requests)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := w; i < requests; i += workers {
						req, _ := http.NewRequest(http.MethodGet, url, nil)
						req.Header.Set("Authorization", "Bearer x")
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							t.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							t.Errorf("status %d, want 200", resp.StatusCode)
						}
						ids <- resp.Header.Get("request-id")
					}
				})
			}
			wg.Wait()
			close(ids)
			http.DefaultClient.CloseIdleConnections()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-p.done:
				if err != nil {
					t.Errorf("exit: %v, want status 0", err)
				}
				p.done <- nil // for the cleanup
			case <-time.After(25 * time.Second):
				t.Fatal("still running 25 s after SIGTERM")
			}

			var want, got []string
			for id := range ids {
				want = append(want, id)
			}
			for _, line := range strings.SplitAfter(p.stderr.String(), "\n") {
				if line == "" {
					continue
				}
				if !strings.HasSuffix(line, "\n") {
					t.Errorf("stderr ends in a partial line: %q", line)
					continue
				}
				line = strings.TrimSuffix(line, "\n")
				if strings.HasPrefix(line, "dataset ") || strings.HasPrefix(line, "shutting down: ") {
					continue
				}
				keys, v, err := parseLogLine(format, line)
				if err != nil {
					t.Errorf("line %q does not parse: %v", line, err)
					continue
				}
				if diff := cmp.Diff(requestLineKeys, keys); diff != "" {
					t.Errorf("line %q: keys (-want +got):\n%s", line, diff)
					continue
				}
				if v["msg"] == "request" && strings.Contains(v["path"], "getPstn") {
					if v["status"] != "200" || v["method"] != "GET" {
						t.Errorf("line %q: want GET and status 200", line)
					}
					got = append(got, v["request-id"])
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if len(got) != requests || len(want) != requests {
				t.Errorf("%d report lines on stderr for %d answers, want %d", len(got), len(want), requests)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("request-ids of the report lines (-answers +stderr):\n%s", diff)
			}
		})
	}
}

// TestLogBlockedStderr runs the real binary with stderr on a pipe nobody
// reads: requests are still answered, and /_mock/health counts the lines
// dropped.
func TestLogBlockedStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() }) // never read: closed only after the process is gone
	p := startBinaryTo(t, w, "--log", "text")
	w.Close() // the child holds the only write end

	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, []byte, error) {
		resp, err := client.Get(p.base + path)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	type logStats struct {
		Dropped int64 `json:"dropped"`
		Written int64 `json:"written"`
	}
	health := func() (logStats, error) {
		status, b, err := get("/_mock/health")
		if err != nil || status != 200 {
			return logStats{}, fmt.Errorf("health: %d %s %v", status, b, err)
		}
		var h struct {
			Status string    `json:"status"`
			Log    *logStats `json:"log"`
		}
		if err := json.Unmarshal(b, &h); err != nil || h.Status != "ok" || h.Log == nil {
			return logStats{}, fmt.Errorf("health body %s: want status ok and a log object (%v)", b, err)
		}
		return *h.Log, nil
	}
	// Long paths make long lines: the pipe (64 KiB) and the queue (1 MiB)
	// fill after about 500 requests.
	long := "/nowhere/" + strings.Repeat("x", 2000)
	var st logStats
	for i := 1; i <= 20000 && st.Dropped == 0; i++ {
		status, _, err := get(long)
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // not the long URL
		}
		if err != nil || status != 404 {
			t.Fatalf("request %d with stderr blocked: status %d, %v; want 404", i, status, err)
		}
		if i%100 == 0 {
			if st, err = health(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st.Dropped == 0 {
		t.Fatalf("health log = %+v after 20000 requests with stderr blocked, want lines dropped", st)
	}
	before := st.Dropped
	for range 10 {
		if status, _, err := get(long); err != nil || status != 404 {
			t.Fatalf("status %d, %v; want 404", status, err)
		}
	}
	if st, err = health(); err != nil {
		t.Fatal(err)
	}
	if st.Dropped < before+10 {
		t.Errorf("dropped %d after 10 more requests, want at least %d", st.Dropped, before+10)
	}
	t.Logf("health log with stderr blocked: %+v", st)
}

// waitLog waits until stderr holds s n times: the log is written on a
// timer, after the answers, and in order, so a request's line being there
// means the lines before it are too.
func waitLog(tb testing.TB, stderr *syncBuffer, s string, n int) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Count(stderr.String(), s) >= n {
			return
		}
	}
	tb.Fatalf("%q %d times on stderr after 10 s, want %d:\n%s", s, strings.Count(stderr.String(), s), n, stderr)
}
