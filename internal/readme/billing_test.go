package readme_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/server"
	"github.com/dialoutkit/dialoutkit/server/mocktest"
)

func TestReportAfterThrottling(t *testing.T) {
	m := mocktest.New(t, mocktest.WithNamedScenario("edges")) // or WithGenerator, WithScenarioFile
	october := m.ReportURL(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC))

	// The next request is throttled, as Graph would: 429 with Retry-After.
	if err := m.QueueFault(server.Fault{Times: 1, Status: http.StatusTooManyRequests, RetryAfter: 1}); err != nil {
		t.Fatal(err)
	}

	// Your client runs here against m.URL; m.Client() adds a bearer token.
	resp, err := m.Client().Get(october)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("first call: %d, Retry-After %q; want 429, 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	resp, err = m.Client().Get(october)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Value []struct{ UserPrincipalName, Currency string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if len(page.Value) != 9 {
		t.Errorf("October of the edges scenario: %d entries, want 9", len(page.Value))
	}

	// The journal holds what your client sent.
	if got := m.Requests(server.JournalFilter{Status: http.StatusTooManyRequests}); len(got) != 1 {
		t.Errorf("%d throttled requests in the journal, want 1", len(got))
	}
}
