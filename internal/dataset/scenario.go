package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xeipuuv/gojsonschema"

	"github.com/dialoutkit/dialoutkit/internal/clip"
	"github.com/dialoutkit/dialoutkit/report"
	"github.com/dialoutkit/dialoutkit/schemas"
)

// ScenarioLoader reads datasets in the three formats of
// docs/contract.md#loading-real-data: the scenario JSON document, JSON Lines
// (one call a line, as GET /_mock/calls writes) and the Teams admin center
// PSTN usage export (CSV, or the export's zip). It reads as it decodes,
// record by record: each user and call is checked against the scenario
// schema (compiled once), then for its meaning (report.Builder), and added to
// the ledger, so that loading holds the ledger being built and fixed-size
// buffers, whatever the input. A record of the common shape is checked by a
// fast path that accepts only what the schema accepts (fastpath.go); any
// other goes to gojsonschema, which names what is wrong. It stops after report.MaxProblems problems,
// each named at its JSON pointer or "line N, column NAME". It is safe for
// concurrent use.
type ScenarioLoader struct {
	user, call *gojsonschema.Schema
	countries  map[string]string // ISO 3166-1 alpha-2, from the entry schema
	currencies map[string]string // ISO 4217, from the entry schema
}

// NewScenarioLoader compiles the scenario schema's user and call.
func NewScenarioLoader() (*ScenarioLoader, error) {
	entry, err := schemas.FS.ReadFile(schemas.Entry)
	if err != nil {
		return nil, err
	}
	scenario, err := schemas.FS.ReadFile(schemas.Scenario)
	if err != nil {
		return nil, err
	}
	compile := func(def string) (*gojsonschema.Schema, error) {
		sl := gojsonschema.NewSchemaLoader()
		sl.Draft = gojsonschema.Draft7
		if err := sl.AddSchemas(gojsonschema.NewBytesLoader(entry), gojsonschema.NewBytesLoader(scenario)); err != nil {
			return nil, fmt.Errorf("scenario schema: %w", err)
		}
		s, err := sl.Compile(gojsonschema.NewStringLoader(`{"$ref": "https://github.com/dialoutkit/dialoutkit/schemas/scenario.schema.json#/definitions/` + def + `"}`))
		if err != nil {
			return nil, fmt.Errorf("scenario schema, %s: %w", def, err)
		}
		return s, nil
	}
	l := &ScenarioLoader{}
	if l.user, err = compile("user"); err != nil {
		return nil, err
	}
	if l.call, err = compile("call"); err != nil {
		return nil, err
	}
	var doc struct {
		Definitions struct {
			UsageLocation struct{ Enum []string } `json:"usageLocation"`
			Currency      struct{ Enum []string } `json:"currency"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(entry, &doc); err != nil {
		return nil, fmt.Errorf("entry schema: %w", err)
	}
	l.countries, l.currencies = set(doc.Definitions.UsageLocation.Enum), set(doc.Definitions.Currency.Enum)
	return l, nil
}

// set maps each value to itself: a decoder looks a value up by its bytes
// and keeps the set's copy.
func set(vs []string) map[string]string {
	m := make(map[string]string, len(vs))
	for _, v := range vs {
		m[v] = v
	}
	return m
}

// maxQuoted bounds, in runes, what a reason quotes of the input, as the
// server's messages quote a client's text.
const maxQuoted = 100

// maxRecord bounds one record (a user, a call, a line, a CSV row): a reader
// holds one at a time, so this bounds what a record costs while loading.
const maxRecord = 1 << 20

// errRecordTooLong is a record past maxRecord.
var errRecordTooLong = fmt.Errorf("a record is longer than %d bytes", maxRecord)

// Load reads a dataset from doc, in the format its name's extension says or,
// failing that, its content. name is for people (a file name); the version
// is derived from the content. A refusal is a report.Problems.
func (l *ScenarioLoader) Load(name string, doc []byte) (Dataset, error) {
	return l.Read(context.Background(), name, FormatOf(name, ""), bytes.NewReader(doc))
}

// LoadFile reads the dataset file at path (any of the formats, by extension
// or content) under its base name. A file has no size bound.
func (l *ScenarioLoader) LoadFile(path string) (Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return Dataset{}, fmt.Errorf("load scenario: %w", err)
	}
	defer f.Close()
	ds, err := l.Read(context.Background(), filepath.Base(path), FormatOf(path, ""), f)
	if err != nil {
		return Dataset{}, fmt.Errorf("load scenario %q: %w", path, err)
	}
	return ds, nil
}

// Read reads a dataset from r in format f ("" tells it from the content).
// A refusal is a report.Problems; any other error is r's (such as
// *http.MaxBytesError).
func (l *ScenarioLoader) Read(ctx context.Context, name string, f Format, r io.Reader) (Dataset, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if f == "" {
		peek, err := br.Peek(4096)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return Dataset{}, err
		}
		f = Sniff(peek)
	}
	var (
		led    *report.CallLedger
		docNam string
		err    error
	)
	switch f {
	case FormatJSON:
		led, docNam, err = l.readJSON(ctx, br)
	case FormatJSONL:
		led, err = l.readJSONL(ctx, br)
	case FormatCSV:
		if isLedgerCSV(br) { // GET /_mock/calls?format=csv
			led, err = l.readLedgerCSV(ctx, br)
			break
		}
		b := report.NewBuilder(nil)
		if err = l.readTeamsCSV(ctx, br, b, ""); err == nil {
			led, err = b.Build()
		}
	case FormatZip:
		led, err = l.readZipStream(ctx, r, br)
	default:
		return Dataset{}, fmt.Errorf("format %q: want json, jsonl, csv or zip", f)
	}
	if err != nil {
		return Dataset{}, err
	}
	fp := led.Fingerprint()
	if name == "" {
		name = docNam
	}
	return Dataset{Source: led, Version: "s-" + hex.EncodeToString(fp[:6]), Name: "scenario " + name}, nil
}

// schemaProblems adds a record's schema errors at prefix (a JSON pointer or
// a line's place) and reports whether it is valid. Numbers too long for the
// validator are refused first.
func (l *ScenarioLoader) schemaProblems(b *report.Builder, s *gojsonschema.Schema, raw []byte, place func(ptr string) string) bool {
	if reason, huge := hugeNumber(raw); huge {
		b.Problem(place(""), reason)
		return false
	}
	res, err := s.Validate(gojsonschema.NewBytesLoader(raw))
	if err != nil {
		b.Problem(place(""), err.Error())
		return false
	}
	if res.Valid() {
		return true
	}
	for _, e := range res.Errors() {
		b.Problem(place(schemaPointer(e)), schemaReason(e))
	}
	return false
}

// schemaPointer turns a validator error's context, "(root)/currency", into
// a JSON pointer, "/currency". A missing property is named at the pointer it
// would have.
func schemaPointer(e gojsonschema.ResultError) string {
	p := strings.TrimPrefix(e.Context().String("/"), "(root)")
	if e.Type() == "required" || e.Type() == "additional_property_not_allowed" {
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

// maxNumberLen bounds the number literals of a record; the longest
// meaningful one, a charge of numeric(16,2), has 19 characters. The schema
// validator reads numbers as big.Rat, at a cost that grows with the square
// of their digits (a million digits: seconds) and with 10^exponent, and it
// panics on an exponent past 10^6, so such numbers are refused first.
const maxNumberLen = 40

// hugeNumber finds the first number literal of doc (valid JSON) that is
// longer than maxNumberLen or whose exponent has more than three digits.
func hugeNumber(doc []byte) (string, bool) {
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
				return fmt.Sprintf("the number at byte %d of the record (%s) is out of range: numbers have at most %d characters and a 3-digit exponent",
					i, clip.Printable(string(lit), maxQuoted), maxNumberLen), true
			}
			i = j - 1
		}
	}
	return "", false
}
