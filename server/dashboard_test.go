package server

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/report"
)

// TestDaily checks GET /_mock/daily against totals worked out by hand from
// fixtures/scenarios/edges.json: a day is the UTC date of startDateTime
// (2026-09-30T23:59:59Z and 2026-10-01T00:00:00Z are two days; 10:00+02:00
// is 08:00Z of the same day), a charge includes its connectionCharge, and
// only days with calls appear.
func TestDaily(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	cases := []struct {
		query string
		want  string
	}{
		{"?currency=BRL", `{"version":"test-edges","currencies":[{"currency":"BRL","calls":4,"seconds":580,"charge":13.79,"days":[` +
			`{"date":"2026-09-30","calls":1,"seconds":100,"charge":9.99},` +
			`{"date":"2026-10-01","calls":1,"seconds":60,"charge":1.30},` +
			`{"date":"2026-10-15","calls":1,"seconds":300,"charge":2.50},` +
			`{"date":"2026-10-20","calls":1,"seconds":120,"charge":0.00}]}]}`},
		{"?currency=EUR", `{"version":"test-edges","currencies":[{"currency":"EUR","calls":2,"seconds":55,"charge":5.11,"days":[` +
			`{"date":"2026-10-31","calls":2,"seconds":55,"charge":5.11}]}]}`},
		{"?currency=SEK", `{"version":"test-edges","currencies":[{"currency":"SEK","calls":3,"seconds":120,"charge":13.64,"days":[` +
			`{"date":"2026-10-13","calls":2,"seconds":100,"charge":13.44},` +
			`{"date":"2026-10-14","calls":1,"seconds":20,"charge":0.20}]}]}`},
		{"?currency=XXX", `{"version":"test-edges","currencies":[]}`},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := send(t, http.MethodGet, ts.URL+"/_mock/daily"+c.query, nil)
			if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET /_mock/daily%s = %d %q, want 200 application/json", c.query, r.status, r.header.Get("Content-Type"))
			}
			if got := strings.TrimSpace(string(r.body)); got != c.want {
				t.Errorf("GET /_mock/daily%s =\n%s\nwant\n%s", c.query, got, c.want)
			}
		})
	}

	var all daily
	if err := json.Unmarshal(send(t, http.MethodGet, ts.URL+"/_mock/daily", nil).body, &all); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, c := range all.Currencies {
		codes = append(codes, c.Currency)
	}
	if diff := cmp.Diff([]string{"BRL", "CAD", "CHF", "EUR", "JPY", "SEK", "USD"}, codes); diff != "" {
		t.Errorf("currencies of GET /_mock/daily (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"eur", "EURO", "E1R"} {
		checkEnvelope(t, send(t, http.MethodGet, ts.URL+"/_mock/daily?currency="+bad, nil), 400, "BadRequest")
	}
}

// TestDailyAddsUpToTheSummary: for every named scenario, each currency's
// days sum to its total in GET /_mock/dataset, and the days are distinct and
// in order.
func TestDailyAddsUpToTheSummary(t *testing.T) {
	entries, err := fs.ReadDir(fixtures.Scenarios, "scenarios")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		t.Run(name, func(t *testing.T) {
			ds := scenarioDataset(t, name)
			_, ts := newTestServer(t, ds, Config{})
			var d daily
			if err := json.Unmarshal(send(t, http.MethodGet, ts.URL+"/_mock/daily", nil).body, &d); err != nil {
				t.Fatal(err)
			}
			sum := ds.Source.Summary()
			if len(d.Currencies) != len(sum.Currencies) {
				t.Fatalf("%d currencies, want %d as in the summary", len(d.Currencies), len(sum.Currencies))
			}
			for i, c := range d.Currencies {
				want := sum.Currencies[i]
				var calls, seconds int64
				charge := report.Cents(0)
				for j, day := range c.Days {
					if j > 0 && day.Date <= c.Days[j-1].Date {
						t.Errorf("%s: day %s after %s, want distinct days in order", c.Currency, day.Date, c.Days[j-1].Date)
					}
					calls, seconds, charge = calls+day.Calls, seconds+day.Seconds, charge.Add(day.Charge)
				}
				if c.Currency != want.Currency || calls != want.Calls || seconds != want.Seconds || !charge.Equal(want.Charge) || !c.Charge.Equal(want.Charge) {
					t.Errorf("%s: days sum to %d calls, %d s, %s (total says %s), want %+v", c.Currency, calls, seconds, charge, c.Charge, want)
				}
			}
		})
	}
}

// TestDashboardFiles: the page is served without the admin key (it holds no
// data) under a strict Content-Security-Policy, while its data needs the key;
// every file it names is served; and it loads nothing from another origin and
// nothing inline, which the policy would block.
func TestDashboardFiles(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{AdminKey: "k3y"})
	r := send(t, http.MethodGet, ts.URL+"/_mock/ui/", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /_mock/ui/ = %d %q, want 200 text/html", r.status, r.header.Get("Content-Type"))
	}
	if got := r.header.Get("Content-Security-Policy"); got != dashboardCSP || !strings.Contains(got, "default-src 'none'") || strings.Contains(got, "unsafe") {
		t.Errorf("Content-Security-Policy = %q, want the strict policy", got)
	}
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	if r := send(t, http.MethodGet, ts.URL+"/_mock/daily", nil); r.status != 401 {
		t.Errorf("GET /_mock/daily without the key = %d, want 401", r.status)
	}
	if r := send(t, http.MethodGet, ts.URL+"/_mock/daily", nil, "X-Admin-Key", "k3y"); r.status != 200 {
		t.Errorf("GET /_mock/daily with the key = %d, want 200", r.status)
	}

	named := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(r.body), -1)
	if len(named) < 3 {
		t.Errorf("index.html names %d files, want its script, style and icon", len(named))
	}
	types := map[string]string{".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
	for _, m := range named {
		f := send(t, http.MethodGet, ts.URL+"/_mock/ui/"+m[1], nil)
		ext := m[1][strings.LastIndexByte(m[1], '.'):]
		if f.status != 200 || !strings.HasPrefix(f.header.Get("Content-Type"), types[ext]) {
			t.Errorf("GET /_mock/ui/%s = %d %q, want 200 %s", m[1], f.status, f.header.Get("Content-Type"), types[ext])
		}
	}

	for _, c := range []struct {
		path   string
		status int
	}{
		{"/_mock/ui", 301},
		{"/_mock/ui/index.html", 200},
		{"/_mock/ui/missing.js", 404},
		{"/_mock/ui/..%2fdashboard.go", 404},
	} {
		if r := send(t, http.MethodGet, ts.URL+c.path, nil); r.status != c.status {
			t.Errorf("GET %s = %d, want %d", c.path, r.status, c.status)
		}
	}

	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]|<style|\sstyle=|\son[a-z]+=|javascript:`)
	otherOrigin := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+`)
	err := fs.WalkDir(uiFiles, "ui", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(uiFiles, path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".html") {
			if m := inline.Find(b); m != nil {
				t.Errorf("%s has inline code or style %q, which the policy blocks", path, m)
			}
		}
		for _, m := range otherOrigin.FindAll(b, -1) {
			if s := string(m); s != "http://www.w3.org" { // the SVG namespace, a name and never fetched
				t.Errorf("%s names another origin %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTenantDaily: with many tenants, GET /_mock/tenants/{tid}/daily sums
// that tenant's ledger, an upload's or a generated one's, and GET
// /_mock/daily the default tenant's.
func TestTenantDaily(t *testing.T) {
	s, base := newMultiServer(t, Config{})
	if r := send(t, http.MethodPut, base+"/_mock/tenants/"+tidA+"/dataset?name=tiny", []byte(tinyScenario)); r.status != 200 {
		t.Fatalf("PUT tenant A's dataset = %d: %s", r.status, r.body)
	}
	var a datasetSummary
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/tenants/"+tidA+"/dataset", nil).body, &a)
	want := `{"version":"` + a.Version + `","currencies":[{"currency":"EUR","calls":1,"seconds":61,"charge":0.07,"days":[` +
		`{"date":"2026-10-05","calls":1,"seconds":61,"charge":0.07}]}]}`
	for _, q := range []string{"", "?currency=EUR"} {
		r := send(t, http.MethodGet, base+"/_mock/tenants/"+tidA+"/daily"+q, nil)
		if got := strings.TrimSpace(string(r.body)); r.status != 200 || got != want {
			t.Errorf("GET tenant A's daily%s = %d\n%s\nwant 200\n%s", q, r.status, got, want)
		}
	}

	// A generated tenant, built on first use: its days add up to its summary.
	var d daily
	if err := json.Unmarshal(send(t, http.MethodGet, base+"/_mock/tenants/"+tidB+"/daily", nil).body, &d); err != nil {
		t.Fatal(err)
	}
	var b datasetSummary
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/tenants/"+tidB+"/dataset", nil).body, &b)
	if d.Version != b.Version || len(d.Currencies) != len(b.Currencies) || len(d.Currencies) == 0 {
		t.Fatalf("tenant B's daily: version %s with %d currencies, want its summary's %s with %d", d.Version, len(d.Currencies), b.Version, len(b.Currencies))
	}
	for i, c := range d.Currencies {
		sum := report.Cents(0)
		for _, day := range c.Days {
			sum = sum.Add(day.Charge)
		}
		if w := b.Currencies[i]; c.Currency != w.Currency || c.Calls != w.Calls || !sum.Equal(w.Charge) {
			t.Errorf("tenant B's %s: %d calls, days sum to %s; want its summary's %s: %d calls, %s", c.Currency, c.Calls, sum, w.Currency, w.Calls, w.Charge)
		}
	}

	// The path without a tenant is the default tenant's.
	byDefault := send(t, http.MethodGet, base+"/_mock/tenants/"+s.DefaultTenant()+"/daily", nil)
	if plain := send(t, http.MethodGet, base+"/_mock/daily", nil); string(plain.body) != string(byDefault.body) || !strings.Contains(string(plain.body), `"test-edges`) {
		t.Errorf("GET /_mock/daily =\n%s\nwant the default tenant's (the edges scenario)\n%s", plain.body, byDefault.body)
	}
	checkEnvelope(t, send(t, http.MethodGet, base+"/_mock/tenants/no%20such/daily", nil), 400, "BadRequest")
	checkEnvelope(t, send(t, http.MethodGet, base+"/_mock/tenants/"+tidA+"/daily?currency=eur", nil), 400, "BadRequest")
}

// TestClearPerTenant: DELETE /_mock/faults?tenant= and DELETE
// /_mock/requests?tenant= clear one tenant's faults and journal entries
// (the dashboard's buttons with many tenants), leaving the others'.
func TestClearPerTenant(t *testing.T) {
	s, base := newMultiServer(t, Config{})
	for _, f := range []string{
		`{"times":5,"status":503,"tenant":"` + tidA + `"}`,
		`{"times":5,"status":429,"tenant":"` + tidB + `"}`,
		`{"times":5,"status":500,"path":"nothing/matches"}`,
	} {
		if r := send(t, http.MethodPost, base+"/_mock/faults", []byte(f)); r.status != 201 {
			t.Fatalf("queue %s = %d: %s", f, r.status, r.body)
		}
	}
	for _, tid := range []string{tidA, tidB, tidA} {
		get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer "+tokenOf(tid, "app"))
	}
	get(t, base+fnPath+septemberToOctober, "Authorization", "Bearer opaque")

	if r := send(t, http.MethodDelete, base+"/_mock/faults?tenant="+tidA, nil); r.status != 204 {
		t.Fatalf("DELETE /_mock/faults?tenant=A = %d, want 204", r.status)
	}
	var fs []QueuedFault
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/faults", nil).body, &fs)
	var left []string
	for _, f := range fs {
		left = append(left, fmt.Sprintf("%d %s", f.Status, f.Tenant))
	}
	if want := []string{"429 " + tidB, "500 "}; !cmp.Equal(left, want) {
		t.Errorf("faults after clearing tenant A's = %q, want %q", left, want)
	}

	if r := send(t, http.MethodDelete, base+"/_mock/requests?tenant="+tidA, nil); r.status != 204 {
		t.Fatalf("DELETE /_mock/requests?tenant=A = %d, want 204", r.status)
	}
	var j []JournalEntry
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/requests", nil).body, &j)
	var tenants []string
	for _, e := range j {
		tenants = append(tenants, e.Tenant)
	}
	if want := []string{tidB, s.DefaultTenant()}; !cmp.Equal(tenants, want) {
		t.Errorf("journal tenants after clearing tenant A's = %v, want %v", tenants, want)
	}

	// A domain names its tenant, as on the other tenant parameters.
	send(t, http.MethodDelete, base+"/_mock/requests?tenant=contoso.onmicrosoft.com", nil)
	json.Unmarshal(send(t, http.MethodGet, base+"/_mock/requests", nil).body, &j)
	if len(j) != 1 || j[0].Tenant != tidB {
		t.Errorf("journal after clearing contoso.onmicrosoft.com's = %+v, want tenant B's entry only", j)
	}
	// Without ?tenant= everything goes, as before.
	send(t, http.MethodDelete, base+"/_mock/faults", nil)
	send(t, http.MethodDelete, base+"/_mock/requests", nil)
	if f, r := send(t, http.MethodGet, base+"/_mock/faults", nil).body, send(t, http.MethodGet, base+"/_mock/requests", nil).body; strings.TrimSpace(string(f)) != "[]" || strings.TrimSpace(string(r)) != "[]" {
		t.Errorf("after DELETE without ?tenant= faults %s, journal %s; want both empty", f, r)
	}
}
