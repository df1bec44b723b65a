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

// tagKeys holds, for each stream tag, the first step of hash for a seed
// key: what every stream of that tag starts from. tagDialIn is the last
// tag (othercalls.go); a new one after it needs room here.
type tagKeys [tagDialIn + 1]uint64

func newTagKeys(seed uint64) *tagKeys {
	var k tagKeys
	for tag := range k {
		k[tag] = mix(seed ^ uint64(tag)*gamma)
	}
	return &k
}

// hash is hash(g.seedKey, tag, a, b), its first step done once a tenant.
func (g *gen) hash(tag, a, b uint64) uint64 {
	return mix(mix(g.tags[tag]+a) ^ b*0xd1b54a32d192ed03)
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
	n := len(b)
	b = append(b, "00000000-0000-0000-0000-000000000000"...)
	g.put((*[36]byte)(b[n:]))
	return b
}

// put writes the string of g to b: 8-4-4-4-12 lower-case hex digits, the
// hyphens between.
func (g guid) put(b *[36]byte) {
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	putHex(b[0:8], g.hi>>32)
	putHex(b[9:13], g.hi>>16)
	putHex(b[14:18], g.hi)
	putHex(b[19:23], g.lo>>48)
	putHex(b[24:36], g.lo)
}

// putHex writes the last len(b)/2 bytes of w to b in hex, two digits a
// byte, the most significant first.
func putHex(b []byte, w uint64) {
	for i := len(b) - 2; i >= 0; i -= 2 {
		x := 2 * int(w&0xff)
		b[i], b[i+1] = hexPairs[x], hexPairs[x+1]
		w >>= 8
	}
}

// hexPairs holds the two lower-case hex digits of every byte.
const hexPairs = "" +
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" +
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" +
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" +
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" +
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
