package generator

import (
	"time"
	"unicode/utf8"

	"github.com/dialoutkit/dialoutkit/report"
)

// LogCall is a call of the call log as the generator regenerates it
// without allocating (Tenant.LogCallsAt): the fields of the report.Call
// that Tenant.CallsAt lists for it and a page of getPstnCalls writes
// (docs/contract.md#call-log), its strings either the tenant's own (users,
// tables) or held in the LogCall's own room, read through ID, CallID,
// CalleeNumber, CallerNumber and ConferenceID. The call's endDateTime is
// Start + Duration; a dial-out's CallType is empty, as report.Call's.
//
// Every string and text of a LogCall but the user's identity
// (OrganizerID, UserPrincipalName, UserDisplayName) is plain: valid UTF-8
// without a control character, '"', '\\', U+2028 or U+2029, which a JSON
// string holds as it is. The identity is plain too when UserPlain is true.
type LogCall struct {
	OrganizerID, UserPrincipalName, UserDisplayName string // empty for a bot's call
	UserPlain                                       bool   // every user's identity of the tenant is plain

	Start              int64 // startDateTime, Unix seconds
	Duration           int64 // seconds
	Charge             int64 // hundredths of Currency
	ConnectionCharge   int64 // hundredths of Currency
	DestinationContext report.Destination

	CallType, Currency, UsageLocation, TenantCountryCode, OtherPartyCountryCode     string
	DestinationName, LicenseCapability, InventoryType, Operator, CallDurationSource string

	text                             []byte // the texts below, one after the other
	id, callID, callee, caller, conf span
	user                             int32 // index in the tenant's users; -1 for a bot
	dialer                           int32 // a dial-out's dialer: a user, or -1 for a guest
	key                              uint64
	stream                           uint8
}

// logTextRoom holds the texts of a LogCall: two GUIDs, a callId and two
// numbers; and a dialer's GUID when fullCall adds it.
const logTextRoom = 3*36 + 40 + 2*16

// span is a text of a LogCall: text[lo:hi].
type span struct{ lo, hi uint16 }

func (c *LogCall) since(lo int) span { return span{uint16(lo), uint16(len(c.text))} }

func (c *LogCall) of(s span) []byte { return c.text[s.lo:s.hi] }

// ID returns the call's id, a GUID.
func (c *LogCall) ID() []byte { return c.of(c.id) }

// CallID returns the call's callId.
func (c *LogCall) CallID() []byte { return c.of(c.callID) }

// CalleeNumber returns the number called.
func (c *LogCall) CalleeNumber() []byte { return c.of(c.callee) }

// CallerNumber returns the number that called.
func (c *LogCall) CallerNumber() []byte { return c.of(c.caller) }

// ConferenceID returns the call's conferenceId, empty when it has none.
func (c *LogCall) ConferenceID() []byte { return c.of(c.conf) }

// plain reports whether s is valid UTF-8 without a control character,
// '"', '\\', U+2028 or U+2029.
func plain(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// plainUsers reports whether every user's identity is plain.
func plainUsers(users []report.User) bool {
	for i := range users {
		if u := &users[i]; !plain(u.ID) || !plain(u.UserPrincipalName) || !plain(u.DisplayName) {
			return false
		}
	}
	return true
}

// fullCall is the report.Call of lc, with its dialer and its user's usage
// location; its texts share one allocation.
func (g *gen) fullCall(lc *LogCall, users []report.User) report.Call {
	text := lc.text
	var dialer string
	if lc.stream == streamDialOut {
		if lc.dialer >= 0 {
			dialer = users[lc.dialer].ID
		} else {
			r := rng{g.hash(tagExternal, lc.key, 0)}
			text = newGUID(r.next(), r.next()).appendTo(text)
		}
	}
	s := string(text)
	of := func(x span) string { return s[x.lo:x.hi] }
	if dialer == "" && len(s) > len(lc.text) {
		dialer = s[len(lc.text):]
	}
	start := time.Unix(lc.Start, 0).UTC()
	c := report.Call{
		ID:                    of(lc.id),
		OrganizerID:           lc.OrganizerID,
		UserPrincipalName:     lc.UserPrincipalName,
		UserDisplayName:       lc.UserDisplayName,
		StartDateTime:         start,
		EndDateTime:           start.Add(time.Duration(lc.Duration) * time.Second),
		Duration:              lc.Duration,
		DestinationContext:    lc.DestinationContext,
		Charge:                report.Cents(lc.Charge),
		ConnectionCharge:      report.Cents(lc.ConnectionCharge),
		Currency:              lc.Currency,
		UsageLocation:         lc.UsageLocation,
		DialerID:              dialer,
		CalleeNumber:          of(lc.callee),
		DestinationName:       lc.DestinationName,
		ConferenceID:          of(lc.conf),
		LicenseCapability:     lc.LicenseCapability,
		CallType:              lc.CallType,
		CallID:                of(lc.callID),
		CallerNumber:          of(lc.caller),
		TenantCountryCode:     lc.TenantCountryCode,
		OtherPartyCountryCode: lc.OtherPartyCountryCode,
		InventoryType:         lc.InventoryType,
		Operator:              lc.Operator,
		CallDurationSource:    lc.CallDurationSource,
	}
	if lc.user >= 0 {
		c.UserUsageLocation = users[lc.user].UsageLocation
	}
	return c
}
