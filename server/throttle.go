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
)

// Limit allows Requests in any sliding Window per Scope key.
type Limit struct {
	Scope    Scope
	Requests int
	Window   time.Duration
}

// GraphLimits are the documented limits of the PSTN report family: 1,000
// requests a minute per tenant, 200 per app per tenant, 50 per collection
// (one app paging one report).
func GraphLimits() []Limit {
	return []Limit{
		{PerTenant, 1000, time.Minute},
		{PerApp, 200, time.Minute},
		{PerCollection, 50, time.Minute},
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
	limits []Limit
	mu     sync.Mutex
	logs   map[string]*slidingLog
	until  map[string]time.Time // client key -> end of its Retry-After
}

type slidingLog struct {
	times []time.Time // ring of the last Requests admitted
	next  int
}

// maxThrottleKeys bounds memory against clients that vary their tokens.
const maxThrottleKeys = 10_000

func newThrottler(limits []Limit) *throttler {
	return &throttler{limits: limits, logs: map[string]*slidingLog{}, until: map[string]time.Time{}}
}

// verdict is the throttler's answer to one request.
type verdict struct {
	retryAfter int    // seconds; 0 admits the request
	violation  string // set when the client came back too early
}

// admit decides on a request of app in tenant for collection at now.
func (t *throttler) admit(tenant, app, collection string, now time.Time) verdict {
	t.mu.Lock()
	defer t.mu.Unlock()
	client := tenant + "\x00" + app
	if until, ok := t.until[client]; ok {
		if now.Before(until) {
			early := until.Sub(now)
			return verdict{retryAfter: ceilSeconds(early),
				violation: fmt.Sprintf("retried %s before Retry-After elapsed", early.Round(time.Millisecond))}
		}
		delete(t.until, client)
	}
	if len(t.logs) > maxThrottleKeys {
		t.logs = map[string]*slidingLog{}
	}
	var wait time.Duration
	keys := make([]string, len(t.limits))
	for i, l := range t.limits {
		keys[i] = string(l.Scope) + "\x00" + strconv.Itoa(i) + "\x00" + tenant
		switch l.Scope {
		case PerApp:
			keys[i] += "\x00" + app
		case PerCollection:
			keys[i] += "\x00" + app + "\x00" + collection
		}
		lg := t.logs[keys[i]]
		if lg == nil || len(lg.times) < l.Requests {
			continue
		}
		oldest := lg.times[lg.next]
		if w := oldest.Add(l.Window).Sub(now); w > wait {
			wait = w
		}
	}
	if wait > 0 {
		v := verdict{retryAfter: ceilSeconds(wait)}
		t.until[client] = now.Add(time.Duration(v.retryAfter) * time.Second)
		return v
	}
	for i, l := range t.limits {
		lg := t.logs[keys[i]]
		if lg == nil {
			lg = &slidingLog{times: make([]time.Time, 0, l.Requests)}
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
		path, _ := requestTarget(r)
		v := s.throttle.admit(tenant, app, strings.ToLower(path), s.now())
		if v.retryAfter == 0 {
			return next(c)
		}
		if v.violation != "" {
			c.Set(ctxViolation, v.violation)
		}
		c.Set(ctxFault, "throttle")
		return &GraphError{Status: http.StatusTooManyRequests, Code: "TooManyRequests",
			Message: "Please retry again later.", RetryAfter: v.retryAfter}
	}
}
