package schemas_test

import (
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
	"github.com/dialoutkit/dialoutkit/schemas"
)

// compile compiles one schema of schemas.FS the way the package documentation says: Entry first.
func compile(tb testing.TB, name string) *gojsonschema.Schema {
	tb.Helper()
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	sl.Validate = true
	entry, err := schemas.FS.ReadFile(schemas.Entry)
	if err != nil {
		tb.Fatal(err)
	}
	if name != schemas.Entry {
		if err := sl.AddSchemas(gojsonschema.NewBytesLoader(entry)); err != nil {
			tb.Fatalf("AddSchemas(%s) = %v", schemas.Entry, err)
		}
	}
	if name == schemas.CallLogPage {
		row, err := schemas.FS.ReadFile(schemas.CallLogEntry)
		if err != nil {
			tb.Fatal(err)
		}
		if err := sl.AddSchemas(gojsonschema.NewBytesLoader(row)); err != nil {
			tb.Fatalf("AddSchemas(%s) = %v", schemas.CallLogEntry, err)
		}
	}
	b, err := schemas.FS.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := sl.Compile(gojsonschema.NewBytesLoader(b))
	if err != nil {
		tb.Fatalf("Compile(%s) = %v", name, err)
	}
	return s
}

func TestFSHoldsExactlyTheNamedSchemas(t *testing.T) {
	var got []string
	err := fs.WalkDir(schemas.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got = append(got, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{schemas.Entry, schemas.Error, schemas.Page, schemas.Scenario, schemas.CallLogEntry, schemas.CallLogPage}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files in FS = %v, want %v", got, want)
	}
	for _, name := range want {
		b, _ := schemas.FS.ReadFile(name)
		var doc struct {
			Schema string `json:"$schema"`
			ID     string `json:"$id"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc.Schema != "http://json-schema.org/draft-07/schema#" {
			t.Errorf("%s: $schema = %q, want draft-07", name, doc.Schema)
		}
		if !strings.HasSuffix(doc.ID, "/"+name) {
			t.Errorf("%s: $id = %q, want it to end in the file name", name, doc.ID)
		}
	}
}

// TestCodeLists pins the size of the ISO lists and a few members, so an accidental edit shows.
func TestCodeLists(t *testing.T) {
	b, _ := schemas.FS.ReadFile(schemas.Entry)
	var doc struct {
		Definitions map[string]struct {
			Enum []string `json:"enum"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		def     string
		n       int
		in, out []string
	}{
		{"usageLocation", 249, []string{"US", "GB", "DE", "BR", "JP", "SS", "CW", "AX"}, []string{"UK", "EU", "XK", "AN", "us"}},
		{"currency", 180, []string{"USD", "EUR", "GBP", "JPY", "BRL", "INR", "ZWG", "XCG", "VED", "SLE"}, []string{"HRK", "ZWL", "SLL", "VEF", "BTC", "usd"}},
	}
	for _, tt := range tests {
		got := doc.Definitions[tt.def].Enum
		if len(got) != tt.n {
			t.Errorf("len(%s) = %d, want %d", tt.def, len(got), tt.n)
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("%s is not sorted and unique", tt.def)
		}
		for _, c := range tt.in {
			if !slices.Contains(got, c) {
				t.Errorf("%s lacks %s", tt.def, c)
			}
		}
		for _, c := range tt.out {
			if slices.Contains(got, c) {
				t.Errorf("%s holds %s", tt.def, c)
			}
		}
	}
}

const goodEntry = `{"userId":"0d3f1a6e-5b7c-4e2a-9f10-1c2d3e4f5a6b","userPrincipalName":"ana@contoso.com",` +
	`"userDisplayName":"Ana Souza","usageLocation":"BR","destinationContext":"International","currency":"BRL",` +
	`"totalCalls":3,"totalCallSeconds":912,"totalCallCharge":12.83}`

// with returns goodEntry with key set to the raw JSON value (or removed when value is "").
func with(key, value string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(goodEntry), &m); err != nil {
		panic(err)
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key] = json.RawMessage(value)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

const goodCall = `{"id":"6a1e0c52-2f43-4c8e-9d2b-0e5c8b7a9f10","organizerId":"0d3f1a6e-5b7c-4e2a-9f10-1c2d3e4f5a6b",` +
	`"startDateTime":"2026-10-01T09:30:00Z","duration":312,"destinationContext":"International",` +
	`"charge":1.25,"connectionCharge":0.05,"currency":"BRL"}`

const goodUser = `{"id":"0d3f1a6e-5b7c-4e2a-9f10-1c2d3e4f5a6b","userPrincipalName":"ana@contoso.com","displayName":"Ana Souza","usageLocation":"BR"}`

// callWith returns goodCall with key set to the raw JSON value.
func callWith(key, value string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(goodCall), &m); err != nil {
		panic(err)
	}
	m[key] = json.RawMessage(value)
	b, _ := json.Marshal(m)
	return string(b)
}

func scenario(users, calls string) string {
	return `{"users":[` + users + `],"calls":[` + calls + `]}`
}

func TestSchemas(t *testing.T) {
	const ctx = `"@odata.context":"https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)"`
	page1001 := `{` + ctx + `,"@odata.count":1001,"value":[` + strings.Repeat(goodEntry+",", 1000) + goodEntry + `]}`
	page1000 := `{` + ctx + `,"@odata.count":1000,"value":[` + strings.Repeat(goodEntry+",", 999) + goodEntry + `]}`
	const innerOK = `"innerError":{"date":"2026-11-26T14:21:05","request-id":"r","client-request-id":"c"}`

	tests := []schemaTest{
		{schemas.Entry, "good", goodEntry, true},
		{schemas.Entry, "extra property allowed", with("futureProperty", `"x"`), true},
		{schemas.Entry, "zero charge and seconds", with("totalCallSeconds", "0"), true},
		{schemas.Entry, "Int32 max seconds", with("totalCallSeconds", "2147483647"), true},
		{schemas.Entry, "seconds past Int32", with("totalCallSeconds", "2147483648"), false},
		{schemas.Entry, "calls past Int32", with("totalCalls", "2147483648"), false},
		{schemas.Entry, "zero calls", with("totalCalls", "0"), false},
		{schemas.Entry, "fractional calls", with("totalCalls", "1.5"), false},
		{schemas.Entry, "negative seconds", with("totalCallSeconds", "-1"), false},
		{schemas.Entry, "negative charge", with("totalCallCharge", "-0.01"), false},
		{schemas.Entry, "string charge", with("totalCallCharge", `"12.83"`), false},
		{schemas.Entry, "upper-case GUID", with("userId", `"0D3F1A6E-5B7C-4E2A-9F10-1C2D3E4F5A6B"`), false},
		{schemas.Entry, "GUID without hyphens", with("userId", `"0d3f1a6e5b7c4e2a9f101c2d3e4f5a6b"`), false},
		{schemas.Entry, "braced GUID", with("userId", `"{0d3f1a6e-5b7c-4e2a-9f10-1c2d3e4f5a6b}"`), false},
		{schemas.Entry, "unknown country", with("usageLocation", `"UK"`), false},
		{schemas.Entry, "lower-case country", with("usageLocation", `"br"`), false},
		{schemas.Entry, "withdrawn currency", with("currency", `"HRK"`), false},
		{schemas.Entry, "not a currency", with("currency", `"BTC"`), false},
		{schemas.Entry, "bad destination", with("destinationContext", `"Local"`), false},
		{schemas.Entry, "lower-case destination", with("destinationContext", `"domestic"`), false},
		{schemas.Entry, "missing userDisplayName", with("userDisplayName", ""), false},
		{schemas.Entry, "missing totalCallCharge", with("totalCallCharge", ""), false},
		{schemas.Entry, "null upn", with("userPrincipalName", "null"), false},

		{schemas.Page, "empty", `{` + ctx + `,"@odata.count":0,"value":[]}`, true},
		{schemas.Page, "one entry and a nextLink", `{` + ctx + `,"@odata.count":1,"@odata.nextLink":"https://graph.microsoft.com/beta/x?$skip=1","value":[` + goodEntry + `]}`, true},
		{schemas.Page, "1000 entries", page1000, true},
		{schemas.Page, "1001 entries", page1001, false},
		{schemas.Page, "bad entry inside", `{` + ctx + `,"@odata.count":1,"value":[` + with("currency", `"XYZ"`) + `]}`, false},
		{schemas.Page, "relative nextLink", `{` + ctx + `,"@odata.count":0,"@odata.nextLink":"/beta/x?$skip=1","value":[]}`, false},
		{schemas.Page, "no context", `{"@odata.count":0,"value":[]}`, false},
		{schemas.Page, "no count", `{` + ctx + `,"value":[]}`, false},
		{schemas.Page, "string count", `{` + ctx + `,"@odata.count":"0","value":[]}`, false},
		{schemas.Page, "no value", `{` + ctx + `,"@odata.count":0}`, false},

		{schemas.Error, "good", `{"error":{"code":"BadRequest","message":"bad",` + innerOK + `}}`, true},
		{schemas.Error, "empty message", `{"error":{"code":"Forbidden","message":"",` + innerOK + `}}`, true},
		{schemas.Error, "details allowed", `{"error":{"code":"BadRequest","message":"x","details":[],` + innerOK + `}}`, true},
		{schemas.Error, "no message", `{"error":{"code":"BadRequest",` + innerOK + `}}`, false},
		{schemas.Error, "null message", `{"error":{"code":"BadRequest","message":null,` + innerOK + `}}`, false},
		{schemas.Error, "empty code", `{"error":{"code":"","message":"x",` + innerOK + `}}`, false},
		{schemas.Error, "no innerError", `{"error":{"code":"BadRequest","message":"x"}}`, false},
		{schemas.Error, "date with zone", `{"error":{"code":"BadRequest","message":"x","innerError":{"date":"2026-11-26T14:21:05Z","request-id":"r","client-request-id":"c"}}}`, false},
		{schemas.Error, "no request-id", `{"error":{"code":"BadRequest","message":"x","innerError":{"date":"2026-11-26T14:21:05","client-request-id":"c"}}}`, false},
		{schemas.Error, "not an envelope", `{"message":"Not Found"}`, false},

		{schemas.Scenario, "good", scenario(goodUser, goodCall), true},
		{schemas.Scenario, "named, empty", `{"name":"empty","description":"nothing","users":[],"calls":[]}`, true},
		{schemas.Scenario, "all optional call fields", scenario(goodUser, goodCall[:len(goodCall)-1]+
			`,"endDateTime":"2026-10-01T09:35:12.5Z","usageLocation":"US","dialerId":"11111111-2222-4333-8444-555555555555","calleeNumber":"+1425555****",`+
			`"destinationName":"United States","conferenceId":"123456789","licenseCapability":"MCOPSTNPP"}`), true},
		{schemas.Scenario, "string decimals", scenario(goodUser, callWith("charge", `"1.25"`)), true},
		{schemas.Scenario, "whole string decimal", scenario(goodUser, callWith("charge", `"3"`)), true},
		{schemas.Scenario, "zero charge", scenario(goodUser, callWith("charge", `0`)), true},
		{schemas.Scenario, "seven fractional digits", scenario(goodUser, callWith("startDateTime", `"2026-10-01T09:30:00.0000001Z"`)), true},
		{schemas.Scenario, "three decimals", scenario(goodUser, callWith("charge", `1.255`)), false},
		{schemas.Scenario, "three decimals in a string", scenario(goodUser, callWith("charge", `"1.255"`)), false},
		{schemas.Scenario, "negative charge", scenario(goodUser, callWith("charge", `-1`)), false},
		{schemas.Scenario, "negative string charge", scenario(goodUser, callWith("connectionCharge", `"-0.05"`)), false},
		{schemas.Scenario, "not a decimal string", scenario(goodUser, callWith("charge", `"1,25"`)), false},
		{schemas.Scenario, "duration past Int32", scenario(goodUser, callWith("duration", `2147483648`)), false},
		{schemas.Scenario, "fractional duration", scenario(goodUser, callWith("duration", `1.5`)), false},
		{schemas.Scenario, "bad start", scenario(goodUser, callWith("startDateTime", `"2026-10-01 09:30"`)), false},
		// Any capability name the service uses is a licence (docs/contract.md#loading-real-data): MCOEV is one.
		{schemas.Scenario, "bad licence", scenario(goodUser, callWith("licenseCapability", `"mcoev"`)), false},
		{schemas.Scenario, "other licence", scenario(goodUser, callWith("licenseCapability", `"MCOEV_VIRTUALUSER"`)), true},
		{schemas.Scenario, "bad call type", scenario(goodUser, callWith("callType", `"Conf-Out"`)), false},
		{schemas.Scenario, "bot call type", scenario(goodUser, callWith("callType", `"ucap_in"`)), true},
		{schemas.Scenario, "bad currency", scenario(goodUser, callWith("currency", `"EURO"`)), false},
		{schemas.Scenario, "bad call location", scenario(goodUser, callWith("usageLocation", `"XX"`)), false},
		{schemas.Scenario, "bad organizer", scenario(goodUser, callWith("organizerId", `"ana"`)), false},
		{schemas.Scenario, "typo in a call", scenario(goodUser, callWith("chrage", `1`)), false},
		{schemas.Scenario, "typo in a user", scenario(`{"id":"0d3f1a6e-5b7c-4e2a-9f10-1c2d3e4f5a6b","userPrincipalName":"a@b","displayName":"A","usageLocation":"BR","dept":"x"}`, ""), false},
		{schemas.Scenario, "user without location", scenario(`{"id":"0d3f1a6e-5b7c-4e2a-9f10-1c2d3e4f5a6b","userPrincipalName":"a@b","displayName":"A"}`, ""), false},
		{schemas.Scenario, "typo at top", `{"users":[],"calls":[],"seed":1}`, false},
		{schemas.Scenario, "no calls", `{"users":[]}`, false},
	}
	tests = append(tests, callLogTests()...)
	compiled := map[string]*gojsonschema.Schema{}
	for _, name := range []string{schemas.Entry, schemas.Page, schemas.Error, schemas.Scenario, schemas.CallLogEntry, schemas.CallLogPage} {
		compiled[name] = compile(t, name)
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.schema, ".schema.json")+"/"+tt.name, func(t *testing.T) {
			res, err := compiled[tt.schema].Validate(gojsonschema.NewStringLoader(tt.doc))
			if err != nil {
				t.Fatalf("Validate = %v", err)
			}
			if res.Valid() != tt.valid {
				t.Errorf("Valid() = %v, want %v; errors: %v", res.Valid(), tt.valid, res.Errors())
			}
		})
	}
}

type schemaTest struct {
	schema, name, doc string
	valid             bool
}

// goodLogRow is a beta pstnCallLogRow as the documentation's example has
// it, with every property.
const goodLogRow = `{"id":"9c4984c7-6c3c-427d-a30c-bd0b2eacee90","callId":"1835317186_112562680@61.221.3.176",` +
	`"userId":"db03c14b-06eb-4189-939b-7cbf3a20ba27","userPrincipalName":"richard.malk@contoso.com","userDisplayName":"Richard Malk",` +
	`"startDateTime":"2019-11-01T00:00:08.2589935Z","endDateTime":"2019-11-01T00:03:47.2589935Z","duration":219,"charge":0.00,` +
	`"callType":"user_in","currency":"USD","calleeNumber":"+1234567890","usageCountryCode":"US","tenantCountryCode":"US",` +
	`"connectionCharge":0.00,"callerNumber":"+0123456789","destinationContext":null,"destinationName":"United States",` +
	`"conferenceId":null,"licenseCapability":"MCOPSTNU","inventoryType":"Subscriber","operator":"Microsoft",` +
	`"callDurationSource":"microsoft","otherPartyCountryCode":"US","administrativeUnitInfos":[]}`

// logRowWith returns goodLogRow with key set to the raw JSON value (or
// removed when value is "").
func logRowWith(pairs ...string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(goodLogRow), &m); err != nil {
		panic(err)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			delete(m, pairs[i])
		} else {
			m[pairs[i]] = json.RawMessage(pairs[i+1])
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func callLogTests() []schemaTest {
	const ctx = `"@odata.context":"https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)"`
	bot := []string{"callType", `"ucap_in"`, "userId", "null", "userPrincipalName", "null", "userDisplayName", "null"}
	conf := []string{"callType", `"conf_out"`, "destinationContext", `"International"`, "conferenceId", `"400001"`}
	return []schemaTest{
		{schemas.CallLogEntry, "the docs' example", goodLogRow, true},
		{schemas.CallLogEntry, "v1.0: no beta properties", logRowWith("otherPartyCountryCode", "", "administrativeUnitInfos", ""), true},
		{schemas.CallLogEntry, "an unknown property", logRowWith("clientLocalIpV4Address", `"10.0.0.1"`), true},
		{schemas.CallLogEntry, "whole seconds", logRowWith("startDateTime", `"2019-11-01T00:00:08Z"`), true},
		{schemas.CallLogEntry, "a bot with null user", logRowWith(bot...), true},
		{schemas.CallLogEntry, "a bot with an empty user", logRowWith(append(bot, "userId", `""`, "userPrincipalName", `""`, "userDisplayName", `""`)...), true},
		{schemas.CallLogEntry, "a bot with a user", logRowWith(append(bot, "userId", `"db03c14b-06eb-4189-939b-7cbf3a20ba27"`)...), false},
		{schemas.CallLogEntry, "a user call without a user", logRowWith("userId", "null"), false},
		{schemas.CallLogEntry, "a user call with an empty UPN", logRowWith("userPrincipalName", `""`), false},
		{schemas.CallLogEntry, "a dial-out", logRowWith(conf...), true},
		{schemas.CallLogEntry, "a dial-out of a dataset without conference ids", logRowWith(append(conf, "conferenceId", "null")...), true},
		{schemas.CallLogEntry, "a dial-in without destination context", logRowWith(append(conf, "callType", `"conf_in"`, "destinationContext", "null")...), false},
		{schemas.CallLogEntry, "a string charge", logRowWith("charge", `"0.00"`), false},
		{schemas.CallLogEntry, "a negative connection charge", logRowWith("connectionCharge", `-0.01`), false},
		{schemas.CallLogEntry, "duration past Int32", logRowWith("duration", `2147483648`), false},
		{schemas.CallLogEntry, "fractional duration", logRowWith("duration", `1.5`), false},
		{schemas.CallLogEntry, "a date without zone", logRowWith("startDateTime", `"2019-11-01T00:00:08"`), false},
		{schemas.CallLogEntry, "an unknown duration source", logRowWith("callDurationSource", `"carrier"`), false},
		{schemas.CallLogEntry, "a lower-case capability", logRowWith("licenseCapability", `"mcopstnu"`), false},
		{schemas.CallLogEntry, "a call type in another case", logRowWith("callType", `"User_In"`), false},
		{schemas.CallLogEntry, "no callerNumber", logRowWith("callerNumber", ""), false},
		{schemas.CallLogEntry, "an unknown country", logRowWith("usageCountryCode", `"UK"`), false},
		{schemas.CallLogEntry, "a withdrawn currency", logRowWith("currency", `"HRK"`), false},

		{schemas.CallLogPage, "empty", `{` + ctx + `,"@odata.count":0,"value":[]}`, true},
		{schemas.CallLogPage, "a row and the docs' nextLink", `{` + ctx + `,"@odata.count":1,"@odata.nextLink":"https://graph.microsoft.com/beta/communications/callRecords/getPstnCalls(from=2019-11-01,to=2019-12-01)?$skip=1000","value":[` + goodLogRow + `]}`, true},
		{schemas.CallLogPage, "1000 rows", `{` + ctx + `,"@odata.count":1000,"value":[` + strings.Repeat(goodLogRow+",", 999) + goodLogRow + `]}`, true},
		{schemas.CallLogPage, "1001 rows", `{` + ctx + `,"@odata.count":1001,"value":[` + strings.Repeat(goodLogRow+",", 1000) + goodLogRow + `]}`, false},
		{schemas.CallLogPage, "a bad row inside", `{` + ctx + `,"@odata.count":1,"value":[` + logRowWith("charge", `"1"`) + `]}`, false},
		{schemas.CallLogPage, "a relative nextLink", `{` + ctx + `,"@odata.count":0,"@odata.nextLink":"/beta/x?$skip=1","value":[]}`, false},
		{schemas.CallLogPage, "no count", `{` + ctx + `,"value":[]}`, false},
	}
}
