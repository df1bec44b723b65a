package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/report"
)

// The call log's encoder (appendLogRow, appendString) is checked here
// against an independent one: encoding/json, without HTML escaping, of
// structs built from the same rows, with decimals written from their cents.

// awkwardStrings are what a JSON string writer gets wrong: quotes and
// backslashes, every kind of control character, HTML characters, the line
// separators JavaScript cannot hold in a string, non-ASCII text, invalid
// UTF-8, and a special byte at each place of an eight-byte word.
var awkwardStrings = []string{
	"",
	"plain",
	`say "hi"`,
	`C:\calls\log`,
	"\x00\x01\x02\x1e\x1f",
	"tab\there\nnew line\rreturn",
	"\b backspace \f form feed \v vertical tab \x7f delete",
	"<script>alert('&amp;')</script>",
	"line\u2028separator\u2029paragraph",
	"Zürich Ærø 日本語 😀 \u00a0nbsp",
	"bad \xff\xfe utf-8 \xe2\x80 cut \xc3",
	"\xed\xa0\x80 surrogate half",
	"\ufeffbom and \ufffd replacement",
	"01234567\"",
	"0123456\\7",
	"012345\n67",
	"01234\x0067",
	"0123é567",
	"012<4>67&",
	"aaaaaaaabbbbbbbbccccccc\u2028dddddddd",
	"+31 20 555 0100 ***",
	strings.Repeat("long plain text ", 40) + `"end"`,
}

// jsonString is encoding/json's string for s, without HTML escaping, with
// \b and \f spelled \u0008 and \u000c as the mock writes them (encoding/json
// has written the short forms since Go 1.22; both are the same JSON).
func jsonString(tb testing.TB, s string) string {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		tb.Fatal(err)
	}
	return longEscapes(strings.TrimSuffix(buf.String(), "\n"))
}

// longEscapes rewrites the escapes \b and \f of JSON text as \u0008 and
// \u000c, escape by escape.
func longEscapes(js string) string {
	var b strings.Builder
	for i := 0; i < len(js); i++ {
		if js[i] != '\\' || i+1 == len(js) {
			b.WriteByte(js[i])
			continue
		}
		i++
		switch js[i] {
		case 'b':
			b.WriteString(`\u0008`)
		case 'f':
			b.WriteString(`\u000c`)
		default:
			b.WriteByte('\\')
			b.WriteByte(js[i])
		}
	}
	return b.String()
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	strs := append([]string(nil), awkwardStrings...)
	r := rand.New(rand.NewPCG(14, 2026))
	alphabet := []string{"a", "Z", "0", " ", `"`, `\`, "\n", "\x00", "\x1f", "\x7f", "\x80", "\xff", "é", "日", "😀", "\u2028", "\u2029", "<", "&", "\xe2\x80"}
	for range 2000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		strs = append(strs, b.String())
	}
	for _, s := range strs {
		if got, want := string(appendString(nil, s)), jsonString(t, s); got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString([]byte("prefix"), s)
		if !bytes.HasPrefix(got, []byte("prefix")) {
			t.Fatalf("appendString(%q) lost what the buffer held: %q", s, got)
		}
		got = got[len("prefix"):]
		if want := jsonString(t, s); string(got) != want {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendString(%q) = %s, not a JSON string: %v", s, got, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("appendString(%q) reads back as %q", s, back)
		}
	})
}

// TestPlainWord: a word is plain when each of its bytes is, whatever byte
// sits at whatever place, alone or next to others.
func TestPlainWord(t *testing.T) {
	word := func(b [8]byte) uint64 { return load64(string(b[:]), 0) }
	isPlain := func(b [8]byte) bool {
		for _, c := range b {
			if !plainByte[c] {
				return false
			}
		}
		return true
	}
	for pos := range 8 {
		for c := range 256 {
			b := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
			b[pos] = byte(c)
			if got, want := plainWord(word(b)), plainByte[c]; got != want {
				t.Errorf("plainWord(%q) = %v, want %v", b, got, want)
			}
		}
	}
	// Bytes around the thresholds, mixed: a borrow out of one byte must
	// not hide the next.
	edge := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, 0x5b, '\\', 0x5d, 0x7e, 0x7f, 0x80, 0x81, 0xa0, 0xa2, 0xdc, 0xff}
	r := rand.New(rand.NewPCG(8, 64))
	for range 200_000 {
		var b [8]byte
		for i := range b {
			b[i] = edge[r.IntN(len(edge))]
		}
		if got, want := plainWord(word(b)), isPlain(b); got != want {
			t.Fatalf("plainWord(%q) = %v, want %v", b, got, want)
		}
	}
	if got, want := load64("\x01\x02\x03\x04\x05\x06\x07\x08\x09", 1), uint64(0x0908070605040302); got != want {
		t.Errorf("load64 = %#x, want %#x", got, want)
	}
}

// logEntryV1 is a pstnCallLogRow of v1.0 as encoding/json writes it: the
// documented keys in their order, null for a missing value.
type logEntryV1 struct {
	ID                 string    `json:"id"`
	CallID             *string   `json:"callId"`
	UserID             *string   `json:"userId"`
	UserPrincipalName  *string   `json:"userPrincipalName"`
	UserDisplayName    *string   `json:"userDisplayName"`
	StartDateTime      time.Time `json:"startDateTime"`
	EndDateTime        time.Time `json:"endDateTime"`
	Duration           int64     `json:"duration"`
	Charge             any       `json:"charge"`
	CallType           string    `json:"callType"`
	Currency           string    `json:"currency"`
	CalleeNumber       *string   `json:"calleeNumber"`
	UsageCountryCode   *string   `json:"usageCountryCode"`
	TenantCountryCode  *string   `json:"tenantCountryCode"`
	ConnectionCharge   any       `json:"connectionCharge"`
	CallerNumber       *string   `json:"callerNumber"`
	DestinationContext string    `json:"destinationContext"`
	DestinationName    *string   `json:"destinationName"`
	ConferenceID       *string   `json:"conferenceId"`
	LicenseCapability  *string   `json:"licenseCapability"`
	InventoryType      *string   `json:"inventoryType"`
	Operator           *string   `json:"operator"`
	CallDurationSource *string   `json:"callDurationSource"`
}

// logEntryBeta adds beta's two properties.
type logEntryBeta struct {
	logEntryV1
	OtherPartyCountryCode   *string    `json:"otherPartyCountryCode"`
	AdministrativeUnitInfos []struct{} `json:"administrativeUnitInfos"`
}

// wantEntry builds the entry of c: decimals from their cents with exactly
// two places, a JSON number or, with ieee754, a string.
func wantEntry(tb testing.TB, c *report.Call, beta, ieee754 bool) any {
	tb.Helper()
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	money := func(m report.Money) any {
		cents, ok := m.Cents()
		if !ok || cents < 0 {
			tb.Fatalf("call %q: charge %v is not whole cents ≥ 0", c.ID, m)
		}
		s := fmt.Sprintf("%d.%02d", cents/100, cents%100)
		if ieee754 {
			return s
		}
		return json.Number(s)
	}
	typ := c.CallType
	if typ == "" {
		typ = report.ConfOut
	}
	e := logEntryV1{
		ID: c.ID, CallID: opt(c.CallID), UserID: opt(c.OrganizerID), UserPrincipalName: opt(c.UserPrincipalName),
		UserDisplayName: opt(c.UserDisplayName), StartDateTime: c.StartDateTime.UTC(), EndDateTime: c.EndDateTime.UTC(),
		Duration: c.Duration, Charge: money(c.Charge), CallType: typ, Currency: c.Currency,
		CalleeNumber: opt(c.CalleeNumber), UsageCountryCode: opt(c.UsageLocation), TenantCountryCode: opt(c.TenantCountryCode),
		ConnectionCharge: money(c.ConnectionCharge), CallerNumber: opt(c.CallerNumber),
		DestinationContext: c.DestinationContext.String(), DestinationName: opt(c.DestinationName),
		ConferenceID: opt(c.ConferenceID), LicenseCapability: opt(c.LicenseCapability), InventoryType: opt(c.InventoryType),
		Operator: opt(c.Operator), CallDurationSource: opt(c.CallDurationSource),
	}
	if !beta {
		return e
	}
	return logEntryBeta{logEntryV1: e, OtherPartyCountryCode: opt(c.OtherPartyCountryCode), AdministrativeUnitInfos: []struct{}{}}
}

// awkwardDataset is a ledger whose every free-text field, user's and
// call's, holds one of awkwardStrings in turn, with bot calls (no user),
// missing optional fields, fractions of seconds and charges from 0 to the
// largest. shift turns the strings the calls pick, so that two shifts are
// different data at the same positions.
func awkwardDataset(tb testing.TB, version string, shift int) Dataset {
	tb.Helper()
	var users []report.User
	for i, s := range awkwardStrings {
		users = append(users, report.User{
			ID:                fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", i),
			UserPrincipalName: "u" + s + "@contoso.com",
			DisplayName:       s,
			UsageLocation:     []string{"NL", "US", "FR"}[i%3],
		})
	}
	at := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	pick := func(i int) string { return awkwardStrings[(i+shift)%len(awkwardStrings)] }
	types := []string{"", "conf_out", "user_in", "user_out", "conf_in", "ucap_in", "ucap_out", "user_out_transfer"}
	charges := []int64{0, 1, 10, 99, 100, 125, 1999, 123456, 9_999_999_999_999_999}
	var calls []report.Call
	for i := range 3 * len(awkwardStrings) {
		typ := types[i%len(types)]
		c := report.Call{
			ID:                 fmt.Sprintf("call-%03d-", i) + pick(i),
			CallID:             pick(i + 1),
			CallType:           typ,
			StartDateTime:      at.Add(time.Duration(i) * 7 * time.Hour).Add(time.Duration(i%4) * 123456789 * time.Nanosecond),
			Duration:           int64(i * 37),
			Charge:             report.Cents(charges[i%len(charges)]),
			ConnectionCharge:   report.Cents(charges[(i+3)%len(charges)] % 10000),
			Currency:           []string{"EUR", "USD", "JPY"}[i%3],
			DestinationContext: report.Destination(i % 2),
			CalleeNumber:       pick(i + 2),
			CallerNumber:       pick(i + 3),
			DestinationName:    pick(i + 4),
			ConferenceID:       pick(i + 5),
			InventoryType:      pick(i + 6),
			Operator:           pick(i + 7),
			CallDurationSource: pick(i + 8),
		}
		if i%3 == 0 {
			c.LicenseCapability = "MCOPSTN1"
			c.TenantCountryCode, c.OtherPartyCountryCode = "NL", "DE"
		}
		if report.IsBot(c.Type()) {
			c.UsageLocation = "GB"
		} else {
			c.OrganizerID = users[i%len(users)].ID
		}
		calls = append(calls, c)
	}
	return mustDataset(tb, version, users, calls)
}

// smallTenant is a generated tenant of a few users, every call type.
func smallTenant(tb testing.TB) Dataset {
	tb.Helper()
	s := generator.DefaultSpec(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	s.Users = 12
	ds, err := dataset.Generate(context.Background(), s, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

// TestCallLogMatchesEncodingJSON pages through the call log, beta and v1.0,
// with decimals as numbers and as strings, and compares every page's value
// with encoding/json's encoding of the same calls, byte for byte.
func TestCallLogMatchesEncodingJSON(t *testing.T) {
	for _, d := range []struct {
		name     string
		ds       Dataset
		from, to string
	}{
		{"awkward strings", awkwardDataset(t, "s-awkward", 0), "2026-10-01", "2026-10-31"},
		{"generated tenant", smallTenant(t), "2026-10-01", "2026-10-20"},
	} {
		q := report.Query{From: mustTime(t, d.from), To: mustTime(t, d.to)} // both ends inclusive, a date is its midnight
		var calls []report.Call
		for c := range d.ds.Source.Calls(q) {
			calls = append(calls, c)
		}
		if len(calls) < 20 {
			t.Fatalf("%s: %d calls from %s to %s, want 20 or more", d.name, len(calls), d.from, d.to)
		}
		_, ts := newTestServer(t, d.ds, Config{PageSize: 7})
		for _, c := range []struct {
			name    string
			path    string
			beta    bool
			ieee754 bool
		}{
			{"beta", logPath, true, false},
			{"beta IEEE754Compatible", logPath, true, true},
			{"v1.0", logPathV1, false, false},
			{"v1.0 IEEE754Compatible", logPathV1, false, true},
		} {
			t.Run(d.name+"/"+c.name, func(t *testing.T) {
				accept := ""
				if c.ieee754 {
					accept = "application/json;odata.metadata=minimal;IEEE754Compatible=true"
				}
				link := ts.URL + c.path + "(fromDateTime=" + d.from + ",toDateTime=" + d.to + ")"
				i := 0
				for link != "" {
					r := get(t, link, "Accept", accept)
					if r.status != 200 {
						t.Fatalf("GET %s: status %d, want 200: %s", link, r.status, r.body)
					}
					var page struct {
						Next  string            `json:"@odata.nextLink"`
						Value []json.RawMessage `json:"value"`
					}
					if err := json.Unmarshal(r.body, &page); err != nil {
						t.Fatalf("GET %s: %v in %s", link, err, r.body)
					}
					for _, got := range page.Value {
						if i == len(calls) {
							t.Fatalf("more entries than the %d calls of the range", len(calls))
						}
						var out bytes.Buffer
						enc := json.NewEncoder(&out)
						enc.SetEscapeHTML(false)
						if err := enc.Encode(wantEntry(t, &calls[i], c.beta, c.ieee754)); err != nil {
							t.Fatal(err)
						}
						want := longEscapes(strings.TrimSuffix(out.String(), "\n"))
						if diff := cmp.Diff(want, string(got)); diff != "" {
							t.Fatalf("entry %d (call %q) mismatch (-want +got):\n%s", i, calls[i].ID, diff)
						}
						i++
					}
					link = page.Next
					if link != "" {
						if _, err := url.Parse(link); err != nil {
							t.Fatalf("nextLink %q: %v", link, err)
						}
					}
				}
				if i != len(calls) {
					t.Errorf("the pages hold %d entries, want %d", i, len(calls))
				}
			})
		}
	}
}

func mustTime(tb testing.TB, date string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
