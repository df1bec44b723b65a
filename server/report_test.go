package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const fnPath = "/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport"

// edgesOctober is the report of fixtures/scenarios/edges.json over
// [2026-10-01T00:00:00Z, 2026-10-31T00:00:00Z], worked out by hand from the
// file: calls 4 and 6 fall just outside the range, calls 1 and 5 sit exactly
// on its ends.
var edgesOctober = []string{
	`{"userId":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","userPrincipalName":"ana.souza@contoso.com","userDisplayName":"Ana Souza","usageLocation":"BR","destinationContext":"Domestic","currency":"BRL","totalCalls":1,"totalCallSeconds":120,"totalCallCharge":0.00}`,
	`{"userId":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","userPrincipalName":"ana.souza@contoso.com","userDisplayName":"Ana Souza","usageLocation":"BR","destinationContext":"International","currency":"BRL","totalCalls":2,"totalCallSeconds":360,"totalCallCharge":3.80}`,
	`{"userId":"0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f05","userPrincipalName":"bob.smith@contoso.com","userDisplayName":"Bob Smith","usageLocation":"US","destinationContext":"Domestic","currency":"USD","totalCalls":2,"totalCallSeconds":300,"totalCallCharge":0.50}`,
	`{"userId":"0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f05","userPrincipalName":"bob.smith@contoso.com","userDisplayName":"Bob Smith","usageLocation":"US","destinationContext":"International","currency":"CAD","totalCalls":1,"totalCallSeconds":400,"totalCallCharge":1.30}`,
	`{"userId":"c7e1b2a3-5d64-4e8f-9a0b-1c2d3e4f5a03","userPrincipalName":"jurgen.muller@contoso.com","userDisplayName":"Jürgen Müller","usageLocation":"CH","destinationContext":"International","currency":"CHF","totalCalls":2,"totalCallSeconds":630,"totalCallCharge":3.41}`,
	`{"userId":"c7e1b2a3-5d64-4e8f-9a0b-1c2d3e4f5a03","userPrincipalName":"jurgen.muller@contoso.com","userDisplayName":"Jürgen Müller","usageLocation":"DE","destinationContext":"Domestic","currency":"EUR","totalCalls":1,"totalCallSeconds":45,"totalCallCharge":0.11}`,
	`{"userId":"5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c04","userPrincipalName":"taro.yamada@contoso.com","userDisplayName":"山田 太郎","usageLocation":"JP","destinationContext":"Domestic","currency":"JPY","totalCalls":1,"totalCallSeconds":1800,"totalCallCharge":540.00}`,
	`{"userId":"9b2d6a1e-7c44-4f0b-8e5a-2d1f0c9b7a02","userPrincipalName":"zoe.angstrom@contoso.com","userDisplayName":"Zoë Ångström","usageLocation":"SE","destinationContext":"Domestic","currency":"SEK","totalCalls":2,"totalCallSeconds":30,"totalCallCharge":0.30}`,
	`{"userId":"9b2d6a1e-7c44-4f0b-8e5a-2d1f0c9b7a02","userPrincipalName":"zoe.angstrom@contoso.com","userDisplayName":"Zoë Ångström","usageLocation":"SE","destinationContext":"International","currency":"SEK","totalCalls":1,"totalCallSeconds":90,"totalCallCharge":13.34}`,
}

func TestReportEdgesByHand(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	r := get(t, ts.URL+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)")
	want := `{"@odata.context":"` + ts.URL + `/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)",` +
		`"@odata.count":9,"value":[` + strings.Join(edgesOctober, ",") + `]}`
	if diff := cmp.Diff(want, string(r.body)); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

func TestURLFormsAgree(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	want := get(t, ts.URL+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)")
	if want.status != http.StatusOK {
		t.Fatalf("status %d: %s", want.status, want.body)
	}
	forms := map[string]string{
		"qualified (Kiota)":            "/beta/communications/callRecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
		"alias":                        "/beta/communications/callRecords/callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
		"lower-case names":             "/beta/communications/callrecords/getpstnonlinemeetingdialoutreport(fromdatetime=2026-10-01,todatetime=2026-10-31)",
		"upper-case names":             "/BETA/COMMUNICATIONS/CALLRECORDS/GETPSTNONLINEMEETINGDIALOUTREPORT(FROMDATETIME=2026-10-01,TODATETIME=2026-10-31)",
		"swapped parameters":           fnPath + "(toDateTime=2026-10-31,fromDateTime=2026-10-01)",
		"full, Z":                      fnPath + "(fromDateTime=2026-10-01T00:00:00Z,toDateTime=2026-10-31T00:00:00Z)",
		"Go SDK encoding":              "/beta/communications/callRecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01T00%3A00%3A00Z,toDateTime=2026-10-31T00%3A00%3A00Z)",
		"Kiota TS toISOString":         "/beta/communications/callRecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01T00%3A00%3A00.000Z,toDateTime=2026-10-31T00%3A00%3A00.000Z)",
		"7 fraction digits":            fnPath + "(fromDateTime=2026-10-01T00:00:00.0000000Z,toDateTime=2026-10-31T00:00:00.0000000Z)",
		"raw + offset (JS client)":     fnPath + "(fromDateTime=2026-10-01T02:00:00+02:00,toDateTime=2026-10-30T19:00:00-05:00)",
		"encoded + offset":             fnPath + "(fromDateTime=2026-10-01T02%3A00%3A00%2B02%3A00,toDateTime=2026-10-31T00%3A00%3A00Z)",
		"no seconds":                   fnPath + "(fromDateTime=2026-10-01T00:00Z,toDateTime=2026-10-31T00:00Z)",
		"$ as %24 in ignored options":  fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?%24count=true&$filter=x&$search=y",
		"$top larger than the report":  fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$top=50",
		"$skip=0":                      fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?%24skip=0",
		"other parameters are ignored": fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?api-version=1",
	}
	for name, path := range forms {
		t.Run(name, func(t *testing.T) {
			got := get(t, ts.URL+path)
			if got.status != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", got.status, got.body)
			}
			if diff := cmp.Diff(string(want.body), string(got.body)); diff != "" {
				t.Errorf("body differs from the docs' form (-docs +this):\n%s", diff)
			}
		})
	}
}

func TestFractionalBoundaries(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	// Call 6 starts at 2026-10-31T00:00:00.000000001Z; call 5 exactly at midnight.
	cases := []struct {
		to    string
		calls int64
	}{
		{"2026-10-31T00:00:00Z", 1},
		{"2026-10-31T00:00:00.000000001Z", 2},
		{"2026-10-30T23:59:59.9999999Z", 0},
	}
	for _, c := range cases {
		t.Run(c.to, func(t *testing.T) {
			p := decodePage(t, get(t, ts.URL+fnPath+"(fromDateTime=2026-10-30,toDateTime="+c.to+")"))
			var n int64
			for _, r := range p.Value {
				if r.Currency == "EUR" {
					n += r.TotalCalls
				}
			}
			if n != c.calls {
				t.Errorf("EUR calls up to %s = %d, want %d", c.to, n, c.calls)
			}
		})
	}
}

func TestPagingFollowsNextLinks(t *testing.T) {
	ds := scenarioDataset(t, "edges")
	_, ts := newTestServer(t, ds, Config{PageSize: 2})
	spelled := "/beta/communications/callrecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01T00%3A00%3A00Z,toDateTime=2026-10-31)"
	rows, pages := walk(t, ts.URL+spelled+"?$count=true")
	if len(pages) != 5 {
		t.Errorf("pages = %d, want 5 (9 rows, 2 a page)", len(pages))
	}
	var got []string
	for _, r := range rows {
		b, _ := json.Marshal(r)
		got = append(got, string(b))
	}
	var want []string
	for _, s := range edgesOctober {
		var r row
		json.Unmarshal([]byte(s), &r)
		b, _ := json.Marshal(r)
		want = append(want, string(b))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows across pages (-want +got):\n%s", diff)
	}
	for i, p := range pages {
		if *p.Count != len(p.Value) {
			t.Errorf("page %d: @odata.count = %d, want %d entries", i, *p.Count, len(p.Value))
		}
		last := i == len(pages)-1
		if last != (p.NextLink == "") {
			t.Errorf("page %d: nextLink = %q, want one on every page but the last", i, p.NextLink)
		}
		if p.NextLink != "" {
			prefix := ts.URL + spelled + "?$count=true&$skip="
			if !strings.HasPrefix(p.NextLink, prefix) {
				t.Errorf("page %d: nextLink = %q, want the client's spelling %q...", i, p.NextLink, prefix)
			}
			if !strings.Contains(p.NextLink, "$skiptoken="+ds.Version) {
				t.Errorf("page %d: nextLink = %q, want the dataset version", i, p.NextLink)
			}
		}
	}
}

func TestTopLimitsTheTotal(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{PageSize: 2})
	base := ts.URL + fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	cases := []struct {
		query string
		want  []int // indexes into edgesOctober
	}{
		{"?$top=5", []int{0, 1, 2, 3, 4}},
		{"?$top=0", nil},
		{"?$skip=3&$top=4", []int{3, 4, 5, 6}},
		{"?$skip=7", []int{7, 8}},
		{"?$skip=9", nil},
		{"?$skip=9223372036854775807", nil},
		{"?$top=9223372036854775807&$skip=8", []int{8}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			rows, _ := walk(t, base+c.query)
			var got []string
			for _, r := range rows {
				got = append(got, r.UserID+"/"+r.UsageLocation+"/"+r.DestinationContext+"/"+r.Currency)
			}
			var want []string
			for _, i := range c.want {
				var r row
				json.Unmarshal([]byte(edgesOctober[i]), &r)
				want = append(want, r.UserID+"/"+r.UsageLocation+"/"+r.DestinationContext+"/"+r.Currency)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmptyRange(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	r := get(t, ts.URL+fnPath+"(fromDateTime=2020-01-01,toDateTime=2020-02-01)")
	want := fmt.Sprintf(`{"@odata.context":"%s/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)","@odata.count":0,"value":[]}`, ts.URL)
	if string(r.body) != want {
		t.Errorf("body = %s, want %s", r.body, want)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSuccessHeaders(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	url := ts.URL + fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	a := get(t, url)
	b := get(t, url, "client-request-id", "3b1c0d2e-aaaa-4bbb-8ccc-000000000001")
	if got, want := a.header.Get("Content-Type"), "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if got := a.header.Get("OData-Version"); got != "4.0" {
		t.Errorf("OData-Version = %q, want 4.0", got)
	}
	if !uuidRE.MatchString(a.header.Get("request-id")) || a.header.Get("request-id") == b.header.Get("request-id") {
		t.Errorf("request-id = %q then %q, want a new UUID each request", a.header.Get("request-id"), b.header.Get("request-id"))
	}
	if got := a.header.Get("client-request-id"); got != a.header.Get("request-id") {
		t.Errorf("client-request-id without one sent = %q, want the request-id %q", got, a.header.Get("request-id"))
	}
	if got := b.header.Get("client-request-id"); got != "3b1c0d2e-aaaa-4bbb-8ccc-000000000001" {
		t.Errorf("client-request-id = %q, want the one sent", got)
	}
}

func TestIEEE754Compatible(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	url := ts.URL + fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	plain := get(t, url, "Accept", "application/json")
	str := get(t, url, "Accept", "application/json;odata.metadata=minimal;IEEE754Compatible=true")
	if !strings.Contains(str.header.Get("Content-Type"), "IEEE754Compatible=true") {
		t.Errorf("Content-Type = %q, want IEEE754Compatible=true", str.header.Get("Content-Type"))
	}
	if !strings.Contains(string(plain.body), `"totalCallCharge":3.80}`) {
		t.Errorf("plain body has no number 3.80: %s", plain.body)
	}
	if !strings.Contains(string(str.body), `"totalCallCharge":"3.80"}`) {
		t.Errorf("IEEE754Compatible body has no string \"3.80\": %s", str.body)
	}
	if strings.ReplaceAll(string(str.body), `"`, "") != strings.ReplaceAll(string(plain.body), `"`, "") {
		t.Error("the two bodies differ by more than the quotes around decimals")
	}
}
