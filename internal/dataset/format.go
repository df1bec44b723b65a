package dataset

import (
	"bytes"
	"encoding/json"
	"mime"
	"path/filepath"
	"strings"
)

// Format is a dataset file format (docs/contract.md#loading-real-data).
type Format string

// The formats a dataset is read from.
const (
	FormatJSON  Format = "json"  // the scenario document, application/json, .json
	FormatJSONL Format = "jsonl" // one call a line, application/x-ndjson, .jsonl
	FormatCSV   Format = "csv"   // the Teams admin center PSTN usage export, or the ledger's CSV (ledgercsv.go), text/csv, .csv
	FormatZip   Format = "zip"   // the export's zip holding PSTN.calls.*.csv, application/zip, .zip
)

// FormatOf tells the format from a file name's extension or, failing that,
// a Content-Type; "" when neither says.
func FormatOf(name, contentType string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return FormatJSON
	case ".jsonl", ".ndjson":
		return FormatJSONL
	case ".csv":
		return FormatCSV
	case ".zip":
		return FormatZip
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json":
		return FormatJSON
	case "application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines":
		return FormatJSONL
	case "text/csv":
		return FormatCSV
	case "application/zip", "application/x-zip-compressed":
		return FormatZip
	}
	return ""
}

// Sniff tells the format from the first bytes of a file: a zip's signature;
// a JSON object whose first key is a scenario document's (users, calls,
// name, description) or whose first line is not a whole object; a JSON
// object on the first line (JSON Lines); anything else is read as CSV.
func Sniff(head []byte) Format {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return FormatZip
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(t, []byte("{")) && !bytes.HasPrefix(t, []byte("[")) {
		if len(t) == 0 {
			return FormatJSON // empty: the scenario reader says so
		}
		return FormatCSV
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	if tok, err := dec.Token(); err == nil && tok == json.Delim('{') {
		if key, err := dec.Token(); err == nil {
			switch key {
			case "users", "calls", "name", "description", "generator":
				return FormatJSON
			}
		}
	}
	line, _, found := bytes.Cut(t, []byte("\n"))
	if found && json.Valid(line) {
		return FormatJSONL
	}
	return FormatJSON
}
