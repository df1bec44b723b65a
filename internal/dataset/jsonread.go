package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/dialoutkit/dialoutkit/internal/clip"
	"github.com/dialoutkit/dialoutkit/report"
)

// recordReader hands a json.Decoder at most 64 KiB a read and refuses to
// read further than maxRecord past the first byte of the record being
// decoded (whitespace before it does not count: the decoder drops it), so
// the decoder's buffer stays that small. It keeps the last read to say on
// which line a syntax error is.
type recordReader struct {
	r          io.Reader
	n          int64
	from       int64 // the record's first byte that is not whitespace, -1 before it is read
	last       []byte
	lastAt     int64
	linesUntil int // newlines before last
}

// begin marks the start of a record at byte off, which the decoder has
// read (or is about to).
func (c *recordReader) begin(off int64) {
	c.from = off
	if off >= c.lastAt && off <= c.lastAt+int64(len(c.last)) {
		c.from = -1
		if i := bytes.IndexFunc(c.last[off-c.lastAt:], notSpace); i >= 0 {
			c.from = off + int64(i)
		}
	}
}

func notSpace(r rune) bool { return r != ' ' && r != '\t' && r != '\n' && r != '\r' }

func (c *recordReader) Read(p []byte) (int, error) {
	if c.from >= 0 && c.n-c.from > maxRecord {
		return 0, errRecordTooLong
	}
	p = p[:min(len(p), 64<<10)]
	for {
		n, err := c.r.Read(p)
		c.linesUntil += bytes.Count(c.last, []byte("\n"))
		c.last = c.last[:0]
		if c.from < 0 {
			// Only whitespace since the record began: drop it here, as a
			// json.Decoder keeps (and rescans) whitespace before a value.
			i := bytes.IndexFunc(p[:n], notSpace)
			if i < 0 {
				c.linesUntil += bytes.Count(p[:n], []byte("\n"))
				if err != nil || n == 0 {
					return 0, err
				}
				continue
			}
			c.linesUntil += bytes.Count(p[:i], []byte("\n"))
			n = copy(p, p[i:n])
			c.from = c.n
		}
		c.last = append(c.last, p[:n]...)
		c.lastAt = c.n
		c.n += int64(n)
		return n, err
	}
}

// line is the 1-based line of byte off, 0 when it is no longer known.
func (c *recordReader) line(off int64) int {
	if off < c.lastAt || off > c.lastAt+int64(len(c.last)) {
		return 0
	}
	return 1 + c.linesUntil + bytes.Count(c.last[:off-c.lastAt], []byte("\n"))
}

// readErr turns a decoder's error into a problem of b, or returns it when it
// is the reader's own (an I/O error, a body past its limit).
func readErr(b *report.Builder, rr *recordReader, at string, err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		// The line and byte say where; a JSON pointer past the error means little.
		at = ""
		if line := rr.line(syn.Offset); line > 0 {
			b.Problem(at, fmt.Sprintf("invalid JSON at line %d (byte %d): %v", line, syn.Offset, syn))
		} else {
			b.Problem(at, fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn))
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		b.Problem(at, "invalid JSON: the document is empty or cut short")
	case errors.Is(err, errRecordTooLong):
		b.Problem(at, err.Error())
	default:
		return err
	}
	return b.Err(at)
}

// readJSON reads a scenario document, one user or call at a time.
func (l *ScenarioLoader) readJSON(ctx context.Context, r io.Reader) (*report.CallLedger, string, error) {
	rr := &recordReader{r: r, from: -1}
	dec := json.NewDecoder(rr)
	dec.UseNumber() // never parse a number a client sends as a float
	b := report.NewBuilder(report.ScenarioPlace)
	var name string
	tok, err := dec.Token()
	if err != nil {
		return nil, "", readErr(b, rr, "", err)
	}
	if tok != json.Delim('{') {
		b.Problem("", fmt.Sprintf("want a JSON object with users and calls, got %s", quoted(fmt.Sprint(tok))))
		return nil, "", b.Err("")
	}
	seen := map[string]bool{}
	for dec.More() {
		rr.begin(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nil, "", readErr(b, rr, "", err)
		}
		key, _ := tok.(string)
		ptr := "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
		seen[key] = true
		switch key {
		case "name", "description":
			rr.begin(dec.InputOffset())
			var s string
			if err := dec.Decode(&s); err != nil {
				var typ *json.UnmarshalTypeError
				if !errors.As(err, &typ) {
					return nil, "", readErr(b, rr, ptr, err)
				}
				b.Problem(ptr, "want a string")
			}
			if key == "name" {
				name = s
			}
		case "users", "calls":
			if err := l.readArray(ctx, dec, rr, b, key); err != nil {
				return nil, "", err
			}
			if b.Full() {
				return nil, "", b.Err(ptr)
			}
		default:
			b.Problem(ptr, "is not a field of the scenario format (misspelt?)")
			if err := skipValue(dec, rr); err != nil {
				return nil, "", readErr(b, rr, ptr, err)
			}
		}
		if b.Full() {
			return nil, "", b.Err(ptr)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, "", readErr(b, rr, "", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil && !isSyntax(err) {
			return nil, "", err
		}
		b.Problem("", "unexpected data after the JSON document")
	}
	for _, k := range []string{"users", "calls"} {
		if !seen[k] {
			b.Problem("/"+k, "is required")
		}
	}
	if err := b.Err(""); err != nil {
		return nil, "", err
	}
	led, err := b.Build()
	return led, name, err
}

func isSyntax(err error) bool {
	var syn *json.SyntaxError
	return errors.As(err, &syn)
}

func quoted(s string) string { return clip.Printable(s, maxQuoted) }

// readArray reads the users or the calls of a scenario document.
func (l *ScenarioLoader) readArray(ctx context.Context, dec *json.Decoder, rr *recordReader, b *report.Builder, key string) error {
	rr.begin(dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return readErr(b, rr, "/"+key, err)
	}
	if tok != json.Delim('[') {
		b.Problem("/"+key, "want an array")
		if d, ok := tok.(json.Delim); ok && d == '{' {
			if err := skipRest(dec, rr, 1); err != nil {
				return readErr(b, rr, "/"+key, err)
			}
		}
		return nil
	}
	schema := l.call
	if key == "users" {
		schema = l.user
	}
	for i := int32(0); dec.More(); i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		at := fmt.Sprintf("/%s/%d", key, i)
		rr.begin(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return readErr(b, rr, at, err)
		}
		if !l.schemaProblems(b, schema, raw, func(p string) string { return at + p }) {
			if b.Full() {
				return nil
			}
			continue
		}
		if key == "users" {
			var u report.User
			if err := json.Unmarshal(raw, &u); err != nil {
				b.Problem(unmarshalProblem(at, err))
				continue
			}
			b.AddUser(i, u)
		} else {
			var c report.Call
			if err := json.Unmarshal(raw, &c); err != nil {
				b.Problem(unmarshalProblem(at, err))
				continue
			}
			b.AddCall(i, &c)
		}
		if b.Full() {
			return nil
		}
	}
	rr.begin(dec.InputOffset())
	if _, err := dec.Token(); err != nil { // the closing bracket
		return readErr(b, rr, "/"+key, err)
	}
	return nil
}

// skipValue reads past the next value, token by token, holding none of it.
func skipValue(dec *json.Decoder, rr *recordReader) error { return skipRest(dec, rr, 0) }

// skipRest reads tokens until depth open objects and arrays are closed (and,
// from depth 0, one whole value is read).
func skipRest(dec *json.Decoder, rr *recordReader, depth int) error {
	for {
		rr.begin(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// jsonlColumn names a user field of a JSON Lines call, where the organizer's
// identity is written beside it.
var jsonlColumn = map[string]string{"user:id": "organizerId", "user:userPrincipalName": "userPrincipalName",
	"user:displayName": "userDisplayName", "user:usageLocation": "userUsageLocation"}

func jsonlPlace(pos int32, field string) string {
	if c, ok := jsonlColumn[field]; ok {
		field = c
	}
	return report.LinePlace(pos, field)
}

// readJSONL reads one call a line, as GET /_mock/calls writes them; the
// users are the organizers the lines name.
func (l *ScenarioLoader) readJSONL(ctx context.Context, r *bufio.Reader) (*report.CallLedger, error) {
	b := report.NewBuilder(jsonlPlace)
	var buf []byte
	n := int32(1)
	for ; !b.Full(); n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		line, err := readLine(r, &buf)
		if errors.Is(err, errRecordTooLong) {
			b.Problem(report.LinePlace(n, ""), err.Error())
			return nil, b.Err(report.LinePlace(n, ""))
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			l.jsonlLine(b, n, line)
		}
		if err == io.EOF {
			break
		}
	}
	if b.Full() {
		return nil, b.Err(report.LinePlace(n-1, ""))
	}
	return b.Build()
}

// readLine reads one line, without its end (LF or CRLF), into buf; io.EOF
// with the last line.
func readLine(r *bufio.Reader, buf *[]byte) ([]byte, error) {
	*buf = (*buf)[:0]
	for {
		chunk, err := r.ReadSlice('\n')
		if len(*buf)+len(chunk) > maxRecord {
			for errors.Is(err, bufio.ErrBufferFull) { // skip the rest of the line
				_, err = r.ReadSlice('\n')
			}
			return nil, errRecordTooLong
		}
		*buf = append(*buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line := bytes.TrimSuffix(bytes.TrimSuffix(*buf, []byte("\n")), []byte("\r"))
		return line, err
	}
}

// jsonlLine checks and adds the call of line n, and its organizer the first
// time the organizer is named.
func (l *ScenarioLoader) jsonlLine(b *report.Builder, n int32, line []byte) {
	place := func(ptr string) string { return report.LinePlace(n, strings.TrimPrefix(ptr, "/")) }
	if !json.Valid(line) {
		var v json.RawMessage
		err := json.Unmarshal(line, &v)
		b.Problem(place(""), fmt.Sprintf("invalid JSON: %v", err))
		return
	}
	if !l.schemaProblems(b, l.call, line, place) {
		return
	}
	var c report.Call
	if err := json.Unmarshal(line, &c); err != nil {
		ptr, reason := unmarshalProblem("", err)
		b.Problem(place(ptr), reason)
		return
	}
	if c.OrganizerID != "" {
		u := report.User{ID: c.OrganizerID, UserPrincipalName: c.UserPrincipalName, DisplayName: c.UserDisplayName, UsageLocation: c.UserUsageLocation}
		if !deriveUser(b, n, u, "userPrincipalName", "userDisplayName", "userUsageLocation") {
			return
		}
	}
	b.AddCall(n, &c)
}

// deriveUser adds the user a line names the first time, and refuses a line
// that gives the same user other identity values, naming both lines. The
// column names are the format's for the user's name, display name and
// location (the location is not compared when locName is "").
func deriveUser(b *report.Builder, n int32, u report.User, upnName, nameName, locName string) bool {
	i, first, ok := b.User(u.ID)
	if !ok {
		return b.AddUser(n, u) >= 0
	}
	had := b.UserAt(i)
	for _, f := range []struct{ col, got, want string }{
		{upnName, u.UserPrincipalName, had.UserPrincipalName},
		{nameName, u.DisplayName, had.DisplayName},
		{locName, u.UsageLocation, had.UsageLocation}} {
		if f.col != "" && f.got != f.want {
			b.Problem(report.LinePlace(n, f.col), fmt.Sprintf("user %s is %q here but %q on line %d", u.ID, quoted(f.got), quoted(f.want), first))
			return false
		}
	}
	return true
}

// unmarshalProblem places an error of decoding the record at pointer at:
// the field and what it wants, for a value of the wrong type that the schema
// lets through (an integer written 61.0), else the decoder's words at the
// record.
func unmarshalProblem(at string, err error) (string, string) {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) {
		return at, err.Error()
	}
	ptr := at
	if typ.Field != "" {
		ptr += "/" + strings.ReplaceAll(typ.Field, ".", "/")
	}
	want := "a " + typ.Type.String()
	switch typ.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "an integer"
	case reflect.String:
		want = "a string"
	}
	return ptr, fmt.Sprintf("want %s, got JSON %s", want, typ.Value)
}
