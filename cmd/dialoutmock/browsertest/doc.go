// Package browsertest drives the dashboard of the real dialoutmock binary in
// headless Chromium and checks what a person sees against the control API
// (docs/contract.md#dashboard); the screenshots of docs/img come from it
// with -update. It has no code outside its tests.
//
// It is a module of its own so that chromedp and its dependencies stay out
// of the dialoutkit module, which users import in their tests. Its tests
// build cmd/dialoutmock with the dialoutkit module's go.mod. Without a
// browser they fail, so that CI cannot pass them by accident; set
// DIALOUTKIT_NO_BROWSER=1 to skip them. Run it with
//
//	cd cmd/dialoutmock/browsertest && go vet ./... && go test -race -count=1 ./...
//	cd cmd/dialoutmock/browsertest && go test -run TestDashboard -update   # rewrites docs/img/dashboard-*.png
package browsertest
