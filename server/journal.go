package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"slices"
	"strings"
	"sync"
	"time"
)

// JournalEntry is one request the mock answered, as GET /_mock/requests lists
// it. Secrets never enter it: Authorization keeps only its scheme, and
// bodies are not kept.
type JournalEntry struct {
	Time       time.Time         `json:"time"`
	Method     string            `json:"method"`
	Path       string            `json:"path"` // escaped path and query, as sent
	Status     int               `json:"status"`
	DurationMs float64           `json:"durationMs"`
	Headers    map[string]string `json:"headers"`
	Fault      string            `json:"fault,omitempty"`     // the injected fault that answered, if any
	Violation  string            `json:"violation,omitempty"` // e.g. retried before Retry-After elapsed
	Tenant     string            `json:"tenant,omitempty"`    // with many tenants: the request's tenant id
	Limit      string            `json:"limit,omitempty"`     // with many tenants, on a throttled answer: the limit hit (tenant, app, collection, app-global)
}

// JournalFilter selects entries: Status 0 and Path "" match all.
type JournalFilter struct {
	Status int
	Path   string // substring of the path
	Tenant string // tenant id; "" matches all
}

// journal is a bounded ring buffer of the latest requests.
type journal struct {
	mu      sync.Mutex
	entries []JournalEntry
	next    int // where the next entry goes once full
	full    bool
}

// DefaultJournalSize is how many requests the journal keeps.
const DefaultJournalSize = 1000

func newJournal(size int) *journal { return &journal{entries: make([]JournalEntry, 0, size)} }

func (j *journal) add(e JournalEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.full && len(j.entries) < cap(j.entries) {
		j.entries = append(j.entries, e)
		return
	}
	j.full = true
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
}

// list returns the matching entries, oldest first.
func (j *journal) list(f JournalFilter) []JournalEntry {
	j.mu.Lock()
	ordered := slices.Concat(j.entries[j.next:], j.entries[:j.next])
	j.mu.Unlock()
	out := make([]JournalEntry, 0, len(ordered))
	for _, e := range ordered {
		if (f.Status == 0 || e.Status == f.Status) && strings.Contains(e.Path, f.Path) && (f.Tenant == "" || strings.EqualFold(e.Tenant, f.Tenant)) {
			out = append(out, e)
		}
	}
	return out
}

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.next, j.full = j.entries[:0], 0, false
}

// maxJournalHeaders bounds the headers one journal entry keeps.
const maxJournalHeaders = 64

// redactedHeaders copies h for the journal: one value a name (joined by
// ", "), credentials reduced to their scheme or removed.
func redactedHeaders(h http.Header) map[string]string {
	out := make(map[string]string, min(len(h), maxJournalHeaders))
	for name, values := range h {
		if len(out) == maxJournalHeaders {
			out["…"] = fmt.Sprintf("%d more headers not kept", len(h)-maxJournalHeaders)
			break
		}
		v := strings.Join(values, ", ")
		switch http.CanonicalHeaderKey(name) {
		case "Authorization", "Proxy-Authorization":
			scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
			v = scheme
		case adminKeyHeader, "Cookie":
			v = "[redacted]"
		}
		if len(v) > 1024 {
			v = v[:1024] + "…"
		}
		out[name] = v
	}
	return out
}

const (
	ctxFault     = "dialoutkit.fault"
	ctxViolation = "dialoutkit.violation"
	ctxLimit     = "dialoutkit.limit"
)

// record writes every request but those to /_mock/ into the journal, with
// the status it was finally answered with.
func (s *Server) record(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		if f, _ := c.Get(ctxFault).(string); f == "drop" {
			return nil // journaled before the connection was closed
		}
		s.journalEntry(c, start, c.Response().Status)
		return nil
	}
}

func (s *Server) journalEntry(c echo.Context, start time.Time, status int) {
	r := c.Request()
	path, query := requestTarget(r)
	if query != "" {
		path += "?" + query
	}
	e := JournalEntry{
		Time:       s.now().UTC(),
		Method:     r.Method,
		Path:       printableN(path, maxLoggedPath),
		Status:     status,
		DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		Headers:    redactedHeaders(r.Header),
	}
	e.Fault, _ = c.Get(ctxFault).(string)
	e.Violation, _ = c.Get(ctxViolation).(string)
	e.Tenant = s.tenantID(c)
	if e.Tenant != "" {
		e.Limit, _ = c.Get(ctxLimit).(string)
	}
	s.journal.add(e)
}
