package dataset

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dialoutkit/dialoutkit/report"
)

// The ledger's CSV is what GET /_mock/calls?format=csv and `dialoutmock
// generate --format csv` write: a header row of the call's field names in
// the scenario `calls` format (callCSVHeader), then a call a row. A row is
// read as the JSON Lines call of its non-empty cells, so that it is checked
// as a line of JSON Lines is, and a problem is named by its line and its
// column, whose name is the field's.

// isLedgerCSV reports whether a CSV file starts with the ledger's header
// rather than the PSTN usage export's.
func isLedgerCSV(br *bufio.Reader) bool {
	head, _ := br.Peek(64)
	return strings.HasPrefix(strings.TrimPrefix(string(head), "\uFEFF"), "id,organizerId,")
}

// ledgerCSVNumbers are the columns written as JSON numbers when they read as
// one (any other text goes as a string, which the schema then names).
var ledgerCSVNumbers = map[string]bool{"duration": true, "charge": true, "connectionCharge": true}

// ledgerCSVRequired are the columns a header must have: the fields every
// call has.
var ledgerCSVRequired = []string{"id", "startDateTime", "duration", "destinationContext", "charge", "connectionCharge", "currency"}

// readLedgerCSV reads the ledger's CSV; the users are the organizers the
// rows name (userPrincipalName, userDisplayName, userUsageLocation).
func (l *ScenarioLoader) readLedgerCSV(ctx context.Context, br *bufio.Reader) (*report.CallLedger, error) {
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	b := report.NewBuilder(jsonlPlace)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if !isParse(err) {
			return nil, err
		}
		b.Problem("line 1", err.Error())
		return nil, b.Err("line 1")
	}
	header = slices.Clone(header) // the reader reuses its record
	for i, name := range header {
		switch {
		case !slices.Contains(callCSVHeader, name):
			b.Problem(fmt.Sprintf("line 1, column %d", i+1), fmt.Sprintf("%q is not a column of the ledger's CSV (misspelt?): they are %s",
				quoted(name), strings.Join(callCSVHeader, ", ")))
		case slices.Index(header, name) != i:
			b.Problem(fmt.Sprintf("line 1, column %d", i+1), fmt.Sprintf("%q repeats column %d", name, slices.Index(header, name)+1))
		}
	}
	for _, name := range ledgerCSVRequired {
		if !slices.Contains(header, name) {
			b.Problem("line 1", fmt.Sprintf("the header has no column %s, which every call has", name))
		}
	}
	if b.Found() > 0 {
		return nil, b.Err("line 1")
	}
	var (
		e    jsonAppender
		line []byte
		n    int32
	)
	for i := 0; !b.Full(); i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, err
			}
			b.Problem(fmt.Sprintf("line %d", pe.Line), pe.Err.Error())
			continue
		}
		first, _ := cr.FieldPos(0)
		n = int32(first)
		if len(rec) != len(header) {
			b.Problem(report.LinePlace(n, ""), fmt.Sprintf("%d columns, want the header's %d", len(rec), len(header)))
			continue
		}
		line = append(line[:0], '{')
		for j, v := range rec {
			if v == "" {
				continue // an empty cell is a field left out
			}
			if len(line) > 1 {
				line = append(line, ',')
			}
			line = e.appendString(line, header[j])
			line = append(line, ':')
			if ledgerCSVNumbers[header[j]] && isJSONNumber(v) {
				line = append(line, v...)
			} else {
				line = e.appendString(line, v)
			}
		}
		line = append(line, '}')
		l.jsonlLine(b, n, line)
	}
	if b.Full() {
		return nil, b.Err(report.LinePlace(n, ""))
	}
	return b.Build()
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}
