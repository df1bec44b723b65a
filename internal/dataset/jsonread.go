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

func quoted(s string) string { return clip.Printable(s, maxQuoted) }

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
// users are the organizers the lines name, and those of user lines.
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
	var c report.Call
	if !l.fastCall(line, &c) {
		// Not one the fast path reads: encoding/json and gojsonschema say
		// what is wrong, if anything is.
		c = report.Call{}
		place := func(ptr string) string { return report.LinePlace(n, strings.TrimPrefix(ptr, "/")) }
		if !json.Valid(line) {
			var v json.RawMessage
			err := json.Unmarshal(line, &v)
			b.Problem(place(""), fmt.Sprintf("invalid JSON: %v", err))
			return
		}
		if l.jsonlUser(b, n, line) {
			return
		}
		if !l.schemaProblems(b, l.call, line, place) {
			return
		}
		if err := json.Unmarshal(line, &c); err != nil {
			ptr, reason := unmarshalProblem("", err)
			b.Problem(place(ptr), reason)
			return
		}
	}
	if c.OrganizerID != "" {
		u := report.User{ID: c.OrganizerID, UserPrincipalName: c.UserPrincipalName, DisplayName: c.UserDisplayName, UsageLocation: c.UserUsageLocation}
		if !deriveUser(b, n, u, "userPrincipalName", "userDisplayName", "userUsageLocation") {
			return
		}
	}
	b.AddCall(n, &c)
}

// userLineFields maps the fields of a user line, those with which a call
// line names its organizer, to the scenario user's.
var userLineFields = map[string]string{"organizerId": "id", "userPrincipalName": "userPrincipalName",
	"userDisplayName": "displayName", "userUsageLocation": "usageLocation"}

// jsonlUser reads line n (valid JSON) when it is a user line: an object
// with an organizerId and no field but those naming the organizer, how a
// file carries a user without a call (docs/contract.md#loading-real-data).
// It adds the user, or its problems, and reports whether the line was one.
func (l *ScenarioLoader) jsonlUser(b *report.Builder, n int32, line []byte) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(line, &fields) != nil {
		return false
	}
	if _, ok := fields["organizerId"]; !ok {
		return false
	}
	rec := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		uk, ok := userLineFields[k]
		if !ok {
			return false // a call line, whatever is wrong with it
		}
		rec[uk] = v
	}
	raw, _ := json.Marshal(rec)
	column := map[string]string{}
	for lk, uk := range userLineFields {
		column[uk] = lk
	}
	place := func(ptr string) string { return report.LinePlace(n, column[strings.TrimPrefix(ptr, "/")]) }
	if !l.schemaProblems(b, l.user, raw, place) {
		return true
	}
	var u report.User
	if err := json.Unmarshal(raw, &u); err != nil {
		b.Problem(place(""), err.Error()) // the schema let through only strings
		return true
	}
	deriveUser(b, n, u, "userPrincipalName", "userDisplayName", "userUsageLocation")
	return true
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
