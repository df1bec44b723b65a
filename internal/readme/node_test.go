package readme_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/dialoutkit/dialoutkit/server"
	"github.com/dialoutkit/dialoutkit/server/mocktest"
)

// TestNodeSnippet runs the README's Node snippet, as written, against an
// in-process mock with a small page size (so it pages), and checks what it
// prints against the same report read here: the entries and the spend per
// currency. It needs node 18 or later (for fetch) and is skipped, saying
// why, without it.
func TestNodeSnippet(t *testing.T) {
	node := nodeWithFetch(t)
	const pageSize = 100
	m := mocktest.New(t, mocktest.WithConfig(func(c *server.Config) { c.PageSize = pageSize }))
	stdout := runNode(t, node, readmeBlock(t, "node-dashboard"), t.TempDir(), "GRAPH_BASE="+m.URL)

	// The range the script asked for is in the journal: read it here too.
	sent := m.Requests(server.JournalFilter{Path: "getPstnOnlineMeetingDialoutReport"})
	if len(sent) == 0 {
		t.Fatalf("the script sent no report request; it printed:\n%s", stdout)
	}
	for _, r := range sent {
		if r.Status != http.StatusOK {
			t.Errorf("the script's request %s was answered %d, want 200", r.Path, r.Status)
		}
	}
	rows, spend := readReport(t, m, m.URL+sent[0].Path)
	if want := (len(rows) + pageSize - 1) / pageSize; len(sent) != max(want, 1) {
		t.Errorf("the script sent %d requests for %d entries, want %d (every page once)", len(sent), len(rows), want)
	}
	var want strings.Builder
	fmt.Fprintf(&want, "%d entries\n", len(rows))
	currencies := make([]string, 0, len(spend))
	for c := range spend {
		currencies = append(currencies, c)
	}
	slices.Sort(currencies)
	for _, c := range currencies {
		fmt.Fprintf(&want, "%s %s\n", c, spend[c].StringFixed(2))
	}
	if diff := cmp.Diff(want.String(), stdout); diff != "" {
		t.Errorf("the Node snippet printed (-want +got):\n%s", diff)
	}
}

// TestNodeClassicClientSnippet runs the README's snippet for the classic
// Graph JS client the way the README says to: over HTTPS, the mock's
// certificate trusted through NODE_EXTRA_CA_CERTS, and checks that it pages
// the whole report with its token sent. The client is an npm package this
// module does not carry: set DIALOUTKIT_NODE_MODULES to a node_modules
// folder holding @microsoft/microsoft-graph-client to run it.
func TestNodeClassicClientSnippet(t *testing.T) {
	node := nodeWithFetch(t)
	modules := os.Getenv("DIALOUTKIT_NODE_MODULES")
	if modules == "" {
		t.Skip("DIALOUTKIT_NODE_MODULES is not set: the README's classic-client snippet was not run (it needs npm's @microsoft/microsoft-graph-client)")
	}
	if _, err := os.Stat(filepath.Join(modules, "@microsoft", "microsoft-graph-client")); err != nil {
		t.Fatalf("DIALOUTKIT_NODE_MODULES=%s holds no @microsoft/microsoft-graph-client: %v", modules, err)
	}
	dir := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}

	const pageSize = 100
	m := mocktest.New(t, mocktest.WithConfig(func(c *server.Config) { c.PageSize = pageSize }))
	ts := httptest.NewTLSServer(m.Server) // the same mock, over HTTPS
	t.Cleanup(ts.Close)
	ca := filepath.Join(dir, "ca.pem")
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(ca, pemCert, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout := runNode(t, node, readmeBlock(t, "node-classic-client"), dir, "GRAPH_BASE="+ts.URL, "NODE_EXTRA_CA_CERTS="+ca)

	sent := m.Requests(server.JournalFilter{Path: "getPstnOnlineMeetingDialoutReport"})
	if len(sent) == 0 {
		t.Fatalf("the snippet sent no report request; it printed:\n%s", stdout)
	}
	rows, _ := readReport(t, m, m.URL+sent[0].Path)
	if want := fmt.Sprintf("%d entries\n", len(rows)); stdout != want {
		t.Errorf("the classic-client snippet printed %q, want %q", stdout, want)
	}
	if want := (len(rows) + pageSize - 1) / pageSize; len(sent) != max(want, 1) {
		t.Errorf("the snippet sent %d report requests for %d entries, want %d (every page once)", len(sent), len(rows), want)
	}
	for _, r := range sent {
		if r.Status != http.StatusOK || r.Headers["Authorization"] != "Bearer" {
			t.Errorf("%s: status %d, Authorization %q; want 200 and a bearer token sent", r.Path, r.Status, r.Headers["Authorization"])
		}
	}
}

// nodeWithFetch returns the path of node, skipping the test, with the
// reason, when there is none or it is older than 18 (no fetch).
func nodeWithFetch(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: the README's Node snippets were not run")
	}
	if out, err := exec.Command(node, "-e", "process.exit(typeof fetch === 'function' ? 0 : 1)").CombinedOutput(); err != nil {
		t.Skipf("this node has no fetch (node 18 or later is needed): the README's Node snippets were not run: %v %s", err, out)
	}
	return node
}

// runNode writes a README block to dir as an ES module and runs it with
// node and the extra environment, returning what it printed on stdout.
func runNode(t *testing.T, node string, b block, dir string, env ...string) string {
	t.Helper()
	if b.lang != "js" {
		t.Errorf("README.md block is %q, want js", b.lang)
	}
	script := filepath.Join(dir, "snippet.mjs")
	if err := os.WriteFile(script, []byte(b.text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s", filepath.Base(script), err, stderr.String())
	}
	return stdout.String()
}

// readReport pages the report at url to its end and returns its entries'
// keys and the exact spend per currency.
func readReport(tb testing.TB, m *mocktest.Server, url string) ([]string, map[string]decimal.Decimal) {
	tb.Helper()
	var keys []string
	spend := map[string]decimal.Decimal{}
	for url != "" {
		resp, err := m.Client().Get(url)
		if err != nil {
			tb.Fatal(err)
		}
		var page struct {
			NextLink string `json:"@odata.nextLink"`
			Value    []struct {
				UserID, UsageLocation, DestinationContext, Currency string
				TotalCallCharge                                     decimal.Decimal
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			tb.Fatalf("GET %s = %d, %v; want 200 and a page", url, resp.StatusCode, err)
		}
		for _, e := range page.Value {
			keys = append(keys, e.UserID+e.UsageLocation+e.DestinationContext+e.Currency)
			spend[e.Currency] = spend[e.Currency].Add(e.TotalCallCharge)
		}
		url = page.NextLink
	}
	return keys, spend
}
