package binarytest

import (
	"testing"
)

func TestDialOuts(t *testing.T) {
	jsonl := `{"id":"c1","organizerId":"u1","usageLocation":"NL","destinationContext":"International","currency":"EUR","startDateTime":"2026-11-01T10:00:00Z","duration":60,"charge":0.10,"connectionCharge":0.02}
{"id":"c2","callType":"conf_in","organizerId":"u1","currency":"EUR","startDateTime":"2026-11-01T11:00:00Z","duration":30,"charge":5,"connectionCharge":0}
{"id":"c3","callType":"conf_out","organizerId":"u2","usageLocation":"US","destinationContext":"Domestic","currency":"USD","startDateTime":"2026-11-02T23:59:59Z","duration":7,"charge":0.1,"connectionCharge":0.2}
{"organizerId":"u3","userPrincipalName":"u3@contoso.com","userDisplayName":"U3","userUsageLocation":"DE"}
`
	got := DialOuts(t, []byte(jsonl))
	if len(got) != 2 {
		t.Fatalf("got %d dial-outs, want 2 (c1 and c3): %+v", len(got), got)
	}
	for i, want := range []struct{ org, cost string }{{"u1", "0.12"}, {"u2", "0.30"}} {
		if got[i].OrganizerID != want.org || got[i].Cost.FloatString(2) != want.cost {
			t.Errorf("dial-out %d: got %s %s, want %s %s", i, got[i].OrganizerID, got[i].Cost.FloatString(2), want.org, want.cost)
		}
	}
	if got[1].Duration != 7 || got[1].StartDateTime.Day() != 2 {
		t.Errorf("c3: got duration %d, start %v", got[1].Duration, got[1].StartDateTime)
	}
}
