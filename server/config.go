package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
)

// MaxJournalSize bounds Config.JournalSize.
const MaxJournalSize = 1_000_000

// ErrConfig is matched by every error of Config.Validate.
var ErrConfig = errors.New("invalid config")

// FieldError is an invalid Config field: Field is the Go name of the field
// ("PageSize", "Chaos.Latency"), so that a caller can name it in its own
// words, as dialoutmock names its flags.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%v: %s: %s", ErrConfig, e.Field, e.Reason) }

// Is makes errors.Is(err, ErrConfig) true.
func (e *FieldError) Is(target error) bool { return target == ErrConfig }

// withDefaults fills in the zero fields that stand for a default.
func (c Config) withDefaults() Config {
	if c.PageSize == 0 {
		c.PageSize = MaxPageSize
	}
	if c.Auth == "" {
		c.Auth = AuthLenient
	}
	if c.JournalSize == 0 {
		c.JournalSize = DefaultJournalSize
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.RangeLimitStatus == 0 {
		c.RangeLimitStatus = http.StatusBadRequest
	}
	return c
}

// Validate checks the settings the server owns as they are given, zero
// values included: it is the one check of each setting, which New runs after
// filling in the defaults of zero fields, and which a program runs on what
// its users asked for. The first bad field is named in a *FieldError that
// matches ErrConfig.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.PageSize < 1 || c.PageSize > MaxPageSize:
		return bad("PageSize", "%d is outside 1..%d", c.PageSize, MaxPageSize)
	case c.Auth != AuthNone && c.Auth != AuthLenient && c.Auth != AuthStrict:
		return bad("Auth", "%q is not none, lenient or strict", c.Auth)
	case c.MaxBodyBytes < 1:
		return bad("MaxBodyBytes", "%d: want a positive number of bytes", c.MaxBodyBytes)
	case c.JournalSize < 1 || c.JournalSize > MaxJournalSize:
		return bad("JournalSize", "%d is outside 1..%d", c.JournalSize, MaxJournalSize)
	case math.IsNaN(c.Chaos.FaultRate) || c.Chaos.FaultRate < 0 || c.Chaos.FaultRate > 1:
		return bad("Chaos.FaultRate", "%v is outside 0..1", c.Chaos.FaultRate)
	case c.Chaos.LatencyMin < 0 || c.Chaos.LatencyMax < c.Chaos.LatencyMin || c.Chaos.LatencyMax > maxDelay:
		return bad("Chaos.Latency", "%s to %s: want 0 ≤ min ≤ max ≤ %s", c.Chaos.LatencyMin, c.Chaos.LatencyMax, maxDelay)
	}
	for _, l := range c.Throttle {
		if l.Requests < 1 || l.Window <= 0 {
			return bad("Throttle", "limit %+v: want requests ≥ 1 in a positive window", l)
		}
	}
	if err := checkRangeLimitStatus(c.RangeLimitStatus); err != nil {
		return err
	}
	if err := checkArrivalDelay(c.ArrivalDelay); err != nil {
		return err
	}
	if u := c.PublicURL; u != nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "") {
		return bad("PublicURL", "%q: want http(s)://host[:port][/path]", u)
	}
	return nil
}
