package schemas_test

import "flag"

// The -update flag rewrites golden files (go test ./... -update). This
// package has none; it accepts the flag so that the command works on ./...
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
