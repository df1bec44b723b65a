package conformance_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// Example runs part of the catalogue from another module's test against a server started in process.
// Here the server is this package's own reference fake; in a client project it is whatever the tests
// start: the dialoutkit mock in process, or the project's own stub. To get one subtest per check, hand
// the report to conformancetest.Subtests, or call conformancetest.Run instead of conformance.Run.
func Example() {
	srv := httptest.NewServer(newFake(breaks{}))
	defer srv.Close()

	rep, err := conformance.Run(context.Background(), conformance.Config{
		BaseURL:    srv.URL,
		Token:      "any-opaque-token-the-server-accepts",
		Profile:    conformance.ProfileMock,
		HTTPClient: srv.Client(),
		From:       time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC),
		To:         time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		Run:        []string{"DR-PAGE-00[1-8]", "DR-AGG-00[56]", "DR-LEDGER-002"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rep.Results {
		fmt.Println(r.Status, r.Level, r.ID, r.Title)
	}
	fmt.Println("passed:", rep.Passed())
	// Output:
	// PASS MUST DR-PAGE-001 A page holds at most 1000 entries
	// PASS MUST DR-PAGE-002 @odata.count equals the entries in its page
	// PASS MUST DR-PAGE-003 @odata.nextLink is an absolute URL
	// PASS MUST DR-PAGE-004 @odata.nextLink stays on the base URL's scheme and host
	// PASS MUST DR-PAGE-005 Every @odata.nextLink is followable
	// PASS MUST DR-PAGE-006 The last page has no @odata.nextLink
	// PASS MUST DR-PAGE-007 Pages are disjoint
	// PASS MUST DR-PAGE-008 The union of the pages is stable on a re-read
	// PASS MUST DR-AGG-005 A sub-range never reports more than its enclosing range
	// PASS MUST DR-AGG-006 Splitting a range at an instant adds up exactly
	// PASS MUST DR-LEDGER-002 Every row equals the exact aggregation of the ledger
	// passed: true
}
