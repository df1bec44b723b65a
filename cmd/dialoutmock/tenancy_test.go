package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/binarytest"
)

// Many tenants through the binary (docs/contract.md#many-tenants).

// tenantToken asks the binary's token endpoint for a token of tenant (a
// domain name or id) for the app.
var tenantToken = binarytest.TenantToken

// pageAll follows nextLinks from link with the token and returns every
// entry and the number of pages.
func pageAll(t *testing.T, link, token string) ([]entry, int) {
	t.Helper()
	var rows []entry
	pages := 0
	for ; link != ""; pages++ {
		status, _, b := call(t, http.MethodGet, link, "", "Authorization", "Bearer "+token)
		if status != 200 {
			t.Fatalf("page %d: %d %s", pages+1, status, b)
		}
		var p page
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, p.Value...)
		link = p.NextLink
		if pages > 10_000 {
			t.Fatal("nextLink loop")
		}
	}
	return rows, pages
}

// TestTenantsThroughTheBinary: in strict mode, tokens from the token endpoint
// for two tenant names each page their own report to the end; each tenant's
// ledger aggregates to exactly its report; no row of one is in the other;
// an app limited to one tenant gets no token in another.
func TestTenantsThroughTheBinary(t *testing.T) {
	apps := writeFile(t, "apps.json", `{"apps":[
		{"clientId":"fleet","clientSecret":"fleet-s3cret","roles":["CallRecords.Read.All"]},
		{"clientId":"contoso-only","clientSecret":"c-s3cret","roles":["CallRecords.Read.All"],"tenants":["contoso.com"]}]}`)
	p := startBinary(t, "--auth", "strict", "--apps-file", apps, "--tenancy", "multi", "--tenant-users", "20-40",
		"--page-size", "25")
	const r = "(fromDateTime=2026-08-03,toDateTime=2026-11-01)"
	seen := map[string]string{} // userId -> tenant
	for _, tenant := range []string{"contoso.com", "fabrikam.com"} {
		status, a := tenantToken(t, p.base, tenant, "fleet", "fleet-s3cret")
		if status != 200 {
			t.Fatalf("token for %s: %d %+v", tenant, status, a)
		}
		rows, pages := pageAll(t, p.base+fn+r, a.AccessToken)
		if len(rows) == 0 || pages < 2 {
			t.Fatalf("%s: %d rows in %d pages, want several pages", tenant, len(rows), pages)
		}
		for _, e := range rows {
			if other, ok := seen[e.UserID]; ok && other != tenant {
				t.Errorf("user %s of %s appears in %s's report", e.UserID, other, tenant)
			}
			seen[e.UserID] = tenant
		}
		tid, _ := identity.TenantID(tenant)
		ledger := fetch(t, p.base+"/_mock/tenants/"+tid+"/calls?from=2026-08-03&to=2026-11-01")
		if diff := cmp.Diff(sumLedger(t, ledger), reportTotals(t, rows)); diff != "" {
			t.Errorf("%s: report disagrees with its ledger (-ledger +report):\n%s", tenant, diff)
		}
		// The domain names the same tenant on the control path.
		if byName := fetch(t, p.base+"/_mock/tenants/"+tenant+"/calls?from=2026-08-03&to=2026-11-01"); string(byName) != string(ledger) {
			t.Errorf("%s: the ledger by domain differs from the ledger by id", tenant)
		}
	}
	if status, a := tenantToken(t, p.base, "fabrikam.com", "contoso-only", "c-s3cret"); status != 400 || a.Error != "unauthorized_client" || len(a.Codes) != 1 || a.Codes[0] != 700016 {
		t.Errorf("an app limited to contoso.com asking in fabrikam.com = %d %+v, want 400 unauthorized_client [700016]", status, a)
	}
	if status, a := tenantToken(t, p.base, "contoso.com", "contoso-only", "c-s3cret"); status != 200 {
		t.Errorf("an app limited to contoso.com asking there = %d %+v, want a token", status, a)
	}
}

// TestTenantThrottlingThroughTheBinary: with --throttle 3/2s, tenant A at
// its limit gets 429 with Retry-After while tenant B is still served; the
// journal names the limit and the tenant.
func TestTenantThrottlingThroughTheBinary(t *testing.T) {
	p := startBinary(t, "--tenancy", "multi", "--users", "20", "--throttle", "3/2s")
	link := p.base + fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	tokA, tokB := unsignedToken("contoso.com"), unsignedToken("fabrikam.com")
	for i := range 3 {
		if status, _, b := call(t, http.MethodGet, link, "", "Authorization", "Bearer "+tokA); status != 200 {
			t.Fatalf("tenant A request %d: %d %s", i+1, status, b)
		}
	}
	status, h, _ := call(t, http.MethodGet, link, "", "Authorization", "Bearer "+tokA)
	if status != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("tenant A's 4th request = %d, Retry-After %q; want 429 with Retry-After", status, h.Get("Retry-After"))
	}
	if status, _, b := call(t, http.MethodGet, link, "", "Authorization", "Bearer "+tokB); status != 200 {
		t.Errorf("tenant B while A is throttled = %d %s, want 200", status, b)
	}
	var j []struct {
		Status int    `json:"status"`
		Tenant string `json:"tenant"`
		Limit  string `json:"limit"`
	}
	if err := json.Unmarshal(fetch(t, p.base+"/_mock/requests?status=429"), &j); err != nil {
		t.Fatal(err)
	}
	a, _ := identity.TenantID("contoso.com")
	if len(j) != 1 || j[0].Tenant != a || j[0].Limit != "app" {
		t.Errorf("journal of 429s = %+v, want one of tenant %s naming the limit app", j, a)
	}
	time.Sleep(2100 * time.Millisecond) // the window of 2 s passes
	if status, _, b := call(t, http.MethodGet, link, "", "Authorization", "Bearer "+tokA); status != 200 {
		t.Errorf("tenant A after its window = %d %s, want 200", status, b)
	}
}

// unsignedToken is a lenient-mode app token of tenant (a domain or an id):
// an unsigned JWT with a tid claim.
func unsignedToken(tenant string) string {
	tid, _ := identity.TenantID(tenant)
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." +
		enc(map[string]any{"tid": tid, "appid": "isv-app", "roles": []string{"CallRecords.Read.All"}}) + ".x"
}

func TestTenantsDir(t *testing.T) {
	dir := t.TempDir()
	edges, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "scenarios", "edges.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "fabrikam.com.json"), edges, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	base := startMock(t, nil, "--tenancy", "multi", "--tenants-dir", dir, "--users", "15", "--window-end", "2026-11-01")
	link := base + fn + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	rows, _ := pageAll(t, link, unsignedToken("fabrikam.com"))
	if len(rows) != 9 { // the edges scenario's October, by hand in server/report_test.go
		t.Errorf("fabrikam.com from its file: %d rows, want the edges scenario's 9", len(rows))
	}
	var list struct {
		Default string `json:"default"`
		Tenants []struct {
			ID, Source string
			Cached     bool
		} `json:"tenants"`
	}
	json.Unmarshal(fetch(t, base+"/_mock/tenants"), &list)
	fab, _ := identity.TenantID("fabrikam.com")
	sources := map[string]string{}
	for _, tn := range list.Tenants {
		sources[tn.ID] = tn.Source
	}
	if want := map[string]string{fab: "file", list.Default: "generated"}; !cmp.Equal(sources, want) {
		t.Errorf("tenants = %v, want %v", sources, want)
	}

	twice := t.TempDir()
	os.WriteFile(filepath.Join(twice, "fabrikam.com.json"), edges, 0o644)
	os.WriteFile(filepath.Join(twice, fab+".json"), edges, 0o644)
	if _, err := tenantFiles(twice); err == nil || !strings.Contains(err.Error(), "both tenant "+fab) {
		t.Errorf("two files of one tenant: %v, want an error naming the tenant", err)
	}
}

func TestTenancyFlags(t *testing.T) {
	today := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ok := []struct {
		args      []string
		cache     int64
		defaultID string
	}{
		{[]string{"--tenancy", "multi"}, 512 << 20, ""},
		{[]string{"--tenancy", "multi", "--tenant-cache", "64MiB", "--tenant-id", "AAAAAAAA-1111-4111-8111-000000000001"}, 64 << 20, "aaaaaaaa-1111-4111-8111-000000000001"},
		{[]string{"--tenancy", "multi", "--tenant-cache", "1GiB", "--tenant-users", "50-500"}, 1 << 30, ""},
		{[]string{"--tenancy", "multi", "--tenant-cache", "100000000"}, 100_000_000, ""},
	}
	for _, c := range ok {
		cfg, err := parseConfig(c.args, func(string) string { return "" }, &syncBuffer{}, today)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if cfg.tenancy.cacheBytes != c.cache || cfg.tenancy.defaultID != c.defaultID || !cfg.tenancy.multi() {
			t.Errorf("%v: tenancy %+v, want cache %d, default %q, multi", c.args, cfg.tenancy, c.cache, c.defaultID)
		}
	}
	bad := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--tenancy", "many"}, nil, "--tenancy: \"many\" is not single or multi"},
		{[]string{"--tenancy", "multi", "--tenant-id", "contoso.com"}, nil, "--tenant-id: \"contoso.com\" is not a tenant id"},
		{[]string{"--tenancy", "multi", "--tenant-cache", "lots"}, nil, "--tenant-cache \"lots\""},
		{[]string{"--tenancy", "multi", "--tenant-cache", "1KiB"}, nil, "--tenant-cache: 1024 bytes"},
		{[]string{"--tenancy", "multi", "--tenant-users", "9-3"}, nil, "--tenant-users: 9-3"},
		{[]string{"--tenancy", "multi", "--tenant-users", "1-1000000"}, nil, "--tenant-users: 1-1000000: a tenant of 1000000 users"},
		{[]string{"--tenant-users", "5-10"}, nil, "--tenant-users needs --tenancy multi"},
		{nil, map[string]string{"DIALOUTMOCK_TENANT_ID": "aaaaaaaa-1111-4111-8111-000000000001"}, "--tenant-id needs --tenancy multi"},
		{[]string{"--tenancy", "multi", "--tenants-dir", "/nonexistent/dir"}, nil, "--tenants-dir /nonexistent/dir: not a directory"},
	}
	for _, c := range bad {
		_, err := parseConfig(c.args, func(k string) string { return c.env[k] }, &syncBuffer{}, today)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want one containing %q", c.args, c.env, err, c.want)
		}
	}
	apps := writeFile(t, "apps.json", `{"apps":[{"clientId":"x","clientSecret":"s","tenants":["contoso.com","not a tenant"]}]}`)
	if _, err := parseConfig([]string{"--apps-file", apps}, func(string) string { return "" }, &syncBuffer{}, today); err == nil ||
		!strings.Contains(err.Error(), "apps[0]: tenants: tenant \"not a tenant\"") {
		t.Errorf("apps file with a bad tenant: %v, want it named", err)
	}
}

// TestTenancyBanner: the default tenant is printed at start.
func TestTenancyBanner(t *testing.T) {
	_, stdout, _ := startMockOutput(t, nil, "--tenancy", "multi", "--users", "15", "--window-end", "2026-11-01")
	want := fmt.Sprintf("many tenants: default tenant %s;", mustTenantID("contoso.onmicrosoft.com"))
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("banner:\n%s\nwant a line with %q", stdout, want)
	}
}

func mustTenantID(name string) string {
	tid, _ := identity.TenantID(name)
	return tid
}
