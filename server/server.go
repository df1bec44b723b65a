// Package server is the dialoutmock HTTP application: the Graph function
// getPstnOnlineMeetingDialoutReport with its URL forms, paging and errors,
// auth, and the control API under /_mock/. It is built on Echo; the whole
// surface is listed in routes.go, the identity platform's endpoints (package
// identity) included.
//
// New returns an http.Handler and never listens: the caller picks httptest,
// an in-memory transport or a real http.Server.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/report"
)

// Source is the data the server answers from: the report over a range, the
// ledger's calls behind it, and a summary (see internal/dataset).
type Source = dataset.Source

// Dataset is a Source with its identity: a version derived from the content,
// so replicas started alike agree on it and honour each other's nextLinks,
// and a name for people. internal/dataset builds them from a generator spec
// or a scenario.
type Dataset = dataset.Dataset

// AuthMode selects how bearer tokens are checked (docs/contract.md#auth-modes).
type AuthMode string

// The auth modes.
const (
	AuthNone    AuthMode = "none"
	AuthLenient AuthMode = "lenient"
	AuthStrict  AuthMode = "strict"
)

// Config holds the server's settings. The zero value is usable: page size
// 1000, lenient auth, public URL from each request, no logging, real clock.
// New fills in those defaults, then checks the settings with Validate.
type Config struct {
	PageSize  int              // entries a page, 1..1000; 0 means 1000
	Auth      AuthMode         // "" means lenient
	PublicURL *url.URL         // base of @odata.context and @odata.nextLink; nil: the request's scheme and Host
	Logger    *slog.Logger     // messages, and the request log when Log is nil; nil: Log's logger, or discard
	Log       *LogSink         // the request log, buffered, never blocking a request; nil: requests go to Logger
	Now       func() time.Time // clock for error dates, token lifetimes, throttling and late arrival; nil: time.Now

	JournalSize  int     // requests the journal keeps; 0 means DefaultJournalSize
	Throttle     []Limit // throttling limits (see ParseThrottle); none when empty
	Chaos        Chaos   // random faults and latency; none when zero
	AdminKey     string  // when set, the control API requires it in X-Admin-Key
	MaxBodyBytes int64   // largest control API body; 0 means DefaultMaxBodyBytes

	// RangeLimitStatus is the status of a range over 90 days: 400 BadRequest
	// (decision D3) or 406 NotAcceptable; 0 means 400.
	RangeLimitStatus int

	// ArrivalDelay makes each call visible only from its endDateTime plus a
	// delay drawn from it (arrival.go); the zero value shows every call.
	ArrivalDelay report.Delay

	// Identity configures the identity endpoints (docs/contract.md#identity-and-https): the apps that
	// get tokens and the key that signs them. The zero value serves
	// identity.DefaultApp. Its clock and base URL are the server's.
	Identity identity.Config

	// Debug, when set, is served under /_mock/debug/ behind the admin key
	// (dialoutmock --pprof mounts net/http/pprof there). Nil: not served.
	Debug http.Handler

	// Tenancy serves one dataset per tenant of the token
	// (docs/contract.md#many-tenants); the zero value serves one dataset to
	// every token.
	Tenancy Tenancy

	// Generate builds a dataset from generator parameters (the "generator"
	// object of PUT /_mock/dataset). The server does not import the
	// generator; the program wires it. Nil refuses such uploads.
	Generate func(ctx context.Context, params json.RawMessage) (Dataset, error)
}

// DefaultMaxBodyBytes bounds a control API body (a dataset upload, read as
// it arrives, so the bound is on time and the ledger it can build, not on
// the memory of the body).
const DefaultMaxBodyBytes = 256 << 20

// MaxPageSize is Graph's page size for this function: "If the function
// returns more than 1000 entries ... the body also includes an @odata.nextLink".
const MaxPageSize = 1000

// Server is the mock. It is safe for concurrent use; its dataset can be
// swapped atomically while clients page.
type Server struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	echo  *echo.Echo
	cache *rowCache

	// The dataset being served, its startup dataset and its late-arrival
	// index: the default tenant's, and with many tenants, tenants holds the
	// others (tenancy.go).
	*tenantState
	tenants *tenants
	builds  *builds // orders the changes of the datasets
	base    string  // the links' base that Config.PublicURL sets (publicParts)

	scenarios *dataset.ScenarioLoader
	journal   *journal
	faults    faultQueue
	chaos     *chaos
	throttle  *throttler
	identity  *identity.Authority
	tokens    TokenVerifier // by the auth mode; nil: none
	logBufs   sync.Pool     // call log pages' buffers (calllog.go)

	arrivalBuilds atomic.Int64 // late-arrival indexes built (arrival.go), for tests
}

var _ http.Handler = (*Server)(nil)

// New builds the mock over ds.
func New(ds Dataset, cfg Config) (*Server, error) {
	if ds.Source == nil {
		return nil, errors.New("server: a dataset is required")
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	scenarios, err := dataset.NewScenarioLoader()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &Server{
		cfg:   cfg,
		log:   cfg.Logger,
		now:   cfg.Now,
		cache: newRowCache(defaultCacheBytes),

		scenarios: scenarios,
		journal:   newJournal(cfg.JournalSize),
		chaos:     newChaos(cfg.Chaos),
		throttle:  newThrottler(cfg.Throttle),
		logBufs:   sync.Pool{New: newLogBuffer},
	}
	if s.log == nil && cfg.Log != nil {
		s.log = cfg.Log.Logger()
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	ic := cfg.Identity
	ic.Now, ic.BaseURL = s.now, s.publicBase
	id, err := identity.New(ic)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.identity = id
	switch cfg.Auth {
	case AuthStrict:
		s.tokens = id
	case AuthLenient:
		s.tokens = identity.Lenient{}
	}
	s.builds = newBuilds(s.log)
	s.base, _ = publicParts(cfg.PublicURL)
	if err := s.setupTenancy(ds); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.echo = s.routes()
	return s, nil
}

// ServeHTTP serves the Graph function and the control API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Identity returns the identity platform the server answers for: Mint gives
// tokens strict mode accepts.
func (s *Server) Identity() *identity.Authority { return s.identity }

// Dataset returns the dataset being served.
func (s *Server) Dataset() Dataset { return *s.data.Load() }

// Swap makes ds the dataset being served. Requests already running finish on
// the dataset they started with; nextLinks issued before the swap are refused
// with a clear error rather than mixing two datasets. A dataset build still
// under way (PUT /_mock/dataset, LoadScenario) is superseded: it is dropped,
// and answered ErrSuperseded.
func (s *Server) Swap(ds Dataset) { s.builds.swap(s.id, func() { s.install(ds) }) }

// Reset serves the startup dataset again and clears the journal, the queued
// faults and the throttling state. It supersedes every build under way, of
// any tenant.
func (s *Server) Reset() {
	s.builds.swapAll(func() {
		if s.tenants != nil {
			s.tenants.resetAll()
		} else {
			s.install(s.initial)
		}
		s.journal.clear()
		s.faults.clear()
		s.throttle.reset()
	})
}

// LoadScenario checks a scenario document (schema, then meaning) and serves
// it. A refused document leaves the current dataset serving; the error is a
// report.Problems naming each JSON pointer and reason. A later Swap, Reset,
// LoadScenario or PUT /_mock/dataset begun before it is installed supersedes
// it: it then returns ErrSuperseded and leaves the later one serving.
func (s *Server) LoadScenario(name string, doc []byte) (Dataset, error) {
	b := s.builds.begin(context.Background(), s.id)
	defer b.end()
	return s.loadScenario(b, name, doc)
}

// loadScenario is LoadScenario as the build b.
func (s *Server) loadScenario(b *build, name string, doc []byte) (Dataset, error) {
	return b.run(func(ctx context.Context) (Dataset, error) {
		return s.scenarios.Read(ctx, name, dataset.FormatOf(name, ""), bytes.NewReader(doc))
	}, s.install)
}

// install serves ds as the default tenant's dataset; the caller orders it
// (builds).
func (s *Server) install(ds Dataset) {
	if s.tenants != nil {
		s.tenants.upload(s.id, ds)
		return
	}
	s.data.Store(&ds)
}

// Journal lists the requests answered (but those to /_mock/), oldest first.
func (s *Server) Journal(f JournalFilter) []JournalEntry { return s.journal.list(f) }

// ClearJournal empties the journal.
func (s *Server) ClearJournal() { s.journal.clear() }

// QueueFault queues a deterministic fault; see Fault.
func (s *Server) QueueFault(f Fault) error {
	if err := s.checkFaultTenant(&f); err != nil {
		return err
	}
	return s.faults.add(f)
}

// Faults lists the queued faults with their remaining uses.
func (s *Server) Faults() []QueuedFault { return s.faults.list() }

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() { s.faults.clear() }

// publicBase is the absolute base URL (scheme, host, optional path, no
// trailing slash) that @odata.context and @odata.nextLink are built from.
func (s *Server) publicBase(r *http.Request) string {
	if s.base != "" {
		return s.base
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
