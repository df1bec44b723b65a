package identity_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/dialoutkit/dialoutkit/identity"
)

// Mint a token strict mode accepts, and one it forbids; then sign claims the
// token endpoint never issues: an expired token.
func ExampleAuthority_Mint() {
	a, err := identity.New(identity.Config{})
	if err != nil {
		panic(err)
	}
	now := time.Now()
	for _, roles := range [][]string{{"CallRecords.Read.All"}, {"User.Read.All"}} {
		token, err := a.Mint(roles...)
		if err != nil {
			panic(err)
		}
		_, err = a.Verify(token, now)
		fmt.Println(roles, err)
	}

	cl, err := a.Claims(identity.DefaultApp(), identity.MintTenant)
	if err != nil {
		panic(err)
	}
	cl.Exp = identity.NewNumericDate(now.Add(-time.Hour))
	expired, err := a.Sign(cl)
	if err != nil {
		panic(err)
	}
	_, err = a.Verify(expired, now)
	fmt.Println(errors.Is(err, identity.ErrTokenExpired))
	// Output:
	// [CallRecords.Read.All] <nil>
	// [User.Read.All] identity: token does not grant the report's permission
	// true
}
