package server

// Fuzz targets for every reader of client bytes. `go test` runs their seeds
// (the f.Add calls and testdata/fuzz/<FuzzName>/); CI fuzzes each for a
// bounded time, one target a run (-fuzz takes one), and any crash fails it:
//
//	go test ./server -run '^$' -fuzz '^FuzzParseFunction$' -fuzztime 15s -fuzzminimizetime 2s
//	go test ./server -run '^$' -fuzz '^FuzzParseDateTimeOffset$' -fuzztime 15s -fuzzminimizetime 2s
//	go test ./server -run '^$' -fuzz '^FuzzParseOptions$' -fuzztime 15s -fuzzminimizetime 2s
//	go test ./server -run '^$' -fuzz '^FuzzServeHTTP$' -fuzztime 15s -fuzzminimizetime 2s
//	go test ./report -run '^$' -fuzz '^FuzzDecodeScenario$' -fuzztime 15s -fuzzminimizetime 2s
//	go test ./internal/dataset -run '^$' -fuzz '^FuzzScenarioLoad$' -fuzztime 15s -fuzzminimizetime 2s
//	go test ./identity -run '^$' -fuzz '^FuzzInspectJWT$' -fuzztime 15s -fuzzminimizetime 2s
//
// -fuzzminimizetime: minimizing each new interesting scenario document
// otherwise takes up to a minute, which stalls a 15 s run.
//
// A crash leaves its input in testdata/fuzz/<FuzzName>/; commit it with the
// fix so the seeds replay it on every `go test`.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"
)

// maxMessage bounds the message of an error about client input: messages
// quote the input through printable, never whole.
const maxMessage = 2000

// checkBadRequest fails unless err is a 400 BadRequest GraphError with a
// bounded message.
func checkBadRequest(t *testing.T, err error) {
	t.Helper()
	var ge *GraphError
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T), want a *GraphError", err, err)
	}
	if ge.Status != http.StatusBadRequest || ge.Code != "BadRequest" {
		t.Fatalf("error = %d %s, want 400 BadRequest", ge.Status, ge.Code)
	}
	if len(ge.Message) > maxMessage {
		t.Fatalf("message has %d bytes, want at most %d", len(ge.Message), maxMessage)
	}
}

func FuzzParseFunction(f *testing.F) {
	for _, seg := range []string{
		"getPstnOnlineMeetingDialoutReport(fromDateTime=2022-11-01,toDateTime=2022-11-30)",
		"microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2022-11-01T00%3A00%3A00Z,toDateTime=2022-11-01T02%3A00%3A00%2B02%3A00)",
		"callRecords.getPstnOnlineMeetingDialoutReport(toDateTime=2022-11-01T00:00:00.7950838Z,fromDateTime=2022-11-01T00:00:00+02:00)",
		"GETPSTNONLINEMEETINGDIALOUTREPORT(fromDateTime=2022-11-01t00:00:00.000z,toDateTime=2022-11-01T00:00-00:00)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime=0000-01-01,toDateTime=9999-12-31T23:59:59.9999999999999Z)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime=0000-01-01T00:00:00%2B00:01,toDateTime=9999-12-31T23:59:59-23:59)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime=,toDateTime=)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime=2022-11-01,fromDateTime=2022-11-01)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime=2022-11-01,toDateTime=2022-11-02,extra=1)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime%3D2022-11-01%2CtoDateTime%3D2022-11-02)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime = 2022-11-01, toDateTime = 2022-11-02)",
		"getPstnOnlineMeetingDialoutReport(fromDateTime='2022-11-01',toDateTime='2022-11-02')",
		"getPstnOnlineMeetingDialoutReport(fromDateTime=2022-02-29,toDateTime=2022-13-01)",
		"getPstnOnlineMeetingDialoutReport(%zz)",
		"getPstnOnlineMeetingDialoutReport(",
		"getPstnOnlineMeetingDialoutReport()",
		"getPstnOnlineMeetingDialoutReport",
		"getPstnCalls(fromDateTime=2022-11-01,toDateTime=2022-11-02)",
		"\xff\xfe(\x00=\x01)",
		"",
	} {
		f.Add(seg)
	}
	f.Fuzz(func(t *testing.T, seg string) {
		c, err := parseFunction(seg)
		if err != nil {
			checkBadRequest(t, err)
			return
		}
		if !isFunctionName(c.name) {
			t.Fatalf("parseFunction(%q) accepted the name %q", seg, c.name)
		}
		for _, tm := range []time.Time{c.from, c.to} {
			if tm.Location() != time.UTC || tm.Year() < 0 || tm.Year() > 9999 {
				t.Fatalf("parseFunction(%q) = %v: want a UTC time in the years 0000 to 9999", seg, tm)
			}
		}
		// Written again as RFC 3339, the times read back as the same instants.
		again := c.name + "(fromDateTime=" + c.from.Format(time.RFC3339Nano) + ",toDateTime=" + c.to.Format(time.RFC3339Nano) + ")"
		c2, err := parseFunction(again)
		if err != nil {
			t.Fatalf("parseFunction(%q) = %v, after parseFunction(%q) succeeded", again, err, seg)
		}
		if !c2.from.Equal(c.from) || !c2.to.Equal(c.to) {
			t.Fatalf("parseFunction(%q) = %v..%v, want %v..%v", again, c2.from, c2.to, c.from, c.to)
		}
		for _, tm := range []time.Time{c.from, c.to} {
			back, err := time.Parse(time.RFC3339, tm.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(tm) {
				t.Fatalf("time.Parse(RFC 3339 of %v) = %v, %v", tm, back, err)
			}
		}
	})
}

func FuzzParseDateTimeOffset(f *testing.F) {
	for _, s := range []string{
		"2022-11-01", "2022-11-01T00:00:00Z", "2022-11-01T00:00:00.7950838Z", "2022-11-01T02:00:00+02:00",
		"2022-11-01T00:00Z", "2022-11-01t00:00:00z", "2022-11-01T00:00:00.000Z", "2022-11-01T00:00:00.Z",
		"2022-11-01T00:00:00.12345678901234567890123Z", "2022-11-01T23:59:60Z", "2022-11-01T24:00:00Z",
		"2022-11-01T00:00:00+24:00", "2022-11-01T00:00:00-23:59", "2022-11-01T00:00:00+0200",
		"0000-01-01", "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59-00:01",
		"10000-01-01", "-0001-01-01", "2022-02-29", "2024-02-29", "2022-00-10", "2022-11-00",
		"2022-11-01 00:00:00Z", "2022-11-01T00:00:00 02:00", "'2022-11-01'", "\x00", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseDateTimeOffset(s)
		if err != nil {
			if len(err.Error()) > maxMessage {
				t.Fatalf("parseDateTimeOffset(%q): the error has %d bytes", s, len(err.Error()))
			}
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("parseDateTimeOffset(%q) = %v, want UTC", s, tm)
		}
		text := tm.Format(time.RFC3339Nano)
		for _, parse := range []func(string) (time.Time, error){
			parseDateTimeOffset,
			func(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) },
		} {
			back, err := parse(text)
			if err != nil || !back.Equal(tm) {
				t.Fatalf("parseDateTimeOffset(%q) = %v; reading its RFC 3339 form %q gives %v, %v", s, tm, text, back, err)
			}
		}
	})
}

func FuzzParseOptions(f *testing.F) {
	for _, s := range []string{
		"", "$top=10", "%24top=10&%24count=true", "$skip=1000&$skiptoken=s-abc", "$SKIP=5&$Top=0",
		"$skip=9223372036854775807", "$skip=9223372036854775808", "$skip=-1", "$top=-1", "$top=1e3",
		"$top=99999999999999999999", "$skip=1&$skip=2", "$filter=userId%20eq%20'x'&$search=%22a%22",
		"$expand=x", "$select=userId", "foo=bar&&&baz", "=&=", "%zz=1", "a=%zz", "$top=%2B5", "$top= 5",
		"$skip=0x10", "$skip=1_000", "$count", "\x00=\x00", "$top=\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		o, err := parseOptions(raw)
		if err != nil {
			checkBadRequest(t, err)
			return
		}
		if o.skip < 0 || o.top < -1 {
			t.Fatalf("parseOptions(%q): skip %d, top %d: want skip ≥ 0 and top ≥ -1", raw, o.skip, o.top)
		}
		for _, p := range o.rest {
			if !strings.Contains(raw, p) {
				t.Fatalf("parseOptions(%q) keeps %q, which the client did not send", raw, p)
			}
		}
		// The nextLink built from them is a request target net/http reads.
		link := nextLink("http://graph.test", fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", o, o.skip, math.MaxInt64, "v1")
		if !strings.HasPrefix(link, "http://graph.test/") {
			t.Fatalf("nextLink = %q", link)
		}
	})
}

// FuzzServeHTTP sends arbitrary request targets (and Authorization values)
// through the whole application as net/http would hand them over: requests
// net/http itself refuses before any handler runs are skipped. Every answer
// is a 2xx or a 4xx in Graph's envelope (the identity endpoints: in the
// identity platform's shape); never a 5xx.
func FuzzServeHTTP(f *testing.F) {
	s, err := New(scenarioDataset(f, "edges"), Config{PageSize: 3})
	if err != nil {
		f.Fatal(err)
	}
	fn := fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
	for _, target := range []string{
		fn, fn + "?$top=2&$skip=1", fn + "?%24count=true&$filter=x", fn + "?$skip=9223372036854775807",
		fn + "?$skip=3&$skiptoken=test-edges", fn + "?$skip=3&$skiptoken=stale", fn + "?$top=-1",
		"/beta/communications/callRecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01T00%3A00%3A00Z,toDateTime=2026-10-02T00%3A00%3A00%2B02%3A00)",
		"/BETA/COMMUNICATIONS/CALLRECORDS/callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-01)",
		"/v1.0/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)",
		"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)/x",
		"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=0000-01-01,toDateTime=9999-12-31)",
		"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=%ff%00,toDateTime=%zz)",
		"/beta/", "/beta", "/", "*", "/_mock/health", "/_mock/dataset", "/_mock/requests?status=x", "/_mock/calls?format=csv",
		"/_mock/calls?from=2026-10-01T00:00:00+02:00&to=9999-12-31", "/_mock/faults", "/_mock/nope",
		"/contoso.com/v2.0/.well-known/openid-configuration", "/-bad-/v2.0/.well-known/openid-configuration",
		"/common/discovery/v2.0/keys", "/x/oauth2/v2.0/token", "http://graph.test/beta/x", "//x/../..",
		"/beta/%2e%2e/%2e%2e/_mock/health", "/beta/communications/callRecords/%C0%AF",
	} {
		f.Add(target, "Bearer opaque")
	}
	f.Add(fn, "")
	f.Add(fn, "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzY3AiOiJ4In0.c2ln")
	f.Add(fn, "Basic x")
	f.Fuzz(func(t *testing.T, target, auth string) {
		if got := bearerToken(auth); !strings.Contains(auth, got) {
			t.Fatalf("bearerToken(%q) = %q, not a part of it", auth, got)
		}
		raw := "GET " + target + " HTTP/1.1\r\nHost: graph.test\r\nAuthorization: " + auth + "\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil || !acceptedByNetHTTP(req) {
			return // net/http answers 400 itself; the application never sees it
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if err := checkAnswer(req.URL.Path, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("GET %q (Authorization %q): %v", target, auth, err)
		}
	})
}

// acceptedByNetHTTP applies the checks net/http's server makes after parsing
// a request and before calling the handler (server.go, readRequest).
func acceptedByNetHTTP(r *http.Request) bool {
	hosts, haveHost := r.Header["Host"]
	if r.ProtoAtLeast(1, 1) && (!haveHost || len(hosts) == 0) || len(hosts) > 1 {
		return false
	}
	if len(hosts) == 1 && !httpguts.ValidHostHeader(hosts[0]) {
		return false
	}
	for k, vv := range r.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return false
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return false
			}
		}
	}
	return true
}

// checkAnswer says what is wrong with an answer of the application: it must
// be a 2xx (JSON when it says so) or a 4xx with a well-formed error body:
// Graph's envelope (error.code non-empty, error.message present), or the
// identity platform's ({"error": "<code>", "error_description": ...}) on the
// identity endpoints.
func checkAnswer(path string, status int, h http.Header, body []byte) error {
	ct := h.Get("Content-Type")
	switch {
	case status >= 200 && status < 300:
		if strings.HasPrefix(ct, "application/json") && len(body) > 0 && !json.Valid(body) {
			return errors.New("a 2xx JSON body that is not JSON: " + string(trim(body)))
		}
		return nil
	case status < 400 || status >= 500:
		return errors.New(http.StatusText(status) + ": want 2xx or 4xx: " + string(trim(body)))
	}
	if !strings.HasPrefix(ct, "application/json") {
		return errors.New("error Content-Type " + ct + ", want application/json")
	}
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return errors.New("error body is not JSON: " + string(trim(body)))
	}
	if bytes.HasPrefix(e.Error, []byte(`"`)) && isIdentityPath(path) {
		var id struct {
			Error       string  `json:"error"`
			Description *string `json:"error_description"`
		}
		if json.Unmarshal(body, &id) != nil || id.Error == "" || id.Description == nil {
			return errors.New("identity error without error or error_description: " + string(trim(body)))
		}
		return nil
	}
	var g struct {
		Code    string  `json:"code"`
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(e.Error, &g); err != nil || g.Code == "" || g.Message == nil {
		return errors.New("not Graph's envelope (error.code, error.message): " + string(trim(body)))
	}
	return nil
}

// isIdentityPath reports whether path is one of the identity platform's
// endpoints (routes.go), which answer errors in that platform's shape.
func isIdentityPath(path string) bool {
	for _, suffix := range []string{"/v2.0/.well-known/openid-configuration", "/discovery/v2.0/keys", "/oauth2/v2.0/token"} {
		if strings.HasSuffix(path, suffix) {
			return true
		}
	}
	return false
}

func trim(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}
