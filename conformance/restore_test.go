package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// notedRun runs cfg and returns the report, the notices given before the first check and those
// given after it started, and Run's error.
func notedRun(t *testing.T, cfg conformance.Config) (rep *conformance.Report, before, after string, err error) {
	t.Helper()
	var events []string
	cfg.Progress = func(e conformance.Event) {
		if e.Index == 1 && e.Result == nil {
			events = append(events, "first check")
		}
	}
	cfg.Notice = func(s string) { events = append(events, s) }
	rep, err = conformance.Run(context.Background(), cfg)
	first := slices.Index(events, "first check")
	if first < 0 {
		t.Fatalf("Run = %v: no check started; notices %q", err, events)
	}
	return rep, strings.Join(events[:first], "\n"), strings.Join(events[first+1:], "\n"), err
}

// privateTemp points the kit's temporary files at a directory of the test's own, to see them gone.
func privateTemp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return dir
}

func wantEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) > 0 {
		t.Errorf("temporary files after the run = %q, want none: the kit removes its copy", names)
	}
}

func wantSays(t *testing.T, when, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("the notices %s do not say %q:\n%s", when, want, text)
		}
	}
}

// datasetOf reads GET /_mock/dataset.
func datasetOf(t *testing.T, cfg conformance.Config) (sum struct {
	Version, Name string
	Users, Calls  int
}) {
	t.Helper()
	if err := json.Unmarshal(mockCall(t, cfg, http.MethodGet, "/_mock/dataset", "", 200), &sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestRestoresTheFoundDatasetExactly: on a mock that loads JSON Lines, the dataset the run found
// comes back as the very version it was, from the copy of GET /_mock/calls?arrived=all the kit
// took before its first check, even under a name whose extension names another format.
func TestRestoresTheFoundDatasetExactly(t *testing.T) {
	tests := []struct {
		name, path string
		wantName   string // the name the dataset comes back under
		say        []string
	}{
		{"the user's scenario", "/_mock/dataset?name=mine", "scenario mine", nil},
		{"named after another format", "/_mock/dataset?name=mine.json", "scenario mine.json.jsonl",
			[]string{`It goes in under the name "mine.json.jsonl", as the mock tells an upload's format by its name's extension first.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := privateTemp(t)
			f := newFake(breaks{})
			f.lines = linesLoaded
			cfg := serve(t, f, conformance.ProfileMock)
			mockCall(t, cfg, http.MethodPut, tt.path, userScenario(), 200)
			mockCall(t, cfg, http.MethodPost, "/_mock/faults", `{"path":"getPstnOnlineMeetingDialoutReport","times":2,"status":503,"retryAfter":1}`, 201)
			found := datasetOf(t, cfg)
			callsBefore := mockCall(t, cfg, http.MethodGet, "/_mock/calls", "", 200)
			n := len(f.requests)

			rep, before, after, err := notedRun(t, cfg)
			if err != nil || !rep.Passed() {
				t.Fatalf("Run = %v, Passed() = %v:%s", err, rep.Passed(), describe(rep, conformance.Fail))
			}
			if got := datasetOf(t, cfg); got.Version != found.Version || got.Users != 6 || got.Calls != 18 || got.Name != tt.wantName {
				t.Errorf("GET /_mock/dataset after the run = %+v, want version %s, 6 users, 18 calls, name %q", got, found.Version, tt.wantName)
			}
			if got := mockCall(t, cfg, http.MethodGet, "/_mock/calls", "", 200); !bytes.Equal(got, callsBefore) {
				t.Errorf("GET /_mock/calls after the run:\n%s\nwant the user's ledger:\n%s", got, callsBefore)
			}
			wantSays(t, "before the first check", before, append([]string{
				"the kit loads back the copy of its 18 calls it took now (GET /_mock/calls?arrived=all, every call, arrived or not;",
				"with PUT /_mock/dataset as JSON Lines, and checks that the mock serves version " + found.Version + " again (a generated dataset",
				"the journal it cannot put back",
				"A mock that refuses JSON Lines uploads (one older than them) gets a copy rebuilt as a scenario document instead"}, tt.say...)...)
			wantSays(t, "after the last check", after,
				"Put back the dataset it found exactly: the mock serves version "+found.Version+" again (PUT /_mock/dataset of its JSON Lines copy, 18 calls)",
				"Queued again the 1 fault")
			if strings.Contains(after, "rebuilt") {
				t.Errorf("the notices after the last check speak of a rebuilt copy:\n%s", after)
			}

			// The copy was taken with ?arrived=all before the first change, and went back as JSON Lines.
			var copied, loaded bool
			for _, r := range f.requests[n:] {
				switch {
				case r.method == http.MethodGet && r.uri == "/_mock/calls?arrived=all":
					copied = true
				case r.method == http.MethodPut && r.header.Get("Content-Type") == "application/x-ndjson":
					loaded = true
				case r.method != http.MethodGet && !copied:
					t.Errorf("%s %s came before the copy of the dataset", r.method, r.uri)
				}
			}
			if !copied || !loaded {
				t.Errorf("GET /_mock/calls?arrived=all sent: %v, PUT of application/x-ndjson sent: %v; want both", copied, loaded)
			}
			wantEmpty(t, tmp)
		})
	}
}

// TestRestoreSaysWhatJSONLinesLeavesOut: a user without a call is not in the lines, so the copy
// cannot be the same version; the kit says so before its first check and after its last.
func TestRestoreSaysWhatJSONLinesLeavesOut(t *testing.T) {
	tmp := privateTemp(t)
	f := newFake(breaks{})
	f.lines = linesLoaded
	cfg := serve(t, f, conformance.ProfileMock)
	lonely := `{"id":"7d0c3e2a-7d41-4f6e-8a9b-000000000099","userPrincipalName":"quiet@fabrikam.com","displayName":"Quiet","usageLocation":"SE"},`
	mockCall(t, cfg, http.MethodPut, "/_mock/dataset?name=mine", strings.Replace(userScenario(), `"users":[`, `"users":[`+lonely, 1), 200)
	found := datasetOf(t, cfg)
	cfg.Run = []string{"DR-ENV-001", "DR-LEDGER-014"}

	rep, before, after, err := notedRun(t, cfg)
	if err != nil || !rep.Passed() {
		t.Fatalf("Run = %v, Passed() = %v:%s", err, rep.Passed(), describe(rep, conformance.Fail))
	}
	got := datasetOf(t, cfg)
	wantSays(t, "before the first check", before, "DR-LEDGER-014 changes the mock's state: it loads datasets")
	if got.Version == found.Version || got.Users != 6 || got.Calls != 18 {
		t.Errorf("GET /_mock/dataset after the run = %+v, want a new version with the 6 users that have calls and 18 calls", got)
	}
	wantSays(t, "before the first check", before,
		"That version cannot come back: 1 of its 7 users has no call, and JSON Lines carries a user only on the user's calls, so the copy leaves that user out.")
	wantSays(t, "after the last check", after,
		"Put back a copy of the dataset it found (version "+found.Version+") from its JSON Lines copy, under version "+got.Version+
			": the dataset it found had 7 users and the copy has 6: JSON Lines carries a user only on the user's calls, so the one without a call is left out.")
	wantEmpty(t, tmp)
}

// TestRestoreFallsBackWithoutJSONLinesUploads: a mock that cannot load JSON Lines gets the scenario
// document rebuilt from the copy, and the kit says why.
func TestRestoreFallsBackWithoutJSONLinesUploads(t *testing.T) {
	tests := []struct {
		name         string
		lines        linesMode
		ndjsonStatus int
		wantWhy      string
		wantFrom     string // what the copy is rebuilt from
		wantLinesPut bool
	}{
		{"older mock: lines without the organizer", linesNone, 0,
			"GET /_mock/calls did not name the organizers (the mock predates JSON Lines uploads).", "GET /_mock/calls and the report", false},
		{"lines read as a scenario document", linesWritten, 0,
			"PUT /_mock/dataset refused the JSON Lines copy (HTTP 400: scenario: json: unknown field", "GET /_mock/calls", true},
		{"a gateway refuses the type", linesWritten, http.StatusUnsupportedMediaType,
			"PUT /_mock/dataset refused the JSON Lines copy (HTTP 415: Not a type this gateway takes.), as a mock without JSON Lines uploads does.", "GET /_mock/calls", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := privateTemp(t)
			f := newFake(breaks{})
			f.lines, f.ndjsonStatus = tt.lines, tt.ndjsonStatus
			cfg := serve(t, f, conformance.ProfileMock)
			mockCall(t, cfg, http.MethodPut, "/_mock/dataset?name=mine", userScenario(), 200)
			found := datasetOf(t, cfg)
			callsBefore := mockCall(t, cfg, http.MethodGet, "/_mock/calls", "", 200)
			n := len(f.requests)

			rep, before, after, err := notedRun(t, cfg)
			if err != nil || !rep.Passed() {
				t.Fatalf("Run = %v, Passed() = %v:%s", err, rep.Passed(), describe(rep, conformance.Fail))
			}
			got := datasetOf(t, cfg)
			if got.Name != "scenario mine" || got.Users != 6 || got.Calls != 18 {
				t.Errorf("GET /_mock/dataset after the run = %+v, want the user's scenario mine, 6 users, 18 calls", got)
			}
			if got := mockCall(t, cfg, http.MethodGet, "/_mock/calls", "", 200); !bytes.Equal(got, callsBefore) {
				t.Errorf("GET /_mock/calls after the run:\n%s\nwant the user's ledger:\n%s", got, callsBefore)
			}
			wantSays(t, "before the first check", before, "a copy rebuilt")
			wantSays(t, "after the last check", after, tt.wantWhy,
				"Put back a copy of the dataset it found (version "+found.Version+"), rebuilt from "+tt.wantFrom+": version "+got.Version+
					", the same calls and report under a new dataset version.")
			linesPut := slices.ContainsFunc(f.requests[n:], func(r fakeRequest) bool {
				return r.method == http.MethodPut && r.header.Get("Content-Type") == "application/x-ndjson"
			})
			if linesPut != tt.wantLinesPut {
				t.Errorf("a PUT of JSON Lines sent: %v, want %v", linesPut, tt.wantLinesPut)
			}
			wantEmpty(t, tmp)
		})
	}
}

// TestRestoreWithoutACopy: a dataset too large to copy, or whose copy does not hold every call the
// mock counts, cannot be put back; the kit says so before its first check, and Run returns
// ErrNotRestored.
func TestRestoreWithoutACopy(t *testing.T) {
	tests := []struct {
		name         string
		summaryCalls int
		want         string
		wantCopy     bool // GET /_mock/calls?arrived=all sent
	}{
		{"too many calls to copy", 1_500_000, "the kit cannot put it back: its 1500000 calls take more than the 256 MiB the kit copies (the mock's default --max-body).", false},
		{"the copy lacks calls", 19, "the kit cannot put it back: GET /_mock/calls?arrived=all gave 18 calls where GET /_mock/dataset counts 19.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := privateTemp(t)
			f := newFake(breaks{})
			f.lines = linesLoaded
			cfg := serve(t, f, conformance.ProfileMock)
			mockCall(t, cfg, http.MethodPut, "/_mock/dataset?name=mine", userScenario(), 200)
			f.summaryCalls = tt.summaryCalls
			n := len(f.requests)

			rep, before, after, err := notedRun(t, cfg)
			if rep == nil || !errors.Is(err, conformance.ErrNotRestored) {
				t.Fatalf("Run = %v, %v; want a report and ErrNotRestored", rep, err)
			}
			wantSays(t, "before the first check", before, tt.want)
			wantSays(t, "after the last check", after, "Could not put back what the run changed", "and the kit has no copy of it")
			copied := slices.ContainsFunc(f.requests[n:], func(r fakeRequest) bool { return r.uri == "/_mock/calls?arrived=all" })
			if copied != tt.wantCopy {
				t.Errorf("GET /_mock/calls?arrived=all sent: %v, want %v", copied, tt.wantCopy)
			}
			wantEmpty(t, tmp)
		})
	}
}
