package generator

import (
	"math/big"

	"github.com/dialoutkit/dialoutkit/report"
)

// The PSTN calls other than dial-outs (docs/contract.md#call-log), which
// only the call log lists: each user's own calls and dial-ins, and the
// calls of bots (auto attendants and call queues, through resource
// accounts). They come from random streams of their own (stream tags
// below), so that the dial-out calls, and every report, stay what they
// were for the same spec, and they keep the generator's stability by day
// and by user: the calls of user u on day d depend only on the seed, the
// intensity, u's attributes and d; a bot's on the seed, the intensity, the
// bot and d. A tenant of n users has one bot per 100 users, rounded up, so
// adding users adds bots and changes none.
//
// Choices the documentation leaves open:
//   - Volume: the users' other calls are about four times their dial-outs
//     (Intensity), bots a tenth; a user without Teams Phone (a quarter of
//     users) has only dial-ins to their meetings, at a fifth of the rate.
//   - Plans: a Teams Phone user has a Domestic Calling Plan (MCOPSTN1,
//     international calls paid per minute from Communications Credits,
//     MCOPSTNPP), a Domestic and International plan (MCOPSTN2), an
//     unlimited plan (MCOPSTNU) or Operator Connect (MCOEV, billed by the
//     operator: charge 0, operator and callDurationSource "operator").
//   - Charges: inbound calls (user_in, toll dial-ins) charge 0; toll-free
//     dial-ins and toll-free bot numbers charge per minute; outbound calls
//     charge what their plan does not cover.
//   - Numbers: the tenant's own numbers (users', bridges', bots') are
//     written in full; the other party's are masked as the service masks
//     them, by the country of the number (maskedDigits).
//   - tenantCountryCode is the home country of the tenant's first user.

// Stream tags of the other calls; they continue rand.go's.
const (
	tagPhone uint64 = iota + 100
	tagUserDay
	tagBot
	tagBotDay
	tagParty
	tagOwnNumber
	tagCallID
	tagDialIn
)

// Call types of the other streams, in the order of otherTypes.
const (
	typeUserIn = iota
	typeUserOut
	typeConfIn
	typeForwarding
	typeTransfer
	typeBotIn
	typeBotOut
)

var otherTypes = [...]string{"user_in", "user_out", "conf_in", "user_out_forwarding", "user_out_transfer", "ucap_in", "ucap_out"}

// typeShares are the per-mille shares of a Teams Phone user's other calls.
var typeShares = [...]uint64{typeUserIn: 420, typeUserOut: 360, typeConfIn: 150, typeForwarding: 45, typeTransfer: 25}

// Phone plans of a user, with their per-mille shares.
const (
	planNone = iota
	planDomestic
	planInternational
	planUnlimited
	planOperator
)

var planShares = [...]uint64{planNone: 250, planDomestic: 350, planInternational: 120, planUnlimited: 80, planOperator: 200}

// planWeight is each plan's relative volume of other calls: no Teams Phone
// means dial-ins only.
var planWeight = [...]int64{planNone: 1, planDomestic: 5, planInternational: 5, planUnlimited: 5, planOperator: 5}

var planCapability = [...]string{planDomestic: "MCOPSTN1", planInternational: "MCOPSTN2", planUnlimited: "MCOPSTNU", planOperator: "MCOEV"}

// Volumes relative to Intensity, the dial-outs a user makes in 30 days.
var (
	userRatio = big.NewRat(4, 1)  // a user's other calls
	botRatio  = big.NewRat(10, 1) // a bot's calls: a tenth of its 100 users' dial-outs
)

// usersPerBot is how many users one bot serves.
const usersPerBot = 100

// Probabilities, in 1/2^32.
const (
	pTollFree    = 1 << 32 * 20 / 100 // a dial-in or bot number is toll-free
	pInboundIntl = 1 << 32 * 8 / 100  // an inbound call comes from abroad
	pBotIn       = 1 << 32 * 80 / 100 // a bot call is inbound
)

// operators of Operator Connect by country; elsewhere a global one.
var operators = map[report.Code2]string{
	c2("US"): "AT&T", c2("GB"): "BT", c2("DE"): "Deutsche Telekom", c2("FR"): "Orange", c2("NL"): "KPN",
	c2("ES"): "Telefónica", c2("IT"): "TIM", c2("JP"): "NTT Communications", c2("IN"): "Tata Communications",
	c2("AU"): "Telstra", c2("CA"): "Rogers", c2("BR"): "Claro", c2("CH"): "Swisscom", c2("SE"): "Telia",
}

// maskedDigits is how many last digits the call log hides of a party's
// number, by the number's country (docs/contract.md#call-log).
func maskedDigits(c report.Code2) int {
	switch c.String() {
	case "BE", "DE", "DK", "ES", "FI", "IT", "NL", "NO", "SE":
		return 3
	case "CH", "FR":
		return 4
	}
	return 0
}

// odraw is one call of the other streams, in numbers only.
type odraw struct {
	start        int64 // Unix seconds
	charge, conn int64 // hundredths
	seconds      int32
	k            uint16
	typ          uint8
	loc, other   uint8 // country indexes: the usage location, the other party's
	mobile       bool
	tollFree     bool
}

// otherRates holds, per plan (or for bots, the last), the geometric
// thresholds of the daily count per day kind, as thresholds computes the
// dial-outs'.
func otherRates(intensity float64) [][14]uint64 {
	var sumShareWeight int64
	for p, s := range planShares {
		sumShareWeight += int64(s) * planWeight[p]
	}
	perMonth := new(big.Rat).SetFloat64(intensity)
	out := make([][14]uint64, len(planShares)+1)
	for p := range planShares {
		// mean weight over users is sumShareWeight/1000
		rate := new(big.Rat).Mul(perMonth, userRatio)
		rate.Mul(rate, big.NewRat(planWeight[p]*1000, sumShareWeight))
		out[p] = rateThresholds(rate)
	}
	out[len(planShares)] = rateThresholds(new(big.Rat).Mul(perMonth, botRatio))
	return out
}

// rateThresholds turns a mean of calls per 30 days into the thresholds of
// two geometric draws a day, by day kind (weekday, holidays).
func rateThresholds(perMonth *big.Rat) [14]uint64 {
	var sumWeek int64
	for _, w := range weekday {
		sumWeek += w
	}
	one := big.NewRat(1, 1)
	scale := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 64))
	var q [14]uint64
	for kind := range 14 {
		holiday := int64(1000)
		if kind >= 7 {
			holiday = holidayPerMille
		}
		m := big.NewRat(7*weekday[kind%7]*holiday, 30*sumWeek*1000*2)
		m.Mul(m, perMonth)
		p := new(big.Rat).Quo(m, new(big.Rat).Add(m, one))
		p.Mul(p, scale)
		q[kind] = new(big.Int).Quo(p.Num(), p.Denom()).Uint64()
	}
	return q
}

// phonePlan draws user u's phone plan, from a stream of its own.
func (g *gen) phonePlan(u int) uint8 {
	r := rng{g.hash(tagPhone, uint64(u), 0)}
	x := r.below(1000)
	for p, s := range planShares {
		if x < s {
			return uint8(p)
		}
		x -= s
	}
	return planNone
}

// bot is a resource account: its country and time zone.
type bot struct {
	loc uint8
	tz  int16
}

func (g *gen) newBot(b int) bot {
	r := rng{g.hash(tagBot, uint64(b), 0)}
	loc := uint8(pickCountry(r.below(userWeightTotal), -1, func(c *country) uint64 { return c.userWeight }))
	return bot{loc: loc, tz: pickTZ(&r, int(loc))}
}

// start draws a start at a local business hour of day d.
func startAt(r *rng, d int64, tz int16) int64 {
	hour := hourOf[r.below(hoursTotal)]
	local := int64(hour)*3600 + int64(r.below(3600))
	return d*86400 + ((local-int64(tz)*60)%86400+86400)%86400
}

// duration draws a duration from the dial-outs' distribution, halved for
// a person's own calls (shorter than meetings), at least 5 s.
func duration(r *rng, half bool) int32 {
	v := r.next()
	b := v >> 57
	lo, hi := durations[b], durations[b+1]
	s := lo + int64(uint64(hi-lo)*(v>>25&0xffffffff)>>32)
	if half {
		s = max(5, s/2)
	}
	return int32(s)
}

// perMinute is the charge of a call at rate (ten-thousandths a minute),
// half as dear again to a mobile number, in hundredths, half up.
func perMinute(seconds int32, rate int64, mobile bool) int64 {
	mult := int64(2)
	if mobile {
		mult = 3
	}
	return ((int64(seconds)+59)/60*rate*mult + 100) / 200
}

// otherDay appends user u's other calls of day d, the first upto of them
// at most.
func (g *gen) otherDay(u int, d int64, kind uint8, buf []odraw, upto int) []odraw {
	plan := g.plans[u]
	q := g.other[plan][kind]
	if q == 0 {
		return buf
	}
	r := rng{g.hash(tagUserDay, uint64(u), uint64(d))}
	n := r.geometric(q) + r.geometric(q)
	if n == 0 {
		return buf
	}
	p := &g.people[u]
	loc, tz := p.where(d)
	from := &countries[loc]
	for k := range min(n, upto) {
		x := odraw{k: uint16(k), loc: loc, other: loc}
		x.start = startAt(&r, d, tz)
		x.typ = typeConfIn
		if plan != planNone {
			v := r.below(1000)
			for t, s := range typeShares {
				if v < s {
					x.typ = uint8(t)
					break
				}
				v -= s
			}
		}
		x.seconds = duration(&r, x.typ != typeConfIn)
		x.mobile = r.chance(pMobile)
		intl := false
		switch x.typ {
		case typeUserOut, typeForwarding, typeTransfer:
			intl = r.chance(p.intl)
		default:
			intl = r.chance(pInboundIntl)
		}
		if intl {
			x.other = uint8(pickCountry(r.below(destWeightTotal-from.destWeight), int(loc),
				func(c *country) uint64 { return c.destWeight }))
		}
		switch x.typ {
		case typeConfIn:
			if x.tollFree = r.chance(pTollFree); x.tollFree {
				x.charge = perMinute(x.seconds, from.domestic, false)
			}
		case typeUserOut, typeForwarding, typeTransfer:
			// A calling plan covers domestic calls, and international ones
			// for MCOPSTN2 and MCOPSTNU; the operator bills its own.
			if intl && plan == planDomestic {
				x.charge = perMinute(x.seconds, from.international*countries[x.other].tier, x.mobile)
				if x.mobile {
					x.conn = from.connection
				}
			}
		}
		buf = append(buf, x)
	}
	return buf
}

// botDay appends bot b's calls of day d, the first upto of them at most.
func (g *gen) botDay(b int, d int64, kind uint8, buf []odraw, upto int) []odraw {
	q := g.other[len(planShares)][kind]
	if q == 0 {
		return buf
	}
	r := rng{g.hash(tagBotDay, uint64(b), uint64(d))}
	n := r.geometric(q) + r.geometric(q)
	bt := g.bots[b]
	from := &countries[bt.loc]
	for k := range min(n, upto) {
		x := odraw{k: uint16(k), loc: bt.loc, other: bt.loc, typ: typeBotIn}
		x.start = startAt(&r, d, bt.tz)
		x.seconds = duration(&r, true)
		x.mobile = r.chance(pMobile)
		if !r.chance(pBotIn) {
			x.typ = typeBotOut
		}
		if r.chance(pInboundIntl) {
			x.other = uint8(pickCountry(r.below(destWeightTotal-from.destWeight), int(bt.loc),
				func(c *country) uint64 { return c.destWeight }))
		}
		switch {
		case x.typ == typeBotOut && x.other != bt.loc:
			x.charge = perMinute(x.seconds, from.international*countries[x.other].tier, x.mobile)
		case x.typ == typeBotOut:
			x.charge = perMinute(x.seconds, from.domestic, x.mobile)
		default:
			if x.tollFree = r.chance(pTollFree); x.tollFree {
				x.charge = perMinute(x.seconds, from.domestic, false)
			}
		}
		buf = append(buf, x)
	}
	return buf
}

// appendPartyNumber writes an E.164 number of country ci, its last digits
// masked as the call log shows another party's number (maskedDigits); own
// numbers are written in full. The first digits are drawn first, so the
// masking rule never changes them.
func appendPartyNumber(b []byte, ci int, mobile bool, r rng, own bool) []byte {
	c := &countries[ci]
	lead := c.geo
	if mobile {
		lead = c.mobile
	}
	masked := int(countryMasked[ci])
	if own {
		masked = 0
	}
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
	return b
}

// countryMasked is maskedDigits of each country.
var countryMasked = func() []uint8 {
	m := make([]uint8, len(countries))
	for i := range countries {
		m[i] = uint8(maskedDigits(countries[i].code))
	}
	return m
}()

// countryOperators is the operator of Operator Connect in each country
// (operators, else Colt).
var countryOperators = func() []string {
	o := make([]string, len(countries))
	for i := range countries {
		o[i] = operators[countries[i].code]
		if o[i] == "" {
			o[i] = "Colt"
		}
	}
	return o
}()

// appendOwnNumber writes a number of the tenant: a user's (kind 0), a conference
// bridge's of a country (kind 1, toll; 2, toll-free) or a bot's (kind 3).
func (g *gen) appendOwnNumber(b []byte, kind, id uint64, ci int) []byte {
	return appendPartyNumber(b, ci, false, rng{g.hash(tagOwnNumber, kind, id)}, true)
}

// ownNumbers computes the numbers of the bridges, toll and toll-free, of
// every country, and of the bots: a few a tenant, written once rather
// than once a call.
func (g *gen) ownNumbers() {
	for kind := range g.bridgeNumbers {
		g.bridgeNumbers[kind] = make([]string, len(countries))
		for ci := range countries {
			g.bridgeNumbers[kind][ci] = string(g.appendOwnNumber(nil, uint64(kind)+1, uint64(ci), ci))
		}
	}
	g.botNumbers = make([]string, len(g.bots))
	for b, bt := range g.bots {
		g.botNumbers[b] = string(g.appendOwnNumber(nil, 3, uint64(b), int(bt.loc)))
	}
}

// userNumber is a user's own number, kept in 16 bytes: a user's calls
// cost no draws for it, the tenant 16 bytes a user.
type userNumber struct {
	n      uint8
	digits [15]byte
}

func (o *userNumber) set(b []byte) {
	if len(b) > len(o.digits) {
		panic("generator: a number of " + string(b) + " is longer than a userNumber holds")
	}
	o.n = uint8(copy(o.digits[:], b))
}

func (o *userNumber) bytes() []byte { return o.digits[:o.n] }

// appendSIPCallID writes a callId as the service writes them, such as
// 1835317186_112562680@61.221.3.176: not unique by contract, drawn from the
// call's key. Its digits go to a local array first, then to b at once.
func appendSIPCallID(b []byte, r rng) []byte {
	var t [40]byte
	i := putDecimal(&t, 0, r.below(1<<31))
	t[i] = '_'
	i = putDecimal(&t, i+1, r.below(1<<30))
	t[i] = '@'
	i++
	for k := range 4 {
		if k > 0 {
			t[i] = '.'
			i++
		}
		o := &octets[1+r.below(254)]
		t[i], t[i+1], t[i+2] = o[0], o[1], o[2]
		i += int(o[3])
	}
	return append(b, t[:i]...)
}

// octets holds the decimal digits of 0 to 255, then their number.
var octets = func() (o [256][4]byte) {
	for v := range o {
		var t [40]byte
		n := putDecimal(&t, 0, uint64(v))
		copy(o[v][:3], t[:n])
		o[v][3] = byte(n)
	}
	return o
}()

// putDecimal writes v < 10^10 in decimal, as strconv.FormatUint(v, 10),
// to t from i on, and returns the index after it.
func putDecimal(t *[40]byte, i int, v uint64) int {
	n := 10 // the callId's first two numbers mostly have 9 or 10 digits
	if v < 1000 {
		n = 3
	}
	for n > 1 && v < pow10[n-1] {
		n--
	}
	end := i + n
	for j := end; v >= 10; v /= 100 {
		j -= 2
		x := 2 * (v % 100)
		t[j], t[j+1] = decimalPairs[x], decimalPairs[x+1]
		if v < 100 {
			return end
		}
	}
	t[i] = byte('0' + v)
	return end
}

var pow10 = [...]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// decimalPairs holds the two decimal digits of 0 to 99.
const decimalPairs = "" +
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// logOther fills lc with the call of draw x of user u's (stream
// streamUser) or bot b's (streamBot) calls of day d, as the call log lists
// it.
func (g *gen) logOther(lc *LogCall, users []report.User, stream, unit int, d int64, x *odraw) {
	key := logKey(stream, unit, d, x.k)
	loc, other := &countries[x.loc], &countries[x.other]
	*lc = LogCall{
		Start:                 x.start,
		Duration:              int64(x.seconds),
		Charge:                x.charge,
		ConnectionCharge:      x.conn,
		CallType:              otherTypes[x.typ],
		Currency:              currencyNames[x.loc],
		UsageLocation:         codeNames[x.loc],
		TenantCountryCode:     g.tenantCountryName,
		OtherPartyCountryCode: codeNames[x.other],
		Operator:              "Microsoft",
		CallDurationSource:    "microsoft",
		InventoryType:         "Subscriber",
		text:                  lc.text[:0],
		user:                  -1,
		key:                   key,
		stream:                uint8(stream),
	}
	if x.other != x.loc {
		lc.DestinationContext = report.International
	}
	lo := len(lc.text)
	lc.text = g.callID(key).appendTo(lc.text)
	lc.id = lc.since(lo)
	lo = len(lc.text)
	lc.text = appendSIPCallID(lc.text, rng{g.hash(tagCallID, key, 0)})
	lc.callID = lc.since(lo)
	lo = len(lc.text)
	lc.text = appendPartyNumber(lc.text, int(x.other), x.mobile, rng{g.hash(tagParty, key, 0)}, false)
	party := lc.since(lo)
	lo = len(lc.text)
	var own span
	switch stream {
	case streamBot:
		lc.LicenseCapability = "MCOEV_VIRTUALUSER"
		lc.InventoryType = "Service"
		if x.tollFree {
			lc.InventoryType = "TollFree"
		}
		lc.text = append(lc.text, g.botNumbers[unit]...)
		own = lc.since(lo)
	default:
		u := &users[unit]
		lc.user = int32(unit)
		lc.OrganizerID, lc.UserPrincipalName, lc.UserDisplayName = u.ID, u.UserPrincipalName, u.DisplayName
		lc.UserPlain = g.plainUsers
		plan := g.plans[unit]
		lc.LicenseCapability = planCapability[plan]
		home := g.people[unit].home
		if plan == planOperator && x.typ != typeConfIn { // dial-ins reach Microsoft's bridge
			lc.Operator = countryOperators[home]
			lc.CallDurationSource = "operator"
		}
		if x.typ == typeConfIn {
			kind := 0
			lc.InventoryType = "Service"
			lc.LicenseCapability = "MCOMEETADD"
			if x.tollFree {
				kind, lc.InventoryType = 1, "TollFree"
			}
			lc.text = append(lc.text, g.bridgeNumbers[kind][x.loc]...)
			own = lc.since(lo)
			r := rng{g.hash(tagDialIn, uint64(unit), uint64(d)<<16|uint64(x.k))}
			lo = len(lc.text)
			lc.text = newGUID(r.next(), r.next()).appendTo(lc.text)
			lc.conf = lc.since(lo)
		} else {
			lc.text = append(lc.text, g.userNumbers[unit].bytes()...)
			own = lc.since(lo)
			if x.charge > 0 {
				lc.LicenseCapability = "MCOPSTNPP"
			}
		}
	}
	switch x.typ {
	case typeUserIn, typeConfIn, typeBotIn:
		lc.caller, lc.callee = party, own
		lc.DestinationName = loc.name
	default:
		lc.caller, lc.callee = own, party
		lc.DestinationName = other.name
	}
}
