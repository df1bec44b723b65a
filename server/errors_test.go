package server

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$`)

// checkEnvelope asserts Graph's error envelope: Content-Type, a non-empty
// code, a message key, the inner error's date and ids.
func checkEnvelope(t *testing.T, r response, status int, code string) errBody {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	e := decodeError(t, r)
	if e.Error.Code != code {
		t.Errorf("code = %q, want %q", e.Error.Code, code)
	}
	if e.Error.Message == nil {
		t.Errorf("message key missing: %s", r.body)
	}
	if !dateRE.MatchString(e.Error.InnerError.Date) {
		t.Errorf("innerError.date = %q, want UTC without zone, 19 characters", e.Error.InnerError.Date)
	}
	if !uuidRE.MatchString(e.Error.InnerError.RequestID) || e.Error.InnerError.RequestID != r.header.Get("request-id") {
		t.Errorf("innerError.request-id = %q, header %q: want the same UUID", e.Error.InnerError.RequestID, r.header.Get("request-id"))
	}
	if e.Error.InnerError.ClientRequestID != r.header.Get("client-request-id") {
		t.Errorf("innerError.client-request-id = %q, header %q", e.Error.InnerError.ClientRequestID, r.header.Get("client-request-id"))
	}
	return e
}

func TestErrors(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	cases := []struct {
		name, method, path string
		status             int
		code               string
		message            string // a substring the message must hold
	}{
		{"missing parameters", "GET", fnPath, 400, "BadRequest", "fromDateTime"},
		{"empty parentheses", "GET", fnPath + "()", 400, "BadRequest", "required"},
		{"empty values", "GET", fnPath + "(fromDateTime=,toDateTime=)", 400, "BadRequest", "Expression expected at position 13 in 'fromDateTime=,toDateTime='."},
		{"missing to", "GET", fnPath + "(fromDateTime=2026-10-01)", 400, "BadRequest", "toDateTime"},
		{"missing from", "GET", fnPath + "(toDateTime=2026-10-01)", 400, "BadRequest", "fromDateTime"},
		{"malformed date", "GET", fnPath + "(fromDateTime=2026-13-01,toDateTime=2026-10-31)", 400, "BadRequest", "fromDateTime"},
		{"not a calendar date", "GET", fnPath + "(fromDateTime=2026-02-30,toDateTime=2026-03-31)", 400, "BadRequest", "calendar"},
		{"quoted date", "GET", fnPath + "(fromDateTime='2026-10-01',toDateTime=2026-10-31)", 400, "BadRequest", "fromDateTime"},
		{"no zone", "GET", fnPath + "(fromDateTime=2026-10-01T00:00:00,toDateTime=2026-10-31)", 400, "BadRequest", "zone"},
		{"whitespace", "GET", fnPath + "(fromDateTime=%202026-10-01,toDateTime=2026-10-31)", 400, "BadRequest", "fromDateTime"},
		{"whitespace around comma", "GET", fnPath + "(fromDateTime=2026-10-01,%20toDateTime=2026-10-31)", 400, "BadRequest", "not known"},
		{"duplicate parameter", "GET", fnPath + "(fromDateTime=2026-10-01,fromDateTime=2026-10-02)", 400, "BadRequest", "twice"},
		{"extra parameter", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31,x=1)", 400, "BadRequest", "'x'"},
		{"bad percent-encoding", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$skip=%zz", 400, "BadRequest", "percent"},
		{"reversed", "GET", fnPath + "(fromDateTime=2026-10-31,toDateTime=2026-10-01)", 400, "BadRequest", "later"},
		{"91 days", "GET", fnPath + "(fromDateTime=2026-01-01,toDateTime=2026-04-02)", 400, "BadRequest", "90 days"},
		{"90 days and a second", "GET", fnPath + "(fromDateTime=2026-01-01T00:00:00Z,toDateTime=2026-04-01T00:00:01Z)", 400, "BadRequest", "90 days"},
		{"negative $skip", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$skip=-1", 400, "BadRequest", "$skip"},
		{"text $skip", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?%24skip=ten", 400, "BadRequest", "$skip"},
		{"$skip past int64", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$skip=9223372036854775808", 400, "BadRequest", "$skip"},
		{"bad $top", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$top=-5", 400, "BadRequest", "$top"},
		{"unsupported option", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$orderby=userId", 400, "BadRequest", "$orderby"},
		{"stale dataset version", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)?$skip=2&$skiptoken=other", 400, "BadRequest", "changed"},
		{"v1.0", "GET", "/v1.0/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)", 400, "BadRequest", "'getPstnOnlineMeetingDialoutReport'"},
		{"v1.0 qualified", "GET", "/v1.0/communications/callRecords/microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)", 400, "BadRequest", "Resource not found for the segment"},
		{"another function", "GET", "/beta/communications/callRecords/getDirectRoutingCalls(fromDateTime=2026-10-01,toDateTime=2026-10-31)", 400, "BadRequest", "'getDirectRoutingCalls'"},
		{"unknown beta segment", "GET", "/beta/communications/nothing", 400, "BadRequest", "'nothing'"},
		{"segment after the function", "GET", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)/more", 400, "BadRequest", "'more'"},
		{"unknown path", "GET", "/nowhere", 404, "NotFound", ""},
		{"POST", "POST", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", 405, "MethodNotAllowed", ""},
		{"DELETE", "DELETE", fnPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)", 405, "MethodNotAllowed", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, ts.URL+"/placeholder", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = c.path // sent as is, even when it is not a valid URL
			req.Header.Set("Authorization", "Bearer x")
			r := do(t, req)
			e := checkEnvelope(t, r, c.status, c.code)
			if e.Error.Message != nil && !strings.Contains(*e.Error.Message, c.message) {
				t.Errorf("message = %q, want it to mention %q", *e.Error.Message, c.message)
			}
			if c.status == 405 && r.header.Get("Allow") != "GET" {
				t.Errorf("Allow = %q, want GET", r.header.Get("Allow"))
			}
		})
	}
}

func TestPanicBecomes500(t *testing.T) {
	_, ts := newTestServer(t, Dataset{Source: panicSource{}, Version: "p"}, Config{})
	r := get(t, ts.URL+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)")
	checkEnvelope(t, r, 500, "InternalServerError")
	// The server is still up.
	checkEnvelope(t, get(t, ts.URL+"/nowhere"), 404, "NotFound")
}

// jwt builds an unsigned token with the given claims (lenient mode never
// checks signatures).
func jwt(claims map[string]any) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + ".c2ln"
}

func TestAuth(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	later := float64(now.Add(time.Hour).Unix())
	earlier := float64(now.Add(-time.Minute).Unix())
	cases := []struct {
		name   string
		mode   AuthMode
		header string // Authorization; "" sends none
		status int
		code   string
	}{
		{"no header", AuthLenient, "", 401, "InvalidAuthenticationToken"},
		{"empty bearer", AuthLenient, "Bearer ", 401, "InvalidAuthenticationToken"},
		{"basic scheme", AuthLenient, "Basic dXNlcjpwYXNz", 401, "InvalidAuthenticationToken"},
		{"opaque token", AuthLenient, "Bearer abc.def", 200, ""},
		{"lower-case scheme", AuthLenient, "bearer abc", 200, ""},
		{"app token with role", AuthLenient, "Bearer " + jwt(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": later}), 200, ""},
		{"app token with older role", AuthLenient, "Bearer " + jwt(map[string]any{"roles": []string{"CallRecord-PstnCalls.Read.All"}}), 200, ""},
		{"app token without accepted role", AuthLenient, "Bearer " + jwt(map[string]any{"roles": []string{"User.Read.All"}}), 403, "Forbidden"},
		{"app token with no roles at all", AuthLenient, "Bearer " + jwt(map[string]any{"roles": []string{}}), 403, "Forbidden"},
		{"delegated token", AuthLenient, "Bearer " + jwt(map[string]any{"scp": "CallRecords.Read.All", "exp": later}), 403, "Forbidden"},
		{"expired token", AuthLenient, "Bearer " + jwt(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": earlier}), 401, "InvalidAuthenticationToken"},
		{"none: no header", AuthNone, "", 200, ""},
		{"none: delegated", AuthNone, "Bearer " + jwt(map[string]any{"scp": "x"}), 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Auth: c.mode, Now: func() time.Time { return now }})
			req, _ := http.NewRequest("GET", ts.URL+fnPath+"(fromDateTime=2026-10-01,toDateTime=2026-10-31)", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			r := do(t, req)
			if c.status == 200 {
				if r.status != 200 {
					t.Errorf("status = %d, want 200: %s", r.status, r.body)
				}
				return
			}
			e := checkEnvelope(t, r, c.status, c.code)
			if c.status == 403 && *e.Error.Message != "" {
				t.Errorf("403 message = %q, want empty as Graph sends", *e.Error.Message)
			}
			// Graph's words, and for a request without the header a hint:
			// Graph's JavaScript client sends no token over plain http.
			switch want := "Access token is empty."; {
			case c.name == "no header" && (!strings.HasPrefix(*e.Error.Message, want+" ") || !strings.Contains(*e.Error.Message, "--tls")):
				t.Errorf("401 message = %q, want Graph's %q, then a hint naming --tls", *e.Error.Message, want)
			case c.name == "empty bearer" && *e.Error.Message != want:
				t.Errorf("401 message = %q, want Graph's %q", *e.Error.Message, want)
			}
		})
	}
}
