// Package mocktest runs dialoutmock inside a Go test, as net/http/httptest
// runs a handler: a server on 127.0.0.1 with a free port, a dataset of your
// choice, an *http.Client wired to it, and the control API as methods.
//
//	func TestBilling(t *testing.T) {
//		m := mocktest.New(t, mocktest.WithNamedScenario("edges"))
//		resp, err := m.Client().Get(m.ReportURL(from, to))
//		...
//		for _, r := range m.Requests(server.JournalFilter{}) { ... }
//	}
//
// Everything is cleaned up by t.Cleanup; nothing is global, so tests may run
// in parallel, each with its own server.
package mocktest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/server"
)

// Server is a running mock. The embedded *server.Server gives the control
// API as Go methods: LoadScenario, Reset, Journal, ClearJournal, QueueFault,
// Faults, ClearFaults, Swap, Dataset.
type Server struct {
	*server.Server
	// URL is the base URL, such as http://127.0.0.1:41234, with no trailing
	// slash; the function lives under URL + "/beta/...".
	URL string

	ts    *httptest.Server
	token string
}

// Option configures New.
type Option func(*options) error

type options struct {
	spec     generator.Spec
	scenario []byte
	name     string
	config   server.Config
	token    string
}

// WithGenerator serves a generated tenant. The default is
// generator.DefaultSpec(today): 300 users over the 365 days up to today.
func WithGenerator(spec generator.Spec) Option {
	return func(o *options) error { o.spec, o.scenario = spec, nil; return nil }
}

// WithScenario serves a scenario document (the format of
// schemas/scenario.schema.json).
func WithScenario(doc []byte) Option {
	return func(o *options) error { o.scenario, o.name = doc, "inline"; return nil }
}

// WithScenarioFile serves a scenario file.
func WithScenarioFile(path string) Option {
	return func(o *options) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		o.scenario, o.name = b, filepath.Base(path)
		return nil
	}
}

// WithNamedScenario serves one of the scenarios shipped in
// fixtures/scenarios, by name without ".json": "edges", "rows-1001",
// "multi-currency", "location-change", "non-ascii", "zero-charges",
// "range-edges", "rows-0", "rows-1", "rows-999", "rows-1000", "rows-2500".
func WithNamedScenario(name string) Option {
	return func(o *options) error {
		b, err := fixtures.Scenarios.ReadFile("scenarios/" + name + ".json")
		if err != nil {
			return fmt.Errorf("named scenario %q: %w", name, err)
		}
		o.scenario, o.name = b, name
		return nil
	}
}

// WithConfig changes the server's configuration: page size, auth mode,
// throttling, chaos, clock, admin key...
func WithConfig(f func(*server.Config)) Option {
	return func(o *options) error { f(&o.config); return nil }
}

// WithToken sets the bearer token Client sends when a request has none
// (default "mocktest"; lenient auth accepts any opaque token).
func WithToken(token string) Option {
	return func(o *options) error { o.token = token; return nil }
}

// New starts a mock for tb and stops it when the test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	o := options{spec: generator.DefaultSpec(time.Now().UTC()), token: "mocktest"}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			tb.Fatalf("mocktest: %v", err)
		}
	}
	var ds server.Dataset
	var err error
	if o.scenario != nil {
		loader, lerr := dataset.NewScenarioLoader()
		if lerr != nil {
			tb.Fatalf("mocktest: %v", lerr)
		}
		ds, err = loader.Load(o.name, o.scenario)
	} else {
		ds, err = Generate(context.Background(), o.spec)
	}
	if err != nil {
		tb.Fatalf("mocktest: dataset: %v", err)
	}
	if o.config.Generate == nil {
		o.config.Generate = dataset.Generator(o.spec)
	}
	srv, err := server.New(ds, o.config)
	if err != nil {
		tb.Fatalf("mocktest: %v", err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	return &Server{Server: srv, URL: ts.URL, ts: ts, token: o.token}
}

// Generate builds the dataset of a generated tenant, with its version and
// name, as dialoutmock does for its flags.
func Generate(ctx context.Context, spec generator.Spec) (server.Dataset, error) {
	return dataset.Generate(ctx, spec, nil)
}

// Client returns a client for the mock that adds "Authorization: Bearer
// <token>" to requests that carry no Authorization header.
func (s *Server) Client() *http.Client {
	c := s.ts.Client()
	c.Transport = bearer{token: s.token, next: c.Transport}
	return c
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" && b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// ReportURL is the URL of the report over [from, to], in the docs' spelling
// with RFC 3339 times.
func (s *Server) ReportURL(from, to time.Time) string {
	return fmt.Sprintf("%s/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=%s,toDateTime=%s)",
		s.URL, from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
}

// Requests lists what clients sent, oldest first (the journal).
func (s *Server) Requests(f server.JournalFilter) []server.JournalEntry { return s.Journal(f) }

// Token mints a token the mock accepts in every auth mode, strict included,
// for an app with the given roles (none: a token strict mode forbids).
func (s *Server) Token(tb testing.TB, roles ...string) string {
	tb.Helper()
	tok, err := s.Identity().Mint(roles...)
	if err != nil {
		tb.Fatalf("mocktest: mint token: %v", err)
	}
	return tok
}
