// Package binarytest runs the real dialoutmock program in tests, as a user
// runs it: it builds the program once per test binary, starts it, reads the
// base URL the program prints alone on the first line of its standard
// output, waits for /_mock/health, and talks to it over HTTP. The tests of
// cmd/dialoutmock and the browser tests of its nested module
// (cmd/dialoutmock/browsertest) share it.
//
// Only tests import it.
package binarytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ReportPath is the path of the Graph function the mock serves.
const ReportPath = "/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport"

// builds holds the programs Build built, by the absolute directory of their
// package, for Main to remove.
var builds struct {
	mu   sync.Mutex
	dir  string // the temporary directory of every build
	bins map[string]*build
}

type build struct {
	n    int // its folder under builds.dir
	once sync.Once
	path string
	err  error
}

// Main runs the tests of m, then removes what Build built. Call it from
// TestMain; the test binary exits with the tests' status.
func Main(m *testing.M) {
	defer func() {
		builds.mu.Lock()
		defer builds.mu.Unlock()
		if builds.dir != "" {
			os.RemoveAll(builds.dir)
		}
	}()
	m.Run()
}

// Build builds the program whose main package is in dir (relative to the
// test's working directory), once per test binary, and returns the path of
// the executable. The go command runs in dir, so the program is built in
// the module that holds dir: a nested module's test builds its parent's
// program with the parent's go.mod.
func Build(tb testing.TB, dir string) string {
	tb.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	builds.mu.Lock()
	if builds.bins == nil {
		builds.bins = map[string]*build{}
	}
	b := builds.bins[abs]
	if b == nil {
		b = &build{n: len(builds.bins)}
		builds.bins[abs] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() {
		builds.mu.Lock()
		if builds.dir == "" {
			builds.dir, b.err = os.MkdirTemp("", "binarytest")
		}
		// A folder a build, so that the program keeps its name.
		out := filepath.Join(builds.dir, strconv.Itoa(b.n), filepath.Base(abs))
		builds.mu.Unlock()
		if b.err != nil {
			return
		}
		if b.err = os.MkdirAll(filepath.Dir(out), 0o755); b.err != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", out, ".")
		cmd.Dir = abs
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build in %s: %v\n%s", dir, err, msg)
			return
		}
		b.path = out
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

// Buffer is an io.Writer safe to read while a program writes to it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Process is a program started by Start.
type Process struct {
	Cmd *exec.Cmd
	// Base is the base URL the program printed on its first line.
	Base string
	// Stderr is what the program wrote to its standard error, unless the
	// command had a writer of its own.
	Stderr *Buffer
	// Done receives the result of Cmd.Wait, once. A test that takes it puts
	// a value back, for the cleanup that waits for the process.
	Done chan error
}

// Start starts cmd, a dialoutmock command line that listens on
// 127.0.0.1:0, and returns once the base URL printed alone on the first
// line of its standard output answers /_mock/health. The process is killed
// at the end of the test.
func Start(tb testing.TB, cmd *exec.Cmd) *Process {
	tb.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	p := &Process{Cmd: cmd, Stderr: &Buffer{}, Done: make(chan error, 1)}
	if cmd.Stderr == nil {
		cmd.Stderr = p.Stderr
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() { // the first line is the base URL
			urls <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { p.Done <- cmd.Wait() }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-p.Done
	})
	select {
	case p.Base = <-urls:
	case err := <-p.Done:
		p.Done <- err // for the cleanup
		tb.Fatalf("%s exited: %v\n%s", filepath.Base(cmd.Path), err, p.Stderr)
	case <-time.After(60 * time.Second):
		tb.Fatalf("no URL printed in 60 s\n%s", p.Stderr)
	}
	for range 500 {
		if resp, err := http.Get(p.Base + "/_mock/health"); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("not healthy\n%s", p.Stderr)
	return nil
}

// Call sends a request and returns its status, headers and body; headers
// are name, value pairs.
func Call(tb testing.TB, method, link, body string, headers ...string) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, link, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// Control sends a control API request and returns its status and body.
func Control(tb testing.TB, method, url, body string) (int, []byte) {
	tb.Helper()
	status, _, b := Call(tb, method, url, body)
	return status, b
}

// Fetch GETs url with a bearer token and returns the body; any status but
// 200 fails the test.
func Fetch(tb testing.TB, url string) []byte {
	tb.Helper()
	status, _, b := Call(tb, http.MethodGet, url, "", "Authorization", "Bearer any")
	if status != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", url, status, b)
	}
	return b
}

// IdentityAnswer is the identity platform's error shape, and a token.
type IdentityAnswer struct {
	AccessToken string `json:"access_token"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// TenantToken asks the token endpoint of the mock at base for a token of
// tenant (a domain name or id) for the app.
func TenantToken(tb testing.TB, base, tenant, clientID, secret string) (int, IdentityAnswer) {
	tb.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
		"scope": {"https://graph.microsoft.com/.default"}}
	status, _, b := Call(tb, http.MethodPost, base+"/"+tenant+"/oauth2/v2.0/token", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	var a IdentityAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		tb.Fatalf("token endpoint answered %d %s", status, b)
	}
	return status, a
}

// Entry is a row of the report, its charge kept as written.
type Entry struct {
	UserID             string          `json:"userId"`
	UserPrincipalName  string          `json:"userPrincipalName"`
	UserDisplayName    string          `json:"userDisplayName"`
	UsageLocation      string          `json:"usageLocation"`
	DestinationContext string          `json:"destinationContext"`
	Currency           string          `json:"currency"`
	TotalCalls         int64           `json:"totalCalls"`
	TotalCallSeconds   int64           `json:"totalCallSeconds"`
	TotalCallCharge    json.RawMessage `json:"totalCallCharge"`
}

// Page is a page of the report.
type Page struct {
	Count    int     `json:"@odata.count"`
	NextLink string  `json:"@odata.nextLink"`
	Value    []Entry `json:"value"`
}
