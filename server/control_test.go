package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/fixtures"
)

const october = fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"

func send(t testing.TB, method, url string, body []byte, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

// tinyScenario has one user and one call on 2026-10-05.
const tinyScenario = `{"users":[{"id":"11111111-2222-4333-8444-555555555555","userPrincipalName":"solo@contoso.com","displayName":"Solo","usageLocation":"NL"}],
 "calls":[{"id":"aaaaaaaa-0000-4000-8000-000000000001","organizerId":"11111111-2222-4333-8444-555555555555","startDateTime":"2026-10-05T10:00:00Z","duration":61,"destinationContext":"Domestic","charge":"0.07","connectionCharge":0,"currency":"EUR"}]}`

func TestPutDatasetSwapsAndBadUploadsKeepTheOld(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	before := get(t, ts.URL+october)

	refused, err := fixtures.RefusedScenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range refused {
		t.Run(c.Name, func(t *testing.T) {
			r := send(t, http.MethodPut, ts.URL+"/_mock/dataset", []byte(c.Doc))
			checkEnvelope(t, r, 400, "BadRequest")
			var e struct {
				Error struct {
					Details []ErrorDetail `json:"details"`
				} `json:"error"`
			}
			json.Unmarshal(r.body, &e)
			found := false
			for _, d := range e.Error.Details {
				found = found || d.Target == c.Pointer && strings.Contains(d.Message, c.Reason)
			}
			if !found {
				t.Errorf("details = %+v, want one at %q saying %q", e.Error.Details, c.Pointer, c.Reason)
			}
			if after := get(t, ts.URL+october); !bytes.Equal(after.body, before.body) {
				t.Errorf("after a refused upload the report changed:\n%s", after.body)
			}
		})
	}

	r := send(t, http.MethodPut, ts.URL+"/_mock/dataset?name=tiny", []byte(tinyScenario))
	if r.status != 200 {
		t.Fatalf("PUT tiny = %d %s", r.status, r.body)
	}
	p := decodePage(t, get(t, ts.URL+october))
	if len(p.Value) != 1 || p.Value[0].UserPrincipalName != "solo@contoso.com" || string(p.Value[0].TotalCallCharge) != "0.07" {
		t.Errorf("after PUT the report = %+v, want the tiny scenario's one row", p.Value)
	}
	if r := send(t, http.MethodPost, ts.URL+"/_mock/reset", nil); r.status != 200 {
		t.Fatalf("reset = %d", r.status)
	}
	if after := get(t, ts.URL+october); !bytes.Equal(after.body, before.body) {
		t.Error("reset did not restore the startup dataset")
	}
}

func TestPutGeneratorParameters(t *testing.T) {
	var got json.RawMessage
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Generate: func(ctx context.Context, params json.RawMessage) (Dataset, error) {
		got = params
		if strings.Contains(string(params), "bad") {
			return Dataset{}, errors.New("users: want a number")
		}
		return scenarioDataset(t, "edges"), nil
	}})
	if r := send(t, http.MethodPut, ts.URL+"/_mock/dataset", []byte(`{"generator":{"seed":7}}`)); r.status != 200 {
		t.Errorf("PUT generator = %d %s", r.status, r.body)
	}
	if string(got) != `{"seed":7}` {
		t.Errorf("Generate got %s, want the generator object", got)
	}
	r := send(t, http.MethodPut, ts.URL+"/_mock/dataset", []byte(`{"generator":{"users":"bad"}}`))
	e := checkEnvelope(t, r, 400, "BadRequest")
	if !strings.Contains(*e.Error.Message, "users") {
		t.Errorf("message = %q, want it to name the field", *e.Error.Message)
	}
}

func TestJournal(t *testing.T) {
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{JournalSize: 3})
	get(t, ts.URL+october, "Authorization", "Bearer secret-token-value", "client-request-id", "c-1")
	get(t, ts.URL+"/nowhere")
	send(t, http.MethodGet, ts.URL+october, nil) // no token: 401
	send(t, http.MethodGet, ts.URL+"/_mock/health", nil)

	var all []JournalEntry
	r := send(t, http.MethodGet, ts.URL+"/_mock/requests", nil)
	if err := json.Unmarshal(r.body, &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("journal has %d entries, want 3 (control requests are not journaled): %s", len(all), r.body)
	}
	if all[0].Headers["Authorization"] != "Bearer" || strings.Contains(string(r.body), "secret-token-value") {
		t.Errorf("Authorization journaled as %q; the token must never appear", all[0].Headers["Authorization"])
	}
	if all[0].Headers["Client-Request-Id"] != "c-1" || all[0].Status != 200 || all[0].Method != "GET" || !strings.HasPrefix(all[0].Path, fnPath) {
		t.Errorf("first entry = %+v", all[0])
	}
	if all[1].Status != 404 || all[2].Status != 401 {
		t.Errorf("statuses = %d, %d; want 404, 401 newest last", all[1].Status, all[2].Status)
	}

	// The ring keeps the newest.
	get(t, ts.URL+"/again")
	if j := s.Journal(JournalFilter{}); len(j) != 3 || j[2].Path != "/again" || j[0].Status != 404 {
		t.Errorf("after a 4th request the journal = %+v, want the 3 newest", j)
	}
	if j := s.Journal(JournalFilter{Status: 401}); len(j) != 1 {
		t.Errorf("?status=401 gives %d entries, want 1", len(j))
	}
	var byPath []JournalEntry
	json.Unmarshal(send(t, http.MethodGet, ts.URL+"/_mock/requests?path=again", nil).body, &byPath)
	if len(byPath) != 1 {
		t.Errorf("?path=again gives %d entries, want 1", len(byPath))
	}
	checkEnvelope(t, send(t, http.MethodGet, ts.URL+"/_mock/requests?status=abc", nil), 400, "BadRequest")
	if r := send(t, http.MethodDelete, ts.URL+"/_mock/requests", nil); r.status != 204 {
		t.Errorf("DELETE = %d", r.status)
	}
	if j := s.Journal(JournalFilter{}); len(j) != 0 {
		t.Errorf("after DELETE the journal has %d entries", len(j))
	}
}

func queueFault(t *testing.T, base, body string) {
	t.Helper()
	if r := send(t, http.MethodPost, base+"/_mock/faults", []byte(body)); r.status != 201 {
		t.Fatalf("POST /_mock/faults %s = %d %s", body, r.status, r.body)
	}
}

func TestFaults(t *testing.T) {
	statuses := []struct {
		status     int
		code       string
		retryAfter string
	}{
		{401, "InvalidAuthenticationToken", ""},
		{403, "Forbidden", ""},
		{429, "TooManyRequests", "3"},
		{500, "InternalServerError", ""},
		{503, "ServiceUnavailable", "3"},
		{504, "GatewayTimeout", ""},
	}
	for _, st := range statuses {
		t.Run(fmt.Sprint(st.status), func(t *testing.T) {
			s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
			queueFault(t, ts.URL, fmt.Sprintf(`{"path":"getPstn","times":2,"status":%d,"retryAfter":3}`, st.status))
			for i := 0; i < 2; i++ {
				r := get(t, ts.URL+october)
				checkEnvelope(t, r, st.status, st.code)
				if got := r.header.Get("Retry-After"); got != st.retryAfter {
					t.Errorf("Retry-After = %q, want %q", got, st.retryAfter)
				}
			}
			if r := get(t, ts.URL+october); r.status != 200 {
				t.Errorf("third request = %d, want 200 once the fault is used up", r.status)
			}
			if j := s.Journal(JournalFilter{Status: st.status}); len(j) != 2 || j[0].Fault != fmt.Sprint(st.status) {
				t.Errorf("journal of faults = %+v", j)
			}
		})
	}

	t.Run("only page 2 of matching paths", func(t *testing.T) {
		_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2})
		queueFault(t, ts.URL, `{"path":"toDateTime=2026-10-31","times":1,"status":503,"page":2}`)
		get(t, ts.URL+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-30)?$skip=2") // other path: untouched
		first := decodePage(t, get(t, ts.URL+october))
		checkEnvelope(t, get(t, first.NextLink), 503, "ServiceUnavailable")
		if r := get(t, first.NextLink); r.status != 200 {
			t.Errorf("page 2 again = %d, want 200", r.status)
		}
	})

	t.Run("delay", func(t *testing.T) {
		s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
		queueFault(t, ts.URL, `{"times":1,"delayMs":150}`)
		if r := get(t, ts.URL+october); r.status != 200 {
			t.Errorf("delayed request = %d, want 200", r.status)
		}
		if j := s.Journal(JournalFilter{}); len(j) != 1 || j[0].DurationMs < 150 {
			t.Errorf("journal = %+v, want one entry of at least 150 ms", j)
		}
	})

	t.Run("drop", func(t *testing.T) {
		s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
		queueFault(t, ts.URL, `{"times":1,"drop":true}`)
		req, _ := http.NewRequest(http.MethodGet, ts.URL+october, nil)
		req.Header.Set("Authorization", "Bearer x")
		// A fresh connection: on a reused one, Go's transport would retry
		// the GET by itself and hide the drop.
		resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("dropped request answered %d, want a closed connection", resp.StatusCode)
		}
		if r := get(t, ts.URL+october); r.status != 200 {
			t.Errorf("next request = %d, want 200", r.status)
		}
		if j := s.Journal(JournalFilter{}); len(j) != 2 || j[0].Fault != "drop" {
			t.Errorf("journal = %+v, want the drop then the 200", j)
		}
	})

	t.Run("never on the control API; list and clear", func(t *testing.T) {
		_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
		queueFault(t, ts.URL, `{"times":5,"status":500}`)
		if r := send(t, http.MethodGet, ts.URL+"/_mock/dataset", nil); r.status != 200 {
			t.Errorf("/_mock/dataset = %d, want 200 despite a fault for every path", r.status)
		}
		var listed []QueuedFault
		json.Unmarshal(send(t, http.MethodGet, ts.URL+"/_mock/faults", nil).body, &listed)
		if len(listed) != 1 || listed[0].Remaining != 5 {
			t.Errorf("GET /_mock/faults = %+v", listed)
		}
		send(t, http.MethodDelete, ts.URL+"/_mock/faults", nil)
		if r := get(t, ts.URL+october); r.status != 200 {
			t.Errorf("after DELETE = %d, want 200", r.status)
		}
	})

	t.Run("refused faults name the field", func(t *testing.T) {
		_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
		for body, field := range map[string]string{
			`{"status":429}`:                     "times",
			`{"times":1,"status":418}`:           "status",
			`{"times":1}`:                        "status",
			`{"times":1,"status":500,"x":1}`:     "unknown field",
			`{"times":1,"delayMs":-5}`:           "delayMs",
			`{"times":1,"status":429,"page":-1}`: "page",
			`not json`:                           "JSON",
		} {
			e := checkEnvelope(t, send(t, http.MethodPost, ts.URL+"/_mock/faults", []byte(body)), 400, "BadRequest")
			if !strings.Contains(*e.Error.Message, field) {
				t.Errorf("POST %s: message %q, want it to name %q", body, *e.Error.Message, field)
			}
		}
	})
}

func TestChaosIsSeeded(t *testing.T) {
	statuses := func() []int {
		_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Chaos: Chaos{Seed: 9, FaultRate: 0.5}})
		var out []int
		for i := 0; i < 40; i++ {
			out = append(out, get(t, ts.URL+october).status)
		}
		return out
	}
	a, b := statuses(), statuses()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("two servers with the same seed fault differently:\n%v\n%v", a, b)
	}
	faults := 0
	for _, st := range a {
		switch st {
		case 200:
		case 429, 500, 503, 504:
			faults++
		default:
			t.Errorf("status %d is not a chaos fault", st)
		}
	}
	if faults < 8 || faults > 32 {
		t.Errorf("%d of 40 requests faulted at rate 0.5", faults)
	}
}

func TestThrottleGraphLimits(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Throttle: GraphLimits(), Now: clock})
	app := jwt(map[string]any{"roles": []string{"CallRecords.Read.All"}, "appid": "app-1", "tid": "t-1"})
	other := jwt(map[string]any{"roles": []string{"CallRecords.Read.All"}, "appid": "app-2", "tid": "t-1"})

	// 200 requests over 59 s, spread over 5 reports so no collection passes 50.
	for i := 0; i < 200; i++ {
		url := fmt.Sprintf("%s%s(fromDateTime=2026-10-0%d,toDateTime=2026-10-31)", ts.URL, fnPath, 1+i%5)
		if r := get(t, url, "Authorization", "Bearer "+app); r.status != 200 {
			t.Fatalf("request %d = %d, want 200: %s", i+1, r.status, r.body)
		}
		if i%4 == 3 {
			advance(time.Second * 59 / 50)
		}
	}
	r := get(t, ts.URL+october, "Authorization", "Bearer "+app)
	checkEnvelope(t, r, 429, "TooManyRequests")
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q, want seconds", ra)
	}
	if r := get(t, ts.URL+october, "Authorization", "Bearer "+other); r.status != 200 {
		t.Errorf("another app = %d, want 200: the limit is per app", r.status)
	}

	// Coming back before Retry-After: 429 again, marked in the journal.
	advance(500 * time.Millisecond)
	checkEnvelope(t, get(t, ts.URL+october, "Authorization", "Bearer "+app), 429, "TooManyRequests")
	j := s.Journal(JournalFilter{Status: 429})
	if len(j) != 2 || j[0].Violation != "" || !strings.Contains(j[1].Violation, "before Retry-After") {
		t.Errorf("journal of 429s = %+v, want the second marked as a violation", j)
	}
	advance(time.Minute)
	if r := get(t, ts.URL+october, "Authorization", "Bearer "+app); r.status != 200 {
		t.Errorf("after the window = %d, want 200", r.status)
	}
}

func TestThrottlePerCollectionAndCustom(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Throttle: GraphLimits(), Now: func() time.Time { return now }})
	for i := 0; i < 50; i++ {
		if r := get(t, ts.URL+october); r.status != 200 {
			t.Fatalf("request %d = %d", i+1, r.status)
		}
	}
	checkEnvelope(t, get(t, ts.URL+october), 429, "TooManyRequests")

	limits, err := ParseThrottle("3/10s")
	if err != nil {
		t.Fatal(err)
	}
	_, ts2 := newTestServer(t, scenarioDataset(t, "edges"), Config{Throttle: limits, Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		get(t, ts2.URL+october)
	}
	r := get(t, ts2.URL+october)
	checkEnvelope(t, r, 429, "TooManyRequests")
	if r.header.Get("Retry-After") != "10" {
		t.Errorf("Retry-After = %q, want 10", r.header.Get("Retry-After"))
	}
	for _, bad := range []string{"x", "0/1s", "5/", "5/0s", "5/forever"} {
		if _, err := ParseThrottle(bad); err == nil {
			t.Errorf("ParseThrottle(%q) = nil error", bad)
		}
	}
}

func TestAdminKey(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{AdminKey: "s3cret-admin"})
	if r := send(t, http.MethodGet, ts.URL+"/_mock/health", nil); r.status != 200 {
		t.Errorf("health without key = %d, want 200 (probes)", r.status)
	}
	for _, key := range []string{"", "wrong", "S3CRET-ADMIN", "s3cret-admin-and-more"} {
		r := send(t, http.MethodGet, ts.URL+"/_mock/requests", nil, "X-Admin-Key", key)
		e := checkEnvelope(t, r, 401, "Unauthorized")
		if strings.Contains(string(r.body), "s3cret") {
			t.Errorf("the key leaks into the error: %s", r.body)
		}
		_ = e
	}
	if r := send(t, http.MethodPost, ts.URL+"/_mock/reset", nil, "X-Admin-Key", "s3cret-admin"); r.status != 200 {
		t.Errorf("reset with key = %d", r.status)
	}
	// The Graph function does not need it.
	if r := get(t, ts.URL+october); r.status != 200 {
		t.Errorf("report = %d", r.status)
	}
	var j []JournalEntry
	json.Unmarshal(send(t, http.MethodGet, ts.URL+"/_mock/requests", nil, "X-Admin-Key", "s3cret-admin").body, &j)
	for _, e := range j {
		if e.Headers["X-Admin-Key"] != "" && e.Headers["X-Admin-Key"] != "[redacted]" {
			t.Errorf("journal keeps the admin key: %+v", e)
		}
	}
}

func TestCallsExport(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	r := send(t, http.MethodGet, ts.URL+"/_mock/calls?from=2026-10-01&to=2026-10-31", nil)
	if ct := r.header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type = %q", ct)
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	for sc.Scan() {
		var c struct {
			ID            string `json:"id"`
			UsageLocation string `json:"usageLocation"`
			EndDateTime   string `json:"endDateTime"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if c.UsageLocation == "" || c.EndDateTime == "" {
			t.Errorf("line %s: want usageLocation and endDateTime filled in", sc.Text())
		}
		ids = append(ids, c.ID[len(c.ID)-2:])
	}
	// By start time (ids end in the call's number, in hex); 4 (before) and 6
	// (after) are out; 14 (0e) starts at 08:00Z.
	if got, want := strings.Join(ids, " "), "01 09 0a 0b 07 08 0c 0e 0d 0f 02 03 05"; got != want {
		t.Errorf("calls in October = %s, want %s", got, want)
	}
	// A raw + in an offset is not a space.
	r = send(t, http.MethodGet, ts.URL+"/_mock/calls?from=2026-10-13T10:00:00+02:00&to=2026-10-13T10:00:00+02:00&format=csv", nil)
	rec, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil || len(rec) != 2 || rec[0][0] != "id" || !strings.HasSuffix(rec[1][0], "0e") {
		t.Errorf("CSV = %q (%v), want the header and call 14", rec, err)
	}
	checkEnvelope(t, send(t, http.MethodGet, ts.URL+"/_mock/calls?from=yesterday", nil), 400, "BadRequest")
	checkEnvelope(t, send(t, http.MethodGet, ts.URL+"/_mock/calls?format=xml", nil), 400, "BadRequest")
}

// TestCallsExportRoundTrip: a dataset with a user without a call (edges'
// idle user) exported with GET /_mock/calls and loaded back with PUT
// /_mock/dataset is the same dataset: the same summary (version included),
// the same users and the same report rows. A range's export lists calls
// only.
func TestCallsExportRoundTrip(t *testing.T) {
	doc, err := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	if err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, scenarioDataset(t, "rows-1"), Config{PageSize: 4})
	if r := send(t, http.MethodPut, ts.URL+"/_mock/dataset?name=edges.json", doc); r.status != 200 {
		t.Fatalf("PUT edges.json = %d %s", r.status, r.body)
	}
	type state struct {
		Summary datasetSummary
		Export  string
		Rows    []row
	}
	read := func() state {
		var st state
		if err := json.Unmarshal(send(t, http.MethodGet, ts.URL+"/_mock/dataset", nil).body, &st.Summary); err != nil {
			t.Fatal(err)
		}
		st.Summary.Name = "" // the file's name
		st.Export = string(send(t, http.MethodGet, ts.URL+"/_mock/calls?format=jsonl", nil).body)
		st.Rows, _ = walk(t, ts.URL+fnPath+"(fromDateTime=2026-09-01,toDateTime=2026-11-29)")
		return st
	}
	before := read()
	if before.Summary.Users != 6 || !strings.Contains(before.Export, `{"organizerId":"e8f9a0b1-c2d3-4e4f-a5b6-c7d8e9f0a106","userPrincipalName":"idle.user@contoso.com","userDisplayName":"Idle User","userUsageLocation":"GB"}`+"\n") {
		t.Fatalf("edges: %d users, export\n%s\nwant 6 users, the idle one on a user line", before.Summary.Users, before.Export)
	}
	if r := send(t, http.MethodPut, ts.URL+"/_mock/dataset?name=back.jsonl", []byte(before.Export)); r.status != 200 {
		t.Fatalf("PUT the export back = %d %s", r.status, r.body)
	}
	if diff := cmp.Diff(before, read()); diff != "" {
		t.Errorf("after the round trip (-before +after):\n%s", diff)
	}
	if r := send(t, http.MethodGet, ts.URL+"/_mock/calls?from=2026-09-01", nil); bytes.Contains(r.body, []byte("idle.user")) {
		t.Errorf("a range's export names the idle user:\n%s", r.body)
	}
}

// TestCallsCSVRoundTrip: GET /_mock/calls?format=csv keeps its first 15
// columns and adds the organizer's identity and the call log fields, and
// loads back with PUT /_mock/dataset as the same dataset: summary, every
// call's fields, the report and the call log.
func TestCallsCSVRoundTrip(t *testing.T) {
	ds, err := smallTenants(nil)(context.Background(), tidA) // every call type, with the call log fields
	if err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, ds, Config{})
	// Served from its own JSON Lines, the dataset has a version of its content.
	lines := send(t, http.MethodGet, ts.URL+"/_mock/calls", nil).body
	if r := send(t, http.MethodPut, ts.URL+"/_mock/dataset?name=mixed.jsonl", lines); r.status != 200 {
		t.Fatalf("PUT mixed.jsonl = %d %s", r.status, r.body)
	}
	type state struct {
		Summary         datasetSummary
		Lines, Log, Rep string
	}
	read := func() state {
		var st state
		if err := json.Unmarshal(send(t, http.MethodGet, ts.URL+"/_mock/dataset", nil).body, &st.Summary); err != nil {
			t.Fatal(err)
		}
		st.Summary.Name = ""
		st.Lines = string(send(t, http.MethodGet, ts.URL+"/_mock/calls", nil).body)
		st.Log = string(get(t, ts.URL+logPath+septemberToOctober).body)
		st.Rep = string(get(t, ts.URL+fnPath+septemberToOctober).body)
		return st
	}
	before := read()
	export := send(t, http.MethodGet, ts.URL+"/_mock/calls?format=csv", nil).body
	rec, err := csv.NewReader(bytes.NewReader(export)).ReadAll()
	if calls := ds.Source.Summary().Calls; err != nil || len(rec) != calls+1 {
		t.Fatalf("CSV of %d calls = %d records (%v), want a header and a row a call", calls, len(rec), err)
	}
	old := "id organizerId startDateTime endDateTime duration destinationContext charge connectionCharge currency usageLocation dialerId calleeNumber destinationName conferenceId licenseCapability"
	if got := strings.Join(rec[0][:15], " "); got != old || len(rec[0]) <= 15 || !slices.Contains(rec[0], "callerNumber") {
		t.Errorf("CSV header = %q, want the old 15 columns first (%s), then the call log fields", rec[0], old)
	}
	if r := send(t, http.MethodPut, ts.URL+"/_mock/dataset?name=mixed.csv", export); r.status != 200 {
		t.Fatalf("PUT the CSV back = %d %s", r.status, r.body)
	}
	if diff := cmp.Diff(before, read()); diff != "" {
		t.Errorf("after the CSV round trip (-before +after):\n%s", diff)
	}
}

// TestSwapWhilePaging pages through two datasets while another goroutine
// swaps them: a page never mixes them, and a nextLink chain either finishes
// inside one dataset or is refused as stale.
func TestSwapWhilePaging(t *testing.T) {
	edges, err := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	if err != nil {
		t.Fatal(err)
	}
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			doc := edges
			if i%2 == 0 {
				doc = []byte(tinyScenario)
			}
			if _, err := s.LoadScenario("swap", doc); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var complete, stale int
	for i := 0; i < 200; i++ {
		link := ts.URL + october
		var users = map[string]bool{}
		for link != "" {
			r := get(t, link)
			if r.status == 400 && strings.Contains(string(r.body), "changed") {
				stale++
				break
			}
			p := decodePage(t, r)
			for _, row := range p.Value {
				users[row.UserPrincipalName] = true
			}
			link = p.NextLink
			if link == "" {
				complete++
			}
		}
		if users["solo@contoso.com"] && len(users) > 1 {
			t.Fatalf("one walk saw rows of both datasets: %v", users)
		}
	}
	close(stop)
	wg.Wait()
	if complete == 0 {
		t.Error("no walk completed")
	}
	t.Logf("%d walks completed, %d refused as stale", complete, stale)
}

func TestJournalKeepsLongPaths(t *testing.T) {
	s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2})
	first := decodePage(t, get(t, ts.URL+"/beta/communications/callRecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01T00%3A00%3A00Z,toDateTime=2026-10-31T00%3A00%3A00Z)?$count=true"))
	get(t, first.NextLink)
	j := s.Journal(JournalFilter{Path: "$skip=2"})
	if len(j) != 1 || !strings.HasSuffix(j[0].Path, "$skiptoken=test-edges") {
		t.Errorf("journal of the second page = %+v, want its whole path", j)
	}
}
