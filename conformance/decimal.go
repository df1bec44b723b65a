package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// dec is an exact decimal: m / 10^scale. The zero value is 0. Charges are read from the raw JSON text
// into decs and summed exactly; float64 never touches them.
type dec struct {
	m     *big.Int
	scale int
}

var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// parseDec reads a JSON number literal (also the body of a decimal string) exactly.
func parseDec(s string) (dec, error) {
	if !jsonNumberRE.MatchString(s) {
		return dec{}, fmt.Errorf("%q is not a decimal number", s)
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			return dec{}, fmt.Errorf("%q: exponent out of range", s)
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	m, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return dec{}, fmt.Errorf("%q is not a decimal number", s)
	}
	d := dec{m: m, scale: len(frac) - exp}
	if d.scale < 0 {
		d.m.Mul(d.m, pow10(-d.scale))
		d.scale = 0
	}
	return d, nil
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func (d dec) mant() *big.Int {
	if d.m == nil {
		return new(big.Int)
	}
	return d.m
}

// rescale returns d's mantissa at scale s >= d.scale.
func (d dec) at(s int) *big.Int {
	return new(big.Int).Mul(d.mant(), pow10(s-d.scale))
}

func (d dec) add(e dec) dec {
	s := max(d.scale, e.scale)
	return dec{m: new(big.Int).Add(d.at(s), e.at(s)), scale: s}
}

func (d dec) cmp(e dec) int {
	s := max(d.scale, e.scale)
	return d.at(s).Cmp(e.at(s))
}

func (d dec) sign() int { return d.mant().Sign() }

// fracDigits is the number of significant fractional digits (trailing zeros do not count).
func (d dec) fracDigits() int {
	m, s := new(big.Int).Set(d.mant()), d.scale
	ten, r := big.NewInt(10), new(big.Int)
	for s > 0 {
		q, rem := new(big.Int).QuoRem(m, ten, r)
		if rem.Sign() != 0 {
			break
		}
		m, s = q, s-1
	}
	return s
}

// String writes d canonically: no exponent, no trailing fractional zeros.
func (d dec) String() string {
	m := d.mant()
	neg := m.Sign() < 0
	digits := new(big.Int).Abs(m).String()
	s := d.scale
	if s > 0 {
		if len(digits) <= s {
			digits = strings.Repeat("0", s-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-s] + "." + digits[len(digits)-s:]
		digits = strings.TrimRight(strings.TrimRight(digits, "0"), ".")
	}
	if neg && digits != "0" {
		return "-" + digits
	}
	return digits
}

// isInt reports whether d is a whole number.
func (d dec) isInt() bool { return d.fracDigits() == 0 }

// int64 returns d as an int64 when it is a whole number that fits.
func (d dec) int64() (int64, bool) {
	if !d.isInt() {
		return 0, false
	}
	q := new(big.Int).Quo(d.mant(), pow10(d.scale))
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// floatExact reports whether the shortest float64 text of d's value denotes exactly d: a JSON parser
// that reads float64 (the Go SDK does, docs/contract.md#what-clients-send) then shows the same decimal.
func (d dec) floatExact() bool {
	f, err := strconv.ParseFloat(d.String(), 64)
	if err != nil {
		return false
	}
	back, err := parseDec(strconv.FormatFloat(f, 'f', -1, 64))
	return err == nil && back.cmp(d) == 0
}

// rawNumber reads a raw JSON value that should be a number: the literal text, or, leniently, a
// string holding one. isString reports the second case.
func rawNumber(raw json.RawMessage) (d dec, isString bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return dec{}, false, errors.New("absent")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return dec{}, true, err
		}
		d, err := parseDec(s)
		return d, true, err
	}
	d, err = parseDec(string(raw))
	return d, false, err
}

// rawString reads a raw JSON value that should be a string; ok is false otherwise.
func rawString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// objectKeys returns the keys of a JSON object in the order the text has them, and its members raw.
func objectKeys(b []byte) ([]string, map[string]json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	t, err := d.Token()
	if err != nil {
		return nil, nil, err
	}
	if t != json.Delim('{') {
		return nil, nil, errors.New("not a JSON object")
	}
	var keys []string
	members := map[string]json.RawMessage{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, nil, err
		}
		k, ok := t.(string)
		if !ok {
			return nil, nil, errors.New("not a JSON object")
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := members[k]; dup {
			return nil, nil, fmt.Errorf("key %q appears twice", k)
		}
		keys = append(keys, k)
		members[k] = v
	}
	if _, err := d.Token(); err != nil {
		return nil, nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, nil, errors.New("trailing data after the JSON object")
	}
	return keys, members, nil
}
