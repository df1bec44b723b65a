package conformance

import (
	"encoding/json"
	"fmt"
	"time"
)

// kitScenario is a dataset the LEDGER scenario checks load with PUT /_mock/dataset, and what the
// report must then say about [from, to].
type kitScenario struct {
	body     []byte
	from, to time.Time
	rows     map[rowKey]totals
	identity map[string][2]string // userId -> userPrincipalName, displayName
}

type scUser struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	UsageLocation     string `json:"usageLocation"`
}

// scCall keeps charges as raw JSON so that the scenario can mix numbers and strings (docs/contract.md#scenario-files).
type scCall struct {
	ID                 string          `json:"id"`
	OrganizerID        string          `json:"organizerId"`
	StartDateTime      string          `json:"startDateTime"`
	Duration           int64           `json:"duration"`
	DestinationContext string          `json:"destinationContext"`
	Charge             json.RawMessage `json:"charge"`
	ConnectionCharge   json.RawMessage `json:"connectionCharge"`
	Currency           string          `json:"currency"`
	UsageLocation      string          `json:"usageLocation,omitempty"`
	DialerID           string          `json:"dialerId,omitempty"`
	CalleeNumber       string          `json:"calleeNumber,omitempty"`
	DestinationName    string          `json:"destinationName,omitempty"`
	ConferenceID       string          `json:"conferenceId,omitempty"`
	LicenseCapability  string          `json:"licenseCapability,omitempty"`
}

type scDoc struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Users       []scUser `json:"users"`
	Calls       []scCall `json:"calls"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // static data: a failure is a bug in this file
	}
	return b
}

func mustDec(s string) dec {
	d, err := parseDec(s)
	if err != nil {
		panic(err)
	}
	return d
}

func tot(calls, seconds int64, charge string) totals {
	return totals{mustDec(fmt.Sprint(calls)), mustDec(fmt.Sprint(seconds)), mustDec(charge)}
}

// The scenario range: all of March 2025 up to its last midnight, both ends inclusive.
func scenarioRange() (time.Time, time.Time) {
	return time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
}

const (
	scAna    = "3f2c8a1e-0b5d-4c7a-9e21-6d4b8f0a1c01"
	scZoe    = "3f2c8a1e-0b5d-4c7a-9e21-6d4b8f0a1c02"
	scMax    = "3f2c8a1e-0b5d-4c7a-9e21-6d4b8f0a1c03"
	scDialer = "3f2c8a1e-0b5d-4c7a-9e21-6d4b8f0a1c04"
)

func scCallID(n int) string { return fmt.Sprintf("6a1e0c52-2f43-4c8e-9d2b-%012d", n) }

func exactDoc() scDoc {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	return scDoc{
		Name:        "dialoutconform-exact",
		Description: "Loaded by DR-LEDGER-010: ends inclusive, 0.10 + 0.20, zero charge, Int32 edge, location change, two currencies, dial-out by another user, non-ASCII names.",
		Users: []scUser{
			{scAna, "ana@contoso.com", "Ana Souza", "BR"},
			{scZoe, "zoe@contoso.com", "Zoë Ångström-Núñez 山田", "SE"},
			{scMax, "max@contoso.com", "Max Int32", "US"},
			{scDialer, "dee@contoso.com", "Dee Aler", "GB"},
		},
		Calls: []scCall{
			// Ana, International BRL: both ends of the range exactly, 0.10 + "0.20" = 0.3 exactly.
			{ID: scCallID(1), OrganizerID: scAna, StartDateTime: "2025-03-01T00:00:00Z", Duration: 60, DestinationContext: "International", Charge: raw("0.10"), ConnectionCharge: raw("0"), Currency: "BRL", CalleeNumber: "+1425555****", DestinationName: "United States", ConferenceID: "100000001", LicenseCapability: "MCOMEETADD"},
			{ID: scCallID(2), OrganizerID: scAna, StartDateTime: "2025-03-31T00:00:00Z", Duration: 120, DestinationContext: "International", Charge: raw(`"0.20"`), ConnectionCharge: raw(`"0.00"`), Currency: "BRL"},
			// Just outside: one second before from, 100 ns after to.
			{ID: scCallID(3), OrganizerID: scAna, StartDateTime: "2025-02-28T23:59:59Z", Duration: 10, DestinationContext: "International", Charge: raw("5.00"), ConnectionCharge: raw("0"), Currency: "BRL"},
			{ID: scCallID(4), OrganizerID: scAna, StartDateTime: "2025-03-31T00:00:00.0000001Z", Duration: 10, DestinationContext: "International", Charge: raw("5.00"), ConnectionCharge: raw("0"), Currency: "BRL"},
			// Ana while in the US: a second row for the same user.
			{ID: scCallID(5), OrganizerID: scAna, StartDateTime: "2025-03-10T10:00:00Z", Duration: 300, DestinationContext: "Domestic", Charge: raw("1.25"), ConnectionCharge: raw("0.05"), Currency: "USD", UsageLocation: "US", LicenseCapability: "MCOPSTNPP"},
			// Zoë's meetings, dialed out by Dee: counted under Zoë. Zero charge; SEK and EUR.
			{ID: scCallID(6), OrganizerID: scZoe, DialerID: scDialer, StartDateTime: "2025-03-11T09:00:00Z", Duration: 45, DestinationContext: "Domestic", Charge: raw("0"), ConnectionCharge: raw("0.00"), Currency: "SEK"},
			{ID: scCallID(7), OrganizerID: scZoe, StartDateTime: "2025-03-12T09:00:00.5Z", Duration: 30, DestinationContext: "Domestic", Charge: raw("0.07"), ConnectionCharge: raw("0.01"), Currency: "EUR"},
			{ID: scCallID(9), OrganizerID: scZoe, DialerID: scDialer, StartDateTime: "2025-03-20T16:30:00Z", Duration: 600, DestinationContext: "International", Charge: raw("2.50"), ConnectionCharge: raw("0.25"), Currency: "SEK"},
			// Max: a single call of Int32-max seconds.
			{ID: scCallID(8), OrganizerID: scMax, StartDateTime: "2025-03-15T12:00:00Z", Duration: int32Max, DestinationContext: "International", Charge: raw("1234.56"), ConnectionCharge: raw("0.44"), Currency: "USD"},
		},
	}
}

func exactScenario() kitScenario {
	from, to := scenarioRange()
	return kitScenario{
		body: mustJSON(exactDoc()),
		from: from, to: to,
		rows: map[rowKey]totals{
			{scAna, "BR", "International", "BRL"}: tot(2, 180, "0.3"),
			{scAna, "US", "Domestic", "USD"}:      tot(1, 300, "1.3"),
			{scZoe, "SE", "Domestic", "SEK"}:      tot(1, 45, "0"),
			{scZoe, "SE", "Domestic", "EUR"}:      tot(1, 30, "0.08"),
			{scZoe, "SE", "International", "SEK"}: tot(1, 600, "2.75"),
			{scMax, "US", "International", "USD"}: tot(1, int32Max, "1235"),
		},
		identity: map[string][2]string{
			scAna: {"ana@contoso.com", "Ana Souza"},
			scZoe: {"zoe@contoso.com", "Zoë Ångström-Núñez 山田"},
			scMax: {"max@contoso.com", "Max Int32"},
		},
	}
}

// manyRowsScenario has n users with one call each: n rows.
func manyRowsScenario(n int) kitScenario {
	from, to := scenarioRange()
	doc := scDoc{Name: fmt.Sprintf("dialoutconform-%d-rows", n), Description: "Loaded by DR-LEDGER-011: paging past 1000 rows."}
	rows := map[rowKey]totals{}
	for i := range n {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		doc.Users = append(doc.Users, scUser{id, fmt.Sprintf("user%04d@contoso.com", i+1), fmt.Sprintf("User %04d", i+1), "US"})
		doc.Calls = append(doc.Calls, scCall{ID: scCallID(1000 + i), OrganizerID: id, StartDateTime: "2025-03-10T09:00:00Z",
			Duration: 60, DestinationContext: "Domestic", Charge: json.RawMessage("0.01"), ConnectionCharge: json.RawMessage("0"), Currency: "USD"})
		rows[rowKey{id, "US", "Domestic", "USD"}] = tot(1, 60, "0.01")
	}
	return kitScenario{body: mustJSON(doc), from: from, to: to, rows: rows}
}

// overflowScenario gives one row two calls of Int32-max seconds: its total would pass Int32.
func overflowScenario() []byte {
	doc := exactDoc()
	doc.Name = "dialoutconform-overflow"
	c := doc.Calls[len(doc.Calls)-1]
	c.ID = scCallID(10)
	doc.Calls = append(doc.Calls, c)
	return mustJSON(doc)
}

// typoScenario misspells "charge" in one call.
func typoScenario() []byte {
	doc := exactDoc()
	doc.Name = "dialoutconform-typo"
	var calls []map[string]json.RawMessage
	if err := json.Unmarshal(mustJSON(doc.Calls), &calls); err != nil {
		panic(err)
	}
	calls[0]["chrage"] = calls[0]["charge"]
	delete(calls[0], "charge")
	var out map[string]json.RawMessage
	if err := json.Unmarshal(mustJSON(doc), &out); err != nil {
		panic(err)
	}
	out["calls"] = mustJSON(calls)
	return mustJSON(out)
}
