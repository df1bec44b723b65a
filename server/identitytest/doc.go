// Package identitytest runs real Microsoft identity libraries against the
// mock: Go's azidentity gets a token from the mock's token endpoint over
// HTTPS and pages through the report with it, in strict auth mode, over
// HTTP/2 negotiated by ALPN; Node's fetch, which speaks HTTP/1.1 only over
// TLS, fetches a page too (when node is installed).
//
// It is a module of its own so that azidentity, the SDK and their
// dependencies stay out of the dialoutkit module, which users import in
// their tests. The SDK's models package is large: the first build of this
// module takes about ten minutes on two cores; later ones come from the
// build cache. Run it with
//
//	cd server/identitytest && go vet ./... && go test -race -count=1 ./...
package identitytest
