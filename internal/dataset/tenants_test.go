package dataset

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/generator"
)

func TestTenantSpec(t *testing.T) {
	base := generator.DefaultSpec(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC))
	const a, b = "8f6c1d2e-0000-4000-8000-00000000000a", "8f6c1d2e-0000-4000-8000-00000000000b"
	u := TenantUsers{50, 60}
	sa, sb := TenantSpec(base, u, a), TenantSpec(base, u, b)
	if sa != TenantSpec(base, u, a) {
		t.Error("TenantSpec(a) differs between two calls")
	}
	if sa.Seed == sb.Seed || sa.Seed == base.Seed || sa.Seed <= 0 {
		t.Errorf("seeds a %d, b %d, base %d: want positive, distinct per tenant", sa.Seed, sb.Seed, base.Seed)
	}
	if up := TenantSpec(base, u, "8F6C1D2E-0000-4000-8000-00000000000A"); up != sa {
		t.Errorf("TenantSpec of the upper-case id = %+v, want %+v", up, sa)
	}
	other := base
	other.Seed++
	if TenantSpec(other, u, a).Seed == sa.Seed {
		t.Error("another --seed gives the tenant the same seed")
	}
	if got := TenantSpec(base, TenantUsers{}, a).Users; got != base.Users {
		t.Errorf("users with no range = %d, want the base's %d", got, base.Users)
	}
	seen := map[int]bool{}
	for i := range 400 {
		s := TenantSpec(base, u, generator.DefaultDomain+string(rune('a'+i%26))+string(rune('a'+i/26)))
		if s.Users < u.Min || s.Users > u.Max {
			t.Fatalf("users = %d, want within %d-%d", s.Users, u.Min, u.Max)
		}
		seen[s.Users] = true
	}
	if !seen[u.Min] || !seen[u.Max] || len(seen) != 11 {
		t.Errorf("users drawn over 400 tenants: %d distinct values (min %v, max %v), want all 11 of 50-60, bounds included", len(seen), seen[u.Min], seen[u.Max])
	}
}

func TestTenantUsers(t *testing.T) {
	base := generator.DefaultSpec(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC))
	cases := []struct {
		in      string
		want    TenantUsers
		wantErr bool
	}{
		{"", TenantUsers{}, false},
		{"50-500", TenantUsers{50, 500}, false},
		{"7", TenantUsers{7, 7}, false},
		{"1-1000000", TenantUsers{1, 1_000_000}, true}, // too many calls at the base intensity
		{"0-5", TenantUsers{0, 5}, true},
		{"9-3", TenantUsers{9, 3}, true},
		{"a-b", TenantUsers{}, true},
		{"5-", TenantUsers{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTenantUsers(tc.in)
			if err == nil {
				err = got.Validate(base)
			}
			var fe *generator.FieldError
			if (err != nil) != tc.wantErr || (err != nil && !errors.As(err, &fe)) {
				t.Fatalf("ParseTenantUsers(%q) then Validate = %v, want error %v (a FieldError)", tc.in, err, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Errorf("ParseTenantUsers(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestTenantGeneratorIsDeterministic(t *testing.T) {
	base := generator.DefaultSpec(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC))
	base.Users, base.WindowDays = 20, 60
	gen := TenantGenerator(base, TenantUsers{10, 30})
	a1, err := gen(context.Background(), "tenant-a")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := gen(context.Background(), "tenant-a")
	b, _ := gen(context.Background(), "tenant-b")
	if a1.Version != a2.Version || !cmp.Equal(a1.Source.Summary(), a2.Source.Summary()) {
		t.Errorf("two builds of one tenant: %s %+v and %s %+v", a1.Version, a1.Source.Summary(), a2.Version, a2.Source.Summary())
	}
	if a1.Version == b.Version {
		t.Errorf("two tenants share version %s", a1.Version)
	}
}
