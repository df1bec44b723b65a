package conformance

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDec(t *testing.T) {
	tests := []struct {
		in         string
		str        string
		frac       int
		floatExact bool
	}{
		{"0", "0", 0, true},
		{"12.83", "12.83", 2, true},
		{"12.830", "12.83", 2, true},
		{"-0.50", "-0.5", 1, true},
		{"0.30000000000000004", "0.30000000000000004", 17, true},
		{"0.1000000000000000055511151231257827", "0.1000000000000000055511151231257827", 34, false},
		{"1.283e1", "12.83", 2, true},
		{"1283E-2", "12.83", 2, true},
		{"5e2", "500", 0, true},
		{"2147483648", "2147483648", 0, true},
		{"123456789012345678.12", "123456789012345678.12", 2, false},
		{"3.0", "3", 0, true},
	}
	for _, tt := range tests {
		d, err := parseDec(tt.in)
		if err != nil {
			t.Errorf("parseDec(%q) = %v", tt.in, err)
			continue
		}
		if got := d.String(); got != tt.str {
			t.Errorf("parseDec(%q).String() = %q, want %q", tt.in, got, tt.str)
		}
		if got := d.fracDigits(); got != tt.frac {
			t.Errorf("parseDec(%q).fracDigits() = %d, want %d", tt.in, got, tt.frac)
		}
		if got := d.floatExact(); got != tt.floatExact {
			t.Errorf("parseDec(%q).floatExact() = %v, want %v", tt.in, got, tt.floatExact)
		}
	}
	for _, bad := range []string{"", "1.", ".5", "01", "+1", "1e", "NaN", "0x10", " 1", "1,5"} {
		if _, err := parseDec(bad); err == nil {
			t.Errorf("parseDec(%q) = nil error, want one", bad)
		}
	}
	sum := mustDec("0.10").add(mustDec("0.2"))
	if sum.String() != "0.3" || sum.cmp(mustDec("0.30")) != 0 || sum.cmp(mustDec("0.30000000000000004")) >= 0 {
		t.Errorf("0.10 + 0.2 = %s, want exactly 0.3", sum)
	}
	var zero dec
	if zero.add(mustDec("1.5")).String() != "1.5" || zero.String() != "0" || zero.sign() != 0 {
		t.Errorf("the zero dec is not 0")
	}
}

func TestRawNumber(t *testing.T) {
	for _, tt := range []struct {
		raw      string
		want     string
		isString bool
		err      bool
	}{
		{"12.83", "12.83", false, false},
		{` "12.83"`, "12.83", true, false},
		{`"abc"`, "", true, true},
		{"", "", false, true},
		{"true", "", false, true},
	} {
		d, isString, err := rawNumber([]byte(tt.raw))
		if (err != nil) != tt.err || isString != tt.isString || (err == nil && d.String() != tt.want) {
			t.Errorf("rawNumber(%q) = %s, %v, %v", tt.raw, d, isString, err)
		}
	}
}

func TestObjectKeys(t *testing.T) {
	keys, m, err := objectKeys([]byte(`{"b":1,"a":{"x":[1,2]},"@c":"s"}`))
	if err != nil || !cmp.Equal(keys, []string{"b", "a", "@c"}) || string(m["a"]) != `{"x":[1,2]}` {
		t.Errorf("objectKeys = %v, %v, %v", keys, m, err)
	}
	for _, bad := range []string{`[]`, `{"a":1,"a":2}`, `{"a":1} x`, `{"a":`, `"s"`} {
		if _, _, err := objectKeys([]byte(bad)); err == nil {
			t.Errorf("objectKeys(%s) = nil error", bad)
		}
	}
}

func TestOdataTime(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "2026-11-01T00:00:00Z"},
		{time.Date(2026, 11, 1, 2, 0, 0, 0, time.FixedZone("", 7200)), "2026-11-01T00:00:00Z"},
		{time.Date(2026, 11, 1, 0, 0, 0, 100, time.UTC), "2026-11-01T00:00:00.0000001Z"},
		{time.Date(2026, 11, 1, 0, 0, 0, 500_000_000, time.UTC), "2026-11-01T00:00:00.5000000Z"},
	} {
		if got := odataTime(tt.t); got != tt.want {
			t.Errorf("odataTime(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestParseRoot(t *testing.T) {
	for in, want := range map[string]string{
		"https://graph.microsoft.com":           "https://graph.microsoft.com",
		"https://graph.microsoft.com/":          "https://graph.microsoft.com",
		"https://graph.microsoft.com/beta":      "https://graph.microsoft.com",
		"https://graph.microsoft.com/beta/":     "https://graph.microsoft.com",
		"http://127.0.0.1:8080/prefix/beta":     "http://127.0.0.1:8080/prefix",
		"http://127.0.0.1:8080/prefix/beta-api": "http://127.0.0.1:8080/prefix/beta-api",
	} {
		u, err := parseRoot(in)
		if err != nil || u.String() != want {
			t.Errorf("parseRoot(%q) = %v, %v; want %q", in, u, err, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		v       string
		attempt int
		want    time.Duration
	}{
		{"3", 0, 3 * time.Second},
		{"0", 2, 0},
		{"", 0, time.Second},
		{"", 2, 4 * time.Second},
		{"soon", 1, 2 * time.Second},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 0, 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0, 0},
	} {
		if got := retryAfter(tt.v, now, tt.attempt); got != tt.want {
			t.Errorf("retryAfter(%q, attempt %d) = %s, want %s", tt.v, tt.attempt, got, tt.want)
		}
	}
}

type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }
func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

func TestLimiter(t *testing.T) {
	c := &stepClock{now: time.Unix(0, 0)}
	l := &limiter{clock: c, interval: time.Minute / 40}
	var at []time.Time
	for range 100 {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		at = append(at, c.now)
	}
	for i := 40; i < len(at); i++ {
		if at[i].Sub(at[i-40]) < time.Minute {
			t.Fatalf("41 requests within %s", at[i].Sub(at[i-40]))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx); err == nil {
		t.Error("wait on a cancelled context = nil")
	}
	var none *limiter
	if err := none.wait(context.Background()); err != nil {
		t.Errorf("nil limiter: %v", err)
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor([]string{"x-api-key"}, "s3cr3t-token/+=", "short", "k", "gw-key-1")
	for _, tt := range []struct{ in, want string }{
		{"a s3cr3t-token/+= b s3cr3t-token%2F%2B%3D c", "a <redacted> b <redacted> c"},
		// Short secrets go wherever they stand alone, also next to = & " : and spaces.
		{"c short d shorter e ashort", "c <redacted> d shorter e ashort"},
		{"token=short&x", "token=<redacted>&x"},
		{`{"t":"k"} (k) kit k`, `{"t":"<redacted>"} (<redacted>) kit <redacted>`},
		{"Bearer k", "Bearer <redacted>"},
		{"k.k", "k.k"}, // inside a longer token, not the token
		{"gw-key-1 gw-key-10", "<redacted> <redacted>0"},
	} {
		if got := r.str(tt.in); got != tt.want {
			t.Errorf("str(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	in := http.Header{
		"Authorization": {"Bearer s3cr3t-token/+=", "Bearer ", "opaque"},
		"X-Admin-Key":   {"short"},
		"X-Echo":        {"got s3cr3t-token/+="},
		"X-Api-Key":     {"anything"},
	}
	want := http.Header{
		"Authorization": {"Bearer <redacted>", "Bearer ", "<redacted>"},
		"X-Admin-Key":   {"<redacted>"},
		"X-Echo":        {"got <redacted>"},
		"X-Api-Key":     {"<redacted>"},
	}
	if diff := cmp.Diff(want, r.header(in, true)); diff != "" {
		t.Errorf("header of a request (-want +got):\n%s", diff)
	}
	want["X-Api-Key"] = []string{"anything"} // in an answer, only secret values go
	if diff := cmp.Diff(want, r.header(in, false)); diff != "" {
		t.Errorf("header of an answer (-want +got):\n%s", diff)
	}
}

func TestCredentialHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"X-Api-Key": true, "Ocp-Apim-Subscription-Key": true, "X-Auth-Token": true, "Proxy-Authorization": true,
		"X-Client-Secret": true, "Cookie": true, "X-Tenant": false, "User-Agent": false, "X-Request-Source": false,
	} {
		if got := isCredentialHeader(name); got != want {
			t.Errorf("isCredentialHeader(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestCurlLine(t *testing.T) {
	ex := &Exchange{Method: "PUT", URL: "http://h/_mock/dataset", RequestHeader: http.Header{"Authorization": {"Bearer <redacted>"}}, RequestBody: `{"a":"it's"}`}
	got := curlLine(ex, true)
	want := `curl -sS -i --globoff --path-as-is -X PUT -H 'Authorization: Bearer <redacted>' --data-binary '{"a":"it'\''s"}' 'http://h/_mock/dataset'`
	if got != want {
		t.Errorf("curlLine = %s\nwant       %s", got, want)
	}
}

func TestNewUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		u := newUUID()
		if len(u) != 36 || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) || seen[u] {
			t.Fatalf("newUUID() = %q", u)
		}
		seen[u] = true
	}
}

func TestStatusOrder(t *testing.T) {
	if !(Pass < Skip && Skip < Fail && Fail < Error) {
		t.Error("statuses are not ordered PASS < SKIP < FAIL < ERROR")
	}
	rep := &Report{Results: []Result{{Status: Pass}, {Status: Fail}, {Status: Skip}}}
	if rep.Status() != Fail {
		t.Errorf("Status() = %s, want FAIL", rep.Status())
	}
	for _, s := range []Status{Pass, Skip, Fail, Error} {
		b, _ := s.MarshalText()
		var back Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip of %s = %s, %v", s, back, err)
		}
	}
}

// TestPlanCostsEveryCheck keeps the request estimate of the rate-cap notices complete.
func TestPlanCostsEveryCheck(t *testing.T) {
	ids := map[string]bool{}
	for _, d := range catalogue() {
		ids[d.ID] = true
		if _, ok := costs[d.ID]; !ok {
			t.Errorf("costs has no entry for %s", d.ID)
		}
	}
	for id := range costs {
		if !ids[id] {
			t.Errorf("costs lists %s, which the catalogue has not", id)
		}
	}
}

// TestStateChangesComeLast: the run puts the server's state back after the last check, so every
// check that changes it must come after every check that reads it as the run found it.
func TestStateChangesComeLast(t *testing.T) {
	seen := false
	for _, d := range catalogue() {
		switch {
		case d.ChangesState:
			seen = true
		case seen:
			t.Errorf("%s comes after a check that changes the server's state", d.ID)
		}
	}
	if !seen {
		t.Error("no check changes the server's state: the test shows nothing")
	}
}
