package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

// binaries are dialoutmock and dialoutconform, built once for the package's tests into a
// directory TestMain removes.
var binaries struct {
	once          sync.Once
	dir           string
	mock, conform string
	err           error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// buildBinaries builds dialoutmock and dialoutconform, once.
func buildBinaries(t *testing.T) (mock, conform string) {
	t.Helper()
	binaries.once.Do(func() {
		binaries.dir, binaries.err = os.MkdirTemp("", "dialoutconform-e2e-")
		if binaries.err != nil {
			return
		}
		binaries.mock, binaries.conform = filepath.Join(binaries.dir, "dialoutmock"), filepath.Join(binaries.dir, "dialoutconform")
		for bin, pkg := range map[string]string{binaries.mock: "../dialoutmock", binaries.conform: "."} {
			if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
				binaries.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if binaries.err != nil {
		t.Fatal(binaries.err)
	}
	return binaries.mock, binaries.conform
}

// startRealMock runs the dialoutmock binary and waits for /_mock/health.
func startRealMock(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log", "off"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		first := true
		for sc.Scan() { // read to the end, so the mock never blocks on a full pipe
			if first { // dialoutmock prints its base URL alone on the first line
				urls <- sc.Text()
				first = false
			}
		}
		io.Copy(io.Discard, out)
	}()
	var base string
	select {
	case base = <-urls:
	case <-time.After(60 * time.Second):
		t.Fatal("dialoutmock printed no URL")
	}
	for i := 0; i < 500; i++ {
		if resp, err := http.Get(base + "/_mock/health"); err == nil {
			resp.Body.Close()
			return base
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("dialoutmock never became healthy")
	return ""
}

// TestRealBinariesConform runs dialoutconform against dialoutmock, both
// built from this repository: every MUST check passes (exit 0), in the mock
// profile at the default page size and at 7 (so paging checks have pages),
// with an admin key, and in the read-only graph profile.
func TestRealBinariesConform(t *testing.T) {
	mock, conform := buildBinaries(t)
	cases := []struct {
		name    string
		mockEnv []string
		mockArg []string
		args    []string
		env     []string
	}{
		{"mock profile, page size 1000", nil, nil, []string{"--profile", "mock"}, nil},
		{"mock profile, page size 7", nil, []string{"--page-size", "7"}, []string{"--profile", "mock"}, nil},
		{"mock profile, admin key", []string{"DIALOUTMOCK_ADMIN_KEY=k-1"}, []string{"--page-size", "50"}, []string{"--profile", "mock"}, []string{"DIALOUTCONFORM_ADMIN_KEY=k-1"}},
		{"graph profile", nil, []string{"--page-size", "7"}, []string{"--profile", "graph", "--max-rpm", "-1"}, []string{"DIALOUTCONFORM_TOKEN=opaque"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := startRealMock(t, mock, c.mockEnv, c.mockArg...)
			junit := filepath.Join(t.TempDir(), "junit.xml")
			cmd := exec.Command(conform, append([]string{"--base-url", base, "--junit", junit}, c.args...)...)
			cmd.Env = append(os.Environ(), c.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if errors.As(err, &exit) || err != nil {
				t.Fatalf("dialoutconform: %v\n%s", err, out)
			}
			b, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			var suites struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
				Errors   int `xml:"errors,attr"`
			}
			if err := xml.Unmarshal(b, &suites); err != nil {
				t.Fatalf("junit: %v", err)
			}
			if suites.Tests < 35 || suites.Errors != 0 {
				t.Errorf("junit: %d checks, %d errors; want at least 35 checks and no error\n%s", suites.Tests, suites.Errors, out)
			}
			summary := strings.TrimSpace(string(out))
			t.Logf("%s", summary[strings.LastIndexByte(summary, '\n')+1:])
			if suites.Failures > 0 {
				fmt.Fprintf(os.Stderr, "%s\n", out) // SHOULD failures: shown, not fatal
			}
		})
	}
}

// conformRun is one run of the dialoutconform binary.
type conformRun struct {
	code           int
	stdout, stderr string
}

func runConform(t *testing.T, bin string, env []string, args ...string) conformRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("dialoutconform: %v", err)
	}
	return conformRun{code, stdout.String(), stderr.String()}
}

// call sends one request to the mock and returns the body; another status than want fails the test.
func call(t *testing.T, method, url, body string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer any")
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil || rsp.StatusCode != want {
		t.Fatalf("%s %s = HTTP %d %s (%v), want %d", method, url, rsp.StatusCode, b, err, want)
	}
	return b
}

func statuses(t *testing.T, jsonReport string) map[string]string {
	t.Helper()
	var rep struct {
		Results []struct{ ID, Status, Reason string }
	}
	if err := json.Unmarshal([]byte(jsonReport), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, jsonReport)
	}
	out := map[string]string{}
	for _, r := range rep.Results {
		out[r.ID] = r.Status + " " + r.Reason
	}
	return out
}

// TestRealForeignNextLinks: behind a gateway whose nextLinks point elsewhere (here the mock's
// --public-url), only DR-PAGE-004 can judge; the checks that need the next pages do not pass.
func TestRealForeignNextLinks(t *testing.T) {
	mock, conform := buildBinaries(t)
	base := startRealMock(t, mock, nil, "--page-size", "7", "--users", "40", "--public-url", "http://foreign.invalid:9")
	got := runConform(t, conform, nil, "--base-url", base, "--json", "--run", "DR-PAGE-00[1-8]")
	if got.code != 1 {
		t.Errorf("exit code = %d, want 1 (DR-PAGE-004 fails)\n%s", got.code, got.stderr)
	}
	st := statuses(t, got.stdout)
	if !strings.HasPrefix(st["DR-PAGE-004"], "FAIL") {
		t.Errorf("DR-PAGE-004 = %s, want FAIL", st["DR-PAGE-004"])
	}
	for _, id := range []string{"DR-PAGE-005", "DR-PAGE-006", "DR-PAGE-007", "DR-PAGE-008"} {
		if !strings.HasPrefix(st[id], "SKIP") {
			t.Errorf("%s = %s, want SKIP: the kit could not follow the nextLinks", id, st[id])
		}
	}
}

// TestRealNoCheckSelected: a typo in --run exits 2 with a message, before any request.
func TestRealNoCheckSelected(t *testing.T) {
	_, conform := buildBinaries(t)
	got := runConform(t, conform, nil, "--base-url", "http://127.0.0.1:1", "--run", "DR-NOPE-999")
	if got.code != 2 || !strings.Contains(got.stderr, "DR-NOPE-999 matches no check ID") || got.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and a message naming DR-NOPE-999", got.code, got.stdout, got.stderr)
	}
}

// userScenario is a user's own dataset: six users with three calls each in the last 30 days, the
// first of each two hours before now (with late arrival, not arrived yet).
func userScenario(now time.Time) string {
	var users, calls []string
	for i := range 6 {
		id := fmt.Sprintf("7d0c3e2a-7d41-4f6e-8a9b-%012d", i+1)
		users = append(users, fmt.Sprintf(`{"id":%q,"userPrincipalName":"u%d@fabrikam.com","displayName":"Üser %d","usageLocation":"SE"}`, id, i+1, i+1))
		for j := range 3 {
			start := now.Truncate(24*time.Hour).AddDate(0, 0, -2-i-j*7).Add(9 * time.Hour)
			if j == 0 {
				start = now.Truncate(time.Second).Add(-2*time.Hour - time.Duration(i)*time.Minute)
			}
			calls = append(calls, fmt.Sprintf(`{"id":"8e1d2e3f-4a5b-4c6d-8e7f-%06d%06d","organizerId":%q,"startDateTime":%q,"duration":%d,"destinationContext":"Domestic","charge":"0.%02d","connectionCharge":0,"currency":"SEK"}`,
				i+1, j+1, id, start.Format(time.RFC3339), 60+j, 10+i+j))
		}
	}
	return `{"name":"mine","users":[` + strings.Join(users, ",") + `],"calls":[` + strings.Join(calls, ",") + `]}`
}

// TestRealLeavesTheMockAsFound: with the user's own scenario loaded, a fault queued and requests in
// the journal, a mock-profile run passes (the documented reset is no failure), says up front what
// it changes, and leaves the dataset and the fault as it found them: the very dataset version, every
// call (with late arrival, those not arrived yet too); --no-mutate also keeps the journal.
func TestRealLeavesTheMockAsFound(t *testing.T) {
	mock, conform := buildBinaries(t)
	tests := []struct {
		name    string
		mockArg []string
		kitArg  []string
		late    bool // some calls have not arrived
		lonely  bool // the scenario has a user without a call
	}{
		{"every call arrived", nil, nil, false, false},
		{"a user without a call", nil, nil, false, true},
		// DR-LEDGER-010's scenario has a call of Int32-max seconds, which ends in 2093: with late
		// arrival it never arrives, and the check cannot see its row.
		{"late arrival", []string{"--arrival-delay", "24h-48h"}, []string{"--skip", "DR-LEDGER-010"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := startRealMock(t, mock, nil, append([]string{"--users", "40"}, tt.mockArg...)...)
			scenario := userScenario(time.Now().UTC())
			if tt.lonely {
				scenario = strings.Replace(scenario, `"users":[`, `"users":[{"id":"7d0c3e2a-7d41-4f6e-8a9b-000000000099","userPrincipalName":"quiet@fabrikam.com","displayName":"Quiet","usageLocation":"NO"},`, 1)
			}
			call(t, http.MethodPut, base+"/_mock/dataset?name=mine", scenario, 200)
			call(t, http.MethodPost, base+"/_mock/faults", `{"path":"/beta/users","times":3,"status":500}`, 201)
			call(t, http.MethodGet, base+"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-01-01,toDateTime=2026-01-02)", "", 200)
			// snapshot reads the state a run must leave as it found it. A call may arrive while the
			// kit runs, so the count of those arrived is left out of the summary.
			snapshot := func() (calls, faults, dataset string, arrived, all float64) {
				var sum map[string]any
				if err := json.Unmarshal(call(t, http.MethodGet, base+"/_mock/dataset", "", 200), &sum); err != nil {
					t.Fatal(err)
				}
				arrived, _ = sum["arrivedCalls"].(float64)
				all, _ = sum["calls"].(float64)
				delete(sum, "arrivedCalls")
				ds, _ := json.Marshal(sum)
				return string(call(t, http.MethodGet, base+"/_mock/calls?arrived=all", "", 200)), string(call(t, http.MethodGet, base+"/_mock/faults", "", 200)), string(ds), arrived, all
			}
			calls, faults, dataset, arrived, all := snapshot()
			if late := arrived < all; late != tt.late || all != 18 {
				t.Fatalf("GET /_mock/dataset before the run: %v of %v calls arrived; want 18 calls, some not arrived: %v", arrived, all, tt.late)
			}
			var health struct{ DatasetVersion string }
			if err := json.Unmarshal(call(t, http.MethodGet, base+"/_mock/health", "", 200), &health); err != nil {
				t.Fatal(err)
			}
			version := health.DatasetVersion

			got := runConform(t, conform, nil, append([]string{"--base-url", base}, tt.kitArg...)...)
			if got.code != 0 {
				t.Fatalf("exit code = %d, want 0\n%s\n%s", got.code, got.stdout, got.stderr)
			}
			notice := strings.Index(got.stderr, "DR-LEDGER-011, DR-LEDGER-012, DR-LEDGER-013, DR-LEDGER-014 change the mock's state")
			first := strings.Index(got.stderr, "] PASS")
			if notice < 0 || first < 0 || notice > first {
				t.Errorf("stderr does not say what the run changes before the first check:\n%s", got.stderr)
			}
			for _, want := range []string{"empties its request journal (1 request in it now)", "the 1 queued fault it sets aside",
				"the journal it cannot put back",
				"the kit loads back the copy of its 18 calls it took now (GET /_mock/calls?arrived=all, every call, arrived or not;",
				"Put back the dataset it found exactly: the mock serves version " + version + " again", "Queued again the 1 fault"} {
				if !strings.Contains(got.stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, got.stderr)
				}
			}
			c2, f2, d2, _, _ := snapshot()
			if err := json.Unmarshal(call(t, http.MethodGet, base+"/_mock/health", "", 200), &health); err != nil {
				t.Fatal(err)
			}
			if health.DatasetVersion != version {
				t.Errorf("dataset version after the run = %s, want %s, the version the run found", health.DatasetVersion, version)
			}
			if c2 != calls {
				t.Errorf("GET /_mock/calls?arrived=all after the run:\n%s\nwant the user's:\n%s", c2, calls)
			}
			if f2 != faults || d2 != dataset {
				t.Errorf("after the run: faults %s, dataset %s\nwant faults %s, dataset %s", f2, d2, faults, dataset)
			}

			journal := func() []string {
				var entries []struct{ Method, Path string }
				if err := json.Unmarshal(call(t, http.MethodGet, base+"/_mock/requests", "", 200), &entries); err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, e := range entries {
					out = append(out, e.Method+" "+e.Path)
				}
				return out
			}
			call(t, http.MethodGet, base+"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-01-01,toDateTime=2026-01-03)", "", 200)
			before := journal()
			got = runConform(t, conform, nil, "--base-url", base, "--no-mutate")
			if got.code != 0 || !strings.Contains(got.stdout, "changes the server's state, and NoMutate (--no-mutate)") {
				t.Fatalf("--no-mutate: exit code = %d, want 0 and the checks that change state skipped\n%s\n%s", got.code, got.stdout, got.stderr)
			}
			if !strings.Contains(got.stderr, "1 fault is queued on the mock") {
				t.Errorf("--no-mutate does not warn of the queued fault:\n%s", got.stderr)
			}
			if after := journal(); len(after) <= len(before) || !slices.Equal(after[:len(before)], before) {
				t.Errorf("--no-mutate: the journal went from %d to %d entries, want the old ones kept and the run's added", len(before), len(after))
			}
			if err := json.Unmarshal(call(t, http.MethodGet, base+"/_mock/health", "", 200), &health); err != nil || health.DatasetVersion != version {
				t.Errorf("--no-mutate: dataset version %s (%v), want %s", health.DatasetVersion, err, version)
			}
			if _, f3, _, _, _ := snapshot(); f3 != faults {
				t.Errorf("--no-mutate: faults %s, want %s", f3, faults)
			}
		})
	}
}

// TestRealRateCapAndHeader: the graph profile says on stderr that it waits on the cap, and --header
// reaches the server on every request without showing in any output.
func TestRealRateCapAndHeader(t *testing.T) {
	mock, conform := buildBinaries(t)
	base := startRealMock(t, mock, nil, "--users", "40", "--page-size", "50")
	got := runConform(t, conform, []string{"DIALOUTCONFORM_TOKEN=opaque"}, "--base-url", base, "--profile", "graph", "--max-rpm", "1200",
		"--run", "DR-ENV-00[1-5]", "--header", "X-Api-Key: gw-key-5e6f", "--json")
	if got.code != 0 {
		t.Fatalf("exit code = %d\n%s", got.code, got.stderr)
	}
	if !regexp.MustCompile(`dialoutconform: waiting (\d+\.\d s|\d+ ms) for the 1200 requests/min cap \((about \d+ s left for \d+ planned requests|the time left is known once the report of \[From, To\] is read)\)`).MatchString(got.stderr) {
		t.Errorf("stderr does not show the wait on the cap:\n%s", got.stderr)
	}
	if strings.Contains(got.stdout+got.stderr, "gw-key-5e6f") {
		t.Error("an output holds the --header value")
	}
	var entries []struct {
		Path    string
		Headers map[string]string
	}
	if err := json.Unmarshal(call(t, http.MethodGet, base+"/_mock/requests", "", 200), &entries); err != nil || len(entries) == 0 {
		t.Fatalf("journal: %v, %d entries", err, len(entries))
	}
	for _, e := range entries {
		if e.Headers["X-Api-Key"] != "gw-key-5e6f" {
			t.Errorf("%s reached the mock with X-Api-Key %q", e.Path, e.Headers["X-Api-Key"])
		}
	}
}

// TestRealShortTokenRedacted: a three-letter token, echoed by a server, is in no output of the binary.
func TestRealShortTokenRedacted(t *testing.T) {
	_, conform := buildBinaries(t)
	srv := tinyServerWith(t, tinyOptions{echo: true})
	dir := t.TempDir()
	junit, html := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")
	got := runConform(t, conform, []string{"DIALOUTCONFORM_TOKEN=ab1"}, "--base-url", srv.URL, "--profile", "graph", "--max-rpm", "-1",
		"--run", "DR-ENV-001,DR-PARAM-018,DR-ERR-002", "--junit", junit, "--html", html)
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1\n%s", got.code, got.stderr)
	}
	xmlText, _ := os.ReadFile(junit)
	htmlText, _ := os.ReadFile(html)
	alone := regexp.MustCompile(`(^|[^A-Za-z0-9._~+/-])ab1($|[^A-Za-z0-9._~+/-])`)
	for name, text := range map[string]string{"stdout": got.stdout, "stderr": got.stderr, "junit": string(xmlText), "html": string(htmlText)} {
		if m := alone.FindString(text); m != "" {
			t.Errorf("%s holds the token: %q", name, m)
		}
	}
	if !strings.Contains(got.stdout, "you sent Bearer <redacted>") {
		t.Errorf("the text report does not show the echo, redacted: the test shows nothing\n%s", got.stdout)
	}
}
