package generator

import (
	"context"
	"encoding/hex"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dialoutkit/dialoutkit/report"
)

// The calls as the generator built them before LogCall, one string at a
// time: the reference that CallsAt and LogCallsAt must keep matching.

func oldGUIDString(g guid) string {
	var raw [16]byte
	for i := range 8 {
		raw[i] = byte(g.hi >> (56 - 8*i))
		raw[8+i] = byte(g.lo >> (56 - 8*i))
	}
	var b [36]byte
	hex.Encode(b[0:8], raw[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], raw[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], raw[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], raw[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], raw[10:16])
	return string(b[:])
}

func oldPartyNumber(c *country, mobile bool, r rng, own bool) string {
	lead := c.geo
	if mobile {
		lead = c.mobile
	}
	masked := maskedDigits(c.code)
	if own {
		masked = 0
	}
	b := make([]byte, 0, 1+len(c.dial)+c.digits)
	b = append(b, '+')
	b = append(b, c.dial...)
	b = append(b, lead[r.below(uint64(len(lead)))])
	for i := 1; i < c.digits; i++ {
		if i >= c.digits-masked {
			b = append(b, '*')
			continue
		}
		b = append(b, byte('0'+r.below(10)))
	}
	return string(b)
}

func (g *gen) oldOwnNumber(kind, id uint64, c *country) string {
	return oldPartyNumber(c, false, rng{hash(g.seedKey, tagOwnNumber, kind, id)}, true)
}

func oldSIPCallID(r rng) string {
	b := make([]byte, 0, 40)
	b = strconv.AppendUint(b, r.below(1<<31), 10)
	b = append(b, '_')
	b = strconv.AppendUint(b, r.below(1<<30), 10)
	b = append(b, '@')
	for i := range 4 {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, 1+r.below(254), 10)
	}
	return string(b)
}

func (g *gen) oldCall(users []report.User, u int, d int64, x *draw) report.Call {
	key := callKey(u, d, x.k)
	from, to := &countries[x.loc], &countries[x.dest]
	start := time.Unix(x.start, 0).UTC()
	c := report.Call{
		ID:                g.callID(key).oldString(),
		OrganizerID:       users[u].ID,
		StartDateTime:     start,
		EndDateTime:       start.Add(time.Duration(x.seconds) * time.Second),
		Duration:          int64(x.seconds),
		Charge:            report.Cents(x.charge),
		ConnectionCharge:  report.Cents(x.conn),
		Currency:          currencyNames[x.loc],
		UsageLocation:     codeNames[x.loc],
		DestinationName:   to.name,
		LicenseCapability: "MCOPSTNPP",
	}
	if x.intl {
		c.DestinationContext = report.International
	}
	if x.covered {
		c.LicenseCapability = "MCOMEETADD"
	}
	if x.dialer >= 0 {
		c.DialerID = users[x.dialer].ID
	} else {
		r := rng{hash(g.seedKey, tagExternal, key, 0)}
		c.DialerID = newGUID(r.next(), r.next()).oldString()
	}
	r := rng{hash(g.seedKey, tagConference, uint64(u), uint64(d)<<16|uint64(x.meeting))}
	c.ConferenceID = newGUID(r.next(), r.next()).oldString()
	c.CalleeNumber = oldPartyNumber(to, x.mobile, rng{hash(g.seedKey, tagCallee, key, 0)}, false)

	// The call log's other fields, from streams of their own
	// (othercalls.go): the bridge's number dialed out from, and who
	// carried the call.
	c.CallID = oldSIPCallID(rng{hash(g.seedKey, tagCallID, key, 0)})
	c.CallerNumber = g.oldOwnNumber(1, uint64(x.loc), from)
	c.TenantCountryCode = g.tenantCountryName
	c.OtherPartyCountryCode = codeNames[x.dest]
	c.InventoryType = "Service"
	c.Operator = "Microsoft"
	c.CallDurationSource = "microsoft"
	return c
}

func (g *gen) oldOtherCall(users []report.User, stream, unit int, d int64, x *odraw) report.Call {
	key := logKey(stream, unit, d, x.k)
	loc, other := &countries[x.loc], &countries[x.other]
	start := time.Unix(x.start, 0).UTC()
	c := report.Call{
		ID:                    g.callID(key).oldString(),
		CallID:                oldSIPCallID(rng{hash(g.seedKey, tagCallID, key, 0)}),
		CallType:              otherTypes[x.typ],
		StartDateTime:         start,
		EndDateTime:           start.Add(time.Duration(x.seconds) * time.Second),
		Duration:              int64(x.seconds),
		Charge:                report.Cents(x.charge),
		ConnectionCharge:      report.Cents(x.conn),
		Currency:              currencyNames[x.loc],
		UsageLocation:         codeNames[x.loc],
		TenantCountryCode:     g.tenantCountryName,
		OtherPartyCountryCode: codeNames[x.other],
		Operator:              "Microsoft",
		CallDurationSource:    "microsoft",
		InventoryType:         "Subscriber",
	}
	if x.other != x.loc {
		c.DestinationContext = report.International
	}
	party := oldPartyNumber(other, x.mobile, rng{hash(g.seedKey, tagParty, key, 0)}, false)
	var own string
	switch stream {
	case streamBot:
		c.LicenseCapability = "MCOEV_VIRTUALUSER"
		c.InventoryType = "Service"
		kind := uint64(3)
		if x.tollFree {
			c.InventoryType = "TollFree"
		}
		own = g.oldOwnNumber(kind, uint64(unit), loc)
	default:
		u := &users[unit]
		c.OrganizerID = u.ID
		plan := g.plans[unit]
		c.LicenseCapability = planCapability[plan]
		if plan == planOperator && x.typ != typeConfIn { // dial-ins reach Microsoft's bridge
			c.Operator = operators[countries[g.people[unit].home].code]
			if c.Operator == "" {
				c.Operator = "Colt"
			}
			c.CallDurationSource = "operator"
		}
		own = g.oldOwnNumber(0, uint64(unit), &countries[g.people[unit].home])
		if x.typ == typeConfIn {
			kind := uint64(1)
			c.InventoryType = "Service"
			c.LicenseCapability = "MCOMEETADD"
			if x.tollFree {
				kind, c.InventoryType = 2, "TollFree"
			}
			own = g.oldOwnNumber(kind, uint64(x.loc), loc)
			r := rng{hash(g.seedKey, tagDialIn, uint64(unit), uint64(d)<<16|uint64(x.k))}
			c.ConferenceID = newGUID(r.next(), r.next()).oldString()
		} else if x.charge > 0 {
			c.LicenseCapability = "MCOPSTNPP"
		}
	}
	switch x.typ {
	case typeUserIn, typeConfIn, typeBotIn:
		c.CallerNumber, c.CalleeNumber = party, own
		c.DestinationName = loc.name
	default:
		c.CallerNumber, c.CalleeNumber = own, party
		c.DestinationName = other.name
	}
	return c
}

func (g guid) oldString() string { return oldGUIDString(g) }

// oldCallsAt lists the calls at positions [lo, hi) as CallsAt did.
func (t *Tenant) oldCallsAt(lo, hi int) []report.Call {
	ix, g := t.log, t.g
	users := t.Users()
	var calls []report.Call
	var buf []draw
	var obuf []odraw
	day := 0
	for p := max(lo, 0); p < min(hi, len(ix.calls)); p++ {
		for p >= ix.first[day+1] {
			day++
		}
		d := g.firstDay + int64(day)
		kind := g.kinds[day]
		_, stream, unit, k := unpackEntry(ix.calls[p])
		var c report.Call
		switch stream {
		case streamDialOut:
			buf = g.day(unit, d, kind, buf[:0], allCalls)
			c = g.oldCall(users, unit, d, &buf[k])
		case streamUser:
			obuf = g.otherDay(unit, d, kind, obuf[:0], allCalls)
			c = g.oldOtherCall(users, stream, unit, d, &obuf[k])
		case streamBot:
			obuf = g.botDay(unit, d, kind, obuf[:0], allCalls)
			c = g.oldOtherCall(users, stream, unit, d, &obuf[k])
		}
		if stream != streamBot {
			u := &users[unit]
			c.UserPrincipalName, c.UserDisplayName, c.UserUsageLocation = u.UserPrincipalName, u.DisplayName, u.UsageLocation
		}
		calls = append(calls, c)
	}
	return calls
}

// TestCallsAtAsBefore regenerates every call of tenants of several seeds
// and shapes, by position, and compares them with the calls as they were
// built before they were written into a LogCall's room: CallsAt over the
// whole log, over short spans starting anywhere, and LogCallsAt's fields.
func TestCallsAtAsBefore(t *testing.T) {
	specs := map[string]Spec{"small": smallSpec()}
	for _, seed := range []int64{1, 7, 42, -3} {
		s := smallSpec()
		s.Seed = seed
		s.Users = 60 + int(seed&31)
		s.WindowDays = 40
		specs["seed "+strconv.FormatInt(seed, 10)] = s
	}
	d := DefaultSpec(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	d.Users = 350 // four bots
	d.WindowDays = 30
	specs["default shape"] = d
	for name, s := range specs {
		t.Run(name, func(t *testing.T) {
			tn, err := Generate(context.Background(), s, nil)
			if err != nil {
				t.Fatal(err)
			}
			n := len(tn.log.calls)
			want := tn.oldCallsAt(0, n)
			if got := collect(tn.CallsAt(0, n)); len(got) != n {
				t.Fatalf("CallsAt(0, %d) lists %d calls, want %d", n, len(got), n)
			} else if diff := callsDiff(want, got); diff != "" {
				t.Fatalf("CallsAt(0, %d) differs from the calls built the old way (-want +got):\n%s", n, diff)
			}
			for lo := 0; lo < n; lo += 1 + lo%97 {
				hi := min(n, lo+1+lo%13)
				if diff := callsDiff(want[lo:hi], collect(tn.CallsAt(lo, hi))); diff != "" {
					t.Fatalf("CallsAt(%d, %d) differs (-want +got):\n%s", lo, hi, diff)
				}
			}
			i := 0
			for lc := range tn.LogCallsAt(0, n) {
				w := &want[i]
				got := [...]string{string(lc.ID()), string(lc.CallID()), string(lc.CalleeNumber()), string(lc.CallerNumber()), string(lc.ConferenceID()),
					lc.OrganizerID, lc.UserPrincipalName, lc.UserDisplayName, lc.CallType, lc.Currency, lc.UsageLocation, lc.TenantCountryCode,
					lc.OtherPartyCountryCode, lc.DestinationName, lc.LicenseCapability, lc.InventoryType, lc.Operator, lc.CallDurationSource,
					lc.DestinationContext.String(), report.Cents(lc.Charge).String(), report.Cents(lc.ConnectionCharge).String(),
					time.Unix(lc.Start, 0).UTC().String(), time.Unix(lc.Start+lc.Duration, 0).UTC().String(), strconv.FormatInt(lc.Duration, 10)}
				wantFields := [...]string{w.ID, w.CallID, w.CalleeNumber, w.CallerNumber, w.ConferenceID,
					w.OrganizerID, w.UserPrincipalName, w.UserDisplayName, w.CallType, w.Currency, w.UsageLocation, w.TenantCountryCode,
					w.OtherPartyCountryCode, w.DestinationName, w.LicenseCapability, w.InventoryType, w.Operator, w.CallDurationSource,
					w.DestinationContext.String(), w.Charge.String(), w.ConnectionCharge.String(),
					w.StartDateTime.String(), w.EndDateTime.String(), strconv.FormatInt(w.Duration, 10)}
				if got != wantFields {
					t.Fatalf("LogCallsAt: call %d is %q, want %q", i, got, wantFields)
				}
				i++
			}
			if i != n {
				t.Errorf("LogCallsAt(0, %d) lists %d calls, want %d", n, i, n)
			}
		})
	}
}

func TestPutDecimal(t *testing.T) {
	values := []uint64{0, 1, 9, 10, 11, 99, 100, 101, 254, 255, 999, 1000, 1 << 30, 1<<31 - 1, 1 << 31, 999999999, 1000000000, 9999999999}
	r := rng{42}
	for range 10000 {
		values = append(values, r.below(1<<31), r.below(1000))
	}
	for _, v := range values {
		var buf [40]byte
		buf[0] = 'x'
		if got, want := string(buf[:putDecimal(&buf, 1, v)]), "x"+strconv.FormatUint(v, 10); got != want {
			t.Errorf("putDecimal(x, %d) wrote %q, want %q", v, got, want)
		}
	}
}

func TestGUIDString(t *testing.T) {
	r := rng{7}
	for i := range 10000 {
		g := guid{r.next(), r.next()}
		if i == 0 {
			g = guid{}
		}
		if got, want := string(g.appendTo([]byte("x"))), "x"+oldGUIDString(g); got != want {
			t.Fatalf("guid{%#x, %#x}.appendTo(x) = %q, want %q", g.hi, g.lo, got, want)
		}
		if got, want := g.String(), oldGUIDString(g); got != want {
			t.Fatalf("guid{%#x, %#x}.String() = %q, want %q", g.hi, g.lo, got, want)
		}
	}
}

// TestLogCallNeedsNoEscaping checks what LogCall promises of its strings
// and texts but the user's identity: valid UTF-8 without a control
// character, '"', '\\', U+2028 or U+2029, over every call of a tenant and
// every name of the tables they come from.
func TestLogCallNeedsNoEscaping(t *testing.T) {
	plain := func(s string) bool {
		if !utf8.ValidString(s) {
			return false
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' {
				return false
			}
		}
		return true
	}
	var names []string
	for i, c := range countries {
		names = append(names, c.name, codeNames[i], countryOperators[i])
		if c.userWeight > 0 { // a usage location, whose currency calls are charged in
			names = append(names, currencyNames[i])
		}
	}
	names = append(names, otherTypes[:]...)
	names = append(names, planCapability[:]...)
	for _, s := range names {
		if !plain(s) {
			t.Errorf("table string %q needs escaping", s)
		}
	}
	tn := generate(t, smallSpec())
	n := 0
	for lc := range tn.LogCallsAt(0, len(tn.log.calls)) {
		for _, s := range []string{string(lc.ID()), string(lc.CallID()), string(lc.CalleeNumber()), string(lc.CallerNumber()),
			string(lc.ConferenceID()), lc.CallType, lc.Currency, lc.UsageLocation, lc.TenantCountryCode, lc.OtherPartyCountryCode,
			lc.DestinationName, lc.LicenseCapability, lc.InventoryType, lc.Operator, lc.CallDurationSource} {
			if !plain(s) {
				t.Fatalf("call %s: %q needs escaping", lc.ID(), s)
			}
		}
		n++
	}
	if n == 0 {
		t.Fatal("LogCallsAt lists no call")
	}
}

func TestPlain(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"", true}, {"anna.schmidt@contoso.com", true}, {"Zoë O'Brien-Łukasz 日本", true}, {"\x7f", true},
		{`say "hi"`, false}, {`a\b`, false}, {"tab\t", false}, {"\x00", false}, {"bad \xff", false},
		{"line\u2028", false}, {"para\u2029", false},
	} {
		if got := plain(c.s); got != c.want {
			t.Errorf("plain(%q) = %v, want %v", c.s, got, c.want)
		}
	}
	users := []report.User{{ID: "a", UserPrincipalName: "b@c", DisplayName: "Zoë"}}
	if !plainUsers(users) {
		t.Errorf("plainUsers(%v) = false, want true", users)
	}
	users = append(users, report.User{ID: "b", UserPrincipalName: "c@d", DisplayName: `The "Boss"`})
	if plainUsers(users) {
		t.Errorf("plainUsers(%v) = true, want false", users)
	}
}

func TestGenHash(t *testing.T) {
	r := rng{3}
	for _, seed := range []int64{0, 1, 42, -7} {
		g := newGen(Spec{Seed: seed, WindowDays: 1})
		for tag := range uint64(len(g.tags)) {
			for range 50 {
				a, b := r.next(), r.next()
				if got, want := g.hash(tag, a, b), hash(g.seedKey, tag, a, b); got != want {
					t.Fatalf("seed %d: g.hash(%d, %#x, %#x) = %#x, want %#x", seed, tag, a, b, got, want)
				}
			}
		}
	}
}

// TestHourOf checks the table against the walk through hours it replaces.
func TestHourOf(t *testing.T) {
	if uint64(len(hourOf)) != hoursTotal {
		t.Fatalf("len(hourOf) = %d, want %d", len(hourOf), hoursTotal)
	}
	for x := range hoursTotal {
		h, hour := x, 0
		for h >= hours[hour] {
			h -= hours[hour]
			hour++
		}
		if got := hourOf[x]; int(got) != hour {
			t.Errorf("hourOf[%d] = %d, want %d", x, got, hour)
		}
	}
}
