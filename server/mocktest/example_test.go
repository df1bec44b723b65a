package mocktest_test

import (
	"io"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/server"
	"github.com/dialoutkit/dialoutkit/server/mocktest"
)

// A client app's test starts the mock with a named scenario, reads the
// report through the client the mock hands out, makes the next request fail
// with a 429, and checks what the app sent.
func ExampleNew() {
	testReport := func(t *testing.T) {
		m := mocktest.New(t, mocktest.WithNamedScenario("multi-currency"))
		url := m.ReportURL(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC))

		resp, err := m.Client().Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Logf("%d %s", resp.StatusCode, body)

		if err := m.QueueFault(server.Fault{Times: 1, Status: 429, RetryAfter: 1}); err != nil {
			t.Fatal(err)
		}
		// ... run the code under test against m.URL ...
		for _, r := range m.Requests(server.JournalFilter{Status: 429}) {
			t.Logf("%s %s -> %d (client-request-id %s)", r.Method, r.Path, r.Status, r.Headers["Client-Request-Id"])
		}
	}
	_ = testReport
}

// An ISV's test of tenant isolation: two customer tenants, one with a
// scenario of its own, each read with its own token, and the journal of one.
func ExampleWithTenancy() {
	testFleet := func(t *testing.T) {
		m := mocktest.New(t, mocktest.WithTenancy(), mocktest.WithTenantUsers(50, 500),
			mocktest.WithTenantScenarioFile("fabrikam.com", "testdata/fabrikam.json"))
		url := m.ReportURL(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC))
		for _, tenant := range []string{"contoso.com", "fabrikam.com"} {
			resp, err := m.ClientFor(t, tenant).Get(url) // a token with the tenant's tid
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// ... run the code under test for this tenant ...
			t.Logf("%s: %d requests", tenant, len(m.TenantRequests(tenant)))
		}
	}
	_ = testFleet
}
