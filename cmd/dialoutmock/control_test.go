package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/internal/binarytest"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
)

// control sends a control API request to the mock at base.
var control = binarytest.Control

func datasetVersion(tb testing.TB, base string) string {
	tb.Helper()
	_, b := control(tb, http.MethodGet, base+"/_mock/health", "")
	var h struct {
		DatasetVersion string `json:"datasetVersion"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		tb.Fatalf("health %s: %v", b, err)
	}
	return h.DatasetVersion
}

// TestResetSupersedesASlowerPut: a PUT of a 50,000-user generator, then a
// reset while it builds: the reset stands, whatever the build does, and the
// PUT is answered 409 Conflict (issue 11, item 6). The reset is sent once
// the mock logs that the build started, so the PUT surely came first.
func TestResetSupersedesASlowerPut(t *testing.T) {
	p := startBinary(t, "--users", "5")
	startup := datasetVersion(t, p.base)
	type answer struct {
		status int
		body   []byte
	}
	put := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPut, p.base+"/_mock/dataset", strings.NewReader(`{"generator":{"users":50000}}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			put <- answer{body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		put <- answer{resp.StatusCode, b}
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(p.stderr.String(), "dataset build started"); {
		if time.Now().After(deadline) {
			t.Fatalf("the mock did not log that the build started\n%s", p.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status, b := control(t, http.MethodPost, p.base+"/_mock/reset", ""); status != http.StatusOK {
		t.Fatalf("reset = %d %s", status, b)
	}
	a := <-put
	if a.status != http.StatusConflict || !strings.Contains(string(a.body), `"code":"Conflict"`) {
		t.Errorf("superseded PUT = %d %s, want 409 Conflict", a.status, a.body)
	}
	if got := datasetVersion(t, p.base); got != startup {
		t.Errorf("after PUT then reset, health version = %s, want the startup dataset's %s", got, startup)
	}
}

// TestGeneratorPutIsBounded: generator parameters of PUT /_mock/dataset are
// refused past dataset.MaxBuildCalls expected calls, before any building,
// and the dataset serving stays (issue 11, item 7).
func TestGeneratorPutIsBounded(t *testing.T) {
	base := startMock(t, nil, "--window-end", "2026-11-01", "--users", "5")
	before := datasetVersion(t, base)
	// 300,000 users × 10 calls per 30 days × 365 days is about 36.5 M calls.
	status, b := control(t, http.MethodPut, base+"/_mock/dataset", `{"generator":{"users":300000}}`)
	if status != http.StatusBadRequest || !strings.Contains(string(b), fmt.Sprint(dataset.MaxBuildCalls)) {
		t.Errorf("PUT of 36.5 M expected calls = %d %s, want 400 naming the bound %d", status, b, dataset.MaxBuildCalls)
	}
	if got := datasetVersion(t, base); got != before {
		t.Errorf("after a refused PUT, version = %s, want %s", got, before)
	}
}

// TestHelpStatesTheControlAPI: -h lists the control API, says that dataset
// changes take effect in order, and states the bound of a build.
func TestHelpStatesTheControlAPI(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"dialoutmock", "-h"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Fatalf("run -h = %v, want nil", err)
	}
	for _, want := range []string{"PUT  /_mock/dataset", "POST /_mock/reset", "/_mock/faults", "answered 409",
		"One build runs at a time", fmt.Sprint(dataset.MaxBuildCalls), "256 MiB"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("usage does not say %q:\n%s", want, stderr.String())
		}
	}
}

// TestScenarioUploadMessages: a refused scenario upload names the field with
// the call's index and the real reason, and quotes a charge as written
// (issue 11, item 12).
func TestScenarioUploadMessages(t *testing.T) {
	base := startMock(t, nil, "--window-end", "2026-11-01", "--users", "5")
	two := strings.Replace(fixtures.TinyScenario(`1`), `"calls":[`, `"calls":[{"id":"aaaaaaaa-0000-4000-8000-000000000002","organizerId":"11111111-2222-4333-8444-555555555555","startDateTime":"2026-10-05T11:00:00Z","duration":5,"destinationContext":"Domestic","charge":0,"connectionCharge":0,"currency":"EUR"},`, 1)
	tests := []struct {
		name, doc, target, message string
	}{
		{"duration 61.0", strings.Replace(two, `"duration":61`, `"duration":61.0`, 1), "/calls/1/duration", "want an integer, got JSON number 61.0"},
		{"charge 10^20", fixtures.TinyScenario(`100000000000000000000`), "/calls/0/charge", "100000000000000000000: is too large"},
		{"charge 1e30", fixtures.TinyScenario(`1e30`), "/calls/0/charge", "1000000000000000000000000000000: is too large"}, // exact, never float-rounded
		{"string charge 10^20", fixtures.TinyScenario(`"100000000000000000000"`), "/calls/0/charge", "100000000000000000000: is too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, b := control(t, http.MethodPut, base+"/_mock/dataset", tt.doc)
			var e struct {
				Error struct {
					Details []struct{ Message, Target string } `json:"details"`
				} `json:"error"`
			}
			json.Unmarshal(b, &e)
			if status != http.StatusBadRequest || len(e.Error.Details) != 1 ||
				e.Error.Details[0].Target != tt.target || !strings.Contains(e.Error.Details[0].Message, tt.message) {
				t.Errorf("PUT = %d %s, want 400 with one detail at %s saying %q", status, b, tt.target, tt.message)
			}
		})
	}
}

// TestCallsIEEE754Quoted: Accept's IEEE754Compatible="true", quoted as a
// media type parameter may be, gets decimals as strings (issue 11, item 12).
func TestCallsIEEE754Quoted(t *testing.T) {
	base := startMock(t, nil, "--window-end", "2026-11-01", "--users", "5")
	req, _ := http.NewRequest(http.MethodGet, base+fn+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", nil)
	req.Header.Set("Authorization", "Bearer any")
	req.Header.Set("Accept", `application/json;IEEE754Compatible="true"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "IEEE754Compatible=true") {
		t.Errorf("Content-Type = %q, want IEEE754Compatible=true", ct)
	}
}
