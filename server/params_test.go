package server

import (
	"strings"
	"testing"
)

// TestEmptyParameterValues: an empty value is answered with the service's
// own syntax error, its position the 0-based index of the missing value in
// the percent-decoded parameters, whatever the order, the spelling of the
// function or the encoding (docs/contract.md#parameters).
func TestEmptyParameterValues(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	const prefix = "/beta/communications/callRecords/"
	cases := []struct {
		name, segment string
		want          string
	}{
		// "fromDateTime=" is 13 characters.
		{"both empty", "getPstnOnlineMeetingDialoutReport(fromDateTime=,toDateTime=)",
			"Expression expected at position 13 in 'fromDateTime=,toDateTime='."},
		// "toDateTime=" is 11 characters.
		{"swapped, both empty", "getPstnOnlineMeetingDialoutReport(toDateTime=,fromDateTime=)",
			"Expression expected at position 11 in 'toDateTime=,fromDateTime='."},
		{"swapped, to empty", "getPstnOnlineMeetingDialoutReport(toDateTime=,fromDateTime=2022-11-01)",
			"Expression expected at position 11 in 'toDateTime=,fromDateTime=2022-11-01'."},
		// 13 + len("2022-11-01") 10 + "," 1 + len("toDateTime=") 11 = 35.
		{"to empty", "getPstnOnlineMeetingDialoutReport(fromDateTime=2022-11-01,toDateTime=)",
			"Expression expected at position 35 in 'fromDateTime=2022-11-01,toDateTime='."},
		// 11 + 10 + 1 + 13 = 35.
		{"swapped, from empty", "getPstnOnlineMeetingDialoutReport(toDateTime=2022-11-30,fromDateTime=)",
			"Expression expected at position 35 in 'toDateTime=2022-11-30,fromDateTime='."},
		// Decoded first: "2022-11-01T00:00:00Z" is 20 characters, so 13 + 20 + 1 + 11 = 45.
		{"Kiota's encoding", "microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2022-11-01T00%3A00%3A00Z,toDateTime=)",
			"Expression expected at position 45 in 'fromDateTime=2022-11-01T00:00:00Z,toDateTime='."},
		{"alias spelling, from empty", "callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=,toDateTime=2022-11-30)",
			"Expression expected at position 13 in 'fromDateTime=,toDateTime=2022-11-30'."},
		{"names in another case", "GETPSTNONLINEMEETINGDIALOUTREPORT(FROMDATETIME=,TODATETIME=2022-11-30)",
			"Expression expected at position 13 in 'FROMDATETIME=,TODATETIME=2022-11-30'."},
		// A syntax error comes before the meaning of other values.
		{"a bad value before the empty one", "getPstnOnlineMeetingDialoutReport(fromDateTime=yesterday,toDateTime=)",
			"Expression expected at position 34 in 'fromDateTime=yesterday,toDateTime='."},
		// Positions count UTF-16 code units, as .NET's do: "é" is one, "😀" two.
		{"non-ASCII before the empty value", "getPstnOnlineMeetingDialoutReport(fromDateTime=%C3%A9%F0%9F%98%80,toDateTime=)",
			"Expression expected at position 28 in 'fromDateTime=é😀,toDateTime='."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := mustRequest(t, ts.URL+"/placeholder")
			req.URL.Opaque = prefix + c.segment
			e := checkEnvelope(t, do(t, req), 400, "BadRequest")
			if e.Error.Message == nil || *e.Error.Message != c.want {
				t.Errorf("message = %v, want %q", ptrString(e.Error.Message), c.want)
			}
		})
	}
}

// TestEmptyValueQuotesBoundedParameters: a hostile client's parameters are
// cut in the message, and the position still counts the decoded text.
func TestEmptyValueQuotesBoundedParameters(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	junk := strings.Repeat("x", 5000)
	req := mustRequest(t, ts.URL+"/placeholder")
	req.URL.Opaque = fnPath + "(fromDateTime=" + junk + ",toDateTime=)"
	e := checkEnvelope(t, do(t, req), 400, "BadRequest")
	msg := ptrString(e.Error.Message)
	if want := "Expression expected at position 5025 in 'fromDateTime=xxx"; !strings.HasPrefix(msg, want) {
		t.Errorf("message = %.80q…, want it to start with %q", msg, want)
	}
	if len(msg) > 1000 {
		t.Errorf("message is %d bytes, want at most 1000", len(msg))
	}
}

func TestEmptyValue(t *testing.T) {
	cases := []struct {
		args string
		pos  int
		ok   bool
	}{
		{"fromDateTime=,toDateTime=", 13, true},
		{"fromDateTime=2022-11-01,toDateTime=2022-11-02", 0, false},
		{"fromDateTime=2022-11-01,", 0, false}, // a trailing comma is malformed, not empty
		{"=", 1, true},
		{"a=b,c,d=", 8, true},
		{"a=b=,c=", 7, true}, // "b=" is a value holding "="
	}
	for _, c := range cases {
		pos, ok := emptyValue(c.args)
		if pos != c.pos || ok != c.ok {
			t.Errorf("emptyValue(%q) = %d, %v, want %d, %v", c.args, pos, ok, c.pos, c.ok)
		}
	}
}

func ptrString(s *string) string {
	if s == nil {
		return "<missing>"
	}
	return *s
}
