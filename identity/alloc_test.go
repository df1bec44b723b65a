package identity

import (
	"runtime"
	"strings"
	"testing"
)

// TestHostileTokensCostLittle: what reading a hostile token allocates stays
// a small multiple of its size, in strict and lenient mode alike (a token of
// dots once cost 16 times its size in strings).
func TestHostileTokensCostLittle(t *testing.T) {
	a := newTestAuthority(t)
	good, err := a.Mint("CallRecords.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	k100 := strings.Repeat("e", 100<<10)
	cases := []struct{ name, token string }{
		{"100 KB of dots", strings.Repeat(".", 100<<10)},
		{"100 KB without dots", k100},
		{"100 KB header", k100 + "." + parts[1] + "." + parts[2]},
		{"100 KB claims", parts[0] + "." + k100 + "." + parts[2]},
		{"100 KB signature", parts[0] + "." + parts[1] + "." + k100},
		{"100 KB after the signature", good + "." + k100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check := func() {
				a.Verify(c.token, identityNow)
				Lenient{}.Verify(c.token, identityNow)
			}
			check() // warm up
			const runs = 20
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range runs {
				check()
			}
			runtime.ReadMemStats(&after)
			perRun := (after.TotalAlloc - before.TotalAlloc) / runs
			if limit := uint64(2*len(c.token) + 64<<10); perRun > limit {
				t.Errorf("%d bytes allocated per check of a %d-byte token, want at most %d", perRun, len(c.token), limit)
			}
			t.Logf("%d bytes allocated per check of a %d-byte token", perRun, len(c.token))
		})
	}
}
