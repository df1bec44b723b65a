// Package schemas holds the JSON Schemas (draft-07) of the dialout report contract, embedded:
// one report entry, one page, Graph's error envelope and a scenario file (docs/contract.md#response, #errors, #scenario-files),
// and one entry and one page of the PSTN call log, getPstnCalls (docs/contract.md#call-log).
//
// It is data plus names, no logic. The schemas refer to one another by relative $ref under the
// $id base https://github.com/dialoutkit/dialoutkit/schemas/, and [Entry] holds the shared
// definitions (GUID, ISO 3166-1 alpha-2, ISO 4217, Int32 bounds), so a validator must know [Entry]
// before it compiles [Page] or [Scenario], and [Entry] and [CallLogEntry] before [CallLogPage];
// with gojsonschema:
//
//	sl := gojsonschema.NewSchemaLoader()
//	sl.Draft = gojsonschema.Draft7
//	entry, _ := schemas.FS.ReadFile(schemas.Entry)
//	_ = sl.AddSchemas(gojsonschema.NewBytesLoader(entry))
//	page, _ := schemas.FS.ReadFile(schemas.Page)
//	schema, err := sl.Compile(gojsonschema.NewBytesLoader(page))
//
// Nothing is ever fetched when [Entry] was added first.
package schemas

import "embed"

// FS holds the schema files, named by the constants below.
//
//go:embed *.schema.json
var FS embed.FS

// The schema file names in [FS].
const (
	// Entry is one report entry; its definitions are shared by the other schemas.
	Entry = "entry.schema.json"
	// Page is one 200 page of the report function.
	Page = "page.schema.json"
	// Error is Graph's error envelope, the body of every non-2xx answer.
	Error = "error.schema.json"
	// Scenario is a hand-written dataset; its definitions/call is also one line of GET /_mock/calls.
	Scenario = "scenario.schema.json"
	// CallLogEntry is one pstnCallLogRow of getPstnCalls, any call type.
	CallLogEntry = "calllog-entry.schema.json"
	// CallLogPage is one 200 page of getPstnCalls.
	CallLogPage = "calllog-page.schema.json"
)
