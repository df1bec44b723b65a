package mocktest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/server"
)

// Many tenants (docs/contract.md#many-tenants): with WithTenancy, each
// token's tenant (its tid claim) has its own data. Tenants without data of
// their own get a generated tenant seeded by the generator spec's seed and
// their tenant id; WithTenantScenario gives a tenant a scenario. TokenFor
// and ClientFor act as a tenant; the embedded server's TenantDataset,
// SwapTenant, LoadTenantScenario, ResetTenant and Tenants are the control
// API of one tenant.

type tenantOptions struct {
	users     dataset.TenantUsers
	cache     int64
	defaultID string
	docs      map[string]tenantDoc // by tenant id
}

type tenantDoc struct {
	name string
	doc  []byte
}

// tenantsOf returns o's tenant options, made if needed: any tenant option
// turns many tenants on.
func (o *options) tenantsOf() *tenantOptions {
	if o.tenants == nil {
		o.tenants = &tenantOptions{docs: map[string]tenantDoc{}}
	}
	return o.tenants
}

// WithTenancy serves many tenants: each request's data is its token's
// tenant's. The others With options of this file imply it.
func WithTenancy() Option {
	return func(o *options) error { o.tenantsOf(); return nil }
}

// WithTenantUsers draws the users of each generated tenant from min to max
// (inclusive), by the tenant id; without it every tenant has the generator
// spec's users.
func WithTenantUsers(min, max int) Option {
	return func(o *options) error {
		o.tenantsOf().users = dataset.TenantUsers{Min: min, Max: max}
		return nil
	}
}

// WithTenantCache bounds the memory generated tenants hold (default
// server.DefaultTenantCacheBytes); the least recently used are evicted and
// rebuilt identically when asked again.
func WithTenantCache(bytes int64) Option {
	return func(o *options) error { o.tenantsOf().cache = bytes; return nil }
}

// WithDefaultTenant sets the tenant of tokens without a tid: a tenant id or
// a domain name (default: contoso.onmicrosoft.com's id, the tenant of
// Token).
func WithDefaultTenant(tenant string) Option {
	return func(o *options) error {
		tid, ok := identity.TenantID(tenant)
		if !ok {
			return fmt.Errorf("default tenant %q: want a tenant id or a domain name", tenant)
		}
		o.tenantsOf().defaultID = tid
		return nil
	}
}

// WithTenantScenario gives tenant (a tenant id or a domain name) a scenario
// document of its own, as a file of dialoutmock --tenants-dir does.
func WithTenantScenario(tenant string, doc []byte) Option {
	return func(o *options) error { return o.addTenantDoc(tenant, tenant, doc) }
}

// WithTenantScenarioFile gives tenant a scenario file of its own.
func WithTenantScenarioFile(tenant, path string) Option {
	return func(o *options) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return o.addTenantDoc(tenant, filepath.Base(path), b)
	}
}

func (o *options) addTenantDoc(tenant, name string, doc []byte) error {
	tid, ok := identity.TenantID(tenant)
	if !ok {
		return fmt.Errorf("tenant %q: want a tenant id or a domain name", tenant)
	}
	o.tenantsOf().docs[tid] = tenantDoc{name: name, doc: doc}
	return nil
}

// defaultTenant is the tenant of tokens without a tid.
func (t *tenantOptions) defaultTenant() string {
	if t.defaultID != "" {
		return t.defaultID
	}
	return server.DefaultTenantID()
}

// defaultTenant builds the default tenant's startup dataset: its scenario,
// else its generated tenant.
func (o *options) defaultTenant() (server.Dataset, error) {
	t := o.tenants
	if d, ok := t.docs[t.defaultTenant()]; ok {
		return loadDoc(d)
	}
	if err := t.users.Validate(o.spec); err != nil {
		return server.Dataset{}, err
	}
	return dataset.TenantGenerator(o.spec, t.users)(context.Background(), t.defaultTenant())
}

func loadDoc(d tenantDoc) (server.Dataset, error) {
	loader, err := dataset.NewScenarioLoader()
	if err != nil {
		return server.Dataset{}, err
	}
	ds, err := loader.Load(d.name, d.doc)
	if err != nil {
		return ds, fmt.Errorf("tenant scenario %s: %w", d.name, err)
	}
	return ds, nil
}

// configureTenants sets the server's tenancy from the options.
func (o *options) configureTenants() error {
	t := o.tenants
	if t == nil {
		return nil
	}
	if err := t.users.Validate(o.spec); err != nil {
		return err
	}
	tc := server.Tenancy{Mode: server.TenancyMulti, Default: t.defaultID, CacheBytes: t.cache,
		Generate: dataset.TenantGenerator(o.spec, t.users), Files: map[string]server.Dataset{}}
	for tid, d := range t.docs {
		ds, err := loadDoc(d)
		if err != nil {
			return err
		}
		tc.Files[tid] = ds
	}
	o.config.Tenancy = tc
	return nil
}

// TokenFor mints a token of tenant (a tenant id or a domain name) that the
// mock accepts in every auth mode, strict included, as its token endpoint
// issues it to the default app holding roles (none: a token strict mode
// forbids).
func (s *Server) TokenFor(tb testing.TB, tenant string, roles ...string) string {
	tb.Helper()
	app := identity.DefaultApp()
	app.Roles = roles
	cl, err := s.Identity().Claims(app, tenant)
	if err != nil {
		tb.Fatalf("mocktest: token for %s: %v", tenant, err)
	}
	tok, err := s.Identity().Sign(cl)
	if err != nil {
		tb.Fatalf("mocktest: sign token: %v", err)
	}
	return tok
}

// ClientFor returns a client for the mock that acts as tenant: it adds a
// token of the tenant (with the report's role) to requests that carry no
// Authorization header.
func (s *Server) ClientFor(tb testing.TB, tenant string) *http.Client {
	tb.Helper()
	c := s.ts.Client()
	c.Transport = bearer{token: s.TokenFor(tb, tenant, "CallRecords.Read.All"), next: c.Transport}
	return c
}

// TenantRequests lists what clients of tenant (an id or a domain name)
// sent, oldest first.
func (s *Server) TenantRequests(tenant string) []server.JournalEntry {
	tid, ok := identity.TenantID(tenant)
	if !ok {
		return nil
	}
	return s.Journal(server.JournalFilter{Tenant: tid})
}
