package server

import (
	"strconv"
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

// appendString writes s as a JSON string, as encoding/json would without HTML
// escaping: invalid UTF-8 becomes U+FFFD; U+2028 and U+2029 are escaped so
// the output is also valid JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
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
	b = append(b, s[start:]...)
	return append(b, '"')
}
