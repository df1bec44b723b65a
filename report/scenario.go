package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Scenario is a hand-written dataset that replaces the generator: the JSON
// document of a scenario file (schemas/scenario.schema.json).
type Scenario struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Users       []User `json:"users"`
	Calls       []Call `json:"calls"`
}

// DecodeScenario reads a scenario document. Unknown fields are refused so a
// misspelt field is not silently ignored; decimals are read exactly. The
// error names the JSON pointer of the field when the decoder can tell it.
func DecodeScenario(r io.Reader) (*Scenario, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, Problems{decodeProblem(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Problems{{Pointer: "", Reason: "unexpected data after the JSON document"}}
	}
	return &s, nil
}

// CallLedger checks and indexes the scenario; see NewCallLedger.
func (s *Scenario) CallLedger() (*CallLedger, error) { return NewCallLedger(s.Users, s.Calls) }

func decodeProblem(err error) Problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Problem{Pointer: "", Reason: fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn)}
	case errors.As(err, &typ):
		return Problem{Pointer: pointer(typ.Field), Reason: fmt.Sprintf("want %s, got JSON %s", typ.Type, typ.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Problem{Pointer: "", Reason: "the document is empty or cut short"}
	}
	return Problem{Pointer: "", Reason: err.Error()}
}

// pointer turns encoding/json's dotted field path ("calls.3.duration") into a
// JSON pointer ("/calls/3/duration").
func pointer(field string) string {
	if field == "" {
		return ""
	}
	return "/" + string(bytes.ReplaceAll([]byte(field), []byte("."), []byte("/")))
}
