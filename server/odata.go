package server

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/dialoutkit/dialoutkit/internal/clip"
	"github.com/dialoutkit/dialoutkit/report"
)

// function is one of the Graph functions the mock serves.
type function uint8

// The functions: the dial-out report (beta only) and the PSTN call log
// (beta and v1.0, docs/contract.md#call-log).
const (
	fnDialout function = iota
	fnPstnCalls
)

// functionNames are, per function, the three spellings real clients send,
// lower-cased: the docs and the JS client, the Kiota SDKs
// (namespace-qualified), and the alias one Go SDK release sent. Graph
// compares names case-insensitively.
var functionNames = [...][3]string{
	fnDialout: {
		"getpstnonlinemeetingdialoutreport",
		"microsoft.graph.callrecords.getpstnonlinemeetingdialoutreport",
		"callrecords.getpstnonlinemeetingdialoutreport",
	},
	fnPstnCalls: {
		"getpstncalls",
		"microsoft.graph.callrecords.getpstncalls",
		"callrecords.getpstncalls",
	},
}

// docName is the function's name as its documentation spells it.
func (f function) docName() string {
	if f == fnPstnCalls {
		return "getPstnCalls"
	}
	return "getPstnOnlineMeetingDialoutReport"
}

// call is a parsed function segment.
type call struct {
	fn       function
	name     string // as the client spelled it
	from, to time.Time
}

// lookupFunction finds the function a name spells, case-insensitively.
func lookupFunction(name string) (function, bool) {
	for f, names := range functionNames {
		for _, n := range names {
			if strings.EqualFold(name, n) {
				return function(f), true
			}
		}
	}
	return 0, false
}

// isFunctionName reports whether name, case-insensitively, is one of the
// spellings of a function the mock serves.
func isFunctionName(name string) bool {
	_, ok := lookupFunction(name)
	return ok
}

// parseFunction reads the escaped function segment
// `name(fromDateTime=X,toDateTime=Y)` as a client sent it. Percent-encoding is
// decoded first (Kiota sends `%3A` and `%2B`); a raw `+` stays a plus, never a
// space. Parameter order may be swapped; nothing else is accepted.
func parseFunction(escaped string) (call, error) {
	seg, err := url.PathUnescape(escaped)
	if err != nil {
		return call{}, badRequest("The request URL has invalid percent-encoding.")
	}
	open := strings.IndexByte(seg, '(')
	name := seg
	if open >= 0 {
		name = seg[:open]
	}
	fn, ok := lookupFunction(name)
	if !ok {
		return call{}, unknownSegment(printable(name))
	}
	if open < 0 || !strings.HasSuffix(seg, ")") {
		return call{}, badRequest("The function '%s' requires the parameters fromDateTime and toDateTime: %s(fromDateTime={fromDateTime},toDateTime={toDateTime}).", printable(name), printable(name))
	}
	c := call{fn: fn, name: name}
	var seenFrom, seenTo bool
	args := seg[open+1 : len(seg)-1]
	if args == "" {
		return call{}, badRequest("The parameters fromDateTime and toDateTime are required.")
	}
	if n, ok := emptyValue(args); ok {
		return call{}, expressionExpected(n, args)
	}
	for _, arg := range strings.Split(args, ",") {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return call{}, badRequest("The function parameter '%s' is malformed: want name=value.", printable(arg))
		}
		var dst *time.Time
		var seen *bool
		switch {
		case strings.EqualFold(k, "fromDateTime"):
			dst, seen = &c.from, &seenFrom
		case strings.EqualFold(k, "toDateTime"):
			dst, seen = &c.to, &seenTo
		default:
			return call{}, badRequest("The function parameter '%s' is not known: want fromDateTime and toDateTime.", printable(k))
		}
		if *seen {
			return call{}, badRequest("The function parameter '%s' is given twice.", printable(k))
		}
		*seen = true
		t, err := parseDateTimeOffset(v)
		if err != nil {
			return call{}, badRequest("The parameter '%s' has the invalid value '%s': %v.", printable(k), printable(v), err)
		}
		*dst = t
	}
	switch {
	case !seenFrom:
		return call{}, badRequest("The parameter 'fromDateTime' is required.")
	case !seenTo:
		return call{}, badRequest("The parameter 'toDateTime' is required.")
	}
	return c, nil
}

// emptyValue finds the first empty value in the parameters text args
// (`fromDateTime=,toDateTime=`): its 0-based byte index in args, where the
// value would start, and true. A parameter without "=" is not an empty value:
// it is malformed, and answered as such.
func emptyValue(args string) (int, bool) {
	for off := 0; ; {
		arg, _, more := strings.Cut(args[off:], ",")
		if eq := strings.IndexByte(arg, '='); eq >= 0 && eq == len(arg)-1 {
			return off + eq + 1, true
		}
		if !more {
			return 0, false
		}
		off += len(arg) + 1
	}
}

// expressionExpected is how the service answers an empty parameter value:
// the OData URI parser's syntax error, with the position of the missing
// value in the percent-decoded parameters (docs/contract.md#parameters).
func expressionExpected(pos int, args string) *GraphError {
	return badRequest("Expression expected at position %d in '%s'.", utf16Len(args[:pos]), printableN(args, maxQuotedParams))
}

// utf16Len counts s in UTF-16 code units, as .NET's string positions do;
// an invalid byte counts as one (its replacement character).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// maxQuotedParams bounds the parameters quoted in a message: any real
// client's fit, a hostile client's are cut.
const maxQuotedParams = 512

// parseDateTimeOffset reads an OData DateTimeOffset literal, unquoted:
// a date alone (midnight UTC, decision D2), or
// date "T" hh ":" mm [":" ss ["." fraction]] ("Z" / ("+" / "-") hh ":" mm).
// Fractions may have any number of digits; past nanoseconds they are cut.
func parseDateTimeOffset(s string) (time.Time, error) {
	p := lexer{s: s}
	year := p.digits(4)
	p.expect('-')
	month := p.digits(2)
	p.expect('-')
	day := p.digits(2)
	if p.err != nil {
		return time.Time{}, fmt.Errorf("want YYYY-MM-DD or an ISO 8601 date and time")
	}
	if p.done() {
		return date(year, month, day, 0, 0, 0, 0, time.UTC)
	}
	if !p.accept('T') && !p.accept('t') {
		return time.Time{}, fmt.Errorf("want 'T' between the date and the time")
	}
	hour := p.digits(2)
	p.expect(':')
	minute := p.digits(2)
	sec, nsec := 0, 0
	if p.accept(':') {
		sec = p.digits(2)
		if p.accept('.') {
			nsec = p.fraction()
		}
	}
	var loc *time.Location
	switch {
	case p.accept('Z'), p.accept('z'):
		loc = time.UTC
	case p.peek() == '+' || p.peek() == '-':
		sign := 1
		if p.next() == '-' {
			sign = -1
		}
		oh := p.digits(2)
		p.expect(':')
		om := p.digits(2)
		if p.err == nil && (oh > 23 || om > 59) {
			return time.Time{}, fmt.Errorf("the offset is out of range")
		}
		loc = time.FixedZone("", sign*(oh*3600+om*60))
	default:
		return time.Time{}, fmt.Errorf("want a time zone: 'Z' or an offset such as +02:00")
	}
	if p.err != nil || !p.done() {
		return time.Time{}, fmt.Errorf("want an ISO 8601 date and time such as 2022-11-01T00:00:00Z")
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("the time of day is out of range")
	}
	t, err := date(year, month, day, hour, minute, sec, nsec, loc)
	if err != nil {
		return time.Time{}, err
	}
	// As .NET's DateTimeOffset (Graph's) requires, the instant in UTC stays
	// within the years 0000 to 9999, which RFC 3339 can write:
	// 9999-12-31T23:59:59-01:00 is refused.
	if t = t.UTC(); t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("the instant is outside the years 0000 to 9999 in UTC")
	}
	return t, nil
}

func date(y, mo, d, h, mi, s, ns int, loc *time.Location) (time.Time, error) {
	t := time.Date(y, time.Month(mo), d, h, mi, s, ns, loc)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, fmt.Errorf("%04d-%02d-%02d is not a calendar date", y, mo, d)
	}
	return t, nil
}

// lexer reads fixed-width fields; the first failure sticks in err.
type lexer struct {
	s   string
	i   int
	err error
}

func (p *lexer) done() bool { return p.err == nil && p.i == len(p.s) }

func (p *lexer) peek() byte {
	if p.err != nil || p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *lexer) next() byte {
	c := p.peek()
	if c != 0 {
		p.i++
	}
	return c
}

func (p *lexer) accept(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *lexer) expect(c byte) {
	if !p.accept(c) && p.err == nil {
		p.err = fmt.Errorf("want %q at %d", c, p.i)
	}
}

func (p *lexer) digits(n int) int {
	v := 0
	for k := 0; k < n; k++ {
		c := p.peek()
		if c < '0' || c > '9' {
			if p.err == nil {
				p.err = fmt.Errorf("want a digit at %d", p.i)
			}
			return 0
		}
		v = v*10 + int(c-'0')
		p.i++
	}
	return v
}

// fraction reads one or more digits after the decimal point as nanoseconds.
func (p *lexer) fraction() int {
	ns, scale, n := 0, 100_000_000, 0
	for c := p.peek(); c >= '0' && c <= '9'; c = p.peek() {
		ns += int(c-'0') * scale
		scale /= 10
		p.i++
		n++
	}
	if n == 0 && p.err == nil {
		p.err = fmt.Errorf("want digits after '.'")
	}
	return ns
}

// options are the OData system query options the function takes.
type options struct {
	skip    int64
	top     int64 // -1: none
	version string
	ignored []string // $filter, $search, $count: accepted and ignored (D7)
	rest    []string // every other parameter, as sent, kept in nextLinks
}

// parseOptions reads the raw query string of the dial-out report; see
// parseOptionsFor.
func parseOptions(raw string) (options, error) { return parseOptionsFor(raw, fnDialout) }

// parseOptionsFor reads the raw query string of a request for fn. `$` may
// arrive as `%24`; names of system query options are case-insensitive.
func parseOptionsFor(raw string, fn function) (options, error) {
	// One allocation for the kept options, however many a hostile query
	// holds: growing the slice by appends costs five times its size.
	o := options{top: -1, rest: make([]string, 0, strings.Count(raw, "&")+1)}
	seen := map[string]bool{}
	for q := raw; q != ""; {
		var part string
		part, q, _ = strings.Cut(q, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return o, badRequest("The query string has invalid percent-encoding.")
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return o, badRequest("The query option '%s' has invalid percent-encoding.", printable(name))
		}
		lname := strings.ToLower(name)
		if strings.HasPrefix(lname, "$") {
			if seen[lname] {
				return o, badRequest("The query option '%s' is given more than once.", printable(name))
			}
			seen[lname] = true
		}
		switch lname {
		case "$skip":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return o, badRequest("Invalid value '%s' for the query option '$skip': want a non-negative integer.", printable(value))
			}
			o.skip = n
		case "$top":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return o, badRequest("Invalid value '%s' for the query option '$top': want a non-negative integer.", printable(value))
			}
			o.top = n
		case "$skiptoken":
			o.version = value
		case "$count", "$filter", "$search":
			o.ignored = append(o.ignored, lname)
			o.rest = append(o.rest, part)
		default:
			if strings.HasPrefix(lname, "$") {
				return o, badRequest("Query option '%s' is not allowed on the function '%s'.", printable(name), fn.docName())
			}
			o.rest = append(o.rest, part)
		}
	}
	return o, nil
}

// printable keeps a client's text fit to quote in a message: at most 100
// runes, control bytes and invalid UTF-8 replaced.
func printable(s string) string { return printableN(s, 100) }

// maxLoggedPath is how much of a request target logs and the journal keep:
// enough for any real client's URL, bounded for hostile ones.
const maxLoggedPath = 2048

// printableN is printable with a limit of max runes.
func printableN(s string, max int) string { return clip.Printable(s, max) }

// query turns the parsed call into the domain's query.
func (c call) query() report.Query { return report.Query{From: c.from, To: c.to} }
