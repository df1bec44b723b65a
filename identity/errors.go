package identity

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error is a failure of the identity platform, answered in its own error
// shape rather than Graph's envelope: see WriteError.
type Error struct {
	Status      int
	Code        string // the OAuth error: invalid_request, invalid_client, ...
	AADSTS      int    // Entra's error code
	Description string // after "AADSTSnnn: ", before the trace lines
	RetryAfter  int    // seconds; sets Retry-After when > 0
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: AADSTS%d: %s", e.Status, e.Code, e.AADSTS, e.Description)
}

// WriteError answers e in the identity platform's shape; it is the one
// writer of that shape:
//
//	{"error":"invalid_client","error_description":"AADSTS7000215: ...\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: 2026-11-26 14:21:05Z",
//	 "error_codes":[7000215],"timestamp":"2026-11-26 14:21:05Z","trace_id":"…","correlation_id":"…"}
//
// trace_id is the response's request-id header when the host set one (the
// server does), else a new id; correlation_id is the client-request-id (MSAL
// sends one), else the trace id.
func WriteError(w http.ResponseWriter, r *http.Request, e *Error, now time.Time) {
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	trace := w.Header().Get("request-id")
	if trace == "" {
		var b [16]byte
		rand.Read(b[:])
		trace = formatGUID(b[:], 0x40)
	}
	corr := w.Header().Get("client-request-id")
	if corr == "" {
		corr = r.Header.Get("client-request-id")
	}
	if corr == "" || len(corr) > 200 {
		corr = trace
	}
	body := struct {
		Error         string `json:"error"`
		Description   string `json:"error_description"`
		Codes         []int  `json:"error_codes"`
		Timestamp     string `json:"timestamp"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
	}{e.Code, fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
		e.AADSTS, e.Description, trace, corr, ts), []int{e.AADSTS}, ts, trace, corr}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	writeJSON(w, e.Status, body)
}

// writeJSON writes v with the headers the token endpoint sends: tokens and
// errors are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // the package's own types: they always marshal
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

// Failure is how the identity platform answers a request it fails with
// status, for faults queued on its endpoints: throttling (429) and outages
// (500, 503, 504) in the codes Entra uses for them, with Retry-After on 429
// and 503 (retryAfter seconds, at least 1); 401 and 403 refuse the client as
// a revoked secret or a disabled app would.
func Failure(status, retryAfter int) *Error {
	e := &Error{Status: status}
	switch status {
	case http.StatusUnauthorized:
		e.Code, e.AADSTS, e.Description = "invalid_client", 7000215, "Invalid client secret provided. (A fault queued on the mock.)"
	case http.StatusForbidden:
		e.Code, e.AADSTS, e.Description = "unauthorized_client", 7000112, "Application is disabled. (A fault queued on the mock.)"
	case http.StatusTooManyRequests:
		e.Code, e.AADSTS, e.Description = "temporarily_unavailable", 90055, "There are too many incoming requests. Please try again later."
		e.RetryAfter = max(retryAfter, 1)
	case http.StatusServiceUnavailable:
		e.Code, e.AADSTS, e.Description = "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."
		e.RetryAfter = max(retryAfter, 1)
	case http.StatusGatewayTimeout:
		e.Code, e.AADSTS, e.Description = "temporarily_unavailable", 90012, "The request has timed out."
	default:
		e.Code, e.AADSTS, e.Description = "server_error", 50000, "There was an error issuing a token or an issue with our sign-in service."
	}
	return e
}
