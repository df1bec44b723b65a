package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/xeipuuv/gojsonschema"

	"github.com/dialoutkit/dialoutkit/schemas"
)

// compiledSchemas are the schemas of package schemas the checks validate against.
type compiledSchemas struct {
	pageEnvelope, entry, errorBody, call *gojsonschema.Schema
	logPage, logEntry                    *gojsonschema.Schema // the call log's page (without items) and row
}

// theSchemas compiles the schemas once per process: they are embedded data, the same for every run,
// and a compiled gojsonschema.Schema is only read when validating.
var theSchemas = sync.OnceValues(compileSchemas)

// compileSchemas puts every schema in one loader's pool, then compiles each root by its $id (a root
// given by reference comes from the pool; two roots given as documents would clash in it). The page
// schemas go in without their items, since DR-SCHEMA-002 and DR-PSTN-003 judge entries one by one; a
// ledger line is scenario.schema.json's call.
func compileSchemas() (*compiledSchemas, error) {
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	ids := map[string]string{}
	for _, name := range []string{schemas.Entry, schemas.Error, schemas.Scenario, schemas.Page, schemas.CallLogEntry, schemas.CallLogPage} {
		text, err := schemas.FS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := json.Unmarshal(text, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		id, _ := doc["$id"].(string)
		if id == "" {
			return nil, fmt.Errorf("%s: no $id", name)
		}
		ids[name] = id
		if name == schemas.Page || name == schemas.CallLogPage {
			props, _ := doc["properties"].(map[string]any)
			value, _ := props["value"].(map[string]any)
			if value == nil {
				return nil, fmt.Errorf("%s: no properties.value", name)
			}
			delete(value, "items")
		}
		if err := sl.AddSchemas(gojsonschema.NewGoLoader(doc)); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var out compiledSchemas
	for _, c := range []struct {
		dst  **gojsonschema.Schema
		name string
		ref  string
	}{
		{&out.entry, schemas.Entry, ids[schemas.Entry]},
		{&out.pageEnvelope, schemas.Page, ids[schemas.Page]},
		{&out.errorBody, schemas.Error, ids[schemas.Error]},
		{&out.call, schemas.Scenario + " call", ids[schemas.Scenario] + "#/definitions/call"},
		{&out.logPage, schemas.CallLogPage, ids[schemas.CallLogPage]},
		{&out.logEntry, schemas.CallLogEntry, ids[schemas.CallLogEntry]},
	} {
		sc, err := sl.Compile(gojsonschema.NewReferenceLoader(c.ref)) // from the pool: nothing is fetched
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		*c.dst = sc
	}
	return &out, nil
}

// errNotJSON is what validate says of a document that is not JSON at all: gojsonschema would read
// its first value ("404 page not found" is the integer 404) and complain about the type.
var errNotJSON = errors.New("not JSON")

// validate returns the schema violations of doc, one string each. A doc that is not one JSON value
// gives an error that says so, with its first bytes.
func validate(sc *gojsonschema.Schema, doc []byte) ([]string, error) {
	if !json.Valid(doc) {
		return nil, fmt.Errorf("the body is %w: %s", errNotJSON, firstBytes(doc))
	}
	res, err := sc.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range res.Errors() {
		out = append(out, e.String())
	}
	return out, nil
}

// firstBytes quotes the start of a body for a message.
func firstBytes(b []byte) string {
	const n = 80
	if len(b) == 0 {
		return "(empty)"
	}
	if len(b) <= n {
		return fmt.Sprintf("%q", b)
	}
	cut := n
	for cut > n-4 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", b[:cut])
}
