// Package identitytest runs real Microsoft identity libraries against the
// mock: Go's azidentity gets a token from the mock's token endpoint over
// HTTPS and pages through the report with it, in strict auth mode, over
// HTTP/2 negotiated by ALPN; Node's fetch, which speaks HTTP/1.1 only over
// TLS, fetches a page too (when node is installed).
//
// With the sdk build tag, the Go Graph SDKs (msgraph-beta-sdk-go and
// msgraph-sdk-go, for v1.0) page through the mock's call log with their own
// request builders, over HTTPS, with a token from the mock's token endpoint.
//
// It is a module of its own so that azidentity, the SDKs and their
// dependencies stay out of the dialoutkit module, which users import in
// their tests. The SDKs' models packages are large: the first build with
// the sdk tag takes about fifteen minutes on two cores; later ones come
// from the build cache. Run it with
//
//	cd server/identitytest && go vet ./... && go test -race -count=1 ./...
//	cd server/identitytest && go test -tags sdk -count=1 -run SDK ./...
package identitytest
