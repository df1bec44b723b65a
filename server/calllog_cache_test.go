package server

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/report"
)

// The call log keeps encoded pages (calllog.go, cache.go). These tests
// compare what a server that has answered before writes with what a new
// server writes for the same request: the same bytes whatever the data,
// tenant, version, spelling, decimals or instant.

// countedLog counts the reads of the call log by position: a page kept
// encoded reads none.
type countedLog struct {
	*report.CallLedger
	reads *atomic.Int64
}

func (c countedLog) CallsAt(lo, hi int) iter.Seq[report.Call] {
	c.reads.Add(1)
	return c.CallLedger.CallsAt(lo, hi)
}

// logRead is a request of the call log.
type logRead struct {
	name   string
	path   string
	accept string
	token  string // default: an opaque token
}

// readLog sends r to the server at base, with the base URL in the answer
// replaced by BASE, so that two servers' answers compare.
func readLog(tb testing.TB, base string, r logRead) response {
	tb.Helper()
	headers := []string{"Accept", r.accept}
	if r.token != "" {
		headers = append(headers, "Authorization", "Bearer "+r.token)
	}
	got := get(tb, base+r.path, headers...)
	got.body = []byte(strings.ReplaceAll(string(got.body), base, "BASE"))
	return got
}

// sameAsNew checks that the server at base answers r as a new server
// (from fresh) does: status, Content-Type and body.
func sameAsNew(t *testing.T, base string, fresh func() string, r logRead) response {
	t.Helper()
	got := readLog(t, base, r)
	want := readLog(t, fresh(), r)
	if got.status != want.status || got.status != http.StatusOK {
		t.Fatalf("%s: status = %d, a new server's %d, want 200: %s", r.name, got.status, want.status, got.body)
	}
	if g, w := got.header.Get("Content-Type"), want.header.Get("Content-Type"); g != w {
		t.Errorf("%s: Content-Type = %q, a new server's %q", r.name, g, w)
	}
	if diff := cmp.Diff(string(want.body), string(got.body)); diff != "" {
		t.Errorf("%s: body differs from a new server's (-new +got):\n%s", r.name, diff)
	}
	return got
}

const awkwardOctober = "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"

// TestCallLogKeepsPagesEncoded: a page asked a second time is kept, and
// from then on written from what was kept, without reading a call; another
// version, IEEE754Compatible, $skip or $top is another page; another
// spelling or date form of the same range is the same page, with the
// request's own links; the dial-out report of the same range keeps its own
// rows and pages.
func TestCallLogKeepsPagesEncoded(t *testing.T) {
	data := func(reads *atomic.Int64) Dataset {
		ds := awkwardDataset(t, "s-awkward", 0)
		ds.Source = countedLog{ds.Source.(*report.CallLedger), reads}
		return ds
	}
	var reads atomic.Int64
	_, ts := newTestServer(t, data(&reads), Config{PageSize: 7})
	fresh := func() string {
		_, ts := newTestServer(t, data(new(atomic.Int64)), Config{PageSize: 7})
		return ts.URL
	}
	const ieee = "application/json;IEEE754Compatible=true"
	for _, c := range []struct {
		logRead
		wantReads bool
	}{
		{logRead{name: "first read", path: logPath + awkwardOctober}, true},
		{logRead{name: "the report of the range", path: fnPath + awkwardOctober}, false},
		{logRead{name: "second read, kept", path: logPath + awkwardOctober}, true},
		{logRead{name: "third read", path: logPath + awkwardOctober}, false},
		{logRead{name: "another spelling", path: "/beta/communications/callRecords/microsoft.graph.callRecords.getPstnCalls" + awkwardOctober}, false},
		{logRead{name: "another date form", path: logPath + "(fromDateTime=2026-10-01T00:00:00Z,toDateTime=2026-10-31T00:00:00.000Z)"}, false},
		{logRead{name: "v1.0", path: logPathV1 + awkwardOctober}, true},
		{logRead{name: "v1.0 again, kept", path: logPathV1 + awkwardOctober}, true},
		{logRead{name: "v1.0 a third time", path: logPathV1 + awkwardOctober}, false},
		{logRead{name: "the report again", path: fnPath + awkwardOctober}, false},
		{logRead{name: "the report's IEEE754Compatible", path: fnPath + awkwardOctober, accept: ieee}, false},
		{logRead{name: "IEEE754Compatible", path: logPath + awkwardOctober, accept: ieee}, true},
		{logRead{name: "IEEE754Compatible again, kept", path: logPath + awkwardOctober, accept: ieee}, true},
		{logRead{name: "IEEE754Compatible a third time", path: logPath + awkwardOctober, accept: ieee}, false},
		{logRead{name: "beta again", path: logPath + awkwardOctober}, false},
		{logRead{name: "next page", path: logPath + awkwardOctober + "?$skip=7"}, true},
		{logRead{name: "$top", path: logPath + awkwardOctober + "?$top=3"}, true},
		{logRead{name: "$top with $skip", path: logPath + awkwardOctober + "?$top=3&$skip=7"}, true},
		{logRead{name: "$top again, kept", path: logPath + awkwardOctober + "?$top=3"}, true},
		{logRead{name: "$top a third time", path: logPath + awkwardOctober + "?$top=3"}, false},
		{logRead{name: "$top with $skip again, kept", path: logPath + awkwardOctober + "?$top=3&$skip=7"}, true},
		{logRead{name: "next page again, kept", path: logPath + awkwardOctober + "?$skip=7"}, true},
		{logRead{name: "next page a third time", path: logPath + awkwardOctober + "?$skip=7"}, false},
		{logRead{name: "$top with $skip a third time", path: logPath + awkwardOctober + "?$top=3&$skip=7"}, false},
		{logRead{name: "another range", path: logPath + "(fromDateTime=2026-10-02,toDateTime=2026-10-31)"}, true},
		{logRead{name: "another range again, kept", path: logPath + "(fromDateTime=2026-10-02,toDateTime=2026-10-31)"}, true},
		{logRead{name: "the first range", path: logPath + awkwardOctober}, false},
	} {
		before := reads.Load()
		sameAsNew(t, ts.URL, fresh, c.logRead)
		if got := reads.Load() > before; got != c.wantReads {
			t.Errorf("%s: read calls = %v, want %v", c.name, got, c.wantReads)
		}
	}
}

// TestCallLogKeptPagesFollowTheData: after the dataset changes (to other
// data at the same positions, and back), the pages are the new data's.
func TestCallLogKeptPagesFollowTheData(t *testing.T) {
	datasets := map[string]Dataset{
		"a": awkwardDataset(t, "s-awkward-a", 0),
		"b": awkwardDataset(t, "s-awkward-b", 5),
	}
	cfg := Config{PageSize: 7, Generate: func(ctx context.Context, params json.RawMessage) (Dataset, error) {
		var p struct{ Name string }
		json.Unmarshal(params, &p)
		return datasets[p.Name], nil
	}}
	_, ts := newTestServer(t, datasets["a"], cfg)
	reads := []logRead{
		{name: "beta", path: logPath + awkwardOctober},
		{name: "v1.0 page 2", path: logPathV1 + awkwardOctober + "?$skip=7"},
		{name: "IEEE754Compatible", path: logPath + awkwardOctober, accept: "application/json;IEEE754Compatible=true"},
	}
	var first string
	for _, name := range []string{"a", "b", "a"} {
		if r := send(t, http.MethodPut, ts.URL+"/_mock/dataset", []byte(`{"generator":{"name":"`+name+`"}}`)); r.status != 200 {
			t.Fatalf("PUT dataset %s = %d %s", name, r.status, r.body)
		}
		fresh := func() string {
			_, ts := newTestServer(t, datasets[name], cfg)
			return ts.URL
		}
		for range 3 { // asked once, kept, written from what was kept
			for _, r := range reads {
				r.name = "dataset " + name + ": " + r.name
				body := string(sameAsNew(t, ts.URL, fresh, r).body)
				switch {
				case first == "":
					first = body
				case name == "b" && r.path == reads[0].path && body == first:
					t.Fatalf("%s: the same body as dataset a's", r.name)
				}
			}
		}
	}
}

// TestCallLogKeptPagesPerTenant: tenants share the server's cache, never
// their pages.
func TestCallLogKeptPagesPerTenant(t *testing.T) {
	_, base := newMultiServer(t, Config{PageSize: 5})
	fresh := func() string {
		_, base := newMultiServer(t, Config{PageSize: 5})
		return base
	}
	// From before the first call of the tenants' window: both tenants'
	// pages start at the same positions.
	const fromTheStart = "(fromDateTime=2026-07-31,toDateTime=2026-10-28)"
	var bodies []string
	for _, tid := range []string{tidA, tidB, tidA, tidB, tidA, tidB} { // asked once, kept, written from what was kept
		for _, path := range []string{logPath + fromTheStart, logPath + fromTheStart + "?$skip=5", logPathV1 + septemberToOctober} {
			r := logRead{name: "tenant " + tid + " " + path, path: path, token: tokenOf(tid, "app-1")}
			bodies = append(bodies, string(sameAsNew(t, base, fresh, r).body))
		}
	}
	if bodies[0] == bodies[3] {
		t.Errorf("tenants A and B read the same page: %s", bodies[0])
	}
}

// TestCallLogKeptPagesWithLateArrival: with late arrival the pages change
// as calls arrive, hour by hour; whatever the server kept at earlier
// instants, it answers as a new server at the same instant.
func TestCallLogKeptPagesWithLateArrival(t *testing.T) {
	var now atomic.Int64
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	cfg := Config{PageSize: 7, Now: clock, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}}
	ds := awkwardDataset(t, "s-awkward", 0)
	_, ts := newTestServer(t, ds, cfg)
	// The calls of the dataset are 7 hours apart up to 2026-10-20T06:00Z:
	// the hours from the 17th to the 22nd see every one of the last ones
	// on its way, and each page of them with its gaps.
	start := time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC)
	for step := range 5 * 24 {
		now.Store(start.Add(time.Duration(step) * time.Hour).UnixNano())
		_, oracle := newTestServer(t, ds, cfg) // one instant: nothing kept from another
		fresh := func() string { return oracle.URL }
		for skip := 40; skip <= 62; skip += 2 {
			r := logRead{name: fmt.Sprintf("%s $skip=%d", clock().Format(time.RFC3339), skip), path: fmt.Sprintf("%s%s?$skip=%d", logPath, awkwardOctober, skip)}
			sameAsNew(t, ts.URL, fresh, r)
			r.path = fmt.Sprintf("%s%s?$top=4&$skip=%d", logPathV1, awkwardOctober, skip+1)
			sameAsNew(t, ts.URL, fresh, r)
		}
		oracle.Close()
	}
}

// TestCallLogKeepsPagesWithinItsShare: a page bigger than its share of the
// cache's budget is written but not kept; a small one is kept, and the
// cache holds no more than its budget.
func TestCallLogKeepsPagesWithinItsShare(t *testing.T) {
	var reads atomic.Int64
	ds := awkwardDataset(t, "s-awkward", 0)
	ds.Source = countedLog{ds.Source.(*report.CallLedger), &reads}
	s, ts := newTestServer(t, ds, Config{})
	const budget = 64 << 10
	s.cache = newRowCache(budget)
	for _, c := range []struct {
		name      string
		query     string
		wantReads int64
	}{
		{"every call, about 50 KB", "", 3},
		{"three calls", "?$top=3", 2},
	} {
		before := reads.Load()
		for range 3 {
			if r := get(t, ts.URL+logPath+awkwardOctober+c.query); r.status != 200 {
				t.Fatalf("%s: status %d: %s", c.name, r.status, r.body)
			} else if c.query == "" && len(r.body) < budget/maxPageShare {
				t.Fatalf("%s: %d bytes, want more than the share %d", c.name, len(r.body), budget/maxPageShare)
			}
		}
		if got := reads.Load() - before; got != c.wantReads {
			t.Errorf("%s, read three times: calls read %d times, want %d", c.name, got, c.wantReads)
		}
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if s.cache.bytes > budget || s.cache.bytes == 0 {
		t.Errorf("the cache holds %d bytes, want some, at most %d", s.cache.bytes, budget)
	}
}
