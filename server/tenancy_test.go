package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
)

// Tenants of the tests: ids as the token endpoint writes them.
const (
	tidA = "aaaaaaaa-1111-4111-8111-000000000001"
	tidB = "bbbbbbbb-2222-4222-8222-000000000002"
)

// tenantWindow is the window of the tests' generated tenants; septemberToOct
// is a range inside it.
var tenantWindowEnd = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)

const septemberToOctober = "(fromDateTime=2026-09-01,toDateTime=2026-10-31)"

// smallTenants is a builder of small generated tenants (a few hundred
// calls), counting its builds.
func smallTenants(builds *atomic.Int64) func(ctx context.Context, tid string) (Dataset, error) {
	base := generator.DefaultSpec(tenantWindowEnd)
	base.Users, base.WindowDays = 12, 90
	gen := dataset.TenantGenerator(base, dataset.TenantUsers{Min: 8, Max: 16})
	return func(ctx context.Context, tid string) (Dataset, error) {
		if builds != nil {
			builds.Add(1)
		}
		return gen(ctx, tid)
	}
}

// newMultiServer starts a server with many tenants over small generated
// tenants; the default tenant starts with the edges scenario.
func newMultiServer(tb testing.TB, cfg Config) (*Server, string) {
	tb.Helper()
	cfg.Tenancy.Mode = TenancyMulti
	if cfg.Tenancy.Generate == nil {
		cfg.Tenancy.Generate = smallTenants(nil)
	}
	s, ts := newTestServer(tb, scenarioDataset(tb, "edges"), cfg)
	return s, ts.URL
}

// tokenOf is an unsigned app token of tenant tid, as lenient mode reads it.
func tokenOf(tid, app string) string {
	return jwt(map[string]any{"roles": []string{"CallRecords.Read.All"}, "appid": app, "tid": tid})
}

// readAll pages the report over r with the token and returns its rows.
func readAll(tb testing.TB, base, r, token string) []row {
	tb.Helper()
	var rows []row
	for link := base + fnPath + r; link != ""; {
		p := decodePage(tb, get(tb, link, "Authorization", "Bearer "+token))
		rows = append(rows, p.Value...)
		link = p.NextLink
	}
	return rows
}

func TestTenantsSeeTheirOwnData(t *testing.T) {
	_, base := newMultiServer(t, Config{PageSize: 5})
	a := readAll(t, base, septemberToOctober, tokenOf(tidA, "app-1"))
	b := readAll(t, base, septemberToOctober, tokenOf(tidB, "app-1"))
	if len(a) == 0 || len(b) == 0 {
		t.Fatalf("rows: tenant A %d, tenant B %d; want some each", len(a), len(b))
	}
	users := map[string]bool{}
	for _, r := range a {
		users[r.UserID] = true
	}
	for _, r := range b {
		if users[r.UserID] {
			t.Fatalf("tenant B sees user %s of tenant A", r.UserID)
		}
	}
	if again := readAll(t, base, septemberToOctober, tokenOf(tidA, "app-2")); !cmp.Equal(again, a) {
		t.Errorf("tenant A read again by another app differs:\n%s", cmp.Diff(a, again))
	}
	// The same tenant named by its upper-case id, or by the domain name the
	// token endpoint maps to it, is the same tenant.
	fabrikam, _ := identity.TenantID("fabrikam.com")
	byName := readAll(t, base, septemberToOctober, tokenOf("fabrikam.com", "app-1"))
	byID := readAll(t, base, septemberToOctober, tokenOf(strings.ToUpper(fabrikam), "app-1"))
	if !cmp.Equal(byName, byID) {
		t.Errorf("fabrikam.com by name and by id differ")
	}
	// No token tid, an opaque token: the default tenant, here the edges scenario.
	want := readAll(t, base, "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "opaque")
	if got := readAll(t, base, "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", jwt(map[string]any{"appid": "x"})); !cmp.Equal(got, want) || len(want) != len(edgesOctober) {
		t.Errorf("a JWT without tid: %d rows, opaque token: %d rows; want the default tenant's %d both", len(got), len(want), len(edgesOctober))
	}
}

func TestSameTenantSameDataOnAnyReplica(t *testing.T) {
	_, one := newMultiServer(t, Config{})
	_, two := newMultiServer(t, Config{})
	for _, tid := range []string{tidA, tidB} {
		r1 := get(t, one+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tid, "x"))
		r2 := get(t, two+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tid, "x"))
		body2 := bytes.ReplaceAll(r2.body, []byte(two), []byte(one))
		if r1.status != 200 || !bytes.Equal(r1.body, body2) {
			t.Errorf("tenant %s: two replicas answer differently (%d, %d)", tid, r1.status, r2.status)
		}
	}
}

func TestNextLinkOfAnotherTenantIsRefused(t *testing.T) {
	_, base := newMultiServer(t, Config{PageSize: 2})
	p := decodePage(t, get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tidA, "app")))
	if p.NextLink == "" {
		t.Fatal("no nextLink on the first page")
	}
	r := get(t, p.NextLink, "Authorization", "Bearer "+tokenOf(tidB, "app"))
	e := checkEnvelope(t, r, 400, "BadRequest")
	if !strings.Contains(*e.Error.Message, "dataset version") {
		t.Errorf("message = %q, want it to say the link belongs to another dataset version", *e.Error.Message)
	}
	if r := get(t, p.NextLink, "Authorization", "Bearer "+tokenOf(tidA, "other-app")); r.status != 200 {
		t.Errorf("the link with a token of its own tenant = %d, want 200", r.status)
	}
}

func TestConcurrentFirstRequestsBuildOnce(t *testing.T) {
	var builds atomic.Int64
	_, base := newMultiServer(t, Config{Tenancy: Tenancy{Generate: smallTenants(&builds)}})
	var wg sync.WaitGroup
	bodies := make([][]byte, 16)
	for i := range bodies {
		wg.Go(func() {
			r := get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tidA, "app"))
			bodies[i] = r.body
		})
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("builds = %d, want 1", n)
	}
	for i := range bodies {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Fatalf("answer %d differs from answer 0", i)
		}
	}
}

func TestEvictedTenantsAreRebuiltIdentically(t *testing.T) {
	var builds atomic.Int64
	s, base := newMultiServer(t, Config{Tenancy: Tenancy{Generate: smallTenants(&builds), CacheBytes: 1 << 20}})
	tid := func(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
	first := map[int][]byte{}
	const n = 120
	for i := range n {
		first[i] = get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tid(i), "app")).body
	}
	held, cached := s.tenants.held()
	if held > 1<<20 || cached >= n {
		t.Errorf("held %d bytes in %d tenants, want at most %d bytes and some evicted", held, cached, 1<<20)
	}
	before := builds.Load()
	for i := range n {
		if got := get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tid(i), "app")).body; !bytes.Equal(got, first[i]) {
			t.Fatalf("tenant %d after eviction answers differently", i)
		}
	}
	if builds.Load() == before {
		t.Error("no tenant was rebuilt: nothing was evicted")
	}
	var list tenantsBody
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/tenants", nil).body, &list)
	evicted := 0
	for _, ti := range list.Tenants {
		if !ti.Cached {
			evicted++
			if ti.Source != "generated" || ti.Summary == nil || ti.Summary.Calls == 0 {
				t.Errorf("evicted tenant %+v: want generated with its summary", ti)
			}
		}
	}
	if len(list.Tenants) != n+1 || evicted == 0 {
		t.Errorf("GET /_mock/tenants: %d tenants, %d evicted; want %d (the default too), some evicted", len(list.Tenants), evicted, n+1)
	}
}

func TestTenantControlPaths(t *testing.T) {
	s, base := newMultiServer(t, Config{})
	tokA := "Bearer " + tokenOf(tidA, "app")
	generated := get(t, base+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "Authorization", tokA)

	// An upload to tenant A: A sees it, B and the default tenant do not.
	r := send(t, http.MethodPut, base+"/_mock/tenants/"+tidA+"/dataset?name=tiny", []byte(tinyScenario))
	if r.status != 200 {
		t.Fatalf("PUT tenant dataset = %d: %s", r.status, r.body)
	}
	rows := readAll(t, base, "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", tokenOf(tidA, "app"))
	if len(rows) != 1 || rows[0].UserPrincipalName != "solo@contoso.com" {
		t.Errorf("tenant A after the upload: %+v, want the tiny scenario's one row", rows)
	}
	if n := len(readAll(t, base, "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "opaque")); n != len(edgesOctober) {
		t.Errorf("default tenant after A's upload: %d rows, want the edges' %d", n, len(edgesOctober))
	}
	calls := send(t, http.MethodGet, base+"/_mock/tenants/"+tidA+"/calls", nil)
	if lines := bytes.Count(calls.body, []byte("\n")); calls.status != 200 || lines != 1 {
		t.Errorf("GET tenant A's calls = %d with %d lines, want 200 with 1", calls.status, lines)
	}
	var sum datasetSummary
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/tenants/"+tidA+"/dataset", nil).body, &sum)
	if sum.Calls != 1 || sum.Name != "scenario tiny" || !strings.HasSuffix(sum.Version, tenantVersion(tidA, "")) {
		t.Errorf("tenant A's summary = %+v, want the tiny scenario", sum)
	}
	info := tenantByID(t, base, tidA)
	if info.Source != "upload" || !info.Cached {
		t.Errorf("tenant A listed as %+v, want an upload, held", info)
	}
	if d := tenantByID(t, base, s.DefaultTenant()); d.Source != "generated" || !d.Cached {
		t.Errorf("default tenant listed as %+v, want held", d)
	}

	// The reset of tenant A: back to its generated data.
	if r := send(t, http.MethodPost, base+"/_mock/tenants/"+tidA+"/reset", nil); r.status != 200 {
		t.Fatalf("reset tenant A = %d: %s", r.status, r.body)
	}
	if again := get(t, base+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "Authorization", tokA); !bytes.Equal(again.body, generated.body) {
		t.Error("tenant A after its reset differs from its generated data")
	}
	if info := tenantByID(t, base, tidA); info.Source != "generated" {
		t.Errorf("tenant A after its reset listed as %+v, want generated", info)
	}

	// A tenant named by a domain; a bad one.
	if r := send(t, http.MethodGet, base+"/_mock/tenants/fabrikam.com/dataset", nil); r.status != 200 {
		t.Errorf("GET /_mock/tenants/fabrikam.com/dataset = %d, want 200", r.status)
	}
	checkEnvelope(t, send(t, http.MethodGet, base+"/_mock/tenants/no%20such/dataset", nil), 400, "BadRequest")
}

func tenantByID(tb testing.TB, base, tid string) tenantInfo {
	tb.Helper()
	var list tenantsBody
	if err := json.Unmarshal(send(tb, http.MethodGet, base+"/_mock/tenants", nil).body, &list); err != nil {
		tb.Fatal(err)
	}
	for _, ti := range list.Tenants {
		if ti.ID == tid {
			return ti
		}
	}
	tb.Fatalf("tenant %s not in GET /_mock/tenants", tid)
	return tenantInfo{}
}

func TestJournalAndFaultsPerTenant(t *testing.T) {
	s, base := newMultiServer(t, Config{})
	if r := send(t, http.MethodPost, base+"/_mock/faults", []byte(`{"times":1,"status":503,"tenant":"`+tidB+`"}`)); r.status != 201 {
		t.Fatalf("queue fault = %d: %s", r.status, r.body)
	}
	if r := get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tidA, "app")); r.status != 200 {
		t.Errorf("tenant A = %d, want 200: the fault names tenant B", r.status)
	}
	if r := get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tidB, "app")); r.status != 503 {
		t.Errorf("tenant B = %d, want the fault's 503", r.status)
	}
	get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer opaque")
	var j []JournalEntry
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/requests", nil).body, &j)
	var got []string
	for _, e := range j {
		got = append(got, e.Tenant)
	}
	if want := []string{tidA, tidB, s.DefaultTenant()}; !cmp.Equal(got, want) {
		t.Errorf("journal tenants = %v, want %v", got, want)
	}
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/requests?tenant="+tidB, nil).body, &j)
	if len(j) != 1 || j[0].Status != 503 {
		t.Errorf("?tenant=B = %+v, want B's one request", j)
	}
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/requests?tenant=contoso.onmicrosoft.com", nil).body, &j)
	if len(j) != 1 || j[0].Tenant != s.DefaultTenant() {
		t.Errorf("?tenant=contoso.onmicrosoft.com = %+v, want the default tenant's request", j)
	}
	// A token request is the tenant of its path.
	send(t, http.MethodPost, base+"/fabrikam.com/oauth2/v2.0/token", nil)
	fabrikam, _ := identity.TenantID("fabrikam.com")
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/requests?path=oauth2", nil).body, &j)
	if len(j) != 1 || j[0].Tenant != fabrikam {
		t.Errorf("token request journaled as %+v, want tenant %s", j, fabrikam)
	}
	checkEnvelope(t, send(t, http.MethodPost, base+"/_mock/faults", []byte(`{"times":1,"status":503,"tenant":"not a tenant"}`)), 400, "BadRequest")
}

func TestSingleTenancyShowsNoTenant(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	get(t, ts.URL+october, "Authorization", "Bearer "+tokenOf(tidA, "app"))
	body := send(t, http.MethodGet, ts.URL+"/_mock/requests", nil).body
	if bytes.Contains(body, []byte(`"tenant"`)) || bytes.Contains(body, []byte(`"limit"`)) {
		t.Errorf("single tenancy journal carries tenant or limit: %s", body)
	}
	if h := send(t, http.MethodGet, ts.URL+"/_mock/health", nil).body; bytes.Contains(h, []byte("tenancy")) {
		t.Errorf("single tenancy health = %s, want no tenancy field", h)
	}
	if r := send(t, http.MethodGet, ts.URL+"/_mock/tenants", nil); r.status != 404 {
		t.Errorf("GET /_mock/tenants in single tenancy = %d, want 404 as before", r.status)
	}
	checkEnvelope(t, send(t, http.MethodPost, ts.URL+"/_mock/faults", []byte(`{"times":1,"status":503,"tenant":"`+tidA+`"}`)), 400, "BadRequest")
	// Every tenant sees the one dataset.
	a := readAll(t, ts.URL, "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", tokenOf(tidA, "x"))
	b := readAll(t, ts.URL, "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", tokenOf(tidB, "x"))
	if !cmp.Equal(a, b) || len(a) != len(edgesOctober) {
		t.Errorf("single tenancy: tenants see %d and %d rows, want the same %d", len(a), len(b), len(edgesOctober))
	}
}

func TestMultiHealth(t *testing.T) {
	_, base := newMultiServer(t, Config{})
	var h map[string]any
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/health", nil).body, &h)
	if h["tenancy"] != "multi" || h["status"] != "ok" {
		t.Errorf("health = %v, want status ok and tenancy multi", h)
	}
}

func TestThrottlingPerTenant(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	limits, err := ParseThrottle("3/10s")
	if err != nil {
		t.Fatal(err)
	}
	s, base := newMultiServer(t, Config{Throttle: limits, Now: clock})
	call := func(tid, app string) response {
		return get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tid, app))
	}
	for i := range 3 {
		if r := call(tidA, "app"); r.status != 200 {
			t.Fatalf("tenant A request %d = %d", i+1, r.status)
		}
	}
	r := call(tidA, "app")
	checkEnvelope(t, r, 429, "TooManyRequests")
	if ra := r.header.Get("Retry-After"); ra != "10" {
		t.Errorf("Retry-After = %q, want 10", ra)
	}
	if r := call(tidB, "app"); r.status != 200 {
		t.Errorf("tenant B with the same app = %d, want 200: the limit is per app per tenant", r.status)
	}
	if r := call(tidA, "other-app"); r.status != 200 {
		t.Errorf("another app in tenant A = %d, want 200", r.status)
	}
	j := s.Journal(JournalFilter{Status: 429})
	if len(j) != 1 || j[0].Limit != "app" || j[0].Tenant != tidA {
		t.Errorf("journal of 429s = %+v, want one of tenant A naming the limit app", j)
	}
}

func TestThrottleLimitsNamed(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		limit  Limit
		second string // tid and app of the request after the first, which the limit refuses
		app    string
	}{
		{"per tenant", Limit{PerTenant, 1, time.Minute}, tidA, "app-2"},
		{"per app in a tenant", Limit{PerApp, 1, time.Minute}, tidA, "app-1"},
		{"per collection", Limit{PerCollection, 1, time.Minute}, tidA, "app-1"},
		{"per app across tenants", Limit{PerAppGlobal, 1, time.Minute}, tidB, "app-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, base := newMultiServer(t, Config{Throttle: []Limit{tc.limit}, Now: func() time.Time { return now }})
			get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tidA, "app-1"))
			r := get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tc.second, tc.app))
			checkEnvelope(t, r, 429, "TooManyRequests")
			j := s.Journal(JournalFilter{Status: 429})
			if len(j) != 1 || j[0].Limit != string(tc.limit.Scope) {
				t.Errorf("journal of 429s = %+v, want limit %q", j, tc.limit.Scope)
			}
		})
	}
}

func TestTenancyIsValidated(t *testing.T) {
	cases := []struct {
		tenancy Tenancy
		field   string
	}{
		{Tenancy{Mode: "many"}, "Tenancy.Mode"},
		{Tenancy{Mode: TenancyMulti, Default: "contoso.com"}, "Tenancy.Default"},
		{Tenancy{Mode: TenancyMulti, CacheBytes: -1}, "Tenancy.CacheBytes"},
		{Tenancy{Mode: TenancyMulti, CacheBytes: 1000}, "Tenancy.CacheBytes"},
		{Tenancy{Mode: TenancyMulti, Files: map[string]Dataset{"x": {}}}, "Tenancy.Files"},
	}
	for _, tc := range cases {
		err := Config{Tenancy: tc.tenancy}.withDefaults().Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("Validate(%+v) = %v, want a FieldError of %s", tc.tenancy, err, tc.field)
		}
	}
	if _, err := New(scenarioDataset(t, "edges"), Config{Tenancy: Tenancy{Mode: TenancyMulti}}); err == nil {
		t.Error("New with many tenants and no Generate: nil error")
	}
}

func TestTenantFilesAndDefault(t *testing.T) {
	fileDS := scenarioDataset(t, "multi-currency")
	s, base := newMultiServer(t, Config{Tenancy: Tenancy{Default: tidB, Files: map[string]Dataset{tidA: fileDS}}})
	if s.DefaultTenant() != tidB {
		t.Errorf("DefaultTenant() = %s, want %s", s.DefaultTenant(), tidB)
	}
	info := tenantByID(t, base, tidA)
	if info.Source != "file" || !info.Cached || info.Summary.Calls != fileDS.Source.Summary().Calls {
		t.Errorf("file tenant listed as %+v, want a file, held, with its calls", info)
	}
	send(t, http.MethodPut, base+"/_mock/tenants/"+tidA+"/dataset", []byte(tinyScenario))
	send(t, http.MethodPost, base+"/_mock/tenants/"+tidA+"/reset", nil)
	if info := tenantByID(t, base, tidA); info.Source != "file" || info.Summary.Calls != fileDS.Source.Summary().Calls {
		t.Errorf("file tenant after upload and reset = %+v, want its file back", info)
	}
	// The whole server's reset puts every tenant back.
	send(t, http.MethodPut, base+"/_mock/tenants/"+tidA+"/dataset", []byte(tinyScenario))
	send(t, http.MethodPut, base+"/_mock/dataset", []byte(tinyScenario))
	send(t, http.MethodPost, base+"/_mock/reset", nil)
	if info := tenantByID(t, base, tidA); info.Source != "file" {
		t.Errorf("file tenant after POST /_mock/reset = %+v, want its file", info)
	}
	if n := len(readAll(t, base, "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "opaque")); n != len(edgesOctober) {
		t.Errorf("default tenant after POST /_mock/reset: %d rows, want the edges' %d", n, len(edgesOctober))
	}
}
