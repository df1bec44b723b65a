package generator

import "github.com/dialoutkit/dialoutkit/report"

// country is a usage location, a call destination, or both, with what the
// generator needs to place users there and to price and number their calls.
type country struct {
	code     report.Code2
	name     string // destinationName
	dial     string // E.164 country calling code
	currency report.Code3

	userWeight uint64 // per mille of users who live there; 0 for destinations only
	destWeight uint64 // relative weight as an international destination
	tz         []int16

	// Prices of dial-out minutes from this location, in ten-thousandths of the
	// currency (so 240 is 0.0240 a minute), and the connection fee a charged
	// call to a mobile number abroad pays, in hundredths. tier is the price
	// multiplier of calling this country from abroad.
	domestic, international, connection int64
	tier                                int64

	digits      int    // length of a national significant number
	geo, mobile string // the digits a landline / mobile number may start with
	names       *names // local names with diacritics, for some display names
}

// countries lists every usage location (userWeight > 0) first, then
// destinations only. Rates are plausible pay-per-minute prices, not a
// price list. Time zones are standard time; daylight saving is ignored, as
// business hours here are only "roughly" local.
var countries = []country{
	{code: c2("US"), name: "United States", dial: "1", currency: c3("USD"), userWeight: 320, destWeight: 250,
		tz: []int16{-300, -300, -300, -360, -360, -420, -480}, domestic: 240, international: 1200, connection: 6, tier: 1,
		digits: 10, geo: "23456789", mobile: "23456789"},
	{code: c2("GB"), name: "United Kingdom", dial: "44", currency: c3("GBP"), userWeight: 100, destWeight: 120,
		tz: []int16{0}, domestic: 200, international: 1000, connection: 5, tier: 1,
		digits: 10, geo: "123", mobile: "7"},
	{code: c2("DE"), name: "Germany", dial: "49", currency: c3("EUR"), userWeight: 80, destWeight: 90,
		tz: []int16{60}, domestic: 220, international: 1100, connection: 6, tier: 1,
		digits: 10, geo: "2345689", mobile: "1", names: &german},
	{code: c2("FR"), name: "France", dial: "33", currency: c3("EUR"), userWeight: 60, destWeight: 70,
		tz: []int16{60}, domestic: 220, international: 1100, connection: 6, tier: 1,
		digits: 9, geo: "12345", mobile: "67", names: &french},
	{code: c2("IN"), name: "India", dial: "91", currency: c3("INR"), userWeight: 70, destWeight: 90,
		tz: []int16{330}, domestic: 15000, international: 90000, connection: 500, tier: 2,
		digits: 10, geo: "1234", mobile: "6789"},
	{code: c2("JP"), name: "Japan", dial: "81", currency: c3("JPY"), userWeight: 50, destWeight: 40,
		tz: []int16{540}, domestic: 30000, international: 150000, connection: 900, tier: 1,
		digits: 10, geo: "3456", mobile: "789", names: &japanese},
	{code: c2("CA"), name: "Canada", dial: "1", currency: c3("CAD"), userWeight: 45, destWeight: 50,
		tz: []int16{-300, -300, -300, -360, -420, -480, -480}, domestic: 320, international: 1600, connection: 8, tier: 1,
		digits: 10, geo: "2345689", mobile: "2345689", names: &french},
	{code: c2("AU"), name: "Australia", dial: "61", currency: c3("AUD"), userWeight: 40, destWeight: 30,
		tz: []int16{600, 600, 600, 570, 480}, domestic: 360, international: 1800, connection: 9, tier: 1,
		digits: 9, geo: "2378", mobile: "4"},
	{code: c2("BR"), name: "Brazil", dial: "55", currency: c3("BRL"), userWeight: 40, destWeight: 30,
		tz: []int16{-180}, domestic: 1200, international: 6000, connection: 30, tier: 2,
		digits: 11, geo: "1234567", mobile: "1234567", names: &portuguese},
	{code: c2("NL"), name: "Netherlands", dial: "31", currency: c3("EUR"), userWeight: 30, destWeight: 30,
		tz: []int16{60}, domestic: 220, international: 1100, connection: 6, tier: 1,
		digits: 9, geo: "12345", mobile: "6"},
	{code: c2("ES"), name: "Spain", dial: "34", currency: c3("EUR"), userWeight: 30, destWeight: 30,
		tz: []int16{60}, domestic: 220, international: 1100, connection: 6, tier: 1,
		digits: 9, geo: "89", mobile: "67", names: &spanish},
	{code: c2("IT"), name: "Italy", dial: "39", currency: c3("EUR"), userWeight: 30, destWeight: 30,
		tz: []int16{60}, domestic: 220, international: 1100, connection: 6, tier: 1,
		digits: 10, geo: "0", mobile: "3", names: &italian},
	{code: c2("IE"), name: "Ireland", dial: "353", currency: c3("EUR"), userWeight: 20, destWeight: 20,
		tz: []int16{0}, domestic: 220, international: 1100, connection: 6, tier: 1,
		digits: 9, geo: "124569", mobile: "8", names: &irish},
	{code: c2("CH"), name: "Switzerland", dial: "41", currency: c3("CHF"), userWeight: 20, destWeight: 20,
		tz: []int16{60}, domestic: 220, international: 1100, connection: 6, tier: 1,
		digits: 9, geo: "2346", mobile: "7", names: &german},
	{code: c2("SE"), name: "Sweden", dial: "46", currency: c3("SEK"), userWeight: 20, destWeight: 15,
		tz: []int16{60}, domestic: 2500, international: 12500, connection: 60, tier: 1,
		digits: 9, geo: "12345689", mobile: "7", names: &swedish},
	{code: c2("MX"), name: "Mexico", dial: "52", currency: c3("MXN"), userWeight: 25, destWeight: 35,
		tz: []int16{-360, -360, -420}, domestic: 4000, international: 20000, connection: 100, tier: 2,
		digits: 10, geo: "2345689", mobile: "2345689", names: &spanish},
	{code: c2("SG"), name: "Singapore", dial: "65", currency: c3("SGD"), userWeight: 20, destWeight: 20,
		tz: []int16{480}, domestic: 330, international: 1600, connection: 8, tier: 1,
		digits: 8, geo: "6", mobile: "89"},

	// Destinations only.
	{code: c2("CN"), name: "China", dial: "86", destWeight: 40, tier: 3, digits: 11, geo: "2", mobile: "1"},
	{code: c2("ZA"), name: "South Africa", dial: "27", destWeight: 15, tier: 2, digits: 9, geo: "1234", mobile: "678"},
	{code: c2("AE"), name: "United Arab Emirates", dial: "971", destWeight: 20, tier: 3, digits: 9, geo: "2346", mobile: "5"},
	{code: c2("PL"), name: "Poland", dial: "48", destWeight: 25, tier: 2, digits: 9, geo: "1234", mobile: "5678"},
	{code: c2("KR"), name: "South Korea", dial: "82", destWeight: 20, tier: 2, digits: 10, geo: "2345", mobile: "1"},
}

func c2(s string) report.Code2 { return report.Code2{s[0], s[1]} }
func c3(s string) report.Code3 { return report.Code3{s[0], s[1], s[2]} }

// codeNames and currencyNames are the countries' codes as strings, so a
// regenerated call costs no allocation for them.
var codeNames, currencyNames = func() (codes, currencies []string) {
	for _, c := range countries {
		codes = append(codes, c.code.String())
		currencies = append(currencies, c.currency.String())
	}
	return codes, currencies
}()

// userWeightTotal and destWeightTotal sum the weights above.
var userWeightTotal, destWeightTotal = func() (u, d uint64) {
	for _, c := range countries {
		u += c.userWeight
		d += c.destWeight
	}
	return u, d
}()

// class is how much a user dials out: a few heavy dialers, many light ones,
// some never. perMille is the share of users; weight the relative call
// volume (the generator scales it so the mean over users is exactly 1).
type class struct{ perMille, weight uint64 }

var classes = []class{
	{120, 0},   // never dial out
	{480, 35},  // light
	{280, 120}, // regular
	{100, 300}, // heavy
	{20, 900},  // power dialers (assistants, sales desks)
}

// weekday weights call volume by UTC weekday, Sunday first.
var weekday = [7]int64{15, 125, 135, 135, 130, 110, 20}

// Between 24 December and 1 January the volume drops to holidayPerMille of a
// normal day of the same weekday.
const holidayPerMille = 300

// hours weights the local hour of day at which a meeting dials out.
var hours = [24]uint64{
	1, 1, 1, 1, 1, 2, 4, 12, 40, 90, 110, 105,
	60, 85, 105, 100, 85, 50, 20, 10, 6, 4, 2, 1,
}

var hoursTotal = func() (t uint64) {
	for _, h := range hours {
		t += h
	}
	return t
}()

// hourOf maps a draw below hoursTotal to its hour: hour h for hours[h]
// draws, in order.
var hourOf = func() []uint8 {
	var t []uint8
	for h, n := range hours {
		for range n {
			t = append(t, uint8(h))
		}
	}
	return t
}()

// durations holds 129 quantiles, at i/128, of a log-normal distribution of
// median 480 s and σ = 1.1 (mean ≈ 880 s), floored at 5 s and capped at 4 h:
// many short calls, a few long ones. A duration is drawn uniformly inside the
// bucket between two quantiles. Computed once (Python:
// round(480*exp(1.1*NormalDist().inv_cdf(i/128)))) and written out, so no
// floating point runs at generation time.
var durations = [129]int64{
	5, 34, 45, 54, 62, 69, 76, 82, 89, 95, 101, 107, 113, 118, 124, 130,
	135, 141, 147, 152, 158, 164, 169, 175, 181, 187, 193, 198, 204, 210, 216, 222,
	229, 235, 241, 247, 254, 260, 267, 274, 280, 287, 294, 301, 308, 316, 323, 330,
	338, 346, 354, 362, 370, 378, 386, 395, 404, 413, 422, 431, 440, 450, 460, 470,
	480, 490, 501, 512, 523, 535, 546, 558, 571, 583, 596, 609, 623, 637, 651, 666,
	681, 697, 713, 730, 747, 765, 783, 802, 822, 842, 863, 885, 908, 931, 956, 981,
	1008, 1036, 1065, 1096, 1128, 1161, 1197, 1234, 1274, 1316, 1360, 1407, 1458, 1512, 1570, 1633,
	1701, 1776, 1857, 1946, 2046, 2157, 2283, 2427, 2595, 2793, 3033, 3333, 3725, 4273, 5131, 6858,
	14400,
}

// Probabilities, in 1/2^32, of per-call and per-user events.
const (
	pSameMeeting = 1 << 32 * 30 / 100 // another dial-out of the meeting just before
	pMobile      = 1 << 32 * 35 / 100 // the callee is a mobile number
	pMoves       = 1 << 32 * 3 / 100  // the user has a second usage location
	pLocalName   = 1 << 32 * 25 / 100 // a local name, where the country has a list
)

// intlSpread scales InternationalShare per user, in quarters; mean 1.
var intlSpread = []uint64{2, 3, 4, 5, 6}

// covered lists the per-user shares, in 1/2^32, of domestic calls covered by
// the Audio Conferencing licence's dial-out minutes (charge 0, MCOMEETADD).
var covered = []uint64{0, 0, 1 << 32 / 4, 1 << 32 / 2, 1 << 32 * 9 / 10}

// names are local first and last names, for display names with diacritics.
type names struct{ first, last []string }

var (
	german = names{
		first: []string{"Jürgen", "Jörg", "Günther", "Björn", "Käthe", "Sören", "Ulrike", "Lukas", "Anja", "Dörte"},
		last:  []string{"Müller", "Schröder", "Köhler", "Großmann", "Jäger", "Krüger", "Weiß", "Schäfer", "Böhm", "Vogel"},
	}
	french = names{
		first: []string{"François", "Hélène", "Amélie", "Jérôme", "Céline", "Loïc", "Anaïs", "Noël", "Gaëlle", "Élodie"},
		last:  []string{"Lefèvre", "Dupré", "Hébert", "Lemaître", "Bélanger", "Gagné", "Côté", "Leroy", "Barbé", "Ménard"},
	}
	spanish = names{
		first: []string{"José", "María", "Ángel", "Raúl", "Inés", "Sofía", "Martín", "Begoña", "Joaquín", "Lucía"},
		last:  []string{"Núñez", "Muñoz", "Ibáñez", "Pérez", "Gómez", "Rodríguez", "Martínez", "Sánchez", "Peña", "Giménez"},
	}
	portuguese = names{
		first: []string{"João", "Conceição", "Antônio", "Luíza", "Sebastião", "Tânia", "Márcio", "Fábio", "Lúcia", "Estêvão"},
		last:  []string{"Gonçalves", "Araújo", "Simões", "Magalhães", "Falcão", "Conceição", "Brandão", "Guimarães", "Patrício", "Assunção"},
	}
	italian = names{
		first: []string{"Niccolò", "Nicolò", "Mattia", "Giosuè", "Zoë", "Chiara", "Raffaella", "Lucrezia"},
		last:  []string{"Abbà", "Canzì", "Fantò", "Mazzà", "Rossi", "Esposito", "Colombo", "Ricci"},
	}
	irish = names{
		first: []string{"Seán", "Siobhán", "Pádraig", "Máire", "Éamon", "Aoibhínn", "Niamh", "Ciarán"},
		last:  []string{"Ó Briain", "O'Connor", "Mac Cárthaigh", "Ní Bhriain", "O'Sullivan", "Ó Súilleabháin", "Kennedy", "Ó Néill"},
	}
	swedish = names{
		first: []string{"Åsa", "Björn", "Göran", "Märta", "Örjan", "Linnéa", "Åke", "Sören"},
		last:  []string{"Åberg", "Björk", "Sjöberg", "Ågren", "Lindström", "Wästberg", "Öberg", "Ekström"},
	}
	japanese = names{
		first: []string{"Shōta", "Yūki", "Kōji", "Yōko", "Jun'ichi", "Ryōta", "Shun", "Haruka"},
		last:  []string{"Itō", "Satō", "Katō", "Saitō", "Kōno", "Ōno", "Tanaka", "Yamamoto"},
	}
)
