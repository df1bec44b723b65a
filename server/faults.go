package server

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/identity"
)

// Fault is a failure queued through POST /_mock/faults: the next Times
// requests whose path and query contain Path (and, when Page > 0, that ask
// for that page) are answered with Status and Graph's envelope, or delayed,
// or dropped. Faults never touch /_mock/; the identity endpoints only when
// Path is given and they contain it (e.g. "oauth2/v2.0/token"), and then in
// the identity platform's error shape.
type Fault struct {
	Path       string `json:"path,omitempty"`
	Times      int    `json:"times"`
	Status     int    `json:"status,omitempty"`     // 401, 403, 429, 500, 503 or 504
	RetryAfter int    `json:"retryAfter,omitempty"` // seconds, for 429 and 503
	Page       int    `json:"page,omitempty"`       // 1 is the first page
	DelayMs    int    `json:"delayMs,omitempty"`    // before answering (or before the normal answer)
	Drop       bool   `json:"drop,omitempty"`       // close the connection without answering
}

// faultShapes are the envelopes of the statuses a fault can answer with,
// copied from what Graph sends (docs/contract.md#errors).
var faultShapes = map[int]struct{ code, message string }{
	http.StatusUnauthorized:        {"InvalidAuthenticationToken", "Access token is empty."},
	http.StatusForbidden:           {"Forbidden", ""},
	http.StatusTooManyRequests:     {"TooManyRequests", "Please retry again later."},
	http.StatusInternalServerError: {"InternalServerError", "The server encountered an internal error."},
	http.StatusServiceUnavailable:  {"ServiceUnavailable", "The service is temporarily unavailable. Please retry again later."},
	http.StatusGatewayTimeout:      {"GatewayTimeout", "The gateway did not receive a timely response."},
}

// Limits on a queued fault, so a typo cannot stall the mock.
const (
	maxFaultTimes = 1_000_000
	maxDelay      = 5 * time.Minute
	maxQueued     = 1000
)

// Validate names the first bad field.
func (f Fault) Validate() error {
	switch {
	case f.Times < 1 || f.Times > maxFaultTimes:
		return fmt.Errorf("times: %d, want 1 to %d", f.Times, maxFaultTimes)
	case f.Status != 0 && faultShapes[f.Status].code == "":
		return fmt.Errorf("status: %d, want 401, 403, 429, 500, 503 or 504", f.Status)
	case f.RetryAfter < 0 || f.RetryAfter > 3600:
		return fmt.Errorf("retryAfter: %d, want 0 to 3600 seconds", f.RetryAfter)
	case f.Page < 0:
		return fmt.Errorf("page: %d, want 1 or more (0: any page)", f.Page)
	case f.DelayMs < 0 || time.Duration(f.DelayMs)*time.Millisecond > maxDelay:
		return fmt.Errorf("delayMs: %d, want 0 to %d", f.DelayMs, maxDelay.Milliseconds())
	case f.Status == 0 && !f.Drop && f.DelayMs == 0:
		return fmt.Errorf("status: a fault needs a status, a delay (delayMs) or drop")
	case f.Drop && f.Status != 0:
		return fmt.Errorf("drop: a dropped connection has no status; give one or the other")
	}
	return nil
}

// QueuedFault is a fault with what is left of it.
type QueuedFault struct {
	Fault
	Remaining int `json:"remaining"`
}

// faultQueue holds the queued faults, first queued first matched.
type faultQueue struct {
	mu     sync.Mutex
	queued []*QueuedFault
	n      atomic.Int32 // len(queued), read without the lock
}

func (q *faultQueue) add(f Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queued) >= maxQueued {
		return fmt.Errorf("times: %d faults are queued already; DELETE /_mock/faults clears them", maxQueued)
	}
	q.queued = append(q.queued, &QueuedFault{Fault: f, Remaining: f.Times})
	q.n.Store(int32(len(q.queued)))
	return nil
}

// take consumes one use of the first fault matching the request; with
// named, only a fault whose path is given (not empty) matches.
func (q *faultQueue) take(target string, page int, named bool) (Fault, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.queued {
		if !strings.Contains(target, f.Path) || (f.Page > 0 && f.Page != page) || (named && f.Path == "") {
			continue
		}
		f.Remaining--
		if f.Remaining == 0 {
			q.queued = append(q.queued[:i], q.queued[i+1:]...)
			q.n.Store(int32(len(q.queued)))
		}
		return f.Fault, true
	}
	return Fault{}, false
}

func (q *faultQueue) list() []QueuedFault {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]QueuedFault, len(q.queued))
	for i, f := range q.queued {
		out[i] = *f
	}
	return out
}

func (q *faultQueue) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queued = nil
	q.n.Store(0)
}

// Chaos injects random faults and latency at a seeded rate. The sequence of
// draws is fixed by the seed, so a client that sends requests one at a time
// sees the same faults on every run.
type Chaos struct {
	Seed       uint64
	FaultRate  float64       // share of requests answered with a random fault, 0 to 1
	LatencyMin time.Duration // added to every request, drawn uniformly in [min, max]
	LatencyMax time.Duration
}

// chaosStatuses are the transient failures a client must survive.
var chaosStatuses = [...]int{http.StatusTooManyRequests, http.StatusInternalServerError,
	http.StatusServiceUnavailable, http.StatusGatewayTimeout}

type chaos struct {
	cfg Chaos
	mu  sync.Mutex
	rnd *rand.Rand
}

func newChaos(c Chaos) *chaos {
	return &chaos{cfg: c, rnd: rand.New(rand.NewPCG(c.Seed, 0x6661756c74))}
}

// off reports whether chaos never does anything.
func (c *chaos) off() bool { return c.cfg.FaultRate == 0 && c.cfg.LatencyMax == 0 }

// draw returns the latency and the random fault for one request.
func (c *chaos) draw() (time.Duration, Fault, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.cfg.LatencyMin
	if span := c.cfg.LatencyMax - c.cfg.LatencyMin; span > 0 {
		d += time.Duration(c.rnd.Int64N(int64(span) + 1))
	}
	if c.cfg.FaultRate > 0 && c.rnd.Float64() < c.cfg.FaultRate {
		st := chaosStatuses[c.rnd.IntN(len(chaosStatuses))]
		return d, Fault{Status: st, RetryAfter: 1, Times: 1}, true
	}
	return d, Fault{}, false
}

// faultError is the Graph error a fault answers with.
func faultError(f Fault) *GraphError {
	shape := faultShapes[f.Status]
	ge := &GraphError{Status: f.Status, Code: shape.code, Message: shape.message}
	if f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable {
		ge.RetryAfter = max(f.RetryAfter, 1)
	}
	return ge
}

// pageOf is the 1-based page a request asks for, from its $skip.
func pageOf(rawQuery string, pageSize int) int {
	for q := rawQuery; q != ""; { // no Split: a query of 50000 options must not cost 50000 strings
		var part string
		part, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(part, "=")
		if strings.EqualFold(k, "$skip") || strings.EqualFold(k, "%24skip") {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				return int(min(n/int64(pageSize), 1<<30)) + 1
			}
		}
	}
	return 1
}

// injectFaults answers with the first queued fault that matches the request,
// then with the random faults and latency of Chaos.
func (s *Server) injectFaults(next echo.HandlerFunc) echo.HandlerFunc {
	return s.faultsFor(false, next)
}

// injectIdentityFaults answers an identity endpoint with the first queued
// fault whose path it contains, in the identity platform's error shape (so
// token-retry logic can be tested): a fault without a path, and Chaos, stand
// for Graph's failures and leave these endpoints alone.
func (s *Server) injectIdentityFaults(next echo.HandlerFunc) echo.HandlerFunc {
	return s.faultsFor(true, next)
}

func (s *Server) faultsFor(identityEndpoint bool, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.faults.n.Load() == 0 && (s.chaos.off() || identityEndpoint) {
			return next(c)
		}
		r := c.Request()
		path, query := requestTarget(r)
		f, queued := s.faults.take(path+"?"+query, pageOf(query, s.cfg.PageSize), identityEndpoint)
		var delay time.Duration
		if !identityEndpoint { // Chaos stands for Graph's failures
			d, random, isRandom := s.chaos.draw()
			delay = d
			if !queued && isRandom {
				f, queued, delay = random, true, 0
			}
		}
		delay += time.Duration(f.DelayMs) * time.Millisecond
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return r.Context().Err()
			}
		}
		switch {
		case !queued || (f.Status == 0 && !f.Drop):
			return next(c)
		case f.Drop:
			c.Set(ctxFault, "drop")
			s.journalEntry(c, time.Now(), 0)
			if hj, ok := c.Response().Writer.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					c.Response().Committed = true
					return nil
				}
			}
			panic(http.ErrAbortHandler) // HTTP/2: reset the stream
		}
		c.Set(ctxFault, strconv.Itoa(f.Status))
		if identityEndpoint {
			return identity.Failure(f.Status, f.RetryAfter)
		}
		return faultError(f)
	}
}
