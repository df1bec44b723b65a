package generator

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/dialoutkit/dialoutkit/report"
)

// person is what the generator keeps of a user to regenerate their calls on
// demand: a few bytes, no strings (the strings live once in the ledger's
// users).
type person struct {
	class          uint8
	home, away     uint8 // country indexes; away == home for a user who never moves
	homeTZ, awayTZ int16 // minutes east of UTC
	// The user is away on the days d with (d+phase) mod period < stint.
	period, stint, phase uint16
	intl                 uint64 // probability of an international call, in 1/2^32
	covered              uint64 // probability that a domestic call is covered, in 1/2^32
}

// where returns the user's country and time zone on day d.
func (p *person) where(d int64) (loc uint8, tz int16) {
	if p.away != p.home && (d+int64(p.phase))%int64(p.period) < int64(p.stint) {
		return p.away, p.awayTZ
	}
	return p.home, p.homeTZ
}

// identity is a user's drawn identity, before uniqueness is resolved.
type identity struct {
	id          guid
	displayName string
	upnBase     string // local part of the UPN before any suffix
}

// newPerson draws the attributes of user u. They depend only on the seed and
// u, never on the number of users, the window or the other users.
func (g *gen) newPerson(u int) (person, identity) {
	r := rng{g.hash(tagUser, uint64(u), 0)}
	id := newGUID(r.next(), r.next())

	var p person
	p.class = uint8(pickClass(r.below(1000)))
	p.home = uint8(pickCountry(r.below(userWeightTotal), -1, func(c *country) uint64 { return c.userWeight }))
	p.homeTZ = pickTZ(&r, int(p.home))
	p.away, p.awayTZ = p.home, p.homeTZ
	if r.chance(pMoves) {
		p.away = uint8(pickCountry(r.below(userWeightTotal-countries[p.home].userWeight), int(p.home),
			func(c *country) uint64 { return c.userWeight }))
		p.awayTZ = pickTZ(&r, int(p.away))
		p.period = uint16(60 + r.below(181))                  // 60..240 days
		p.stint = uint16(14 + r.below(uint64(p.period)/2-13)) // 14..period/2 days
		p.phase = uint16(r.below(uint64(p.period)))
	}
	spread := intlSpread[r.below(uint64(len(intlSpread)))]
	p.intl = min(g.intl*spread/4, 1<<32)
	p.covered = covered[r.below(uint64(len(covered)))]

	// Names come from gofakeit, with the user's own Faker over its own
	// stream; some users of countries with a local list get a local name
	// with diacritics instead.
	fake := gofakeit.NewCustom(&source{rng{g.hash(tagFaker, uint64(u), 0)}})
	first, last := fake.FirstName(), fake.LastName()
	if local := countries[p.home].names; local != nil && r.chance(pLocalName) {
		first = local.first[fake.Rand.Intn(len(local.first))]
		last = local.last[fake.Rand.Intn(len(local.last))]
	}
	return p, identity{
		id:          id,
		displayName: first + " " + last,
		upnBase:     cmpOr(fold(first), "user") + "." + cmpOr(fold(last), "user"),
	}
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func pickClass(x uint64) int {
	for i, c := range classes {
		if x < c.perMille {
			return i
		}
		x -= c.perMille
	}
	return len(classes) - 1
}

// pickCountry maps x, drawn below the total weight without country skip, to a
// country index.
func pickCountry(x uint64, skip int, weight func(*country) uint64) int {
	for i := range countries {
		if i == skip {
			continue
		}
		w := weight(&countries[i])
		if x < w {
			return i
		}
		x -= w
	}
	panic("generator: country weights out of range")
}

func pickTZ(r *rng, c int) int16 {
	tz := countries[c].tz
	return tz[r.below(uint64(len(tz)))]
}

// uniqueUsers turns identities into ledger users, resolving collisions only
// against lower-numbered users, so adding users never renames anyone: a
// repeated UPN gets the suffix 2, 3, ... in user order (bases never end in a
// digit, so suffixed names cannot collide with other bases), and a repeated
// GUID (never seen in practice) is redrawn from (seed, user, attempt).
func (g *gen) uniqueUsers(ids []identity, people []person) []report.User {
	users := make([]report.User, len(ids))
	seenID := make(map[guid]struct{}, len(ids))
	seenName := make(map[string]int, len(ids))
	for u, id := range ids {
		for attempt := uint64(1); ; attempt++ {
			if _, dup := seenID[id.id]; !dup {
				break
			}
			r := rng{g.hash(tagUserID, uint64(u), attempt)}
			id.id = newGUID(r.next(), r.next())
		}
		seenID[id.id] = struct{}{}
		n := seenName[id.upnBase] + 1
		seenName[id.upnBase] = n
		local := id.upnBase
		if n > 1 {
			local += strconv.Itoa(n)
		}
		users[u] = report.User{
			ID:                id.id.String(),
			UserPrincipalName: local + "@" + g.spec.Domain,
			DisplayName:       id.displayName,
			UsageLocation:     countries[people[u].home].code.String(),
		}
	}
	return users
}

// fold turns a name into the lower-case ASCII letters of a UPN: diacritics
// are dropped (é → e, ß → ss, Ø → o), anything else that is not a letter
// (spaces, apostrophes, hyphens) is removed.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case 'a' <= r && r <= 'z':
			b.WriteRune(r)
		case r >= 0x80:
			b.WriteString(folds[r])
		}
	}
	return b.String()
}

var folds = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ð': "d", 'þ': "th", 'ł': "l", 'đ': "d"}
	for base, variants := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćčĉċ", "d": "ď", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥ",
		"i": "ìíîïĩīĭįı", "j": "ĵ", "k": "ķ", "l": "ĺļľ", "n": "ñńņňŉ", "o": "òóôõöōŏő",
		"r": "ŕŗř", "s": "śŝşš", "t": "ţťŧ", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, v := range variants {
			m[v] = base
		}
	}
	return m
}()
