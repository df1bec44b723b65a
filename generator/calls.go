package generator

import (
	"math"
	"time"

	"github.com/dialoutkit/dialoutkit/report"
)

// draw is one generated call in numbers only; its strings (ids, callee
// number) are derived from (seed, user, day, k) when a full call is asked for.
type draw struct {
	start     int64 // startDateTime, Unix seconds
	charge    int64 // hundredths of the currency
	conn      int64 // connection charge, hundredths
	seconds   int32
	dialer    int32  // user index of who dialed out; -1 for someone outside the tenant
	k         uint16 // index of the call in its user's day: part of its identity
	meeting   uint16 // index of the meeting in its organizer's day
	loc, dest uint8  // country indexes: the organizer's location and the callee's country
	intl      bool
	mobile    bool
	covered   bool
}

// Bounds that keep a call's key, (day, user, k), unique in 64 bits.
const (
	userBits = 20 // MaxUsers < 1<<20
	kBits    = 13 // two geometric draws, each capped at maxGeometric, stay below 1<<13
)

// dayKind is the weekday of day d (Sunday = 0), plus 7 during the year-end
// holidays.
func dayKind(d int64) uint8 {
	kind := uint8((d + 4) % 7) // day 0, 1970-01-01, was a Thursday
	_, m, md := time.Unix(d*86400, 0).UTC().Date()
	if m == time.December && md >= 24 || m == time.January && md == 1 {
		kind += 7
	}
	return kind
}

// count draws how many calls user u organizes on day d, and returns the
// stream positioned after the draw. The count comes first so a day without
// calls costs one hash and two draws.
func (g *gen) count(u int, d int64, kind uint8) (int, rng) {
	q := g.q[g.people[u].class][kind]
	if q == 0 {
		return 0, rng{}
	}
	r := rng{g.hash(tagDay, uint64(u), uint64(d))}
	n := r.geometric(q)
	return n + r.geometric(q), r
}

// day appends the calls user u organizes on UTC day d, the first upto of
// them at most. They depend only on the spec's seed, intensity and
// international share, u's attributes and d.
func (g *gen) day(u int, d int64, kind uint8, buf []draw, upto int) []draw {
	n, r := g.count(u, d, kind)
	if n == 0 {
		return buf
	}
	p := &g.people[u]
	loc, tz := p.where(d)
	from := &countries[loc]
	dayStart := d * 86400
	var prev draw
	meetings := uint16(0)
	for k := range min(n, upto) {
		x := draw{k: uint16(k), loc: loc, dialer: int32(u)}

		// When: a meeting at a local business hour, or another dial-out of
		// the meeting just before, a few minutes later.
		x.start = -1
		if k > 0 && r.chance(pSameMeeting) {
			if t := prev.start + 30 + int64(r.below(570)); t < dayStart+86400 {
				x.start, x.meeting = t, prev.meeting
			}
		}
		if x.start < 0 {
			hour := hourOf[r.below(hoursTotal)]
			local := int64(hour)*3600 + int64(r.below(3600))
			x.start = dayStart + ((local-int64(tz)*60)%86400+86400)%86400
			x.meeting = meetings
			meetings++
		}

		// How long: a bucket between two quantiles, then a point inside it.
		v := r.next()
		b := v >> 57
		lo, hi := durations[b], durations[b+1]
		x.seconds = int32(lo + int64(uint64(hi-lo)*(v>>25&0xffffffff)>>32))

		// Where to.
		x.dest = loc
		if x.intl = r.chance(p.intl); x.intl {
			x.dest = uint8(pickCountry(r.below(destWeightTotal-from.destWeight), int(loc),
				func(c *country) uint64 { return c.destWeight }))
		}
		x.mobile = r.chance(pMobile)

		// What it costs: nothing when the Audio Conferencing licence covers
		// it, else per started minute (mobile numbers half as dear again),
		// plus a connection fee for a mobile number abroad.
		x.covered = !x.intl && r.chance(p.covered)
		if !x.covered {
			rate := from.domestic
			if x.intl {
				rate = from.international * countries[x.dest].tier
			}
			mult := int64(2)
			if x.mobile {
				mult = 3
			}
			minutes := (int64(x.seconds) + 59) / 60
			x.charge = (minutes*rate*mult + 100) / 200 // ten-thousandths × mult/2 → hundredths, half up
			if x.intl && x.mobile {
				x.conn = from.connection
			}
		}

		// Who pressed dial-out: the organizer, a colleague (a lower-numbered
		// user, so adding users cannot change it) or a guest from outside.
		switch v := r.below(100); {
		case v < 50:
		case v < 88 && u > 0:
			x.dialer = int32(u - 1 - int(r.below(uint64(min(u, 40)))))
		default:
			x.dialer = -1
		}

		buf = append(buf, x)
		prev = x
	}
	return buf
}

// entry reduces a call to what the ledger index keeps.
func (x *draw) entry(u int) report.Entry {
	c := &countries[x.loc]
	e := report.Entry{
		Start:    x.start * int64(time.Second),
		Cents:    x.charge + x.conn,
		User:     int32(u),
		Seconds:  x.seconds,
		Location: c.code,
		Currency: c.currency,
	}
	if x.intl {
		e.Destination = report.International
	}
	return e
}

// key packs (day, user, k) into the unique 64-bit key of a call.
func callKey(u int, d int64, k uint16) uint64 {
	return uint64(d)<<(userBits+kBits) | uint64(u)<<kBits | uint64(k)
}

// callID is the call's GUID. Its high word is a bijection of the call's key,
// so two calls of a tenant never share it (but for the 4 version bits).
func (g *gen) callID(key uint64) guid {
	hi := mix(key ^ g.seedKey ^ mix(tagCall))
	return newGUID(hi, mix(hi^g.seedKey))
}

// logDialOut fills lc with the call of draw x of user u's dial-outs of
// day d, as the call log lists it.
func (g *gen) logDialOut(lc *LogCall, users []report.User, u int, d int64, x *draw) {
	key := callKey(u, d, x.k)
	to := &countries[x.dest]
	*lc = LogCall{
		OrganizerID:           users[u].ID,
		UserPrincipalName:     users[u].UserPrincipalName,
		UserDisplayName:       users[u].DisplayName,
		UserPlain:             g.plainUsers,
		Start:                 x.start,
		Duration:              int64(x.seconds),
		Charge:                x.charge,
		ConnectionCharge:      x.conn,
		Currency:              currencyNames[x.loc],
		UsageLocation:         codeNames[x.loc],
		TenantCountryCode:     g.tenantCountryName,
		OtherPartyCountryCode: codeNames[x.dest],
		DestinationName:       to.name,
		LicenseCapability:     "MCOPSTNPP",
		InventoryType:         "Service",
		Operator:              "Microsoft",
		CallDurationSource:    "microsoft",
		text:                  lc.text[:0],
		user:                  int32(u),
		dialer:                x.dialer,
		key:                   key,
		stream:                streamDialOut,
	}
	if x.intl {
		lc.DestinationContext = report.International
	}
	if x.covered {
		lc.LicenseCapability = "MCOMEETADD"
	}
	lo := len(lc.text)
	lc.text = g.callID(key).appendTo(lc.text)
	lc.id = lc.since(lo)
	r := rng{g.hash(tagConference, uint64(u), uint64(d)<<16|uint64(x.meeting))}
	lo = len(lc.text)
	lc.text = newGUID(r.next(), r.next()).appendTo(lc.text)
	lc.conf = lc.since(lo)
	lo = len(lc.text)
	lc.text = appendPartyNumber(lc.text, int(x.dest), x.mobile, rng{g.hash(tagCallee, key, 0)}, false)
	lc.callee = lc.since(lo)

	// The call log's other fields, from streams of their own
	// (othercalls.go): the bridge's number dialed out from, and who
	// carried the call.
	lo = len(lc.text)
	lc.text = appendSIPCallID(lc.text, rng{g.hash(tagCallID, key, 0)})
	lc.callID = lc.since(lo)
	lo = len(lc.text)
	lc.text = append(lc.text, g.bridgeNumbers[0][x.loc]...)
	lc.caller = lc.since(lo)
}

// satNanos is t in Unix nanoseconds, saturated outside the years an int64
// holds, as the ledger compares it.
func satNanos(t time.Time) int64 {
	if n, ok := report.Nanos(t); ok {
		return n
	}
	if t.Before(time.Unix(0, 0)) {
		return math.MinInt64
	}
	return math.MaxInt64
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
