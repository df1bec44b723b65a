package mocktest_test

import (
	"testing"

	"github.com/dialoutkit/dialoutkit/conformance"
	"github.com/dialoutkit/dialoutkit/conformance/conformancetest"
	"github.com/dialoutkit/dialoutkit/server"
	"github.com/dialoutkit/dialoutkit/server/mocktest"
)

// TestConformance runs the whole conformance kit, mock profile, against the
// in-process mock, each check a subtest: lenient auth with the generated
// tenant, and strict auth with a minted token over a scenario.
func TestConformance(t *testing.T) {
	t.Run("lenient, generated, page size 7", func(t *testing.T) {
		m := mocktest.New(t, mocktest.WithConfig(func(c *server.Config) { c.PageSize = 7 }))
		conformancetest.Run(t, conformance.Config{BaseURL: m.URL, Profile: conformance.ProfileMock})
	})
	t.Run("many tenants, a cache that holds one", func(t *testing.T) {
		m := mocktest.New(t, mocktest.WithTenancy(), mocktest.WithTenantCache(1<<20),
			mocktest.WithConfig(func(c *server.Config) { c.PageSize = 50 }))
		conformancetest.Run(t, conformance.Config{BaseURL: m.URL, Profile: conformance.ProfileMock})
	})
	t.Run("strict, rows-1001", func(t *testing.T) {
		m := mocktest.New(t, mocktest.WithNamedScenario("rows-1001"),
			mocktest.WithConfig(func(c *server.Config) { c.Auth = server.AuthStrict }))
		token := m.Token(t, "CallRecords.Read.All")
		conformancetest.Run(t, conformance.Config{BaseURL: m.URL, Profile: conformance.ProfileMock, Token: token,
			From: mustTime("2026-10-01T00:00:00Z"), To: mustTime("2026-10-31T00:00:00Z")})
	})
}
