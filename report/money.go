package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Places is the number of decimal places of a call's charge (decision D9): the
// Teams PSTN usage export writes charges as numeric(16,2).
const Places = 2

// Money is an exact decimal amount. Its JSON form is a number with its exact
// digits (12.83, never 12.829999999), as Edm.Decimal is written when the client
// did not ask for IEEE754Compatible=true.
type Money struct{ d decimal.Decimal }

// NewMoney wraps an exact decimal.
func NewMoney(d decimal.Decimal) Money { return Money{d} }

// Cents makes the amount of n hundredths.
func Cents(n int64) Money { return Money{decimal.New(n, -Places)} }

// ParseMoney reads a decimal literal exactly (never through float64).
func ParseMoney(s string) (Money, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return Money{d}, nil
}

// Decimal returns the amount as a decimal.
func (m Money) Decimal() decimal.Decimal { return m.d }

// Add returns m + o, exactly.
func (m Money) Add(o Money) Money { return Money{m.d.Add(o.d)} }

// Equal reports whether both amounts are the same number (1.5 equals 1.50).
func (m Money) Equal(o Money) bool { return m.d.Equal(o.d) }

// IsNegative reports whether m < 0.
func (m Money) IsNegative() bool { return m.d.IsNegative() }

// Cents returns the amount in hundredths, and false when it has more than
// two decimal places or does not fit an int64.
func (m Money) Cents() (int64, bool) {
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
func (m Money) String() string { return m.d.StringFixed(Places) }

// MarshalJSON writes a JSON number with exactly two decimal places.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// AppendJSON appends the JSON number form to b.
func (m Money) AppendJSON(b []byte) []byte { return append(b, m.String()...) }

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
