package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	duration time.Duration
	conns    int
	rounds   int
	users    int
	loader   string
	large    bool
	ranges   int
	mockBin  string
	h2       bool
	client   *http.Client // trusts the servers' CAs in -h2 mode
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("dialoutbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 8*time.Second, "length of each measured load run")
	fs.IntVar(&o.conns, "conns", 50, "concurrent connections")
	fs.IntVar(&o.rounds, "rounds", 2, "alternations of ceiling and mock for each page")
	fs.IntVar(&o.users, "users", 1500, "users of the tenant of the throughput runs (a 90-day range needs more than 1000 rows)")
	fs.StringVar(&o.loader, "loader", "auto", "load generator: wrk, go, or auto (wrk when on PATH)")
	fs.BoolVar(&o.large, "large", false, "also measure the 10-million-call, 200,000-user ledger")
	fs.IntVar(&o.ranges, "ranges", 15, "new 90-day ranges asked in the large mode")
	fs.StringVar(&o.mockBin, "mock", "", "dialoutmock binary (default: built from ./cmd/dialoutmock)")
	fs.BoolVar(&o.h2, "h2", false, "measure over HTTP/2 with TLS (the mock with --tls, the ceiling over HTTPS too); the load comes from h2load when on PATH (apt-get install nghttp2-client), else from Go")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(fs.Args()) > 0 && fs.Arg(0) == "ceiling" {
		return serveCeiling(ctx, fs.Args()[1:], stdout)
	}
	want := "wrk"
	if o.h2 {
		want = "h2load"
	}
	switch {
	case o.loader == "auto":
		o.loader = "go"
		if _, err := exec.LookPath(want); err == nil {
			o.loader = want
		}
	case o.loader != "go" && o.loader != want:
		return fmt.Errorf("-loader %s: want %s, go or auto%s", o.loader, want, map[bool]string{true: " with -h2", false: ""}[o.h2])
	}
	o.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}

	dir, err := os.MkdirTemp("", "dialoutbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.mockBin == "" {
		o.mockBin = filepath.Join(dir, "dialoutmock")
		fmt.Fprintln(stderr, "building dialoutmock ...")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", o.mockBin, "./cmd/dialoutmock").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/dialoutmock (run from the repository root): %v\n%s", err, out)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	r := &results{machine: machine(), loader: o.loader, opts: o}
	if !o.h2 { // start-up and memory do not depend on the protocol
		if err := measureDefault(ctx, o, r, stderr); err != nil {
			return err
		}
	}
	if err := measureThroughput(ctx, o, self, dir, r, stderr); err != nil {
		return err
	}
	if o.large {
		if err := measureLarge(ctx, o, r, stderr); err != nil {
			return err
		}
	}
	r.print(stdout, args)
	return nil
}

// proc is a server process under test.
type proc struct {
	cmd     *exec.Cmd
	base    string
	started time.Time
	stderr  *head
}

// head is a server's stderr as a terminal takes it: read as fast as it is
// written (through the pipe os/exec makes), keeping only the first lines
// for messages, so the request log costs what it costs a user.
type head struct {
	mu  sync.Mutex
	buf []byte
}

const headBytes = 64 << 10

func (h *head) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := headBytes - len(h.buf); n > 0 {
		h.buf = append(h.buf, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func (h *head) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.buf)
}

var urlLine = regexp.MustCompile(`(https?://127\.0\.0\.1:\d+)`)

// start runs a server and returns once it printed its URL on its first
// line: dialoutmock prints the URL alone there, the ceiling server says
// "ceiling on URL".
func start(ctx context.Context, bin string, args ...string) (*proc, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, stderr: &head{}}
	cmd.Stderr = p.stderr
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			if m := urlLine.FindString(sc.Text()); m != "" {
				urls <- m
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case p.base = <-urls:
		return p, nil
	case <-time.After(10 * time.Minute):
		p.stop()
		return nil, fmt.Errorf("%s printed no URL: %s", bin, p.stderr)
	}
}

func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// memory reads VmRSS and VmHWM (peak) of the process, in bytes.
func (p *proc) memory() (rss, peak int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// firstSuccess polls url with o's client until it answers 200 and returns
// the time since the process started; in -h2 mode the answer must come
// over HTTP/2.
func firstSuccess(o options, p *proc, url string) (time.Duration, []byte, error) {
	client := o.client
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer bench")
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if o.h2 && resp.ProtoMajor != 2 {
				return 0, nil, fmt.Errorf("GET %s: answered over %s, want HTTP/2", url, resp.Proto)
			}
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.started), body, nil
			}
			return 0, nil, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
		}
		time.Sleep(time.Millisecond)
	}
	return 0, nil, fmt.Errorf("%s never answered", url)
}

const fnPath = "/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport"

// bigPage and smallPage are the two requests measured: a full page of 1000
// entries and a page of 10 (the same report with $top=10).
const (
	windowEnd = "2026-11-01"
	bigPage   = fnPath + "(fromDateTime=2026-08-03,toDateTime=2026-11-01)"
	smallPage = fnPath + "(fromDateTime=2026-08-03,toDateTime=2026-11-01)?$top=10"
)

// measureDefault starts dialoutmock as a user would (default flags, the
// window fixed so runs compare) and records time to first response and RSS.
func measureDefault(ctx context.Context, o options, r *results, stderr io.Writer) error {
	fmt.Fprintln(stderr, "default dataset: start-up and memory ...")
	var starts []time.Duration
	for i := 0; i < 5; i++ {
		p, err := start(ctx, o.mockBin, "--addr", "127.0.0.1:0", "--window-end", windowEnd)
		if err != nil {
			return err
		}
		d, _, err := firstSuccess(o, p, p.base+fnPath+"(fromDateTime=2026-10-02,toDateTime=2026-11-01)")
		if err != nil {
			p.stop()
			return err
		}
		starts = append(starts, d)
		if i == 0 {
			r.defaultRSS, r.defaultPeak = p.memory()
		}
		p.stop()
	}
	r.defaultStart = median(starts)
	return nil
}

// measureThroughput drives the ceiling, the mock as users run it (default
// flags: the text request log on stderr, here a pipe drained as a terminal
// would) and the mock with --log off, alternately.
func measureThroughput(ctx context.Context, o options, self, dir string, r *results, stderr io.Writer) error {
	fmt.Fprintf(stderr, "throughput: %d users, %d connections, %s a run, %d rounds, loader %s ...\n", o.users, o.conns, o.duration, o.rounds, o.loader)
	args := []string{"--addr", "127.0.0.1:0", "--window-end", windowEnd, "--users", strconv.Itoa(o.users)}
	tlsArgs := func(name string) []string {
		if !o.h2 {
			return nil
		}
		return []string{"--tls", "--tls-ca-out", filepath.Join(dir, name+"-ca.pem")}
	}
	mock, err := start(ctx, o.mockBin, slices.Concat(args, tlsArgs("mock"))...)
	if err != nil {
		return err
	}
	defer mock.stop()
	quiet, err := start(ctx, o.mockBin, slices.Concat(args, tlsArgs("mock-off"), []string{"--log", "off"})...)
	if err != nil {
		return err
	}
	defer quiet.stop()
	if o.h2 {
		if err := trust(o.client, filepath.Join(dir, "mock-ca.pem"), filepath.Join(dir, "mock-off-ca.pem")); err != nil {
			return err
		}
	}
	bodies := map[string][]byte{}
	for _, path := range []string{bigPage, smallPage} {
		_, body, err := firstSuccess(o, mock, mock.base+path)
		if err != nil {
			return err
		}
		bodies[path] = body
	}
	if n := strings.Count(string(bodies[bigPage]), `"userId"`); n != 1000 {
		return fmt.Errorf("the big page has %d entries, want 1000: raise -users", n)
	}
	r.bigBytes, r.smallBytes = len(bodies[bigPage]), len(bodies[smallPage])
	var files []string
	for i, path := range []string{bigPage, smallPage} {
		f := filepath.Join(dir, fmt.Sprintf("body%d", i))
		if err := os.WriteFile(f, bodies[path], 0o600); err != nil {
			return err
		}
		files = append(files, path, f)
	}
	ceilingArgs := []string{"ceiling"}
	if o.h2 {
		ceilingArgs = append(ceilingArgs, "-tls", filepath.Join(dir, "ceiling-ca.pem"))
	}
	ceiling, err := start(ctx, self, append(ceilingArgs, files...)...)
	if err != nil {
		return err
	}
	defer ceiling.stop()
	if o.h2 {
		if err := trust(o.client, filepath.Join(dir, "ceiling-ca.pem")); err != nil {
			return err
		}
	}
	for _, path := range []string{bigPage, smallPage} {
		_, body, err := firstSuccess(o, ceiling, ceiling.base+path)
		if err != nil {
			return err
		}
		if string(body) != string(bodies[path]) {
			return errors.New("the ceiling does not serve the mock's bytes")
		}
	}
	for _, path := range []string{bigPage, smallPage} {
		// The same page but for the port in its links.
		if _, body, err := firstSuccess(o, quiet, quiet.base+path); err != nil || len(body) != len(bodies[path]) {
			return fmt.Errorf("the mock with --log off does not serve the same page: %v", err)
		}
	}
	targets := []struct {
		name string
		p    *proc
	}{{"ceiling", ceiling}, {"mock", mock}, {"mock-off", quiet}}
	for round := 0; round < o.rounds; round++ {
		for _, page := range []string{bigPage, smallPage} {
			for _, t := range targets {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				res, err := load(ctx, o, t.p.base+page, t.p.cmd.Process.Pid, dir)
				if err != nil {
					return err
				}
				fmt.Fprintf(stderr, "  round %d %-8s %-5s %8.0f req/s  p50 %-8s p99 %-8s cpu %s/req\n", round+1, t.name, pageName(page), res.rps, res.p50, res.p99, res.cpu)
				r.add(t.name, page, res)
			}
		}
	}
	if err := logStats(o, mock, r); err != nil {
		return err
	}
	r.mockRSS, r.mockPeak = mock.memory()
	r.ceilingRSS, r.ceilingPeak = ceiling.memory()
	return nil
}

func pageName(page string) string {
	if page == bigPage {
		return "1000"
	}
	return "10"
}

// logStats reads how many request log lines the mock wrote and dropped
// (GET /_mock/health): a log that drops lines under load would flatter it.
func logStats(o options, p *proc, r *results) error {
	resp, err := o.client.Get(p.base + "/_mock/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var h struct {
		Log *struct {
			Dropped int64 `json:"dropped"`
			Written int64 `json:"written"`
		} `json:"log"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return fmt.Errorf("GET /_mock/health: %w", err)
	}
	r.logWritten, r.logDropped = -1, -1 // a -mock from before the counts
	if h.Log != nil {
		r.logWritten, r.logDropped = h.Log.Written, h.Log.Dropped
	}
	return nil
}

// measureLarge starts the mock over the 10-million-call ledger and asks new
// 90-day ranges.
func measureLarge(ctx context.Context, o options, r *results, stderr io.Writer) error {
	fmt.Fprintln(stderr, "large ledger: 200,000 users, about 10 million calls ...")
	p, err := start(ctx, o.mockBin, "--addr", "127.0.0.1:0", "--window-end", windowEnd, "--users", "200000", "--intensity", "4.22")
	if err != nil {
		return err
	}
	defer p.stop()
	r.largeUp = time.Since(p.started)
	if m := regexp.MustCompile(`(\d+) calls, .* built in ([0-9.]+m?s)`).FindStringSubmatch(p.stderr.String()); m != nil {
		r.largeCalls, _ = strconv.ParseInt(m[1], 10, 64)
		r.largeBuild, _ = time.ParseDuration(m[2])
	}
	runtime.GC()
	r.largeRSS, r.largePeak = p.memory()
	client := &http.Client{Timeout: time.Minute}
	var firsts []time.Duration
	end, _ := time.Parse(time.DateOnly, windowEnd)
	for i := 0; i < o.ranges; i++ {
		from := end.AddDate(0, 0, -270+i*11)
		url := fmt.Sprintf("%s%s(fromDateTime=%s,toDateTime=%s)", p.base, fnPath, from.Format(time.DateOnly), from.AddDate(0, 0, 90).Format(time.DateOnly))
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer bench")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
		}
		firsts = append(firsts, time.Since(t0))
	}
	slices.Sort(firsts)
	r.largeFirst = firsts
	r.largeRSSAfter, r.largePeak = p.memory()
	return nil
}

// trust adds the CAs in files (PEM, written by the servers at start; waited
// for) to the roots of client's transport.
func trust(client *http.Client, files ...string) error {
	pool := client.Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, f := range files {
		var b []byte
		for deadline := time.Now().Add(time.Minute); len(b) == 0 && time.Now().Before(deadline); {
			b, _ = os.ReadFile(f)
			if len(b) == 0 {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if !pool.AppendCertsFromPEM(b) {
			return fmt.Errorf("no CA certificate in %s", f)
		}
	}
	return nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// machine describes the CPU and core count.
func machine() string {
	model := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s", model, runtime.NumCPU(), runtime.Version())
}
