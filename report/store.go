package report

import (
	"encoding/binary"
	"encoding/hex"
	"math"
)

// The call store keeps a ledger's calls small, so a real tenant's export
// loads in a few hundred bytes a call (docs/contract.md#loading-real-data):
// fixed-size fields in a packed record, the values that repeat (call types,
// destination names, capabilities…) interned as 16-bit indexes, and the
// per-call strings (ids, numbers) packed in chunks of bytes, a GUID in its 16
// bytes. Records and bytes grow by chunks, never by copying what is there.

const (
	chunkBits  = 14 // records a chunk: 16384
	arenaChunk = 1 << 20
	// MaxFieldLen bounds a call's free-text field, in bytes.
	MaxFieldLen = 1024
)

// packed is one call of the store.
type packed struct {
	start, end   int64 // Unix nanoseconds, UTC
	charge, conn int64 // hundredths
	blob         uint64
	user         int32 // index in the users, -1 for none (a bot call)
	pos          int32 // where the call was given: an index or a line number
	duration     int32
	callType     uint16 // interned; 0 is ""
	destName     uint16
	capability   uint16
	numberType   uint16
	inventory    uint16
	operator     uint16
	durSource    uint16
	currency     Code3
	location     Code2
	tenantCC     Code2
	otherCC      Code2
	dest         Destination
}

// The per-call strings of the blob, in this order.
const (
	sID = iota
	sCallID
	sConference
	sDialer
	sCallee
	sCaller
	nStrings
)

type store struct {
	chunks [][]packed
	n      int
	arena  [][]byte
	strs   []string
	index  map[string]uint16
}

func newStore() *store { return &store{strs: []string{""}, index: map[string]uint16{"": 0}} }

func (s *store) at(i int) *packed { return &s.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (s *store) add(p packed) int {
	if s.n>>chunkBits == len(s.chunks) {
		s.chunks = append(s.chunks, make([]packed, 0, 1<<chunkBits))
	}
	c := &s.chunks[len(s.chunks)-1]
	*c = append(*c, p)
	s.n++
	return s.n - 1
}

// intern returns the index of v, adding it; false when the table is full.
func (s *store) intern(v string) (uint16, bool) {
	if i, ok := s.index[v]; ok {
		return i, true
	}
	if len(s.strs) > math.MaxUint16 {
		return 0, false
	}
	v = string([]byte(v)) // never keep a reader's buffer alive
	s.index[v] = uint16(len(s.strs))
	s.strs = append(s.strs, v)
	return uint16(len(s.strs) - 1), true
}

// putStrings packs vals (each at most MaxFieldLen bytes) and returns where.
func (s *store) putStrings(vals *[nStrings]string) uint64 {
	need := 0
	for _, v := range vals {
		need += 3 + len(v)
	}
	if len(s.arena) == 0 || cap(s.arena[len(s.arena)-1])-len(s.arena[len(s.arena)-1]) < need {
		s.arena = append(s.arena, make([]byte, 0, max(arenaChunk, need)))
	}
	ci := len(s.arena) - 1
	b := s.arena[ci]
	off := len(b)
	for _, v := range vals {
		b = appendPacked(b, v)
	}
	s.arena[ci] = b
	return uint64(ci)<<32 | uint64(off)
}

// The packed form of a string: 0xFF and 16 bytes for a lower-case GUID; a
// length byte below 0xFE and the bytes; or 0xFE, a 2-byte length and the bytes.
func appendPacked(b []byte, v string) []byte {
	if IsGUID(v) {
		b = append(b, 0xFF)
		var g [16]byte
		hex.Decode(g[0:4], []byte(v[0:8]))
		hex.Decode(g[4:6], []byte(v[9:13]))
		hex.Decode(g[6:8], []byte(v[14:18]))
		hex.Decode(g[8:10], []byte(v[19:23]))
		hex.Decode(g[10:16], []byte(v[24:36]))
		return append(b, g[:]...)
	}
	if len(v) < 0xFE {
		b = append(b, byte(len(v)))
	} else {
		b = append(b, 0xFE)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	}
	return append(b, v...)
}

// packedLen is the length of the packed string at b[0:].
func packedLen(b []byte) int {
	switch b[0] {
	case 0xFF:
		return 17
	case 0xFE:
		return 3 + int(binary.LittleEndian.Uint16(b[1:]))
	}
	return 1 + int(b[0])
}

func unpack(b []byte) string {
	switch b[0] {
	case 0xFF:
		var s [36]byte
		hex.Encode(s[0:8], b[1:5])
		s[8] = '-'
		hex.Encode(s[9:13], b[5:7])
		s[13] = '-'
		hex.Encode(s[14:18], b[7:9])
		s[18] = '-'
		hex.Encode(s[19:23], b[9:11])
		s[23] = '-'
		hex.Encode(s[24:36], b[11:17])
		return string(s[:])
	case 0xFE:
		n := int(binary.LittleEndian.Uint16(b[1:]))
		return string(b[3 : 3+n])
	}
	return string(b[1 : 1+int(b[0])])
}

// blob returns the packed strings of a call, from its first.
func (s *store) blob(at uint64) []byte { return s.arena[at>>32][uint32(at):] }

// packedField returns the packed bytes of string k of the blob at.
func (s *store) packedField(at uint64, k int) []byte {
	b := s.blob(at)
	for range k {
		b = b[packedLen(b):]
	}
	return b[:packedLen(b)]
}

// blobLen is the length of the whole blob at b.
func blobLen(b []byte) int {
	n := 0
	for range nStrings {
		n += packedLen(b[n:])
	}
	return n
}

func (s *store) unpackAll(at uint64, dst *[nStrings]string) {
	b := s.blob(at)
	for k := range nStrings {
		n := packedLen(b)
		dst[k] = unpack(b[:n])
		b = b[n:]
	}
}
