package generator

import "math/bits"

// Everything random in a tenant comes from splitmix64 (Steele, Lea and Flood,
// "Fast splittable pseudorandom number generators", 2014): a 64-bit counter
// passed through a bijective mixer. It is a few instructions a draw, needs no
// allocation, and any (seed, user, day) names its own stream by hashing, which
// is what makes the data stable by day and by user. Draws are turned into
// values with integer arithmetic only: no float64 and no math.Exp/Log, whose
// results may differ in the last bit between architectures (amd64 and arm64
// have assembly versions, and some compilers fuse multiply-adds).

const gamma = 0x9e3779b97f4a7c15 // the golden-ratio increment of splitmix64

// mix is splitmix64's finalizer, a bijection on 64 bits.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Stream tags keep the hashes of different purposes apart.
const (
	tagUser uint64 = iota + 1
	tagUserID
	tagFaker
	tagDay
	tagCall
	tagConference
	tagExternal
	tagCallee
)

// hash derives a 64-bit key from the tenant's seed key, a tag and two values.
func hash(seed, tag, a, b uint64) uint64 {
	return mix(mix(mix(seed^tag*gamma)+a) ^ b*0xd1b54a32d192ed03)
}

// rng is a splitmix64 stream.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += gamma
	return mix(r.s)
}

// below returns a value in [0, n), by Lemire's multiply-shift (bias < n/2^64).
func (r *rng) below(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}

// chance returns true with probability q/2^32; q may be up to 2^32 (always).
func (r *rng) chance(q uint64) bool { return r.next()>>32 < q }

// geometric counts successes before the first failure, each success with
// probability q/2^64: a geometric distribution of mean q/(2^64-q). The count
// is capped so that a pathological q cannot loop for long.
func (r *rng) geometric(q uint64) int {
	n := 0
	for n < maxGeometric && r.next() < q {
		n++
	}
	return n
}

const maxGeometric = 4095

// source adapts rng to math/rand's Source64 for gofakeit.NewCustom, so every
// user's Faker has its own cheap, seeded stream (never gofakeit's global one).
type source struct{ rng }

func (s *source) Int63() int64    { return int64(s.next() >> 1) }
func (s *source) Uint64() uint64  { return s.next() }
func (s *source) Seed(seed int64) { s.s = uint64(seed) }

// guid is a version-4 GUID held as two words; its string is the lower-case
// hyphenated form Graph writes, and comparing (hi, lo) orders as the strings.
type guid struct{ hi, lo uint64 }

func newGUID(hi, lo uint64) guid {
	return guid{hi&^0xf000 | 0x4000, lo&^(0xc<<60) | 0x8<<60}
}

func (g guid) less(o guid) bool { return g.hi < o.hi || g.hi == o.hi && g.lo < o.lo }

func (g guid) String() string {
	var b [36]byte
	g.put(&b)
	return string(b[:])
}

// appendTo writes the string of g to b.
func (g guid) appendTo(b []byte) []byte {
	var t [36]byte
	g.put(&t)
	return append(b, t[:]...)
}

// put writes the string of g to b: 8-4-4-4-12 lower-case hex digits, the
// hyphens between.
func (g guid) put(b *[36]byte) {
	const digits = "0123456789abcdef"
	w, shift := g.hi, 60
	for i := range 36 {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
			continue
		case 19:
			w, shift = g.lo, 60
		}
		b[i] = digits[w>>shift&0xf]
		shift -= 4
	}
}
