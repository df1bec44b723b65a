package generator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// specJSON is the JSON form of a Spec, as PUT /_mock/dataset takes it under
// "generator": every field optional, WindowEnd as YYYY-MM-DD.
type specJSON struct {
	Seed               *int64   `json:"seed"`
	Users              *int     `json:"users"`
	Domain             *string  `json:"domain"`
	Intensity          *float64 `json:"intensity"`
	InternationalShare *float64 `json:"internationalShare"`
	WindowEnd          *string  `json:"windowEnd"`
	WindowDays         *int     `json:"windowDays"`
}

// ParseSpec reads generator parameters in JSON over base: the fields given
// replace base's, the others keep base's values. Unknown fields are refused,
// and the result is validated; errors name the JSON field.
func ParseSpec(raw []byte, base Spec) (Spec, error) {
	var j specJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	s := base
	set(&s.Seed, j.Seed)
	set(&s.Users, j.Users)
	set(&s.Domain, j.Domain)
	set(&s.Intensity, j.Intensity)
	set(&s.InternationalShare, j.InternationalShare)
	set(&s.WindowDays, j.WindowDays)
	if j.WindowEnd != nil {
		t, err := time.Parse(time.DateOnly, *j.WindowEnd)
		if err != nil {
			return Spec{}, fmt.Errorf("%w: windowEnd: %q is not YYYY-MM-DD", ErrSpec, *j.WindowEnd)
		}
		s.WindowEnd = t
	}
	if err := s.Validate(); err != nil {
		return Spec{}, jsonNames(err)
	}
	return s, nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// jsonNames renames the Spec field a *FieldError names to its JSON key.
func jsonNames(err error) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return &FieldError{Field: strings.ToLower(fe.Field[:1]) + fe.Field[1:], Reason: fe.Reason}
}

// Version identifies the tenant a spec generates: equal specs (after
// normalisation) have equal versions, on any machine. Replicas started with
// the same flags agree on it, so they honour each other's nextLinks.
func (s Spec) Version() string {
	n := s.normalize()
	b := fmt.Appendf(nil, "generator/v1 %d %d %s %v %v %s %d", n.Seed, n.Users, n.Domain,
		n.Intensity, n.InternationalShare, n.WindowEnd.Format(time.DateOnly), n.WindowDays)
	sum := sha256.Sum256(b)
	return "g-" + hex.EncodeToString(sum[:6])
}

// String describes the spec for people.
func (s Spec) String() string {
	first, last := s.Window()
	return fmt.Sprintf("generated tenant (seed %d, %d users, %s to %s)", s.Seed, s.Users,
		first.Format(time.DateOnly), last.Format(time.DateOnly))
}
