package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/internal/binarytest"
	"github.com/dialoutkit/dialoutkit/internal/cli"
)

// syncBuffer is an io.Writer safe to read while run writes to it.
type syncBuffer = binarytest.Buffer

// printedBase is the base URL dialoutmock prints alone on the first line of
// its standard output, once that line is complete.
func printedBase(stdout string) (string, bool) {
	line, _, complete := strings.Cut(stdout, "\n")
	return line, complete
}

// startMock runs the real program in process with args on 127.0.0.1:0 and
// returns its base URL once /_mock/health answers. It stops at test end and
// checks that run returned nil.
func startMock(tb testing.TB, env map[string]string, args ...string) string {
	tb.Helper()
	base, _, _ := startMockOutput(tb, env, args...)
	return base
}

// startMockOutput is startMock that also returns what run writes.
func startMockOutput(tb testing.TB, env map[string]string, args ...string) (base string, stdout, stderr *syncBuffer) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	argv := append([]string{"dialoutmock", "--addr", "127.0.0.1:0"}, args...)
	go func() { done <- run(ctx, argv, func(k string) string { return env[k] }, stdout, stderr) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("run returned %v; stderr:\n%s", err, stderr)
			}
		case <-time.After(15 * time.Second):
			tb.Errorf("run did not return after cancel")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			tb.Fatalf("run ended early: %v\nstderr:\n%s", err, stderr)
		default:
		}
		if base, ok := printedBase(stdout.String()); ok {
			resp, err := http.Get(base + "/_mock/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return base, stdout, stderr
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("no healthy server within 60 s; stdout:\n%s\nstderr:\n%s", stdout, stderr)
	return "", nil, nil
}

// fetch GETs url with a bearer token and returns the body; any status but
// 200 fails the test.
var fetch = binarytest.Fetch

type (
	entry = binarytest.Entry
	page  = binarytest.Page
)

// allRows follows nextLinks from url and returns every entry.
func allRows(tb testing.TB, url string) []entry {
	tb.Helper()
	var rows []entry
	for n := 0; url != ""; n++ {
		var p page
		if err := json.Unmarshal(fetch(tb, url), &p); err != nil {
			tb.Fatal(err)
		}
		rows = append(rows, p.Value...)
		url = p.NextLink
		if n > 10000 {
			tb.Fatal("nextLink loop")
		}
	}
	return rows
}

const fn = binarytest.ReportPath

func TestServesRealisticRowsForTheLast30Days(t *testing.T) {
	base := startMock(t, nil)
	now := time.Now().UTC()
	url := fmt.Sprintf("%s%s(fromDateTime=%s,toDateTime=%s)", base, fn,
		now.AddDate(0, 0, -30).Format(time.DateOnly), now.Format(time.DateOnly))
	rows := allRows(t, url)
	locs, curs, ctxs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		locs[r.UsageLocation], curs[r.Currency], ctxs[r.DestinationContext] = true, true, true
	}
	if len(rows) < 50 || len(locs) < 5 || len(curs) < 4 || len(ctxs) != 2 {
		t.Errorf("last 30 days: %d rows, %d locations, %d currencies, %d contexts; want a realistic tenant (≥50, ≥5, ≥4, 2)",
			len(rows), len(locs), len(curs), len(ctxs))
	}
}

func TestTwoInstancesAgreeByteForByte(t *testing.T) {
	args := []string{"--window-end", "2026-11-01", "--users", "120"}
	a, b := startMock(t, nil, args...), startMock(t, nil, args...)
	for _, r := range []string{"(fromDateTime=2026-08-03,toDateTime=2026-11-01)", "(fromDateTime=2026-10-01,toDateTime=2026-10-02)"} {
		for _, q := range []string{"", "?$skip=3&$top=40"} {
			x, y := fetch(t, a+fn+r+q), fetch(t, b+fn+r+q)
			x = bytes.ReplaceAll(x, []byte(a), []byte("BASE"))
			y = bytes.ReplaceAll(y, []byte(b), []byte("BASE"))
			if !bytes.Equal(x, y) {
				t.Errorf("%s%s: bodies differ between two instances with the same flags", r, q)
			}
		}
	}
}

func TestPageSize7WalksToThePageSize1000Rows(t *testing.T) {
	args := []string{"--window-end", "2026-11-01", "--users", "60"}
	small := startMock(t, nil, append(args, "--page-size", "7")...)
	big := startMock(t, nil, args...)
	r := "(fromDateTime=2026-08-03,toDateTime=2026-11-01)"
	want := allRows(t, big+fn+r)
	got := allRows(t, small+fn+r)
	if len(want) <= 7*3 {
		t.Fatalf("only %d rows: the test needs several pages", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows through nextLinks at page size 7 (-page 1000 +page 7):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, e := range got {
		k := e.UserID + e.UsageLocation + e.DestinationContext + e.Currency
		if seen[k] {
			t.Errorf("row %s returned twice", k)
		}
		seen[k] = true
	}
}

func TestAddingUsersKeepsTheFirstUsersRows(t *testing.T) {
	a := startMock(t, nil, "--window-end", "2026-11-01", "--users", "80")
	b := startMock(t, nil, "--window-end", "2026-11-01", "--users", "130")
	r := "(fromDateTime=2026-09-01,toDateTime=2026-11-01)"
	small, large := allRows(t, a+fn+r), allRows(t, b+fn+r)
	users := map[string]bool{}
	for _, e := range small {
		users[e.UserID] = true
	}
	var kept []entry
	for _, e := range large {
		if users[e.UserID] {
			kept = append(kept, e)
		}
	}
	if diff := cmp.Diff(small, kept); diff != "" {
		t.Errorf("rows of the first 80 users change with 50 more users (-80 users +130 users):\n%s", diff)
	}
	if len(large) <= len(small) {
		t.Errorf("130 users give %d rows, 80 give %d: the new users have no calls?", len(large), len(small))
	}
}

func TestPastRangeDoesNotDependOnWindowEnd(t *testing.T) {
	a := startMock(t, nil, "--window-end", "2026-11-01", "--users", "80")
	b := startMock(t, nil, "--window-end", "2026-12-01", "--users", "80")
	r := "(fromDateTime=2026-09-01T06:00:00Z,toDateTime=2026-10-15T18:30:00Z)"
	x, y := allRows(t, a+fn+r), allRows(t, b+fn+r)
	if len(x) == 0 {
		t.Fatal("no rows in the range")
	}
	if diff := cmp.Diff(x, y); diff != "" {
		t.Errorf("a fixed past range changes with --window-end (-2026-11-01 +2026-12-01):\n%s", diff)
	}
}

// TestFirstLineIsTheBaseURL: programs that start the mock on :0 read its URL
// from the first line of its output, alone on the line; the banner follows.
func TestFirstLineIsTheBaseURL(t *testing.T) {
	base, stdout, _ := startMockOutput(t, nil, "--window-end", "2026-11-01", "--users", "5")
	lines := strings.Split(stdout.String(), "\n")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+$`).MatchString(lines[0]) || lines[0] != base {
		t.Errorf("first line = %q, want the base URL %s alone", lines[0], base)
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "dialoutmock serving ") {
		t.Errorf("second line = %q, want the banner", lines[1:])
	}
}

// TestBannerNamesTheDashboard: the start banner prints the page's URL.
func TestBannerNamesTheDashboard(t *testing.T) {
	base, stdout, _ := startMockOutput(t, nil, "--window-end", "2026-11-01", "--users", "5")
	if want := "dashboard: " + base + "/_mock/ui/\n"; !strings.Contains(stdout.String(), want) {
		t.Errorf("start-up output lacks %q:\n%s", want, stdout)
	}
}

func TestHelpExitsZero(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"dialoutmock", "-h"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Errorf("run -h = %v, want nil", err)
	}
	for _, name := range []string{"-addr", "-public-url", "-seed", "-users", "-window-days", "-window-end", "-scenario", "-page-size", "-auth", "-log", "DIALOUTMOCK_"} {
		if !strings.Contains(stderr.String(), name) {
			t.Errorf("usage does not mention %s", name)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want func(config) any
		exp  any
	}{
		{"default users", nil, nil, func(c config) any { return c.spec.Users }, 300},
		{"env users", nil, map[string]string{"DIALOUTMOCK_USERS": "40"}, func(c config) any { return c.spec.Users }, 40},
		{"flag beats env", []string{"--users", "7"}, map[string]string{"DIALOUTMOCK_USERS": "40"}, func(c config) any { return c.spec.Users }, 7},
		{"default addr", nil, nil, func(c config) any { return c.addr }, "127.0.0.1:8080"},
		{"env addr", nil, map[string]string{"DIALOUTMOCK_ADDR": "0.0.0.0:9"}, func(c config) any { return c.addr }, "0.0.0.0:9"},
		{"default window end is today", nil, nil, func(c config) any { return c.spec.WindowEnd.Format(time.DateOnly) }, "2026-11-26"},
		{"env window end", nil, map[string]string{"DIALOUTMOCK_WINDOW_END": "2026-01-31"}, func(c config) any { return c.spec.WindowEnd.Format(time.DateOnly) }, "2026-01-31"},
		{"flag window end", []string{"--window-end=2026-02-01"}, map[string]string{"DIALOUTMOCK_WINDOW_END": "2026-01-31"}, func(c config) any { return c.spec.WindowEnd.Format(time.DateOnly) }, "2026-02-01"},
		{"env page size", nil, map[string]string{"DIALOUTMOCK_PAGE_SIZE": "7"}, func(c config) any { return c.pageSize }, 7},
		{"env auth", nil, map[string]string{"DIALOUTMOCK_AUTH": "none"}, func(c config) any { return string(c.auth) }, "none"},
		{"flag auth", []string{"--auth", "lenient"}, map[string]string{"DIALOUTMOCK_AUTH": "none"}, func(c config) any { return string(c.auth) }, "lenient"},
		{"env public url", nil, map[string]string{"DIALOUTMOCK_PUBLIC_URL": "https://mock.example:8443"}, func(c config) any { return c.publicURL.String() }, "https://mock.example:8443"},
		{"env seed", nil, map[string]string{"DIALOUTMOCK_SEED": "42"}, func(c config) any { return c.spec.Seed }, int64(42)},
		{"env log", nil, map[string]string{"DIALOUTMOCK_LOG": "json"}, func(c config) any { return c.logFormat }, "json"},
		{"env window days", nil, map[string]string{"DIALOUTMOCK_WINDOW_DAYS": "30"}, func(c config) any { return c.spec.WindowDays }, 30},
		{"env scenario", nil, map[string]string{"DIALOUTMOCK_SCENARIO": "x.json"}, func(c config) any { return c.scenario }, "x.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard, today)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.want(cfg); got != c.exp {
				t.Errorf("got %v, want %v", got, c.exp)
			}
		})
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"DIALOUTMOCK_USERS": "many"}, "DIALOUTMOCK_USERS"},
		{[]string{"--users", "many"}, nil, "-users"},
		{[]string{"--page-size", "1001"}, nil, "--page-size"},
		{[]string{"--auth", "maybe"}, nil, "--auth"},
		{[]string{"--log", "xml"}, nil, "--log"},
		{[]string{"--window-end", "26/11/2026"}, nil, "--window-end"},
		{[]string{"--public-url", "ftp://x"}, nil, "--public-url"},
		{[]string{"--addr", "8080"}, nil, "--addr"},
		{[]string{"--seed", "0"}, nil, "seed"},
		{[]string{"stray"}, nil, "stray"},
		// Settings the generator and the server validate: the message names
		// the flag, not the Go field.
		{[]string{"--seed", "0"}, nil, "--seed: "},
		{[]string{"--users", "0"}, nil, "--users: "},
		{nil, map[string]string{"DIALOUTMOCK_USERS": "0"}, "--users: "},
		{[]string{"--window-days", "0"}, nil, "--window-days: "},
		{[]string{"--window-end", "1960-01-01"}, nil, "--window-end: "},
		{[]string{"--domain", "localhost"}, nil, "--domain: "},
		{[]string{"--intensity", "-1"}, nil, "--intensity: "},
		{[]string{"--international-share", "1.5"}, nil, "--international-share: "},
		{[]string{"--page-size", "0"}, nil, "--page-size: "},
		{[]string{"--page-size", "1001"}, nil, "--page-size: "},
		{nil, map[string]string{"DIALOUTMOCK_PAGE_SIZE": "0"}, "--page-size: "},
		{[]string{"--auth", "maybe"}, nil, "--auth: "},
		{[]string{"--journal-size", "0"}, nil, "--journal-size: "},
		{[]string{"--journal-size", "1000001"}, nil, "--journal-size: "},
		{[]string{"--fault-rate", "-0.5"}, nil, "--fault-rate: "},
		{[]string{"--fault-rate", "2"}, nil, "--fault-rate: "},
		{[]string{"--fault-rate", "NaN"}, nil, "--fault-rate: "},
		{[]string{"--latency", "6m"}, nil, "--latency: "},
		{[]string{"--latency", "200ms-20ms"}, nil, "--latency: "},
		{[]string{"--latency", "soon"}, nil, "--latency "},
		{[]string{"--throttle", "0/1s"}, nil, "--throttle "},
		{[]string{"--public-url", "ftp://x"}, nil, "--public-url: "},
		{[]string{"--public-url", "http://x/?a=1"}, nil, "--public-url: "},
		{[]string{"--public-url", "http://x/#top"}, nil, "--public-url: "},
		{[]string{"--public-url", "http://[::1"}, nil, "--public-url "},
	}
	for _, c := range cases {
		_, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard, today)
		if !cli.IsUsage(err) || !strings.Contains(err.Error(), c.want) || exitCode(err) != cli.ExitUsage {
			t.Errorf("parseConfig(%v, %v) = %v, want a usage error naming %s", c.args, c.env, err, c.want)
		}
	}
}

func TestBadScenarioFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.json")
	os.WriteFile(path, []byte(`{"users":[],"calls":[{"id":"x","organizerId":"nobody"}]}`), 0o600)
	err := run(context.Background(), []string{"dialoutmock", "--addr", "127.0.0.1:0", "--scenario", path}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "/calls/0/organizerId") {
		t.Errorf("run with a bad scenario = %v, want an error naming /calls/0/organizerId", err)
	}
}

func TestGOMAXPROCSDoesNotChangeBodies(t *testing.T) {
	bodies := func(procs int) [][]byte {
		prev := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(prev)
		base := startMock(t, nil, "--window-end", "2026-11-01", "--users", "400")
		var out [][]byte
		for _, r := range []string{"(fromDateTime=2026-08-03,toDateTime=2026-11-01)", "(fromDateTime=2026-08-03,toDateTime=2026-11-01)?$skip=1000"} {
			out = append(out, bytes.ReplaceAll(fetch(t, base+fn+r), []byte(base), nil))
		}
		return out
	}
	one, four := bodies(1), bodies(4)
	for i := range one {
		if !bytes.Equal(one[i], four[i]) {
			t.Errorf("body %d differs between GOMAXPROCS=1 and 4", i)
		}
	}
}

func TestPprofOnlyWhenAsked(t *testing.T) {
	off := startMock(t, nil, "--window-end", "2026-11-01")
	resp, err := http.Get(off + "/_mock/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("without --pprof: %d, want 404", resp.StatusCode)
	}
	on := startMock(t, map[string]string{"DIALOUTMOCK_ADMIN_KEY": "k"}, "--window-end", "2026-11-01", "--pprof")
	for key, want := range map[string]int{"": 401, "k": 200} {
		req, _ := http.NewRequest(http.MethodGet, on+"/_mock/debug/pprof/goroutine?debug=1", nil)
		req.Header.Set("X-Admin-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200 && !bytes.Contains(b, []byte("goroutine profile"))) {
			t.Errorf("--pprof, key %q: %d %.80s, want %d", key, resp.StatusCode, b, want)
		}
	}
}
