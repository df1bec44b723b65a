package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xeipuuv/gojsonschema"

	"github.com/dialoutkit/dialoutkit/internal/clip"
	"github.com/dialoutkit/dialoutkit/report"
	"github.com/dialoutkit/dialoutkit/schemas"
)

// ScenarioLoader checks scenario files against schemas/scenario.schema.json
// and then their meaning (report.NewCallLedger), naming the JSON pointer and
// the reason of every problem. It is safe for concurrent use.
type ScenarioLoader struct {
	schema *gojsonschema.Schema
}

// NewScenarioLoader compiles the scenario schema.
func NewScenarioLoader() (*ScenarioLoader, error) {
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	entry, err := schemas.FS.ReadFile(schemas.Entry)
	if err != nil {
		return nil, err
	}
	if err := sl.AddSchemas(gojsonschema.NewBytesLoader(entry)); err != nil {
		return nil, fmt.Errorf("entry schema: %w", err)
	}
	scenario, err := schemas.FS.ReadFile(schemas.Scenario)
	if err != nil {
		return nil, err
	}
	s, err := sl.Compile(gojsonschema.NewBytesLoader(scenario))
	if err != nil {
		return nil, fmt.Errorf("scenario schema: %w", err)
	}
	return &ScenarioLoader{schema: s}, nil
}

// maxProblems bounds how many problems one refusal lists.
const maxProblems = 50

// maxQuoted bounds, in runes, what a reason quotes of the document, as the
// server's messages quote a client's text.
const maxQuoted = 100

// Load checks and indexes a scenario document. name is for people (a file
// name); the version is derived from the bytes, so the same file gives the
// same version everywhere. A refusal is a report.Problems.
func (l *ScenarioLoader) Load(name string, doc []byte) (Dataset, error) {
	return l.LoadContext(context.Background(), name, doc)
}

// LoadContext is Load that gives up with ctx's error, between its steps,
// once ctx is done: the server cancels a scenario upload that a later
// control request superseded.
func (l *ScenarioLoader) LoadContext(ctx context.Context, name string, doc []byte) (Dataset, error) {
	if !json.Valid(doc) {
		return Dataset{}, report.Problems{{Pointer: "", Reason: syntaxReason(doc)}}
	}
	if p, huge := hugeNumber(doc); huge {
		return Dataset{}, report.Problems{p}
	}
	if err := ctx.Err(); err != nil {
		return Dataset{}, err
	}
	res, err := l.schema.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return Dataset{}, report.Problems{{Pointer: "", Reason: err.Error()}}
	}
	if !res.Valid() {
		var probs report.Problems
		for _, e := range res.Errors() {
			if len(probs) == maxProblems {
				break
			}
			probs = append(probs, report.Problem{Pointer: schemaPointer(e), Reason: schemaReason(e)})
		}
		return Dataset{}, probs
	}
	if err := ctx.Err(); err != nil {
		return Dataset{}, err
	}
	sc, err := report.DecodeScenario(bytes.NewReader(doc))
	if err != nil {
		return Dataset{}, err
	}
	if err := ctx.Err(); err != nil {
		return Dataset{}, err
	}
	ds, err := sc.CallLedger()
	if err != nil {
		return Dataset{}, err
	}
	sum := sha256.Sum256(doc)
	if name == "" {
		name = sc.Name
	}
	return Dataset{Source: ds, Version: "s-" + hex.EncodeToString(sum[:6]), Name: "scenario " + name}, nil
}

// LoadFile reads the scenario file at path and loads it under its base name.
func (l *ScenarioLoader) LoadFile(path string) (Dataset, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Dataset{}, fmt.Errorf("load scenario: %w", err)
	}
	ds, err := l.Load(filepath.Base(path), b)
	if err != nil {
		return Dataset{}, fmt.Errorf("load scenario %q: %w", path, err)
	}
	return ds, nil
}

// schemaPointer turns a validator error's context, "(root)/calls/3/currency",
// into a JSON pointer, "/calls/3/currency". A missing property is named at
// the pointer it would have.
func schemaPointer(e gojsonschema.ResultError) string {
	p := strings.TrimPrefix(e.Context().String("/"), "(root)")
	if e.Type() == "required" {
		if prop, ok := e.Details()["property"].(string); ok {
			p += "/" + prop
		}
	}
	if e.Type() == "additional_property_not_allowed" {
		if prop, ok := e.Details()["property"].(string); ok {
			p += "/" + prop
		}
	}
	return p
}

// schemaReason keeps messages short: an enum of 250 country codes is not
// worth printing.
func schemaReason(e gojsonschema.ResultError) string {
	switch e.Type() {
	case "enum":
		return fmt.Sprintf("%s is not one of the allowed values (see schemas/scenario.schema.json)", short(e.Value()))
	case "required":
		return "is required"
	case "additional_property_not_allowed":
		return "is not a field of the scenario format (misspelt?)"
	}
	return e.Description()
}

func short(v any) string {
	b, _ := json.Marshal(v)
	return clip.Printable(string(b), maxQuoted)
}

// maxNumberLen bounds the number literals of a scenario document; the
// longest meaningful one, a charge of numeric(16,2), has 19 characters.
// The schema validator reads numbers as big.Rat, at a cost that grows with
// the square of their digits (a million digits: seconds) and with 10^exponent,
// and it panics on an exponent past 10^6, so such numbers are refused first.
const maxNumberLen = 40

// hugeNumber finds the first number literal of doc (valid JSON) that is
// longer than maxNumberLen or whose exponent has more than three digits.
func hugeNumber(doc []byte) (report.Problem, bool) {
	inString := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case inString && c == '\\':
			i++
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '-' || '0' <= c && c <= '9':
			j := i
			for j < len(doc) && strings.IndexByte("+-.0123456789eE", doc[j]) >= 0 {
				j++
			}
			lit := doc[i:j]
			var exp []byte
			if k := bytes.IndexAny(lit, "eE"); k >= 0 {
				exp = bytes.TrimLeft(lit[k+1:], "+-0")
			}
			if len(lit) > maxNumberLen || len(exp) > 3 {
				return report.Problem{Pointer: "", Reason: fmt.Sprintf(
					"the number at byte %d (%s) is out of range: numbers have at most %d characters and a 3-digit exponent",
					i, clip.Printable(string(lit), maxQuoted), maxNumberLen)}, true
			}
			i = j - 1
		}
	}
	return report.Problem{}, false
}

// syntaxReason says where a document stops being JSON.
func syntaxReason(doc []byte) string {
	var v any
	err := json.Unmarshal(doc, &v)
	if se, ok := err.(*json.SyntaxError); ok {
		line := 1 + bytes.Count(doc[:min(int(se.Offset), len(doc))], []byte("\n"))
		return fmt.Sprintf("invalid JSON at line %d (byte %d): %v", line, se.Offset, se)
	}
	if err != nil {
		return "invalid JSON: " + err.Error()
	}
	return "invalid JSON"
}
