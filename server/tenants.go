package server

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
)

// The request side of many tenants (docs/contract.md#many-tenants): which
// tenant a request belongs to, the holder it reads, and the control API's
// per-tenant paths. In single tenancy every request reads the server's one
// holder and none of this shows.

// setupTenancy makes ds the startup dataset of the default tenant (of the
// only one, in single tenancy) and, with many tenants, starts the registry
// with the tenants read from files.
func (s *Server) setupTenancy(ds Dataset) error {
	tc := s.cfg.Tenancy
	if !tc.multi() {
		s.tenantState = newTenantState("", ds)
		return nil
	}
	if tc.Generate == nil {
		return errors.New("many tenants need Tenancy.Generate, the builder of generated tenants")
	}
	max := tc.CacheBytes
	if max == 0 {
		max = DefaultTenantCacheBytes
	}
	// The bound covers what many tenants hold: a quarter for the report
	// rows cached for all of them, the rest for generated tenants' ledgers.
	rows := min(defaultCacheBytes, max/4)
	s.cache = newRowCache(rows)
	s.throttle.maxKeys = maxTenantThrottleKeys
	s.tenants = &tenants{def: tc.Default, generate: tc.Generate, known: map[string]*tenantEntry{},
		lru: list.New(), maxBytes: max - rows}
	if s.tenants.def == "" {
		s.tenants.def = DefaultTenantID()
	}
	for tid, fds := range tc.Files {
		if tid != s.tenants.def {
			s.tenants.fix(strings.ToLower(tid), fds, sourceFile)
		}
	}
	source := sourceGenerated
	if _, ok := tc.Files[s.tenants.def]; ok {
		source = sourceFile
	}
	s.tenantState = s.tenants.fix(s.tenants.def, ds, source)
	return nil
}

// maxTenantThrottleKeys bounds the throttler's sliding logs with many
// tenants: a few for each of many tenants, each of a few entries.
const maxTenantThrottleKeys = 1_000_000

// multi reports whether the server keys data by tenant.
func (s *Server) multi() bool { return s.tenants != nil }

const (
	ctxTenantID    = "dialoutkit.tenant-id"
	ctxTenantState = "dialoutkit.tenant"
)

// tenant returns the holder of the request's dataset: the tenant's, set by
// resolveTenant or tenantPath, else the default tenant's (the only one in
// single tenancy).
func (s *Server) tenant(c echo.Context) *tenantState {
	if st, ok := c.Get(ctxTenantState).(*tenantState); ok {
		return st
	}
	return s.tenantState
}

// tenantID returns the tenant of the request with many tenants, "" in
// single tenancy: a control path's tenant, the tenant of an identity
// endpoint's path, else the tid claim of the bearer JWT, read as lenient
// mode reads it (strict mode verifies the token before any data is read);
// without one, the default tenant (decision D13).
func (s *Server) tenantID(c echo.Context) string {
	if !s.multi() {
		return ""
	}
	if tid, ok := c.Get(ctxTenantID).(string); ok {
		return tid
	}
	tid := s.tenants.def
	if seg := c.Param("tenant"); seg != "" { // an identity endpoint
		if t, ok := identity.TenantID(seg); ok {
			tid = t
		}
	} else if cl, ok := identity.Inspect(bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))); ok && cl.Tid != "" {
		if t, ok := identity.TenantID(cl.Tid); ok {
			tid = t
		}
	}
	c.Set(ctxTenantID, tid)
	return tid
}

// resolveTenant selects the dataset of the request's tenant, building a
// generated tenant on its first request.
func (s *Server) resolveTenant(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.multi() {
			return next(c)
		}
		st, err := s.tenants.get(c.Request().Context(), s.tenantID(c))
		if err != nil {
			return err
		}
		c.Set(ctxTenantState, st)
		return next(c)
	}
}

// tenantPath selects the tenant of a control path /_mock/tenants/{tid}/...:
// a tenant id, or a domain name the token endpoint maps to one.
func (s *Server) tenantPath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tid, ok := identity.TenantID(c.Param("tid"))
		if !ok {
			return badRequest("The tenant '%s' is neither a tenant id (a GUID) nor a domain name.", printable(c.Param("tid")))
		}
		c.Set(ctxTenantID, tid)
		if c.Request().Method == http.MethodPut || strings.HasSuffix(c.Path(), "/reset") {
			return next(c) // an upload or a reset need not build the tenant first
		}
		st, err := s.tenants.get(c.Request().Context(), tid)
		if err != nil {
			return err
		}
		c.Set(ctxTenantState, st)
		return next(c)
	}
}

// swapIn (run in request order by builds) makes ds the dataset of the request's tenant and returns it as
// served: with many tenants an upload, pinned, its version bound to the
// tenant.
func (s *Server) swapIn(c echo.Context, ds Dataset) Dataset {
	if !s.multi() {
		s.install(ds)
		return ds
	}
	return s.tenants.upload(s.tenantID(c), ds)
}

// tenantsBody is the body of GET /_mock/tenants.
type tenantsBody struct {
	Default string       `json:"default"`
	Tenants []tenantInfo `json:"tenants"`
}

// handleTenants lists the tenants known so far: their source, whether
// their data is held, and a summary.
func (s *Server) handleTenants(c echo.Context) error {
	return c.JSON(http.StatusOK, tenantsBody{Default: s.tenants.def, Tenants: s.tenants.list()})
}

// handleTenantReset puts one tenant back to its startup data and clears
// what the server keeps about it: its journal entries, the faults naming
// it, its throttling state.
//
// Like a PUT, a reset takes effect in request order (builds): it supersedes
// the tenant's dataset build still under way, whose PUT is answered 409.
func (s *Server) handleTenantReset(c echo.Context) error {
	tid := s.tenantID(c)
	s.resetTenant(tid)
	st, err := s.tenants.get(c.Request().Context(), tid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.summary(st.data.Load()))
}

// Tenants lists the tenants known so far, by id; nil in single tenancy.
func (s *Server) Tenants() []TenantInfo {
	if !s.multi() {
		return nil
	}
	var out []TenantInfo
	for _, t := range s.tenants.list() {
		out = append(out, TenantInfo{ID: t.ID, Source: t.Source, Cached: t.Cached, Version: t.Summary.Version})
	}
	return out
}

// TenantInfo describes a tenant the server knows.
type TenantInfo struct {
	ID      string // tenant id
	Source  string // generated, file or upload
	Cached  bool   // its data is held
	Version string // its dataset version
}

// TenantDataset returns the dataset tenant tid (a tenant id or a domain
// name) is served, building a generated tenant if needed. In single
// tenancy every tenant is served the one dataset.
func (s *Server) TenantDataset(ctx context.Context, tid string) (Dataset, error) {
	if !s.multi() {
		return s.Dataset(), nil
	}
	id, ok := identity.TenantID(tid)
	if !ok {
		return Dataset{}, badRequest("The tenant '%s' is neither a tenant id (a GUID) nor a domain name.", printable(tid))
	}
	st, err := s.tenants.get(ctx, id)
	if err != nil {
		return Dataset{}, err
	}
	return *st.data.Load(), nil
}

// SwapTenant makes ds the dataset of tenant tid (an upload, never
// evicted) and returns it as served, its version bound to the tenant. In
// single tenancy it is Swap.
func (s *Server) SwapTenant(tid string, ds Dataset) (Dataset, error) {
	if !s.multi() {
		s.Swap(ds)
		return ds, nil
	}
	id, ok := identity.TenantID(tid)
	if !ok {
		return Dataset{}, badRequest("The tenant '%s' is neither a tenant id (a GUID) nor a domain name.", printable(tid))
	}
	var served Dataset
	s.builds.swap(id, func() { served = s.tenants.upload(id, ds) })
	return served, nil
}

// LoadTenantScenario checks a scenario document and serves it to tenant
// tid, as PUT /_mock/tenants/{tid}/dataset does. Like LoadScenario, a later
// change of the tenant begun before it is installed supersedes it
// (ErrSuperseded).
func (s *Server) LoadTenantScenario(tid, name string, doc []byte) (Dataset, error) {
	if !s.multi() {
		return s.LoadScenario(name, doc)
	}
	id, ok := identity.TenantID(tid)
	if !ok {
		return Dataset{}, badRequest("The tenant '%s' is neither a tenant id (a GUID) nor a domain name.", printable(tid))
	}
	b := s.builds.begin(context.Background(), id)
	defer b.end()
	var served Dataset
	_, err := b.run(func(ctx context.Context) (Dataset, error) {
		return s.scenarios.Read(ctx, name, dataset.FormatOf(name, ""), bytes.NewReader(doc))
	}, func(ds Dataset) { served = s.tenants.upload(id, ds) })
	if err != nil {
		return Dataset{}, err
	}
	return served, nil
}

// ResetTenant puts tenant tid back to its startup data and clears its
// journal entries, faults and throttling state. In single tenancy it is
// Reset.
func (s *Server) ResetTenant(tid string) error {
	if !s.multi() {
		s.Reset()
		return nil
	}
	id, ok := identity.TenantID(tid)
	if !ok {
		return badRequest("The tenant '%s' is neither a tenant id (a GUID) nor a domain name.", printable(tid))
	}
	s.resetTenant(id)
	return nil
}

// resetTenant puts tenant tid back to its startup data and clears its
// journal entries, faults and throttling state, in request order with the
// tenant's other changes (builds).
func (s *Server) resetTenant(tid string) {
	s.builds.swap(tid, func() {
		s.tenants.reset(tid)
		s.journal.clearTenant(tid)
		s.faults.clearTenant(tid)
		s.throttle.resetTenant(tid)
	})
}

// DefaultTenant returns the tenant id of requests whose token names none;
// "" in single tenancy.
func (s *Server) DefaultTenant() string {
	if !s.multi() {
		return ""
	}
	return s.tenants.def
}

// tenancyName is what GET /_mock/health says of tenancy: "multi" with many
// tenants, nothing otherwise (its body stays as it was).
func (s *Server) tenancyName() string {
	if s.multi() {
		return string(TenancyMulti)
	}
	return ""
}

// tenantParam reads a tenant given as a tenant id or a domain name, as the
// token endpoint maps names; what is neither stays as given (it matches
// nothing).
func tenantParam(v string) string {
	if tid, ok := identity.TenantID(v); ok {
		return tid
	}
	return v
}

// checkFaultTenant checks and normalizes the tenant a fault names: a
// tenant id or a domain name, with many tenants only.
func (s *Server) checkFaultTenant(f *Fault) error {
	if f.Tenant == "" {
		return nil
	}
	if !s.multi() {
		return errors.New("tenant: this server serves one dataset to every tenant (tenancy single): leave tenant out")
	}
	tid, ok := identity.TenantID(f.Tenant)
	if !ok {
		return fmt.Errorf("tenant: %q is neither a tenant id (a GUID) nor a domain name", printable(f.Tenant))
	}
	f.Tenant = tid
	return nil
}

// clearTenant drops the entries of tenant tid.
func (j *journal) clearTenant(tid string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	kept := slices.Concat(j.entries[j.next:], j.entries[:j.next])
	kept = slices.DeleteFunc(kept, func(e JournalEntry) bool { return e.Tenant == tid })
	j.entries = append(j.entries[:0], kept...)
	j.next, j.full = 0, false
}

// clearTenant drops the faults naming tenant tid.
func (q *faultQueue) clearTenant(tid string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queued = slices.DeleteFunc(q.queued, func(f *QueuedFault) bool { return f.Tenant == tid })
	q.n.Store(int32(len(q.queued)))
}
