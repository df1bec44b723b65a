package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dialoutkit/dialoutkit/report"
)

// UsersOf returns the users of a source that lists them (a scenario's
// ledger, a generated tenant), nil for another.
func UsersOf(src Source) []report.User {
	if u, ok := src.(interface{ Users() []report.User }); ok {
		return u.Users()
	}
	return nil
}

// WriteCalls writes calls as they come, in a format:
//   - "jsonl" (the default; "ndjson"): one call a line in the scenario `calls`
//     format, with the organizer's identity (userPrincipalName,
//     userDisplayName, userUsageLocation) on every line, so that the lines
//     load back as a dataset (docs/contract.md#loading-real-data);
//   - "csv": the ledger's own columns, with a header row: the 15 it always
//     had, then the organizer's identity and the call log fields
//     (callCSVHeader), so that it loads back too;
//   - "teams-csv": the 20 columns of the Teams admin center PSTN usage export.
//
// users fill in the identity of a call's organizer when the call lacks it.
// calls may be some of a dataset's (a range); WriteDataset writes a whole one.
func WriteCalls(w io.Writer, format string, calls iter.Seq[report.Call], users []report.User) error {
	return writeCalls(w, format, calls, users, false)
}

// WriteDataset writes a whole dataset as WriteCalls does: in JSON Lines,
// after the calls, a user line for each of users that no call names, so
// that the lines load back with every user (docs/contract.md#loading-real-data).
// The other formats have no place for a user without a call.
func WriteDataset(w io.Writer, format string, calls iter.Seq[report.Call], users []report.User) error {
	return writeCalls(w, format, calls, users, true)
}

func writeCalls(w io.Writer, format string, calls iter.Seq[report.Call], users []report.User, whole bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	byID := make(map[string]int, len(users))
	for i := range users {
		byID[users[i].ID] = i
	}
	var named []bool // by user: a call line names the user
	if whole {
		named = make([]bool, len(users))
	}
	identity := func(c *report.Call) {
		if c.OrganizerID == "" {
			return
		}
		i, ok := byID[c.OrganizerID]
		if !ok {
			return
		}
		if named != nil {
			named[i] = true
		}
		if c.UserPrincipalName == "" {
			u := &users[i]
			c.UserPrincipalName, c.UserDisplayName, c.UserUsageLocation = u.UserPrincipalName, u.DisplayName, u.UsageLocation
		}
	}
	var buf []byte
	switch format {
	case "", "jsonl", "ndjson":
		var e jsonAppender
		for call := range calls {
			identity(&call)
			buf = e.appendCall(buf[:0], &call)
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		for i := range named {
			if !named[i] {
				buf = e.appendUserLine(buf[:0], &users[i])
				if _, err := bw.Write(buf); err != nil {
					return err
				}
			}
		}
	case "csv":
		cw := csv.NewWriter(bw)
		cw.Write(callCSVHeader)
		for call := range calls {
			identity(&call)
			if err := cw.Write(callCSVRecord(call)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	case "teams-csv":
		buf = appendCSVRow(buf, TeamsColumns[:]...)
		bw.Write(buf)
		for call := range calls {
			identity(&call)
			buf = appendTeamsRow(buf[:0], &call)
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("format %q: want jsonl, csv or teams-csv", format)
	}
	return bw.Flush()
}

// WriteScenario writes a scenario document as it goes: its users, then the
// calls as they come, one record a line.
func WriteScenario(w io.Writer, name, description string, users []report.User, calls iter.Seq[report.Call]) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var e jsonAppender
	b := []byte(`{"name":`)
	b = e.appendString(b, name)
	b = append(b, `,"description":`...)
	b = e.appendString(b, description)
	b = append(b, ",\n\"users\":[\n"...)
	for i := range users {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		u, err := json.Marshal(users[i])
		if err != nil {
			return err
		}
		b = append(b, u...)
	}
	b = append(b, "\n],\n\"calls\":[\n"...)
	bw.Write(b)
	first := true
	for call := range calls {
		b = b[:0]
		if !first {
			b = append(b, ",\n"...)
		}
		first = false
		call.UserPrincipalName, call.UserDisplayName, call.UserUsageLocation = "", "", ""
		b = e.appendCall(b, &call)
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// callCSVHeader names the columns of the ledger's CSV: each is the call's
// field of the same name in the scenario `calls` format. The first 15 are
// those the CSV always had, in their order, so that readers of them still
// work; the organizer's identity and the call log fields come after.
var callCSVHeader = []string{"id", "organizerId", "startDateTime", "endDateTime", "duration",
	"destinationContext", "charge", "connectionCharge", "currency", "usageLocation", "dialerId",
	"calleeNumber", "destinationName", "conferenceId", "licenseCapability",
	"userPrincipalName", "userDisplayName", "userUsageLocation", "callType", "callId", "callerNumber",
	"numberType", "tenantCountryCode", "otherPartyCountryCode", "inventoryType", "operator", "callDurationSource"}

func callCSVRecord(c report.Call) []string {
	return []string{c.ID, c.OrganizerID, c.StartDateTime.Format(time.RFC3339Nano), c.EndDateTime.Format(time.RFC3339Nano),
		strconv.FormatInt(c.Duration, 10), c.DestinationContext.String(), c.Charge.String(), c.ConnectionCharge.String(),
		c.Currency, c.UsageLocation, c.DialerID, c.CalleeNumber, c.DestinationName, c.ConferenceID, c.LicenseCapability,
		c.UserPrincipalName, c.UserDisplayName, c.UserUsageLocation, c.CallType, c.CallID, c.CallerNumber,
		c.NumberType, c.TenantCountryCode, c.OtherPartyCountryCode, c.InventoryType, c.Operator, c.CallDurationSource}
}

// jsonAppender writes a call as encoding/json writes report.Call (field
// order, omitempty, no HTML escaping), several times faster.
type jsonAppender struct {
	slow bytes.Buffer
	enc  *json.Encoder
}

func (e *jsonAppender) appendCall(b []byte, c *report.Call) []byte {
	b = append(b, `{"id":`...)
	b = e.appendString(b, c.ID)
	b = append(b, `,"organizerId":`...)
	b = e.appendString(b, c.OrganizerID)
	opt := func(name, v string) {
		if v != "" {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, '"', ':')
			b = e.appendString(b, v)
		}
	}
	opt("userPrincipalName", c.UserPrincipalName)
	opt("userDisplayName", c.UserDisplayName)
	opt("userUsageLocation", c.UserUsageLocation)
	b = append(b, `,"startDateTime":"`...)
	b = c.StartDateTime.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","endDateTime":"`...)
	b = c.EndDateTime.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","duration":`...)
	b = strconv.AppendInt(b, c.Duration, 10)
	b = append(b, `,"destinationContext":"`...)
	b = append(b, c.DestinationContext.String()...)
	b = append(b, `","charge":`...)
	b = c.Charge.AppendJSON(b)
	b = append(b, `,"connectionCharge":`...)
	b = c.ConnectionCharge.AppendJSON(b)
	b = append(b, `,"currency":`...)
	b = e.appendString(b, c.Currency)
	b = append(b, `,"usageLocation":`...)
	b = e.appendString(b, c.UsageLocation)
	opt("dialerId", c.DialerID)
	opt("calleeNumber", c.CalleeNumber)
	opt("destinationName", c.DestinationName)
	opt("conferenceId", c.ConferenceID)
	opt("licenseCapability", c.LicenseCapability)
	opt("callType", c.CallType)
	opt("callId", c.CallID)
	opt("callerNumber", c.CallerNumber)
	opt("numberType", c.NumberType)
	opt("tenantCountryCode", c.TenantCountryCode)
	opt("otherPartyCountryCode", c.OtherPartyCountryCode)
	opt("inventoryType", c.InventoryType)
	opt("operator", c.Operator)
	opt("callDurationSource", c.CallDurationSource)
	return append(b, '}')
}

// appendUserLine writes a user line of JSON Lines: the fields with which a
// call line names its organizer, every one, and no call.
func (e *jsonAppender) appendUserLine(b []byte, u *report.User) []byte {
	b = append(b, `{"organizerId":`...)
	b = e.appendString(b, u.ID)
	b = append(b, `,"userPrincipalName":`...)
	b = e.appendString(b, u.UserPrincipalName)
	b = append(b, `,"userDisplayName":`...)
	b = e.appendString(b, u.DisplayName)
	b = append(b, `,"userUsageLocation":`...)
	b = e.appendString(b, u.UsageLocation)
	return append(b, "}\n"...)
}

// appendString writes s as a JSON string: plain printable ASCII as it is,
// anything else through encoding/json.
func (e *jsonAppender) appendString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	if e.enc == nil {
		e.enc = json.NewEncoder(&e.slow)
		e.enc.SetEscapeHTML(false)
	}
	e.slow.Reset()
	e.enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(e.slow.Bytes(), []byte("\n"))...)
}

// appendTeamsRow writes a call as a row of the PSTN usage export.
func appendTeamsRow(b []byte, c *report.Call) []byte {
	start := c.StartDateTime.UTC().Format(time.RFC3339Nano)
	end := c.EndDateTime.UTC().Format(time.RFC3339Nano)
	var dur, fee, charge [24]byte
	return appendCSVRow(b, c.ID, c.CallID, c.ConferenceID, c.UsageLocation, c.OrganizerID, c.UserPrincipalName,
		c.UserDisplayName, c.CallerNumber, c.Type(), c.NumberType, c.DestinationContext.String(), c.DestinationName,
		c.CalleeNumber, start, end, string(strconv.AppendInt(dur[:0], c.Duration, 10)),
		string(c.ConnectionCharge.AppendJSON(fee[:0])), string(c.Charge.AppendJSON(charge[:0])), c.Currency, c.LicenseCapability)
}

// appendCSVRow writes one RFC 4180 row ending in CRLF, quoting a field only
// when it must be.
func appendCSVRow(b []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		quote := f != "" && (f[0] == ' ' || f[0] == '\t')
		for j := 0; j < len(f) && !quote; j++ {
			switch f[j] {
			case ',', '"', '\r', '\n':
				quote = true
			}
		}
		if !quote {
			b = append(b, f...)
			continue
		}
		b = append(b, '"')
		for j := 0; j < len(f); j++ {
			if f[j] == '"' {
				b = append(b, '"')
			}
			b = append(b, f[j])
		}
		b = append(b, '"')
	}
	return append(b, '\r', '\n')
}
