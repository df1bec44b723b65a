package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/server"
)

// tenancyConfig is the many-tenants part of the configuration
// (docs/contract.md#many-tenants): --tenancy, --tenant-id, --tenants-dir,
// --tenant-users and --tenant-cache. The server validates the mode, the
// default tenant and the cache size; package dataset the users' range.
type tenancyConfig struct {
	mode       server.TenancyMode
	defaultID  string
	dir        string
	users      dataset.TenantUsers
	cacheBytes int64

	files   map[string]server.Dataset // read at start, by tenant id
	fromDir int                       // of them, read from --tenants-dir
}

// tenancyFlags holds the raw values of the tenancy flags.
type tenancyFlags struct {
	mode, defaultID, dir, users, cache string
}

func (f *tenancyFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.mode, "tenancy", "single", "`mode`: single (every token sees one dataset) or multi (each token's tenant, its tid claim, has its own data, limits and controls)")
	fs.StringVar(&f.defaultID, "tenant-id", "", "with --tenancy multi: the `tenant id` (GUID) of tokens without a tid (default: the id the token endpoint gives contoso.onmicrosoft.com)")
	fs.StringVar(&f.dir, "tenants-dir", "", "with --tenancy multi: a `directory` of tenant datasets, each named for its tenant: <tid>.json or <domain>.json (.jsonl, .csv, .zip alike)")
	fs.StringVar(&f.users, "tenant-users", "", "with --tenancy multi: the users of each generated tenant, drawn per tenant from `MIN-MAX` (inclusive; default: --users for all)")
	fs.StringVar(&f.cache, "tenant-cache", "512MiB", "with --tenancy multi: the memory generated tenants may hold, a `size` such as 64MiB or 1GiB; the least recently used go first and are rebuilt identically")
}

// config reads the tenancy flags; the owning packages validate the values.
func (f *tenancyFlags) config(c *config) error {
	t := tenancyConfig{mode: server.TenancyMode(f.mode), defaultID: strings.ToLower(f.defaultID), dir: f.dir}
	var err error
	if t.users, err = dataset.ParseTenantUsers(f.users); err != nil {
		return flagError(err)
	}
	if err := t.users.Validate(c.spec); err != nil {
		return flagError(err)
	}
	if t.cacheBytes, err = parseSize(f.cache); err != nil {
		return fmt.Errorf("--tenant-cache %q: %v", f.cache, err)
	}
	if t.mode != server.TenancyMulti {
		for _, name := range []string{"tenant-id", "tenants-dir", "tenant-users"} {
			if v := map[string]string{"tenant-id": f.defaultID, "tenants-dir": f.dir, "tenant-users": f.users}[name]; v != "" {
				return fmt.Errorf("--%s needs --tenancy multi", name)
			}
		}
	}
	if t.dir != "" {
		if st, err := os.Stat(t.dir); err != nil || !st.IsDir() {
			return fmt.Errorf("--tenants-dir %s: not a directory", t.dir)
		}
	}
	c.tenancy = t
	return nil
}

// multi reports whether each tenant has its own data.
func (t tenancyConfig) multi() bool { return t.mode == server.TenancyMulti }

// server is the server's part: run adds the files and the builder.
func (t tenancyConfig) server() server.Tenancy {
	return server.Tenancy{Mode: t.mode, Default: t.defaultID, CacheBytes: t.cacheBytes, Files: t.files}
}

// defaultTenant is the tenant id of tokens without a tid.
func (t tenancyConfig) defaultTenant() string {
	if t.defaultID != "" {
		return t.defaultID
	}
	return server.DefaultTenantID()
}

// parseSize reads a size in bytes: 1048576, 64MiB, 1GiB, 512KiB, 2GB, 100MB.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("want a size in bytes, or with a unit such as 64MiB or 1GiB")
	}
	return n * mult, nil
}

// tenantFileExts are the dataset formats a --tenants-dir file may have
// (docs/contract.md#loading-real-data).
var tenantFileExts = []string{".json", ".jsonl", ".csv", ".zip"}

// tenantFiles maps the dataset files of dir to their tenants: a file named
// <tid>.<ext> is that tenant's; <domain>.<ext>, the tenant the token endpoint
// maps the domain to. Two files of one tenant are an error.
func tenantFiles(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--tenants-dir %s: %w", dir, err)
	}
	files := map[string]string{}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || !slices.Contains(tenantFileExts, ext) {
			continue
		}
		tid, ok := identity.TenantID(strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())))
		if !ok {
			return nil, fmt.Errorf("--tenants-dir %s: %s is named for neither a tenant id nor a domain", dir, e.Name())
		}
		if other, dup := files[tid]; dup {
			return nil, fmt.Errorf("--tenants-dir %s: %s and %s are both tenant %s's", dir, filepath.Base(other), e.Name(), tid)
		}
		files[tid] = filepath.Join(dir, e.Name())
	}
	return files, nil
}

// loadTenancy reads the tenants of --tenants-dir and returns the default
// tenant's startup dataset: --scenario, else its file, else its generated
// tenant. The files are kept in cfg for the server.
func loadTenancy(ctx context.Context, cfg *config, stderr io.Writer) (server.Dataset, error) {
	t := &cfg.tenancy
	t.files = map[string]server.Dataset{}
	def := t.defaultTenant()
	if t.dir != "" {
		paths, err := tenantFiles(t.dir)
		if err != nil {
			return server.Dataset{}, err
		}
		loader, err := dataset.NewScenarioLoader()
		if err != nil {
			return server.Dataset{}, err
		}
		for tid, path := range paths {
			start := time.Now()
			ds, err := loader.LoadFile(path)
			if err != nil {
				return server.Dataset{}, fmt.Errorf("--tenants-dir: tenant %s: %w", tid, err)
			}
			sum := ds.Source.Summary()
			fmt.Fprintf(stderr, "tenant %s: %s: %d users, %d calls, read in %s\n", tid, filepath.Base(path), sum.Users, sum.Calls, time.Since(start).Round(time.Millisecond))
			t.files[tid] = ds
		}
		t.fromDir = len(t.files)
	}
	if cfg.scenario != "" {
		ds, err := loadDataset(ctx, *cfg, stderr)
		if err != nil {
			return ds, err
		}
		t.files[def] = ds
	}
	if ds, ok := t.files[def]; ok {
		return ds, nil
	}
	start := time.Now()
	ds, err := dataset.TenantGenerator(cfg.spec, t.users)(ctx, def)
	if err != nil {
		return ds, err
	}
	sum := ds.Source.Summary()
	fmt.Fprintf(stderr, "default tenant %s: %s: %d users, %d calls, built in %s\n", def, ds.Name, sum.Users, sum.Calls, time.Since(start).Round(time.Millisecond))
	return ds, nil
}

// limitMemory asks the garbage collector, with many tenants, to keep the
// heap near what --tenant-cache allows (unless GOMEMLIMIT says otherwise):
// tenants evicted from the cache are garbage, which the collector would
// otherwise let grow to as much again before it runs.
func limitMemory(cfg config, getenv func(string) string) {
	if !cfg.tenancy.multi() || getenv("GOMEMLIMIT") != "" {
		return
	}
	cache := cfg.tenancy.cacheBytes
	if cache == 0 {
		cache = server.DefaultTenantCacheBytes
	}
	debug.SetMemoryLimit(cache + memoryHeadroom)
}

// memoryHeadroom is the memory beyond --tenant-cache the collector aims
// for: the default tenant, buffers of requests in flight, the runtime.
const memoryHeadroom = 48 << 20

// printTenancy tells the user, with many tenants, which tenant tokens
// without a tid get and where tenants' data comes from.
func printTenancy(w io.Writer, cfg config) {
	t := cfg.tenancy
	if !t.multi() {
		return
	}
	users := fmt.Sprintf("%d users", cfg.spec.Users)
	if t.users != (dataset.TenantUsers{}) {
		users = fmt.Sprintf("%d-%d users", t.users.Min, t.users.Max)
	}
	fmt.Fprintf(w, "many tenants: default tenant %s; each token's tid has its own data: %d from --tenants-dir, others generated from seed %d and the tid (%s), cached up to %d MiB\n",
		t.defaultTenant(), t.fromDir, cfg.spec.Seed, users, t.cacheBytes>>20)
}
