package identity

// The fuzz target for the token readers; CI fuzzes it for a bounded time
// (see server/fuzz_test.go for the others):
//
//	go test ./identity -run '^$' -fuzz '^FuzzInspectJWT$' -fuzztime 15s -fuzzminimizetime 2s
//
// A crash leaves its input in testdata/fuzz/FuzzInspectJWT/; commit it with
// the fix so the seeds replay it on every `go test`.

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzInspectJWT(f *testing.F) {
	a, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	minted, err := a.Mint("CallRecords.Read.All")
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(minted, ".")
	for _, tok := range []string{
		minted,
		parts[0] + "." + parts[1] + ".",
		parts[0] + "." + parts[1] + "." + parts[2] + "x",
		"eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJDYWxsUmVjb3Jkcy5SZWFkLkFsbCJdfQ.",            // alg none, the role
		"eyJhbGciOiJIUzI1NiJ9.eyJzY3AiOiJDYWxsUmVjb3Jkcy5SZWFkLkFsbCJ9.c2ln",             // delegated
		"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln",                                         // expired
		"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjFlMzA4LCJuYmYiOi0xZTMwOCwicm9sZXMiOm51bGx9.c2ln", // exp 1e308
		"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlcyI6ImEiLCJhdWQiOltbW1tbXV1dXV1dfQ.c2ln",           // roles of the wrong type
		"eyJhbGciOiJIUzI1NiJ9==.eyJyb2xlcyI6W119==.c2ln",                                 // padded
		"opaque-token", "a.b.c", "..", "....", "a.b.c.d.e", "", "\x00.\x00.\x00", strings.Repeat(".", 4096),
	} {
		f.Add(tok)
	}
	now := time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)
	strict := []error{ErrTokenNotJWS, ErrTokenMalformed, ErrTokenSignature, ErrTokenExpired,
		ErrTokenNotYetValid, ErrTokenAudience, ErrTokenIssuer, ErrForbidden}
	f.Fuzz(func(t *testing.T, token string) {
		if _, err := (Lenient{}).Verify(token, now); err != nil && err != ErrTokenExpired && err != ErrForbidden {
			t.Fatalf("lenient check = %v, want nil, expired or forbidden", err)
		}
		_, err := a.Verify(token, now)
		known := err == nil
		for _, s := range strict {
			known = known || errors.Is(err, s)
		}
		if !known {
			t.Fatalf("strict check = %v, want nil or one of the ErrToken errors or ErrForbidden", err)
		}
	})
}
