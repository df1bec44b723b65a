package mocktest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/server"
	"github.com/dialoutkit/dialoutkit/server/mocktest"
)

const soloDoc = `{"users":[{"id":"11111111-2222-4333-8444-555555555555","userPrincipalName":"solo@fabrikam.com","displayName":"Solo","usageLocation":"NL"}],
 "calls":[{"id":"aaaaaaaa-0000-4000-8000-000000000001","organizerId":"11111111-2222-4333-8444-555555555555","startDateTime":"2026-10-05T10:00:00Z","duration":61,"destinationContext":"Domestic","charge":"0.07","connectionCharge":0,"currency":"EUR"}]}`

type reportPage struct {
	NextLink string `json:"@odata.nextLink"`
	Value    []struct {
		UserID            string `json:"userId"`
		UserPrincipalName string `json:"userPrincipalName"`
	} `json:"value"`
}

// users pages the report with c and returns its users' principal names by id.
func users(t *testing.T, c *http.Client, url string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for url != "" {
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
		}
		var p reportPage
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Value {
			out[r.UserID] = r.UserPrincipalName
		}
		url = p.NextLink
	}
	return out
}

func TestTenantsInGoTests(t *testing.T) {
	spec := generator.DefaultSpec(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC))
	spec.WindowDays = 90
	m := mocktest.New(t, mocktest.WithGenerator(spec), mocktest.WithTenantUsers(10, 30),
		mocktest.WithTenantScenario("fabrikam.com", []byte(soloDoc)),
		mocktest.WithConfig(func(c *server.Config) { c.Auth = server.AuthStrict; c.PageSize = 7 }))
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	url := m.ReportURL(from, to)

	a := users(t, m.ClientFor(t, "contoso.com"), url)
	b := users(t, m.ClientFor(t, "northwind.com"), url)
	if len(a) == 0 || len(b) == 0 {
		t.Fatalf("users: contoso.com %d, northwind.com %d; want some each", len(a), len(b))
	}
	for id := range a {
		if _, ok := b[id]; ok {
			t.Fatalf("user %s is in both tenants' reports", id)
		}
	}
	if fab := users(t, m.ClientFor(t, "fabrikam.com"), url); len(fab) != 1 || fab["11111111-2222-4333-8444-555555555555"] != "solo@fabrikam.com" {
		t.Errorf("fabrikam.com = %v, want its scenario's one user", fab)
	}
	// Token's tenant, contoso.onmicrosoft.com, is the default tenant.
	if def, viaID := users(t, m.ClientFor(t, "contoso.onmicrosoft.com"), url), users(t, m.ClientFor(t, m.DefaultTenant()), url); len(def) == 0 || len(def) != len(viaID) {
		t.Errorf("default tenant: %d users by name, %d by id; want the same, some", len(def), len(viaID))
	}

	// Per-tenant control: load a scenario into contoso.com, then reset it.
	if _, err := m.LoadTenantScenario("contoso.com", "solo", []byte(soloDoc)); err != nil {
		t.Fatal(err)
	}
	if got := users(t, m.ClientFor(t, "contoso.com"), url); len(got) != 1 {
		t.Errorf("contoso.com after its upload: %d users, want 1", len(got))
	}
	if err := m.ResetTenant("contoso.com"); err != nil {
		t.Fatal(err)
	}
	if got := users(t, m.ClientFor(t, "contoso.com"), url); len(got) != len(a) {
		t.Errorf("contoso.com after its reset: %d users, want its generated %d", len(got), len(a))
	}
	ds, err := m.TenantDataset(context.Background(), "northwind.com")
	if err != nil || ds.Source.Summary().Users < 10 || ds.Source.Summary().Users > 30 {
		t.Errorf("TenantDataset(northwind.com) = %v users, %v; want 10 to 30", ds.Source.Summary().Users, err)
	}
	if n := len(m.TenantRequests("fabrikam.com")); n != 1 {
		t.Errorf("TenantRequests(fabrikam.com) = %d, want 1", n)
	}
	if ts := m.Tenants(); len(ts) < 4 {
		t.Errorf("Tenants() = %+v, want the default, contoso.com, northwind.com and fabrikam.com", ts)
	}
}

func TestTenancyOptionsAreChecked(t *testing.T) {
	for name, opt := range map[string]mocktest.Option{
		"bad tenant":        mocktest.WithTenantScenario("not a tenant", []byte(soloDoc)),
		"bad default":       mocktest.WithDefaultTenant("not a tenant"),
		"bad scenario":      mocktest.WithTenantScenario("fabrikam.com", []byte(`{}`)),
		"bad users":         mocktest.WithTenantUsers(9, 3),
		"missing file":      mocktest.WithTenantScenarioFile("fabrikam.com", "/nonexistent/file.json"),
		"cache below 1 MiB": mocktest.WithTenantCache(1000),
	} {
		t.Run(name, func(t *testing.T) {
			ft := &fakeTB{TB: t}
			func() {
				defer func() { recover() }()
				mocktest.New(ft, opt)
			}()
			if !ft.failed {
				t.Error("New did not fail the test")
			}
		})
	}
}
