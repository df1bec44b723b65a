package report

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Places is the number of decimal places of a call's charge (decision D9): the
// Teams PSTN usage export writes charges as numeric(16,2).
const Places = 2

// Money is an exact decimal amount. Its JSON form is a number with its exact
// digits (12.83, never 12.829999999), as Edm.Decimal is written when the client
// did not ask for IEEE754Compatible=true.
//
// An amount of whole hundredths that fits an int64, which is every charge and
// total of the ledger, is held as that integer: exact, and free of the
// allocations of a big decimal. Anything else is a decimal.Decimal. Both
// forms behave the same.
type Money struct {
	d     decimal.Decimal // when !small
	cents int64           // when small
	small bool
}

// NewMoney wraps an exact decimal.
func NewMoney(d decimal.Decimal) Money { return Money{d: d} }

// Cents makes the amount of n hundredths.
func Cents(n int64) Money { return Money{cents: n, small: true} }

// maxMoneyLen bounds a decimal literal: a numeric(16,2) charge has at most 19
// characters, and reading digits costs the square of their number (a
// million: seconds).
const maxMoneyLen = 40

// ParseMoney reads a decimal literal exactly (never through float64).
func ParseMoney(s string) (Money, error) {
	if len(s) > maxMoneyLen {
		return Money{}, fmt.Errorf("a decimal number of %d characters is too long: at most %d", len(s), maxMoneyLen)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return Money{d: d}, nil
}

// Decimal returns the amount as a decimal.
func (m Money) Decimal() decimal.Decimal {
	if m.small {
		return decimal.New(m.cents, -Places)
	}
	return m.d
}

// Add returns m + o, exactly.
func (m Money) Add(o Money) Money {
	if m.small && o.small {
		if s := m.cents + o.cents; (s > m.cents) == (o.cents > 0) {
			return Cents(s)
		}
	}
	return Money{d: m.Decimal().Add(o.Decimal())}
}

// Equal reports whether both amounts are the same number (1.5 equals 1.50).
func (m Money) Equal(o Money) bool {
	if m.small && o.small {
		return m.cents == o.cents
	}
	return m.Decimal().Equal(o.Decimal())
}

// IsNegative reports whether m < 0.
func (m Money) IsNegative() bool {
	if m.small {
		return m.cents < 0
	}
	return m.d.IsNegative()
}

// Cents returns the amount in hundredths, and false when it has more than
// two decimal places or does not fit an int64.
func (m Money) Cents() (int64, bool) {
	if m.small {
		return m.cents, true
	}
	scaled := m.d.Shift(Places)
	if !scaled.IsInteger() {
		return 0, false
	}
	bi := scaled.BigInt()
	if !bi.IsInt64() {
		return 0, false
	}
	return bi.Int64(), true
}

// String writes the amount with two decimal places, as money is read.
func (m Money) String() string { return string(m.AppendJSON(nil)) }

// MarshalJSON writes a JSON number with exactly two decimal places.
func (m Money) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil), nil }

// AppendJSON appends the JSON number form, two decimal places, to b.
func (m Money) AppendJSON(b []byte) []byte {
	if !m.small || m.cents == math.MinInt64 {
		return append(b, m.Decimal().StringFixed(Places)...)
	}
	c := m.cents
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	return append(b, '.', byte('0'+c%100/10), byte('0'+c%10))
}

// UnmarshalJSON reads a JSON number or a JSON string holding a decimal, in
// both cases from its text, so no float64 rounding can creep in.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if len(s) < 2 || !strings.HasSuffix(s, `"`) {
			return fmt.Errorf("%s is not a decimal number", s)
		}
		s = s[1 : len(s)-1]
	}
	if s == "" || s == "null" {
		return fmt.Errorf("%q is not a decimal number", s)
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
