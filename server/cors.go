package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// CORS as Graph does it (docs/contract.md#like-the-live-service): browsers
// may call the Graph paths from any origin. A preflight (OPTIONS) is answered
// 200 with the origin, methods and request headers it asked for; every answer
// to a request with an Origin, errors included, names the origin and exposes
// the headers a client reads. The control API and the identity endpoints stay
// same-origin: they never carry these headers.
//
// A preflight is the browser asking leave, not a Graph request: it needs no
// token, is never journaled, never consumes a queued fault, never counts for
// throttling and is never delayed by chaos. It is logged like any request.

// corsExposed are the answer headers a browser client may read.
const corsExposed = "request-id, client-request-id, Retry-After, OData-Version"

// corsMaxAge is how long a browser may reuse a preflight's answer, in
// seconds. The live service's value is not documented; an hour keeps a
// dashboard from asking before every page.
const corsMaxAge = 3600

// Bounds on what a preflight echoes, so a hostile header list cannot make
// the answer's headers larger than a real browser's ever are.
const (
	maxOriginBytes     = 512  // scheme, a DNS name of up to 253 bytes and a port fit
	maxCORSHeaders     = 64   // request headers echoed
	maxCORSHeaderBytes = 2048 // the echoed list, commas included
	maxCORSMethodBytes = 32
)

// cors adds the CORS headers to the Graph paths' answers and answers their
// preflights. It runs before routing's per-route middleware, so a preflight
// never reaches auth, faults, throttling or the journal.
func (s *Server) cors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !isGraphPath(r.URL.Path) {
			return next(c)
		}
		origin, ok := corsOrigin(r.Header)
		h := c.Response().Header()
		if ok {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExposed)
			h.Add("Vary", "Origin")
		}
		if r.Method != http.MethodOptions {
			return next(c)
		}
		if ok {
			h.Set("Access-Control-Allow-Methods", corsMethod(r.Header))
			if list := corsRequestHeaders(r.Header); list != "" {
				h.Set("Access-Control-Allow-Headers", list)
			}
			h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		return c.NoContent(http.StatusOK)
	}
}

// isGraphPath reports whether path (in canonicalPath's spelling) is under
// /beta/ or /v1.0/.
func isGraphPath(path string) bool {
	return strings.HasPrefix(path, "/beta/") || strings.HasPrefix(path, "/v1.0/")
}

// corsOrigin returns the request's Origin when it is one serialized origin:
// "null", or scheme://host[:port] with nothing else, at most
// maxOriginBytes. Anything else gets no CORS headers, which a browser
// treats as a refusal.
func corsOrigin(h http.Header) (string, bool) {
	vs := h.Values("Origin")
	if len(vs) != 1 {
		return "", false
	}
	o := vs[0]
	if o == "null" {
		return o, true
	}
	if o == "" || len(o) > maxOriginBytes {
		return "", false
	}
	for i := 0; i < len(o); i++ {
		if o[i] <= ' ' || o[i] >= 0x7f || o[i] == ',' {
			return "", false
		}
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Path != "" ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", false
	}
	return o, true
}

// corsMethod is the method a preflight asks for, when it is one token of a
// sane length; GET, the function's method, otherwise.
func corsMethod(h http.Header) string {
	vs := h.Values("Access-Control-Request-Method")
	if len(vs) == 1 && len(vs[0]) <= maxCORSMethodBytes && isToken(vs[0]) {
		return vs[0]
	}
	return http.MethodGet
}

// corsRequestHeaders is the list of request headers a preflight asks for,
// from every Access-Control-Request-Headers line: lower-cased, in the order
// asked, without duplicates, empty elements or names that are not tokens,
// and bounded by maxCORSHeaders and maxCORSHeaderBytes.
func corsRequestHeaders(h http.Header) string {
	var b strings.Builder
	var seen []string
	for _, v := range h.Values("Access-Control-Request-Headers") {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.ToLower(strings.Trim(name, " \t"))
			if name == "" || !isToken(name) || slices.Contains(seen, name) {
				continue
			}
			if len(seen) == maxCORSHeaders || b.Len()+len(name)+2 > maxCORSHeaderBytes {
				return b.String()
			}
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(name)
			seen = append(seen, name)
		}
	}
	return b.String()
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), as
// header names and methods are.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
