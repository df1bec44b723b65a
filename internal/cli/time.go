package cli

import (
	"errors"
	"time"
)

// ParseTime reads an instant as both command-line tools take it: a date
// YYYY-MM-DD (midnight UTC, as the API reads a date-only value,
// docs/contract.md#parameters) or an RFC 3339 time, returned in UTC.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("want YYYY-MM-DD or an RFC 3339 time")
	}
	return t.UTC(), nil
}
