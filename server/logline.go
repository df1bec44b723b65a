package server

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// requestRecord is one line of the request log.
type requestRecord struct {
	time     time.Time
	method   string
	path     string
	status   int
	bytes    int64
	duration time.Duration
	id       string
}

// logRequest queues r's line. The line is built on the stack (a longer one
// spills to the heap), so a request's log line costs no allocation.
func (l *LogSink) logRequest(r *requestRecord) {
	var a [512]byte
	l.Write(appendRequestLine(a[:0], l.format, r))
}

// appendRequestLine appends r as one line in format f, byte for byte what
// slog's TextHandler or JSONHandler writes for the same attributes (see
// logRequests; TestRequestLineLikeSlog holds the two together).
func appendRequestLine(b []byte, f LogFormat, r *requestRecord) []byte {
	if f == LogJSON {
		b = append(b, `{"time":"`...)
		b = r.time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"INFO","msg":"request","method":"`...)
		b = appendJSONString(b, r.method)
		b = append(b, `","path":"`...)
		b = appendJSONString(b, r.path)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(r.status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, r.bytes, 10)
		b = append(b, `,"duration":`...)
		b = strconv.AppendInt(b, int64(r.duration), 10)
		b = append(b, `,"request-id":"`...)
		b = appendJSONString(b, r.id)
		return append(b, "\"}\n"...)
	}
	b = append(b, "time="...)
	b = appendRFC3339Millis(b, r.time)
	b = append(b, " level=INFO msg=request method="...)
	b = appendTextString(b, r.method)
	b = append(b, " path="...)
	b = appendTextString(b, r.path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(r.status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, r.bytes, 10)
	b = append(b, " duration="...)
	b = append(b, r.duration.String()...) // Duration.String is inlined: no allocation
	b = append(b, " request-id="...)
	b = appendTextString(b, r.id)
	return append(b, '\n')
}

// appendRFC3339Millis is slog's text time: RFC 3339 with exactly three
// fractional digits.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	// RFC3339Nano trims trailing zeros: a tenth of a millisecond more makes
	// four digits, and the fourth is dropped.
	const prefix = len("2006-01-02T15:04:05.000")
	n := len(b)
	b = t.Truncate(time.Millisecond).Add(time.Millisecond/10).AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefix], b[n+prefix+1:]...)
}

// jsonSafe reports whether an ASCII byte stands for itself in a JSON string.
func jsonSafe(c byte) bool { return c >= 0x20 && c != '"' && c != '\\' }

// appendTextString writes s as slog's TextHandler does: bare, or quoted by
// strconv when it is empty or holds a space, '=', a quote, a control
// character or a rune that is not printable. Printable ASCII, what request
// lines hold, takes a short cut past strconv's rune by rune quoting.
func appendTextString(b []byte, s string) []byte {
	quote := s == ""
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f:
			if textNeedsQuoting(s) {
				return strconv.AppendQuote(b, s)
			}
			return append(b, s...)
		case c == ' ' || c == '=' || c == '"':
			quote = true
		}
	}
	if !quote {
		return append(b, s...)
	}
	// strconv.Quote of printable ASCII: only '"' and '\\' are escaped.
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', c)
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func textNeedsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != '\\' && (c == ' ' || c == '=' || !jsonSafe(c)) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendJSONString writes the inside of a JSON string as slog's
// JSONHandler does: '<', '>' and '&' as themselves, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped: what appendString writes between its
// quotes.
func appendJSONString(b []byte, s string) []byte { return appendStringBody(b, s) }
