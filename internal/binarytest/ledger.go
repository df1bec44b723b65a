package binarytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/big"
	"testing"
	"time"
)

// DialOut is one dial-out (conf_out) call of the ledger as GET
// /_mock/calls writes it, read independently of the server's code, with its
// charge and connection charge added up exactly.
type DialOut struct {
	OrganizerID        string
	UsageLocation      string
	DestinationContext string
	Currency           string
	StartDateTime      time.Time
	Duration           int64
	Cost               *big.Rat // charge + connectionCharge
}

// DialOuts reads the JSON Lines of GET /_mock/calls and keeps the dial-out
// calls, the ones the report sums (docs/contract.md#decisions, D11); user
// lines and other call types are skipped.
func DialOuts(tb testing.TB, jsonl []byte) []DialOut {
	tb.Helper()
	var out []DialOut
	sc := bufio.NewScanner(bytes.NewReader(jsonl))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c struct {
			ID                 string      `json:"id"`
			CallType           string      `json:"callType"`
			OrganizerID        string      `json:"organizerId"`
			UsageLocation      string      `json:"usageLocation"`
			DestinationContext string      `json:"destinationContext"`
			Currency           string      `json:"currency"`
			StartDateTime      time.Time   `json:"startDateTime"`
			Duration           int64       `json:"duration"`
			Charge             json.Number `json:"charge"`
			ConnectionCharge   json.Number `json:"connectionCharge"`
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&c); err != nil {
			tb.Fatalf("ledger line %q: %v", sc.Text(), err)
		}
		if c.ID == "" || (c.CallType != "" && c.CallType != "conf_out") {
			continue // a user line, or a call in the call log only
		}
		cost := new(big.Rat)
		for _, n := range []json.Number{c.Charge, c.ConnectionCharge} {
			r, ok := new(big.Rat).SetString(string(n))
			if !ok {
				tb.Fatalf("ledger line %q: charge %q is not a decimal", sc.Text(), n)
			}
			cost.Add(cost, r)
		}
		out = append(out, DialOut{c.OrganizerID, c.UsageLocation, c.DestinationContext, c.Currency,
			c.StartDateTime, c.Duration, cost})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("reading the ledger: %v", err)
	}
	return out
}
