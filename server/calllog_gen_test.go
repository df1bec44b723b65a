package server

import (
	"context"
	"iter"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
)

// A generated tenant's call log is written from the generator's fields
// (appendLogCall), every other's from report.Calls (appendLogRow, checked
// against encoding/json in calllog_encode_test.go): the two must write the
// same bytes for the same call.

// onlyCallLog hides everything of a call log but report.CallLog, so that
// appendLogPage takes the path of report.Calls.
type onlyCallLog struct{ report.CallLog }

func TestLogCallMatchesLogRow(t *testing.T) {
	end := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	specs := map[string]generator.Spec{}
	for _, seed := range []int64{1, 42, 2026} {
		s := generator.DefaultSpec(end)
		s.Seed = seed
		s.Users = 150 + int(seed%100) // two or three bots
		s.WindowDays = 20
		s.Intensity = 12
		specs["seed "+strconv.FormatInt(seed, 10)] = s
	}
	for name, s := range specs {
		tenant, err := generator.Generate(context.Background(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := tenant.CallSpan(report.Query{From: time.Unix(0, 0), To: end.AddDate(0, 0, 1)})
		if hi-lo < 1000 {
			t.Fatalf("%s: %d calls, want 1000 or more", name, hi-lo)
		}
		for _, c := range []struct {
			name          string
			ieee754, beta bool
		}{{"beta", false, true}, {"beta IEEE754Compatible", true, true}, {"v1.0", false, false}, {"v1.0 IEEE754Compatible", true, false}} {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				next, stop := iter.Pull(tenant.CallsAt(lo, hi))
				defer stop()
				types := map[string]int{}
				i := 0
				var k clock
				for lc := range tenant.LogCallsAt(lo, hi) {
					call, ok := next()
					if !ok {
						t.Fatalf("CallsAt lists %d calls, LogCallsAt more", i)
					}
					types[call.Type()]++
					if !lc.UserPlain && lc.OrganizerID != "" {
						t.Fatalf("call %d: UserPlain is false for the generator's users", lo+i)
					}
					want := appendLogRow(nil, &call, c.ieee754, c.beta)
					if got := appendLogCall(nil, lc, &k, c.ieee754, c.beta); string(got) != string(want) {
						t.Fatalf("call %d: appendLogCall wrote\n%s\nwant (appendLogRow)\n%s", lo+i, got, want)
					}
					// A user's identity that needs escaping is escaped.
					if lc.OrganizerID != "" {
						awkward, changed := *lc, call
						s := awkwardStrings[i%len(awkwardStrings)]
						awkward.UserPlain = false
						awkward.UserDisplayName, changed.UserDisplayName = s, s
						awkward.UserPrincipalName, changed.UserPrincipalName = "u"+s+"@contoso.com", "u"+s+"@contoso.com"
						want := appendLogRow(nil, &changed, c.ieee754, c.beta)
						if got := appendLogCall(nil, &awkward, &k, c.ieee754, c.beta); string(got) != string(want) {
							t.Fatalf("call %d with the user %q: appendLogCall wrote\n%s\nwant (appendLogRow)\n%s", lo+i, s, got, want)
						}
					}
					i++
				}
				if _, ok := next(); ok || i != hi-lo {
					t.Fatalf("LogCallsAt lists %d calls, want %d", i, hi-lo)
				}
				if len(types) != 8 {
					t.Errorf("the calls have the types %v, want all 8", types)
				}

				// Pages: spans and runs anywhere, as writeCallLog asks them.
				r := rand.New(rand.NewPCG(uint64(len(name)), 7))
				for range 200 {
					a := lo + r.IntN(hi-lo)
					b := a + r.IntN(min(60, hi-a)+1)
					runs := [][2]int{{a, b}}
					if r.IntN(3) == 0 && b < hi {
						e := b + 1 + r.IntN(min(40, hi-b))
						runs = append(runs, [2]int{min(e, hi), min(e+r.IntN(30), hi)})
					}
					n := r.IntN(80)
					want := appendLogPage([]byte("x"), onlyCallLog{tenant}, runs, n, c.ieee754, c.beta)
					got := appendLogPage([]byte("x"), tenant, runs, n, c.ieee754, c.beta)
					if diff := cmp.Diff(string(want), string(got)); diff != "" {
						t.Fatalf("appendLogPage(runs %v, %d) of the tenant differs from its report.Calls' (-want +got):\n%s", runs, n, diff)
					}
				}
			})
		}
	}
}

// TestAppendUnixTime compares the quick writer of whole seconds with
// time.RFC3339Nano's, at the edges of days, months, leap years and the
// years it covers, and at random instants.
func TestAppendUnixTime(t *testing.T) {
	secs := []int64{-62135596800, -86400, -1, 0, 1, 59, 60, 3599, 3600, 86399, 86400,
		951782400, 951868799, 951868800, // 2000-02-29 and 2000-03-01
		4107542400, 4107628799, // 2100-02-28, 2100-03-01
		1772323200, 1798761599, 1798761600, // 2026-03-01, the last second of 2026, 2027
		maxQuickTime - 1, maxQuickTime, maxQuickTime + 86400, 1<<62 - 1}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		secs = append(secs, r.Int64N(maxQuickTime), r.Int64N(4102444800)) // up to 2100
	}
	for _, s := range secs {
		want := time.Unix(s, 0).UTC().AppendFormat([]byte("x"), time.RFC3339Nano)
		if got := appendUnixTime([]byte("x"), s); string(got) != string(want) {
			t.Fatalf("appendUnixTime(x, %d) = %q, want %q", s, got, want)
		}
		if got := appendTime([]byte("x"), time.Unix(s, 0).In(time.FixedZone("x", 3600))); string(got) != string(want) {
			t.Fatalf("appendTime(x, %d in UTC+1) = %q, want %q", s, got, want)
		}
	}
	var k clock // one clock for every second, in this order, as a page uses it
	for _, s := range secs {
		want := time.Unix(s, 0).UTC().AppendFormat([]byte("x"), time.RFC3339Nano)
		if got := k.appendTime([]byte("x"), s); string(got) != string(want) {
			t.Fatalf("clock.appendTime(x, %d) = %q, want %q", s, got, want)
		}
		if got := k.appendTime([]byte("x"), s+1); string(got) != string(time.Unix(s+1, 0).UTC().AppendFormat([]byte("x"), time.RFC3339Nano)) {
			t.Fatalf("clock.appendTime(x, %d) after %d = %q", s+1, s, got)
		}
	}
	for _, ns := range []int64{1, 999_999_999, 123_000_000} {
		at := time.Unix(1790000000, ns)
		want := at.UTC().AppendFormat(nil, time.RFC3339Nano)
		if got := appendTime(nil, at); string(got) != string(want) {
			t.Errorf("appendTime(%v) = %q, want %q", at, got, want)
		}
	}
}
