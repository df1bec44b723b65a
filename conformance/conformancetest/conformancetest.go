// Package conformancetest maps a conformance report onto Go subtests, so that a client project's own
// go test can hold the contract checks:
//
//	func TestDialoutContract(t *testing.T) {
//		srv := httptest.NewServer(myHandler)
//		t.Cleanup(srv.Close)
//		conformancetest.Run(t, conformance.Config{BaseURL: srv.URL, Token: "t", Profile: conformance.ProfileMock, HTTPClient: srv.Client()})
//	}
//
// It is a package of its own, as net/http/httptest and testing/fstest are, so that package
// conformance and the dialoutconform binary never import testing: the library returns a report, and
// only this thin helper knows about *testing.T.
package conformancetest

import (
	"strings"
	"testing"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// Subtests runs one subtest per result, named by its check ID. A failed MUST check fails its subtest
// (t.Errorf); a failed SHOULD check only logs; a skipped check skips with its reason; a check the kit
// could not run fails with t.Error, since nothing was verified.
func Subtests(t *testing.T, rep *conformance.Report) {
	t.Helper()
	for _, res := range rep.Results {
		t.Run(res.ID, func(t *testing.T) {
			switch res.Status {
			case conformance.Pass:
			case conformance.Skip:
				t.Skip(res.Reason)
			case conformance.Fail:
				if res.Level == conformance.Must {
					t.Errorf("MUST %s: %s%s", res.Title, res.Reason, evidence(res))
				} else {
					t.Logf("SHOULD %s (not met, not fatal): %s%s", res.Title, res.Reason, evidence(res))
				}
			default:
				t.Errorf("the kit could not run %s: %s%s", res.ID, res.Reason, evidence(res))
			}
		})
	}
}

// Run runs conformance.Run with t's context and maps the report onto subtests. An invalid config, a
// run cut short, or server state the kit could not put back fails t at once; the report is returned
// for further assertions. Without a Notice of its own, the run's notices go to t.Log.
func Run(t *testing.T, cfg conformance.Config) *conformance.Report {
	t.Helper()
	if cfg.Notice == nil {
		cfg.Notice = func(msg string) { t.Log(msg) }
	}
	rep, err := conformance.Run(t.Context(), cfg)
	if rep == nil {
		t.Fatalf("conformance.Run: %v", err)
	}
	Subtests(t, rep)
	if err != nil {
		t.Fatalf("conformance.Run: %v", err)
	}
	return rep
}

func evidence(res conformance.Result) string {
	var b strings.Builder
	for _, d := range res.Details[min(1, len(res.Details)):] {
		b.WriteString("\n\t" + d)
	}
	b.WriteString("\n\tstatement: " + res.Statement)
	for _, ex := range res.Exchanges {
		b.WriteString("\n\t" + ex.Curl)
	}
	return b.String()
}
