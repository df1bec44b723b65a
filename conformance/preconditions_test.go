package conformance_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// A precondition is a server (or a config) on which some checks cannot reach their assertion: the
// kit cannot read past the first page, the report has no entries, every request is refused, the
// server has no control API. Each returns the config of a run against it.
type precondition struct {
	name  string
	setup func(t *testing.T) conformance.Config
}

// refuser answers every request outside /_mock/ with status and Graph's envelope, and hands /_mock/
// to next.
func refuser(next http.Handler, status int, code string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_mock/") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "0f0e0d0c-0b0a-4908-8706-000000000001")
		w.Header().Set("client-request-id", r.Header.Get("client-request-id"))
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":"Refused.","innerError":{"date":"2026-11-26T12:00:00","request-id":"0f0e0d0c-0b0a-4908-8706-000000000001","client-request-id":%q}}}`,
			code, r.Header.Get("client-request-id"))
	})
}

func serveHandler(t *testing.T, h http.Handler, profile conformance.Profile) conformance.Config {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return conformance.Config{BaseURL: srv.URL, Token: testToken, Profile: profile, HTTPClient: srv.Client(), Clock: newFakeClock()}
}

var (
	unreachable = precondition{"the server cannot be reached", func(t *testing.T) conformance.Config {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		return conformance.Config{BaseURL: srv.URL, Token: testToken, Profile: conformance.ProfileMock, Clock: newFakeClock()}
	}}
	foreign = precondition{"nextLinks point elsewhere: only page 1 can be read", func(t *testing.T) conformance.Config {
		return serve(t, newFake(breaks{foreignNextLink: true}), conformance.ProfileMock)
	}}
	onePage = precondition{"the report fits one page", func(t *testing.T) conformance.Config {
		f := newFake(breaks{})
		f.pageSize = 1000
		return serve(t, f, conformance.ProfileMock)
	}}
	noEntries = precondition{"the range has no entries", func(t *testing.T) conformance.Config {
		cfg := serve(t, newFake(breaks{}), conformance.ProfileMock)
		cfg.From, cfg.To = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
		return cfg
	}}
	tokenRefused = precondition{"every request is refused 401", func(t *testing.T) conformance.Config {
		return serveHandler(t, refuser(newFake(breaks{}), http.StatusUnauthorized, "InvalidAuthenticationToken"), conformance.ProfileMock)
	}}
	allBadRequest = precondition{"every request is refused 400", func(t *testing.T) conformance.Config {
		return serveHandler(t, refuser(newFake(breaks{}), http.StatusBadRequest, "BadRequest"), conformance.ProfileMock)
	}}
	noControl = precondition{"the server has no control API", func(t *testing.T) conformance.Config {
		f := newFake(breaks{})
		cfg := serve(t, f, conformance.ProfileMock) // for the fake clock
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/_mock/") {
				http.NotFound(w, r)
				return
			}
			f.ServeHTTP(w, r)
		})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		cfg.BaseURL, cfg.HTTPClient = srv.URL, srv.Client()
		return cfg
	}}
	noErrors = precondition{"the server answers every request with a page", func(t *testing.T) conformance.Config {
		return serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
			fmt.Fprintf(w, `{"@odata.context":"http://%s/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)","@odata.count":0,"value":[]}`, r.Host)
		}), conformance.ProfileGraph)
	}}
	noContext = precondition{"no page has @odata.context", func(t *testing.T) conformance.Config {
		return serve(t, newFake(breaks{noContext: true}), conformance.ProfileMock)
	}}
	singleTenancy = precondition{"the server serves one dataset to every tenant", func(t *testing.T) conformance.Config {
		f := newFake(breaks{})
		f.single = true
		return serve(t, f, conformance.ProfileMock)
	}}
	tenantsHeld = precondition{"every tenant stays held", func(t *testing.T) conformance.Config {
		f := newFake(breaks{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/_mock/tenants" {
				f.mu.Lock()
				f.lastTenant = ""
				list := []map[string]any{}
				for tid := range f.tenants {
					list = append(list, map[string]any{"id": tid, "source": "generated", "cached": true})
				}
				f.mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"tenants": list})
				return
			}
			f.ServeHTTP(w, r)
		})
		cfg := serve(t, f, conformance.ProfileMock)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		cfg.BaseURL, cfg.HTTPClient = srv.URL, srv.Client()
		return cfg
	}}
	noThrottling = precondition{"the server never throttles", func(t *testing.T) conformance.Config {
		f := newFake(breaks{})
		f.tenantLimit = 1 << 30
		return serve(t, f, conformance.ProfileMock)
	}}
	strictAuth = precondition{"unsigned tokens are refused", func(t *testing.T) conformance.Config {
		f := newFake(breaks{})
		cfg := serve(t, f, conformance.ProfileMock)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f.tenantOf(r.Header.Get("Authorization")) != "" {
				refuser(f, http.StatusUnauthorized, "InvalidAuthenticationToken").ServeHTTP(w, r)
				return
			}
			f.ServeHTTP(w, r)
		})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		cfg.BaseURL, cfg.HTTPClient = srv.URL, srv.Client()
		return cfg
	}}
	noMutate = precondition{"NoMutate asks to change nothing", func(t *testing.T) conformance.Config {
		cfg := serve(t, newFake(breaks{}), conformance.ProfileMock)
		cfg.NoMutate = true
		return cfg
	}}
)

// preconditions lists, for every check of the catalogue, servers on which it cannot reach its
// assertion.
var preconditions = map[string][]precondition{
	"DR-ENV-001": {unreachable}, "DR-ENV-002": {foreign, tokenRefused}, "DR-ENV-003": {foreign, tokenRefused},
	"DR-ENV-004": {foreign, tokenRefused}, "DR-ENV-005": {foreign, tokenRefused}, "DR-ENV-006": {tokenRefused},
	"DR-ENV-007": {foreign, tokenRefused}, "DR-ENV-008": {foreign, tokenRefused}, "DR-ENV-009": {foreign, tokenRefused, noContext},
	"DR-ENV-010": {foreign, tokenRefused}, "DR-ENV-011": {tokenRefused, noEntries}, "DR-ENV-012": {noControl, unreachable},

	"DR-SCHEMA-001": {foreign, tokenRefused}, "DR-SCHEMA-002": {foreign, noEntries},

	"DR-PAGE-001": {foreign, tokenRefused}, "DR-PAGE-002": {foreign, tokenRefused}, "DR-PAGE-003": {onePage, foreign},
	"DR-PAGE-004": {onePage}, "DR-PAGE-005": {onePage, foreign}, "DR-PAGE-006": {foreign, tokenRefused},
	"DR-PAGE-007": {onePage, foreign}, "DR-PAGE-008": {foreign, noEntries}, "DR-PAGE-009": {onePage},
	"DR-PAGE-010": {noControl},

	"DR-PARAM-001": {noEntries, foreign}, "DR-PARAM-002": {noEntries, foreign}, "DR-PARAM-003": {noEntries, foreign},
	"DR-PARAM-004": {noEntries, foreign}, "DR-PARAM-005": {noEntries, foreign}, "DR-PARAM-006": {noEntries, foreign},
	"DR-PARAM-007": {noEntries, foreign}, "DR-PARAM-008": {allBadRequest, tokenRefused}, "DR-PARAM-009": {allBadRequest, tokenRefused},
	"DR-PARAM-010": {allBadRequest, tokenRefused}, "DR-PARAM-011": {allBadRequest, tokenRefused}, "DR-PARAM-012": {allBadRequest, tokenRefused},
	"DR-PARAM-013": {unreachable}, "DR-PARAM-014": {noEntries, foreign}, "DR-PARAM-015": {noEntries, foreign},
	"DR-PARAM-016": {allBadRequest, tokenRefused}, "DR-PARAM-017": {noEntries, foreign}, "DR-PARAM-018": {allBadRequest, tokenRefused},

	"DR-AUTH-001": {tokenRefused}, "DR-AUTH-002": {tokenRefused}, "DR-AUTH-003": {tokenRefused}, "DR-AUTH-004": {tokenRefused},

	"DR-AGG-001": {noEntries, foreign}, "DR-AGG-002": {noEntries, foreign}, "DR-AGG-003": {noEntries, foreign},
	"DR-AGG-004": {noEntries, foreign}, "DR-AGG-005": {noEntries, foreign}, "DR-AGG-006": {noEntries, foreign},
	"DR-AGG-007": {noEntries, foreign},

	"DR-ERR-001": {noErrors}, "DR-ERR-002": {noErrors}, "DR-ERR-003": {noErrors}, "DR-ERR-004": {noErrors}, "DR-ERR-005": {noErrors},

	"DR-PSTN-001": {unreachable}, "DR-PSTN-002": {foreign, tokenRefused}, "DR-PSTN-003": {foreign, noEntries},
	"DR-PSTN-004": {foreign, noEntries}, "DR-PSTN-005": {foreign, noEntries}, "DR-PSTN-006": {foreign, noEntries},
	"DR-PSTN-007": {foreign, tokenRefused}, "DR-PSTN-008": {onePage, tokenRefused}, "DR-PSTN-009": {onePage, tokenRefused},
	"DR-PSTN-010": {noEntries, foreign}, "DR-PSTN-011": {noEntries, tokenRefused}, "DR-PSTN-012": {noEntries, tokenRefused},
	"DR-PSTN-013": {noEntries, tokenRefused}, "DR-PSTN-014": {allBadRequest, tokenRefused}, "DR-PSTN-015": {tokenRefused, allBadRequest},
	"DR-PSTN-016": {noControl, noEntries}, "DR-PSTN-017": {noEntries, foreign},

	"DR-XFN-001": {noEntries, foreign}, "DR-XFN-002": {noEntries, foreign},

	"DR-LEDGER-001": {noControl, noEntries}, "DR-LEDGER-002": {noControl, noEntries, foreign}, "DR-LEDGER-003": {noControl, noEntries},
	"DR-LEDGER-010": {noControl, noMutate}, "DR-LEDGER-011": {noControl, noMutate}, "DR-LEDGER-012": {noControl, noMutate},
	"DR-LEDGER-013": {noControl, noMutate}, "DR-LEDGER-014": {noControl, noMutate},

	"DR-TENANT-001": {singleTenancy, noControl, strictAuth}, "DR-TENANT-002": {singleTenancy, noControl, strictAuth},
	"DR-TENANT-003": {singleTenancy, onePage, strictAuth}, "DR-TENANT-004": {singleTenancy, tenantsHeld, strictAuth},
	"DR-TENANT-005": {singleTenancy, noThrottling, strictAuth},
}

// TestNothingPassesByDefault shows, for every check of the catalogue, that it cannot PASS on a server
// where its precondition fails: it reports SKIP or ERROR with the reason. The reference server, on
// which every check passes (TestReferenceServerPasses), shows the same checks can pass.
func TestNothingPassesByDefault(t *testing.T) {
	for _, c := range conformance.Catalogue() {
		pres := preconditions[c.ID]
		if len(pres) == 0 {
			t.Errorf("%s has no precondition in the table: add the servers on which it cannot reach its assertion", c.ID)
		}
		for _, pre := range pres {
			t.Run(c.ID+"/"+pre.name, func(t *testing.T) {
				t.Parallel()
				cfg := pre.setup(t)
				cfg.Run = []string{"^" + c.ID + "$"}
				if cfg.NoMutate {
					cfg.Run = append(cfg.Run, "^DR-ENV-001$") // a run of skips only is refused
				}
				if !c.In(cfg.Profile) {
					t.Fatalf("%s does not run in the %s profile of %q", c.ID, cfg.Profile, pre.name)
				}
				rep := run(t, cfg)
				r, ok := rep.Result(c.ID)
				if !ok {
					t.Fatalf("no result for %s", c.ID)
				}
				if r.Status != conformance.Skip && r.Status != conformance.Error {
					t.Errorf("%s = %s (%s), want SKIP or ERROR when %s", c.ID, r.Status, r.Reason, pre.name)
				}
				if r.Reason == "" {
					t.Errorf("%s = %s without a reason", c.ID, r.Status)
				}
			})
		}
	}
	for id := range preconditions {
		if !slices.ContainsFunc(conformance.Catalogue(), func(c conformance.Check) bool { return c.ID == id }) {
			t.Errorf("the table lists %s, which the catalogue has not", id)
		}
	}
}
