package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/fixtures"
)

// TestPutDatasetFormats: PUT /_mock/dataset reads each format, told apart by
// Content-Type, ?name= or content; GET /_mock/calls of a dataset, PUT back,
// is the same dataset (version, summary, report rows).
func TestPutDatasetFormats(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	summary := func(r response) map[string]any {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "name")
		return m
	}
	october := "/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	doc, _ := fixtures.Scenarios.ReadFile("scenarios/multi-currency.json")
	first := summary(send(t, http.MethodPut, ts.URL+"/_mock/dataset", doc, "Content-Type", "application/json"))
	rows := get(t, ts.URL+october).body

	lines := send(t, http.MethodGet, ts.URL+"/_mock/calls", nil)
	for _, l := range strings.Split(strings.TrimSpace(string(lines.body)), "\n") {
		if !strings.Contains(l, `"userPrincipalName":`) || !strings.Contains(l, `"userUsageLocation":`) {
			t.Errorf("line %s: want the organizer's identity", l)
		}
	}
	for _, tt := range []struct{ name, url, ct string }{
		{"Content-Type", "/_mock/dataset", "application/x-ndjson"},
		{"name", "/_mock/dataset?name=calls.jsonl", ""},
		{"content", "/_mock/dataset", "application/octet-stream"},
	} {
		t.Run("jsonl by "+tt.name, func(t *testing.T) {
			back := summary(send(t, http.MethodPut, ts.URL+tt.url, lines.body, "Content-Type", tt.ct))
			if diff := cmp.Diff(first, back); diff != "" {
				t.Errorf("summary after the round trip (-want +got):\n%s", diff)
			}
			if got := get(t, ts.URL+october).body; string(got) != string(rows) {
				t.Errorf("rows after the round trip = %s, want %s", got, rows)
			}
		})
	}

	export, err := os.ReadFile(filepath.Join("..", "internal", "dataset", "testdata", "pstn-export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s := summary(send(t, http.MethodPut, ts.URL+"/_mock/dataset", export, "Content-Type", "text/csv"))
	if s["calls"] != 13.0 || s["callTypes"] == nil {
		t.Errorf("summary of the export = %v, want 13 calls counted by type", s)
	}
	csv := send(t, http.MethodGet, ts.URL+"/_mock/calls?format=teams-csv", nil)
	if !strings.HasPrefix(string(csv.body), "UsageId,Call ID,") || csv.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("GET /_mock/calls?format=teams-csv = %s %.40q", csv.header.Get("Content-Type"), csv.body)
	}
}

// TestPutDatasetStopsAt100Problems: a small body of a million empty users
// is refused after its first 100 problems, with the count, and the old
// dataset keeps serving.
func TestPutDatasetStopsAt100Problems(t *testing.T) {
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	body := `{"users":[` + strings.Repeat("{},", 999_999) + `{}]}`
	r := send(t, http.MethodPut, ts.URL+"/_mock/dataset", []byte(body))
	var e struct {
		Error struct {
			Details []struct{ Message, Target string } `json:"details"`
		} `json:"error"`
	}
	json.Unmarshal(r.body, &e)
	if r.status != http.StatusBadRequest || len(e.Error.Details) != 101 ||
		!strings.Contains(e.Error.Details[100].Message, "100 problems found when loading stopped") {
		t.Fatalf("PUT a million empty users = %d with %d details, want 400 with 100 problems and the count", r.status, len(e.Error.Details))
	}
	if got := s.Dataset().Version; got != "test-edges" {
		t.Errorf("dataset after a refused upload = %s, want test-edges", got)
	}
	_, small := newTestServer(t, scenarioDataset(t, "edges"), Config{MaxBodyBytes: 1 << 20})
	r = send(t, http.MethodPut, small.URL+"/_mock/dataset", []byte(body))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT 3 MB past a 1 MiB limit = %d, want 413", r.status)
	}
}
