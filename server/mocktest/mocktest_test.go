package mocktest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
	"github.com/dialoutkit/dialoutkit/server"
	"github.com/dialoutkit/dialoutkit/server/mocktest"
)

// getWithRetry is what a well-behaved client does: on 429 and 503 it waits
// Retry-After seconds and tries again, up to 3 retries (the Go SDK's policy).
func getWithRetry(t *testing.T, c *http.Client, url string) (status, tries int, body []byte) {
	t.Helper()
	for tries = 1; ; tries++ {
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		retryable := resp.StatusCode == 429 || resp.StatusCode == 503
		if !retryable || tries == 4 {
			return resp.StatusCode, tries, body
		}
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil {
			t.Fatalf("%d without a Retry-After in seconds: %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		time.Sleep(time.Duration(secs) * time.Second)
	}
}

// TestIntegrationStory is how a client app's test uses the mock, through the
// public API only.
func TestIntegrationStory(t *testing.T) {
	m := mocktest.New(t)
	c := m.Client()
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)

	// Load a scenario and query it.
	doc := `{"users":[{"id":"11111111-2222-4333-8444-555555555555","userPrincipalName":"solo@contoso.com","displayName":"Solo","usageLocation":"NL"}],
	 "calls":[{"id":"aaaaaaaa-0000-4000-8000-000000000001","organizerId":"11111111-2222-4333-8444-555555555555","startDateTime":"2026-10-05T10:00:00Z","duration":61,"destinationContext":"Domestic","charge":"0.07","connectionCharge":0,"currency":"EUR"}]}`
	if _, err := m.LoadScenario("solo", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	status, _, body := getWithRetry(t, c, m.ReportURL(from, to))
	if status != 200 || !strings.Contains(string(body), `"totalCallCharge":0.07`) {
		t.Fatalf("report = %d %s", status, body)
	}

	// The request is in the journal, token redacted to its scheme.
	j := m.Requests(server.JournalFilter{Path: "getPstnOnlineMeetingDialoutReport"})
	if len(j) != 1 || j[0].Status != 200 || j[0].Headers["Authorization"] != "Bearer" {
		t.Fatalf("journal = %+v", j)
	}

	// Two 429s with Retry-After: 1, then success on the third try.
	if err := m.QueueFault(server.Fault{Path: "getPstn", Times: 2, Status: 429, RetryAfter: 1}); err != nil {
		t.Fatal(err)
	}
	status, tries, _ := getWithRetry(t, c, m.ReportURL(from, to))
	if status != 200 || tries != 3 {
		t.Errorf("retrying client: status %d after %d tries, want 200 after 3", status, tries)
	}
	if throttled := m.Requests(server.JournalFilter{Status: 429}); len(throttled) != 2 || throttled[0].Fault != "429" {
		t.Errorf("journal of 429s = %+v", throttled)
	}

	// Reset: the startup dataset, an empty journal, no faults.
	m.Reset()
	if n := len(m.Requests(server.JournalFilter{})); n != 0 {
		t.Errorf("journal after reset has %d entries", n)
	}
	status, _, body = getWithRetry(t, c, m.ReportURL(from, to))
	if status != 200 || strings.Contains(string(body), "solo@contoso.com") {
		t.Errorf("after reset the scenario still serves: %d %.200s", status, body)
	}
}

func TestNamedScenarioPaging(t *testing.T) {
	m := mocktest.New(t, mocktest.WithNamedScenario("rows-1001"))
	url := m.ReportURL(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC))
	var pages, rows int
	for url != "" {
		resp, err := m.Client().Get(url)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Count int               `json:"@odata.count"`
			Next  string            `json:"@odata.nextLink"`
			Value []json.RawMessage `json:"value"`
		}
		json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		pages++
		rows += len(p.Value)
		url = p.Next
	}
	if pages != 2 || rows != 1001 {
		t.Errorf("rows-1001: %d rows on %d pages, want 1001 on 2", rows, pages)
	}
}

func TestBadOptionsFailTheTest(t *testing.T) {
	ft := &fakeTB{TB: t}
	func() {
		defer func() { recover() }()
		mocktest.New(ft, mocktest.WithNamedScenario("no-such-scenario"))
	}()
	if !ft.failed || !strings.Contains(ft.msg, "no-such-scenario") {
		t.Errorf("New with a missing scenario: failed=%v msg=%q", ft.failed, ft.msg)
	}
}

// fakeTB records Fatalf instead of ending the test.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	panic("fatal")
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTokenPassesStrictAuth(t *testing.T) {
	m := mocktest.New(t, mocktest.WithNamedScenario("edges"), mocktest.WithConfig(func(c *server.Config) { c.Auth = server.AuthStrict }))
	url := m.ReportURL(mustTime("2026-10-01T00:00:00Z"), mustTime("2026-10-31T00:00:00Z"))
	for _, c := range []struct {
		token  string
		status int
	}{
		{"mocktest", 401}, // the default opaque token: strict wants the mock's own
		{m.Token(t, "CallRecords.Read.All"), 200},
		{m.Token(t), 403},
	} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := m.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("token %.20s…: %d, want %d", c.token, resp.StatusCode, c.status)
		}
	}
}

// TestExpiredToken: the expired token passes every check of strict mode
// but its lifetime, and is answered as Graph answers a token past its
// lifetime; lenient mode reads its exp the same way (issue 11, item 10).
func TestExpiredToken(t *testing.T) {
	for _, mode := range []server.AuthMode{server.AuthStrict, server.AuthLenient} {
		t.Run(string(mode), func(t *testing.T) {
			m := mocktest.New(t, mocktest.WithNamedScenario("edges"), mocktest.WithConfig(func(c *server.Config) { c.Auth = mode }))
			url := m.ReportURL(mustTime("2026-10-01T00:00:00Z"), mustTime("2026-10-31T00:00:00Z"))
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer "+m.ExpiredToken(t, "CallRecords.Read.All"))
			resp, err := m.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(b), `"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."`) {
				t.Errorf("expired token: %d %s, want 401 with the expired-token message", resp.StatusCode, b)
			}
			// The clock is back: a fresh token passes.
			req.Header.Set("Authorization", "Bearer "+m.Token(t, "CallRecords.Read.All"))
			if resp, err := m.Client().Do(req); err != nil || resp.StatusCode != 200 {
				t.Errorf("fresh token after an expired one: %v %v, want 200", resp, err)
			} else {
				resp.Body.Close()
			}
		})
	}
}
