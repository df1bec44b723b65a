package conformance

import (
	"encoding/json"
	"fmt"

	"github.com/xeipuuv/gojsonschema"

	"github.com/dialoutkit/dialoutkit/schemas"
)

// compileSchemas compiles what the checks validate against. The page schema is compiled without its
// items, since DR-SCHEMA-002 judges entries one by one; a ledger line is scenario.schema.json's call.
func compileSchemas() (*compiledSchemas, error) {
	read := func(name string) ([]byte, error) { return schemas.FS.ReadFile(name) }
	entry, err := read(schemas.Entry)
	if err != nil {
		return nil, err
	}
	loader := func() (*gojsonschema.SchemaLoader, error) {
		sl := gojsonschema.NewSchemaLoader()
		sl.Draft = gojsonschema.Draft7
		if err := sl.AddSchemas(gojsonschema.NewBytesLoader(entry)); err != nil {
			return nil, fmt.Errorf("%s: %w", schemas.Entry, err)
		}
		return sl, nil
	}
	var out compiledSchemas

	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	if out.entry, err = sl.Compile(gojsonschema.NewBytesLoader(entry)); err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.Entry, err)
	}

	pageText, err := read(schemas.Page)
	if err != nil {
		return nil, err
	}
	var page map[string]any
	if err := json.Unmarshal(pageText, &page); err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.Page, err)
	}
	props, _ := page["properties"].(map[string]any)
	value, _ := props["value"].(map[string]any)
	if value == nil {
		return nil, fmt.Errorf("%s: no properties.value", schemas.Page)
	}
	delete(value, "items")
	if sl, err = loader(); err != nil {
		return nil, err
	}
	if out.pageEnvelope, err = sl.Compile(gojsonschema.NewGoLoader(page)); err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.Page, err)
	}

	errText, err := read(schemas.Error)
	if err != nil {
		return nil, err
	}
	sl = gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	if out.errorBody, err = sl.Compile(gojsonschema.NewBytesLoader(errText)); err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.Error, err)
	}

	scenario, err := read(schemas.Scenario)
	if err != nil {
		return nil, err
	}
	if sl, err = loader(); err != nil {
		return nil, err
	}
	if err := sl.AddSchemas(gojsonschema.NewBytesLoader(scenario)); err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.Scenario, err)
	}
	var id struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(scenario, &id); err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.Scenario, err)
	}
	ref := map[string]any{"$ref": id.ID + "#/definitions/call"}
	if out.call, err = sl.Compile(gojsonschema.NewGoLoader(ref)); err != nil {
		return nil, fmt.Errorf("%s call: %w", schemas.Scenario, err)
	}
	return &out, nil
}
