package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// MaxProblems is how many problems a refusal lists: readers stop reading
// once they have found that many (docs/contract.md#loading-real-data).
const MaxProblems = 100

// ErrTooManyProblems marks the last problem of a refusal that stopped at
// MaxProblems; its reason says how many were found.
var ErrTooManyProblems = errors.New("too many problems")

// Builder builds a CallLedger from users and calls given one at a time, as a
// reader decodes them, checking each as it comes: a call costs the ledger a
// few hundred bytes, and a refused input never more than its first
// MaxProblems problems. Positions (pos) are where a record was given, an
// index or a line number; the place function turns a position and a field
// into the place a problem names.
type Builder struct {
	place     func(pos int32, field string) string
	users     []User
	userIndex map[string]int32
	userPos   []int32
	st        *store
	pending   []pendingCall // calls whose organizer had not been given yet
	types     map[uint16]int
	probs     Problems
	found     int
}

type pendingCall struct {
	call      int32
	organizer string
}

// ScenarioPlace names a field of a scenario document: pos is the index of
// the call (field "") or of the user (field "user…").
func ScenarioPlace(pos int32, field string) string {
	if u, ok := strings.CutPrefix(field, "user:"); ok {
		return fmt.Sprintf("/users/%d/%s", pos, u)
	}
	if field == "" {
		return fmt.Sprintf("/calls/%d", pos)
	}
	return fmt.Sprintf("/calls/%d/%s", pos, field)
}

// LinePlace names a field of a JSON Lines or CSV file: pos is the line.
func LinePlace(pos int32, field string) string {
	field = strings.TrimPrefix(field, "user:")
	if field == "" {
		return fmt.Sprintf("line %d", pos)
	}
	return fmt.Sprintf("line %d, column %s", pos, field)
}

// NewBuilder starts an empty ledger whose problems are placed by place.
func NewBuilder(place func(pos int32, field string) string) *Builder {
	return &Builder{place: place, userIndex: map[string]int32{}, st: newStore(), types: map[uint16]int{}}
}

// SetPlace changes how problems found from now on are placed (a reader of
// several files names each).
func (b *Builder) SetPlace(place func(pos int32, field string) string) { b.place = place }

// Problem records a problem at a place; a reader's own problems (syntax,
// schema) go here. Past MaxProblems it is only counted.
func (b *Builder) Problem(at, reason string) { b.problem(at, reason, nil) }

func (b *Builder) problem(at, reason string, err error) {
	b.found++
	if len(b.probs) < MaxProblems {
		b.probs = append(b.probs, Problem{Pointer: at, Reason: reason, Err: err})
	}
}

func (b *Builder) addf(pos int32, field, format string, args ...any) {
	err := fmt.Errorf(format, args...) // %w keeps a sentinel such as ErrOverflow
	b.problem(b.place(pos, field), err.Error(), errors.Unwrap(err))
}

// Full reports whether MaxProblems problems were found: the reader stops.
func (b *Builder) Full() bool { return b.found >= MaxProblems }

// Found is the number of problems found so far.
func (b *Builder) Found() int { return b.found }

// Err returns the problems found so far, nil when none: when the reader
// stopped at MaxProblems, a last problem says how many were found and where
// reading stopped (at).
func (b *Builder) Err(at string) error {
	if b.found == 0 {
		return nil
	}
	probs := slices.Clone(b.probs)
	if b.found >= MaxProblems {
		probs = append(probs, Problem{Pointer: at, Err: ErrTooManyProblems,
			Reason: fmt.Sprintf("%d problems found when loading stopped here; the first %d are listed", b.found, len(b.probs))})
	}
	return probs
}

// User returns the index of the user with id and the position it was given
// at.
func (b *Builder) User(id string) (index int32, pos int32, ok bool) {
	i, ok := b.userIndex[id]
	if !ok {
		return -1, 0, false
	}
	return i, b.userPos[i], true
}

// UserAt returns the user of an index User returned.
func (b *Builder) UserAt(i int32) User { return b.users[i] }

// AddUser checks a user and adds it; it returns the user's index, -1 if
// refused.
func (b *Builder) AddUser(pos int32, u User) int32 {
	bad := b.found
	switch {
	case u.ID == "":
		b.addf(pos, "user:id", "is required")
	case !IsGUID(u.ID):
		b.addf(pos, "user:id", "%q is not a lower-case GUID", clipped(u.ID))
	default:
		if j, dup := b.userIndex[u.ID]; dup {
			b.addf(pos, "user:id", "duplicates the id of %s", b.place(b.userPos[j], "user:"))
		}
	}
	if u.UserPrincipalName == "" {
		b.addf(pos, "user:userPrincipalName", "is required")
	}
	if _, err := ParseCode2(u.UsageLocation); err != nil {
		b.addf(pos, "user:usageLocation", "%v", err)
	}
	if b.found > bad {
		return -1
	}
	i := int32(len(b.users))
	b.users = append(b.users, u)
	b.userPos = append(b.userPos, pos)
	b.userIndex[u.ID] = i
	return i
}

func clipped(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// AddCall checks a call and adds it. Its organizer is the user of
// OrganizerID, which may be given later (a scenario's calls before its
// users); empty only for the bot types (IsBot). A missing usageLocation is
// the organizer's, a missing endDateTime is start plus duration.
func (b *Builder) AddCall(pos int32, c *Call) {
	bad := b.found
	var p packed
	p.pos = pos
	typ := c.Type()
	if !isCallType(typ) {
		b.addf(pos, "callType", "%q is not a call type (lower-case letters, digits and _, such as conf_out)", clipped(typ))
	}
	var strs [nStrings]string
	strs[sID], strs[sCallID], strs[sConference], strs[sDialer], strs[sCallee], strs[sCaller] =
		c.ID, c.CallID, c.ConferenceID, c.DialerID, c.CalleeNumber, c.CallerNumber
	if c.ID == "" {
		b.addf(pos, "id", "is required")
	}
	for k, name := range [nStrings]string{"id", "callId", "conferenceId", "dialerId", "calleeNumber", "callerNumber"} {
		if len(strs[k]) > MaxFieldLen {
			b.addf(pos, name, "is %d bytes long: at most %d", len(strs[k]), MaxFieldLen)
		}
	}
	p.user = -1
	var user *User
	switch {
	case c.OrganizerID == "" && IsBot(typ):
	case c.OrganizerID == "":
		b.addf(pos, "organizerId", "is required for a %s call (only ucap_in and ucap_out have no user)", typ)
	default:
		if i, ok := b.userIndex[c.OrganizerID]; ok {
			p.user, user = i, &b.users[i]
		} else if !IsGUID(c.OrganizerID) {
			b.addf(pos, "organizerId", "%q is not the id of a user", clipped(c.OrganizerID))
		}
	}
	if user != nil {
		for _, f := range []struct{ name, got, want string }{
			{"userPrincipalName", c.UserPrincipalName, user.UserPrincipalName},
			{"userDisplayName", c.UserDisplayName, user.DisplayName},
			{"userUsageLocation", c.UserUsageLocation, user.UsageLocation}} {
			if f.got != "" && f.got != f.want {
				b.addf(pos, f.name, "%q is not the organizer's %q", clipped(f.got), f.want)
			}
		}
	}
	if c.DialerID != "" && !IsGUID(c.DialerID) {
		b.addf(pos, "dialerId", "%q is not a lower-case GUID", clipped(c.DialerID))
	}
	start, ok := Nanos(c.StartDateTime)
	if c.StartDateTime.IsZero() || !ok {
		b.addf(pos, "startDateTime", "is required, between the years 1678 and 2262")
	}
	if c.Duration < 0 {
		b.addf(pos, "duration", "is negative (%d)", c.Duration)
	} else if c.Duration > MaxInt32 {
		b.addf(pos, "duration", "%d exceeds Int32", c.Duration)
	}
	end := c.EndDateTime
	if !end.IsZero() {
		got := end.Sub(c.StartDateTime)
		want := time.Duration(c.Duration) * time.Second
		if got < 0 {
			b.addf(pos, "endDateTime", "is before startDateTime")
		} else if d := got - want; d < -time.Second || d > time.Second {
			b.addf(pos, "endDateTime", "is %s after startDateTime, but duration says %ds", got, c.Duration)
		}
	} else {
		end = c.StartDateTime.Add(time.Duration(c.Duration) * time.Second)
	}
	endNs, ok := Nanos(end)
	if !ok {
		b.addf(pos, "endDateTime", "is not between the years 1678 and 2262")
	}
	charge, okC := c.Charge.Cents()
	if reason := chargeReason(c.Charge); reason != "" {
		okC = false
		b.addf(pos, "charge", "%s: %s", c.Charge.Decimal(), reason)
	}
	conn, okN := c.ConnectionCharge.Cents()
	if reason := chargeReason(c.ConnectionCharge); reason != "" {
		okN = false
		b.addf(pos, "connectionCharge", "%s: %s", c.ConnectionCharge.Decimal(), reason)
	}
	if okC && okN && conn > 0 && charge > math.MaxInt64-conn {
		b.addf(pos, "charge", "%w: charge plus connectionCharge is too large", ErrOverflow)
	}
	cur, err := ParseCode3(c.Currency)
	if err != nil {
		b.addf(pos, "currency", "%v", err)
	}
	loc := c.UsageLocation
	if loc == "" && user != nil {
		loc = user.UsageLocation
	}
	if loc != "" || p.user >= 0 {
		if p.location, err = ParseCode2(loc); err != nil {
			b.addf(pos, "usageLocation", "%v", err)
		}
	} else if c.OrganizerID == "" {
		b.addf(pos, "usageLocation", "is required for a call without a user")
	}
	for _, f := range []struct {
		name, v string
		dst     *Code2
	}{{"tenantCountryCode", c.TenantCountryCode, &p.tenantCC}, {"otherPartyCountryCode", c.OtherPartyCountryCode, &p.otherCC}} {
		if f.v != "" {
			if *f.dst, err = ParseCode2(f.v); err != nil {
				b.addf(pos, f.name, "%v", err)
			}
		}
	}
	if c.LicenseCapability != "" && !isCapability(c.LicenseCapability) {
		b.addf(pos, "licenseCapability", "%q is not a capability name (upper-case letters, digits and _)", clipped(c.LicenseCapability))
	}
	for _, f := range []struct {
		name, v string
		dst     *uint16
	}{{"callType", typ, &p.callType}, {"destinationName", c.DestinationName, &p.destName},
		{"licenseCapability", c.LicenseCapability, &p.capability}, {"numberType", c.NumberType, &p.numberType},
		{"inventoryType", c.InventoryType, &p.inventory}, {"operator", c.Operator, &p.operator},
		{"callDurationSource", c.CallDurationSource, &p.durSource}} {
		if len(f.v) > MaxFieldLen {
			b.addf(pos, f.name, "is %d bytes long: at most %d", len(f.v), MaxFieldLen)
			continue
		}
		if b.found > bad {
			continue
		}
		var ok bool
		if *f.dst, ok = b.st.intern(f.v); !ok {
			b.addf(pos, f.name, "is one of more than %d distinct values a ledger holds", math.MaxUint16)
		}
	}
	if b.found > bad {
		return
	}
	p.start, p.end, p.charge, p.conn = start, endNs, charge, conn
	p.duration = int32(c.Duration)
	p.currency, p.dest = cur, c.DestinationContext
	p.blob = b.st.putStrings(&strs)
	i := b.st.add(p)
	b.types[p.callType]++
	if p.user < 0 && c.OrganizerID != "" {
		b.pending = append(b.pending, pendingCall{int32(i), strings.Clone(c.OrganizerID)})
	}
}

func isCallType(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func isCapability(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Build checks what needs every record (organizers given after their calls,
// duplicate ids, totals past Int32) and indexes the ledger. at is where
// reading stopped, for the problem that says loading stopped there.
func (b *Builder) Build() (*CallLedger, error) {
	st := b.st
	for _, pc := range b.pending {
		if b.Full() {
			break
		}
		p := st.at(int(pc.call))
		i, ok := b.userIndex[pc.organizer]
		if !ok {
			b.addf(p.pos, "organizerId", "%q is not the id of a user", clipped(pc.organizer))
			continue
		}
		p.user = i
		if p.location == (Code2{}) {
			p.location, _ = ParseCode2(b.users[i].UsageLocation)
		}
	}
	b.pending = nil
	if !b.Full() {
		b.duplicates()
	}

	confOut, _ := st.intern(ConfOut)
	n := b.types[confOut]
	entries := make([]Entry, 0, n)
	type key struct {
		user int32
		loc  Code2
		dst  Destination
		cur  Code3
	}
	secs := map[key]int64{}
	for i := 0; i < st.n && !b.Full(); i++ {
		p := st.at(i)
		if p.callType != confOut || p.user < 0 {
			continue
		}
		k := key{p.user, p.location, p.dest, p.currency}
		secs[k] += int64(p.duration)
		if secs[k] > MaxInt32 {
			b.addf(p.pos, "duration", "%w: totalCallSeconds of organizer %s (%s, %s, %s) would reach %d",
				ErrOverflow, b.users[p.user].ID, p.location, p.dest, p.currency, secs[k])
			secs[k] = math.MinInt32 // report each key once
		}
		entries = append(entries, Entry{Start: p.start, Cents: p.charge + p.conn, User: p.user,
			Seconds: p.duration, Location: p.location, Currency: p.currency, Destination: p.dest})
	}
	if err := b.Err(""); err != nil {
		return nil, err
	}
	l, err := NewLedger(b.users, entries)
	if err != nil {
		return nil, Problems{{Pointer: "", Reason: err.Error(), Err: err}}
	}
	entries = nil
	d := &CallLedger{Ledger: l, st: st, order: make([]int32, st.n)}
	for i := range d.order {
		d.order[i] = int32(i)
	}
	slices.SortFunc(d.order, func(x, y int32) int {
		a, c := st.at(int(x)), st.at(int(y))
		if r := cmp.Compare(a.start, c.start); r != 0 {
			return r
		}
		return strings.Compare(unpack(st.packedField(a.blob, sID)), unpack(st.packedField(c.blob, sID)))
	})
	for i := range st.n {
		d.longest = max(d.longest, st.at(i).duration)
	}
	d.summary = l.Summary()
	d.summary.Calls = st.n
	if len(b.types) > 1 || b.types[confOut] != st.n {
		for t, n := range b.types {
			d.summary.CallTypes = append(d.summary.CallTypes, CallTypeCount{CallType: st.strs[t], Calls: n})
		}
		slices.SortFunc(d.summary.CallTypes, func(a, b CallTypeCount) int { return cmp.Compare(a.CallType, b.CallType) })
	}
	b.st = nil
	return d, nil
}

// duplicates names every call whose id an earlier call has, by hashing the
// packed ids: 16 bytes a call for the time of the check.
func (b *Builder) duplicates() {
	st := b.st
	seed := maphash.MakeSeed()
	type hashed struct {
		h uint64
		i int32
	}
	hs := make([]hashed, st.n)
	for i := range hs {
		hs[i] = hashed{maphash.Bytes(seed, st.packedField(st.at(i).blob, sID)), int32(i)}
	}
	slices.SortFunc(hs, func(a, b hashed) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.i, b.i)) })
	var dups [][2]int32 // later, earlier
	for i := 1; i < len(hs); i++ {
		for j := i - 1; j >= 0 && hs[j].h == hs[i].h; j-- {
			if string(st.packedField(st.at(int(hs[i].i)).blob, sID)) == string(st.packedField(st.at(int(hs[j].i)).blob, sID)) {
				dups = append(dups, [2]int32{hs[i].i, hs[j].i})
				break
			}
		}
	}
	slices.SortFunc(dups, func(a, b [2]int32) int { return cmp.Compare(a[0], b[0]) })
	for _, d := range dups {
		first := d[1]
		for _, e := range dups { // the first of all the calls with this id
			if e[0] == first {
				first = e[1]
			}
		}
		b.addf(st.at(int(d[0])).pos, "id", "duplicates the id of %s", b.place(st.at(int(first)).pos, ""))
		if b.Full() {
			return
		}
	}
}

// CallLedger is a ledger built from complete calls, such as a scenario file's:
// it answers the report and lists its calls, of every type.
type CallLedger struct {
	*Ledger
	st      *store
	order   []int32 // calls by start time, then id
	summary Summary
	longest int32 // the longest call of any type, seconds
}

// Longest returns the duration of the ledger's longest call, of any type: a
// call that starts before t has ended by t + Longest.
func (d *CallLedger) Longest() time.Duration { return time.Duration(d.longest) * time.Second }

// Summary describes the ledger; Calls counts every call type.
func (d *CallLedger) Summary() Summary { return d.summary }

// Calls lists the calls that belong to q, by start time then id, each with
// its organizer's identity: CallsAt(CallSpan(q)).
func (d *CallLedger) Calls(q Query) iter.Seq[Call] { return d.CallsAt(d.CallSpan(q)) }

// CallSpan returns the positions [lo, hi) of the calls that start in q, in
// the call log's order (CallLog): two binary searches.
func (d *CallLedger) CallSpan(q Query) (lo, hi int) {
	from, to := nanos(q.From), nanos(q.To)
	start := func(i int) int64 { return d.st.at(int(d.order[i])).start }
	lo = sort.Search(len(d.order), func(i int) bool { return start(i) >= from })
	hi = lo + sort.Search(len(d.order)-lo, func(i int) bool { return start(lo+i) > to })
	return lo, hi
}

// CallsAt lists the calls at positions [lo, hi) of the call log's order.
func (d *CallLedger) CallsAt(lo, hi int) iter.Seq[Call] {
	return func(yield func(Call) bool) {
		for i := max(lo, 0); i < min(hi, len(d.order)); i++ {
			if !yield(d.call(d.st.at(int(d.order[i])))) {
				return
			}
		}
	}
}

func (d *CallLedger) call(p *packed) Call {
	var s [nStrings]string
	d.st.unpackAll(p.blob, &s)
	strs := d.st.strs
	c := Call{
		ID: s[sID], CallID: s[sCallID], ConferenceID: s[sConference], DialerID: s[sDialer],
		CalleeNumber: s[sCallee], CallerNumber: s[sCaller],
		StartDateTime:      time.Unix(0, p.start).UTC(),
		EndDateTime:        time.Unix(0, p.end).UTC(),
		Duration:           int64(p.duration),
		DestinationContext: p.dest,
		Charge:             Cents(p.charge),
		ConnectionCharge:   Cents(p.conn),
		Currency:           p.currency.String(),
		UsageLocation:      p.location.String(),
		CallType:           strs[p.callType],
		DestinationName:    strs[p.destName],
		LicenseCapability:  strs[p.capability],
		NumberType:         strs[p.numberType],
		InventoryType:      strs[p.inventory],
		Operator:           strs[p.operator],
		CallDurationSource: strs[p.durSource],
	}
	if p.user >= 0 {
		u := &d.users[p.user]
		c.OrganizerID, c.UserPrincipalName, c.UserDisplayName, c.UserUsageLocation = u.ID, u.UserPrincipalName, u.DisplayName, u.UsageLocation
	}
	if p.tenantCC != (Code2{}) {
		c.TenantCountryCode = p.tenantCC.String()
	}
	if p.otherCC != (Code2{}) {
		c.OtherPartyCountryCode = p.otherCC.String()
	}
	return c
}

// Fingerprint is a digest of the ledger's content, the same however it was
// given (a scenario document, JSON Lines, a CSV export) and in whatever order:
// its users by id, and its calls by start time and id, every field.
func (d *CallLedger) Fingerprint() [sha256.Size]byte {
	h := sha256.New()
	var buf []byte
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	users := slices.Clone(d.users)
	slices.SortFunc(users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
	for _, u := range users {
		str(u.ID)
		str(u.UserPrincipalName)
		str(u.DisplayName)
		str(u.UsageLocation)
	}
	h.Write(buf)
	for _, i := range d.order {
		p := d.st.at(int(i))
		buf = buf[:0]
		for _, v := range []int64{p.start, p.end, p.charge, p.conn, int64(p.duration)} {
			buf = binary.AppendVarint(buf, v)
		}
		if p.user >= 0 {
			str(d.users[p.user].ID)
		} else {
			str("")
		}
		buf = append(buf, p.currency[:]...)
		buf = append(buf, p.location[:]...)
		buf = append(buf, p.tenantCC[:]...)
		buf = append(buf, p.otherCC[:]...)
		buf = append(buf, byte(p.dest))
		for _, s := range []uint16{p.callType, p.destName, p.capability, p.numberType, p.inventory, p.operator, p.durSource} {
			str(d.st.strs[s])
		}
		blob := d.st.blob(p.blob)
		buf = append(buf, blob[:blobLen(blob)]...)
		h.Write(buf)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// maxCharge is the largest charge: its hundredths fit an int64.
var maxCharge = Cents(math.MaxInt64)

// chargeReason says why m is not a charge, "" if it is one: charges are
// never negative, have at most Places decimal places and at most maxCharge,
// and the reason names the first rule m breaks (a huge charge is refused for
// its size, not its places).
func chargeReason(m Money) string {
	if c, ok := m.Cents(); ok && c >= 0 {
		return ""
	}
	switch {
	case m.IsNegative():
		return "want a decimal ≥ 0"
	case !m.Decimal().Shift(Places).IsInteger():
		return fmt.Sprintf("want a decimal with at most %d places", Places)
	}
	return fmt.Sprintf("is too large: a charge is at most %s", maxCharge)
}
