package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestFaultCodeAndMessage: a fault may carry Graph's code and message for
// the failure it stands for; without them, a 401 says what Graph says to
// the request: the token expired when one was sent, else that it is empty
// (issue 11, item 10).
func TestFaultCodeAndMessage(t *testing.T) {
	tests := []struct {
		name        string
		fault       string
		auth        string // Authorization header; "" sends none
		status      int
		code, msg   string
		wantRetryIn string
	}{
		{"401 with a token", `{"times":1,"status":401}`, "Bearer eyJ0eXAi.x.y", 401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.", ""},
		{"401 without a token", `{"times":1,"status":401}`, "", 401, "InvalidAuthenticationToken", "Access token is empty.", ""},
		{"401 with an empty bearer", `{"times":1,"status":401}`, "Bearer ", 401, "InvalidAuthenticationToken", "Access token is empty.", ""},
		{"401 of its own", `{"times":1,"status":401,"code":"InvalidAuthenticationToken","message":"CompactToken validation failed with reason code: 80049228."}`, "Bearer x", 401, "InvalidAuthenticationToken", "CompactToken validation failed with reason code: 80049228.", ""},
		{"403 of its own", `{"times":1,"status":403,"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}`, "Bearer x", 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", ""},
		{"message only", `{"times":1,"status":429,"message":"Too many requests from this tenant.","retryAfter":2}`, "Bearer x", 429, "TooManyRequests", "Too many requests from this tenant.", "2"},
		{"code only", `{"times":1,"status":500,"code":"UnknownError"}`, "Bearer x", 500, "UnknownError", "The server encountered an internal error.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{Auth: AuthNone})
			queueFault(t, ts.URL, tt.fault)
			r := get(t, ts.URL+october, "Authorization", tt.auth)
			e := checkEnvelope(t, r, tt.status, tt.code)
			if *e.Error.Message != tt.msg {
				t.Errorf("message = %q, want %q", *e.Error.Message, tt.msg)
			}
			if got := r.header.Get("Retry-After"); got != tt.wantRetryIn {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetryIn)
			}
		})
	}
}

// TestFaultRefusals: a fault body is one JSON object, and a code or message
// needs a status and stays within bounds (issue 11, item 10).
func TestFaultRefusals(t *testing.T) {
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{})
	tests := []struct {
		body, want string
	}{
		{`{"times":1,"status":500} {"times":1,"status":503}`, "data after its JSON object"},
		{`{"times":1,"status":500}]`, "data after its JSON object"},
		{`{"times":1,"status":500} x`, "data after its JSON object"},
		{`{"times":1,"delayMs":5,"message":"slow"}`, "only a fault with a status"},
		{`{"times":1,"drop":true,"code":"X"}`, "only a fault with a status"},
		{`{"times":1,"status":500,"code":"has space"}`, "code: "},
		{`{"times":1,"status":500,"code":"` + strings.Repeat("C", 101) + `"}`, "code: "},
		{`{"times":1,"status":500,"message":"line\nbreak"}`, "message: "},
		{`{"times":1,"status":500,"message":"` + strings.Repeat("m", 1001) + `"}`, "message: "},
	}
	for _, tt := range tests {
		t.Run(tt.body[:min(len(tt.body), 60)], func(t *testing.T) {
			e := checkEnvelope(t, send(t, http.MethodPost, ts.URL+"/_mock/faults", []byte(tt.body)), 400, "BadRequest")
			if !strings.Contains(*e.Error.Message, tt.want) {
				t.Errorf("message = %q, want it to say %q", *e.Error.Message, tt.want)
			}
		})
	}
	// Whitespace after the object is not data.
	if r := send(t, http.MethodPost, ts.URL+"/_mock/faults", []byte("{\"times\":1,\"status\":500}\n\t ")); r.status != http.StatusCreated {
		t.Errorf("a fault with trailing whitespace = %d %s, want 201", r.status, r.body)
	}
}
