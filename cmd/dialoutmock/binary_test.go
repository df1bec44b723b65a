package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/internal/binarytest"
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) { binarytest.Main(m) }

// binary builds dialoutmock once for the package's tests.
func binary(t *testing.T) string {
	t.Helper()
	return binarytest.Build(t, ".")
}

type process struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan error
}

// startBinary runs the real binary and waits until /_mock/health answers.
func startBinary(t *testing.T, args ...string) *process {
	t.Helper()
	return startBinaryTo(t, nil, args...)
}

// startBinaryTo is startBinary with the child's stderr on w; nil: p.stderr.
func startBinaryTo(t *testing.T, w io.Writer, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"--addr", "127.0.0.1:0", "--window-end", "2026-11-01"}, args...)...)
	cmd.Stderr = w
	p := binarytest.Start(t, cmd)
	return &process{cmd: p.Cmd, base: p.Base, stderr: p.Stderr, done: p.Done}
}

// TestGracefulShutdown sends SIGTERM while 50 connections are mid-request:
// every accepted request completes, new connections are refused, and the
// process exits 0 within the shutdown timeout.
func TestGracefulShutdown(t *testing.T) {
	p := startBinary(t, "--shutdown-timeout", "20s")
	// Each of the next 50 report requests takes 1.5 s.
	req, _ := http.NewRequest(http.MethodPost, p.base+"/_mock/faults", strings.NewReader(`{"path":"getPstn","times":50,"delayMs":1500}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("queue delay: %v %v", resp, err)
	}
	url := p.base + fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	type result struct {
		status int
		n      int64
		err    error
	}
	results := make(chan result, 50)
	for i := 0; i < 50; i++ {
		go func() {
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			r, _ := http.NewRequest(http.MethodGet, url, nil)
			r.Header.Set("Authorization", "Bearer x")
			resp, err := c.Do(r)
			if err != nil {
				results <- result{err: err}
				return
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			results <- result{resp.StatusCode, n, err}
		}()
	}
	// Wait until the 50 requests are inside the server: the fault is used up.
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(p.base + "/_mock/faults")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) == "[]\n" || string(b) == "[]" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the 50 requests did not all arrive")
		}
		time.Sleep(10 * time.Millisecond)
	}
	http.DefaultClient.CloseIdleConnections()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused once the listener is closed.
	refused := false
	for i := 0; i < 100 && !refused; i++ {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(p.base, "http://"), time.Second)
		if err != nil {
			refused = true
			break
		}
		conn.Close()
		time.Sleep(10 * time.Millisecond)
	}
	if !refused {
		t.Error("new connections were still accepted after SIGTERM")
	}
	for i := 0; i < 50; i++ {
		r := <-results
		if r.err != nil || r.status != 200 || r.n == 0 {
			t.Errorf("request in flight: status %d, %d bytes, %v; want a complete 200", r.status, r.n, r.err)
		}
	}
	select {
	case err := <-p.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Errorf("exit: %v, want status 0\n%s", err, p.stderr)
		}
		p.done <- nil // for the cleanup
	case <-time.After(25 * time.Second):
		t.Fatalf("still running 25 s after SIGTERM")
	}
	t.Logf("drained 50 requests and exited in %s", time.Since(start).Round(time.Millisecond))
}

// TestSlowlorisIsCutOff holds connections that send headers a byte at a
// time: they are closed after --read-header-timeout, and other clients are
// served meanwhile.
func TestSlowlorisIsCutOff(t *testing.T) {
	p := startBinary(t, "--read-header-timeout", "1s", "--max-conns", "64")
	addr := strings.TrimPrefix(p.base, "http://")
	var conns []net.Conn
	for i := 0; i < 40; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /_mock/health HTTP/1.1\r\nHost: x\r\n")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	closed := make(chan int, len(conns))
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(200 * time.Millisecond):
				}
				c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write([]byte("X")); err != nil {
					closed <- i
					return
				}
				c.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := c.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					closed <- i
					return
				}
			}
		}()
	}
	// A normal client is served while the slow ones hold their connections.
	for i := 0; i < 5; i++ {
		resp, err := http.Get(p.base + "/_mock/health")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("normal client during slowloris: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	deadline := time.After(20 * time.Second)
	for n := 0; n < len(conns); n++ {
		select {
		case <-closed:
		case <-deadline:
			t.Fatalf("%d of %d slow connections still open after 20 s", len(conns)-n, len(conns))
		}
	}
	cancel()
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
}
