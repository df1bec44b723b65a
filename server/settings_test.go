package server

import (
	"errors"
	"testing"
)

// TestRangeLimitStatus: a range over 90 days is 400 BadRequest by default
// (decision D3) and 406 NotAcceptable when asked, in Graph's envelope with
// the same message; a range of exactly 90 days is served either way.
func TestRangeLimitStatus(t *testing.T) {
	const over = fnPath + "(fromDateTime=2026-01-01T00:00:00Z,toDateTime=2026-04-01T00:00:01Z)"
	const exact = fnPath + "(fromDateTime=2026-01-01T00:00:00Z,toDateTime=2026-04-01T00:00:00Z)"
	const msg = "The fromDateTime and toDateTime values can't be more than a date range of 90 days."
	cases := []struct {
		name   string
		status int // Config.RangeLimitStatus
		want   int
		code   string
	}{
		{"default", 0, 400, "BadRequest"},
		{"400", 400, 400, "BadRequest"},
		{"406", 406, 406, "NotAcceptable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{RangeLimitStatus: c.status})
			e := checkEnvelope(t, get(t, ts.URL+over), c.want, c.code)
			if got := ptrString(e.Error.Message); got != msg {
				t.Errorf("message = %q, want %q", got, msg)
			}
			if r := get(t, ts.URL+exact); r.status != 200 {
				t.Errorf("exactly 90 days: status = %d, want 200", r.status)
			}
			// Other parameter errors stay 400 whatever the setting.
			checkEnvelope(t, get(t, ts.URL+fnPath+"(fromDateTime=2026-02-01,toDateTime=2026-01-01)"), 400, "BadRequest")
		})
	}
}

func TestRangeLimitStatusIsValidated(t *testing.T) {
	for _, n := range []int{-1, 200, 401, 405, 407, 500} {
		_, err := New(scenarioDataset(t, "edges"), Config{RangeLimitStatus: n})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "RangeLimitStatus" {
			t.Errorf("New with RangeLimitStatus %d = %v, want a *FieldError for RangeLimitStatus", n, err)
		}
	}
}

func TestParseRangeLimitStatus(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"400", 400, true},
		{"406", 406, true},
		{"", 0, false},
		{"404", 0, false},
		{"406 ", 0, false},
		{"NotAcceptable", 0, false},
	}
	for _, c := range cases {
		got, err := ParseRangeLimitStatus(c.in)
		var fe *FieldError
		if got != c.want || (err == nil) != c.ok || (err != nil && (!errors.As(err, &fe) || fe.Field != "RangeLimitStatus")) {
			t.Errorf("ParseRangeLimitStatus(%q) = %d, %v, want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}
