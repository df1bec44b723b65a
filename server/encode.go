package server

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dialoutkit/dialoutkit/report"
)

// Graph's names for the report's collection and the success Content-Type
// (docs/contract.md#response). IEEE754Compatible=true is the OData rule that writes decimals
// as strings, for clients that can only read IEEE 754 doubles.
const (
	contextSuffix  = "/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)"
	contentType    = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	contentTypeIEE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=true;charset=utf-8"
)

// appendRow writes one entry with its keys in the documented order.
func appendRow(b []byte, r *report.Row, ieee754 bool) []byte {
	b = append(b, `{"userId":`...)
	b = appendString(b, r.UserID)
	b = append(b, `,"userPrincipalName":`...)
	b = appendString(b, r.UserPrincipalName)
	b = append(b, `,"userDisplayName":`...)
	b = appendString(b, r.UserDisplayName)
	b = append(b, `,"usageLocation":`...)
	b = appendString(b, r.UsageLocation)
	b = append(b, `,"destinationContext":`...)
	b = appendString(b, r.DestinationContext.String())
	b = append(b, `,"currency":`...)
	b = appendString(b, r.Currency)
	b = append(b, `,"totalCalls":`...)
	b = strconv.AppendInt(b, int64(r.TotalCalls), 10)
	b = append(b, `,"totalCallSeconds":`...)
	b = strconv.AppendInt(b, int64(r.TotalCallSeconds), 10)
	b = append(b, `,"totalCallCharge":`...)
	if ieee754 {
		b = append(b, '"')
		b = r.TotalCallCharge.AppendJSON(b)
		b = append(b, '"')
	} else {
		b = r.TotalCallCharge.AppendJSON(b)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// plainByte marks the bytes a JSON string holds as they are: ASCII from
// space on, but for '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString writes s as a JSON string, as encoding/json would without HTML
// escaping: invalid UTF-8 becomes U+FFFD; U+2028 and U+2029 are escaped so
// the output is also valid JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendStringBody(b, s)
	return append(b, '"')
}

// appendStringBody writes what appendString writes between the quotes.
func appendStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		// The common case, runs of plain ASCII, eight bytes at a time, then
		// byte by byte up to the first byte that is not plain.
		for i+8 <= len(s) && plainWord(load64(s, i)) {
			i += 8
		}
		for i < len(s) && plainByte[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// load64 reads s[i:i+8] as a little-endian word (the compiler makes it one
// load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainWord reports whether every byte of the word x is plain (plainByte):
// none is 0x80 or above, below 0x20 (its subtraction borrows), '"' or
// '\\' (its XOR is zero). A borrow can mark a plain byte, but only above
// one that is not plain, which is marked itself: the word is plain exactly
// when no byte is marked.
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - 0x20*ones) &^ x
	q := x ^ '"'*ones
	bs := x ^ '\\'*ones
	return (x|below|(q-ones)&^q|(bs-ones)&^bs)&highs == 0
}

// appendLogRow writes one pstnCallLogRow with its keys in the order of the
// documentation's example (docs/contract.md#call-log); beta adds
// otherPartyCountryCode and administrativeUnitInfos. Decimals have exactly
// two places, as numbers or, with IEEE754Compatible=true, strings. A bot
// call (ucap_in, ucap_out) has no user: userId, userPrincipalName and
// userDisplayName are null. Empty optional strings are null.
func appendLogRow(b []byte, c *report.Call, ieee754, beta bool) []byte {
	money := func(b []byte, m report.Money) []byte {
		if ieee754 {
			b = append(b, '"')
			b = m.AppendJSON(b)
			return append(b, '"')
		}
		return m.AppendJSON(b)
	}
	b = append(b, `{"id":`...)
	b = appendString(b, c.ID)
	b = append(b, `,"callId":`...)
	b = appendOptional(b, c.CallID)
	b = append(b, `,"userId":`...)
	b = appendOptional(b, c.OrganizerID)
	b = append(b, `,"userPrincipalName":`...)
	b = appendOptional(b, c.UserPrincipalName)
	b = append(b, `,"userDisplayName":`...)
	b = appendOptional(b, c.UserDisplayName)
	b = append(b, `,"startDateTime":"`...)
	b = c.StartDateTime.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","endDateTime":"`...)
	b = c.EndDateTime.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","duration":`...)
	b = strconv.AppendInt(b, c.Duration, 10)
	b = append(b, `,"charge":`...)
	b = money(b, c.Charge)
	b = append(b, `,"callType":`...)
	b = appendString(b, c.Type())
	b = append(b, `,"currency":`...)
	b = appendString(b, c.Currency)
	b = append(b, `,"calleeNumber":`...)
	b = appendOptional(b, c.CalleeNumber)
	b = append(b, `,"usageCountryCode":`...)
	b = appendOptional(b, c.UsageLocation)
	b = append(b, `,"tenantCountryCode":`...)
	b = appendOptional(b, c.TenantCountryCode)
	b = append(b, `,"connectionCharge":`...)
	b = money(b, c.ConnectionCharge)
	b = append(b, `,"callerNumber":`...)
	b = appendOptional(b, c.CallerNumber)
	b = append(b, `,"destinationContext":`...)
	b = appendString(b, c.DestinationContext.String())
	b = append(b, `,"destinationName":`...)
	b = appendOptional(b, c.DestinationName)
	b = append(b, `,"conferenceId":`...)
	b = appendOptional(b, c.ConferenceID)
	b = append(b, `,"licenseCapability":`...)
	b = appendOptional(b, c.LicenseCapability)
	b = append(b, `,"inventoryType":`...)
	b = appendOptional(b, c.InventoryType)
	b = append(b, `,"operator":`...)
	b = appendOptional(b, c.Operator)
	b = append(b, `,"callDurationSource":`...)
	b = appendOptional(b, c.CallDurationSource)
	if beta {
		b = append(b, `,"otherPartyCountryCode":`...)
		b = appendOptional(b, c.OtherPartyCountryCode)
		b = append(b, `,"administrativeUnitInfos":[]`...)
	}
	return append(b, '}')
}

// appendOptional writes s as a JSON string, or null when it is empty.
func appendOptional(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}
