package dataset

import (
	"strings"
	"testing"
)

// TestScenarioSyntaxErrors: a scenario document that is not JSON is refused
// with encoding/json's reason at the line and byte (1-based, of the file as
// sent) of the first byte that is wrong, whitespace and line ends counted.
func TestScenarioSyntaxErrors(t *testing.T) {
	user := `{"id":"11111111-2222-4333-8444-555555555555","userPrincipalName":"a@contoso.com","displayName":"A","usageLocation":"NL"}`
	tests := []struct {
		name, doc, want string
	}{
		{"empty", ``, `/: invalid JSON: the document is empty or cut short`},
		{"white space only", " \n\t", `/: invalid JSON: the document is empty or cut short`},
		{"an array", `[1,2]`, `/: want a JSON object with users and calls, got [`},
		{"a string", `"x"`, `/: want a JSON object with users and calls, got x`},
		{"a literal cut short", `tru`, `/: invalid JSON: the document is empty or cut short`},
		{"a BOM", "\uFEFF{}", `/: invalid JSON at line 1 (byte 1): invalid character 'ï' looking for beginning of value`},
		{"cut after the brace", `{`, `/: invalid JSON: the document is empty or cut short`},
		{"a brace for a value", `{"users": [}`, `/: invalid JSON at line 1 (byte 12): invalid character '}' looking for beginning of value`},
		{"data after", `{"users":[],"calls":[]} x`, `/: unexpected data after the JSON document`},
		{"a comma for a key", `{,}`, `/: invalid JSON at line 1 (byte 2): invalid character ',' looking for beginning of object key string`},
		{"a trailing comma", `{"users":[],}`, `/: invalid JSON at line 1 (byte 13): invalid character '}' looking for beginning of object key string`},
		{"no colon", `{"users" []}`, `/: invalid JSON at line 1 (byte 10): invalid character '[' after object key`},
		{"no comma", `{"users":[] "calls":[]}`, `/: invalid JSON at line 1 (byte 13): invalid character '"' after object key:value pair`},
		{"no comma between elements", `{"users":[1 2]}`,
			`/users/0: Invalid type. Expected: object, given: integer; /: invalid JSON at line 1 (byte 13): invalid character '2' after array element`},
		{"a leading comma", `{"users":[,1]}`, `/: invalid JSON at line 1 (byte 11): invalid character ',' looking for beginning of value`},
		{"inside a user", `{"users":[` + user + `,{"id":1 2}]}`, `/: invalid JSON at line 1 (byte 140): invalid character '2' after object key:value pair`},
		{"a literal cut short by a bracket", `{"users":[` + user + `,tru]}`, `/: invalid JSON at line 1 (byte 135): invalid character ']' in literal true (expecting 'e')`},
		{"a number cut short", `{"users":[],"calls":[-]}`, `/: invalid JSON at line 1 (byte 23): invalid character ']' in numeric literal`},
		{"a line end in a string", `{"users":[` + user + `,{"id":"a` + "\n" + `"}]}`, `/: invalid JSON at line 1 (byte 140): invalid character '\n' in string literal`},
		{"a bad escape in the name", `{"name":"a\x","users":[],"calls":[]}`, `/: invalid JSON at line 1 (byte 12): invalid character 'x' in string escape code`},
		{"inside an unknown field", `{"extra":[1 2],"users":[],"calls":[]}`,
			`/extra: is not a field of the scenario format (misspelt?); /: invalid JSON at line 1 (byte 13): invalid character '2' after array element`},
		{"on line 4", "{\n\"users\":[\n" + user + ",\n{\"id\": x}]}", `/: invalid JSON at line 4 (byte 142): invalid character 'x' looking for beginning of value`},
		{"on line 6, CRLF", "{\r\n\"users\":[\r\n{},\r\n{}\r\n,\r\n}", `/users/0/id: is required; /users/0/userPrincipalName: is required; /users/0/displayName: is required; ` +
			`/users/0/usageLocation: is required; /users/1/id: is required; /users/1/userPrincipalName: is required; /users/1/displayName: is required; ` +
			`/users/1/usageLocation: is required; /: invalid JSON at line 6 (byte 27): invalid character '}' looking for beginning of value`},
		{"cut inside a call", `{"users":[],"calls":[{"id":"aa`, `/calls/0: invalid JSON: the document is empty or cut short`},
		{"cut between calls", `{"users":[],"calls":[{}, `, `/calls/0/id: is required; /calls/0/startDateTime: is required; /calls/0/duration: is required; ` +
			`/calls/0/destinationContext: is required; /calls/0/charge: is required; /calls/0/connectionCharge: is required; /calls/0/currency: is required; ` +
			`/calls: invalid JSON: the document is empty or cut short`},
		{"a record too long", `{"users":["` + strings.Repeat("x", maxRecord) + `"]}`, `/users/0: a record is longer than 1048576 bytes`},
	}
	l := newLoader(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Load("doc.json", []byte(tt.doc))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Load = %v,\nwant %s", err, tt.want)
			}
		})
	}
}

// TestScenarioWhiteSpaceIsNotARecord: white space between records costs no
// memory, however long it is, and is no record too long.
func TestScenarioWhiteSpaceIsNotARecord(t *testing.T) {
	doc := `{"users":[` + strings.Repeat(" \n", maxRecord) + `],` + strings.Repeat("\t", maxRecord) + `"calls":[]}`
	ds, err := newLoader(t).Load("doc.json", []byte(doc))
	if err != nil || ds.Source.Summary().Calls != 0 {
		t.Errorf("Load = %v, want an empty dataset", err)
	}
}
