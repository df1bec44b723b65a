// Package testkeys holds what the identity tests of several packages are
// written against: two RSA keys made once a test binary, a fixed instant,
// and the credentials of two apps. Only tests import it (internal/layout
// checks); it imports nothing of ours, so package identity's own tests can
// use it.
package testkeys

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"time"
)

// keys are made on first use: generating a 2048-bit key takes long under
// -race, and every test can share the same two.
var keys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var ks [2]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		ks[i] = k
	}
	return ks
})

// Keys returns two 2048-bit RSA keys, the same on every call: an
// authority's and a stranger's.
func Keys() [2]*rsa.PrivateKey { return keys() }

// Now returns the instant identity tests are written at.
func Now() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

// The credentials of the tests' two apps: the reader has the report's role,
// the other app has not.
const (
	ReaderID     = "6731de76-14a6-49ae-97bc-6eba6914391e"
	ReaderSecret = "r3ader~Secret.With-Symbols_"
	ReaderName   = "Billing dashboard"
	ReaderRole   = "CallRecords.Read.All"

	OtherID     = "0a0b0c0d-1e1f-4a4b-8c8d-9e9f0a0b0c0d"
	OtherSecret = "other-secret"
	OtherRole   = "User.Read.All"
)
