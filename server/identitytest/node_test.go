package identitytest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fetchPage is the Node program of TestNodeFetchIsServedOverHTTP1: one page
// with the token it is given, through Node's own fetch (undici, which
// speaks HTTP/1.1 only over TLS), trusting the mock's CA by
// NODE_EXTRA_CA_CERTS as the README tells Node users.
const fetchPage = `
const [url, token] = process.argv.slice(2);
const resp = await fetch(url, { headers: { Authorization: "Bearer " + token } });
const body = await resp.json();
console.log(JSON.stringify({ status: resp.status, rows: (body.value || []).length, next: !!body["@odata.nextLink"] }));
`

// TestNodeFetchIsServedOverHTTP1: a client that speaks only HTTP/1.1 over
// TLS (Node's fetch) is still served by a mock that offers HTTP/2 first.
func TestNodeFetchIsServedOverHTTP1(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: Node's fetch over HTTP/1.1 is not tried")
	}
	var mu sync.Mutex
	var protos []string // of the report's requests
	base, client, caFile := startMockObserved(t, func(r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/beta/") {
			mu.Lock()
			protos = append(protos, r.Proto)
			mu.Unlock()
		}
	})
	token, err := graphToken(context.Background(), credential(t, base, client, "contoso.onmicrosoft.com", reader))
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	script := filepath.Join(t.TempDir(), "fetch.mjs")
	if err := os.WriteFile(script, []byte(fetchPage), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, base+fn+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", token)
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+caFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got struct {
		Status int  `json:"status"`
		Rows   int  `json:"rows"`
		Next   bool `json:"next"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}
	if got.Status != 200 || got.Rows != 2 || !got.Next {
		t.Errorf("Node's fetch of the first page = %+v, want status 200, 2 rows and a nextLink", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(protos) != 1 || protos[0] != "HTTP/1.1" {
		t.Errorf("Node's request arrived over %q, want one over HTTP/1.1", protos)
	}
}
