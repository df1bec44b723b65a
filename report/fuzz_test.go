package report

// CI fuzzes this target for a bounded time:
//
//	go test ./report -run '^$' -fuzz '^FuzzDecodeScenario$' -fuzztime 15s -fuzzminimizetime 2s

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzDecodeScenario(f *testing.F) {
	user := `{"id":"11111111-2222-4333-8444-555555555555","userPrincipalName":"a@contoso.com","displayName":"A","usageLocation":"NL"}`
	call := func(fields string) string {
		return `{"users":[` + user + `],"calls":[{"id":"c1","organizerId":"11111111-2222-4333-8444-555555555555",` +
			`"startDateTime":"2026-10-05T10:00:00Z","destinationContext":"Domestic","currency":"EUR",` + fields + `}]}`
	}
	for _, doc := range []string{
		call(`"duration":61,"charge":1.25,"connectionCharge":"0.05"`),
		call(`"duration":61,"charge":"1.25","connectionCharge":0,"endDateTime":"2026-10-05T10:01:01Z","usageLocation":"DE","dialerId":"aaaaaaaa-0000-4000-8000-000000000001"`),
		call(`"duration":2147483648,"charge":0,"connectionCharge":0`),
		call(`"duration":-1,"charge":-0.01,"connectionCharge":1e-3`),
		call(`"duration":1,"charge":92233720368547758.07,"connectionCharge":92233720368547758.07`),
		call(`"duration":1,"charge":1e1000001,"connectionCharge":"1e999999"`),
		call(`"duration":1,"charge":"` + strings.Repeat("9", 200) + `","connectionCharge":0`),
		call(`"duration":1,"charge":null,"connectionCharge":"","destinationContext":"Elsewhere"`),
		call(`"duration":1e2,"charge":1,"connectionCharge":1,"startDateTime":"0001-01-01T00:00:00Z"`),
		call(`"duration":1,"charge":1,"connectionCharge":1,"startDateTime":"9999-12-31T23:59:59+23:59"`),
		call(`"duration":1,"charge":1,"connectionCharge":1,"endDateTime":"2026-10-05T09:00:00Z"`),
		call(`"duration":1,"charge":1,"connectionCharge":1,"unknown":true`),
		`{"users":[` + user + `,` + user + `],"calls":[]}`,
		`{"users":[],"calls":[]} {}`,
		`{"users":null,"calls":null}`,
		`{"users":[{"id":7}],"calls":[{"id":[]}]}`,
		`[]`, `{`, ``, `null`, `"x"`, strings.Repeat("[", 10001),
	} {
		f.Add([]byte(doc))
	}
	all := Query{From: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, doc []byte) {
		sc, err := DecodeScenario(bytes.NewReader(doc))
		if err == nil {
			var ds *CallLedger
			if ds, err = sc.CallLedger(); err == nil {
				sum := ds.Summary()
				rows := ds.Rows(all)
				if len(rows) != sum.Rows {
					t.Fatalf("summary says %d rows, the whole range has %d", sum.Rows, len(rows))
				}
				for _, r := range rows {
					if r.TotalCalls < 1 || r.TotalCallSeconds < 0 || r.TotalCallCharge.IsNegative() {
						t.Fatalf("row %+v", r)
					}
				}
				return
			}
		}
		var probs Problems
		if !errors.As(err, &probs) || len(probs) == 0 {
			t.Fatalf("error %v (%T), want a non-empty Problems", err, err)
		}
		for _, p := range probs {
			if p.Reason == "" {
				t.Fatalf("problem at %q has no reason: %v", p.Pointer, probs)
			}
		}
	})
}
