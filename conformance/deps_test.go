package conformance_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports keeps the kit independent of the server side (docs/contract.md#conformance-kit) and of package testing: it may
// import the standard library, gojsonschema (with its two helpers) and package schemas, nothing else.
func TestImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	allowed := []string{
		"github.com/dialoutkit/dialoutkit/conformance",
		"github.com/dialoutkit/dialoutkit/schemas",
		"github.com/xeipuuv/gojsonschema",
		"github.com/xeipuuv/gojsonpointer",
		"github.com/xeipuuv/gojsonreference",
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "github.com/dialoutkit/dialoutkit/conformance").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if !slices.Contains(allowed, p) {
			t.Errorf("package conformance depends on %s", p)
		}
	}
	out, err = exec.Command("go", "list", "-deps", "github.com/dialoutkit/dialoutkit/conformance", "github.com/dialoutkit/dialoutkit/cmd/dialoutconform").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if slices.Contains(strings.Fields(string(out)), "testing") {
		t.Error("package conformance or dialoutconform imports testing: keep it in conformancetest")
	}
}
