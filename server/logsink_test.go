package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// slogLine is the line the request log wrote before it was buffered: slog's
// handler in format f over logRequests' attributes.
func slogLine(tb testing.TB, f LogFormat, r requestRecord) string {
	tb.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&buf, nil)
	if f == LogJSON {
		h = slog.NewJSONHandler(&buf, nil)
	}
	rec := slog.NewRecord(r.time, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.method),
		slog.String("path", r.path),
		slog.Int("status", r.status),
		slog.Int64("bytes", r.bytes),
		slog.Duration("duration", r.duration),
		slog.String("request-id", r.id))
	if err := h.Handle(context.Background(), rec); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// TestRequestLineLikeSlog holds the buffered log's lines byte for byte to
// what slog's handlers wrote for the same requests, in both formats.
func TestRequestLineLikeSlog(t *testing.T) {
	base := requestRecord{
		time:     time.Date(2026, 10, 5, 14, 3, 7, 123456789, time.UTC),
		method:   http.MethodGet,
		path:     graphPrefix + "getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
		status:   200,
		bytes:    2345,
		duration: 1234567 * time.Nanosecond,
		id:       "0f8fad5b-d9cb-469f-a165-70867728950e",
	}
	with := func(f func(*requestRecord)) requestRecord { r := base; f(&r); return r }
	cases := []struct {
		name string
		rec  requestRecord
	}{
		{"report", base},
		{"whole second", with(func(r *requestRecord) { r.time = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) })},
		{"exact millisecond", with(func(r *requestRecord) { r.time = time.Date(2026, 1, 1, 0, 0, 0, 5e6, time.UTC) })},
		{"last nanosecond", with(func(r *requestRecord) { r.time = time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC) })},
		{"offset zone", with(func(r *requestRecord) { r.time = base.time.In(time.FixedZone("IST", 5*3600+1800)) })},
		{"negative offset", with(func(r *requestRecord) { r.time = base.time.In(time.FixedZone("", -7*3600)) })},
		{"local time", with(func(r *requestRecord) { r.time = time.Now() })},
		{"bare path", with(func(r *requestRecord) { r.path = "/_mock/health" })},
		{"empty path", with(func(r *requestRecord) { r.path = "" })},
		{"space", with(func(r *requestRecord) { r.path = "/a b" })},
		{"quote and backslash", with(func(r *requestRecord) { r.path = `/a"b\c` })},
		{"backslash only", with(func(r *requestRecord) { r.path = `/a\b` })},
		{"html characters", with(func(r *requestRecord) { r.path = "/<script>&amp;" })},
		{"replacement and ellipsis", with(func(r *requestRecord) { r.path = "/\uFFFD…" })},
		{"printable non-ASCII", with(func(r *requestRecord) { r.path = "/grüße/東京" })},
		{"invisible rune", with(func(r *requestRecord) { r.path = "/a\u200bb" })},
		{"non-ASCII space", with(func(r *requestRecord) { r.path = "/a\u00a0b" })},
		{"line separators", with(func(r *requestRecord) { r.path = "/a\u2028b\u2029c" })},
		{"invalid UTF-8", with(func(r *requestRecord) { r.path = "/a\xffb\xc3" })},
		{"control characters", with(func(r *requestRecord) { r.path = "/\x00\x01\t\n\r\x1f\x7f" })},
		{"long path", with(func(r *requestRecord) { r.path = "/" + strings.Repeat("x=y&", 600) })},
		{"odd method", with(func(r *requestRecord) { r.method = "M=X" })},
		{"empty method", with(func(r *requestRecord) { r.method = "" })},
		{"no status yet", with(func(r *requestRecord) { r.status, r.bytes = 0, 0 })},
		{"error status", with(func(r *requestRecord) { r.status, r.bytes = 503, 187 })},
		{"huge body", with(func(r *requestRecord) { r.bytes = 1 << 40 })},
		{"zero duration", with(func(r *requestRecord) { r.duration = 0 })},
		{"nanoseconds", with(func(r *requestRecord) { r.duration = 7 })},
		{"microseconds", with(func(r *requestRecord) { r.duration = 1500 })},
		{"hours", with(func(r *requestRecord) { r.duration = time.Hour + 2*time.Minute + 3500*time.Millisecond })},
		{"negative duration", with(func(r *requestRecord) { r.duration = -time.Millisecond })},
		{"empty request-id", with(func(r *requestRecord) { r.id = "" })},
	}
	for b := 0; b < 256; b++ {
		cases = append(cases, struct {
			name string
			rec  requestRecord
		}{fmt.Sprintf("byte %#02x", b), with(func(r *requestRecord) { r.path = "/a" + string([]byte{byte(b)}) + "b" })})
	}
	for _, f := range []LogFormat{LogText, LogJSON} {
		for _, c := range cases {
			t.Run(string(f)+"/"+c.name, func(t *testing.T) {
				got := string(appendRequestLine(nil, f, &c.rec))
				if want := slogLine(t, f, c.rec); got != want {
					t.Errorf("line = %q, want %q (slog)", got, want)
				}
			})
		}
	}
}

// output records what a sink writes, each Write call apart.
type output struct {
	mu     sync.Mutex
	writes [][]byte
	block  chan struct{} // when not nil, Write waits until it is closed
	err    error
}

func (o *output) Write(p []byte) (int, error) {
	if o.block != nil {
		<-o.block
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	o.writes = append(o.writes, bytes.Clone(p))
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(bytes.Join(o.writes, nil))
}

func (o *output) calls() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.writes)
}

// eventually waits up to 10 s for cond, for a writer that runs on its own.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("after 10 s: %s", what)
}

// closeSink closes l, failing the test when the output does not take it.
func closeSink(tb testing.TB, l *LogSink) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		tb.Fatalf("Close = %v, want nil", err)
	}
}

func TestLogSinkFlushesOnTimer(t *testing.T) {
	var out output
	l := newLogSink(&out, LogText, 5*time.Millisecond, 1<<20, 1<<20)
	l.Write([]byte("one\n"))
	eventually(t, "the line is not written without Close or a full buffer", func() bool { return out.String() == "one\n" })
	l.Write([]byte("two\n")) // the writer sleeps again and wakes for the next line
	eventually(t, "the second line is not written", func() bool { return out.String() == "one\ntwo\n" })
	closeSink(t, l)
	if got := out.calls(); got != 2 {
		t.Errorf("%d writes to the output, want 2 (one a timer)", got)
	}
	if got, want := l.Stats(), (LogStats{Written: 2}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func TestLogSinkFlushesWhenFull(t *testing.T) {
	var out output
	l := newLogSink(&out, LogText, time.Hour, 20, 1<<20)
	defer closeSink(t, l)
	l.Write([]byte("0123456789\n"))
	if got := out.String(); got != "" {
		t.Fatalf("written below the threshold, before the timer: %q", got)
	}
	l.Write([]byte("abcdefghij\n"))
	eventually(t, "a full batch is not written", func() bool { return out.String() == "0123456789\nabcdefghij\n" })
	if got := out.calls(); got != 1 {
		t.Errorf("the batch took %d writes, want 1", got)
	}
}

func TestLogSinkFlushesOnClose(t *testing.T) {
	var out output
	l := newLogSink(&out, LogText, time.Hour, 1<<20, 1<<20)
	l.Write([]byte("last\n"))
	if got := out.String(); got != "" {
		t.Fatalf("written before Close with neither timer nor a full batch: %q", got)
	}
	closeSink(t, l)
	if got := out.String(); got != "last\n" {
		t.Errorf("after Close the output is %q, want %q", got, "last\n")
	}
	l.Write([]byte("after close\n"))
	closeSink(t, l) // a second Close is harmless
	if got, want := l.Stats(), (LogStats{Written: 1, Dropped: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v (a line after Close is dropped)", got, want)
	}
}

// TestLogSinkConcurrentWritersNeverInterleave writes from many goroutines
// through small batches: every line arrives once and whole, and each write
// to the output ends a line.
func TestLogSinkConcurrentWritersNeverInterleave(t *testing.T) {
	const writers, lines = 8, 500
	var out output
	l := newLogSink(&out, LogText, time.Millisecond, 256, 1<<20)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(l, "writer %d line %d %s\n", w, i, strings.Repeat("x", i%50))
			}
		})
	}
	wg.Wait()
	closeSink(t, l)

	seen := map[string]int{}
	re := regexp.MustCompile(`^writer (\d+) line (\d+) x*$`)
	for _, w := range out.writes {
		if !bytes.HasSuffix(w, []byte("\n")) {
			t.Errorf("a write to the output does not end a line: %q", w)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %q is not whole", line)
			continue
		}
		seen[line]++
	}
	for w := range writers {
		for i := range lines {
			if line := fmt.Sprintf("writer %d line %d %s", w, i, strings.Repeat("x", i%50)); seen[line] != 1 {
				t.Errorf("%q written %d times, want 1", line, seen[line])
			}
		}
	}
	if got, want := l.Stats(), (LogStats{Written: writers * lines}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if out.calls() < 2 {
		t.Errorf("%d writes to the output, want batches", out.calls())
	}
}

// TestLogSinkBlockedOutputDrops: with the output stuck, Write keeps
// returning and counts what it drops; nothing queued is lost once the output
// moves again.
func TestLogSinkBlockedOutputDrops(t *testing.T) {
	out := output{block: make(chan struct{})}
	l := newLogSink(&out, LogText, time.Millisecond, 10, 100)
	line := []byte("0123456789\n")
	const total = 1000
	done := make(chan struct{})
	go func() {
		for range total {
			l.Write(line)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write blocked on a stuck output")
	}
	if got := l.Stats().Dropped; got == 0 {
		t.Errorf("dropped %d lines with the output stuck, want some", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := l.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close on a stuck output = %v, want context.DeadlineExceeded", err)
	}
	close(out.block)
	closeSink(t, l)
	st := l.Stats()
	if st.Written+st.Dropped != total {
		t.Errorf("written %d + dropped %d = %d, want every line accounted for (%d)", st.Written, st.Dropped, st.Written+st.Dropped, total)
	}
	if got, want := strings.Count(out.String(), "\n"), int(st.Written); got != want {
		t.Errorf("%d lines in the output, want %d (written)", got, want)
	}
}

func TestLogSinkWriteErrorCountsDropped(t *testing.T) {
	out := output{err: errors.New("broken pipe")}
	l := newLogSink(&out, LogText, time.Hour, 1<<20, 1<<20)
	l.Write([]byte("a\n"))
	l.Write([]byte("b\n"))
	closeSink(t, l)
	if got, want := l.Stats(), (LogStats{Dropped: 2}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func TestNewLogSinkFormats(t *testing.T) {
	for _, c := range []struct {
		format LogFormat
		ok     bool
	}{{LogText, true}, {LogJSON, true}, {"off", false}, {"", false}} {
		t.Run(string(c.format), func(t *testing.T) {
			l, err := NewLogSink(io.Discard, c.format)
			if (err == nil) != c.ok {
				t.Fatalf("NewLogSink(%q) error = %v, want ok %v", c.format, err, c.ok)
			}
			if l != nil {
				closeSink(t, l)
			}
		})
	}
}

// TestServerRequestLog serves requests with a request log: one line each,
// in the format slog wrote, and the server's other messages through the same
// sink; health counts them.
func TestServerRequestLog(t *testing.T) {
	for _, f := range []LogFormat{LogText, LogJSON} {
		t.Run(string(f), func(t *testing.T) {
			var out output
			l := newLogSink(&out, f, time.Hour, 1<<20, 1<<20)
			_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Log: l})
			r := get(t, ts.URL+october)
			get(t, ts.URL+"/nowhere")
			send(t, http.MethodPut, ts.URL+"/_mock/dataset", []byte(tinyScenario)) // logs "dataset swapped"

			var h struct {
				Status string    `json:"status"`
				Log    *LogStats `json:"log"`
			}
			hr := get(t, ts.URL+"/_mock/health")
			if err := json.Unmarshal(hr.body, &h); err != nil || h.Log == nil {
				t.Fatalf("health = %s (%v), want a log object", hr.body, err)
			}
			if want := (LogStats{}); *h.Log != want {
				t.Errorf("health log = %+v, want %+v (nothing written yet: the timer is an hour)", *h.Log, want)
			}
			closeSink(t, l)

			lines := strings.SplitAfter(out.String(), "\n")
			lines = lines[:len(lines)-1]
			if len(lines) != 6 {
				t.Fatalf("%d lines, want 6 (3 requests, the build's start, the swap, the health request):\n%s", len(lines), out.String())
			}
			id := r.header.Get("request-id")
			if !strings.Contains(lines[0], id) || !strings.Contains(lines[0], "200") {
				t.Errorf("first line %q, want the report's request-id %s and status 200", lines[0], id)
			}
			if !strings.Contains(lines[2], "dataset build started") || !strings.Contains(lines[3], "dataset swapped") {
				t.Errorf("third and fourth lines %q, %q, want the build's start and the swap before the PUT's request line", lines[2], lines[3])
			}
			for _, line := range lines {
				if f == LogJSON && !json.Valid([]byte(line)) {
					t.Errorf("line %q is not JSON", line)
				}
			}
			if got, want := l.Stats(), (LogStats{Written: 6}); got != want {
				t.Errorf("Stats() = %+v, want %+v", got, want)
			}
		})
	}
}

// TestHealthWithoutRequestLogUnchanged: without a request log the health
// body is what it always was.
func TestHealthWithoutRequestLogUnchanged(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Logger: slog.New(slog.DiscardHandler)})
	r := get(t, ts.URL+"/_mock/health")
	if diff := cmp.Diff(`{"datasetVersion":"test-edges","status":"ok"}`+"\n", string(r.body)); diff != "" {
		t.Errorf("health body (-want +got):\n%s", diff)
	}
}

// BenchmarkRequestLog is the cost of one request line: slog's handler
// writing each line (what the request log did), against the sink.
func BenchmarkRequestLog(b *testing.B) {
	rec := requestRecord{
		method: http.MethodGet, path: october, status: 200, bytes: 2345,
		duration: 1234567, id: "0f8fad5b-d9cb-469f-a165-70867728950e",
	}
	for _, f := range []LogFormat{LogText, LogJSON} {
		b.Run("slog-"+string(f), func(b *testing.B) {
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			if f == LogJSON {
				logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				logger.LogAttrs(ctx, slog.LevelInfo, "request",
					slog.String("method", rec.method),
					slog.String("path", rec.path),
					slog.Int("status", rec.status),
					slog.Int64("bytes", rec.bytes),
					slog.Duration("duration", rec.duration),
					slog.String("request-id", rec.id))
			}
		})
		b.Run("sink-"+string(f), func(b *testing.B) {
			l := newLogSink(io.Discard, f, flushInterval, flushBytes, maxQueueBytes)
			defer closeSink(b, l)
			b.ReportAllocs()
			for b.Loop() {
				rec.time = time.Now()
				l.logRequest(&rec)
			}
			b.ReportMetric(float64(l.Stats().Dropped)/float64(b.N), "dropped/op")
		})
	}
}

// BenchmarkHandlerLogged is BenchmarkHandler's 10-row page, from parallel
// clients, with the default text log: through slog's handler (the request
// log before the sink: a write a request, under the handler's lock) and
// through the sink, each onto a pipe drained as a terminal would, and onto
// io.Discard.
func BenchmarkHandlerLogged(b *testing.B) {
	outputs := []struct {
		name string
		out  func(b *testing.B) io.Writer
	}{
		{"pipe", func(b *testing.B) io.Writer {
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			go io.Copy(io.Discard, r)
			b.Cleanup(func() { w.Close(); r.Close() })
			return w
		}},
		{"discard", func(*testing.B) io.Writer { return io.Discard }},
	}
	logs := []struct {
		name string
		cfg  func(b *testing.B, w io.Writer) Config
	}{
		{"slog-text", func(_ *testing.B, w io.Writer) Config { return Config{Logger: slog.New(slog.NewTextHandler(w, nil))} }},
		{"sink-text", func(b *testing.B, w io.Writer) Config {
			l := newLogSink(w, LogText, flushInterval, flushBytes, maxQueueBytes)
			b.Cleanup(func() { closeSink(b, l) })
			return Config{Log: l}
		}},
		{"off", func(*testing.B, io.Writer) Config { return Config{Logger: slog.New(slog.DiscardHandler)} }},
	}
	for _, o := range outputs {
		for _, lg := range logs {
			b.Run(o.name+"/"+lg.name, func(b *testing.B) {
				cfg := lg.cfg(b, o.out(b))
				s := benchServer(b, cfg)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+october+"?$top=10", nil)
					req.RequestURI = october + "?$top=10"
					req.Header.Set("Authorization", "Bearer bench")
					for pb.Next() {
						s.ServeHTTP(&discard{h: http.Header{}}, req)
					}
				})
				if cfg.Log != nil {
					b.ReportMetric(float64(cfg.Log.Stats().Dropped)/float64(b.N), "dropped/op")
				}
			})
		}
	}
}
