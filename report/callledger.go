package report

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Problem is one reason a dataset is refused, at a JSON pointer (RFC 6901)
// into the scenario document.
type Problem struct {
	Pointer string `json:"pointer"`
	Reason  string `json:"reason"`
	Err     error  `json:"-"` // the sentinel behind the reason, if any (ErrOverflow)
}

// Problems lists every reason a dataset is refused. It is an error that
// matches ErrInvalid (and ErrOverflow when a total would pass Int32).
type Problems []Problem

// Error names each pointer and reason.
func (p Problems) Error() string {
	var b strings.Builder
	for i, pr := range p {
		if i > 0 {
			b.WriteString("; ")
		}
		if i == 10 {
			fmt.Fprintf(&b, "and %d more", len(p)-10)
			break
		}
		fmt.Fprintf(&b, "%s: %s", cmp.Or(pr.Pointer, "/"), pr.Reason)
	}
	return b.String()
}

// Is makes errors.Is(p, ErrInvalid) true, and errors.Is(p, target) true
// when one of the problems rests on target (ErrOverflow).
func (p Problems) Is(target error) bool {
	if target == ErrInvalid {
		return true
	}
	for _, pr := range p {
		if pr.Err != nil && errors.Is(pr.Err, target) {
			return true
		}
	}
	return false
}

// CallLedger is a ledger built from complete calls, such as a scenario file's:
// it answers the report and lists its calls.
type CallLedger struct {
	*Ledger
	calls []Call // sorted by start time, then id
}

// maxCharge is the largest charge: its hundredths fit an int64.
var maxCharge = Cents(math.MaxInt64)

// chargeReason says why m is not a charge, "" if it is one: charges are
// never negative, have at most Places decimal places and at most maxCharge.
func chargeReason(m Money) string {
	if _, ok := m.Cents(); ok && !m.IsNegative() {
		return ""
	}
	switch {
	case m.IsNegative():
		return "want a decimal ≥ 0"
	case !m.Decimal().Shift(Places).IsInteger():
		return fmt.Sprintf("want a decimal with at most %d places", Places)
	}
	return fmt.Sprintf("is too large: a charge is at most %s", maxCharge)
}

// NewCallLedger checks the meaning of users and calls and indexes them. Every
// problem found is returned at once, each with the JSON pointer of the field.
// Missing usageLocation and endDateTime of a call are filled in.
func NewCallLedger(users []User, calls []Call) (*CallLedger, error) {
	return newCallLedger(users, calls, nil)
}

// newCallLedger is NewCallLedger quoting the charges of written, by JSON
// pointer, as a document wrote them.
func newCallLedger(users []User, calls []Call, written map[string]string) (*CallLedger, error) {
	var probs Problems
	add := func(ptr, format string, args ...any) {
		err := fmt.Errorf(format, args...) // %w keeps a sentinel such as ErrOverflow
		probs = append(probs, Problem{Pointer: ptr, Reason: err.Error(), Err: errors.Unwrap(err)})
	}

	userIndex := make(map[string]int32, len(users))
	for i, u := range users {
		p := fmt.Sprintf("/users/%d", i)
		switch {
		case u.ID == "":
			add(p+"/id", "is required")
		case !IsGUID(u.ID):
			add(p+"/id", "%q is not a lower-case GUID", u.ID)
		default:
			if j, dup := userIndex[u.ID]; dup {
				add(p+"/id", "duplicates the id of /users/%d", j)
			}
			userIndex[u.ID] = int32(i)
		}
		if u.UserPrincipalName == "" {
			add(p+"/userPrincipalName", "is required")
		}
		if _, err := ParseCode2(u.UsageLocation); err != nil {
			add(p+"/usageLocation", "%v", err)
		}
	}

	calls = slices.Clone(calls)
	entries := make([]Entry, 0, len(calls))
	callIndex := make(map[string]int, len(calls))
	type key struct {
		user int32
		loc  Code2
		dst  Destination
		cur  Code3
	}
	secs := map[key]int64{}
	for i := range calls {
		c := &calls[i]
		p := fmt.Sprintf("/calls/%d", i)
		bad := len(probs)
		if c.ID == "" {
			add(p+"/id", "is required")
		} else if j, dup := callIndex[c.ID]; dup {
			add(p+"/id", "duplicates the id of /calls/%d", j)
		} else {
			callIndex[c.ID] = i
		}
		user, known := userIndex[c.OrganizerID]
		if !known {
			add(p+"/organizerId", "%q is not the id of a user", c.OrganizerID)
		}
		if c.DialerID != "" && !IsGUID(c.DialerID) {
			add(p+"/dialerId", "%q is not a lower-case GUID", c.DialerID)
		}
		start, ok := Nanos(c.StartDateTime)
		if c.StartDateTime.IsZero() || !ok {
			add(p+"/startDateTime", "is required, between the years 1678 and 2262")
		}
		if c.Duration < 0 {
			add(p+"/duration", "is negative (%d)", c.Duration)
		} else if c.Duration > MaxInt32 {
			add(p+"/duration", "%d exceeds Int32", c.Duration)
		}
		if !c.EndDateTime.IsZero() {
			got := c.EndDateTime.Sub(c.StartDateTime)
			want := time.Duration(c.Duration) * time.Second
			if got < 0 {
				add(p+"/endDateTime", "is before startDateTime")
			} else if d := got - want; d < -time.Second || d > time.Second {
				add(p+"/endDateTime", "is %s after startDateTime, but duration says %ds", got, c.Duration)
			}
		}
		for _, m := range []struct {
			field string
			money Money
		}{{"charge", c.Charge}, {"connectionCharge", c.ConnectionCharge}} {
			if reason := chargeReason(m.money); reason != "" {
				text, ok := written[p+"/"+m.field]
				if !ok {
					text = m.money.Decimal().String()
				}
				add(p+"/"+m.field, "%s: %s", text, reason)
			}
		}
		charge, _ := c.Charge.Cents()
		conn, _ := c.ConnectionCharge.Cents()
		cur, err := ParseCode3(c.Currency)
		if err != nil {
			add(p+"/currency", "%v", err)
		}
		if c.UsageLocation == "" && known {
			c.UsageLocation = users[user].UsageLocation
		}
		loc, err := ParseCode2(c.UsageLocation)
		if err != nil && (known || c.UsageLocation != "") {
			add(p+"/usageLocation", "%v", err)
		}
		if len(probs) > bad {
			continue
		}
		if c.EndDateTime.IsZero() {
			c.EndDateTime = c.StartDateTime.Add(time.Duration(c.Duration) * time.Second)
		}
		c.StartDateTime, c.EndDateTime = c.StartDateTime.UTC(), c.EndDateTime.UTC()
		cents := charge + conn
		if conn > 0 && charge > math.MaxInt64-conn {
			add(p+"/charge", "%w: charge plus connectionCharge is too large", ErrOverflow)
			continue
		}
		k := key{user, loc, c.DestinationContext, cur}
		secs[k] += c.Duration
		if secs[k] > MaxInt32 {
			add(p+"/duration", "%w: totalCallSeconds of organizer %s (%s, %s, %s) would reach %d",
				ErrOverflow, c.OrganizerID, loc, c.DestinationContext, cur, secs[k])
			secs[k] = math.MinInt32 // report each key once
		}
		entries = append(entries, Entry{Start: start, Cents: cents, User: user,
			Seconds: int32(c.Duration), Location: loc, Currency: cur, Destination: c.DestinationContext})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	l, err := NewLedger(users, entries)
	if err != nil {
		return nil, Problems{{Pointer: "/calls", Reason: err.Error(), Err: err}}
	}
	slices.SortFunc(calls, func(a, b Call) int {
		return cmp.Or(a.StartDateTime.Compare(b.StartDateTime), cmp.Compare(a.ID, b.ID))
	})
	return &CallLedger{Ledger: l, calls: calls}, nil
}

// Calls lists the calls that belong to q, by start time.
func (d *CallLedger) Calls(q Query) iter.Seq[Call] {
	return func(yield func(Call) bool) {
		i := sort.Search(len(d.calls), func(i int) bool { return !d.calls[i].StartDateTime.Before(q.From) })
		for ; i < len(d.calls) && !d.calls[i].StartDateTime.After(q.To); i++ {
			if !yield(d.calls[i]) {
				return
			}
		}
	}
}

// IsGUID reports whether s is a GUID in its lower-case hyphenated form, as
// Graph writes userId.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
