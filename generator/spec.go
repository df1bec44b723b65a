package generator

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Spec is everything a generated tenant depends on. Two equal specs give the
// same tenant, on any machine and at any GOMAXPROCS.
type Spec struct {
	// Seed names the tenant; it must not be zero.
	Seed int64
	// Users is the number of users, 1 to 1,000,000. Adding users never
	// changes the users, or the calls, of a smaller tenant with the same seed.
	Users int
	// Domain is the DNS domain of userPrincipalNames, such as contoso.com.
	Domain string
	// Intensity is the mean number of dial-out calls a user organizes per 30
	// days, over users and over the week (0 to 1000); the year-end holidays
	// (24 December to 1 January) see less.
	Intensity float64
	// InternationalShare is the expected share of international calls, 0 to 1.
	InternationalShare float64
	// WindowEnd is the last UTC day with data; only its UTC date counts.
	WindowEnd time.Time
	// WindowDays is the number of days with data, ending with WindowEnd
	// (1 to 3660).
	WindowDays int
}

// Defaults of DefaultSpec.
const (
	DefaultSeed               = 20221101
	DefaultUsers              = 300
	DefaultDomain             = "contoso.com"
	DefaultIntensity          = 10
	DefaultInternationalShare = 0.2
	DefaultWindowDays         = 365
)

// Limits of a Spec.
const (
	MaxUsers      = 1_000_000
	MaxWindowDays = 3660
	MaxIntensity  = 1000
	// MaxCalls bounds the expected size of a ledger, Users × Intensity ×
	// WindowDays / 30, so a typo cannot ask for terabytes.
	MaxCalls = 100_000_000
)

// Years a window may cover: day numbers must stay small and positive, and
// call times inside what the ledger index holds (up to 2262).
var (
	minWindow = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxWindow = time.Date(2200, 12, 31, 0, 0, 0, 0, time.UTC)
)

// DefaultSpec is the tenant dialoutmock serves out of the box: a fixed seed,
// 300 users of contoso.com who dial out about 3,000 calls a month, a fifth of
// them international, over the 365 days up to today's UTC date.
func DefaultSpec(today time.Time) Spec {
	return Spec{
		Seed:               DefaultSeed,
		Users:              DefaultUsers,
		Domain:             DefaultDomain,
		Intensity:          DefaultIntensity,
		InternationalShare: DefaultInternationalShare,
		WindowEnd:          date(today),
		WindowDays:         DefaultWindowDays,
	}
}

// ErrSpec is matched by every error of Validate.
var ErrSpec = errors.New("invalid generator spec")

// FieldError is an invalid Spec field: Field is the Go name of the field,
// so a caller can name it in its own words (a flag, a JSON key).
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%v: %s: %s", ErrSpec, e.Field, e.Reason) }

// Is makes errors.Is(err, ErrSpec) true.
func (e *FieldError) Is(target error) bool { return target == ErrSpec }

// Validate checks every field and names the first bad one in a *FieldError,
// which matches ErrSpec.
func (s Spec) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case s.Seed == 0:
		return bad("Seed", "must not be zero")
	case s.Users < 1 || s.Users > MaxUsers:
		return bad("Users", "%d is outside 1..%d", s.Users, MaxUsers)
	case s.WindowDays < 1 || s.WindowDays > MaxWindowDays:
		return bad("WindowDays", "%d is outside 1..%d", s.WindowDays, MaxWindowDays)
	case math.IsNaN(s.Intensity) || s.Intensity < 0 || s.Intensity > MaxIntensity:
		return bad("Intensity", "%v calls per user per 30 days is outside 0..%d", s.Intensity, MaxIntensity)
	case math.IsNaN(s.InternationalShare) || s.InternationalShare < 0 || s.InternationalShare > 1:
		return bad("InternationalShare", "%v is outside 0..1", s.InternationalShare)
	}
	if err := checkDomain(s.Domain); err != nil {
		return bad("Domain", "%v", err)
	}
	end := date(s.WindowEnd)
	if start := end.AddDate(0, 0, 1-s.WindowDays); start.Before(minWindow) || end.After(maxWindow) {
		return bad("WindowEnd", "the window %s..%s must lie between %s and %s",
			start.Format(time.DateOnly), end.Format(time.DateOnly),
			minWindow.Format(time.DateOnly), maxWindow.Format(time.DateOnly))
	}
	if calls := s.ExpectedCalls(); calls > MaxCalls {
		return bad("Intensity", "%d users × %v calls per 30 days × %d days is about %.0f calls, more than %d",
			s.Users, s.Intensity, s.WindowDays, calls, MaxCalls)
	}
	return nil
}

// ExpectedCalls is the expected size of the ledger, Users × Intensity ×
// WindowDays / 30 calls: what bounds the memory a generation takes.
func (s Spec) ExpectedCalls() float64 {
	return float64(s.Users) * s.Intensity * float64(s.WindowDays) / 30
}

// checkDomain accepts a DNS name of at least two labels (RFC 1123 letters,
// digits and inner hyphens, 63 bytes a label, 253 in all) whose last label is
// not numeric.
func checkDomain(d string) error {
	if d == "" {
		return errors.New("is empty")
	}
	if len(d) > 253 {
		return fmt.Errorf("%q is longer than 253 bytes", d)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return fmt.Errorf("%q is not a domain of two labels or more, such as contoso.com", d)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%q has an empty, over-long or hyphen-edged label %q", d, l)
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return fmt.Errorf("%q has a character %q outside letters, digits and hyphens", d, c)
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return fmt.Errorf("%q ends in a numeric label", d)
	}
	return nil
}

// Window returns the first and the last instant of the data window: midnight
// UTC of its first day and the last nanosecond of WindowEnd's UTC date.
func (s Spec) Window() (first, last time.Time) {
	end := date(s.WindowEnd)
	return end.AddDate(0, 0, 1-s.WindowDays), end.AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// normalize returns s with WindowEnd at midnight UTC and the domain in lower
// case, as the generator uses them.
func (s Spec) normalize() Spec {
	s.WindowEnd = date(s.WindowEnd)
	s.Domain = strings.ToLower(s.Domain)
	return s
}

// date returns midnight UTC of t's UTC date.
func date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayNumber counts days since 1970-01-01 (day 0, a Thursday).
func dayNumber(t time.Time) int64 { return t.Unix() / 86400 }
