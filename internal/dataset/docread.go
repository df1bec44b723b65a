package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dialoutkit/dialoutkit/report"
)

// docReader reads a scenario document from a buffered reader one value at a
// time: it finds where a value ends (minding strings and nesting only) and
// holds the value, at most maxRecord bytes, in rec; encoding/json checks
// and decodes what rec holds. It counts bytes and lines, so that a syntax
// error names both. It reads a record in one pass over the bytes, where a
// json.Decoder scans each twice (to find its end, then to decode it), which
// was half the time of loading a scenario.
type docReader struct {
	r       *bufio.Reader
	off     int64 // bytes read
	line    int   // the line of the next byte
	rec     []byte
	recOff  int64 // the byte rec starts at
	recLine int   // the line rec starts on
	stop    int   // the byte that ended rec when rec is a number or literal, -1 for the end of the input
}

// syntaxError is a document that is not JSON, at a byte (1-based) and its
// line.
type syntaxError struct {
	line int
	off  int64
	msg  string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d (byte %d): %s", e.line, e.off, e.msg)
}

// buffered returns the bytes buffered, reading more when there are none.
func (d *docReader) buffered() ([]byte, error) {
	if d.r.Buffered() == 0 {
		if _, err := d.r.Peek(1); err != nil {
			return nil, err
		}
	}
	return d.r.Peek(d.r.Buffered())
}

func (d *docReader) discard(p []byte) {
	d.r.Discard(len(p))
	d.off += int64(len(p))
	d.line += bytes.Count(p, []byte("\n"))
}

// next skips white space and returns the next byte, unread; io.EOF at the
// end.
func (d *docReader) next() (byte, error) {
	for {
		p, err := d.buffered()
		if len(p) == 0 {
			return 0, err
		}
		for i, c := range p {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				d.discard(p[:i])
				return c, nil
			}
		}
		d.discard(p)
	}
}

// take reads the byte next returned.
func (d *docReader) take() {
	d.r.Discard(1)
	d.off++
}

// unexpected is a syntax error at the byte next returned, in the words of
// encoding/json.
func (d *docReader) unexpected(c byte, context string) error {
	return &syntaxError{line: d.line, off: d.off + 1, msg: "invalid character " + quoteChar(c) + " " + context}
}

// quoteChar writes a byte as encoding/json's syntax errors do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func isValueStart(c byte) bool {
	return c == '{' || c == '[' || c == '"' || c == '-' || '0' <= c && c <= '9' || c == 't' || c == 'f' || c == 'n'
}

// value reads the value that starts at the next byte into rec: an object or
// an array through its closing bracket, a string through its closing quote,
// a number or a literal up to the byte that ends it.
func (d *docReader) value() error {
	d.rec, d.recOff, d.recLine, d.stop = d.rec[:0], d.off, d.line, -1
	var (
		depth      int
		inStr, esc bool
		scalar     = -1 // unknown until the first byte
	)
	for {
		p, err := d.buffered()
		if len(p) == 0 {
			if err == io.EOF {
				if scalar == 1 {
					return nil // a number or literal may end the input; checkRecord says if it is whole
				}
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if scalar < 0 {
			scalar = 1
			if c := p[0]; c == '{' || c == '[' || c == '"' {
				scalar = 0
			}
		}
		n, done := len(p), false
	scan:
		for i, c := range p {
			switch {
			case inStr:
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if depth == 0 {
						n, done = i+1, true
						break scan
					}
				}
			case scalar == 1:
				if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'E') {
					n, done, d.stop = i, true, int(c)
					break scan
				}
			case c == '"':
				inStr = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				depth--
				if depth == 0 {
					n, done = i+1, true
					break scan
				}
			}
		}
		if len(d.rec)+n > maxRecord {
			return errRecordTooLong
		}
		d.rec = append(d.rec, p[:n]...)
		d.discard(p[:n])
		if done {
			return nil
		}
	}
}

// checkRecord returns the syntax error of rec, if it has one.
func (d *docReader) checkRecord() error {
	if json.Valid(d.rec) {
		return nil
	}
	if d.stop < 0 && len(d.rec) > 0 && !(d.rec[0] == '{' || d.rec[0] == '[' || d.rec[0] == '"') {
		return io.ErrUnexpectedEOF // a number or literal cut short by the end of the input
	}
	rec := d.rec
	if d.stop >= 0 {
		// A number or literal the byte after it ended too soon: say so of
		// that byte, as encoding/json does when it reads on.
		rec = append(rec[:len(rec):len(rec)], byte(d.stop))
	}
	var v json.RawMessage
	var syn *json.SyntaxError
	if err := json.Unmarshal(rec, &v); !errors.As(err, &syn) {
		return err
	}
	off := min(syn.Offset, int64(len(rec)))
	return &syntaxError{line: d.recLine + bytes.Count(rec[:max(off-1, 0)], []byte("\n")), off: d.recOff + off, msg: syn.Error()}
}

// fail adds the problem err makes of the document at pointer at and returns
// the refusal, or returns err when it is the reader's own (an I/O error, a
// body past its limit).
func fail(b *report.Builder, at string, err error) error {
	var syn *syntaxError
	switch {
	case errors.As(err, &syn):
		// The line and byte say where; a JSON pointer past the error means little.
		at = ""
		b.Problem(at, syn.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		b.Problem(at, "invalid JSON: the document is empty or cut short")
	case errors.Is(err, errRecordTooLong):
		b.Problem(at, err.Error())
	default:
		return err
	}
	return b.Err(at)
}

// pointerEscaper writes a key as a JSON pointer's reference token.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// readJSON reads a scenario document, one user or call at a time.
func (l *ScenarioLoader) readJSON(ctx context.Context, r *bufio.Reader) (*report.CallLedger, string, error) {
	d := &docReader{r: r, line: 1}
	b := report.NewBuilder(report.ScenarioPlace)
	c, err := d.next()
	if err != nil {
		return nil, "", fail(b, "", err)
	}
	if c != '{' {
		return nil, "", l.notAnObject(d, b, c)
	}
	d.take()
	var name string
	seen := map[string]bool{}
	for first := true; ; first = false {
		c, err := d.next()
		if err != nil {
			return nil, "", fail(b, "", err)
		}
		if c == '}' && first {
			d.take()
			break
		}
		if !first {
			if c == '}' {
				d.take()
				break
			}
			if c != ',' {
				return nil, "", fail(b, "", d.unexpected(c, "after object key:value pair"))
			}
			d.take()
			if c, err = d.next(); err != nil {
				return nil, "", fail(b, "", err)
			}
		}
		if c != '"' {
			return nil, "", fail(b, "", d.unexpected(c, "looking for beginning of object key string"))
		}
		var key string
		if err = d.value(); err == nil {
			if err = d.checkRecord(); err == nil {
				err = json.Unmarshal(d.rec, &key)
			}
		}
		if err != nil {
			return nil, "", fail(b, "", err)
		}
		ptr := "/" + pointerEscaper.Replace(key)
		seen[key] = true
		if c, err = d.next(); err != nil {
			return nil, "", fail(b, ptr, err)
		}
		if c != ':' {
			return nil, "", fail(b, "", d.unexpected(c, "after object key"))
		}
		d.take()
		if c, err = d.next(); err != nil {
			return nil, "", fail(b, ptr, err)
		}
		if !isValueStart(c) {
			return nil, "", fail(b, "", d.unexpected(c, "looking for beginning of value"))
		}
		switch {
		case key == "users" && c == '[', key == "calls" && c == '[':
			if err := l.readArray(ctx, d, b, key); err != nil {
				return nil, "", err
			}
		default:
			switch key {
			case "name", "description":
			case "users", "calls":
				b.Problem(ptr, "want an array")
			default:
				b.Problem(ptr, "is not a field of the scenario format (misspelt?)")
			}
			err := d.value()
			if err == nil {
				err = d.checkRecord()
			}
			if err != nil {
				return nil, "", fail(b, ptr, err)
			}
			if key == "name" || key == "description" {
				var s string
				if err := json.Unmarshal(d.rec, &s); err != nil {
					b.Problem(ptr, "want a string")
				}
				if key == "name" {
					name = s
				}
			}
		}
		if b.Full() {
			return nil, "", b.Err(ptr)
		}
	}
	if _, err := d.next(); err != io.EOF {
		if err != nil {
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

// notAnObject refuses a document that is not a JSON object, naming what it
// is (its first token).
func (l *ScenarioLoader) notAnObject(d *docReader, b *report.Builder, c byte) error {
	if !isValueStart(c) {
		return fail(b, "", d.unexpected(c, "looking for beginning of value"))
	}
	got := "["
	if c != '[' {
		err := d.value()
		if err == nil {
			err = d.checkRecord()
		}
		if err != nil {
			return fail(b, "", err)
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(d.rec))
		dec.UseNumber()
		dec.Decode(&v) // rec is one valid value
		got = fmt.Sprint(v)
	}
	b.Problem("", fmt.Sprintf("want a JSON object with users and calls, got %s", quoted(got)))
	return b.Err("")
}

// readArray reads the users or the calls of a scenario document, from its
// opening bracket (the next byte) on.
func (l *ScenarioLoader) readArray(ctx context.Context, d *docReader, b *report.Builder, key string) error {
	d.take()
	schema := l.call
	if key == "users" {
		schema = l.user
	}
	for i := int32(0); ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		c, err := d.next()
		if err != nil {
			return fail(b, "/"+key, err)
		}
		if c == ']' && i == 0 {
			d.take()
			return nil
		}
		if i > 0 {
			if c == ']' {
				d.take()
				return nil
			}
			if c != ',' {
				return fail(b, "", d.unexpected(c, "after array element"))
			}
			d.take()
			if c, err = d.next(); err != nil {
				return fail(b, "/"+key, err)
			}
		}
		if !isValueStart(c) {
			return fail(b, "", d.unexpected(c, "looking for beginning of value"))
		}
		if err := d.value(); err != nil {
			return fail(b, fmt.Sprintf("/%s/%d", key, i), err)
		}
		if l.addRecord(b, key, i, d.rec) {
			if b.Full() {
				return nil
			}
			continue
		}
		// Not one the fast path reads: encoding/json and gojsonschema say
		// what is wrong, if anything is.
		at := fmt.Sprintf("/%s/%d", key, i)
		if err := d.checkRecord(); err != nil {
			return fail(b, at, err)
		}
		if !l.schemaProblems(b, schema, d.rec, func(p string) string { return at + p }) {
			if b.Full() {
				return nil
			}
			continue
		}
		if key == "users" {
			var u report.User
			if err := json.Unmarshal(d.rec, &u); err != nil {
				b.Problem(unmarshalProblem(at, err))
				continue
			}
			b.AddUser(i, u)
		} else {
			var c report.Call
			if err := json.Unmarshal(d.rec, &c); err != nil {
				b.Problem(unmarshalProblem(at, err))
				continue
			}
			b.AddCall(i, &c)
		}
		if b.Full() {
			return nil
		}
	}
}

// addRecord adds a user or a call the fast path reads, and reports whether
// it did.
func (l *ScenarioLoader) addRecord(b *report.Builder, key string, i int32, rec []byte) bool {
	if key == "users" {
		var u report.User
		if !l.fastUser(rec, &u) {
			return false
		}
		b.AddUser(i, u)
		return true
	}
	var c report.Call
	if !l.fastCall(rec, &c) {
		return false
	}
	b.AddCall(i, &c)
	return true
}
