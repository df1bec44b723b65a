package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/report"
)

// GraphError is an error answered with Graph's error envelope:
//
//	{"error":{"code":"BadRequest","message":"...","innerError":{"date":"...","request-id":"...","client-request-id":"..."}}}
//
// Handlers return it (or a domain error, which the error handler maps); only
// the error handler writes it.
type GraphError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter int // seconds; sets Retry-After when > 0
	Details    []ErrorDetail
	Err        error
}

// ErrorDetail is an entry of the envelope's details: Graph's way to name each
// of several problems, with target the JSON pointer of the field.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target"`
}

func (e *GraphError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

func (e *GraphError) Unwrap() error { return e.Err }

func badRequest(format string, args ...any) *GraphError {
	return &GraphError{Status: http.StatusBadRequest, Code: "BadRequest", Message: fmt.Sprintf(format, args...)}
}

// unknownSegment is how Graph answers a path segment its model does not have,
// which is also how /v1.0 answers this beta-only function.
func unknownSegment(segment string) *GraphError {
	return badRequest("Resource not found for the segment '%s'.", segment)
}

// Known shapes of real Graph errors (docs/contract.md#errors).
var (
	errTokenEmpty = unauthorized("Access token is empty.")
	// errNoAuthorization is Graph's answer to a request without an
	// Authorization header, with a hint: Graph's JavaScript client sends its
	// token only over https (to the hosts it knows), so over plain http the
	// mock sees none.
	errNoAuthorization = unauthorized("Access token is empty. No Authorization header was sent: " +
		"Graph's JavaScript client sends tokens over https only; serve the mock with --tls, or use --auth none.")
	errForbidden = &GraphError{Status: http.StatusForbidden, Code: "Forbidden", Message: ""}
)

func unauthorized(message string) *GraphError {
	return &GraphError{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Message: message}
}

// errTokenExpired is Graph's answer to an expired token; a 401 fault answers
// a request that carried a token with it too.
var errTokenExpired = unauthorized("Lifetime validation failed, the token is expired.")

// tokenErrors are Graph's answers to the tokens identity refuses. "Access
// token validation failure. Invalid audience." and the IDX14100 text are what
// Graph sends; the others follow the same pattern.
var tokenErrors = []struct {
	err error
	ge  *GraphError
}{
	{identity.ErrTokenNotJWS, unauthorized("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.")},
	{identity.ErrTokenMalformed, unauthorized("Access token validation failure. The token is malformed.")},
	{identity.ErrTokenSignature, unauthorized("Access token validation failure. Invalid signature.")},
	{identity.ErrTokenAudience, unauthorized("Access token validation failure. Invalid audience.")},
	{identity.ErrTokenIssuer, unauthorized("Access token validation failure. Invalid issuer.")},
	{identity.ErrTokenNotYetValid, unauthorized("Access token has expired or is not yet valid.")},
	{identity.ErrTokenExpired, errTokenExpired},
	{identity.ErrForbidden, errForbidden},
}

// graphErr maps any error to the envelope's status, code and message. This is
// the one place where domain errors become HTTP statuses.
func (s *Server) graphErr(err error) *GraphError {
	var ge *GraphError
	var he *echo.HTTPError
	var probs report.Problems
	for _, t := range tokenErrors {
		if errors.Is(err, t.err) {
			return t.ge
		}
	}
	switch {
	case errors.As(err, &ge):
		return ge
	case errors.Is(err, ErrSuperseded):
		return &GraphError{Status: http.StatusConflict, Code: "Conflict",
			Message: "This PUT /_mock/dataset was superseded by a later control request of the same dataset (a PUT or a reset) before its dataset was built: it was dropped, and the later request's dataset stands."}
	case errors.Is(err, report.ErrReversedRange):
		return badRequest("The fromDateTime parameter must not be later than toDateTime.")
	case errors.Is(err, report.ErrRangeTooLong):
		// D3: real Graph documents the limit but not the status; we answer
		// 400, or 406 as a report saw for a sibling function when asked
		// (docs/contract.md#like-the-live-service).
		const msg = "The fromDateTime and toDateTime values can't be more than a date range of 90 days."
		if s.cfg.RangeLimitStatus == http.StatusNotAcceptable {
			return &GraphError{Status: http.StatusNotAcceptable, Code: "NotAcceptable", Message: msg}
		}
		return badRequest(msg)
	case errors.As(err, &probs):
		ge := badRequest("The dataset was refused, and the previous one keeps serving: %s", probs.Error())
		for _, p := range probs {
			ge.Details = append(ge.Details, ErrorDetail{Code: "InvalidDataset", Message: p.Reason, Target: p.Pointer})
		}
		return ge
	case errors.Is(err, report.ErrInvalid):
		return badRequest("%s", err.Error())
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return &GraphError{Status: he.Code, Code: "NotFound", Message: "Resource not found."}
		case http.StatusMethodNotAllowed:
			return &GraphError{Status: he.Code, Code: "MethodNotAllowed", Message: "The HTTP method is not allowed for this resource."}
		case http.StatusRequestEntityTooLarge:
			return &GraphError{Status: he.Code, Code: "RequestEntityTooLarge", Message: "The request body is too large."}
		case http.StatusServiceUnavailable:
			return &GraphError{Status: he.Code, Code: "ServiceUnavailable", Message: "The service is temporarily unavailable."}
		}
		if he.Code >= 400 && he.Code < 500 {
			return &GraphError{Status: he.Code, Code: "BadRequest", Message: fmt.Sprint(he.Message)}
		}
	}
	return &GraphError{Status: http.StatusInternalServerError, Code: "InternalServerError",
		Message: "The server encountered an internal error.", Err: err}
}

type envelope struct {
	Error envelopeError `json:"error"`
}

type envelopeError struct {
	Code       string        `json:"code"`
	Message    string        `json:"message"` // always present: the Go SDK panics without it
	Details    []ErrorDetail `json:"details,omitempty"`
	InnerError innerError    `json:"innerError"`
}

type innerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// handleError is Echo's HTTPErrorHandler: it writes Graph's envelope for every
// error a handler or middleware returns, but the identity platform's errors
// (a fault on its endpoints), which its own writer answers in its shape.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ie *identity.Error
	if errors.As(err, &ie) {
		identity.WriteError(c.Response(), c.Request(), ie, s.now())
		return
	}
	ge := s.graphErr(err)
	if ge.Status >= 500 && ge.Err != nil {
		s.log.Error("internal error", slog.String("request-id", requestID(c)), slog.Any("err", ge.Err))
	}
	writeEnvelope(c, ge, s.now())
}

func writeEnvelope(c echo.Context, ge *GraphError, now time.Time) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/json")
	if ge.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ge.RetryAfter))
	}
	if ge.Status == http.StatusMethodNotAllowed {
		h.Set("Allow", http.MethodGet)
	}
	body, _ := json.Marshal(envelope{Error: envelopeError{
		Code:    ge.Code,
		Message: ge.Message,
		Details: ge.Details,
		InnerError: innerError{
			Date:            now.UTC().Format("2006-01-02T15:04:05"),
			RequestID:       requestID(c),
			ClientRequestID: clientRequestID(c),
		},
	}})
	c.Response().WriteHeader(ge.Status)
	if c.Request().Method != http.MethodHead {
		c.Response().Write(body)
	}
}
