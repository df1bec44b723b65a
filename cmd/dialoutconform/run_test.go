package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/conformance"
)

const secret = "cli-secret-token-4e5f6a7b8c9d"

// tinyServer answers every report request with one fixed page, and 401 without a token: enough for
// the ENV, SCHEMA and AUTH-001 checks. The full reference server lives in package conformance's tests;
// these tests are about the command, not the checks.
func tinyServer(tb testing.TB, brokenContentType bool) *httptest.Server {
	return tinyServerWith(tb, tinyOptions{brokenContentType: brokenContentType})
}

// tinyOptions break the tiny server in one way each.
type tinyOptions struct {
	brokenContentType bool // text/json on report pages
	throttleNoToken   bool // a request without a token stays throttled (429) instead of 401
	echo              bool // every answer echoes the Authorization and X-Api-Key sent, in a header and an error
	textErrors        bool // errors are text/plain "404 page not found"
}

func tinyServerWith(tb testing.TB, opt tinyOptions) *httptest.Server {
	tb.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := fmt.Sprintf("aaaaaaaa-bbbb-4ccc-8ddd-%012d", n.Add(1))
		crid := r.Header.Get("client-request-id")
		if crid == "" {
			crid = rid
		}
		w.Header().Set("request-id", rid)
		w.Header().Set("client-request-id", crid)
		w.Header().Set("OData-Version", "4.0")
		if opt.echo {
			w.Header().Set("X-Echo", r.Header.Get("Authorization")+" "+r.Header.Get("X-Api-Key"))
			if strings.Contains(r.URL.Path, "/v1.0/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				fmt.Fprintf(w, `{"error":{"code":"BadRequest","message":"you sent %s and %s","innerError":{"date":"2026-11-26T12:00:00","request-id":%q,"client-request-id":%q}}}`,
					r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), rid, crid)
				return
			}
		}
		if a := r.Header.Get("Authorization"); (a == "" || a == "Bearer ") && opt.textErrors {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(404)
			fmt.Fprintln(w, "404 page not found")
			return
		}
		if a := r.Header.Get("Authorization"); (a == "" || a == "Bearer ") && opt.throttleNoToken {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(429)
			fmt.Fprintf(w, `{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"date":"2026-11-26T12:00:00","request-id":%q,"client-request-id":%q}}}`, rid, crid)
			return
		}
		if a := r.Header.Get("Authorization"); a == "" || a == "Bearer " {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty.","innerError":{"date":"2026-11-26T12:00:00","request-id":%q,"client-request-id":%q}}}`, rid, crid)
			return
		}
		ct := "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
		if opt.brokenContentType {
			ct = "text/json"
		}
		w.Header().Set("Content-Type", ct)
		fmt.Fprintf(w, `{"@odata.context":"http://%s/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)","@odata.count":1,"value":[`+
			`{"userId":"0d3f1a6e-5b7c-4e2a-9f10-1c2d3e4f5a6b","userPrincipalName":"ana@contoso.com","userDisplayName":"Ana","usageLocation":"BR",`+
			`"destinationContext":"International","currency":"BRL","totalCalls":3,"totalCallSeconds":912,"totalCallCharge":12.83}]}`, r.Host)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

var tinyChecks = []string{"--run", "DR-ENV-00[1-9]", "--run", "DR-SCHEMA,DR-AUTH-001"}

type result struct {
	code           int
	stdout, stderr string
	err            error
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), append([]string{"dialoutconform"}, args...), getenv, &stdout, &stderr)
	return result{exitCode(err), stdout.String(), stderr.String(), err}
}

func TestExitCodes(t *testing.T) {
	good := tinyServer(t, false)
	broken := tinyServer(t, true)
	throttled := tinyServerWith(t, tinyOptions{throttleNoToken: true})
	both := tinyServerWith(t, tinyOptions{brokenContentType: true, throttleNoToken: true})
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"help", nil, []string{"-h"}, 0},
		{"list", nil, []string{"--list"}, 0},
		{"all MUST pass", nil, append([]string{"--base-url", good.URL}, tinyChecks...), 0},
		{"a MUST fails", nil, append([]string{"--base-url", broken.URL}, tinyChecks...), 1},
		{"server down", nil, append([]string{"--base-url", down.URL}, tinyChecks...), 2},
		// DR-AUTH-001 (MUST) cannot run: its request stays throttled. ERROR is the kit's, not the server's.
		{"a MUST check the kit could not run", nil, []string{"--base-url", throttled.URL, "--run", "DR-ENV-001,DR-AUTH-001"}, 2},
		// The worst status wins: an ERROR beside a MUST FAIL.
		{"a MUST fails and a MUST errs", nil, []string{"--base-url", both.URL, "--run", "DR-ENV-002,DR-AUTH-001"}, 2},
		{"no base URL", nil, nil, 2},
		{"unknown flag", nil, []string{"--base-url", good.URL, "--frobnicate"}, 2},
		{"extra argument", nil, []string{"--base-url", good.URL, "now"}, 2},
		{"bad profile", nil, []string{"--base-url", good.URL, "--profile", "prod"}, 2},
		{"graph without token", nil, []string{"--base-url", good.URL, "--profile", "graph"}, 2},
		{"bad --from", nil, []string{"--base-url", good.URL, "--from", "yesterday"}, 2},
		{"range over 90 days", nil, []string{"--base-url", good.URL, "--from", "2026-01-01", "--to", "2026-06-01"}, 2},
		{"bad env integer", map[string]string{"DIALOUTCONFORM_MAX_RPM": "many"}, []string{"--base-url", good.URL}, 2},
		{"bad selector", nil, []string{"--base-url", good.URL, "--run", "DR-("}, 2},
		{"no check selected", nil, []string{"--base-url", good.URL, "--run", "DR-NOPE-999"}, 2},
		{"skip removes every check", nil, []string{"--base-url", good.URL, "--run", "DR-ENV", "--skip", "ENV"}, 2},
		{"list selects nothing", nil, []string{"--list", "--run", "DR-NOPE-999"}, 2},
		{"graph profile, mock checks only", map[string]string{"DIALOUTCONFORM_TOKEN": "t"}, []string{"--base-url", good.URL, "--profile", "graph", "--run", "DR-LEDGER"}, 2},
		{"no-mutate, checks that change state only", nil, []string{"--base-url", good.URL, "--no-mutate", "--run", "DR-LEDGER-01"}, 2},
		{"header without a colon", nil, []string{"--base-url", good.URL, "--header", "X-Api-Key"}, 2},
		{"header the kit sets", nil, []string{"--base-url", good.URL, "--header", "Authorization: Bearer x"}, 2},
		{"bad header variable", map[string]string{"DIALOUTCONFORM_HEADER": "nocolon"}, []string{"--base-url", good.URL}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCLI(t, tt.env, tt.args...)
			if got.code != tt.want {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, tt.want, got.stdout, got.stderr)
			}
		})
	}
}

// TestMustNotMetCountsErrors shows the command counts MUST checks not met as the report does
// (Summary.MustFailed: failed or could not run), in its summary line and its error alike.
func TestMustNotMetCountsErrors(t *testing.T) {
	srv := tinyServerWith(t, tinyOptions{brokenContentType: true, throttleNoToken: true})
	got := runCLI(t, nil, "--base-url", srv.URL, "--run", "DR-ENV-001,DR-ENV-002,DR-AUTH-001", "--json")
	var rep conformance.Report
	if err := json.Unmarshal([]byte(got.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, got.stdout)
	}
	if rep.Summary.MustFailed != 2 || rep.Summary.Errors != 1 || rep.Summary.Failed != 1 {
		t.Fatalf("summary = %+v, want DR-ENV-002 FAIL and DR-AUTH-001 ERROR, 2 MUST not met", rep.Summary)
	}
	if got.code != 2 {
		t.Errorf("exit code = %d, want 2 (an ERROR is worse than a FAIL)", got.code)
	}
	if !strings.Contains(got.stderr, "(2 MUST not met)") {
		t.Errorf("the summary line does not count 2 MUST not met:\n%s", got.stderr)
	}
	if got.err == nil || !strings.Contains(got.err.Error(), "(2 MUST checks not met)") {
		t.Errorf("run = %v, want an error counting 2 MUST checks not met", got.err)
	}
}

// TestNoCheckSelected: a typo in --run must not turn CI green; the message says what matched nothing.
func TestNoCheckSelected(t *testing.T) {
	srv := tinyServer(t, false)
	got := runCLI(t, nil, "--base-url", srv.URL, "--run", "DR-NOPE-999")
	if got.code != 2 || got.err == nil || !strings.Contains(got.err.Error(), "DR-NOPE-999 matches no check ID") || !strings.Contains(got.err.Error(), "--list") {
		t.Errorf("exit %d, error %v; want 2 and a message naming DR-NOPE-999 and --list", got.code, got.err)
	}
	if strings.Contains(got.stdout+got.stderr, "PASS") {
		t.Errorf("a run of nothing printed a verdict:\n%s%s", got.stdout, got.stderr)
	}
}

// TestShortTokenRedacted: a token of a few characters, echoed by the server, is in no output.
func TestShortTokenRedacted(t *testing.T) {
	srv := tinyServerWith(t, tinyOptions{echo: true})
	dir := t.TempDir()
	junit, html := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")
	for _, token := range []string{"k", "ab1", "Zq9-x7Y"} {
		t.Run(token, func(t *testing.T) {
			got := runCLI(t, map[string]string{"DIALOUTCONFORM_TOKEN": token}, "--base-url", srv.URL, "--profile", "graph", "--max-rpm", "-1",
				"--json", "--junit", junit, "--html", html, "--run", "DR-ENV-001,DR-PARAM-018,DR-ERR-002", "--header", "X-Api-Key: q7")
			if got.code != 1 {
				t.Fatalf("exit code = %d, want 1 (DR-PARAM-018 fails)\n%s", got.code, got.stderr)
			}
			xmlText, _ := os.ReadFile(junit)
			htmlText, _ := os.ReadFile(html)
			alone := regexp.MustCompile(`(^|[^A-Za-z0-9._~+/-])(` + regexp.QuoteMeta(token) + `|q7)($|[^A-Za-z0-9._~+/-])`)
			for name, text := range map[string]string{"stdout": got.stdout, "stderr": got.stderr, "junit": string(xmlText), "html": string(htmlText)} {
				if m := alone.FindString(text); m != "" {
					t.Errorf("%s holds a secret: %q", name, m)
				}
			}
			if !strings.Contains(got.stdout, `you sent Bearer \u003credacted\u003e and \u003credacted\u003e`) {
				t.Errorf("the JSON report does not show the server's echo, redacted: the test shows nothing\n%s", got.stdout)
			}
		})
	}
}

// TestNonJSONErrorBody: a gateway's text error is reported as not JSON.
func TestNonJSONErrorBody(t *testing.T) {
	srv := tinyServerWith(t, tinyOptions{textErrors: true})
	got := runCLI(t, nil, "--base-url", srv.URL, "--run", "DR-AUTH-001,DR-ERR-001")
	if got.code != 1 || !strings.Contains(got.stdout, `the body is not JSON: "404 page not found\n"`) || strings.Contains(got.stdout, "Invalid type") {
		t.Errorf("exit %d; want 1 and DR-ERR-001 saying the body is not JSON:\n%s", got.code, got.stdout)
	}
}

// TestRateCapWaitOnStderr: a capped run says on stderr that it waits, and about how long is left.
func TestRateCapWaitOnStderr(t *testing.T) {
	srv := tinyServer(t, false)
	got := runCLI(t, map[string]string{"DIALOUTCONFORM_TOKEN": "t"}, "--base-url", srv.URL, "--profile", "graph", "--max-rpm", "3000", "--run", "DR-ENV-00[1-5]")
	if got.code != 0 {
		t.Fatalf("exit code = %d\n%s", got.code, got.stderr)
	}
	if !regexp.MustCompile(`(?m)^dialoutconform: waiting (\d+\.\d s|\d+ ms) for the 3000 requests/min cap \(about \d+ s left for \d+ planned requests\)$`).MatchString(got.stderr) {
		t.Errorf("stderr does not show the wait:\n%s", got.stderr)
	}
}

func TestList(t *testing.T) {
	got := runCLI(t, nil, "--list")
	for _, c := range conformance.Catalogue() {
		if !strings.Contains(got.stdout, c.ID) {
			t.Errorf("--list lacks %s", c.ID)
		}
	}
	got = runCLI(t, nil, "--list", "--json", "--run", "DR-PAGE-00[12]")
	var checks []conformance.Check
	if err := json.Unmarshal([]byte(got.stdout), &checks); err != nil {
		t.Fatalf("--list --json: %v\n%s", err, got.stdout)
	}
	if len(checks) != 2 || checks[0].ID != "DR-PAGE-001" || checks[1].ID != "DR-PAGE-002" {
		t.Errorf("--list --json --run DR-PAGE-00[12] = %+v", checks)
	}
}

func TestReportsAndSecrets(t *testing.T) {
	srv := tinyServer(t, true)
	dir := t.TempDir()
	junit, html := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")
	for _, how := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"default variable", map[string]string{"DIALOUTCONFORM_TOKEN": secret}, nil},
		{"named variable", map[string]string{"MY_TOKEN": secret}, []string{"--token-env", "MY_TOKEN"}},
		{"flag", nil, []string{"--token", secret}},
	} {
		t.Run(how.name, func(t *testing.T) {
			args := append([]string{"--base-url", srv.URL, "--profile", "graph", "--max-rpm", "-1", "--json", "--junit", junit, "--html", html}, how.args...)
			got := runCLI(t, how.env, append(args, tinyChecks...)...)
			if got.code != 1 {
				t.Fatalf("exit code = %d, want 1\n%s", got.code, got.stderr)
			}
			var rep conformance.Report
			if err := json.Unmarshal([]byte(got.stdout), &rep); err != nil {
				t.Fatalf("--json: %v", err)
			}
			if r, _ := rep.Result("DR-ENV-002"); r.Status != conformance.Fail {
				t.Errorf("DR-ENV-002 = %s, want FAIL", r.Status)
			}
			xmlText, _ := os.ReadFile(junit)
			var doc struct {
				XMLName  xml.Name `xml:"testsuites"`
				Tests    int      `xml:"tests,attr"`
				Failures int      `xml:"failures,attr"`
			}
			if err := xml.Unmarshal(xmlText, &doc); err != nil || doc.Tests != len(rep.Results) || doc.Failures == 0 {
				t.Errorf("--junit: %v, tests=%d failures=%d", err, doc.Tests, doc.Failures)
			}
			htmlText, _ := os.ReadFile(html)
			if regexp.MustCompile(`(?i)(src=|<link|@import|url\(|href="[^#])`).Match(htmlText) {
				t.Errorf("--html refers to something outside the page")
			}
			if !bytes.Contains(htmlText, []byte("Bearer &lt;redacted&gt;")) {
				t.Errorf("--html does not show the redacted request")
			}
			for name, text := range map[string]string{"stdout": got.stdout, "stderr": got.stderr, "junit": string(xmlText), "html": string(htmlText)} {
				if strings.Contains(text, secret) {
					t.Errorf("%s holds the token", name)
				}
			}
		})
	}
}

func TestTextAndProgress(t *testing.T) {
	srv := tinyServer(t, false)
	got := runCLI(t, map[string]string{"DIALOUTCONFORM_TOKEN": secret}, append([]string{"--base-url", srv.URL + "/beta/"}, tinyChecks...)...)
	if got.code != 0 {
		t.Fatalf("exit code = %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stdout, "PASS   MUST    DR-ENV-001") || !strings.Contains(got.stdout, "profile mock") {
		t.Errorf("text report:\n%s", got.stdout)
	}
	lines := strings.Split(strings.TrimSpace(got.stderr), "\n")
	if len(lines) != 13 || !strings.HasPrefix(lines[0], "[ 1/12] PASS") || !strings.HasPrefix(lines[12], "PASS: 12 checks") {
		t.Errorf("stderr: want 12 progress lines and a summary, got:\n%s", got.stderr)
	}
	if strings.Contains(got.stderr, "\r") {
		t.Errorf("redraw-style progress on a non-terminal stderr")
	}
}

// TestPrecedence shows flag > environment > default for each setting.
func TestPrecedence(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	base := []string{"dialoutconform"}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(o *options) string
	}{
		{"base URL from env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1"}, nil,
			func(o *options) string { return o.baseURL + " " + string(o.profile) }},
		{"base URL flag wins", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_TOKEN": "t"}, []string{"--base-url", "https://graph.microsoft.com"},
			func(o *options) string { return o.baseURL + " " + string(o.profile) }},
		{"profile env over default", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://localhost:1", "DIALOUTCONFORM_PROFILE": "graph", "DIALOUTCONFORM_TOKEN": "t"}, nil,
			func(o *options) string { return string(o.profile) }},
		{"profile flag over env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://[::1]:1", "DIALOUTCONFORM_PROFILE": "graph"}, []string{"--profile", "mock"},
			func(o *options) string { return string(o.profile) }},
		{"max-rpm default", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1"}, nil,
			func(o *options) string { return fmt.Sprint(o.maxRPM) }},
		{"max-rpm env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_MAX_RPM": "7"}, nil,
			func(o *options) string { return fmt.Sprint(o.maxRPM) }},
		{"max-rpm flag", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_MAX_RPM": "7"}, []string{"--max-rpm", "9"},
			func(o *options) string { return fmt.Sprint(o.maxRPM) }},
		{"run env, comma-separated", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_RUN": "DR-ENV, DR-PAGE"}, nil,
			func(o *options) string { return strings.Join(o.run, "|") }},
		{"run flags replace env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_RUN": "DR-ENV"}, []string{"--run", "DR-AGG", "--run", "DR-ERR,DR-AUTH"},
			func(o *options) string { return strings.Join(o.run, "|") }},
		{"token from the default variable", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_TOKEN": "a"}, nil,
			func(o *options) string { return o.token }},
		{"token-env from env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_TOKEN": "a", "DIALOUTCONFORM_TOKEN_ENV": "OTHER", "OTHER": "b"}, nil,
			func(o *options) string { return o.token }},
		{"token-env flag", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_TOKEN_ENV": "OTHER", "OTHER": "b", "THIRD": "c"}, []string{"--token-env", "THIRD"},
			func(o *options) string { return o.token }},
		{"token flag over variables", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_TOKEN": "a"}, []string{"--token", "d"},
			func(o *options) string { return o.token }},
		{"admin key", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_ADMIN_KEY": "k", "K2": "k2"}, []string{"--admin-key-env", "K2"},
			func(o *options) string { return o.adminKey }},
		{"dates", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_FROM": "2026-10-01", "DIALOUTCONFORM_TO": "2026-10-02"}, []string{"--to", "2026-10-05T12:00:00+02:00"},
			func(o *options) string { return o.from.String() + " " + o.to.String() }},
		{"timeout and json", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_TIMEOUT": "1m", "DIALOUTCONFORM_JSON": "true"}, []string{"--timeout", "2m"},
			func(o *options) string { return fmt.Sprint(o.timeout, " ", o.json) }},
		{"no-mutate default", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1"}, nil,
			func(o *options) string { return fmt.Sprint(o.noMutate) }},
		{"no-mutate env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_NO_MUTATE": "true"}, nil,
			func(o *options) string { return fmt.Sprint(o.noMutate) }},
		{"no-mutate flag over env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_NO_MUTATE": "true"}, []string{"--no-mutate=false"},
			func(o *options) string { return fmt.Sprint(o.noMutate) }},
		{"headers from env, one a line", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_HEADER": "X-Api-Key: k1\nX-Trace:t, u"}, nil,
			func(o *options) string { return fmt.Sprint(o.header) }},
		{"header flags replace env", map[string]string{"DIALOUTCONFORM_BASE_URL": "http://127.0.0.1:1", "DIALOUTCONFORM_HEADER": "X-Api-Key: k1"}, []string{"--header", "X-Gw: a", "--header", "x-gw:b"},
			func(o *options) string { return fmt.Sprint(o.header) }},
	}
	want := []string{
		"http://127.0.0.1:1 mock",
		"https://graph.microsoft.com graph",
		"graph",
		"mock",
		"0",
		"7",
		"9",
		"DR-ENV|DR-PAGE",
		"DR-AGG|DR-ERR|DR-AUTH",
		"a",
		"b",
		"c",
		"d",
		"k2",
		day("2026-10-01").String() + " " + time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC).String(),
		"2m0s true",
		"false",
		"true",
		"false",
		"map[X-Api-Key:[k1] X-Trace:[t, u]]",
		"map[X-Gw:[a b]]",
	}
	var got []string
	for _, tt := range tests {
		var stderr bytes.Buffer
		o, err := parseOptions(append(base, tt.args...), func(k string) string { return tt.env[k] }, &stderr)
		if err != nil {
			t.Errorf("%s: parseOptions = %v", tt.name, err)
			got = append(got, "error")
			continue
		}
		got = append(got, tt.check(o))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("precedence (-want +got):\n%s", diff)
	}
}
