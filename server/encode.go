package server

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dialoutkit/dialoutkit/generator"
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
	b = appendTime(b, c.StartDateTime)
	b = append(b, `","endDateTime":"`...)
	b = appendTime(b, c.EndDateTime)
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

// appendLogCall writes the pstnCallLogRow of a generated call, exactly as
// appendLogRow writes the report.Call it stands for, but from the
// generator's fields, without building their strings: its texts and its
// strings from the generator's tables need no escaping (generator.LogCall),
// nor the user's identity when UserPlain says so; else it is escaped as
// appendLogRow does.
// k keeps the day last written.
func appendLogCall(b []byte, c *generator.LogCall, k *clock, ieee754, beta bool) []byte {
	money := func(b []byte, cents int64) []byte {
		if ieee754 {
			b = append(b, '"')
			b = report.Cents(cents).AppendJSON(b)
			return append(b, '"')
		}
		return report.Cents(cents).AppendJSON(b)
	}
	b = append(b, `{"id":"`...)
	b = append(b, c.ID()...)
	b = append(b, `","callId":`...)
	b = appendPlainOptional(b, c.CallID())
	if c.UserPlain {
		b = append(b, `,"userId":`...)
		b = appendPlainOptional(b, c.OrganizerID)
		b = append(b, `,"userPrincipalName":`...)
		b = appendPlainOptional(b, c.UserPrincipalName)
		b = append(b, `,"userDisplayName":`...)
		b = appendPlainOptional(b, c.UserDisplayName)
	} else {
		b = append(b, `,"userId":`...)
		b = appendOptional(b, c.OrganizerID)
		b = append(b, `,"userPrincipalName":`...)
		b = appendOptional(b, c.UserPrincipalName)
		b = append(b, `,"userDisplayName":`...)
		b = appendOptional(b, c.UserDisplayName)
	}
	b = append(b, `,"startDateTime":"`...)
	b = k.appendTime(b, c.Start)
	b = append(b, `","endDateTime":"`...)
	b = k.appendTime(b, c.Start+c.Duration)
	b = append(b, `","duration":`...)
	b = strconv.AppendInt(b, c.Duration, 10)
	b = append(b, `,"charge":`...)
	b = money(b, c.Charge)
	b = append(b, `,"callType":"`...)
	if c.CallType == "" {
		b = append(b, report.ConfOut...)
	} else {
		b = append(b, c.CallType...)
	}
	b = append(b, `","currency":"`...)
	b = append(b, c.Currency...)
	b = append(b, `","calleeNumber":`...)
	b = appendPlainOptional(b, c.CalleeNumber())
	b = append(b, `,"usageCountryCode":`...)
	b = appendPlainOptional(b, c.UsageLocation)
	b = append(b, `,"tenantCountryCode":`...)
	b = appendPlainOptional(b, c.TenantCountryCode)
	b = append(b, `,"connectionCharge":`...)
	b = money(b, c.ConnectionCharge)
	b = append(b, `,"callerNumber":`...)
	b = appendPlainOptional(b, c.CallerNumber())
	b = append(b, `,"destinationContext":"`...)
	b = append(b, c.DestinationContext.String()...)
	b = append(b, `","destinationName":`...)
	b = appendPlainOptional(b, c.DestinationName)
	b = append(b, `,"conferenceId":`...)
	b = appendPlainOptional(b, c.ConferenceID())
	b = append(b, `,"licenseCapability":`...)
	b = appendPlainOptional(b, c.LicenseCapability)
	b = append(b, `,"inventoryType":`...)
	b = appendPlainOptional(b, c.InventoryType)
	b = append(b, `,"operator":`...)
	b = appendPlainOptional(b, c.Operator)
	b = append(b, `,"callDurationSource":`...)
	b = appendPlainOptional(b, c.CallDurationSource)
	if beta {
		b = append(b, `,"otherPartyCountryCode":`...)
		b = appendPlainOptional(b, c.OtherPartyCountryCode)
		b = append(b, `,"administrativeUnitInfos":[]`...)
	}
	return append(b, '}')
}

// appendPlainOptional writes s, which needs no escaping, as a JSON
// string, or null when it is empty.
func appendPlainOptional[S string | []byte](b []byte, s S) []byte {
	if len(s) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendTime writes t in UTC as time.RFC3339Nano does, whole seconds of
// the years 1970 to 9999 the quick way (appendUnixTime).
func appendTime(b []byte, t time.Time) []byte {
	if t.Nanosecond() == 0 {
		return appendUnixTime(b, t.Unix())
	}
	return t.UTC().AppendFormat(b, time.RFC3339Nano)
}

// maxQuickTime is the first second after the year 9999.
const maxQuickTime = 253402300800

// appendUnixTime writes the instant sec, in Unix seconds, in UTC as
// time.RFC3339Nano does: 2006-01-02T15:04:05Z.
func appendUnixTime(b []byte, sec int64) []byte {
	var k clock
	return k.appendTime(b, sec)
}

// clock writes instants in Unix seconds as time.RFC3339Nano does. From
// 1970 to the year 9999 it computes the date itself (Hinnant's
// civil_from_days), a few multiplications instead of time.Time's general
// path, and keeps the last day's: the calls of a page mostly start and end
// on one day. Any other second goes the general path.
type clock struct {
	day  int64
	date [11]byte // 2006-01-02T of day
	ok   bool
}

func (k *clock) appendTime(b []byte, sec int64) []byte {
	if sec < 0 || sec >= maxQuickTime {
		return time.Unix(sec, 0).UTC().AppendFormat(b, time.RFC3339Nano)
	}
	day, secs := sec/86400, sec%86400
	if !k.ok || k.day != day {
		k.day, k.ok = day, true
		z := day + 719468 // days since 0000-03-01
		era := z / 146097
		doe := z - era*146097                                  // day of the era, [0, 146096]
		yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, [0, 399]
		y := yoe + era*400
		doy := doe - (365*yoe + yoe/4 - yoe/100) // day of the year from March 1st, [0, 365]
		mp := (5*doy + 2) / 153                  // month from March, [0, 11]
		d := doy - (153*mp+2)/5 + 1
		m := mp + 3
		if mp >= 10 {
			m = mp - 9
			y++
		}
		put2(k.date[0:2], y/100)
		put2(k.date[2:4], y%100)
		k.date[4] = '-'
		put2(k.date[5:7], m)
		k.date[7] = '-'
		put2(k.date[8:10], d)
		k.date[10] = 'T'
	}
	b = append(b, k.date[:]...)
	n := len(b)
	b = append(b, "00:00:00Z"...)
	t := b[n : n+9]
	put2(t[0:2], secs/3600)
	put2(t[3:5], secs/60%60)
	put2(t[6:8], secs%60)
	return b
}

// put2 writes v, in [0, 99], as two decimal digits.
func put2(t []byte, v int64) {
	x := 2 * v
	t[0], t[1] = decimalPairs[x], decimalPairs[x+1]
}

// decimalPairs holds the two decimal digits of 0 to 99.
const decimalPairs = "" +
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendOptional writes s as a JSON string, or null when it is empty.
func appendOptional(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}
