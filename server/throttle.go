package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/identity"
)

// Scope is what a throttling limit counts requests by.
type Scope string

// The scopes of the documented limits for the PSTN report family (docs/contract.md#throttling).
const (
	PerTenant     Scope = "tenant"     // all apps of a tenant
	PerApp        Scope = "app"        // one app in one tenant
	PerCollection Scope = "collection" // one app paging one report (one range)
	PerAppGlobal  Scope = "app-global" // one app across all tenants
)

// Limit allows Requests in any sliding Window per Scope key.
type Limit struct {
	Scope    Scope
	Requests int
	Window   time.Duration
}

// GraphLimits are the documented limits of the PSTN report family: 1,000
// requests a minute per tenant, 200 per app per tenant, 50 per collection
// (one app paging one report), and Graph's global limit of 130,000 requests
// in 10 seconds per app across all tenants.
func GraphLimits() []Limit {
	return []Limit{
		{PerTenant, 1000, time.Minute},
		{PerApp, 200, time.Minute},
		{PerCollection, 50, time.Minute},
		{PerAppGlobal, 130_000, 10 * time.Second},
	}
}

// ParseThrottle reads the --throttle flag: "" or "off" (none), "graph" (the
// documented limits) or "N/DURATION" such as "10/1s" (per app per tenant).
func ParseThrottle(s string) ([]Limit, error) {
	switch s {
	case "", "off", "none":
		return nil, nil
	case "graph":
		return GraphLimits(), nil
	}
	n, d, ok := strings.Cut(s, "/")
	reqs, err := strconv.Atoi(n)
	if !ok || err != nil || reqs < 1 || reqs > 100_000 {
		return nil, fmt.Errorf("%q: want off, graph, or N/DURATION such as 10/1s with N from 1 to 100000", s)
	}
	if d != "" && (d[0] < '0' || d[0] > '9') {
		d = "1" + d // "10/s" means 10 a second
	}
	win, err := time.ParseDuration(d)
	if err != nil || win < time.Millisecond || win > 24*time.Hour {
		return nil, fmt.Errorf("%q: the duration must be between 1ms and 24h, such as 1s or 1m", s)
	}
	return []Limit{{PerApp, reqs, win}}, nil
}

// throttler applies limits with an exact sliding window per key, and
// remembers when each client may come back so that a retry before
// Retry-After elapsed is refused again and marked.
type throttler struct {
	limits  []Limit
	maxKeys int // sliding logs kept; past it, expired ones go, then all
	mu      sync.Mutex
	logs    map[string]*slidingLog
	until   map[string]backOff // client key -> its Retry-After
}

// backOff is when a throttled client may come back, and the limit that
// throttled it.
type backOff struct {
	until time.Time
	limit Scope
}

type slidingLog struct {
	times []time.Time // ring of the last Requests admitted, grown as needed
	next  int
	limit int // index in limits
}

// maxThrottleKeys bounds memory against clients that vary their tokens.
const maxThrottleKeys = 10_000

func newThrottler(limits []Limit) *throttler {
	return &throttler{limits: limits, maxKeys: maxThrottleKeys, logs: map[string]*slidingLog{}, until: map[string]backOff{}}
}

// verdict is the throttler's answer to one request.
type verdict struct {
	retryAfter int    // seconds; 0 admits the request
	violation  string // set when the client came back too early
	limit      Scope  // the limit that refused it
}

// admit decides on a request of app in tenant for collection at now.
func (t *throttler) admit(tenant, app, collection string, now time.Time) verdict {
	t.mu.Lock()
	defer t.mu.Unlock()
	client := tenant + "\x00" + app
	if b, ok := t.until[client]; ok {
		if now.Before(b.until) {
			early := b.until.Sub(now)
			return verdict{retryAfter: ceilSeconds(early), limit: b.limit,
				violation: fmt.Sprintf("retried %s before Retry-After elapsed", early.Round(time.Millisecond))}
		}
		delete(t.until, client)
	}
	if len(t.logs) > t.maxKeys {
		t.prune(now)
	}
	var wait time.Duration
	var limit Scope
	keys := make([]string, len(t.limits))
	for i, l := range t.limits {
		keys[i] = throttleKey(l.Scope, i, tenant, app, collection)
		lg := t.logs[keys[i]]
		if lg == nil || len(lg.times) < l.Requests {
			continue
		}
		oldest := lg.times[lg.next]
		if w := oldest.Add(l.Window).Sub(now); w > wait {
			wait, limit = w, l.Scope
		}
	}
	if wait > 0 {
		v := verdict{retryAfter: ceilSeconds(wait), limit: limit}
		t.until[client] = backOff{now.Add(time.Duration(v.retryAfter) * time.Second), limit}
		return v
	}
	for i, l := range t.limits {
		lg := t.logs[keys[i]]
		if lg == nil {
			// Grown as requests come: thousands of tenants that each send a
			// few requests cost a few entries each.
			lg = &slidingLog{times: make([]time.Time, 0, min(l.Requests, 8)), limit: i}
			t.logs[keys[i]] = lg
		}
		if len(lg.times) < l.Requests {
			lg.times = append(lg.times, now)
			continue
		}
		lg.times[lg.next] = now
		lg.next = (lg.next + 1) % len(lg.times)
	}
	return verdict{}
}

func (t *throttler) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.logs)
	clear(t.until)
}

func ceilSeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}

// clientOf names the tenant and app of a bearer token for throttling: the
// tid and appid (or azp) claims of a JWT, else a digest of the opaque token.
func clientOf(token string) (tenant, app string) {
	if token == "" {
		return "anonymous", "anonymous"
	}
	if cl, ok := identity.Inspect(token); ok {
		tenant, app = cl.Tid, cl.AppID
		if app == "" {
			app = cl.Azp
		}
	}
	if tenant == "" {
		tenant = "default"
	}
	if app == "" {
		sum := sha256.Sum256([]byte(token))
		app = "token-" + hex.EncodeToString(sum[:8])
	}
	return tenant, app
}

// applyThrottle answers 429 with Retry-After past the configured limits.
func (s *Server) applyThrottle(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if len(s.cfg.Throttle) == 0 {
			return next(c)
		}
		r := c.Request()
		tenant, app := clientOf(bearerToken(r.Header.Get(echo.HeaderAuthorization)))
		if s.multi() {
			tenant = s.tenantID(c) // docs/contract.md#many-tenants
		}
		path, _ := requestTarget(r)
		v := s.throttle.admit(tenant, app, strings.ToLower(path), s.now())
		if v.retryAfter == 0 {
			return next(c)
		}
		if v.violation != "" {
			c.Set(ctxViolation, v.violation)
		}
		c.Set(ctxLimit, string(v.limit))
		c.Set(ctxFault, "throttle")
		return &GraphError{Status: http.StatusTooManyRequests, Code: "TooManyRequests",
			Message: "Please retry again later.", RetryAfter: v.retryAfter}
	}
}

// throttleKey names the sliding log of limit i (of scope) for a request of
// app in tenant for collection: the tenant's, the app's in the tenant, the
// collection's, or the app's across tenants.
func throttleKey(scope Scope, i int, tenant, app, collection string) string {
	k := string(scope) + "\x00" + strconv.Itoa(i)
	switch scope {
	case PerAppGlobal:
		return k + "\x00\x00" + app
	case PerApp:
		return k + "\x00" + tenant + "\x00" + app
	case PerCollection:
		return k + "\x00" + tenant + "\x00" + app + "\x00" + collection
	}
	return k + "\x00" + tenant
}

// prune drops the logs whose newest request left their window, then, if
// still too many are kept, all of them. t.mu is held.
func (t *throttler) prune(now time.Time) {
	for k, lg := range t.logs {
		newest := lg.times[len(lg.times)-1]
		if len(lg.times) == t.limits[lg.limit].Requests { // a full ring: the newest is before next
			newest = lg.times[(lg.next+len(lg.times)-1)%len(lg.times)]
		}
		if !now.Before(newest.Add(t.limits[lg.limit].Window)) {
			delete(t.logs, k)
		}
	}
	if len(t.logs) > t.maxKeys {
		clear(t.logs)
	}
}

// resetTenant forgets what the throttler counted of tenant tid; what an app
// sent across tenants stays counted.
func (t *throttler) resetTenant(tid string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.logs {
		parts := strings.Split(k, "\x00")
		if len(parts) > 2 && parts[0] != string(PerAppGlobal) && parts[2] == tid {
			delete(t.logs, k)
		}
	}
	for k := range t.until {
		if strings.HasPrefix(k, tid+"\x00") {
			delete(t.until, k)
		}
	}
}
