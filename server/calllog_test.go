package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/report"
)

const (
	logPath   = "/beta/communications/callRecords/getPstnCalls"
	logPathV1 = "/v1.0/communications/callRecords/getPstnCalls"
)

// mixedDataset is a hand-written ledger of every kind of call row: dial-outs,
// a user's inbound call (a tie in start time with a dial-out, which the id
// orders), a bot call without a user, and calls just outside October.
func mixedDataset(tb testing.TB) Dataset {
	tb.Helper()
	alice := report.User{ID: "aaaaaaaa-0000-4000-8000-000000000001", UserPrincipalName: "alice@contoso.com", DisplayName: "Alice Ærø", UsageLocation: "NL"}
	bob := report.User{ID: "bbbbbbbb-0000-4000-8000-000000000002", UserPrincipalName: "bob@contoso.com", DisplayName: "Bob", UsageLocation: "US"}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	return mustDataset(tb, "s-mixed", []report.User{alice, bob}, []report.Call{
		{ID: "c1", CallID: "1835317186_112562680@61.221.3.176", OrganizerID: alice.ID, StartDateTime: at("2026-10-01T09:00:00Z"), Duration: 600,
			Charge: report.Cents(125), ConnectionCharge: report.Cents(5), Currency: "EUR", DestinationContext: report.International,
			DestinationName: "United States", CalleeNumber: "+14255550100", CallerNumber: "+31205550100", ConferenceID: "conf-1",
			LicenseCapability: "MCOPSTNPP", TenantCountryCode: "NL", OtherPartyCountryCode: "US", InventoryType: "Service",
			Operator: "Microsoft", CallDurationSource: "microsoft"},
		{ID: "c2", CallType: "user_in", OrganizerID: bob.ID, StartDateTime: at("2026-10-01T09:00:00Z"), Duration: 219,
			Currency: "USD", CalleeNumber: "+14255550199", CallerNumber: "+4930123***", DestinationName: "United States",
			LicenseCapability: "MCOPSTNU", InventoryType: "Subscriber", Operator: "Microsoft", CallDurationSource: "microsoft",
			TenantCountryCode: "NL", OtherPartyCountryCode: "DE"},
		{ID: "c3", CallType: "ucap_in", StartDateTime: at("2026-10-02T10:00:00Z"), Duration: 42, UsageLocation: "US",
			Charge: report.Cents(3), Currency: "USD", CalleeNumber: "+18005550123", CallerNumber: "+33612345****",
			LicenseCapability: "MCOEV_VIRTUALUSER", InventoryType: "TollFree", Operator: "Microsoft", CallDurationSource: "microsoft"},
		{ID: "c4", CallType: "user_out", OrganizerID: alice.ID, StartDateTime: at("2026-10-31T00:00:00Z"), Duration: 61,
			Charge: report.Cents(12), Currency: "EUR", DestinationContext: report.Domestic, CalleeNumber: "+31205550111"},
		{ID: "c5", CallType: "conf_in", OrganizerID: bob.ID, StartDateTime: at("2026-09-30T23:59:59Z"), Duration: 10,
			Currency: "USD", ConferenceID: "conf-2"},
		{ID: "c6", OrganizerID: bob.ID, StartDateTime: at("2026-10-15T12:00:00Z"), Duration: 100,
			Charge: report.Cents(10), Currency: "USD", ConferenceID: "conf-3"},
		{ID: "c7", CallType: "user_out", OrganizerID: bob.ID, StartDateTime: at("2026-10-31T00:00:01Z"), Duration: 10, Currency: "USD"},
	})
}

// The rows of c1, c2 and c3, written out by hand from mixedDataset.
const (
	logRow1 = `{"id":"c1","callId":"1835317186_112562680@61.221.3.176","userId":"aaaaaaaa-0000-4000-8000-000000000001","userPrincipalName":"alice@contoso.com","userDisplayName":"Alice Ærø",` +
		`"startDateTime":"2026-10-01T09:00:00Z","endDateTime":"2026-10-01T09:10:00Z","duration":600,"charge":1.25,"callType":"conf_out","currency":"EUR",` +
		`"calleeNumber":"+14255550100","usageCountryCode":"NL","tenantCountryCode":"NL","connectionCharge":0.05,"callerNumber":"+31205550100",` +
		`"destinationContext":"International","destinationName":"United States","conferenceId":"conf-1","licenseCapability":"MCOPSTNPP",` +
		`"inventoryType":"Service","operator":"Microsoft","callDurationSource":"microsoft"`
	logRow2 = `{"id":"c2","callId":null,"userId":"bbbbbbbb-0000-4000-8000-000000000002","userPrincipalName":"bob@contoso.com","userDisplayName":"Bob",` +
		`"startDateTime":"2026-10-01T09:00:00Z","endDateTime":"2026-10-01T09:03:39Z","duration":219,"charge":0.00,"callType":"user_in","currency":"USD",` +
		`"calleeNumber":"+14255550199","usageCountryCode":"US","tenantCountryCode":"NL","connectionCharge":0.00,"callerNumber":"+4930123***",` +
		`"destinationContext":"Domestic","destinationName":"United States","conferenceId":null,"licenseCapability":"MCOPSTNU",` +
		`"inventoryType":"Subscriber","operator":"Microsoft","callDurationSource":"microsoft"`
	logRow3 = `{"id":"c3","callId":null,"userId":null,"userPrincipalName":null,"userDisplayName":null,` +
		`"startDateTime":"2026-10-02T10:00:00Z","endDateTime":"2026-10-02T10:00:42Z","duration":42,"charge":0.03,"callType":"ucap_in","currency":"USD",` +
		`"calleeNumber":"+18005550123","usageCountryCode":"US","tenantCountryCode":null,"connectionCharge":0.00,"callerNumber":"+33612345****",` +
		`"destinationContext":"Domestic","destinationName":null,"conferenceId":null,"licenseCapability":"MCOEV_VIRTUALUSER",` +
		`"inventoryType":"TollFree","operator":"Microsoft","callDurationSource":"microsoft"`
)

func TestCallLogByHand(t *testing.T) {
	_, ts := newTestServer(t, mixedDataset(t), Config{})
	const args = "(fromDateTime=2026-10-01T09:00:00Z,toDateTime=2026-10-02T10:00:00Z)"
	beta := func(row, other string) string {
		return row + `,"otherPartyCountryCode":` + other + `,"administrativeUnitInfos":[]}`
	}
	cases := []struct {
		name, path string
		accept     string
		want       string
		ct         string
	}{
		{"beta", logPath + args, "", `{"@odata.context":"` + ts.URL + `/beta/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)","@odata.count":3,"value":[` +
			beta(logRow1, `"US"`) + "," + beta(logRow2, `"DE"`) + "," + beta(logRow3, "null") + `]}`, contentType},
		{"v1.0 has no beta properties", logPathV1 + args, "", `{"@odata.context":"` + ts.URL + `/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)","@odata.count":3,"value":[` +
			logRow1 + "}," + logRow2 + "}," + logRow3 + `}]}`, contentType},
		{"IEEE754Compatible=true writes decimals as strings", logPathV1 + args, "application/json;IEEE754Compatible=true",
			`{"@odata.context":"` + ts.URL + `/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)","@odata.count":3,"value":[` +
				strings.NewReplacer(`"charge":1.25`, `"charge":"1.25"`, `"connectionCharge":0.05`, `"connectionCharge":"0.05"`).Replace(logRow1) + "}," +
				strings.NewReplacer(`"charge":0.00`, `"charge":"0.00"`, `"connectionCharge":0.00`, `"connectionCharge":"0.00"`).Replace(logRow2) + "}," +
				strings.NewReplacer(`"charge":0.03`, `"charge":"0.03"`, `"connectionCharge":0.00`, `"connectionCharge":"0.00"`).Replace(logRow3) + `}]}`, contentTypeIEE},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, ts.URL+c.path, "Accept", c.accept)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", r.status, r.body)
			}
			if diff := cmp.Diff(c.want, string(r.body)); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			if got := r.header.Get("Content-Type"); got != c.ct {
				t.Errorf("Content-Type = %q, want %q", got, c.ct)
			}
			if got := r.header.Get("OData-Version"); got != "4.0" {
				t.Errorf("OData-Version = %q, want 4.0", got)
			}
		})
	}
}

// TestCallLogURLForms: every spelling, case and date form of the docs' form
// answers the same body, in beta and in v1.0; both ends are inclusive.
func TestCallLogURLForms(t *testing.T) {
	_, ts := newTestServer(t, mixedDataset(t), Config{})
	for _, version := range []string{"beta", "v1.0"} {
		prefix := "/" + version + "/communications/callRecords/"
		want := get(t, ts.URL+prefix+"getPstnCalls(fromDateTime=2026-10-01,toDateTime=2026-10-31)")
		if want.status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", version, want.status, want.body)
		}
		var p struct {
			Count int `json:"@odata.count"`
			Value []struct {
				ID string `json:"id"`
			} `json:"value"`
		}
		if err := json.Unmarshal(want.body, &p); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range p.Value {
			ids = append(ids, v.ID)
		}
		if diff := cmp.Diff([]string{"c1", "c2", "c3", "c6", "c4"}, ids); diff != "" || p.Count != 5 {
			t.Errorf("%s: October's ids (count %d) (-want +got):\n%s", version, p.Count, diff)
		}
		forms := map[string]string{
			"qualified (Kiota)":        prefix + "microsoft.graph.callRecords.getPstnCalls(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
			"alias":                    prefix + "callRecords.getPstnCalls(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
			"lower case":               strings.ToLower(prefix + "getPstnCalls(fromDateTime=2026-10-01,toDateTime=2026-10-31)"),
			"upper case":               strings.ToUpper(prefix+"getPstnCalls(fromDateTime=") + "2026-10-01,TODATETIME=2026-10-31)",
			"swapped":                  prefix + "getPstnCalls(toDateTime=2026-10-31,fromDateTime=2026-10-01)",
			"Go SDK encoding":          prefix + "microsoft.graph.callRecords.getPstnCalls(fromDateTime=2026-10-01T00%3A00%3A00Z,toDateTime=2026-10-31T00%3A00%3A00Z)",
			"7 fraction digits":        prefix + "getPstnCalls(fromDateTime=2026-10-01T00:00:00.0000000Z,toDateTime=2026-10-31T00:00:00.0000000Z)",
			"raw + offset (JS client)": prefix + "getPstnCalls(fromDateTime=2026-10-01T02:00:00+02:00,toDateTime=2026-10-30T19:00:00-05:00)",
			"ignored options":          prefix + "getPstnCalls(fromDateTime=2026-10-01,toDateTime=2026-10-31)?%24count=true&$filter=x",
		}
		for name, path := range forms {
			t.Run(version+" "+name, func(t *testing.T) {
				got := get(t, ts.URL+path)
				if diff := cmp.Diff(string(want.body), string(got.body)); diff != "" || got.status != 200 {
					t.Errorf("status %d; body differs from the docs' form (-docs +this):\n%s", got.status, diff)
				}
			})
		}
	}
}

// TestCallLogPaging: pages of at most the page size, a page-local count,
// absolute nextLinks that keep the request's spelling and carry the
// dataset version, and the walk lists exactly /_mock/calls of the range, in
// order; $top bounds the whole.
func TestCallLogPaging(t *testing.T) {
	ds := scenarioDataset(t, "rows-2500")
	for _, size := range []int{1000, 7} {
		t.Run(fmt.Sprint("page size ", size), func(t *testing.T) {
			_, ts := newTestServer(t, ds, Config{PageSize: size})
			lo, hi := ds.Source.CallSpan(report.Query{From: time.Unix(0, 0), To: endOfTime})
			all := slices.Collect(ds.Source.CallsAt(lo, hi))
			from, to := all[0].StartDateTime, all[len(all)-1].StartDateTime
			if to.Sub(from) > report.MaxRange {
				t.Fatalf("the scenario spans %s, more than a range", to.Sub(from))
			}
			fn := "/beta/communications/callRecords/microsoft.graph.callRecords.getPstnCalls(fromDateTime=" +
				url.PathEscape(lit(from)) + ",toDateTime=" + url.PathEscape(lit(to)) + ")"
			ids, pages := walkLog(t, ts.URL+fn+"?$count=true")
			var want []string
			for c := range ds.Source.Calls(report.Query{From: from, To: to}) {
				want = append(want, c.ID)
			}
			if diff := cmp.Diff(want, ids); diff != "" {
				t.Fatalf("walked ids (-/_mock/calls +walk):\n%s", diff)
			}
			if n := countCalls(t, ts.URL, callsPath(from, to, "")); n != len(ids) {
				t.Errorf("/_mock/calls has %d calls, the walk %d", n, len(ids))
			}
			for i, p := range pages {
				if p.Count != len(p.Value) || len(p.Value) > size {
					t.Errorf("page %d: count %d, %d entries, want equal and at most %d", i, p.Count, len(p.Value), size)
				}
				if p.NextLink == "" {
					continue
				}
				u, err := url.Parse(p.NextLink)
				if err != nil || !u.IsAbs() || !strings.HasPrefix(p.NextLink, ts.URL+fn+"?$count=true&$skip=") {
					t.Errorf("page %d: nextLink %q, want absolute, the request's spelling and options, then $skip", i, p.NextLink)
				}
				if tok := u.Query().Get("$skiptoken"); tok != ds.Version {
					t.Errorf("page %d: $skiptoken = %q, want the dataset version %q", i, tok, ds.Version)
				}
			}
			if len(pages) != (len(want)+size-1)/size {
				t.Errorf("%d pages, want %d", len(pages), (len(want)+size-1)/size)
			}

			top, _ := walkLog(t, ts.URL+fn+"?$top=1001")
			if diff := cmp.Diff(want[:1001], top); diff != "" {
				t.Errorf("$top=1001 (-want +got):\n%s", diff)
			}
			skip, _ := walkLog(t, ts.URL+fn+"?$skip=2490")
			if diff := cmp.Diff(want[2490:], skip); diff != "" {
				t.Errorf("$skip=2490 (-want +got):\n%s", diff)
			}
		})
	}
}

type logPage struct {
	Count    int    `json:"@odata.count"`
	NextLink string `json:"@odata.nextLink"`
	Value    []struct {
		ID string `json:"id"`
	} `json:"value"`
}

// walkLog follows a call log's nextLinks and returns its ids and pages.
func walkLog(tb testing.TB, first string) ([]string, []logPage) {
	tb.Helper()
	var ids []string
	var pages []logPage
	for link := first; link != ""; {
		r := get(tb, link)
		if r.status != http.StatusOK {
			tb.Fatalf("GET %s: %d %s", link, r.status, r.body)
		}
		var p logPage
		if err := json.Unmarshal(r.body, &p); err != nil {
			tb.Fatalf("page: %v", err)
		}
		for _, v := range p.Value {
			ids = append(ids, v.ID)
		}
		pages = append(pages, p)
		link = p.NextLink
		if len(pages) > 10_000 {
			tb.Fatal("no end to the pages")
		}
	}
	return ids, pages
}

// TestCallLogErrors: the call log's parameters, options, auth and methods
// are answered as the dial-out report's, in Graph's envelope.
func TestCallLogErrors(t *testing.T) {
	_, ts := newTestServer(t, mixedDataset(t), Config{})
	_, ts406 := newTestServer(t, mixedDataset(t), Config{RangeLimitStatus: http.StatusNotAcceptable})
	cases := []struct {
		name, base, method, path, token string
		status                          int
		code, message                   string
	}{
		{"91 days", ts.URL, "GET", logPath + "(fromDateTime=2026-07-01,toDateTime=2026-09-30T00:00:01Z)", "x", 400, "BadRequest", "90 days"},
		{"91 days, v1.0, --range-limit-status 406", ts406.URL, "GET", logPathV1 + "(fromDateTime=2026-07-01,toDateTime=2026-09-30T00:00:01Z)", "x", 406, "NotAcceptable", "90 days"},
		{"empty values", ts.URL, "GET", logPath + "(fromDateTime=,toDateTime=)", "x", 400, "BadRequest", "Expression expected at position 13 in 'fromDateTime=,toDateTime='."},
		{"empty to, v1.0, qualified", ts.URL, "GET", "/v1.0/communications/callRecords/microsoft.graph.callRecords.getPstnCalls(fromDateTime=2026-10-01,toDateTime=)", "x", 400, "BadRequest", "Expression expected at position 35"},
		{"reversed", ts.URL, "GET", logPath + "(fromDateTime=2026-10-31,toDateTime=2026-10-01)", "x", 400, "BadRequest", "later than"},
		{"missing to", ts.URL, "GET", logPath + "(fromDateTime=2026-10-01)", "x", 400, "BadRequest", "toDateTime"},
		{"no parameters", ts.URL, "GET", logPathV1, "x", 400, "BadRequest", "getPstnCalls(fromDateTime="},
		{"malformed date", ts.URL, "GET", logPath + "(fromDateTime=2026-13-01,toDateTime=2026-10-31)", "x", 400, "BadRequest", "fromDateTime"},
		{"an unknown option", ts.URL, "GET", logPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$expand=x", "x", 400, "BadRequest", "'getPstnCalls'"},
		{"a negative $skip", ts.URL, "GET", logPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$skip=-1", "x", 400, "BadRequest", "$skip"},
		{"another dataset's $skiptoken", ts.URL, "GET", logPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$skip=1&$skiptoken=g-old", "x", 400, "BadRequest", "g-old"},
		{"no token", ts.URL, "GET", logPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"no token, v1.0", ts.URL, "GET", logPathV1 + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"POST", ts.URL, "POST", logPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "x", 405, "MethodNotAllowed", ""},
		{"POST, v1.0", ts.URL, "POST", logPathV1 + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "x", 405, "MethodNotAllowed", ""},
		{"the dial-out report in v1.0", ts.URL, "GET", "/v1.0/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "x", 400, "BadRequest", "'getPstnOnlineMeetingDialoutReport'"},
		{"POST of the dial-out report in v1.0", ts.URL, "POST", "/v1.0/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)", "x", 400, "BadRequest", "'getPstnOnlineMeetingDialoutReport'"},
		{"a segment after the call log, v1.0", ts.URL, "GET", logPathV1 + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)/extra", "x", 400, "BadRequest", "'extra'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := mustRequest(t, c.base+"/placeholder")
			req.Method = c.method
			req.URL.Opaque = c.path
			if c.token == "" {
				req.Header.Del("Authorization")
			}
			e := checkEnvelope(t, do(t, req), c.status, c.code)
			if msg := ptrString(e.Error.Message); !strings.Contains(msg, c.message) {
				t.Errorf("message = %q, want it to hold %q", msg, c.message)
			}
		})
	}
}

// TestCallLogLateArrival: the call log shows the calls arrived at the
// server's clock, as /_mock/calls does; its pages read the first page's
// instant, so calls arriving while a client pages never shift them.
func TestCallLogLateArrival(t *testing.T) {
	now := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(now)
	ds := handScenario(t)
	_, ts := newTestServer(t, ds, Config{Now: clock.Now, PageSize: 1, ArrivalDelay: report.Delay{Min: 24 * time.Hour, Max: 24 * time.Hour}})
	from := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	path := logPath + "(fromDateTime=" + lit(from) + ",toDateTime=" + lit(now) + ")"

	// By hand (handScenario): at 12:00 c1, c2, c5 and c6 have arrived.
	ids, _ := walkLog(t, ts.URL+path)
	if diff := cmp.Diff([]string{"c1", "c2", "c5", "c6"}, ids); diff != "" {
		t.Errorf("arrived at %s (-want +got):\n%s", now, diff)
	}
	if got := callLines(t, ts.URL, callsPath(from, now, "")); !cmp.Equal(got, ids) {
		t.Errorf("/_mock/calls = %v, the call log %v: want the same calls", got, ids)
	}

	// Paging while the clock moves an hour a page shows the first page's
	// instant; a new first page shows what arrived since.
	var paged []string
	for link := ts.URL + path; link != ""; {
		var p logPage
		r := get(t, link)
		if err := json.Unmarshal(r.body, &p); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		for _, v := range p.Value {
			paged = append(paged, v.ID)
		}
		link = p.NextLink
		clock.Add(time.Hour)
	}
	if diff := cmp.Diff(ids, paged); diff != "" {
		t.Errorf("paged while calls arrive (-at once +paged):\n%s", diff)
	}
	later, _ := walkLog(t, ts.URL+path)
	if diff := cmp.Diff([]string{"c1", "c2", "c5", "c3", "c6", "c7"}, later); diff != "" {
		t.Errorf("4 h later (-want +got):\n%s", diff)
	}
}

// callLines lists the ids of GET /_mock/calls.
func callLines(tb testing.TB, base, path string) []string {
	tb.Helper()
	r := get(tb, base+path)
	var ids []string
	for sc := bufio.NewScanner(bytes.NewReader(r.body)); sc.Scan(); {
		var c struct{ ID string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// TestCallLogThrottlingFamily: the call log and the dial-out report count
// against the same per-app limit, and each range is a collection of its own.
func TestCallLogThrottlingFamily(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	_, ts := newTestServer(t, mixedDataset(t), Config{Throttle: []Limit{{PerApp, 4, time.Minute}}, Now: func() time.Time { return now }})
	app := jwt(map[string]any{"roles": []string{"CallRecords.Read.All"}, "appid": "app-1", "tid": "t-1"})
	for i, p := range []string{october, logPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", october, logPathV1 + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"} {
		if r := get(t, ts.URL+p, "Authorization", "Bearer "+app); r.status != 200 {
			t.Fatalf("request %d = %d, want 200: %s", i+1, r.status, r.body)
		}
	}
	r := get(t, ts.URL+logPath+"(fromDateTime=2026-10-02,toDateTime=2026-10-31)", "Authorization", "Bearer "+app)
	checkEnvelope(t, r, 429, "TooManyRequests")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After on the 429")
	}
}

// TestDatasetCountsEveryCallType: GET /_mock/dataset counts the calls of
// every type, with a count per callType, and (with late arrival) those
// arrived, of every type; rows and totals stay the dial-outs'.
func TestDatasetCountsEveryCallType(t *testing.T) {
	now := time.Date(2026, 10, 1, 9, 5, 0, 0, time.UTC)
	_, ts := newTestServer(t, mixedDataset(t), Config{Now: func() time.Time { return now }, ArrivalDelay: report.Delay{Min: time.Minute, Max: time.Minute}})
	var got struct {
		Calls        int `json:"calls"`
		ArrivedCalls int `json:"arrivedCalls"`
		Rows         int `json:"rows"`
		CallTypes    []struct {
			CallType string `json:"callType"`
			Calls    int    `json:"calls"`
		} `json:"callTypes"`
		Currencies []struct {
			Currency string `json:"currency"`
			Calls    int    `json:"calls"`
		} `json:"currencies"`
	}
	if err := json.Unmarshal(get(t, ts.URL+"/_mock/dataset").body, &got); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(got.CallTypes)
	if want != "[{conf_in 1} {conf_out 2} {ucap_in 1} {user_in 1} {user_out 2}]" || got.Calls != 7 {
		t.Errorf("calls %d, callTypes %s: want 7, [{conf_in 1} {conf_out 2} {ucap_in 1} {user_in 1} {user_out 2}]", got.Calls, want)
	}
	// At 09:05, c5 (the conf_in of 09-30) and c2 (the user_in that ended
	// at 09:03:39) have arrived, a minute after their end; the dial-out c1
	// ends at 09:10.
	if got.ArrivedCalls != 2 {
		t.Errorf("arrivedCalls = %d, want 2: c5 and c2", got.ArrivedCalls)
	}
	if got.Rows != 2 || fmt.Sprint(got.Currencies) != "[{EUR 1} {USD 1}]" {
		t.Errorf("rows %d, currencies %v: want the dial-outs' 2 rows, [{EUR 1} {USD 1}]", got.Rows, got.Currencies)
	}
}

// TestDailyCountsDialOuts: GET /_mock/daily, the dashboard's spend per day,
// sums the dial-out calls, as the summary's totals per currency do: calls of
// the other types are in the call log only (decision D11).
func TestDailyCountsDialOuts(t *testing.T) {
	ds := mixedDataset(t)
	_, ts := newTestServer(t, ds, Config{})
	var d daily
	if err := json.Unmarshal(get(t, ts.URL+"/_mock/daily").body, &d); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range d.Currencies {
		got = append(got, fmt.Sprintf("%s %d calls %d s %s", c.Currency, c.Calls, c.Seconds, c.Charge))
	}
	var want []string
	for _, c := range ds.Source.Summary().Currencies {
		want = append(want, fmt.Sprintf("%s %d calls %d s %s", c.Currency, c.Calls, c.Seconds, c.Charge))
	}
	if diff := cmp.Diff([]string{"EUR 1 calls 600 s 1.30", "USD 1 calls 100 s 0.10"}, want); diff != "" {
		t.Fatalf("the summary's currencies (-by hand +summary):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /_mock/daily totals (-summary +daily):\n%s", diff)
	}
}
