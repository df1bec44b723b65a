package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// Scenario is a hand-written dataset that replaces the generator: the JSON
// document of a scenario file (schemas/scenario.schema.json).
type Scenario struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Users       []User `json:"users"`
	Calls       []Call `json:"calls"`

	// written holds, by JSON pointer, the charges that CallLedger will refuse,
	// as the document wrote them: a problem quotes them so (1e30, not its
	// thirty zeros).
	written map[string]string
}

// DecodeScenario reads a scenario document, one user and one call at a time.
// Unknown fields are refused so a misspelt field is not silently ignored;
// decimals are read exactly. The error names the JSON pointer of the field,
// with the index of the user or call, when the decoder can tell it.
func DecodeScenario(r io.Reader) (*Scenario, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Scenario
	if p := s.decode(dec); p != nil {
		return nil, Problems{*p}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Problems{{Pointer: "", Reason: "unexpected data after the JSON document"}}
	}
	return &s, nil
}

// decode reads the document's object, field by field.
func (s *Scenario) decode(dec *json.Decoder) *Problem {
	tok, err := dec.Token()
	if err != nil {
		return decodeProblem("", err)
	}
	if tok != json.Delim('{') {
		return &Problem{Pointer: "", Reason: fmt.Sprintf("want an object, got %s", tokenKind(tok))}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return decodeProblem("", err)
		}
		key, _ := tok.(string) // an object's keys are strings
		at := "/" + escapePointer(key)
		if seen[key] {
			return &Problem{Pointer: at, Reason: "appears twice"}
		}
		seen[key] = true
		var p *Problem
		switch key {
		case "name":
			p = decodeProblem(at, dec.Decode(&s.Name))
		case "description":
			p = decodeProblem(at, dec.Decode(&s.Description))
		case "users":
			p = decodeArray(dec, at, func(at string) *Problem {
				var u User
				p := decodeProblem(at, dec.Decode(&u))
				s.Users = append(s.Users, u)
				return p
			})
		case "calls":
			p = decodeArray(dec, at, func(at string) *Problem {
				var c callJSON
				if err := dec.Decode(&c); err != nil {
					var typ *json.UnmarshalTypeError
					if errors.As(err, &typ) { // the embedded Call is no part of the document's path
						typ.Field = strings.TrimPrefix(typ.Field, "Call.")
					}
					return decodeProblem(at, err)
				}
				for _, m := range []struct {
					field string
					raw   json.RawMessage
					dst   *Money
				}{{"charge", c.Charge, &c.Call.Charge}, {"connectionCharge", c.ConnectionCharge, &c.Call.ConnectionCharge}} {
					if m.raw == nil {
						continue // absent: the schema requires it, Go callers get zero
					}
					if err := m.dst.UnmarshalJSON(m.raw); err != nil {
						return &Problem{Pointer: at + "/" + m.field, Reason: err.Error()}
					}
					if chargeReason(*m.dst) != "" {
						if s.written == nil {
							s.written = map[string]string{}
						}
						s.written[at+"/"+m.field] = strings.Trim(string(m.raw), `"`)
					}
				}
				s.Calls = append(s.Calls, c.Call)
				return nil
			})
		default:
			return &Problem{Pointer: at, Reason: "is not a field of the scenario format (misspelt?)"}
		}
		if p != nil {
			return p
		}
	}
	_, err = dec.Token() // the closing brace
	return decodeProblem("", err)
}

// callJSON is a call as a document writes it, with its charges as written,
// to be read exactly and quoted as written in problems. Its own fields hide
// the Call's of the same JSON name.
type callJSON struct {
	Call
	Charge           json.RawMessage `json:"charge"`
	ConnectionCharge json.RawMessage `json:"connectionCharge"`
}

// decodeArray reads the array at pointer at, calling each to decode every
// element with its pointer. null reads as no elements.
func decodeArray(dec *json.Decoder, at string, each func(at string) *Problem) *Problem {
	tok, err := dec.Token()
	if err != nil {
		return decodeProblem(at, err)
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return &Problem{Pointer: at, Reason: fmt.Sprintf("want an array, got %s", tokenKind(tok))}
	}
	for i := 0; dec.More(); i++ {
		if p := each(at + "/" + strconv.Itoa(i)); p != nil {
			return p
		}
	}
	_, err = dec.Token() // the closing bracket
	return decodeProblem(at, err)
}

// CallLedger checks and indexes the scenario; see NewCallLedger.
func (s *Scenario) CallLedger() (*CallLedger, error) {
	return newCallLedger(s.Users, s.Calls, s.written)
}

// decodeProblem is the problem of a decoding error at pointer at, nil for
// none.
func decodeProblem(at string, err error) *Problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syn):
		return &Problem{Pointer: at, Reason: fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn)}
	case errors.As(err, &typ):
		return &Problem{Pointer: at + pointer(typ.Field), Reason: fmt.Sprintf("want %s, got JSON %s", typeName(typ.Type), typ.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Problem{Pointer: "", Reason: "the document is empty or cut short"}
	}
	return &Problem{Pointer: at, Reason: err.Error()}
}

// typeName says what JSON a Go type is read from.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// tokenKind names what a JSON token starts.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "true or false"
	}
	return "null"
}

// pointer turns encoding/json's dotted field path ("calls.3.duration") into a
// JSON pointer ("/calls/3/duration").
func pointer(field string) string {
	if field == "" {
		return ""
	}
	return "/" + string(bytes.ReplaceAll([]byte(field), []byte("."), []byte("/")))
}

// escapePointer escapes a key as a JSON pointer token (RFC 6901).
func escapePointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}
