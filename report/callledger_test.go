package report

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

const okScenario = `{
  "users": [
    {"id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "userPrincipalName": "ana@contoso.com", "displayName": "Ana", "usageLocation": "BR"},
    {"id": "9b2d6a1e-7c44-4f0b-8e5a-2d1f0c9b7a02", "userPrincipalName": "zoe@contoso.com", "displayName": "Zoë", "usageLocation": "SE"}
  ],
  "calls": [
    {"id": "c1", "organizerId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "startDateTime": "2026-10-01T09:30:00Z",
     "duration": 312, "destinationContext": "International", "charge": 1.25, "connectionCharge": "0.05", "currency": "BRL"},
    {"id": "c2", "organizerId": "9b2d6a1e-7c44-4f0b-8e5a-2d1f0c9b7a02", "startDateTime": "2026-10-02T09:30:00+02:00",
     "endDateTime": "2026-10-02T09:31:00+02:00", "duration": 60, "destinationContext": "Domestic",
     "charge": 0, "connectionCharge": 0, "currency": "SEK", "usageLocation": "SE", "dialerId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}
  ]
}`

func TestScenarioDecodesAndFillsIn(t *testing.T) {
	sc, err := DecodeScenario(strings.NewReader(okScenario))
	if err != nil {
		t.Fatal(err)
	}
	d, err := sc.CallLedger()
	if err != nil {
		t.Fatal(err)
	}
	calls := slices.Collect(d.Calls(Query{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}))
	if len(calls) != 2 {
		t.Fatalf("Calls = %d calls, want 2", len(calls))
	}
	c1 := calls[0]
	if c1.UsageLocation != "BR" {
		t.Errorf("call 1 usageLocation = %q, want the organizer's BR", c1.UsageLocation)
	}
	if want := time.Date(2026, 10, 1, 9, 35, 12, 0, time.UTC); !c1.EndDateTime.Equal(want) {
		t.Errorf("call 1 endDateTime = %v, want start + duration %v", c1.EndDateTime, want)
	}
	if c2 := calls[1]; c2.StartDateTime.Location() != time.UTC || c2.StartDateTime.Hour() != 7 {
		t.Errorf("call 2 start = %v, want 07:30 UTC", c2.StartDateTime)
	}
	rows := d.Rows(Query{time.Date(2026, 10, 1, 9, 30, 0, 0, time.UTC), time.Date(2026, 10, 1, 9, 30, 0, 0, time.UTC)})
	if len(rows) != 1 || rows[0].TotalCallCharge.String() != "1.30" || rows[0].TotalCallSeconds != 312 {
		t.Errorf("rows at exactly 09:30 = %+v, want one row of 1.30 and 312 s", rows)
	}
}

func TestScenarioProblems(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(string) string
		pointer string
		reason  string
	}{
		{"bad JSON", func(s string) string { return s[:40] }, "", "cut short"},
		{"trailing data", func(s string) string { return s + "{}" }, "", "after the JSON document"},
		{"unknown field", func(s string) string { return strings.Replace(s, `"duration": 312`, `"duraton": 312`, 1) }, "", "duraton"},
		{"wrong type", func(s string) string { return strings.Replace(s, `"duration": 312`, `"duration": "312"`, 1) }, "/calls/0/duration", "want an integer"},
		{"negative duration", func(s string) string { return strings.Replace(s, `"duration": 312`, `"duration": -1`, 1) }, "/calls/0/duration", "negative"},
		{"duration 60.0", func(s string) string { return strings.Replace(s, `"duration": 60`, `"duration": 60.0`, 1) }, "/calls/1/duration", "want an integer, got JSON number 60.0"},
		{"user id a number", func(s string) string {
			return strings.Replace(s, `"id": "9b2d6a1e-7c44-4f0b-8e5a-2d1f0c9b7a02"`, `"id": 7`, 1)
		}, "/users/1/id", "want a string"},
		{"calls an object", func(s string) string { return strings.Replace(s, `"calls": [`, `"calls": {"x": [`, 1) }, "/calls", "want an array"},
		{"twice the calls", func(s string) string { return strings.Replace(s, `"calls": [`, `"calls": [], "calls": [`, 1) }, "/calls", "appears twice"},
		{"charge 10^20", func(s string) string {
			return strings.Replace(s, `"charge": 1.25`, `"charge": 100000000000000000000`, 1)
		}, "/calls/0/charge", "100000000000000000000: is too large"},
		{"charge 1e30 as written", func(s string) string { return strings.Replace(s, `"charge": 1.25`, `"charge": 1e30`, 1) }, "/calls/0/charge", "1e30: is too large"},
		{"charge 1.2550 as written", func(s string) string { return strings.Replace(s, `"charge": 1.25`, `"charge": 1.2555`, 1) }, "/calls/0/charge", "1.2555: want a decimal with at most 2 places"},
		{"charge not a decimal", func(s string) string { return strings.Replace(s, `"charge": 1.25`, `"charge": "1,25"`, 1) }, "/calls/0/charge", "not a decimal"},
		{"duplicate call id", func(s string) string { return strings.Replace(s, `"id": "c2"`, `"id": "c1"`, 1) }, "/calls/1/id", "duplicates"},
		{"duplicate user id", func(s string) string {
			return strings.Replace(s, `"9b2d6a1e-7c44-4f0b-8e5a-2d1f0c9b7a02", "userPrincipalName"`, `"3f2504e0-4f89-41d3-9a0c-0305e82c3301", "userPrincipalName"`, 1)
		}, "/users/1/id", "duplicates"},
		{"unknown organizer", func(s string) string {
			return strings.Replace(s, `"organizerId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"`, `"organizerId": "00000000-0000-4000-8000-000000000000"`, 1)
		}, "/calls/0/organizerId", "not the id of a user"},
		{"three decimals", func(s string) string { return strings.Replace(s, `"charge": 1.25`, `"charge": 1.255`, 1) }, "/calls/0/charge", "at most 2 places"},
		{"negative charge", func(s string) string { return strings.Replace(s, `"charge": 1.25`, `"charge": "-1.25"`, 1) }, "/calls/0/charge", "≥ 0"},
		{"lower-case currency", func(s string) string { return strings.Replace(s, `"BRL"`, `"brl"`, 1) }, "/calls/0/currency", "three-letter"},
		{"end before start", func(s string) string {
			return strings.Replace(s, `"endDateTime": "2026-10-02T09:31:00+02:00"`, `"endDateTime": "2026-10-02T09:29:00+02:00"`, 1)
		}, "/calls/1/endDateTime", "before"},
		{"end disagrees with duration", func(s string) string { return strings.Replace(s, `"duration": 60`, `"duration": 600`, 1) }, "/calls/1/endDateTime", "duration"},
		{"bad destination", func(s string) string { return strings.Replace(s, `"Domestic"`, `"Local"`, 1) }, "", "Domestic or International"},
		{"upper-case GUID", func(s string) string { return strings.Replace(s, `"dialerId": "3f2504e0`, `"dialerId": "3F2504E0`, 1) }, "/calls/1/dialerId", "GUID"},
		{"overflowing totals", func(s string) string {
			s = strings.Replace(s, `"duration": 312`, `"duration": 2147483000`, 1)
			return strings.Replace(s, `"id": "c2", "organizerId": "9b2d6a1e-7c44-4f0b-8e5a-2d1f0c9b7a02"`, `"id": "c2", "organizerId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"`, 1)
		}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := c.edit(okScenario)
			sc, err := DecodeScenario(strings.NewReader(doc))
			if err == nil {
				_, err = sc.CallLedger()
			}
			if c.name == "overflowing totals" {
				// c2 moved to Ana in SE/Domestic/SEK: a different key. Make it the same key.
				doc = strings.Replace(doc, `"destinationContext": "Domestic",
     "charge": 0, "connectionCharge": 0, "currency": "SEK", "usageLocation": "SE"`, `"destinationContext": "International",
     "charge": 0, "connectionCharge": 0, "currency": "BRL", "usageLocation": "BR"`, 1)
				doc = strings.Replace(doc, `"endDateTime": "2026-10-02T09:31:00+02:00", `, ``, 1)
				doc = strings.Replace(doc, `"duration": 60`, `"duration": 1000`, 1)
				sc, err = DecodeScenario(strings.NewReader(doc))
				if err == nil {
					_, err = sc.CallLedger()
				}
				if !errors.Is(err, ErrOverflow) {
					t.Fatalf("err = %v, want ErrOverflow", err)
				}
				c.pointer, c.reason = "/calls/1/duration", "Int32"
			}
			var probs Problems
			if !errors.As(err, &probs) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want Problems matching ErrInvalid", err)
			}
			found := false
			for _, p := range probs {
				if (c.pointer == "" || p.Pointer == c.pointer) && strings.Contains(p.Reason, c.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("problems = %v, want one at %q saying %q", probs, c.pointer, c.reason)
			}
		})
	}
}
