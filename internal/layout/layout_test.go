package layout

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

const mod = "github.com/dialoutkit/dialoutkit"

// allowed lists, for each package (its path in the module), the packages of
// ours it may import. Imports point one way, from the binaries down to the
// domain: cmd/* → server/mocktest → server → internal/dataset → generator →
// report. A package listed here that does not exist (yet) is skipped; a
// package that exists and is not listed fails the test.
var allowed = map[string][]string{
	// The domain and the data: nothing of ours.
	"report":   {},
	"schemas":  {},
	"fixtures": {},
	// The generator writes the domain's types.
	"generator": {"report"},
	// The identity-platform stand-in and the throw-away CA stand alone.
	"identity": {},
	"devcert":  {},
	// Shared helpers of the CLIs and of messages; golden, layout, testkeys
	// and binarytest (running the real dialoutmock) are for tests only.
	"internal/cli":        {},
	"internal/clip":       {},
	"internal/golden":     {},
	"internal/layout":     {},
	"internal/readme":     {},
	"internal/testkeys":   {},
	"internal/binarytest": {},
	// Building and writing datasets: from a generator spec or scenario bytes.
	"internal/dataset": {"report", "generator", "schemas", "internal/clip"},
	// The Graph application and the control API.
	"server":          {"report", "schemas", "generator", "identity", "internal/dataset", "internal/clip"},
	"server/mocktest": {"server", "report", "generator", "fixtures", "identity", "internal/dataset"},
	// The kit tests any server at a URL, the real Graph included: it knows
	// nothing of the server side.
	"conformance":                 {"schemas"},
	"conformance/conformancetest": {"conformance"},
}

// wiring is the prefix of the packages that may import anything: the
// programs wire the others together.
const wiring = "cmd/"

// forbidden lists what else a package must not depend on, directly or not
// (import path prefixes). The domain and the generator know nothing of HTTP;
// the kit and its CLI leave package testing to conformancetest.
var forbidden = map[string][]string{
	"report":             {"net/http", "github.com/labstack/echo"},
	"generator":          {"net/http", "github.com/labstack/echo"},
	"conformance":        {"testing"},
	"identity":           {"github.com/labstack/echo"},
	"devcert":            {"net/http"},
	"cmd/dialoutconform": {"testing"},
}

// testOnly lists the packages only tests may import.
var testOnly = []string{"internal/golden", "internal/testkeys", "internal/binarytest"}

// thirdParty lists the only modules of others a package may depend on,
// where that matters: the kit stays light for its users' tests.
var thirdParty = map[string][]string{
	"conformance": {"github.com/xeipuuv/gojsonschema", "github.com/xeipuuv/gojsonpointer", "github.com/xeipuuv/gojsonreference"},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// list asks the go command for every package of the module with its
// imports and dependencies. It fails on an import cycle.
func list(t *testing.T) []pkg {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to list imports: %v", err)
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", mod+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages, want the whole module", len(pkgs))
	}
	return pkgs
}

// ours returns the module-relative path of an import path of ours.
func ours(path string) (string, bool) {
	rel, ok := strings.CutPrefix(path, mod+"/")
	return rel, ok
}

// standard reports whether path is of the standard library: its first
// element has no dot.
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func TestImportDirection(t *testing.T) {
	pkgs := list(t)
	seen := map[string]bool{}
	for _, p := range pkgs {
		rel, _ := ours(p.ImportPath)
		seen[rel] = true
		t.Run(rel, func(t *testing.T) {
			rule, listed := allowed[rel]
			if !listed && !strings.HasPrefix(rel, wiring) {
				t.Fatalf("package %s is not in the table of internal/layout: say which of our packages it may import", rel)
			}
			for _, imp := range p.Imports {
				dep, isOurs := ours(imp)
				if isOurs && listed && !slices.Contains(rule, dep) {
					t.Errorf("%s imports %s; the layout allows %v", rel, dep, rule)
				}
			}
			for _, dep := range p.Deps {
				for _, f := range forbidden[rel] {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%s depends on %s; the layout forbids %s", rel, dep, f)
					}
				}
				if keep, ok := thirdParty[rel]; ok && !standard(dep) {
					if _, isOurs := ours(dep); !isOurs && !slices.Contains(keep, dep) {
						t.Errorf("%s depends on %s; of other modules it may use only %v", rel, dep, keep)
					}
				}
				for _, only := range testOnly {
					if dep == mod+"/"+only {
						t.Errorf("%s depends on %s, which only tests may import", rel, only)
					}
				}
			}
		})
	}
	for rel := range allowed {
		if !seen[rel] {
			t.Logf("%s: not in the module (yet); its rule is kept for when it is", rel)
		}
	}
}

// TestTableHasNoCycle: the table itself points one way, so no two rules can
// ever let packages import each other.
func TestTableHasNoCycle(t *testing.T) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(p string, path []string)
	visit = func(p string, path []string) {
		switch state[p] {
		case visiting:
			t.Errorf("the table allows a cycle: %s", strings.Join(append(path, p), " → "))
			return
		case done:
			return
		}
		state[p] = visiting
		for _, q := range allowed[p] {
			if _, ok := allowed[q]; !ok {
				t.Errorf("%s may import %s, which has no rule", p, q)
				continue
			}
			visit(q, append(path, p))
		}
		state[p] = done
	}
	for p := range allowed {
		visit(p, nil)
	}
}
