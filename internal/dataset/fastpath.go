package dataset

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/dialoutkit/dialoutkit/report"
)

// The fast path of the JSON forms. gojsonschema is the validator of a user
// and a call, but it costs about 30 µs a record: it decodes the record into
// interface{} values, marshals each enum value to JSON and back before
// comparing it with the 249 country codes one by one, reads every number as a
// big.Rat, and formats an error message for the branch of a charge's oneOf
// that the charge does not take. A loader reading a million calls would spend
// half a minute there.
//
// So a record is first read by the decoders below, in one pass and without
// reflection: a flat object of strings and numbers, each member checked
// against the rule the scenario schema gives it (schemas/scenario.schema.json
// and its definitions in schemas/entry.schema.json, whose enums it reads from
// the schema). They accept a subset of what the schema accepts, and decode
// it into the value json.Unmarshal gives. Anything else — an unusual number
// form (1E2, -0, 1.0e0), a duplicate key, a time with an escape, a string
// past 1024 bytes, a field of the wrong type, a missing one — is not theirs
// to judge: the record goes to gojsonschema, so a problem is always reported
// by gojsonschema, in its words. TestFastPathAgreesWithTheSchema and
// FuzzFastPath hold them to that; TestFastPathKnowsTheSchema fails when the
// schema's rules change, so that these are changed with them.

// flatObject reads the members of a JSON object whose values are strings and
// numbers.
type flatObject struct {
	b []byte
	i int
}

// flatValue is a member's value: a string's bytes between its quotes, or a
// number's literal.
type flatValue struct {
	raw    []byte
	quoted []byte // a string with its quotes
	str    bool
	plain  bool // a string without escapes, of valid UTF-8: raw is its value
}

func (o *flatObject) space() {
	for o.i < len(o.b) {
		switch o.b[o.i] {
		case ' ', '\t', '\n', '\r':
			o.i++
		default:
			return
		}
	}
}

// open reads the opening brace; false when b does not start an object.
func (o *flatObject) open() bool {
	o.space()
	if o.i >= len(o.b) || o.b[o.i] != '{' {
		return false
	}
	o.i++
	o.space()
	return true
}

// next reads the next member. done is true at the closing brace (and
// nothing but white space after it); ok is false when the bytes are not
// what a flatObject reads, or not JSON.
func (o *flatObject) next(first bool) (key []byte, v flatValue, done, ok bool) {
	if o.i >= len(o.b) {
		return nil, v, false, false
	}
	if o.b[o.i] == '}' {
		o.i++
		o.space()
		return nil, v, true, o.i == len(o.b)
	}
	if !first {
		if o.b[o.i] != ',' {
			return nil, v, false, false
		}
		o.i++
		o.space()
	}
	k, ok := o.str()
	if !ok || !k.plain {
		return nil, v, false, false
	}
	o.space()
	if o.i >= len(o.b) || o.b[o.i] != ':' {
		return nil, v, false, false
	}
	o.i++
	o.space()
	if o.i >= len(o.b) {
		return nil, v, false, false
	}
	if o.b[o.i] == '"' {
		v, ok = o.str()
	} else {
		v, ok = o.number()
	}
	if !ok {
		return nil, v, false, false
	}
	o.space()
	if o.i >= len(o.b) || o.b[o.i] != ',' && o.b[o.i] != '}' {
		return nil, v, false, false
	}
	return k.raw, v, false, true
}

// str reads a string. Its escapes are not checked here: a string with one is
// not plain, and its value comes from encoding/json, which checks them.
func (o *flatObject) str() (flatValue, bool) {
	if o.i >= len(o.b) || o.b[o.i] != '"' {
		return flatValue{}, false
	}
	start := o.i + 1
	escaped, ascii := false, true
	for i := start; i < len(o.b); i++ {
		for i < len(o.b) && !strSpecial[o.b[i]] {
			i++
		}
		if i == len(o.b) {
			break
		}
		switch c := o.b[i]; {
		case c == '"':
			o.i = i + 1
			raw := o.b[start:i]
			return flatValue{raw: raw, quoted: o.b[start-1 : i+1], str: true, plain: !escaped && (ascii || utf8.Valid(raw))}, true
		case c == '\\':
			escaped = true
			i++
		case c < 0x20:
			return flatValue{}, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return flatValue{}, false
}

// number reads a number literal that is a whole number or has at most two
// decimal places: digits, no sign, no exponent, no leading zero.
func (o *flatObject) number() (flatValue, bool) {
	start := o.i
	i := start
	for i < len(o.b) && '0' <= o.b[i] && o.b[i] <= '9' {
		i++
	}
	if i == start || o.b[start] == '0' && i-start > 1 {
		return flatValue{}, false
	}
	if i < len(o.b) && o.b[i] == '.' {
		j := i + 1
		for j < len(o.b) && '0' <= o.b[j] && o.b[j] <= '9' {
			j++
		}
		if j == i+1 || j-i-1 > report.Places {
			return flatValue{}, false
		}
		i = j
	}
	o.i = i
	return flatValue{raw: o.b[start:i]}, true
}

// text is a string's value.
func (v flatValue) text() (string, bool) {
	if !v.str {
		return "", false
	}
	if v.plain {
		return string(v.raw), true
	}
	var s string
	if err := json.Unmarshal(v.quoted, &s); err != nil {
		return "", false
	}
	return s, true
}

// maxLen1024 is a string of the schema's "maxLength": 1024. The schema
// counts characters; bytes are at least as many.
func (v flatValue) maxLen1024() (string, bool) {
	s, ok := v.text()
	return s, ok && len(s) <= 1024
}

// guid is a string of entry.schema.json#/definitions/guid.
func (v flatValue) guid() (string, bool) {
	if !v.plain || len(v.raw) != len(guidShape) {
		return "", false
	}
	for i, c := range v.raw {
		if guidShape[i] == '-' && c != '-' || guidShape[i] != '-' && !lowerHex[c] {
			return "", false
		}
	}
	return string(v.raw), true
}

// guidShape is the guid pattern,
// ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$.
const guidShape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"

// Byte classes, looked up rather than compared: the bytes of GUIDs and
// strings are random enough to defeat a branch predictor. Read only.
var (
	lowerHex   = byteClass(func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' })
	strSpecial = byteClass(func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf })
)

func byteClass(in func(c byte) bool) (class [256]bool) {
	for c := range 256 {
		class[c] = in(byte(c))
	}
	return class
}

// code is a string of an enum: the set's own copy of it.
func (v flatValue) code(set map[string]string) (string, bool) {
	if !v.plain {
		return "", false
	}
	s, ok := set[string(v.raw)]
	return s, ok
}

// int32 is entry.schema.json#/definitions/int32NonNegative, written as
// plain digits.
func (v flatValue) int32() (int64, bool) {
	if v.str || len(v.raw) > 10 {
		return 0, false
	}
	var n int64
	for _, c := range v.raw {
		if c == '.' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= report.MaxInt32
}

// maxCentsDigits bounds the whole part of a charge the fast path reads, so
// that its cents fit an int64.
const maxCentsDigits = 15

// money is scenario.schema.json#/definitions/money: a number or a string of
// digits with at most two places.
func (v flatValue) money() (report.Money, bool) {
	if v.str && !v.plain {
		return report.Money{}, false
	}
	var cents int64
	whole, places := 0, -1
	for _, c := range v.raw {
		switch {
		case c == '.' && places < 0:
			places = 0
		case '0' <= c && c <= '9' && places < 0:
			whole++
			cents = cents*10 + int64(c-'0')
		case '0' <= c && c <= '9' && places < report.Places:
			places++
			cents = cents*10 + int64(c-'0')
		default:
			return report.Money{}, false
		}
	}
	if whole == 0 || whole > maxCentsDigits || places == 0 {
		return report.Money{}, false
	}
	for places = max(places, 0); places < report.Places; places++ {
		cents *= 10
	}
	return report.Cents(cents), true
}

// dateTime is a string of "format": "date-time" that json.Unmarshal reads
// into a time.Time (RFC 3339). time.Time reads the bytes between the
// quotes as they are, so a string with an escape is left to the slow path.
func (v flatValue) dateTime(t *report.Call, end bool) bool {
	if !v.str || !v.plain {
		return false
	}
	dst := &t.StartDateTime
	if end {
		dst = &t.EndDateTime
	}
	return dst.UnmarshalText(v.raw) == nil
}

// The members of a call, as bits of a set.
const (
	cfID = 1 << iota
	cfOrganizerID
	cfUserPrincipalName
	cfUserDisplayName
	cfUserUsageLocation
	cfStartDateTime
	cfEndDateTime
	cfDuration
	cfDestinationContext
	cfCharge
	cfConnectionCharge
	cfCurrency
	cfUsageLocation
	cfDialerID
	cfCalleeNumber
	cfDestinationName
	cfConferenceID
	cfLicenseCapability
	cfCallType
	cfCallID
	cfCallerNumber
	cfNumberType
	cfTenantCountryCode
	cfOtherPartyCountryCode
	cfInventoryType
	cfOperator
	cfCallDurationSource

	// callRequired are the call's "required".
	callRequired = cfID | cfStartDateTime | cfDuration | cfDestinationContext | cfCharge | cfConnectionCharge | cfCurrency
)

// destinations is entry.schema.json#/definitions/destinationContext.
var destinations = map[string]report.Destination{"Domestic": report.Domestic, "International": report.International}

// fastCall decodes a call the scenario schema's definitions/call accepts
// into c, as json.Unmarshal would; false leaves the record to gojsonschema.
func (l *ScenarioLoader) fastCall(raw []byte, c *report.Call) bool {
	o := flatObject{b: raw}
	if !o.open() {
		return false
	}
	var seen uint32
	for first := true; ; first = false {
		key, v, done, ok := o.next(first)
		if done || !ok {
			return ok && seen&callRequired == callRequired
		}
		var bit uint32
		switch string(key) {
		case "id":
			bit = cfID
			c.ID, ok = v.guid()
		case "organizerId":
			bit = cfOrganizerID
			if c.OrganizerID, ok = v.guid(); !ok {
				ok = v.str && len(v.raw) == 0 // "const": ""
			}
		case "userPrincipalName":
			bit = cfUserPrincipalName
			c.UserPrincipalName, ok = v.text()
		case "userDisplayName":
			bit = cfUserDisplayName
			c.UserDisplayName, ok = v.text()
		case "userUsageLocation":
			bit = cfUserUsageLocation
			c.UserUsageLocation, ok = v.code(l.countries)
		case "startDateTime":
			bit = cfStartDateTime
			ok = v.dateTime(c, false)
		case "endDateTime":
			bit = cfEndDateTime
			ok = v.dateTime(c, true)
		case "duration":
			bit = cfDuration
			c.Duration, ok = v.int32()
		case "destinationContext":
			bit = cfDestinationContext
			ok = v.plain
			if ok {
				c.DestinationContext, ok = destinations[string(v.raw)]
			}
		case "charge":
			bit = cfCharge
			c.Charge, ok = v.money()
		case "connectionCharge":
			bit = cfConnectionCharge
			c.ConnectionCharge, ok = v.money()
		case "currency":
			bit = cfCurrency
			c.Currency, ok = v.code(l.currencies)
		case "usageLocation":
			bit = cfUsageLocation
			c.UsageLocation, ok = v.code(l.countries)
		case "dialerId":
			bit = cfDialerID
			c.DialerID, ok = v.guid()
		case "calleeNumber":
			bit = cfCalleeNumber
			c.CalleeNumber, ok = v.maxLen1024()
		case "destinationName":
			bit = cfDestinationName
			c.DestinationName, ok = v.maxLen1024()
		case "conferenceId":
			bit = cfConferenceID
			c.ConferenceID, ok = v.maxLen1024()
		case "licenseCapability":
			bit = cfLicenseCapability
			c.LicenseCapability, ok = v.text()
			ok = ok && isCapabilityName(c.LicenseCapability)
		case "callType":
			bit = cfCallType
			c.CallType, ok = v.text()
			ok = ok && isCallTypeName(c.CallType)
		case "callId":
			bit = cfCallID
			c.CallID, ok = v.maxLen1024()
		case "callerNumber":
			bit = cfCallerNumber
			c.CallerNumber, ok = v.maxLen1024()
		case "numberType":
			bit = cfNumberType
			c.NumberType, ok = v.maxLen1024()
		case "tenantCountryCode":
			bit = cfTenantCountryCode
			c.TenantCountryCode, ok = v.code(l.countries)
		case "otherPartyCountryCode":
			bit = cfOtherPartyCountryCode
			c.OtherPartyCountryCode, ok = v.code(l.countries)
		case "inventoryType":
			bit = cfInventoryType
			c.InventoryType, ok = v.maxLen1024()
		case "operator":
			bit = cfOperator
			c.Operator, ok = v.maxLen1024()
		case "callDurationSource":
			bit = cfCallDurationSource
			c.CallDurationSource, ok = v.maxLen1024()
		default:
			return false // "additionalProperties": false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// fastUser decodes a user the scenario schema's definitions/user accepts
// into u, as json.Unmarshal would; false leaves the record to gojsonschema.
func (l *ScenarioLoader) fastUser(raw []byte, u *report.User) bool {
	const (
		ufID = 1 << iota
		ufUserPrincipalName
		ufDisplayName
		ufUsageLocation
		userRequired = ufID | ufUserPrincipalName | ufDisplayName | ufUsageLocation
	)
	o := flatObject{b: raw}
	if !o.open() {
		return false
	}
	var seen uint32
	for first := true; ; first = false {
		key, v, done, ok := o.next(first)
		if done || !ok {
			return ok && seen == userRequired
		}
		var bit uint32
		switch string(key) {
		case "id":
			bit = ufID
			u.ID, ok = v.guid()
		case "userPrincipalName":
			bit = ufUserPrincipalName
			u.UserPrincipalName, ok = v.text()
			ok = ok && u.UserPrincipalName != "" // "minLength": 1
		case "displayName":
			bit = ufDisplayName
			u.DisplayName, ok = v.text()
		case "usageLocation":
			bit = ufUsageLocation
			u.UsageLocation, ok = v.code(l.countries)
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// isCapabilityName is the licenseCapability pattern, ^[A-Z0-9_]{0,64}$.
func isCapabilityName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isCallTypeName is the callType pattern, ^[a-z][a-z0-9_]{0,63}$.
func isCallTypeName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
