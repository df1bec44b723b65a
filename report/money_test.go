package report

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func TestMoneyJSON(t *testing.T) {
	cases := []struct {
		in, out string
	}{
		{`12.83`, `12.83`},
		{`"12.83"`, `12.83`},
		{`0`, `0.00`},
		{`"0.1"`, `0.10`},
		{`1e2`, `100.00`},
		{`540`, `540.00`},
		{`123456789012345.67`, `123456789012345.67`},
	}
	for _, c := range cases {
		var m Money
		if err := json.Unmarshal([]byte(c.in), &m); err != nil {
			t.Fatalf("Unmarshal(%s): %v", c.in, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.out {
			t.Errorf("Marshal(Unmarshal(%s)) = %s, want %s", c.in, b, c.out)
		}
	}
	for _, bad := range []string{`"abc"`, `null`, `""`, `true`, `"1.2.3"`} {
		var m Money
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, m)
		}
	}
}

func TestMoneyIsExact(t *testing.T) {
	// 0.1 + 0.2 is 0.30000000000000004 in float64; it must stay 0.30.
	a, _ := ParseMoney("0.1")
	b, _ := ParseMoney("0.2")
	if got := a.Add(b).String(); got != "0.30" {
		t.Errorf("0.1 + 0.2 = %s, want 0.30", got)
	}
	sum := Cents(0)
	for i := 0; i < 1000; i++ {
		sum = sum.Add(a)
	}
	if got := sum.String(); got != "100.00" {
		t.Errorf("1000 × 0.1 = %s, want 100.00", got)
	}
}

func TestMoneyCents(t *testing.T) {
	cases := []struct {
		in    string
		cents int64
		ok    bool
	}{
		{"12.83", 1283, true},
		{"0", 0, true},
		{"-1.5", -150, true},
		{"0.001", 0, false},
		{"92233720368547758.08", 0, false},
	}
	for _, c := range cases {
		m, err := ParseMoney(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := m.Cents()
		if got != c.cents || ok != c.ok {
			t.Errorf("Cents(%s) = %d, %v; want %d, %v", c.in, got, ok, c.cents, c.ok)
		}
	}
}

// TestMoneyFormsAgree checks the int64 form against the decimal form on
// amounts around the edges.
func TestMoneyFormsAgree(t *testing.T) {
	for _, c := range []int64{0, 1, -1, 9, 10, 99, 100, 101, -101, 123456, -5, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		small := Cents(c)
		big := NewMoney(decimal.New(c, -2))
		if small.String() != big.String() {
			t.Errorf("Cents(%d) = %s, decimal form %s", c, small, big)
		}
		if !small.Equal(big) || !big.Equal(small) {
			t.Errorf("Cents(%d) and its decimal form are not Equal", c)
		}
		if small.IsNegative() != big.IsNegative() {
			t.Errorf("Cents(%d): IsNegative differs", c)
		}
	}
	// Adding past int64 falls back to decimals, exactly.
	sum := Cents(math.MaxInt64).Add(Cents(1))
	if got, want := sum.String(), "92233720368547758.08"; got != want {
		t.Errorf("MaxInt64 + 1 hundredths = %s, want %s", got, want)
	}
	if sum := Cents(math.MinInt64).Add(Cents(-1)); sum.String() != "-92233720368547758.09" {
		t.Errorf("MinInt64 - 1 hundredths = %s", sum)
	}
	if got := Cents(250).Add(NewMoney(decimal.RequireFromString("0.005"))).Decimal().String(); got != "2.505" {
		t.Errorf("2.50 + 0.005 = %s, want 2.505 exactly", got)
	}
}
