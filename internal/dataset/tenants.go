package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dialoutkit/dialoutkit/generator"
)

// Generated tenants of many tenants (docs/contract.md#many-tenants): each
// tenant id has its own generated tenant, a pure function of the base spec
// (dialoutmock's generator flags), the range of users and the tenant id, so
// that the same tid gets the same data on any replica.

// TenantUsers is the inclusive range the user count of each generated
// tenant is drawn from (dialoutmock --tenant-users MIN-MAX). The zero value
// gives every tenant the base spec's users.
type TenantUsers struct{ Min, Max int }

// ParseTenantUsers reads "MIN-MAX" or "N" (every tenant N users); "" is the
// zero value. Validate checks the bounds.
func ParseTenantUsers(s string) (TenantUsers, error) {
	if s == "" {
		return TenantUsers{}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	min, err1 := strconv.Atoi(lo)
	max, err2 := min, error(nil)
	if isRange {
		max, err2 = strconv.Atoi(hi)
	}
	if err1 != nil || err2 != nil {
		return TenantUsers{}, &generator.FieldError{Field: "TenantUsers", Reason: fmt.Sprintf("%q: want MIN-MAX such as 50-500, or N", s)}
	}
	return TenantUsers{min, max}, nil
}

// Validate checks that the range is within 1..generator.MaxUsers, in order,
// and that base with the most users is a valid spec (which bounds the calls
// of the largest tenant). The error is a *generator.FieldError; a range
// error names the field TenantUsers.
func (u TenantUsers) Validate(base generator.Spec) error {
	if u == (TenantUsers{}) {
		return nil
	}
	if u.Min < 1 || u.Max < u.Min || u.Max > generator.MaxUsers {
		return &generator.FieldError{Field: "TenantUsers", Reason: fmt.Sprintf("%d-%d: want 1 ≤ MIN ≤ MAX ≤ %d", u.Min, u.Max, generator.MaxUsers)}
	}
	base.Users = u.Max
	if err := base.Validate(); err != nil {
		reason := err.Error()
		if fe, ok := err.(*generator.FieldError); ok {
			reason = fe.Reason
		}
		return &generator.FieldError{Field: "TenantUsers", Reason: fmt.Sprintf("%d-%d: a tenant of %d users: %s", u.Min, u.Max, u.Max, reason)}
	}
	return nil
}

// TenantSpec is the spec of the generated tenant of tenant id tid: base
// with a seed derived from (base.Seed, tid), and a user count drawn from u
// by the same hash (base.Users with the zero u).
func TenantSpec(base generator.Spec, u TenantUsers, tid string) generator.Spec {
	sum := sha256.Sum256([]byte("dialoutkit/tenant/" + strconv.FormatInt(base.Seed, 10) + "/" + strings.ToLower(tid)))
	seed := int64(binary.BigEndian.Uint64(sum[:8]) & math.MaxInt64)
	if seed == 0 {
		seed = 1
	}
	spec := base
	spec.Seed = seed
	if u != (TenantUsers{}) {
		spec.Users = u.Min + int(binary.BigEndian.Uint64(sum[8:16])%uint64(u.Max-u.Min+1))
	}
	return spec
}

// TenantGenerator returns the builder of generated tenants (the server's
// Tenancy.Generate): the dataset of TenantSpec(base, u, tid).
func TenantGenerator(base generator.Spec, u TenantUsers) func(ctx context.Context, tid string) (Dataset, error) {
	return func(ctx context.Context, tid string) (Dataset, error) {
		return Generate(ctx, TenantSpec(base, u, tid), nil)
	}
}
