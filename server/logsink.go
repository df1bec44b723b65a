package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// LogFormat is the line format of a LogSink: what log/slog's TextHandler or
// JSONHandler, with default options, would write.
type LogFormat string

// The log formats.
const (
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// The sink's defaults: a line waits at most flushInterval; a batch is written
// once it holds flushBytes; lines beyond maxQueueBytes waiting are dropped.
const (
	flushInterval = 100 * time.Millisecond
	flushBytes    = 64 << 10
	maxQueueBytes = 1 << 20
)

// LogSink is the request log (docs/contract.md#running-the-mock): lines
// from any number of goroutines queue in a bounded buffer that one goroutine
// writes out in batches, when a batch is full, on a short timer, and at
// Close. A request never waits for the writer: when the queue is full (the
// output is slow or blocked) its line is dropped and counted.
//
// Each Write is taken whole and counts as one record, so lines never
// interleave. The owner of the sink closes it after the last request.
type LogSink struct {
	w        io.Writer
	format   LogFormat
	logger   *slog.Logger
	interval time.Duration
	flushAt  int // bytes waiting that wake the writer early
	max      int // bytes waiting beyond which records are dropped

	mu      sync.Mutex
	buf     []byte // whole records waiting for the writer
	records int64  // records in buf
	closed  bool

	pending chan struct{} // buf became non-empty
	full    chan struct{} // buf reached flushAt
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the writer has written its last batch
	once    sync.Once

	written, dropped atomic.Int64
}

var _ io.Writer = (*LogSink)(nil)

// LogStats counts the records of a LogSink; GET /_mock/health shows them.
type LogStats struct {
	Dropped int64 `json:"dropped"` // refused because the queue was full, or lost to a write error
	Written int64 `json:"written"` // written out
}

// NewLogSink starts a sink writing f lines to w (stderr, for dialoutmock).
// Close stops it.
func NewLogSink(w io.Writer, f LogFormat) (*LogSink, error) {
	if f != LogText && f != LogJSON {
		return nil, fmt.Errorf("server: log format %q: want %q or %q", f, LogText, LogJSON)
	}
	return newLogSink(w, f, flushInterval, flushBytes, maxQueueBytes), nil
}

func newLogSink(w io.Writer, f LogFormat, interval time.Duration, flushAt, max int) *LogSink {
	l := &LogSink{
		w: w, format: f, interval: interval, flushAt: flushAt, max: max,
		pending: make(chan struct{}, 1),
		full:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if f == LogJSON {
		l.logger = slog.New(slog.NewJSONHandler(l, nil))
	} else {
		l.logger = slog.New(slog.NewTextHandler(l, nil))
	}
	go l.run()
	return l
}

// Logger returns a logger writing through the sink in its format, for the
// server's other messages and http.Server's ErrorLog.
func (l *LogSink) Logger() *slog.Logger { return l.logger }

// Write queues p, one or more whole lines, as one record. It never blocks on
// the output: when the queue is full, or the sink closed, p is dropped and
// counted. It always reports success, as a log has no one to tell.
func (l *LogSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.closed || len(l.buf)+len(p) > l.max {
		l.mu.Unlock()
		l.dropped.Add(1)
		return len(p), nil
	}
	first := len(l.buf) == 0
	l.buf = append(l.buf, p...)
	l.records++
	filled := len(l.buf) >= l.flushAt
	l.mu.Unlock()
	if first {
		signal(l.pending)
	}
	if filled {
		signal(l.full)
	}
	return len(p), nil
}

// Stats counts the records written and dropped so far.
func (l *LogSink) Stats() LogStats {
	return LogStats{Dropped: l.dropped.Load(), Written: l.written.Load()}
}

// Close refuses further records and waits until the writer has written
// every record queued before it, or ctx is done (the output is stuck).
func (l *LogSink) Close(ctx context.Context) error {
	l.once.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.stop)
	})
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("request log: the output did not take the last lines: %w", ctx.Err())
	}
}

// run is the writer: it sleeps until a record arrives, lets the batch grow
// for up to the interval (less if it fills), and writes it in one call.
func (l *LogSink) run() {
	defer close(l.done)
	t := time.NewTimer(l.interval)
	t.Stop()
	var spare []byte
	for {
		select {
		case <-l.pending:
		case <-l.stop:
			l.flush(&spare)
			return
		}
		t.Reset(l.interval)
		select {
		case <-t.C:
		case <-l.full:
		case <-l.stop:
			l.flush(&spare)
			return
		}
		t.Stop()
		l.flush(&spare)
	}
}

// flush writes what is queued, handing the queue spare's memory so the two
// buffers take turns.
func (l *LogSink) flush(spare *[]byte) {
	select {
	case <-l.full: // what it reported is in the batch taken below
	default:
	}
	l.mu.Lock()
	b, n := l.buf, l.records
	l.buf, l.records = (*spare)[:0], 0
	l.mu.Unlock()
	*spare = b
	if len(b) == 0 {
		return
	}
	if _, err := l.w.Write(b); err != nil {
		l.dropped.Add(n)
		return
	}
	l.written.Add(n)
}

// signal wakes the writer without waiting for it.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
