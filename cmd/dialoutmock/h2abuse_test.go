package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Target is a mock started in process (so the test can read its heap),
// reachable over HTTP/2: cleartext with --h2c, or over TLS.
type h2Target struct {
	base   string
	tls    *tls.Config // nil: h2c
	client *http.Client
}

// dial opens a raw HTTP/2 connection: TCP and, with TLS, a handshake that
// negotiates h2.
func (h h2Target) dial() (net.Conn, error) {
	addr := h.base[strings.Index(h.base, "//")+2:]
	if h.tls == nil {
		return net.Dial("tcp", addr)
	}
	c, err := tls.Dial("tcp", addr, h.tls)
	if err != nil {
		return nil, err
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		c.Close()
		return nil, errors.New("negotiated " + p + ", want h2")
	}
	return c, nil
}

var inProcessHTTPS = regexp.MustCompile(`'(https://[^/']+)/beta/`)

// startH2Target runs the program in process with args, over h2c or TLS.
func startH2Target(t *testing.T, overTLS bool, args ...string) h2Target {
	t.Helper()
	args = append([]string{"--window-end", "2026-11-01", "--users", "300", "--log", "off"}, args...)
	if !overTLS {
		base := startMock(t, nil, append(args, "--h2c")...)
		tr := &http.Transport{Protocols: new(http.Protocols)}
		tr.Protocols.SetUnencryptedHTTP2(true)
		t.Cleanup(tr.CloseIdleConnections)
		return h2Target{base: base, client: &http.Client{Transport: tr}}
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	argv := append([]string{"dialoutmock", "--addr", "127.0.0.1:0", "--tls", "--tls-ca-out", caFile}, args...)
	go func() { done <- run(ctx, argv, func(string) string { return "" }, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v; stderr:\n%s", err, stderr)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("run did not return after cancel")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := inProcessHTTPS.FindStringSubmatch(stdout.String()); m != nil {
			pool := caPool(t, caFile)
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = &tls.Config{RootCAs: pool}
			t.Cleanup(tr.CloseIdleConnections)
			return h2Target{base: m[1], tls: &tls.Config{RootCAs: pool, NextProtos: []string{"h2"}}, client: &http.Client{Transport: tr}}
		}
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no https URL printed\n%s", stderr)
	return h2Target{}
}

// h2Conn is a raw HTTP/2 client connection that writes frames as a hostile
// client would and reads (and drops) whatever the server sends.
type h2Conn struct {
	c      net.Conn
	mu     sync.Mutex // guards fr's writes and enc
	fr     *http2.Framer
	hbuf   bytes.Buffer
	enc    *hpack.Encoder
	done   chan struct{} // closed when the server closes the connection
	pong   chan struct{} // a PING's answer
	goAway atomic.Bool
	// settings are the server's first SETTINGS, once read.
	settings chan map[http2.SettingID]uint32
}

func openH2(t *testing.T, h h2Target) *h2Conn {
	t.Helper()
	c, err := h.dial()
	if err != nil {
		t.Fatal(err)
	}
	hc := &h2Conn{c: c, fr: http2.NewFramer(c, c), done: make(chan struct{}), pong: make(chan struct{}, 1),
		settings: make(chan map[http2.SettingID]uint32, 1)}
	hc.enc = hpack.NewEncoder(&hc.hbuf)
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	hc.fr.WriteSettings()
	go func() {
		defer close(hc.done)
		for {
			f, err := hc.fr.ReadFrame()
			if err != nil {
				return
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				if !f.IsAck() {
					m := map[http2.SettingID]uint32{}
					f.ForeachSetting(func(s http2.Setting) error { m[s.ID] = s.Val; return nil })
					select {
					case hc.settings <- m:
					default:
					}
					hc.mu.Lock()
					hc.fr.WriteSettingsAck()
					hc.mu.Unlock()
				}
			case *http2.GoAwayFrame:
				hc.goAway.Store(true)
			case *http2.PingFrame:
				if f.IsAck() {
					hc.pong <- struct{}{}
				}
			}
		}
	}()
	return hc
}

// headers opens stream id with a GET of path.
func (hc *h2Conn) headers(h h2Target, id uint32, path string, end bool) error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.hbuf.Reset()
	scheme := "http"
	if h.tls != nil {
		scheme = "https"
	}
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", scheme}, {":authority", h.base[strings.Index(h.base, "//")+2:]},
		{":path", path}, {"authorization", "Bearer any"}} {
		hc.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	return hc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hc.hbuf.Bytes(), EndStream: end, EndHeaders: true})
}

// sync waits until the server has read every frame sent before it (a PING
// is answered in order), or has closed the connection.
func (hc *h2Conn) sync() {
	hc.mu.Lock()
	err := hc.fr.WritePing(false, [8]byte{'s', 'y', 'n', 'c'})
	hc.mu.Unlock()
	if err != nil {
		return
	}
	select {
	case <-hc.pong:
	case <-hc.done:
	case <-time.After(30 * time.Second):
	}
}

// hugeHeaders opens stream id with a header list of n bytes, in
// CONTINUATION frames of 16 KB.
func (hc *h2Conn) hugeHeaders(h h2Target, id uint32, n int) error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.hbuf.Reset()
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/_mock/health"}} {
		hc.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	for hc.hbuf.Len() < n {
		hc.enc.WriteField(hpack.HeaderField{Name: "x-filler", Value: strings.Repeat("a", 8000), Sensitive: true})
	}
	block := hc.hbuf.Bytes()
	const frag = 16 << 10
	if err := hc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block[:frag], EndStream: true}); err != nil {
		return err
	}
	for i := frag; i < len(block); i += frag {
		end := min(i+frag, len(block))
		if err := hc.fr.WriteContinuation(id, end == len(block), block[i:end]); err != nil {
			return err
		}
	}
	return nil
}

func (hc *h2Conn) reset(id uint32) error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	return hc.fr.WriteRSTStream(id, http2.ErrCodeCancel)
}

// heapWatch samples the heap in use until stopped and keeps the peak.
type heapWatch struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

func watchHeap() *heapWatch {
	w := &heapWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			w.peak = max(w.peak, m.HeapAlloc)
			select {
			case <-w.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *heapWatch) Stop() uint64 {
	close(w.stop)
	<-w.done
	return w.peak
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// servedMeanwhile asks for a page and for health through a normal client
// until stop, and reports the first failure.
func servedMeanwhile(h h2Target, stop <-chan struct{}) <-chan error {
	out := make(chan error, 1)
	go func() {
		var n int
		for {
			for _, path := range []string{"/_mock/health", october + "?$top=10"} {
				req, _ := http.NewRequest(http.MethodGet, h.base+path, nil)
				req.Header.Set("Authorization", "Bearer any")
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				resp, err := h.client.Do(req.WithContext(ctx))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = errors.New(path + ": " + resp.Status)
					}
				}
				cancel()
				if err != nil {
					out <- err
					return
				}
				n++
			}
			select {
			case <-stop:
				if n == 0 {
					out <- errors.New("no request completed")
				}
				close(out)
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return out
}

// Bounds on the heap during and after the abuse, generous: a served page
// of 1000 rows is 300 KB, and the server keeps per connection at most
// h2MaxStreams handlers and their buffers.
const (
	abusePeakHeap  = 256 << 20
	abuseAfterHeap = 32 << 20
)

// TestHTTP2AbuseIsBounded: a rapid reset (HEADERS then RST_STREAM, tens of
// thousands of times) and a connection that opens far more streams than
// allowed and reads nothing leave the server serving another client, with
// the heap bounded during the abuse and back near where it was after.
func TestHTTP2AbuseIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("abuse takes seconds")
	}
	for _, overTLS := range []bool{false, true} {
		name := "h2c"
		if overTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			h := startH2Target(t, overTLS)
			if _, protos := pageThrough(t, h.client, h.base+october); protos[0] != "HTTP/2.0" {
				t.Fatalf("the normal client speaks %s, want HTTP/2.0", protos[0])
			}
			before := heapNow()
			watch := watchHeap()
			stop := make(chan struct{})
			served := servedMeanwhile(h, stop)

			// Rapid reset: every stream cancelled right after it opens. The
			// server may end a connection that does this; the attack then
			// opens another.
			const resets = 20_000
			sent, conns := 0, 0
			for sent < resets && conns < 200 {
				hc := openH2(t, h)
				conns++
				for id := uint32(1); sent < resets; id += 2 {
					if hc.headers(h, id, october, true) != nil || hc.reset(id) != nil {
						break
					}
					sent++
				}
				hc.sync()
				hc.c.Close()
			}

			// A header list of 8 MB, far past MaxHeaderBytes, through HPACK
			// (never-indexed literals) and CONTINUATION frames.
			huge := openH2(t, h)
			hugeErr := huge.hugeHeaders(h, 1, 8<<20)
			huge.sync()
			huge.c.Close()

			// Many streams on one connection, never read: ten times the
			// streams allowed, each asking for a page of 1000 rows.
			hc := openH2(t, h)
			select {
			case set := <-hc.settings:
				if got := set[http2.SettingMaxConcurrentStreams]; got != h2MaxStreams {
					t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d, want %d", got, h2MaxStreams)
				}
				if got := set[http2.SettingMaxHeaderListSize]; got == 0 || got > 2*maxHeaderBytes {
					t.Errorf("SETTINGS_MAX_HEADER_LIST_SIZE = %d, want about MaxHeaderBytes (%d)", got, maxHeaderBytes)
				}
			case <-time.After(10 * time.Second):
				t.Error("no SETTINGS from the server")
			}
			opened := 0
			for id := uint32(1); opened < 10*h2MaxStreams; id += 2 {
				if hc.headers(h, id, october, true) != nil {
					break
				}
				opened++
			}
			time.Sleep(time.Second) // the handlers run and block on flow control

			close(stop)
			if err := <-served; err != nil {
				t.Errorf("another client during the abuse: %v", err)
			}
			hc.c.Close()
			peak := watch.Stop()
			time.Sleep(200 * time.Millisecond) // handlers see their connection gone
			after := heapNow()
			t.Logf("rapid reset: %d streams over %d connections; huge headers: %v; many streams: %d opened; heap before %d MiB, peak %d MiB, after %d MiB",
				sent, conns, hugeErr, opened, before>>20, peak>>20, after>>20)
			if peak > before+abusePeakHeap {
				t.Errorf("heap peaked at %d MiB during the abuse, from %d MiB: want at most %d MiB more", peak>>20, before>>20, abusePeakHeap>>20)
			}
			if after > before+abuseAfterHeap {
				t.Errorf("heap is %d MiB after the abuse, from %d MiB: want at most %d MiB more", after>>20, before>>20, abuseAfterHeap>>20)
			}
			if sent < resets/2 {
				t.Errorf("only %d of %d resets sent over %d connections: the test did not exercise the server", sent, resets, conns)
			}
			// Still serving.
			if _, protos := pageThrough(t, h.client, h.base+october); protos[0] != "HTTP/2.0" {
				t.Errorf("after the abuse: %s, want HTTP/2.0", protos[0])
			}
		})
	}
}
