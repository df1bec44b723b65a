package generator

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	base := DefaultSpec(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC))
	got, err := ParseSpec([]byte(`{"seed":7,"users":20,"windowEnd":"2026-01-31","windowDays":30}`), base)
	if err != nil {
		t.Fatal(err)
	}
	want := base
	want.Seed, want.Users, want.WindowEnd, want.WindowDays = 7, 20, time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), 30
	if got != want {
		t.Errorf("ParseSpec = %+v, want %+v", got, want)
	}
	for body, field := range map[string]string{
		`{"users":0}`:              "users",
		`{"seed":0}`:               "seed",
		`{"windowEnd":"31/01/26"}`: "windowEnd",
		`{"internationalShare":2}`: "internationalShare",
		`{"user":5}`:               "user",
		`{"users":"many"}`:         "users",
		`[]`:                       "",
	} {
		_, err := ParseSpec([]byte(body), base)
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), field) {
			t.Errorf("ParseSpec(%s) = %v, want ErrSpec naming %q", body, err, field)
		}
	}
}

func TestVersion(t *testing.T) {
	a := DefaultSpec(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC))
	b := DefaultSpec(time.Date(2026, 11, 26, 23, 59, 0, 0, time.UTC)) // same UTC date
	if a.Version() != b.Version() {
		t.Errorf("same date, versions %s and %s", a.Version(), b.Version())
	}
	c := a
	c.Users++
	if a.Version() == c.Version() {
		t.Error("a different spec has the same version")
	}
}
