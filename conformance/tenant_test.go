package conformance_test

import (
	"testing"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// TestTenantThrottlingCaught: a server whose throttling counts all tenants together fails
// DR-TENANT-005 (a SHOULD check, so the run as a whole still passes).
func TestTenantThrottlingCaught(t *testing.T) {
	cfg := serve(t, newFake(breaks{throttleAcrossTenants: true}), conformance.ProfileMock)
	cfg.Run = []string{"^DR-TENANT-005$"}
	rep := run(t, cfg)
	if r, _ := rep.Result("DR-TENANT-005"); r.Status != conformance.Fail {
		t.Errorf("DR-TENANT-005 = %s (%s), want FAIL", r.Status, r.Reason)
	}
	cfg = serve(t, newFake(breaks{}), conformance.ProfileMock)
	cfg.Run = []string{"^DR-TENANT-005$"}
	if r, _ := run(t, cfg).Result("DR-TENANT-005"); r.Status != conformance.Pass {
		t.Errorf("DR-TENANT-005 on the reference server = %s (%s), want PASS", r.Status, r.Reason)
	}
}
