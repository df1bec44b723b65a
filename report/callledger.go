package report

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
)

// Problem is one reason a dataset is refused, at its place: a JSON pointer
// (RFC 6901) into a scenario document, or "line N, column NAME" of a JSON
// Lines or CSV file.
type Problem struct {
	Pointer string `json:"pointer"`
	Reason  string `json:"reason"`
	Err     error  `json:"-"` // the sentinel behind the reason, if any (ErrOverflow)
}

// Problems lists the reasons a dataset is refused, at most MaxProblems of
// them; when loading stopped there, a last problem (matching
// ErrTooManyProblems) says how many were found. It is an error that matches
// ErrInvalid (and ErrOverflow when a total would pass Int32).
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

// NewCallLedger checks the meaning of users and calls and indexes them; the
// problems found (at most MaxProblems) are returned at once, each with the
// JSON pointer of the field. Missing usageLocation and endDateTime of a call
// are filled in.
func NewCallLedger(users []User, calls []Call) (*CallLedger, error) {
	return newCallLedger(users, calls, nil)
}

// newCallLedger is NewCallLedger quoting the refused charges of written, by
// JSON pointer, as a document wrote them (1e30, not its thirty zeros).
func newCallLedger(users []User, calls []Call, written map[string]string) (*CallLedger, error) {
	l, err := buildCallLedger(users, calls)
	var probs Problems
	if len(written) > 0 && errors.As(err, &probs) {
		for i, p := range probs {
			if text, ok := written[p.Pointer]; ok {
				if _, rest, found := strings.Cut(p.Reason, ": "); found {
					probs[i].Reason = text + ": " + rest
				}
			}
		}
	}
	return l, err
}

func buildCallLedger(users []User, calls []Call) (*CallLedger, error) {
	b := NewBuilder(ScenarioPlace)
	for i := range users {
		if b.Full() {
			break
		}
		b.AddUser(int32(i), users[i])
	}
	for i := range calls {
		if b.Full() {
			break
		}
		b.AddCall(int32(i), &calls[i])
	}
	return b.Build()
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
