package cli

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), false},
		{"2026-11-01T12:30:00Z", time.Date(2026, 11, 1, 12, 30, 0, 0, time.UTC), false},
		{"2026-11-01T12:30:00+02:00", time.Date(2026, 11, 1, 10, 30, 0, 0, time.UTC), false},
		{"2026-11-01T12:30:00.1234567Z", time.Date(2026, 11, 1, 12, 30, 0, 123456700, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"2026-13-01", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err != nil) != tt.err || !got.Equal(tt.want) || (err == nil && got.Location() != time.UTC) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, error %t", tt.in, got, err, tt.want, tt.err)
		}
	}
}
