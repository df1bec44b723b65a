package generator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/dialoutkit/dialoutkit/report"
)

// end is the fixed last day of the tenants under test.
var end = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// smallSpec is quick to generate, even with -race, yet has every feature.
func smallSpec() Spec {
	s := DefaultSpec(end)
	s.Users = 120
	s.Intensity = 25
	s.WindowDays = 120
	return s
}

func generate(tb testing.TB, s Spec) *Tenant {
	tb.Helper()
	t, err := Generate(context.Background(), s, nil)
	if err != nil {
		tb.Fatalf("Generate(%+v): %v", s, err)
	}
	return t
}

func collect(seq func(func(report.Call) bool)) []report.Call {
	var calls []report.Call
	for c := range seq {
		calls = append(calls, c)
	}
	return calls
}

// callsDiff is gocmp.Diff(want, got, moneyExact) for lists of calls, fast
// when they are equal: go-cmp's reflection costs minutes under -race on a
// tenant's every call.
func callsDiff(want, got []report.Call) string {
	if slices.EqualFunc(want, got, sameCall) {
		return ""
	}
	return gocmp.Diff(want, got, moneyExact)
}

// sameCall compares every field, amounts by value and written form.
func sameCall(a, b report.Call) bool {
	for _, m := range [][2]report.Money{{a.Charge, b.Charge}, {a.ConnectionCharge, b.ConnectionCharge}} {
		if !m[0].Equal(m[1]) || m[0].String() != m[1].String() {
			return false
		}
	}
	if !a.StartDateTime.Equal(b.StartDateTime) || !a.EndDateTime.Equal(b.EndDateTime) {
		return false
	}
	a.Charge, a.ConnectionCharge, b.Charge, b.ConnectionCharge = report.Money{}, report.Money{}, report.Money{}, report.Money{}
	a.StartDateTime, a.EndDateTime, b.StartDateTime, b.EndDateTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

// moneyExact compares amounts by value and by written form.
var moneyExact = gocmp.Comparer(func(a, b report.Money) bool { return a.String() == b.String() && a.Equal(b) })

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// ranges are queries over smallSpec's window (2026-07-30 .. 2026-11-26).
var ranges = []struct {
	name string
	q    report.Query
}{
	{"whole window", report.Query{From: day(2026, 7, 30), To: day(2026, 11, 27).Add(-time.Nanosecond)}},
	{"90 days", report.Query{From: day(2026, 8, 28), To: day(2026, 11, 26)}},
	{"one day", report.Query{From: day(2026, 10, 14), To: day(2026, 10, 15)}},
	{"an afternoon", report.Query{From: day(2026, 10, 14).Add(13 * time.Hour), To: day(2026, 10, 14).Add(17*time.Hour + 30*time.Minute)}},
	{"before the window", report.Query{From: day(2026, 1, 1), To: day(2026, 3, 1)}},
	{"across the start", report.Query{From: day(2026, 7, 1), To: day(2026, 8, 1)}},
	{"across the end", report.Query{From: day(2026, 11, 20), To: day(2026, 12, 20)}},
	{"year 0001 to 9999", report.Query{From: time.Time{}, To: day(9999, 12, 31)}},
}

func TestSameSpecSameTenant(t *testing.T) {
	s := smallSpec()
	a, b := generate(t, s), generate(t, s)
	if diff := gocmp.Diff(a.Users(), b.Users()); diff != "" {
		t.Errorf("Users differ (-first +second):\n%s", diff)
	}
	if diff := gocmp.Diff(a.Summary(), b.Summary(), moneyExact); diff != "" {
		t.Errorf("Summary differs (-first +second):\n%s", diff)
	}
	for _, r := range ranges {
		t.Run(r.name, func(t *testing.T) {
			if diff := gocmp.Diff(a.Rows(r.q), b.Rows(r.q), moneyExact); diff != "" {
				t.Errorf("Rows(%v) differ (-first +second):\n%s", r.q, diff)
			}
			if diff := callsDiff(collect(a.Calls(r.q)), collect(b.Calls(r.q))); diff != "" {
				t.Errorf("Calls(%v) differ (-first +second):\n%s", r.q, diff)
			}
		})
	}
}

func TestGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	s := smallSpec()
	s.Users = 1000 // several chunks, so workers interleave
	s.Intensity = 6
	one := generate(t, s)
	runtime.GOMAXPROCS(4)
	four := generate(t, s)
	q := ranges[0].q
	if diff := gocmp.Diff(one.Users(), four.Users()); diff != "" {
		t.Errorf("Users differ (-GOMAXPROCS=1 +GOMAXPROCS=4):\n%s", diff)
	}
	if diff := gocmp.Diff(one.Rows(q), four.Rows(q), moneyExact); diff != "" {
		t.Errorf("Rows differ (-GOMAXPROCS=1 +GOMAXPROCS=4):\n%s", diff)
	}
	if diff := callsDiff(collect(one.Calls(q)), collect(four.Calls(q))); diff != "" {
		t.Errorf("Calls differ (-GOMAXPROCS=1 +GOMAXPROCS=4):\n%s", diff)
	}
}

func TestAddingUsersChangesNoOne(t *testing.T) {
	s := smallSpec()
	more := s
	more.Users += 50
	a, b := generate(t, s), generate(t, more)
	if diff := gocmp.Diff(a.Users(), b.Users()[:s.Users]); diff != "" {
		t.Errorf("the first %d users differ (-%d users +%d users):\n%s", s.Users, s.Users, more.Users, diff)
	}
	old := map[string]bool{}
	for _, u := range a.Users() {
		old[u.ID] = true
	}
	for _, r := range ranges[:4] {
		t.Run(r.name, func(t *testing.T) {
			var rows []report.Row
			for _, row := range b.Rows(r.q) {
				if old[row.UserID] {
					rows = append(rows, row)
				}
			}
			if diff := gocmp.Diff(a.Rows(r.q), rows, moneyExact); diff != "" {
				t.Errorf("Rows of the first users differ (-%d users +%d users):\n%s", s.Users, more.Users, diff)
			}
			// The users' calls, of every type, are the same; the bots of
			// the smaller tenant, and their calls, are among the larger's.
			var calls []report.Call
			bots := map[string]report.Call{}
			for c := range b.Calls(r.q) {
				if old[c.OrganizerID] {
					calls = append(calls, c)
				}
				if c.OrganizerID == "" {
					bots[c.ID] = c
				}
			}
			var users []report.Call
			for c := range a.Calls(r.q) {
				if c.OrganizerID != "" {
					users = append(users, c)
				} else if diff := callsDiff([]report.Call{c}, []report.Call{bots[c.ID]}); diff != "" {
					t.Errorf("bot call %s differs (-%d users +%d users):\n%s", c.ID, s.Users, more.Users, diff)
				}
			}
			if diff := callsDiff(users, calls); diff != "" {
				t.Errorf("Calls of the first users differ (-%d users +%d users):\n%s", s.Users, more.Users, diff)
			}
		})
	}
}

func TestWindowEndKeepsThePast(t *testing.T) {
	s := smallSpec()
	later := s
	later.WindowEnd = s.WindowEnd.AddDate(0, 0, 30)
	later.WindowDays += 30
	shifted := s
	shifted.WindowEnd = s.WindowEnd.AddDate(0, 0, 30) // same length: the window starts later
	a, b, c := generate(t, s), generate(t, later), generate(t, shifted)
	if diff := gocmp.Diff(a.Users(), b.Users()); diff != "" {
		t.Errorf("Users differ (-end %s +end 30 days later):\n%s", s.WindowEnd, diff)
	}
	for _, tc := range []struct {
		name  string
		other *Tenant
		q     report.Query
	}{
		{"longer window, 90 days", b, ranges[1].q},
		{"longer window, one day", b, ranges[2].q},
		{"longer window, whole old window", b, ranges[0].q},
		{"shifted window, 60 days", c, report.Query{From: day(2026, 9, 1), To: day(2026, 10, 31)}},
		{"shifted window, one day", c, ranges[2].q},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := gocmp.Diff(a.Rows(tc.q), tc.other.Rows(tc.q), moneyExact); diff != "" {
				t.Errorf("Rows(%v) differ (-end %s +end 30 days later):\n%s", tc.q, s.WindowEnd, diff)
			}
			if diff := callsDiff(collect(a.Calls(tc.q)), collect(tc.other.Calls(tc.q))); diff != "" {
				t.Errorf("Calls(%v) differ (-end %s +end 30 days later):\n%s", tc.q, s.WindowEnd, diff)
			}
		})
	}
}

// aggregate is the test's own implementation of the report: a map from row
// key to totals, summed with decimals straight from the calls.
type totals struct {
	calls, seconds int64
	charge         decimal.Decimal
}

type rowKey struct {
	user, location, destination, currency string
}

// aggregate sums the dial-out (conf_out) calls by row key: the other
// types are in the call log only (decision D11).
func aggregate(calls []report.Call) map[rowKey]totals {
	m := map[rowKey]totals{}
	for _, c := range calls {
		if c.Type() != report.ConfOut {
			continue
		}
		k := rowKey{c.OrganizerID, c.UsageLocation, c.DestinationContext.String(), c.Currency}
		t := m[k]
		t.calls++
		t.seconds += c.Duration
		t.charge = t.charge.Add(c.Charge.Decimal()).Add(c.ConnectionCharge.Decimal())
		m[k] = t
	}
	return m
}

func fromRows(rows []report.Row) map[rowKey]totals {
	m := map[rowKey]totals{}
	for _, r := range rows {
		m[rowKey{r.UserID, r.UsageLocation, r.DestinationContext.String(), r.Currency}] =
			totals{int64(r.TotalCalls), int64(r.TotalCallSeconds), r.TotalCallCharge.Decimal()}
	}
	return m
}

var decimalEqual = gocmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func TestCallsAddUpToRows(t *testing.T) {
	tn := generate(t, smallSpec())
	all := collect(tn.Calls(ranges[0].q))
	if len(all) != tn.Summary().Calls {
		t.Fatalf("Calls(whole window) lists %d calls, Summary().Calls = %d", len(all), tn.Summary().Calls)
	}

	// Boundaries at exact call start times, both inclusive.
	mid := all[len(all)/2].StartDateTime
	late := all[len(all)*3/4].StartDateTime
	cases := append([]struct {
		name string
		q    report.Query
	}{
		{"one instant", report.Query{From: mid, To: mid}},
		{"from a call's start", report.Query{From: mid, To: late}},
		{"from just after a call's start", report.Query{From: mid.Add(time.Nanosecond), To: late}},
		{"to just before a call's start", report.Query{From: mid, To: late.Add(-time.Nanosecond)}},
		{"first call to last call", report.Query{From: all[0].StartDateTime, To: all[len(all)-1].StartDateTime}},
	}, ranges...)
	for _, r := range cases {
		t.Run(r.name, func(t *testing.T) {
			calls := collect(tn.Calls(r.q))
			var want []report.Call
			for _, c := range all {
				if !c.StartDateTime.Before(r.q.From) && !c.StartDateTime.After(r.q.To) {
					want = append(want, c)
				}
			}
			if diff := callsDiff(want, calls); diff != "" {
				t.Errorf("Calls(%v) differ from the whole window's calls in range (-want +got):\n%s", r.q, diff)
			}
			if !slices.IsSortedFunc(calls, func(a, b report.Call) int {
				return cmp.Or(a.StartDateTime.Compare(b.StartDateTime), cmp.Compare(a.ID, b.ID))
			}) {
				t.Errorf("Calls(%v) are not in (startDateTime, id) order", r.q)
			}
			rows := tn.Rows(r.q)
			if diff := gocmp.Diff(aggregate(calls), fromRows(rows), decimalEqual, gocmp.AllowUnexported(totals{})); diff != "" {
				t.Errorf("Rows(%v) differ from the calls' aggregation (-calls +rows):\n%s", r.q, diff)
			}
		})
	}
	if n := len(collect(tn.Calls(report.Query{From: late, To: mid}))); n != 0 {
		t.Errorf("Calls(reversed range) lists %d calls, want 0", n)
	}
}

func TestCallFields(t *testing.T) {
	tn := generate(t, smallSpec())
	users := map[string]report.User{}
	for _, u := range tn.Users() {
		users[u.ID] = u
	}
	ids := map[string]bool{}
	dialOuts := 0
	for c := range tn.Calls(ranges[0].q) {
		if c.Type() != report.ConfOut {
			ids[c.ID] = true // ids are unique across every type
			continue
		}
		dialOuts++
		var problems []string
		bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
		if !report.IsGUID(c.ID) || ids[c.ID] {
			bad("id is not a fresh GUID")
		}
		ids[c.ID] = true
		if _, ok := users[c.OrganizerID]; !ok {
			bad("organizer is not a user")
		}
		if !report.IsGUID(c.DialerID) || !report.IsGUID(c.ConferenceID) {
			bad("dialerId or conferenceId is not a GUID")
		}
		if !c.EndDateTime.Equal(c.StartDateTime.Add(time.Duration(c.Duration) * time.Second)) {
			bad("endDateTime is not start + duration")
		}
		if c.Duration < 5 || c.Duration > 4*3600 {
			bad("duration outside 5 s .. 4 h")
		}
		if want := currencies[c.UsageLocation]; c.Currency != want {
			bad("currency %s in %s, want %s", c.Currency, c.UsageLocation, want)
		}
		for _, m := range []report.Money{c.Charge, c.ConnectionCharge} {
			if cents, ok := m.Cents(); !ok || cents < 0 || m.Decimal().Exponent() != -2 {
				bad("charge %s is not ≥ 0 with 2 places", m.Decimal())
			}
		}
		zero := c.Charge.Decimal().IsZero() && c.ConnectionCharge.Decimal().IsZero()
		switch {
		case c.LicenseCapability == "MCOMEETADD" && (!zero || c.DestinationContext != report.Domestic):
			bad("MCOMEETADD call is charged or international")
		case c.LicenseCapability == "MCOPSTNPP" && c.Charge.Decimal().IsZero():
			bad("MCOPSTNPP call charges 0")
		case c.LicenseCapability != "MCOMEETADD" && c.LicenseCapability != "MCOPSTNPP":
			bad("licenseCapability %q", c.LicenseCapability)
		}
		if !partyNumberOf(c.OtherPartyCountryCode).MatchString(c.CalleeNumber) {
			bad("calleeNumber %q is not an E.164 number of %s masked as the call log masks it", c.CalleeNumber, c.OtherPartyCountryCode)
		}
		if !ownNumber.MatchString(c.CallerNumber) || c.CallID == "" || c.TenantCountryCode == "" ||
			c.InventoryType != "Service" || c.Operator != "Microsoft" || c.CallDurationSource != "microsoft" {
			bad("call log fields: caller %q, callId %q, tenant %q, inventory %q, operator %q, source %q",
				c.CallerNumber, c.CallID, c.TenantCountryCode, c.InventoryType, c.Operator, c.CallDurationSource)
		}
		if domestic := countryNames[c.UsageLocation] == c.DestinationName; domestic != (c.DestinationContext == report.Domestic) {
			bad("destinationName %q from %s does not match %s", c.DestinationName, c.UsageLocation, c.DestinationContext)
		}
		if len(problems) > 0 {
			t.Errorf("call %+v: %s", c, strings.Join(problems, "; "))
		}
	}
	if dialOuts == 0 {
		t.Fatal("no dial-out call")
	}
}

// ownNumber is a number of the tenant, written in full.
var ownNumber = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// partyNumberOf matches another party's number of a country as the call log
// writes it: the last 3 digits masked in BE, DE, DK, ES, FI, IT, NL, NO and
// SE, the last 4 in CH and FR, none elsewhere.
func partyNumberOf(country string) *regexp.Regexp {
	switch country {
	case "BE", "DE", "DK", "ES", "FI", "IT", "NL", "NO", "SE":
		return masked3
	case "CH", "FR":
		return masked4
	}
	return ownNumber
}

var (
	masked3 = regexp.MustCompile(`^\+[1-9][0-9]{4,11}\*\*\*$`)
	masked4 = regexp.MustCompile(`^\+[1-9][0-9]{4,11}\*\*\*\*$`)
)

// currencies and countryNames are the test's own tables of what a location means.
var (
	currencies = map[string]string{
		"US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "NL": "EUR", "ES": "EUR", "IT": "EUR", "IE": "EUR",
		"JP": "JPY", "IN": "INR", "AU": "AUD", "CA": "CAD", "BR": "BRL", "CH": "CHF", "SE": "SEK", "MX": "MXN", "SG": "SGD",
	}
	countryNames = map[string]string{
		"US": "United States", "GB": "United Kingdom", "DE": "Germany", "FR": "France", "NL": "Netherlands",
		"ES": "Spain", "IT": "Italy", "IE": "Ireland", "JP": "Japan", "IN": "India", "AU": "Australia",
		"CA": "Canada", "BR": "Brazil", "CH": "Switzerland", "SE": "Sweden", "MX": "Mexico", "SG": "Singapore",
	}
)

func TestDefaultTenantIsRealistic(t *testing.T) {
	s := DefaultSpec(end)
	tn := generate(t, s)
	first, last := s.Window()
	var calls []report.Call // the dial-outs
	for c := range tn.Calls(report.Query{From: first, To: last}) {
		if c.Type() == report.ConfOut {
			calls = append(calls, c)
		}
	}

	perMonth := float64(len(calls)) / 12
	if perMonth < 1500 || perMonth > 6000 {
		t.Errorf("%.0f calls a month, want a few thousand", perMonth)
	}
	locations, curs, dests := map[string]bool{}, map[string]bool{}, map[report.Destination]int{}
	var zero, otherDialer, outsider, weekdays, weekend, business, local int
	perUser := map[string]int{}
	ids := map[string]bool{}
	for _, u := range tn.Users() {
		ids[u.ID] = true
	}
	var secs []int64
	for _, c := range calls {
		locations[c.UsageLocation] = true
		curs[c.Currency] = true
		dests[c.DestinationContext]++
		perUser[c.OrganizerID]++
		secs = append(secs, c.Duration)
		if c.Charge.Decimal().IsZero() {
			zero++
		}
		if c.DialerID != c.OrganizerID {
			otherDialer++
		}
		if !ids[c.DialerID] {
			outsider++
		}
		switch c.StartDateTime.Weekday() {
		case time.Saturday, time.Sunday:
			weekend++
		default:
			weekdays++
		}
		// Business hours in locations of a single time zone.
		if off, ok := map[string]int{"GB": 0, "DE": 1, "FR": 1, "JP": 9, "IN": 5}[c.UsageLocation]; ok {
			local++
			if h := c.StartDateTime.Add(time.Duration(off) * time.Hour).Hour(); 8 <= h && h < 18 {
				business++
			}
		}
	}
	t.Logf("%d calls, %d locations, %d currencies, %v, zero-charge %d, dialer≠organizer %d, outside dialers %d",
		len(calls), len(locations), len(curs), dests, zero, otherDialer, outsider)
	if len(locations) < 6 {
		t.Errorf("calls come from %d usage locations, want ≥ 6", len(locations))
	}
	if len(curs) < 5 {
		t.Errorf("calls are in %d currencies, want ≥ 5", len(curs))
	}
	if dests[report.Domestic] == 0 || dests[report.International] == 0 {
		t.Errorf("destination contexts %v, want both", dests)
	}
	if share := float64(dests[report.International]) / float64(len(calls)); share < s.InternationalShare-0.04 || share > s.InternationalShare+0.04 {
		t.Errorf("international share %.3f, want %.2f ± 0.04", share, s.InternationalShare)
	}
	if zero == 0 || zero == len(calls) {
		t.Errorf("%d of %d calls charge 0, want some", zero, len(calls))
	}
	if otherDialer < len(calls)/4 || outsider == 0 {
		t.Errorf("%d calls dialed by someone else than the organizer, %d from outside the tenant; want many, some", otherDialer, outsider)
	}
	if perWeekday, perWeekendDay := float64(weekdays)/5, float64(weekend)/2; perWeekday < 3*perWeekendDay {
		t.Errorf("%.0f calls a weekday, %.0f a weekend day: want weekdays to dominate", perWeekday, perWeekendDay)
	}
	if share := float64(business) / float64(local); share < 0.7 {
		t.Errorf("%.2f of calls start in local business hours, want ≥ 0.7", share)
	}
	slices.Sort(secs)
	var sum int64
	for _, s := range secs {
		sum += s
	}
	if median, mean := secs[len(secs)/2], sum/int64(len(secs)); median*4/3 > mean || secs[len(secs)-1] < 3600 {
		t.Errorf("durations: median %d s, mean %d s, longest %d s; want skewed, a few long", median, mean, secs[len(secs)-1])
	}

	// Per-user heterogeneity: some never dial out, some dial out a lot.
	counts := make([]int, 0, len(tn.Users()))
	for _, u := range tn.Users() {
		counts = append(counts, perUser[u.ID])
	}
	slices.Sort(counts)
	if counts[0] != 0 || counts[len(counts)-1] < 5*counts[len(counts)/2] {
		t.Errorf("calls per user range %d..%d, median %d: want some users with none and a few heavy dialers",
			counts[0], counts[len(counts)-1], counts[len(counts)/2])
	}

	// Some users change location: they have rows in two locations.
	locs := map[string]map[string]bool{}
	for _, r := range tn.Rows(report.Query{From: first, To: last}) {
		if locs[r.UserID] == nil {
			locs[r.UserID] = map[string]bool{}
		}
		locs[r.UserID][r.UsageLocation] = true
		if want := currencies[r.UsageLocation]; r.Currency != want {
			t.Errorf("row %+v: currency %s, want %s", r, r.Currency, want)
		}
	}
	movers := 0
	for _, l := range locs {
		if len(l) > 1 {
			movers++
		}
	}
	if movers == 0 || movers > len(tn.Users())/10 {
		t.Errorf("%d users have rows in two locations, want a few", movers)
	}
}

func TestUsers(t *testing.T) {
	s := DefaultSpec(end)
	s.Users = 3000
	s.Intensity = 0
	tn := generate(t, s)
	upn := regexp.MustCompile(`^[a-z]+\.[a-z]+[0-9]*@contoso\.com$`)
	ids, upns := map[string]bool{}, map[string]bool{}
	var suffixed, nonASCII int
	for i, u := range tn.Users() {
		if !report.IsGUID(u.ID) || ids[u.ID] {
			t.Errorf("user %d: id %q is not a unique lower-case GUID", i, u.ID)
		}
		if !upn.MatchString(u.UserPrincipalName) || upns[u.UserPrincipalName] {
			t.Errorf("user %d: userPrincipalName %q is not a unique first.last@domain", i, u.UserPrincipalName)
		}
		if _, ok := currencies[u.UsageLocation]; !ok {
			t.Errorf("user %d: usageLocation %q", i, u.UsageLocation)
		}
		ids[u.ID], upns[u.UserPrincipalName] = true, true
		if strings.ContainsAny(u.UserPrincipalName, "0123456789") {
			suffixed++
		}
		if strings.ContainsFunc(u.DisplayName, func(r rune) bool { return r > 127 }) {
			nonASCII++
		}
	}
	if suffixed == 0 || nonASCII == 0 {
		t.Errorf("%d UPNs with a suffix, %d display names with non-ASCII letters; want some of each", suffixed, nonASCII)
	}
	if sum := tn.Summary(); sum.Calls != 0 || sum.Users != s.Users {
		t.Errorf("Summary() = %+v, want %d users and no call at intensity 0", sum, s.Users)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"José": "jose", "Großmann": "grossmann", "Ó Súilleabháin": "osuilleabhain", "O'Connor": "oconnor",
		"Anne-Marie": "annemarie", "Åsa": "asa", "Shōta": "shota", "Jun'ichi": "junichi", "Søren": "soren", "李": "",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := DefaultSpec(end)
	if err := ok.Validate(); err != nil {
		t.Fatalf("DefaultSpec(%s).Validate() = %v, want nil", end, err)
	}
	for _, tc := range []struct {
		field, name string
		edit        func(*Spec)
	}{
		{"Seed", "Seed 0", func(s *Spec) { s.Seed = 0 }},
		{"Users", "Users 0", func(s *Spec) { s.Users = 0 }},
		{"Users", "Users -3", func(s *Spec) { s.Users = -3 }},
		{"Users", "Users MaxUsers + 1", func(s *Spec) { s.Users = MaxUsers + 1 }},
		{"WindowDays", "WindowDays 0", func(s *Spec) { s.WindowDays = 0 }},
		{"WindowDays", "WindowDays MaxWindowDays + 1", func(s *Spec) { s.WindowDays = MaxWindowDays + 1 }},
		{"Intensity", "Intensity -1", func(s *Spec) { s.Intensity = -1 }},
		{"Intensity", "Intensity math.NaN()", func(s *Spec) { s.Intensity = math.NaN() }},
		{"Intensity", "Intensity MaxIntensity + 1", func(s *Spec) { s.Intensity = MaxIntensity + 1 }},
		{"Intensity", "Users, Intensity, WindowDays MaxUsers, 1000, 3660", func(s *Spec) { s.Users, s.Intensity, s.WindowDays = MaxUsers, 1000, 3660 }},
		{"InternationalShare", "InternationalShare -0.1", func(s *Spec) { s.InternationalShare = -0.1 }},
		{"InternationalShare", "InternationalShare 1.5", func(s *Spec) { s.InternationalShare = 1.5 }},
		{"InternationalShare", "InternationalShare math.NaN()", func(s *Spec) { s.InternationalShare = math.NaN() }},
		{"Domain", "Domain \"\"", func(s *Spec) { s.Domain = "" }},
		{"Domain", "Domain \"contoso\"", func(s *Spec) { s.Domain = "contoso" }},
		{"Domain", "Domain \"contoso..com\"", func(s *Spec) { s.Domain = "contoso..com" }},
		{"Domain", "Domain \"-contoso.com\"", func(s *Spec) { s.Domain = "-contoso.com" }},
		{"Domain", "Domain \"con toso.com\"", func(s *Spec) { s.Domain = "con toso.com" }},
		{"Domain", "Domain \"contoso.com.\"", func(s *Spec) { s.Domain = "contoso.com." }},
		{"Domain", "Domain \"10.0.0.1\"", func(s *Spec) { s.Domain = "10.0.0.1" }},
		{"Domain", "Domain stringRepeat(\"a\", 64) + \".com\"", func(s *Spec) { s.Domain = strings.Repeat("a", 64) + ".com" }},
		{"WindowEnd", "WindowEnd time.Time{}", func(s *Spec) { s.WindowEnd = time.Time{} }},
		{"WindowEnd", "WindowEnd day(1970, 6, 1)", func(s *Spec) { s.WindowEnd = day(1970, 6, 1) }},
		{"WindowEnd", "WindowEnd day(2300, 1, 1)", func(s *Spec) { s.WindowEnd = day(2300, 1, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			err := s.Validate()
			if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tc.field+":") {
				t.Errorf("Validate(%+v) = %v, want an ErrSpec naming %s", s, err, tc.field)
			}
			if _, gerr := Generate(context.Background(), s, nil); !errors.Is(gerr, ErrSpec) {
				t.Errorf("Generate(%+v) error = %v, want ErrSpec", s, gerr)
			}
		})
	}
	for _, good := range []func(*Spec){
		func(s *Spec) { s.Domain = "Contoso.OnMicrosoft.com" },
		func(s *Spec) { s.Intensity, s.InternationalShare = 0, 1 },
		func(s *Spec) { s.WindowEnd = day(1970, 1, 1); s.WindowDays = 1 },
		func(s *Spec) { s.Seed = -1 },
	} {
		s := ok
		good(&s)
		if err := s.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", s, err)
		}
	}
}

func TestSpecNormalized(t *testing.T) {
	s := smallSpec()
	s.Domain = "Fabrikam.COM"
	s.WindowEnd = end.Add(13*time.Hour + 5*time.Minute).In(time.FixedZone("X", -11*3600)) // still 2026-11-26 in UTC
	tn := generate(t, s)
	got := tn.Spec()
	if !got.WindowEnd.Equal(end) || got.WindowEnd.Location() != time.UTC || got.Domain != "fabrikam.com" {
		t.Errorf("Spec() = %+v, want WindowEnd %s UTC and domain fabrikam.com", got, end)
	}
	if u := tn.Users()[0].UserPrincipalName; !strings.HasSuffix(u, "@fabrikam.com") {
		t.Errorf("UPN %q, want @fabrikam.com", u)
	}
	first, last := got.Window()
	if want := day(2026, 7, 30); !first.Equal(want) || !last.Equal(day(2026, 11, 27).Add(-time.Nanosecond)) {
		t.Errorf("Window() = %s, %s; want %s to the end of %s", first, last, want, end)
	}
	sum := tn.Summary()
	if sum.First.Before(first) || sum.Last.After(last) {
		t.Errorf("calls span %s..%s, outside the window %s..%s", sum.First, sum.Last, first, last)
	}
}

func TestProgressAndCancel(t *testing.T) {
	s := smallSpec()
	s.Users = 2000
	s.Intensity = 2
	var calls [][2]int
	if _, err := Generate(context.Background(), s, func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 || calls[len(calls)-1] != [2]int{s.Users + 1, s.Users + 1} {
		t.Fatalf("progress calls %v, want several ending with (%d, %d)", calls, s.Users+1, s.Users+1)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] || calls[i][1] != s.Users+1 {
			t.Errorf("progress call %d = %v after %v: want done non-decreasing, total %d", i, calls[i], calls[i-1], s.Users+1)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if tn, err := Generate(ctx, s, nil); !errors.Is(err, context.Canceled) || tn != nil {
		t.Errorf("Generate(cancelled) = %v, %v; want nil, context.Canceled", tn, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	_, err := Generate(ctx, s, func(done, total int) {
		if done > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Generate(cancelled midway) error = %v, want context.Canceled", err)
	}
}

// TestOtherCallsAreRealistic: the default tenant's call log holds every
// call type in plausible shares, inbound calls free on most plans, bots
// without a user, numbers masked by their country, and a summary that
// counts them all.
func TestOtherCallsAreRealistic(t *testing.T) {
	s := DefaultSpec(end)
	tn := generate(t, s)
	first, last := s.Window()
	users := map[string]bool{}
	for _, u := range tn.Users() {
		users[u.ID] = true
	}
	perType := map[string]int{}
	charged := map[string]int{}
	ids := map[string]bool{}
	all := 0
	var longest int64
	for c := range tn.Calls(report.Query{From: first, To: last}) {
		all++
		typ := c.Type()
		perType[typ]++
		longest = max(longest, c.Duration)
		var problems []string
		bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
		if !report.IsGUID(c.ID) || ids[c.ID] {
			bad("id is not a fresh GUID")
		}
		ids[c.ID] = true
		if !c.EndDateTime.Equal(c.StartDateTime.Add(time.Duration(c.Duration)*time.Second)) || c.Duration < 5 || c.Duration > 4*3600 {
			bad("duration %d s from %s to %s", c.Duration, c.StartDateTime, c.EndDateTime)
		}
		if want := currencies[c.UsageLocation]; c.Currency != want {
			bad("currency %s in %s, want %s", c.Currency, c.UsageLocation, want)
		}
		if c.Charge.Decimal().Exponent() != -2 || c.Charge.IsNegative() || c.ConnectionCharge.IsNegative() {
			bad("charge %s", c.Charge)
		}
		if !c.Charge.Equal(report.Cents(0)) {
			charged[typ]++
		}
		bot := report.IsBot(typ)
		if bot != (c.OrganizerID == "") || !bot && !users[c.OrganizerID] {
			bad("organizer %q of a %s call", c.OrganizerID, typ)
		}
		if bot != (c.LicenseCapability == "MCOEV_VIRTUALUSER") {
			bad("licenseCapability %q of a %s call", c.LicenseCapability, typ)
		}
		if (c.Operator != "Microsoft") != (c.CallDurationSource == "operator") || c.Operator == "" {
			bad("operator %q with callDurationSource %q", c.Operator, c.CallDurationSource)
		}
		if c.CallDurationSource == "operator" && (!c.Charge.Equal(report.Cents(0)) || c.LicenseCapability != "MCOEV") {
			bad("an Operator Connect call charges %s under %s", c.Charge, c.LicenseCapability)
		}
		conf := typ == "conf_in" || typ == report.ConfOut
		if conf != report.IsGUID(c.ConferenceID) || !conf && c.ConferenceID != "" {
			bad("conferenceId %q of a %s call", c.ConferenceID, typ)
		}
		if (c.DestinationContext == report.International) != (c.OtherPartyCountryCode != c.UsageLocation) {
			bad("%s call from %s to %s", c.DestinationContext, c.UsageLocation, c.OtherPartyCountryCode)
		}
		party, own := c.CalleeNumber, c.CallerNumber
		if strings.HasSuffix(typ, "_in") {
			party, own = own, party
		}
		if !partyNumberOf(c.OtherPartyCountryCode).MatchString(party) || !ownNumber.MatchString(own) {
			bad("party %q (%s), own %q", party, c.OtherPartyCountryCode, own)
		}
		if len(problems) > 0 {
			t.Errorf("%s call %+v: %s", typ, c, strings.Join(problems, "; "))
			if len(problems) > 20 {
				t.FailNow()
			}
		}
	}
	t.Logf("%d calls: %v; charged %v", all, perType, charged)

	dialOuts := perType[report.ConfOut]
	if ratio := float64(all) / float64(dialOuts); ratio < 3 || ratio > 8 {
		t.Errorf("%d calls for %d dial-outs, want several times as many", all, dialOuts)
	}
	for _, typ := range []string{"user_in", "user_out", "user_out_transfer", "user_out_forwarding", "conf_in", "ucap_in", "ucap_out", "conf_out"} {
		if perType[typ] == 0 {
			t.Errorf("no %s call", typ)
		}
	}
	if perType["user_in"] < perType["user_out_transfer"]*5 || perType["ucap_in"] < perType["ucap_out"] {
		t.Errorf("shares %v: want user_in well above transfers, bots mostly answering", perType)
	}
	if charged["user_in"] != 0 || charged["conf_in"] == 0 || charged["conf_in"] > perType["conf_in"]/2 {
		t.Errorf("charged calls %v of %v: want no inbound user call charged, some toll-free dial-ins", charged, perType)
	}

	sum := tn.Summary()
	want := report.Summary{Calls: all}
	for typ, n := range perType {
		want.CallTypes = append(want.CallTypes, report.CallTypeCount{CallType: typ, Calls: n})
	}
	slices.SortFunc(want.CallTypes, func(a, b report.CallTypeCount) int { return cmp.Compare(a.CallType, b.CallType) })
	if sum.Calls != want.Calls || !slices.Equal(sum.CallTypes, want.CallTypes) {
		t.Errorf("Summary() = %d calls %v, want %d %v", sum.Calls, sum.CallTypes, want.Calls, want.CallTypes)
	}
	if tn.Longest() < time.Duration(longest)*time.Second {
		t.Errorf("Longest() = %s, but a call lasts %d s", tn.Longest(), longest)
	}
}
