package dataset

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
)

func newLoader(tb testing.TB) *ScenarioLoader {
	tb.Helper()
	l, err := NewScenarioLoader()
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func readExport(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pstn-export.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

var everything = report.Query{From: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}

// rowStrings writes rows as "upn loc dest cur calls secs charge".
func rowStrings(rows []report.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s %s %s %s %d %d %s", r.UserPrincipalName, r.UsageLocation, r.DestinationContext,
			r.Currency, r.TotalCalls, r.TotalCallSeconds, r.TotalCallCharge))
	}
	return out
}

// TestAdminCenterExport loads a hand-written PSTN usage export: every call
// type, masked numbers, bot rows without a user, a user in two locations,
// calls exactly at the range ends and a second outside each, quoted commas
// and a quoted newline. The totals are worked out by hand.
func TestAdminCenterExport(t *testing.T) {
	ds, err := newLoader(t).Load("pstn-export.csv", []byte(readExport(t)))
	if err != nil {
		t.Fatal(err)
	}
	october := report.Query{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
	want := []string{
		"ana@contoso.com BR Domestic BRL 1 60 1.25",       // line 2 (at from; line 7 is a second before)
		"ana@contoso.com BR International BRL 1 300 4.60", // line 3
		"ana@contoso.com DE Domestic EUR 1 120 0.80",      // line 4: Ana in her second location
		"bo@contoso.com SE Domestic SEK 1 30 0.25",        // line 5 (at to; line 6 is a second after)
	}
	if diff := cmp.Diff(want, rowStrings(ds.Source.Rows(october))); diff != "" {
		t.Errorf("October rows (-want +got):\n%s", diff)
	}
	sum := ds.Source.Summary()
	wantTypes := []report.CallTypeCount{{CallType: "conf_in", Calls: 1}, {CallType: "conf_out", Calls: 6}, {CallType: "ucap_in", Calls: 1}, {CallType: "ucap_out", Calls: 1},
		{CallType: "user_in", Calls: 1}, {CallType: "user_out", Calls: 1}, {CallType: "user_out_forwarding", Calls: 1}, {CallType: "user_out_transfer", Calls: 1}}
	if sum.Users != 2 || sum.Calls != 13 || sum.Rows != 4 || !cmp.Equal(sum.CallTypes, wantTypes) {
		t.Errorf("summary = %d users, %d calls, %d rows, %v; want 2, 13, 4, %v", sum.Users, sum.Calls, sum.Rows, sum.CallTypes, wantTypes)
	}
	calls := slices.Collect(ds.Source.Calls(everything))
	byID := map[string]report.Call{}
	for _, c := range calls {
		byID[c.ID[len(c.ID)-2:]] = c
	}
	for _, tt := range []struct {
		id, got, want string
	}{
		{"03", byID["03"].CalleeNumber, "+4930123***"},
		{"03", byID["03"].StartDateTime.Format(time.RFC3339Nano), "2026-10-10T09:00:00.5Z"},
		{"04", byID["04"].UserDisplayName, "Ek, Bo"},
		{"0c", byID["0c"].DestinationName, "Call queue\nsupport"},
		{"0c", byID["0c"].OrganizerID + byID["0c"].UserPrincipalName, ""},
		{"0c", byID["0c"].LicenseCapability, "MCOEV_VIRTUALUSER"},
		{"0d", byID["0d"].DestinationName, "Korea, Republic of"},
		{"07", byID["07"].CallType + " " + byID["07"].NumberType + " " + byID["07"].CallerNumber, "conf_in toll_free +5511987****"},
		{"01", byID["01"].CallID + " " + byID["01"].ConferenceID, "ca11ca11-0000-4000-8000-000000000001 c0f00001-0000-4000-8000-000000000001"},
	} {
		if tt.got != tt.want {
			t.Errorf("call %s: got %q, want %q", tt.id, tt.got, tt.want)
		}
	}

	// The same file with a BOM, with CRLF, and zipped as the admin center
	// exports it, is the same dataset.
	export := readExport(t)
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, _ := zw.Create("PSTN.calls.2026-10.csv")
	f.Write([]byte(export))
	zw.Close()
	for _, tt := range []struct{ name, doc string }{
		{"bom.csv", "\uFEFF" + export},
		{"crlf.csv", strings.ReplaceAll(export, "\n", "\r\n")},
		{"sniffed", export},
		{"export.zip", zipped.String()},
		{"sniffed zip", zipped.String()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newLoader(t).Load(tt.name, []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != ds.Version {
				t.Errorf("version = %s, want %s", got.Version, ds.Version)
			}
		})
	}
}

// checkRefused fails unless err is Problems with one at place whose reason
// holds reason.
func checkRefused(tb testing.TB, err error, place, reason string) report.Problems {
	tb.Helper()
	var probs report.Problems
	if !errors.As(err, &probs) {
		tb.Fatalf("error %v (%T), want report.Problems", err, err)
	}
	for _, p := range probs {
		if p.Pointer == place && strings.Contains(p.Reason, reason) {
			return probs
		}
	}
	tb.Errorf("problems = %v, want one at %q saying %q", probs, place, reason)
	return probs
}

func TestAdminCenterExportRefused(t *testing.T) {
	export := readExport(t)
	lines := strings.SplitAfter(export, "\n")
	// cell replaces column col of the row on line 3 (Ana's international call).
	cell := func(col int, v string) string {
		f := strings.Split(strings.TrimSuffix(lines[2], "\n"), ",")
		f[col] = v
		return strings.Join(lines[:2], "") + strings.Join(f, ",") + "\n" + strings.Join(lines[3:], "")
	}
	long := strings.Repeat("9", 1025)
	tests := []struct {
		name, doc, place, reason string
	}{
		{"empty", "", "line 1", "empty"},
		{"truncated", export[:len(export)-40], "line 15", "columns, want 20"},
		{"truncated in a quote", export[:strings.Index(export, "Call queue")+4], "line 13", "quote"},
		{"wrong header", strings.Replace(export, "Call ID", "CallID", 1), "line 1, column 2", `"CallID", want "Call ID"`},
		{"short header", strings.Replace(export, ",Capability\n", "\n", 1), "line 1, column 20", `want "Capability"`},
		{"wrong column count", strings.Replace(export, ",toll,International,", ",International,", 1), "line 3", "19 columns, want 20"},
		{"UsageId", cell(0, "call-2"), "line 3, column UsageId", "not a GUID"},
		{"Call ID", cell(1, strings.Repeat("2", 1025)), "line 3, column Call ID", "bytes long"},
		{"Conference ID", cell(2, long), "line 3, column Conference ID", "at most 1024"},
		{"User Location", cell(3, "ZZ"), "line 3, column User Location", "ISO 3166-1"},
		{"AAD ObjectId", cell(4, "ana"), "line 3, column AAD ObjectId", "GUID"},
		{"UPN", cell(5, "anna@contoso.com"), "line 3, column UPN", "on line 2"},
		{"User Display Name", cell(6, "Anna"), "line 3, column User Display Name", "on line 2"},
		{"Caller ID", cell(7, long), "line 3, column Caller ID", "at most 1024"},
		{"Call Type", cell(8, "Conf Out"), "line 3, column Call Type", "not a call type"},
		{"Number Type", cell(9, long), "line 3, column Number Type", "at most 1024"},
		{"Domestic/International", cell(10, "Local"), "line 3, column Domestic/International", "Domestic or International"},
		{"Destination Dialed", cell(11, long), "line 3, column Destination Dialed", "at most 1024"},
		{"Destination Number", cell(12, long), "line 3, column Destination Number", "at most 1024"},
		{"Start Time", cell(13, "2026-10-05 10:00"), "line 3, column Start Time", "ISO 8601"},
		{"End Time", cell(14, "2026-10-05T09:00:00Z"), "line 3, column End Time", "before"},
		{"Duration Seconds", cell(15, "-1"), "line 3, column Duration Seconds", "whole seconds"},
		{"Connection Fee", cell(16, "0.001"), "line 3, column Connection Fee", "at most 2 places"},
		{"Charge", cell(17, "4,50"), "line 3", "21 columns"},
		{"Charge as text", cell(17, "four"), "line 3, column Charge", "decimal"},
		{"Currency", cell(18, "EURO"), "line 3, column Currency", "ISO 4217"},
		{"Capability", cell(19, "mcoev"), "line 3, column Capability", "capability name"},
		{"a user's call without a user", cell(4, ""), "line 3, column AAD ObjectId", "is required"},
		{"duplicate UsageId", strings.Replace(export, "0000ca11-0000-4000-8000-000000000002", "0000ca11-0000-4000-8000-000000000001", 1), "line 3, column UsageId", "line 2"},
		// A quoted newline: the fields after it are on the next line.
		{"after a quoted newline", strings.Replace(export, "+18005550199,2026-10-08", "+1800555019x,2026-10-08T", 1), "line 14, column Start Time", "ISO 8601"},
	}
	l := newLoader(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Load("export.csv", []byte(tt.doc))
			checkRefused(t, err, tt.place, tt.reason)
		})
	}
}

// TestProblemsAreCapped: a million bad records stop at 100 problems, the
// count found so far, and where loading stopped, in every format.
func TestProblemsAreCapped(t *testing.T) {
	const n = 1_000_000
	tests := []struct {
		name, doc, stopped string
	}{
		{"empty users.json", `{"users":[` + strings.Repeat("{},", n-1) + `{}]}`, "/users"},
		{"empty calls.jsonl", strings.Repeat("{}\n", n), "line 15"}, // 7 problems a line,
		{"bad lines.csv", strings.Join(TeamsColumns[:], ",") + "\n" + strings.Repeat("x\n", n), "line 101"},
	}
	l := newLoader(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Load(tt.name, []byte(tt.doc))
			var probs report.Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			last := probs[len(probs)-1]
			if len(probs) != report.MaxProblems+1 || !errors.Is(last.Err, report.ErrTooManyProblems) || last.Pointer != tt.stopped ||
				!strings.Contains(last.Reason, "problems found when loading stopped") {
				t.Errorf("Load = %d problems ending %+v, want %d and one saying how many were found at %q",
					len(probs), last, report.MaxProblems+1, tt.stopped)
			}
		})
	}
}

// roundTrip writes the whole of ds in format, loads it back, and checks that
// it is the same dataset: version, summary and rows.
func roundTrip(tb testing.TB, l *ScenarioLoader, ds Dataset, format string) Dataset {
	tb.Helper()
	var file bytes.Buffer
	if err := WriteDataset(&file, format, ds.Source.Calls(everything), UsersOf(ds.Source)); err != nil {
		tb.Fatal(err)
	}
	back, err := l.Load("calls."+format, file.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	if back.Version != ds.Version {
		tb.Errorf("version = %s, want %s", back.Version, ds.Version)
	}
	if diff := cmp.Diff(ds.Source.Summary(), back.Source.Summary()); diff != "" {
		tb.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ds.Source.Rows(everything), back.Source.Rows(everything), cmp.Comparer(report.Money.Equal)); diff != "" {
		tb.Errorf("rows (-want +got):\n%s", diff)
	}
	return back
}

// TestJSONLinesRoundTrip: the calls a dataset writes load back as the same
// dataset: version, summary, users and rows. edges.json has a user without
// a call, which a user line carries.
func TestJSONLinesRoundTrip(t *testing.T) {
	l := newLoader(t)
	for _, name := range []string{"multi-currency.json", "location-change.json", "non-ascii.json", "rows-1000.json", "edges.json"} {
		t.Run(name, func(t *testing.T) {
			doc, err := fixtures.Scenarios.ReadFile("scenarios/" + name)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := l.Load(name, doc)
			if err != nil {
				t.Fatal(err)
			}
			back := roundTrip(t, l, ds, "jsonl")
			byID := cmpopts.SortSlices(func(a, b report.User) bool { return a.ID < b.ID }) // a ledger's users come in no meaningful order
			if diff := cmp.Diff(UsersOf(ds.Source), UsersOf(back.Source), byID); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
		})
	}
}

// userLine is a user line of JSON Lines: the organizer's fields alone.
func userLine(id, upn, location string) string {
	return `{"organizerId":"` + id + `","userPrincipalName":"` + upn + `","userDisplayName":"B","userUsageLocation":"` + location + `"}` + "\n"
}

// TestJSONLinesUserLines: a user line adds a user without a call, anywhere
// in the file; a file without one reads as before; a whole dataset's
// export writes one for each user no call names, after the calls, and a
// range's export writes none.
func TestJSONLinesUserLines(t *testing.T) {
	l := newLoader(t)
	// call is as WriteCalls writes it.
	call := `{"id":"aaaaaaaa-0000-4000-8000-000000000001","organizerId":"11111111-2222-4333-8444-555555555555","userPrincipalName":"a@contoso.com",` +
		`"userDisplayName":"A","userUsageLocation":"NL","startDateTime":"2026-10-05T10:00:00Z","endDateTime":"2026-10-05T10:01:01Z","duration":61,` +
		`"destinationContext":"Domestic","charge":0.07,"connectionCharge":0.00,"currency":"EUR","usageLocation":"NL","callType":"conf_out"}` + "\n"
	b := userLine("22222222-2222-4333-8444-555555555555", "b@contoso.com", "US")
	a := report.User{ID: "11111111-2222-4333-8444-555555555555", UserPrincipalName: "a@contoso.com", DisplayName: "A", UsageLocation: "NL"}
	bUser := report.User{ID: "22222222-2222-4333-8444-555555555555", UserPrincipalName: "b@contoso.com", DisplayName: "B", UsageLocation: "US"}
	tests := []struct {
		name, doc string
		users     []report.User
	}{
		{"no user line", call, []report.User{a}},
		{"after the calls", call + b, []report.User{a, bUser}},
		{"before the calls", b + call, []report.User{bUser, a}},
		{"only users", b, []report.User{bUser}},
		{"a user line repeating a caller", call + `{"organizerId":"` + a.ID + `","userPrincipalName":"a@contoso.com","userDisplayName":"A","userUsageLocation":"NL"}` + "\n",
			[]report.User{a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := l.Load("calls.jsonl", []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.users, UsersOf(ds.Source)); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
			var whole, part bytes.Buffer
			if err := WriteDataset(&whole, "jsonl", ds.Source.Calls(everything), UsersOf(ds.Source)); err != nil {
				t.Fatal(err)
			}
			wantWhole := ""
			if strings.Contains(tt.doc, `"id"`) {
				wantWhole = call
			}
			if len(tt.users) == 2 || !strings.Contains(tt.doc, `"id"`) {
				wantWhole += b
			}
			if got := whole.String(); got != wantWhole {
				t.Errorf("WriteDataset wrote\n%s\nwant\n%s", got, wantWhole)
			}
			if err := WriteCalls(&part, "jsonl", ds.Source.Calls(everything), UsersOf(ds.Source)); err != nil {
				t.Fatal(err)
			}
			if got, want := part.String(), strings.TrimSuffix(wantWhole, b); got != want {
				t.Errorf("WriteCalls wrote\n%s\nwant the calls alone\n%s", got, want)
			}
		})
	}
}

func TestJSONLinesRefused(t *testing.T) {
	l := newLoader(t)
	line := func(id, upn string) string {
		return `{"id":"` + id + `","organizerId":"11111111-2222-4333-8444-555555555555","userPrincipalName":"` + upn +
			`","userDisplayName":"A","userUsageLocation":"NL","startDateTime":"2026-10-05T10:00:00Z","duration":61,` +
			`"destinationContext":"Domestic","charge":0.07,"connectionCharge":0,"currency":"EUR","usageLocation":"NL"}` + "\n"
	}
	good := line("aaaaaaaa-0000-4000-8000-000000000001", "a@contoso.com") + line("aaaaaaaa-0000-4000-8000-000000000002", "a@contoso.com")
	if _, err := l.Load("good.jsonl", []byte(good)); err != nil {
		t.Fatalf("Load(good) = %v", err)
	}
	tests := []struct {
		name, doc, place, reason string
	}{
		{"identity differs", good + line("aaaaaaaa-0000-4000-8000-000000000003", "b@contoso.com"), "line 3, column userPrincipalName", "on line 1"},
		{"truncated", good[:len(good)-30], "line 2", "invalid JSON"},
		{"bad currency", strings.Replace(good, `"EUR"`, `"EURO"`, 1), "line 1, column currency", "allowed values"},
		{"misspelt field", strings.Replace(good, `"duration"`, `"duraton"`, 1), "line 1, column duraton", "not a field"},
		{"no identity", strings.Replace(good, `"userPrincipalName":"a@contoso.com",`, ``, 1), "line 1, column userPrincipalName", "is required"},
		{"duplicate id", good + line("aaaaaaaa-0000-4000-8000-000000000001", "a@contoso.com"), "line 3, column id", "line 1"},
		{"CRLF and blank lines", strings.ReplaceAll(good, "\n", "\r\n\r\n") + `{"id":1}`, "line 5, column id", ""},
		{"user line without its name", good + `{"organizerId":"22222222-2222-4333-8444-555555555555","userDisplayName":"B","userUsageLocation":"NL"}`,
			"line 3, column userPrincipalName", "is required"},
		{"user line in no country", good + userLine("22222222-2222-4333-8444-555555555555", "b@contoso.com", "XX"),
			"line 3, column userUsageLocation", "allowed values"},
		{"user line against a call line", good + userLine("11111111-2222-4333-8444-555555555555", "b@contoso.com", "NL"),
			"line 3, column userPrincipalName", "on line 1"},
		{"user line with an id that is not a GUID", good + userLine("u-1", "b@contoso.com", "NL"), "line 3, column organizerId", ""},
		{"call line with an organizer and nothing else a call has", good + `{"organizerId":"22222222-2222-4333-8444-555555555555","duration":61}`,
			"line 3, column id", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Load("calls.jsonl", []byte(tt.doc))
			checkRefused(t, err, tt.place, tt.reason)
		})
	}
}

// generatedTenant generates a tenant of users over the days before
// 2026-11-30.
func generatedTenant(tb testing.TB, users, days int) (*generator.Tenant, generator.Spec) {
	tb.Helper()
	spec := generator.DefaultSpec(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	spec.Users, spec.WindowDays = users, days
	tenant, err := generator.Generate(context.Background(), spec, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return tenant, spec
}

// TestLedgerCSVRoundTrip: the ledger's CSV (GET /_mock/calls?format=csv)
// loads back as the same dataset, every field of every call included: its
// JSON Lines are the same, byte for byte. The hand-written admin center
// export and a generated tenant have every call type and the call log
// fields.
func TestLedgerCSVRoundTrip(t *testing.T) {
	l := newLoader(t)
	tenant, _ := generatedTenant(t, 20, 60)
	// The generated tenant as a loaded dataset, which writes every conf_out
	// call's callType as a loaded one does.
	var lines bytes.Buffer
	if err := WriteDataset(&lines, "jsonl", tenant.Calls(everything), tenant.Users()); err != nil {
		t.Fatal(err)
	}
	generated, err := l.Load("generated.jsonl", lines.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	datasets := map[string]Dataset{"generated": generated}
	for _, name := range []string{"multi-currency.json", "location-change.json", "non-ascii.json", "rows-1000.json"} {
		doc, err := fixtures.Scenarios.ReadFile("scenarios/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if datasets[name], err = l.Load(name, doc); err != nil {
			t.Fatal(err)
		}
	}
	if datasets["pstn-export.csv"], err = l.Load("pstn-export.csv", []byte(readExport(t))); err != nil {
		t.Fatal(err)
	}
	for name, ds := range datasets {
		t.Run(name, func(t *testing.T) {
			back := roundTrip(t, l, ds, "csv")
			var want, got bytes.Buffer
			WriteCalls(&want, "jsonl", ds.Source.Calls(everything), UsersOf(ds.Source))
			WriteCalls(&got, "jsonl", back.Source.Calls(everything), UsersOf(back.Source))
			if diff := cmp.Diff(strings.Split(want.String(), "\n"), strings.Split(got.String(), "\n")); diff != "" {
				t.Errorf("the calls loaded back, as JSON Lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLedgerCSVColumns: the ledger's CSV keeps the 15 columns it always had,
// by name and in order, and adds the others after them.
func TestLedgerCSVColumns(t *testing.T) {
	old := []string{"id", "organizerId", "startDateTime", "endDateTime", "duration", "destinationContext", "charge",
		"connectionCharge", "currency", "usageLocation", "dialerId", "calleeNumber", "destinationName", "conferenceId", "licenseCapability"}
	if diff := cmp.Diff(old, callCSVHeader[:len(old)]); diff != "" {
		t.Errorf("the first %d columns (-old +now):\n%s", len(old), diff)
	}
	for _, added := range []string{"userPrincipalName", "callType", "callId", "callerNumber", "callDurationSource"} {
		if !slices.Contains(callCSVHeader[len(old):], added) {
			t.Errorf("no column %s after the old ones", added)
		}
	}
}

func TestLedgerCSVRefused(t *testing.T) {
	l := newLoader(t)
	header := strings.Join(callCSVHeader, ",") + "\n"
	row := func(id, upn, currency string) string {
		return id + ",11111111-2222-4333-8444-555555555555,2026-10-05T10:00:00Z,2026-10-05T10:01:01Z,61,Domestic,0.07,0.00," + currency +
			",NL,,+31205550100,,,," + upn + ",A,NL,conf_out,,,,,,,,\n"
	}
	good := header + row("aaaaaaaa-0000-4000-8000-000000000001", "a@contoso.com", "EUR") + row("aaaaaaaa-0000-4000-8000-000000000002", "a@contoso.com", "EUR")
	if _, err := l.Load("good.csv", []byte(good)); err != nil {
		t.Fatalf("Load(good) = %v", err)
	}
	if _, err := l.Load("", []byte("\uFEFF"+strings.ReplaceAll(good, "\n", "\r\n"))); err != nil {
		t.Errorf("Load(good with a BOM and CRLF, format from the content) = %v", err)
	}
	oldHeader := strings.Join(callCSVHeader[:15], ",") + "\n"
	tests := []struct {
		name, doc, place, reason string
	}{
		{"bad currency", header + row("aaaaaaaa-0000-4000-8000-000000000001", "a@contoso.com", "EURO"), "line 2, column currency", "allowed values"},
		{"identity differs", good + row("aaaaaaaa-0000-4000-8000-000000000003", "b@contoso.com", "EUR"), "line 4, column userPrincipalName", "on line 2"},
		{"duplicate id", good + row("aaaaaaaa-0000-4000-8000-000000000001", "a@contoso.com", "EUR"), "line 4, column id", "line 2"},
		{"duration not a number", strings.Replace(good, ",61,", ",sixty,", 1), "line 2, column duration", ""},
		{"a row short of a cell", header + "aaaaaaaa-0000-4000-8000-000000000001,x\n", "line 2", "2 columns, want the header's 27"},
		{"misspelt column", strings.Replace(good, "calleeNumber", "caleeNumber", 1), "line 1, column 12", "misspelt"},
		{"repeated column", strings.Replace(good, "calleeNumber", "callerNumber", 1), "line 1, column 21", "repeats column 12"},
		{"no currency column", strings.Replace(good, ",currency,", ",", 1), "line 1", "no column currency"},
		{"the old 15 columns, without the organizer's identity", oldHeader + strings.Join(strings.Split(row("aaaaaaaa-0000-4000-8000-000000000001", "a@contoso.com", "EUR"), ",")[:15], ",") + "\n",
			"line 2, column userPrincipalName", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Load("calls.csv", []byte(tt.doc))
			checkRefused(t, err, tt.place, tt.reason)
		})
	}
}

// TestGeneratedExportServesTheGeneratedRows: the admin center export that
// `dialoutmock generate --format teams-csv` writes of a generated tenant
// loads as a dataset with the tenant's dial-out rows, row by row.
func TestGeneratedExportServesTheGeneratedRows(t *testing.T) {
	tenant, spec := generatedTenant(t, 40, 120)
	var csv bytes.Buffer
	if err := WriteCalls(&csv, "teams-csv", tenant.Calls(everything), tenant.Users()); err != nil {
		t.Fatal(err)
	}
	ds, err := newLoader(t).Load("tenant.csv", csv.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	from, to := spec.Window()
	for q := (report.Query{From: from, To: from.AddDate(0, 0, 90)}); !q.From.After(to); q.From, q.To = q.From.AddDate(0, 0, 30), q.To.AddDate(0, 0, 30) {
		want, got := tenant.Rows(q), ds.Source.Rows(q)
		if len(want) == 0 {
			t.Fatalf("the generated tenant has no rows from %s", q.From)
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(report.Money.Equal)); diff != "" {
			t.Errorf("rows from %s (-generated +loaded):\n%s", q.From.Format(time.DateOnly), diff)
		}
	}
	if got, want := ds.Source.Summary().Calls, tenant.Summary().Calls; got != want {
		t.Errorf("loaded %d calls, want the tenant's %d", got, want)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want Format
	}{
		{`{"users":[]}`, FormatJSON},
		{" \n{\"name\":\"x\",\"users\":[]}", FormatJSON},
		{"{\"id\":\"x\"}\n{\"id\":\"y\"}\n", FormatJSONL},
		{"UsageId,Call ID", FormatCSV},
		{"\uFEFFUsageId,Call ID", FormatCSV},
		{"PK\x03\x04....", FormatZip},
		{"", FormatJSON},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q) = %q, want %q", tt.head, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name, ct string
		want     Format
	}{{"a.JSONL", "", FormatJSONL}, {"", "text/csv; charset=utf-8", FormatCSV}, {"x", "application/zip", FormatZip}, {"", "application/x-www-form-urlencoded", ""}} {
		if got := FormatOf(tt.name, tt.ct); got != tt.want {
			t.Errorf("FormatOf(%q, %q) = %q, want %q", tt.name, tt.ct, got, tt.want)
		}
	}
}

func TestZipBounds(t *testing.T) {
	l := newLoader(t)
	zipOf := func(files map[string]string) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			f, _ := zw.Create(n)
			f.Write([]byte(files[n]))
		}
		zw.Close()
		return b.Bytes()
	}
	header := strings.Join(TeamsColumns[:], ",") + "\n"
	many := map[string]string{}
	for i := range maxZipEntries + 1 {
		many[fmt.Sprintf("f%d.txt", i)] = ""
	}
	tests := []struct {
		name   string
		doc    []byte
		reason string
	}{
		{"no export inside", zipOf(map[string]string{"readme.txt": "hi"}), "no PSTN.calls"},
		{"too many entries", zipOf(many), "at most 64"},
		{"a bomb", zipOf(map[string]string{"PSTN.calls.1.csv": header + strings.Repeat(" ", 300<<20)}), "zip bomb"},
		{"not a zip", []byte("PK\x03\x04 not really"), "not a zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Load("export.zip", tt.doc)
			var probs report.Problems
			if !errors.As(err, &probs) || !strings.Contains(probs.Error(), tt.reason) {
				t.Errorf("Load = %v, want a problem saying %q", err, tt.reason)
			}
		})
	}
}
