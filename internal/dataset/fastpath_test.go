package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
	"github.com/dialoutkit/dialoutkit/schemas"
)

// checkFastPath fails unless the fast path's verdict on one record agrees
// with gojsonschema's: a record the fast path accepts is valid JSON, passes
// the number bounds and the schema, and decodes (json.Unmarshal) to what
// the fast path decoded. It returns whether the fast path accepted it.
func checkFastPath(tb testing.TB, l *ScenarioLoader, user bool, rec []byte) bool {
	tb.Helper()
	var (
		fast, slow any
		ok         bool
		def        = "call"
	)
	if user {
		var u report.User
		ok, fast, slow, def = l.fastUser(rec, &u), &u, &report.User{}, "user"
	} else {
		var c report.Call
		ok, fast, slow = l.fastCall(rec, &c), &c, &report.Call{}
	}
	if !ok {
		return false
	}
	if !json.Valid(rec) {
		tb.Fatalf("the fast path accepted the %s %s, which is not JSON", def, rec)
	}
	if reason, huge := hugeNumber(rec); huge {
		tb.Fatalf("the fast path accepted the %s %s, which the loader refuses: %s", def, rec, reason)
	}
	b := report.NewBuilder(nil)
	schema := l.call
	if user {
		schema = l.user
	}
	if !l.schemaProblems(b, schema, rec, func(p string) string { return p }) {
		tb.Fatalf("the fast path accepted the %s %s, which the schema refuses: %v", def, rec, b.Err(""))
	}
	if err := json.Unmarshal(rec, slow); err != nil {
		tb.Fatalf("the fast path accepted the %s %s, which json.Unmarshal refuses: %v", def, rec, err)
	}
	if diff := cmp.Diff(slow, fast, cmp.Comparer(report.Money.Equal)); diff != "" {
		tb.Fatalf("the fast path read the %s %s as json.Unmarshal does not (-json.Unmarshal +fast path):\n%s", def, rec, diff)
	}
	return true
}

// namedRecords are the users and calls of every named scenario and of the
// refused edits of edges.json that are JSON.
func namedRecords(tb testing.TB) (users, calls [][]byte) {
	tb.Helper()
	var docs [][]byte
	files, err := fixtures.Scenarios.ReadDir("scenarios")
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range files {
		b, err := fixtures.Scenarios.ReadFile("scenarios/" + f.Name())
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, b)
	}
	for _, c := range refusedScenarios(tb) {
		docs = append(docs, []byte(c.Doc))
	}
	for _, doc := range docs {
		var s struct{ Users, Calls []json.RawMessage }
		if json.Unmarshal(doc, &s) != nil {
			continue
		}
		for _, u := range s.Users {
			users = append(users, u)
		}
		for _, c := range s.Calls {
			calls = append(calls, c)
		}
	}
	return users, calls
}

// trickyValues are member values at the edges of the schema's rules.
var trickyValues = []string{
	`""`, `"x"`, `" "`, `0`, `-0`, `1`, `0.1`, `0.10`, `1.5`, `1.555`, `1.0`, `1e2`, `1E+2`, `1e-2`, `01`, `-1`, `00.5`, `.5`, `1.`,
	`2147483647`, `2147483648`, `99999999999`, `12345678901234567890`, `"12345678901234567.89"`, `"1234567890123456.89"`,
	`"1.25"`, `"01.5"`, `"1."`, `".5"`, `"-1"`, `"1e2"`, `" 1"`, `"1.255"`, `"0"`,
	`null`, `true`, `false`, `[]`, `{}`, `["EUR"]`, `{"a":1}`,
	`"EUR"`, `"eur"`, `"EURO"`, `"XCG"`, `"NL"`, `"nl"`, `"ZZ"`, `"N\u004c"`, `"Domestic"`, `"domestic"`, `"International"`,
	`"2026-10-05T10:00:00Z"`, `"2026-10-05T10:00:00.5+02:00"`, `"2026-10-05"`, `"10:00:00"`, `"2026-10-05T10:00:00"`, `"2026-10-05T10:00:00\u005a"`,
	`"2026-10-05t10:00:00z"`, `"2026-10-05T24:00:00Z"`, `"0001-01-01T00:00:00Z"`, `"9999-12-31T23:59:59Z"`,
	`"3f2504e0-4f89-41d3-9a0c-0305e82c3301"`, `"3F2504E0-4F89-41D3-9A0C-0305E82C3301"`, `"3f2504e0-4f89-41d3-9a0c-0305e82c330"`, `"3f2504e04f8941d39a0c0305e82c3301"`,
	`"conf_out"`, `"Conf_out"`, `"1conf"`, `"MCOEV_VIRTUALUSER"`, `"mcoev"`,
	`"A\"B"`, `"\\"`, `"\u00e9"`, `"é"`, `"\ud800"`, `"a\u0000b"`, "\"\xff\"", "\"\xed\xa0\x80\"", `"\/"`, `"<&>"`, `"\u2028"`,
	`"` + strings.Repeat("x", 1024) + `"`, `"` + strings.Repeat("x", 1025) + `"`, `"` + strings.Repeat("é", 600) + `"`,
	`"` + strings.Repeat("A", 64) + `"`, `"` + strings.Repeat("A", 65) + `"`, `"` + strings.Repeat("a", 64) + `"`, `"` + strings.Repeat("a", 65) + `"`,
}

// mutate changes rec (a JSON object) at random: a member's value replaced
// by another record's or a tricky one, dropped, given twice, renamed or
// added; or a byte changed, added or dropped. values are the values each
// key has in some record.
func mutate(r *rand.Rand, rec []byte, keys []string, values map[string][]json.RawMessage) []byte {
	var m map[string]json.RawMessage
	if r.IntN(6) == 0 || json.Unmarshal(rec, &m) != nil || len(m) == 0 {
		b := slices.Clone(rec)
		i := r.IntN(len(b) + 1)
		c := "\"{}[],:\\ 0.-eE\x00\xff"[r.IntN(16)]
		switch r.IntN(3) {
		case 0:
			return slices.Insert(b, i, c)
		case 1:
			if i < len(b) {
				return slices.Delete(b, i, i+1)
			}
		}
		if i < len(b) {
			b[i] = c
		}
		return b
	}
	type member struct {
		k string
		v json.RawMessage
	}
	var ms []member
	for k, v := range m {
		ms = append(ms, member{k, v})
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.k, b.k) })
	r.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	for n := 1 + r.IntN(2); n > 0; n-- {
		i := r.IntN(len(ms))
		if vs := values[ms[i].k]; len(vs) > 0 && r.IntN(2) == 0 {
			ms[i].v = vs[r.IntN(len(vs))]
			continue
		}
		switch r.IntN(8) {
		case 0:
			ms = slices.Delete(ms, i, i+1)
		case 1:
			ms = append(ms, member{ms[i].k, json.RawMessage(trickyValues[r.IntN(len(trickyValues))])})
		case 2:
			ms[i].k = strings.ToUpper(ms[i].k[:1]) + ms[i].k[1:]
		case 3:
			ms = append(ms, member{keys[r.IntN(len(keys))], json.RawMessage(trickyValues[r.IntN(len(trickyValues))])})
		default:
			ms[i].v = json.RawMessage(trickyValues[r.IntN(len(trickyValues))])
		}
		if len(ms) == 0 {
			break
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteString([]string{",", ", ", ",\n"}[r.IntN(3)])
		}
		k, _ := json.Marshal(m.k)
		if r.IntN(20) == 0 {
			k = []byte(`"\u00` + fmt.Sprintf("%02x", m.k[0]) + m.k[1:] + `"`)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

var (
	userKeys = []string{"id", "userPrincipalName", "displayName", "usageLocation"}
	callKeys = []string{"id", "organizerId", "userPrincipalName", "userDisplayName", "userUsageLocation", "startDateTime",
		"endDateTime", "duration", "destinationContext", "charge", "connectionCharge", "currency", "usageLocation", "dialerId",
		"calleeNumber", "destinationName", "conferenceId", "licenseCapability", "callType", "callId", "callerNumber",
		"numberType", "tenantCountryCode", "otherPartyCountryCode", "inventoryType", "operator", "callDurationSource", "extra"}
)

// TestFastPathAgreesWithTheSchema runs the fast path and gojsonschema over
// every user and call of the named scenarios, over thousands of random
// edits of them, and over a table of edge cases: whenever the fast path
// accepts a record, gojsonschema accepts it too and json.Unmarshal reads it
// alike.
func TestFastPathAgreesWithTheSchema(t *testing.T) {
	l := newLoader(t)
	users, calls := namedRecords(t)
	if len(users) < 20 || len(calls) < 100 {
		t.Fatalf("named scenarios hold %d users and %d calls, want more", len(users), len(calls))
	}
	t.Run("named", func(t *testing.T) {
		accepted := 0
		for _, u := range users {
			if checkFastPath(t, l, true, u) {
				accepted++
			}
		}
		for _, c := range calls {
			if checkFastPath(t, l, false, c) {
				accepted++
			}
		}
		// The named scenarios are valid but for the refused edits: the fast
		// path reads nearly all of them.
		if total := len(users) + len(calls); accepted < total*9/10 {
			t.Errorf("the fast path accepted %d of %d named records, want at least 90%%", accepted, total)
		}
	})
	t.Run("edited", func(t *testing.T) {
		values := map[string][]json.RawMessage{}
		for _, rec := range slices.Concat(users, calls) {
			var m map[string]json.RawMessage
			json.Unmarshal(rec, &m)
			for k, v := range m {
				values[k] = append(values[k], v)
			}
		}
		r := rand.New(rand.NewPCG(12, 1))
		n := 4000
		if testing.Short() {
			n = 500
		}
		accepted := 0
		for i := range n {
			user := i%4 == 0
			rec, keys := calls[r.IntN(len(calls))], callKeys
			if user {
				rec, keys = users[r.IntN(len(users))], userKeys
			}
			for range 1 + r.IntN(2) {
				rec = mutate(r, rec, keys, values)
			}
			if checkFastPath(t, l, user, rec) {
				accepted++
			}
		}
		t.Logf("the fast path accepted %d of %d edited records; gojsonschema judged the others", accepted, n)
		if accepted < n/10 {
			t.Errorf("the fast path accepted %d of %d edited records, want at least 10%% (to test what it accepts)", accepted, n)
		}
	})
	t.Run("edges", func(t *testing.T) {
		base := `"id":"aaaaaaaa-0000-4000-8000-000000000001","startDateTime":"2026-10-05T10:00:00Z","duration":61,` +
			`"destinationContext":"Domestic","charge":0.07,"connectionCharge":0,"currency":"EUR"`
		call := func(extra string) string { return "{" + base + extra + "}" }
		user := `{"id":"11111111-2222-4333-8444-555555555555","userPrincipalName":"a@contoso.com","displayName":"A","usageLocation":"NL"}`
		tests := []struct {
			name string
			user bool
			rec  string
			fast bool // whether the fast path reads it; when not, gojsonschema judges it
		}{
			{"a call", false, call(""), true},
			{"a user", true, user, true},
			{"white space", false, " \r\n\t" + strings.ReplaceAll(call(""), ",", " ,\n\t ") + " \n", true},
			{"every field", false, call(`,"organizerId":"11111111-2222-4333-8444-555555555555","userPrincipalName":"a@b","userDisplayName":"A",` +
				`"userUsageLocation":"NL","endDateTime":"2026-10-05T10:01:01Z","usageLocation":"NL","dialerId":"11111111-2222-4333-8444-555555555555",` +
				`"calleeNumber":"+31","destinationName":"NL","conferenceId":"1","licenseCapability":"MCOPSTN1","callType":"user_out","callId":"c",` +
				`"callerNumber":"+31","numberType":"toll","tenantCountryCode":"NL","otherPartyCountryCode":"DE","inventoryType":"x","operator":"y",` +
				`"callDurationSource":"z"`), true},
			{"charge as a string", false, strings.Replace(call(""), "0.07", `"0.07"`, 1), true},
			{"charge with leading zeros, a string", false, strings.Replace(call(""), "0.07", `"007.5"`, 1), true},
			{"charge of 16 whole digits", false, strings.Replace(call(""), "0.07", `1234567890123456.78`, 1), false},
			{"charge in an exponent", false, strings.Replace(call(""), "0.07", `7e-2`, 1), false},
			{"charge of three places", false, strings.Replace(call(""), "0.07", `0.075`, 1), false},
			{"charge negative zero", false, strings.Replace(call(""), "0.07", `-0`, 1), false},
			{"charge null", false, strings.Replace(call(""), "0.07", `null`, 1), false},
			{"duration 2147483647", false, strings.Replace(call(""), ":61", ":2147483647", 1), true},
			{"duration 2147483648", false, strings.Replace(call(""), ":61", ":2147483648", 1), false},
			{"duration 61.0", false, strings.Replace(call(""), ":61", ":61.0", 1), false},
			{"organizer empty", false, call(`,"organizerId":""`), true},
			{"organizer upper-case", false, call(`,"organizerId":"11111111-2222-4333-8444-55555555555A"`), false},
			{"a date, no time", false, strings.Replace(call(""), "2026-10-05T10:00:00Z", "2026-10-05", 1), false},
			{"a time with an escape", false, strings.Replace(call(""), "00Z", `00\u005a`, 1), false},
			{"a time with an offset and a fraction", false, strings.Replace(call(""), "00Z", `00.123+05:30`, 1), true},
			{"a name with escapes", false, call(`,"userDisplayName":"A \"B\" \\ C\u00e9\n"`), true},
			{"a name not UTF-8", false, call(",\"userDisplayName\":\"\xff\xfe\""), true},
			{"a name with a lone surrogate", false, call(`,"userDisplayName":"\ud800"`), true},
			{"a name with a control character", false, call(",\"userDisplayName\":\"a\x01\""), false},
			{"1024 bytes", false, call(`,"calleeNumber":"` + strings.Repeat("1", 1024) + `"`), true},
			{"1025 bytes", false, call(`,"calleeNumber":"` + strings.Repeat("1", 1025) + `"`), false},
			{"1024 letters of 2 bytes", false, call(`,"calleeNumber":"` + strings.Repeat("é", 1024) + `"`), false},
			{"no call type", false, call(`,"callType":""`), false},
			{"no capability", false, call(`,"licenseCapability":""`), true},
			{"a key twice", false, call(`,"currency":"EUR"`), false},
			{"a key escaped", false, strings.Replace(call(""), `"currency"`, `"curr\u0065ncy"`, 1), false},
			{"a key in another case", false, strings.Replace(call(""), `"currency"`, `"Currency"`, 1), false},
			{"an unknown key", false, call(`,"extra":""`), false},
			{"a required key missing", false, strings.Replace(call(""), `,"currency":"EUR"`, "", 1), false},
			{"a user without a name", true, strings.Replace(user, "a@contoso.com", "", 1), false},
			{"a user with an escaped name", true, strings.Replace(user, `"A"`, `"\u0041"`, 1), true},
			{"a user with a call's field", true, strings.Replace(user, `"A"`, `"A","duration":1`, 1), false},
			{"data after the object", false, call("") + "x", false},
			{"a second object", false, call("") + "{}", false},
			{"cut short", false, call("")[:40], false},
			{"a trailing comma", false, call(",")[:len(call(","))-1] + "}", false},
			{"an array", false, "[" + call("") + "]", false},
			{"empty", false, "", false},
			{"a number of leading zero", false, strings.Replace(call(""), ":61", ":061", 1), false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := checkFastPath(t, l, tt.user, []byte(tt.rec)); got != tt.fast {
					t.Errorf("fast path accepted %s = %v, want %v", tt.rec, got, tt.fast)
				}
			})
		}
	})
}

// TestFastPathReadsWhatWeWrite: every call `generate` and GET /_mock/calls
// write, and every user of a scenario WriteScenario writes, takes the fast
// path, so that loading them costs what the benchmarks say.
func TestFastPathReadsWhatWeWrite(t *testing.T) {
	l := newLoader(t)
	tenant, err := generator.Generate(t.Context(), smallSpec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	if err := WriteCalls(&lines, "jsonl", tenant.Calls(everything), tenant.Users()); err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range bytes.Lines(lines.Bytes()) {
		if n++; !l.fastCall(line, &report.Call{}) {
			t.Fatalf("the fast path does not read line %d: %s", n, line)
		}
	}
	var doc bytes.Buffer
	if err := WriteScenario(&doc, "x", "", tenant.Users(), tenant.Calls(everything)); err != nil {
		t.Fatal(err)
	}
	var s struct{ Users, Calls []json.RawMessage }
	if err := json.Unmarshal(doc.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	for i, u := range s.Users {
		if !l.fastUser(u, &report.User{}) {
			t.Fatalf("the fast path does not read user %d: %s", i, u)
		}
	}
	for i, c := range s.Calls {
		if !l.fastCall(c, &report.Call{}) {
			t.Fatalf("the fast path does not read call %d: %s", i, c)
		}
	}
	if n == 0 || len(s.Users) == 0 || len(s.Calls) != n {
		t.Errorf("wrote %d lines, %d users and %d calls, want some of each and as many calls as lines", n, len(s.Users), len(s.Calls))
	}
}

// TestFastPathKnowsTheSchema holds the rules of the scenario schema that
// fastpath.go implements, as the schema states them (enums of countries and
// currencies aside: the fast path reads those from the schema). When the
// schema changes, this fails: change fastCall and fastUser to match, then
// this table.
func TestFastPathKnowsTheSchema(t *testing.T) {
	var entry, scenario struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	for _, f := range []struct {
		name string
		dst  any
	}{{schemas.Entry, &entry}, {schemas.Scenario, &scenario}} {
		b, err := schemas.FS.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, f.dst); err != nil {
			t.Fatal(err)
		}
	}
	// resolve replaces a $ref by what it names, drops descriptions and
	// names the enums read at run time.
	var resolve func(v any) any
	resolve = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if name, ok := strings.CutPrefix(ref, "entry.schema.json#/definitions/"); ok {
					switch name {
					case "usageLocation", "currency":
						return "enum of " + name
					}
					return resolve(entry.Definitions[name])
				}
				return resolve(scenario.Definitions[strings.TrimPrefix(ref, "#/definitions/")])
			}
			out := map[string]any{}
			for k, e := range v {
				if k != "description" {
					out[k] = resolve(e)
				}
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = resolve(e)
			}
			return out
		}
		return v
	}
	got := map[string]string{}
	for _, def := range []string{"user", "call"} {
		d := resolve(scenario.Definitions[def]).(map[string]any)
		for prop, rule := range d["properties"].(map[string]any) {
			b, _ := json.Marshal(rule)
			got[def+"."+prop] = string(b)
		}
		delete(d, "properties")
		b, _ := json.Marshal(d)
		got[def] = string(b)
	}
	const (
		guid    = `{"pattern":"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$","type":"string"}`
		str     = `{"type":"string"}`
		str1024 = `{"maxLength":1024,"type":"string"}`
		dt      = `{"format":"date-time","type":"string"}`
		money   = `{"oneOf":[{"minimum":0,"multipleOf":0.01,"type":"number"},{"pattern":"^\\d+(\\.\\d{1,2})?$","type":"string"}]}`
		country = `"enum of usageLocation"`
	)
	want := map[string]string{
		"user":                   `{"additionalProperties":false,"required":["id","userPrincipalName","displayName","usageLocation"],"type":"object"}`,
		"user.id":                guid,
		"user.userPrincipalName": `{"minLength":1,"type":"string"}`,
		"user.displayName":       str,
		"user.usageLocation":     country,

		"call":                       `{"additionalProperties":false,"required":["id","startDateTime","duration","destinationContext","charge","connectionCharge","currency"],"type":"object"}`,
		"call.id":                    guid,
		"call.organizerId":           `{"anyOf":[` + guid + `,{"const":""}]}`,
		"call.userPrincipalName":     str,
		"call.userDisplayName":       str,
		"call.userUsageLocation":     country,
		"call.startDateTime":         dt,
		"call.endDateTime":           dt,
		"call.duration":              `{"maximum":2147483647,"minimum":0,"type":"integer"}`,
		"call.destinationContext":    `{"enum":["Domestic","International"],"type":"string"}`,
		"call.charge":                money,
		"call.connectionCharge":      money,
		"call.currency":              `"enum of currency"`,
		"call.usageLocation":         country,
		"call.dialerId":              guid,
		"call.calleeNumber":          str1024,
		"call.destinationName":       str1024,
		"call.conferenceId":          str1024,
		"call.licenseCapability":     `{"pattern":"^[A-Z0-9_]{0,64}$","type":"string"}`,
		"call.callType":              `{"pattern":"^[a-z][a-z0-9_]{0,63}$","type":"string"}`,
		"call.callId":                str1024,
		"call.callerNumber":          str1024,
		"call.numberType":            str1024,
		"call.tenantCountryCode":     country,
		"call.otherPartyCountryCode": country,
		"call.inventoryType":         str1024,
		"call.operator":              str1024,
		"call.callDurationSource":    str1024,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the scenario schema's rules changed (-what fastpath.go implements +the schema); change fastCall and fastUser, then this table:\n%s", diff)
	}
	for _, def := range []string{"usageLocation", "currency"} {
		if d := entry.Definitions[def]; d["type"] != "string" || len(d) != 3 || d["enum"] == nil {
			t.Errorf("entry definition %s = %v, want a type string and an enum (and a description)", def, d)
		}
	}
}

// FuzzFastPath: whatever a record holds, the fast path accepts it only if
// gojsonschema does, and reads it as json.Unmarshal does. Seeds: the named
// scenarios' records and the edge values.
//
//	go test ./internal/dataset -run '^$' -fuzz '^FuzzFastPath$' -fuzztime 30s
func FuzzFastPath(f *testing.F) {
	users, calls := namedRecords(f)
	for i := 0; i < len(users); i += 5 {
		f.Add(true, users[i])
	}
	for i := 0; i < len(calls); i += 50 { // the named scenarios repeat themselves
		f.Add(false, calls[i])
	}
	for _, v := range trickyValues {
		f.Add(false, bytes.Replace(calls[0], []byte(`"duration": 60`), []byte(`"duration": `+v), 1))
	}
	l := newLoader(f)
	f.Fuzz(func(t *testing.T, user bool, rec []byte) {
		checkFastPath(t, l, user, rec)
	})
}
