package identity

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAppLimitedToTenants: an app the apps file registers in some tenants
// gets tokens there only; elsewhere Entra answers 400 unauthorized_client
// AADSTS700016, as for an app not in the directory.
func TestAppLimitedToTenants(t *testing.T) {
	fabrikam, _ := TenantID("fabrikam.com")
	limited := App{ClientID: "5e1f0000-0000-4000-8000-00000000000a", Secret: "limited-secret",
		Roles: []string{"CallRecords.Read.All"}, Tenants: []string{"contoso.onmicrosoft.com", strings.ToUpper(fabrikam)}}
	a, err := New(Config{Apps: []App{limited, readerApp}, Key: testKeys()[0], Now: func() time.Time { return identityNow }})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, a)
	contoso, _ := TenantID("contoso.onmicrosoft.com")
	cases := []struct {
		name, tenant string
		app          App
		status       int
		wantTid      string // on success
	}{
		{"listed by domain, asked by domain", "contoso.onmicrosoft.com", limited, 200, contoso},
		{"listed by domain, asked by id", contoso, limited, 200, contoso},
		{"listed by id in upper case, asked by domain", "fabrikam.com", limited, 200, fabrikam},
		{"not listed", "northwind.com", limited, 400, ""},
		{"an app without tenants is in every tenant", "northwind.com", readerApp, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, tr := postToken(t, base+"/"+tc.tenant+"/oauth2/v2.0/token", credentials(tc.app, "https://graph.microsoft.com/.default"))
			if r.status != tc.status {
				t.Fatalf("status = %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 200 {
				if tr.Error != "unauthorized_client" || len(tr.ErrorCodes) != 1 || tr.ErrorCodes[0] != 700016 ||
					!strings.Contains(tr.Description, "was not found in the directory '"+tc.tenant+"'") {
					t.Errorf("error = %s %v %q, want unauthorized_client [700016] naming the directory", tr.Error, tr.ErrorCodes, tr.Description)
				}
				return
			}
			if tc.wantTid != "" {
				if got := payload(t, tr.AccessToken)["tid"]; got != tc.wantTid {
					t.Errorf("tid = %v, want %s", got, tc.wantTid)
				}
			}
		})
	}
}

func TestAppTenantsAreValidated(t *testing.T) {
	bad := App{ClientID: "x", Secret: "s", Tenants: []string{"contoso.com", "not a tenant"}}
	err := Config{Apps: []App{readerApp, bad}}.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.App != 1 || fe.Field != "Tenants" || !strings.Contains(fe.Reason, `"not a tenant"`) {
		t.Errorf("Validate() = %v, want a FieldError of app 1, field Tenants, naming the bad tenant", err)
	}
}

func TestTenantIDIsExported(t *testing.T) {
	got, ok := TenantID("Contoso.onmicrosoft.com")
	want, _ := tenantID("contoso.onmicrosoft.com")
	if !ok || got != want || !IsTenantID(got) {
		t.Errorf("TenantID(Contoso.onmicrosoft.com) = %q, %v; want %q, true", got, ok, want)
	}
	if IsTenantID("contoso.com") {
		t.Error("IsTenantID(contoso.com) = true, want false")
	}
}
