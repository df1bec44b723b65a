package server

import (
	"cmp"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/report"
)

// Many tenants (docs/contract.md#many-tenants). In multi tenancy every
// request belongs to a tenant: the tid claim of its bearer JWT, or the
// default tenant for a request without one (decision D13). Each tenant has
// its own dataset holder (tenantState), which is what the server holds for
// its one dataset in single tenancy; the registry below selects the holder
// of a request, building a generated tenant on first use and keeping it in a
// cache bounded in bytes.

// TenancyMode is how datasets are keyed: one for every token, or one per
// tenant of the token.
type TenancyMode string

// The tenancy modes.
const (
	TenancySingle TenancyMode = "single"
	TenancyMulti  TenancyMode = "multi"
)

// DefaultTenantCacheBytes bounds the generated tenants kept in memory.
const DefaultTenantCacheBytes = 512 << 20

// Tenancy configures many tenants. The zero value is single tenancy: every
// token sees the one dataset, byte for byte as without it.
type Tenancy struct {
	Mode TenancyMode // "" means single

	// Default is the tenant id of requests whose token names none; "" means
	// DefaultTenantID(). The dataset given to New is its startup dataset.
	Default string

	// Files are the tenants read from files (dialoutmock --tenants-dir), by
	// tenant id. They are held for the server's life.
	Files map[string]Dataset

	// Generate builds the generated tenant of a tenant id: the same id gives
	// the same dataset, on any replica (the program derives a generator
	// spec from its seed and the id). Multi tenancy needs it.
	Generate func(ctx context.Context, tid string) (Dataset, error)

	// CacheBytes bounds what many tenants hold: the report rows cached for
	// all of them (a quarter, at most 256 MiB) and the generated tenants'
	// ledgers (the rest), estimated from their calls; 0 means
	// DefaultTenantCacheBytes. The tenant being answered is always held.
	CacheBytes int64
}

// DefaultTenantID is the tenant id the token endpoint gives the tenant
// contoso.onmicrosoft.com (identity.MintTenant), whose tokens Mint issues.
func DefaultTenantID() string {
	tid, _ := identity.TenantID(identity.MintTenant)
	return tid
}

// multi reports whether the configuration asks for many tenants.
func (t Tenancy) multi() bool { return t.Mode == TenancyMulti }

// validate checks the tenancy settings, naming the field at fault.
func (t Tenancy) validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case t.Mode != "" && t.Mode != TenancySingle && t.Mode != TenancyMulti:
		return bad("Tenancy.Mode", "%q is not single or multi", t.Mode)
	case t.Default != "" && !identity.IsTenantID(t.Default):
		return bad("Tenancy.Default", "%q is not a tenant id (a GUID)", t.Default)
	case t.CacheBytes < 0:
		return bad("Tenancy.CacheBytes", "%d: want 0 (the default) or more bytes", t.CacheBytes)
	case t.CacheBytes > 0 && t.CacheBytes < minTenantCacheBytes:
		return bad("Tenancy.CacheBytes", "%d bytes: want at least %d (1 MiB)", t.CacheBytes, minTenantCacheBytes)
	}
	for tid := range t.Files {
		if !identity.IsTenantID(tid) {
			return bad("Tenancy.Files", "%q is not a tenant id (a GUID)", tid)
		}
	}
	return nil
}

// minTenantCacheBytes is the smallest tenant cache: one small tenant.
const minTenantCacheBytes = 1 << 20

// tenantState holds one tenant's data: what the server holds for its one
// dataset in single tenancy, and for each tenant in multi tenancy. It is
// safe for concurrent use; its dataset is swapped atomically.
type tenantState struct {
	id        string // "" in single tenancy
	initial   Dataset
	data      atomic.Pointer[Dataset]
	arrivalIx atomic.Pointer[arrivalIndex]
}

func newTenantState(id string, ds Dataset) *tenantState {
	st := &tenantState{id: id, initial: ds}
	st.data.Store(&ds)
	return st
}

// Source of a tenant's data, as GET /_mock/tenants names it.
const (
	sourceGenerated = "generated"
	sourceFile      = "file"
	sourceUpload    = "upload"
)

// tenantVersion is the version of a tenant's dataset: the dataset's own,
// bound to the tenant, so that two tenants never share a version even with
// the same data, and a nextLink followed with another tenant's token is
// refused as stale (docs/contract.md#many-tenants).
func tenantVersion(tid, version string) string {
	sum := sha256.Sum256([]byte("dialoutkit/tenant/" + tid))
	return version + "-t" + hex.EncodeToString(sum[:4])
}

// inTenant returns ds as tenant tid serves it.
func inTenant(tid string, ds Dataset) Dataset {
	ds.Version = tenantVersion(tid, ds.Version)
	return ds
}

// tenantEntry is a tenant the registry knows: held (st set) or evicted, a
// build in flight, and where its data comes from.
type tenantEntry struct {
	id      string
	source  string // of the data served now
	startup string // of startup data held for the server's life (a file, the default tenant's); "" for a generated tenant
	pinned  bool   // never evicted: startup data or an upload
	st      *tenantState
	bytes   int64         // estimated size, counted while cached
	el      *list.Element // in the LRU while a generated tenant is held
	ixBytes int64         // of bytes, its late-arrival index's (arrival.go)
	build   *tenantBuild  // in flight
	sum     *tenantSummary
}

// tenantBuild is one build of a generated tenant that concurrent first
// requests wait for, so that it is built once.
type tenantBuild struct {
	done chan struct{}
	st   *tenantState
	err  error
}

// tenants is the registry of multi tenancy: every tenant asked for so far,
// the generated ones held in a cache bounded by bytes (least recently used
// first out), built once however many ask at the same time.
type tenants struct {
	def      string
	generate func(ctx context.Context, tid string) (Dataset, error)

	mu       sync.Mutex
	known    map[string]*tenantEntry
	lru      *list.List // of *tenantEntry, most recent first
	bytes    int64
	maxBytes int64
	builds   atomic.Int64 // generated tenants built, for tests

	// versions maps the version of each dataset served by a held tenant to its
	// holder, where the late-arrival index of that version is kept
	// (arrival.go). It is read without t.mu on every request with late
	// arrival, written under t.mu when a tenant's data changes.
	versions sync.Map // string → *tenantState
}

// maxKnownTenants bounds the evicted tenants remembered for GET
// /_mock/tenants: a client inventing tenant ids must not grow it without end.
const maxKnownTenants = 100_000

// Estimated memory of a dataset: the ledger keeps a few bytes a call (about
// 27 measured for generated tenants, users included), and each user's names.
const (
	bytesPerCall   = 32
	bytesPerUser   = 512
	bytesPerTenant = 8 << 10
)

func estimateBytes(ds *Dataset) int64 {
	sum := ds.Source.Summary()
	return int64(sum.Calls)*bytesPerCall + int64(sum.Users)*bytesPerUser + bytesPerTenant
}

// get returns the holder of tenant tid, building a generated tenant on
// first use (or after its eviction) once, however many ask.
func (t *tenants) get(ctx context.Context, tid string) (*tenantState, error) {
	t.mu.Lock()
	e := t.entry(tid)
	if e.st != nil {
		if e.el != nil {
			t.lru.MoveToFront(e.el)
		}
		st := e.st
		t.mu.Unlock()
		return st, nil
	}
	b := e.build
	if b == nil {
		b = &tenantBuild{done: make(chan struct{})}
		e.build = b
		t.mu.Unlock()
		// The build outlives the request that started it: others wait for it.
		ds, err := t.generate(context.WithoutCancel(ctx), tid)
		t.mu.Lock()
		e.build = nil
		if err != nil {
			b.err = fmt.Errorf("build tenant %s: %w", tid, err)
		} else if e.st != nil {
			b.st = e.st // an upload arrived meanwhile: it wins
		} else {
			b.st = newTenantState(tid, inTenant(tid, ds))
			t.cache(e, b.st)
			t.builds.Add(1)
		}
		t.mu.Unlock()
		close(b.done)
		return b.st, b.err
	}
	t.mu.Unlock()
	select {
	case <-b.done:
		return b.st, b.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// entry returns the entry of tid, made if new. t.mu is held.
func (t *tenants) entry(tid string) *tenantEntry {
	e := t.known[tid]
	if e == nil {
		if len(t.known) >= maxKnownTenants {
			t.forgetEvicted()
		}
		e = &tenantEntry{id: tid, source: sourceGenerated}
		t.known[tid] = e
	}
	return e
}

// forgetEvicted drops the entries of evicted tenants. t.mu is held.
func (t *tenants) forgetEvicted() {
	for id, e := range t.known {
		if e.st == nil && e.build == nil {
			delete(t.known, id)
		}
	}
}

// hold registers st as the holder of its dataset's version. t.mu is held.
func (t *tenants) hold(st *tenantState) { t.versions.Store(st.data.Load().Version, st) }

// unhold forgets st as the holder of its dataset's version, before its data
// changes or it is dropped. t.mu is held.
func (t *tenants) unhold(st *tenantState) { t.versions.CompareAndDelete(st.data.Load().Version, st) }

// holder returns the held tenant that serves the dataset version, or nil.
func (t *tenants) holder(version string) *tenantState {
	v, _ := t.versions.Load(version)
	st, _ := v.(*tenantState)
	return st
}

// account counts n bytes of late-arrival index against st's tenant when it
// is a cached generated tenant (replacing what its previous index counted),
// so that the indexes stay within the cache's bound: generated tenants are
// evicted, least recently used first, to make room.
func (t *tenants) account(st *tenantState, n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.known[st.id]
	if e == nil || e.st != st || e.el == nil {
		return // pinned, or no longer held: its index goes with it
	}
	t.bytes += n - e.ixBytes
	e.bytes += n - e.ixBytes
	e.ixBytes = n
	t.evict(e)
}

// cache holds st, a generated tenant just built, in the cache. t.mu is held.
func (t *tenants) cache(e *tenantEntry, st *tenantState) {
	e.st, e.source, e.pinned = st, sourceGenerated, false
	e.ixBytes = 0
	t.hold(st)
	e.sum = t.summarize(st)
	e.bytes = estimateBytes(st.data.Load())
	e.el = t.lru.PushFront(e)
	t.bytes += e.bytes
	t.evict(e)
}

func (t *tenants) summarize(st *tenantState) *tenantSummary {
	ds := st.data.Load()
	return &tenantSummary{Version: ds.Version, Name: ds.Name, Summary: ds.Source.Summary()}
}

// release takes e out of the cache accounting. t.mu is held.
func (t *tenants) release(e *tenantEntry) {
	if e.el != nil {
		t.lru.Remove(e.el)
		t.bytes -= e.bytes
		e.el, e.bytes, e.ixBytes = nil, 0, 0
	}
}

// evict drops the least recently used generated tenants until the cache
// fits, never keep. t.mu is held.
func (t *tenants) evict(keep *tenantEntry) {
	for t.bytes > t.maxBytes {
		last := t.lru.Back()
		if last == nil || last.Value == keep {
			return
		}
		e := last.Value.(*tenantEntry)
		t.release(e)
		t.unhold(e.st)
		e.st = nil // requests still running keep their own pointer
	}
}

// fix registers the startup data of tenant tid (a file, or the default
// tenant's dataset), held for the server's life, and returns its holder.
func (t *tenants) fix(tid string, ds Dataset, source string) *tenantState {
	st := newTenantState(tid, inTenant(tid, ds))
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(tid)
	e.st, e.source, e.startup, e.pinned = st, source, source, true
	e.sum = t.summarize(st)
	t.hold(st)
	return st
}

// upload makes ds the data of tenant tid, never evicted, and returns it as
// the tenant serves it. Requests holding the tenant see it as a swap.
func (t *tenants) upload(tid string, ds Dataset) Dataset {
	ds = inTenant(tid, ds)
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(tid)
	if e.st == nil {
		e.st = newTenantState(tid, ds)
	} else {
		t.unhold(e.st)
		e.st.data.Store(&ds)
	}
	t.hold(e.st)
	t.release(e)
	e.source, e.pinned = sourceUpload, true
	e.sum = t.summarize(e.st)
	return ds
}

// reset puts tenant tid back to its startup data: a file's or the default
// tenant's dataset, or its generated tenant, rebuilt when next asked.
func (t *tenants) reset(tid string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.known[tid]
	switch {
	case e == nil || e.st == nil:
	case e.startup != "":
		t.unhold(e.st)
		e.st.data.Store(&e.st.initial)
		t.hold(e.st)
		e.source = e.startup
		e.sum = t.summarize(e.st)
	default:
		t.release(e)
		t.unhold(e.st)
		e.st, e.pinned, e.source = nil, false, sourceGenerated
	}
}

// resetAll puts every tenant back to its startup data.
func (t *tenants) resetAll() {
	t.mu.Lock()
	ids := make([]string, 0, len(t.known))
	for id := range t.known {
		ids = append(ids, id)
	}
	t.mu.Unlock()
	for _, id := range ids {
		t.reset(id)
	}
}

// tenantInfo is a tenant of GET /_mock/tenants.
type tenantInfo struct {
	ID      string         `json:"id"`
	Source  string         `json:"source"`
	Cached  bool           `json:"cached"`
	Summary *tenantSummary `json:"summary"`
}

// tenantSummary describes a tenant's dataset as GET /_mock/dataset does,
// but for the calls arrived, which change with the clock.
type tenantSummary struct {
	Version string `json:"version"`
	Name    string `json:"name"`
	report.Summary
}

// list describes the tenants known so far, by id.
func (t *tenants) list() []tenantInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]tenantInfo, 0, len(t.known))
	for _, e := range t.known {
		if e.sum == nil {
			continue // its first build is in flight
		}
		out = append(out, tenantInfo{ID: e.id, Source: e.source, Cached: e.st != nil, Summary: e.sum})
	}
	slices.SortFunc(out, func(a, b tenantInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// held reports the bytes of generated tenants held, and their number.
func (t *tenants) held() (bytes int64, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bytes, t.lru.Len()
}
