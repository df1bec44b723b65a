// Package generator builds a synthetic, deterministic tenant and its ledger of
// dial-out calls, for the mock of Microsoft Graph's
// callRecords.getPstnOnlineMeetingDialoutReport (docs/contract.md#the-generator).
//
// A tenant is a pure function of its Spec: the same spec gives the same users,
// calls and report on any machine and at any GOMAXPROCS. It is also stable by
// day and by user: the calls user u organizes on UTC day d depend only on the
// seed, the spec's intensity and international share, u's own attributes
// (drawn from the seed and u alone) and d. So the data of a date does not
// depend on when the window ends, and adding users changes no existing user
// nor any of their calls. Every random value comes from a splitmix64 stream
// named by hashing (seed, purpose, user, day); gofakeit, with one Faker per
// user over such a stream, draws names only.
//
// The ledger keeps a few bytes a call (the report.Ledger index); full calls,
// with their ids and callee numbers, are regenerated on demand by
// Tenant.Calls, day by day.
//
// Choices the documentation leaves open:
//   - licenseCapability MCOMEETADD marks a domestic call covered by the
//     organizer's Audio Conferencing licence (its included dial-out minutes):
//     charge and connectionCharge 0. MCOPSTNPP marks a call paid per minute
//     from Communications Credits: charge > 0, and a connectionCharge when
//     the callee is a mobile number abroad. International calls are never
//     covered.
//   - A user who moves takes the currency of the new location: currency
//     always follows usageLocation.
//   - The users' own usageLocation is their home location, also for the ~3%
//     who spend periods elsewhere (their calls there carry the other one).
//   - Calls start on whole seconds. A dialerId is the organizer, a colleague
//     (a lower-numbered user) or a guest outside the tenant.
package generator

import (
	"context"
	"fmt"
	"math/big"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/dialoutkit/dialoutkit/report"
)

// Tenant is a generated tenant: its users and the indexed ledger of their
// calls (the embedded report.Ledger answers Rows, Summary and Users), plus
// the full calls, regenerated on demand. It is immutable and safe for
// concurrent use.
type Tenant struct {
	*report.Ledger
	g   *gen
	log *logIndex
}

// Spec returns the spec the tenant was generated from, with WindowEnd at
// midnight UTC and Domain in lower case.
func (t *Tenant) Spec() Spec { return t.g.spec }

// gen holds what the calls are regenerated from: the spec's derived
// constants, a few small tables and per-user attributes.
type gen struct {
	spec     Spec
	seedKey  uint64
	tags     *tagKeys     // the first step of hash for seedKey, by tag
	intl     uint64       // InternationalShare in 1/2^32
	q        [][14]uint64 // per class and day kind, the geometric threshold of the daily count
	firstDay int64        // first day of the window (days since 1970-01-01)
	kinds    []uint8      // dayKind of each day of the window
	people   []person

	// The other calls (othercalls.go).
	other             [][14]uint64 // per plan, then for bots, the geometric threshold of the daily count
	plans             []uint8      // each user's phone plan
	bots              []bot
	tenantCountryName string
	bridgeNumbers     [2][]string // per country, the toll and the toll-free conference bridge's
	botNumbers        []string
	userNumbers       []userNumber // each user's own
	plainUsers        bool         // every user's identity needs no escaping (LogCall.UserPlain)
}

func newGen(s Spec) *gen {
	seedKey := mix(uint64(s.Seed) ^ 0x6469616c6f75746b) // "dialoutk"
	g := &gen{
		spec:     s,
		seedKey:  seedKey,
		tags:     newTagKeys(seedKey),
		intl:     uint64(s.InternationalShare * (1 << 32)), // exact: a power of two
		q:        thresholds(s.Intensity),
		other:    otherRates(s.Intensity),
		firstDay: dayNumber(s.WindowEnd) - int64(s.WindowDays) + 1,
		kinds:    make([]uint8, s.WindowDays),
	}
	for i := range g.kinds {
		g.kinds[i] = dayKind(g.firstDay + int64(i))
	}
	return g
}

// thresholds computes, exactly in rational arithmetic, the daily call count's
// parameters: the count is the sum of two geometric draws (a negative
// binomial: Poisson-like, a little burstier) whose mean λ is
// Intensity/30 × the class's relative weight × the weekday's relative weight
// (× 0.3 on holidays). Each draw has mean m = λ/2, so success probability
// m/(1+m), kept in 1/2^64.
func thresholds(intensity float64) [][14]uint64 {
	var sumClass, sumWeek int64
	for _, c := range classes {
		sumClass += int64(c.perMille * c.weight)
	}
	for _, w := range weekday {
		sumWeek += w
	}
	perDay := new(big.Rat).SetFloat64(intensity) // exact value of the float
	one := big.NewRat(1, 1)
	scale := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 64))
	q := make([][14]uint64, len(classes))
	for ci, c := range classes {
		for kind := range 14 {
			holiday := int64(1000)
			if kind >= 7 {
				holiday = holidayPerMille
			}
			m := big.NewRat(int64(c.weight)*1000*7*weekday[kind%7]*holiday, 30*sumClass*sumWeek*1000*2)
			m.Mul(m, perDay)
			p := new(big.Rat).Quo(m, new(big.Rat).Add(m, one))
			p.Mul(p, scale)
			q[ci][kind] = new(big.Int).Quo(p.Num(), p.Denom()).Uint64()
		}
	}
	return q
}

// Generate builds the tenant of s. progress, when not nil, is called from
// Generate's goroutine with the number of users whose calls are generated so
// far, out of total = s.Users+1: the last step is indexing the ledger.
// Generation runs on GOMAXPROCS workers and stops early with ctx's error when
// ctx is done.
func Generate(ctx context.Context, s Spec, progress func(done, total int)) (*Tenant, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	g := newGen(s.normalize())
	n := s.Users
	workers := runtime.GOMAXPROCS(0)

	// Users: attributes in parallel, then uniqueness in user order.
	g.people = make([]person, n)
	g.plans = make([]uint8, n)
	g.userNumbers = make([]userNumber, n)
	ids := make([]identity, n)
	err := parallel(ctx, n, workers, func(lo, hi int) {
		var buf []byte
		for u := lo; u < hi; u++ {
			g.people[u], ids[u] = g.newPerson(u)
			g.plans[u] = g.phonePlan(u)
			buf = g.appendOwnNumber(buf[:0], 0, uint64(u), int(g.people[u].home))
			g.userNumbers[u].set(buf)
		}
	}, nil)
	if err != nil {
		return nil, err
	}
	users := g.uniqueUsers(ids, g.people)
	g.plainUsers = plainUsers(users)
	g.bots = make([]bot, (n+usersPerBot-1)/usersPerBot)
	for b := range g.bots {
		g.bots[b] = g.newBot(b)
	}
	g.tenantCountryName = codeNames[g.people[0].home]
	g.ownNumbers()

	// Count each user's calls, then give each user a slice of one array of
	// entries, in the order the ledger sorts them (users by UPN), so the
	// index build finds them sorted.
	counts := make([]int32, n)
	err = parallel(ctx, n, workers, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			c := 0
			for i, kind := range g.kinds {
				k, _ := g.count(u, g.firstDay+int64(i), kind)
				c += k
			}
			counts[u] = int32(c)
		}
	}, nil)
	if err != nil {
		return nil, err
	}
	byName := report.UserOrder(users)
	offset := make([]int, n)
	total := 0
	for _, u := range byName {
		offset[u] = total
		total += int(counts[u])
	}
	if total > report.MaxInt32-1 {
		return nil, fmt.Errorf("generate: %w: %d calls is more than a ledger holds", report.ErrOverflow, total)
	}

	entries := make([]report.Entry, total)
	generated := func(done int) {
		if progress != nil {
			progress(done, n+1)
		}
	}
	err = parallel(ctx, n, workers, func(lo, hi int) {
		var buf []draw
		for u := lo; u < hi; u++ {
			seg := entries[offset[u] : offset[u]+int(counts[u])]
			i := 0
			for j, kind := range g.kinds {
				buf = g.day(u, g.firstDay+int64(j), kind, buf[:0], allCalls)
				for k := range buf {
					seg[i] = buf[k].entry(u)
					i++
				}
			}
			if i != len(seg) {
				panic(fmt.Sprintf("generator: user %d has %d calls, counted %d", u, i, len(seg)))
			}
			slices.SortFunc(seg, report.CompareEntries)
		}
	}, generated)
	if err != nil {
		return nil, err
	}

	// NewLedger takes entries over; nothing else refers to them, so they are
	// garbage once the index is built and only the index (~24 B a call) stays.
	l, err := report.NewLedger(users, entries)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	entries = nil
	log, err := g.buildLog(ctx)
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(n+1, n+1)
	}
	return &Tenant{Ledger: l, g: g, log: log}, nil
}

// parallel runs fn over [0, n) in chunks on a fixed number of workers. Each
// chunk writes only its own users' data, so the result does not depend on
// which worker ran what. done, when not nil, is called from the caller's
// goroutine with the number of items finished so far.
func parallel(ctx context.Context, n, workers int, fn func(lo, hi int), done func(int)) error {
	const chunk = 256
	var next atomic.Int64
	finished := make(chan int, workers)
	var wg sync.WaitGroup
	for range max(1, min(workers, (n+chunk-1)/chunk)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				hi := min(lo+chunk, n)
				fn(lo, hi)
				finished <- hi - lo
			}
		})
	}
	go func() {
		wg.Wait()
		close(finished)
	}()
	sum := 0
	for k := range finished {
		sum += k
		if done != nil {
			done(sum)
		}
	}
	return ctx.Err()
}
