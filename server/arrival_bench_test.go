package server

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/report"
)

// benchTenants is a server with many tenants of 300 users each, late
// arrival on (24h-48h) and the clock 12 h before the tenants' window ends,
// so that their last days' calls are on their way.
func benchTenants(b *testing.B) (*Server, time.Time) {
	b.Helper()
	now := tenantWindowEnd.Add(-12 * time.Hour)
	base := generator.DefaultSpec(tenantWindowEnd)
	base.WindowDays = 90
	gen := dataset.TenantGenerator(base, dataset.TenantUsers{Min: 300, Max: 300})
	s, err := New(scenarioDataset(b, "edges"), Config{Now: func() time.Time { return now },
		ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour},
		Tenancy:      Tenancy{Mode: TenancyMulti, Generate: gen}})
	if err != nil {
		b.Fatal(err)
	}
	return s, now
}

// BenchmarkLateArrivalTwoTenants reads a 10-row page of the call log (whose
// late calls the late-arrival index finds) for two tenants in turn, as
// their clients' requests interleave, and for one tenant alone.
func BenchmarkLateArrivalTwoTenants(b *testing.B) {
	for _, c := range []struct {
		name    string
		tenants []string
	}{{"alternating", []string{tidA, tidB}}, {"one-tenant", []string{tidA}}} {
		b.Run(c.name, func(b *testing.B) {
			s, now := benchTenants(b)
			uri := logPath + "(fromDateTime=" + lit(now.Add(-7*24*time.Hour)) + ",toDateTime=" + lit(now) + ")?$top=10"
			reqs := make([]*http.Request, len(c.tenants))
			for i, tid := range c.tenants {
				reqs[i], _ = http.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+uri, nil)
				reqs[i].RequestURI = uri
				reqs[i].Header.Set("Authorization", "Bearer "+tokenOf(tid, "bench"))
				w := &discard{h: http.Header{}}
				s.ServeHTTP(w, reqs[i])
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.ServeHTTP(&discard{h: http.Header{}}, reqs[i%len(reqs)])
				i++
			}
		})
	}
}

// BenchmarkArrivalsTwoTenants looks up the late-arrival index of two
// tenants in turn: kept per tenant (Server.arrivals), and in the one slot
// the server shared among tenants before (sharedSlotArrivals, its code
// copied here), which rebuilt it on every switch.
func BenchmarkArrivalsTwoTenants(b *testing.B) {
	s, now := benchTenants(b)
	var dss []*Dataset
	for _, tid := range []string{tidA, tidB} {
		st, err := s.tenants.get(b.Context(), tid)
		if err != nil {
			b.Fatal(err)
		}
		dss = append(dss, st.data.Load())
	}
	var shared atomic.Pointer[arrivalIndex]
	for _, c := range []struct {
		name    string
		arrives func(ds *Dataset) *report.Arrivals
	}{
		{"per-tenant", func(ds *Dataset) *report.Arrivals { return s.arrivals(ds, now) }},
		{"shared-slot", func(ds *Dataset) *report.Arrivals { return sharedSlotArrivals(s, &shared, ds, now) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i, late := 0, 0
			for b.Loop() {
				late += c.arrives(dss[i%2]).Late(now)
				i++
			}
			if late == 0 {
				b.Fatal("no call is late: the index is not exercised")
			}
		})
	}
}

// sharedSlotArrivals is Server.arrivals as it was with one slot for every
// tenant, kept as the benchmark's reference.
func sharedSlotArrivals(s *Server, slot *atomic.Pointer[arrivalIndex], ds *Dataset, asOf time.Time) *report.Arrivals {
	for range 3 {
		st := slot.Load()
		if st == nil || st.version != ds.Version {
			fresh := &arrivalIndex{version: ds.Version}
			if !slot.CompareAndSwap(st, fresh) {
				continue
			}
			st = fresh
		}
		st.once.Do(func() { st.ix, _ = s.buildArrivals(ds, asOf) })
		if st.ix.Covers(asOf) {
			return st.ix
		}
		slot.CompareAndSwap(st, &arrivalIndex{version: ds.Version})
	}
	ix, _ := s.buildArrivals(ds, asOf)
	return ix
}
