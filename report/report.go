// Package report is the domain of dialoutkit: the ledger of dial-out calls, the
// rows of the pstnOnlineMeetingDialoutReport computed from it, and exact money.
//
// It knows nothing of HTTP. A report row is never stored: it is the exact
// aggregation of the ledger's calls over the asked range, so every total can be
// derived and checked.
//
// Graph reference:
// https://learn.microsoft.com/graph/api/callrecords-callrecord-getpstnonlinemeetingdialoutreport?view=graph-rest-beta
package report

import (
	"errors"
	"fmt"
	"iter"
	"time"
)

// MaxRange is the widest range the function accepts: "The fromDateTime and
// toDateTime values can't be more than a date range of 90 days."
const MaxRange = 90 * 24 * time.Hour

// MaxInt32 bounds totalCalls and totalCallSeconds (Edm.Int32); see decision D10.
const MaxInt32 = 1<<31 - 1

// Errors a query or a dataset can fail with. The server maps them to Graph's
// error envelope in one place.
var (
	ErrReversedRange = errors.New("fromDateTime is later than toDateTime")
	ErrRangeTooLong  = errors.New("the date range can't be more than 90 days")
	ErrOverflow      = errors.New("a total would exceed Int32")
	ErrInvalid       = errors.New("invalid dataset")
)

// Destination is the destinationContext of a call: whether it stayed inside the
// organizer's country or region.
type Destination uint8

// The two destination contexts, in the order rows sort by (decision D5).
const (
	Domestic Destination = iota
	International
)

// String returns the Graph spelling of d.
func (d Destination) String() string {
	if d == International {
		return "International"
	}
	return "Domestic"
}

// ParseDestination reads the Graph spelling of a destination context.
func ParseDestination(s string) (Destination, error) {
	switch s {
	case "Domestic":
		return Domestic, nil
	case "International":
		return International, nil
	}
	return 0, fmt.Errorf("destinationContext %q: want Domestic or International", s)
}

// MarshalText writes the Graph spelling.
func (d Destination) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the Graph spelling.
func (d *Destination) UnmarshalText(b []byte) error {
	v, err := ParseDestination(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// User is a tenant user who can organize meetings.
type User struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	UsageLocation     string `json:"usageLocation"`
}

// Call is one PSTN call of the ledger, in the fields of the documented
// pstnCallLogRow. CallType "" means conf_out (an audio-conferencing
// dial-out), the only type the dial-out report aggregates (decision D11).
// The JSON form is the scenario file's `calls` format; the identity of the
// organizer (UserPrincipalName, UserDisplayName, UserUsageLocation) is
// filled in where calls are written one a line, so that a line stands alone
// (docs/contract.md#loading-real-data).
type Call struct {
	ID                 string      `json:"id"`
	OrganizerID        string      `json:"organizerId"`
	UserPrincipalName  string      `json:"userPrincipalName,omitempty"`
	UserDisplayName    string      `json:"userDisplayName,omitempty"`
	UserUsageLocation  string      `json:"userUsageLocation,omitempty"`
	StartDateTime      time.Time   `json:"startDateTime"`
	EndDateTime        time.Time   `json:"endDateTime"`
	Duration           int64       `json:"duration"`
	DestinationContext Destination `json:"destinationContext"`
	Charge             Money       `json:"charge"`
	ConnectionCharge   Money       `json:"connectionCharge"`
	Currency           string      `json:"currency"`
	UsageLocation      string      `json:"usageLocation"`
	DialerID           string      `json:"dialerId,omitempty"`
	CalleeNumber       string      `json:"calleeNumber,omitempty"`
	DestinationName    string      `json:"destinationName,omitempty"`
	ConferenceID       string      `json:"conferenceId,omitempty"`
	LicenseCapability  string      `json:"licenseCapability,omitempty"`

	// The other pstnCallLogRow fields (docs/contract.md#call-log), kept when
	// given; NumberType is the admin center export's "Number Type".
	CallType              string `json:"callType,omitempty"`
	CallID                string `json:"callId,omitempty"`
	CallerNumber          string `json:"callerNumber,omitempty"`
	NumberType            string `json:"numberType,omitempty"`
	TenantCountryCode     string `json:"tenantCountryCode,omitempty"`
	OtherPartyCountryCode string `json:"otherPartyCountryCode,omitempty"`
	InventoryType         string `json:"inventoryType,omitempty"`
	Operator              string `json:"operator,omitempty"`
	CallDurationSource    string `json:"callDurationSource,omitempty"`
}

// ConfOut is the call type of an audio-conferencing dial-out, the default
// of a call that names none and the only type the dial-out report
// aggregates (decision D11).
const ConfOut = "conf_out"

// Type returns the call's type, ConfOut when it names none.
func (c *Call) Type() string {
	if c.CallType == "" {
		return ConfOut
	}
	return c.CallType
}

// IsBot reports whether a call type has no user: the auto attendant and
// call queue types ucap_in and ucap_out.
func IsBot(callType string) bool { return callType == "ucap_in" || callType == "ucap_out" }

// CallLog is a ledger's calls of every type in the call log's order
// (docs/contract.md#call-log): by startDateTime, then id. A position is an
// index in that order over the whole ledger, so a page of a range is a span
// of positions, read without copying the range. CallSpan returns the
// positions [lo, hi) of the calls that start in q; CallsAt lists the calls
// at positions [lo, hi), each with its user's identity.
type CallLog interface {
	CallSpan(q Query) (lo, hi int)
	CallsAt(lo, hi int) iter.Seq[Call]
}

var _ CallLog = (*CallLedger)(nil)

// Row is one entry of the report: the totals of one organizer, usage location,
// destination context and currency over the asked range.
type Row struct {
	UserID             string
	UserPrincipalName  string
	UserDisplayName    string
	UsageLocation      string
	DestinationContext Destination
	Currency           string
	TotalCalls         int32
	TotalCallSeconds   int32
	TotalCallCharge    Money
}

// Query asks for the report over [From, To], both inclusive (decision D4).
type Query struct {
	From, To time.Time
}

// Validate applies the function's documented rules on its parameters.
func (q Query) Validate() error {
	if q.From.After(q.To) {
		return ErrReversedRange
	}
	if q.To.Sub(q.From) > MaxRange {
		return ErrRangeTooLong
	}
	return nil
}
