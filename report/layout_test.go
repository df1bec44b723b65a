package report

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the package layout true (STYLE: Layout): the
// domain and the generator know nothing of HTTP, and the conformance kit
// imports nothing from the server side, so it can test the real Graph.
// It lives here, at the bottom of the import graph, and asks the go command.
func TestImportDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to list imports: %v", err)
	}
	const mod = "github.com/dialoutkit/dialoutkit/"
	cases := []struct {
		pkg       string
		forbidden []string // import path prefixes
	}{
		{"report", []string{"net/http", "github.com/labstack/echo", mod}},
		{"schemas", []string{mod}},
		{"generator", []string{"net/http", "github.com/labstack/echo", mod + "server", mod + "conformance", mod + "fixtures"}},
		{"conformance", []string{mod + "server", mod + "generator", mod + "report", mod + "fixtures", mod + "identity", mod + "devcert", "github.com/labstack/echo", "github.com/shopspring/decimal", "github.com/brianvoe/gofakeit", "github.com/golang-jwt/jwt"}},
		{"server", []string{mod + "generator", mod + "conformance", mod + "cmd", mod + "devcert"}},
		// The identity platform and the certificates know nothing of the
		// rest: the server mounts identity, the program wires devcert.
		{"identity", []string{mod, "github.com/labstack/echo"}},
		{"devcert", []string{mod, "net/http"}},
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", mod+c.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", c.pkg, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if dep == mod+c.pkg {
					continue
				}
				for _, f := range c.forbidden {
					if dep == strings.TrimSuffix(f, "/") || strings.HasPrefix(dep, f) {
						t.Errorf("%s depends on %s; the layout forbids %s", c.pkg, dep, f)
					}
				}
			}
		})
	}
}
