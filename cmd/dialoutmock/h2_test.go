package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/dialoutkit/dialoutkit/internal/cli"
)

// liveProcess is the real binary, running.
type liveProcess struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan error
}

var servedURL = regexp.MustCompile(`'(https?://[^/']+)/beta/`)

// startLiveBinary runs the dialoutmock binary with args and waits until
// /_mock/health answers through the client that client returns, called
// once the URL is printed (so it can trust a CA written at start).
func startLiveBinary(t *testing.T, client func() *http.Client, args ...string) *liveProcess {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"--addr", "127.0.0.1:0", "--window-end", "2026-11-01", "--users", "40", "--log", "off"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &liveProcess{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servedURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case p.base = <-urls:
	case err := <-p.done:
		t.Fatalf("dialoutmock exited: %v\n%s", err, p.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("no URL printed in 60 s\n%s", p.stderr)
	}
	hc := client()
	for range 500 {
		if resp, err := hc.Get(p.base + "/_mock/health"); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("not healthy\n%s", p.stderr)
	return nil
}

// caPool reads the PEM the mock wrote with --tls-ca-out, waiting for it.
func caPool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	for range 600 {
		if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(b) {
				t.Fatalf("%s holds no certificate", file)
			}
			return pool
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no CA written to %s", file)
	return nil
}

// pageThrough follows nextLinks from url with client, and returns the
// rows as JSON text and the protocol of every answer.
func pageThrough(t *testing.T, client *http.Client, url string) (rows []string, protos []string) {
	t.Helper()
	for n := 0; url != ""; n++ {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer any")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		var p struct {
			NextLink string            `json:"@odata.nextLink"`
			Value    []json.RawMessage `json:"value"`
		}
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("page %d: %d %v", n, resp.StatusCode, err)
		}
		protos = append(protos, resp.Proto)
		for _, v := range p.Value {
			rows = append(rows, string(v))
		}
		url = p.NextLink
		if n > 10_000 {
			t.Fatal("nextLink loop")
		}
	}
	return rows, protos
}

const october = fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"

// TestHTTP2OverTLSEndToEnd: over --tls, a Go client trusting the mock's CA
// negotiates HTTP/2 and pages to the end on it; a client that speaks only
// HTTP/1.1 over TLS (as Node's fetch does) is still served, the same rows.
func TestHTTP2OverTLSEndToEnd(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	h2 := http.DefaultTransport.(*http.Transport).Clone() // what a Go program starts from
	h1 := &http.Transport{TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	clients := map[string]*http.Client{"h2": {Transport: h2}, "h1": {Transport: h1}}
	for _, c := range clients {
		t.Cleanup(c.CloseIdleConnections)
	}
	// The CA is written at start; the clients trust it once it is there.
	trust := func() *http.Client {
		pool := caPool(t, caFile)
		h2.TLSClientConfig = &tls.Config{RootCAs: pool}
		h1.TLSClientConfig = &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}}
		return clients["h2"]
	}
	p := startLiveBinary(t, trust, "--tls", "--tls-ca-out", caFile, "--page-size", "7")

	rows2, protos2 := pageThrough(t, clients["h2"], p.base+october)
	if len(protos2) < 3 {
		t.Fatalf("%d pages, want several", len(protos2))
	}
	for i, proto := range protos2 {
		if proto != "HTTP/2.0" {
			t.Errorf("page %d over %s, want HTTP/2.0", i, proto)
		}
	}
	rows1, protos1 := pageThrough(t, clients["h1"], p.base+october)
	for i, proto := range protos1 {
		if proto != "HTTP/1.1" {
			t.Errorf("HTTP/1.1-only client: page %d over %s, want HTTP/1.1", i, proto)
		}
	}
	if strings.Join(rows1, "\n") != strings.Join(rows2, "\n") {
		t.Errorf("HTTP/2 and HTTP/1.1 clients got different rows: %d and %d", len(rows2), len(rows1))
	}
	// Errors and the control API answer on HTTP/2 as well.
	resp, err := clients["h2"].Get(p.base + fn + "(fromDateTime=,toDateTime=)")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Proto != "HTTP/2.0" || resp.StatusCode != 401 && resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"innerError"`)) {
		t.Errorf("an error over HTTP/2: %s %d %s, want Graph's envelope over HTTP/2.0", resp.Proto, resp.StatusCode, body)
	}
}

// TestH2CEndToEnd: with --h2c, a client with prior knowledge pages over
// HTTP/2 in cleartext, an HTTP/1.1 request can upgrade to h2c, and a plain
// HTTP/1.1 client is served on the same port. Without --h2c, prior
// knowledge is refused and HTTP/1.1 is served.
func TestH2CEndToEnd(t *testing.T) {
	prior := &http.Transport{Protocols: new(http.Protocols)}
	prior.Protocols.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: prior}
	h1 := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(prior.CloseIdleConnections)

	p := startLiveBinary(t, func() *http.Client { return h1 }, "--h2c", "--page-size", "7")
	rows2, protos2 := pageThrough(t, h2c, p.base+october)
	for i, proto := range protos2 {
		if proto != "HTTP/2.0" {
			t.Errorf("prior knowledge: page %d over %s, want HTTP/2.0", i, proto)
		}
	}
	rows1, protos1 := pageThrough(t, h1, p.base+october)
	for i, proto := range protos1 {
		if proto != "HTTP/1.1" {
			t.Errorf("HTTP/1.1 client: page %d over %s, want HTTP/1.1", i, proto)
		}
	}
	if len(protos2) < 3 || strings.Join(rows1, "\n") != strings.Join(rows2, "\n") {
		t.Errorf("h2c and HTTP/1.1 clients got %d and %d rows over %d and %d pages, want the same, over several", len(rows2), len(rows1), len(protos2), len(protos1))
	}

	// Body limits hold on HTTP/2: a fault is at most 64 KB.
	big := `{"path":"` + strings.Repeat("x", 100<<10) + `","times":1,"status":500}`
	resp, err := h2c.Post(p.base+"/_mock/faults", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Proto != "HTTP/2.0" || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 100 KB fault over h2c: %s %d, want HTTP/2.0 413", resp.Proto, resp.StatusCode)
	}

	status, body, err := upgradeH2C(strings.TrimPrefix(p.base, "http://"), october)
	if err != nil {
		t.Fatal(err)
	}
	if status != "200" || !bytes.Contains(body, []byte(`"@odata.nextLink"`)) {
		t.Errorf("upgraded to h2c: status %s, body %.200s; want 200 and a page", status, body)
	}

	plain := startLiveBinary(t, func() *http.Client { return h1 })
	if resp, err := h2c.Get(plain.base + "/_mock/health"); err == nil {
		resp.Body.Close()
		t.Errorf("without --h2c, prior knowledge got %s %d, want it refused", resp.Proto, resp.StatusCode)
	}
	_, protos := pageThrough(t, h1, plain.base+october)
	if protos[0] != "HTTP/1.1" {
		t.Errorf("without --h2c: %s, want HTTP/1.1", protos[0])
	}
}

// upgradeH2C sends GET path over HTTP/1.1 asking to upgrade to h2c, reads
// 101 Switching Protocols, and the answer to the request as HTTP/2 frames on
// stream 1. It is safe to call off the test's goroutine.
func upgradeH2C(addr, path string) (status string, body []byte, err error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	settings := base64.RawURLEncoding.EncodeToString(nil) // no settings: the defaults
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer any\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: %s\r\n\r\n", path, addr, settings)
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 101 ") {
		return "", nil, fmt.Errorf("upgrade: %q %v, want 101 Switching Protocols", line, err)
	}
	for line != "\r\n" {
		if line, err = br.ReadString('\n'); err != nil {
			return "", nil, err
		}
	}
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		return "", nil, err
	}
	fr := http2.NewFramer(c, br)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.WriteSettings()
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return status, body, fmt.Errorf("reading the upgraded answer: %v", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if v, ok := f.Value(http2.SettingMaxConcurrentStreams); !ok || v != h2MaxStreams {
					return "", nil, fmt.Errorf("upgraded connection: SETTINGS_MAX_CONCURRENT_STREAMS = %d, want %d", v, h2MaxStreams)
				}
				fr.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID == 1 {
				status = f.PseudoValue("status")
			}
		case *http2.DataFrame:
			if f.StreamID == 1 {
				body = append(body, f.Data()...)
				if f.StreamEnded() {
					return status, body, nil
				}
			}
		case *http2.GoAwayFrame:
			if f.LastStreamID < 1 {
				return status, body, fmt.Errorf("GOAWAY %v before the answer", f.ErrCode)
			}
		}
	}
}

func TestH2CAndTLSExcludeEachOther(t *testing.T) {
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	parse := func(args []string, env map[string]string) (config, error) {
		return parseConfig(args, func(k string) string { return env[k] }, io.Discard, today)
	}
	_, err := parse([]string{"--h2c", "--tls"}, nil)
	if !cli.IsUsage(err) || !strings.Contains(err.Error(), "--h2c") {
		t.Errorf("--h2c --tls = %v, want a usage error naming --h2c", err)
	}
	cfg, err := parse(nil, map[string]string{"DIALOUTMOCK_H2C": "true"})
	if err != nil || !cfg.h2c {
		t.Errorf("DIALOUTMOCK_H2C=true: h2c %v, %v; want on", cfg.h2c, err)
	}
}

// TestH2CUpgradedConnectionDrainsOnShutdown: SIGTERM while a request on a
// connection upgraded to h2c is in flight: it completes, and the process
// exits 0.
func TestH2CUpgradedConnectionDrainsOnShutdown(t *testing.T) {
	h1 := &http.Client{}
	p := startLiveBinary(t, func() *http.Client { return h1 }, "--h2c", "--shutdown-timeout", "20s")
	req, _ := http.NewRequest(http.MethodPost, p.base+"/_mock/faults", strings.NewReader(`{"path":"getPstn","times":1,"delayMs":1500}`))
	if resp, err := h1.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("queue a delay: %v %v", resp, err)
	}
	type answer struct {
		status string
		body   []byte
	}
	got := make(chan answer, 1)
	go func() {
		status, body, err := upgradeH2C(strings.TrimPrefix(p.base, "http://"), october)
		if err != nil {
			status = err.Error()
		}
		got <- answer{status, body}
	}()
	time.Sleep(500 * time.Millisecond) // the request is in its delay
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case a := <-got:
		if a.status != "200" || !bytes.Contains(a.body, []byte(`"value"`)) {
			t.Errorf("in-flight h2c request during shutdown: %q %.100s, want 200 and a page", a.status, a.body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no answer within 30 s")
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("exit: %v, want 0\n%s", err, p.stderr)
		}
		p.done <- err // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGTERM")
	}
}
