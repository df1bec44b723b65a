package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	ctxRequestID       = "dialoutkit.request-id"
	ctxClientRequestID = "dialoutkit.client-request-id"
)

// requestIDs gives every request a new request-id and echoes the client's
// client-request-id (or the request-id when there is none), on successes and
// errors alike, as Graph does.
func requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := newUUID()
		cid := c.Request().Header.Get("client-request-id")
		if cid == "" || len(cid) > 200 {
			cid = id
		}
		c.Set(ctxRequestID, id)
		c.Set(ctxClientRequestID, cid)
		h := c.Response().Header()
		h.Set("request-id", id)
		h.Set("client-request-id", cid)
		return next(c)
	}
}

func requestID(c echo.Context) string       { s, _ := c.Get(ctxRequestID).(string); return s }
func clientRequestID(c echo.Context) string { s, _ := c.Get(ctxClientRequestID).(string); return s }

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	hex.Encode(out[9:13], b[4:6])
	hex.Encode(out[14:18], b[6:8])
	hex.Encode(out[19:23], b[8:10])
	hex.Encode(out[24:36], b[10:16])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}

// recoverPanics turns a handler's panic into a 500 envelope and logs it with
// its stack, so one bad request never takes the server down.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err = &GraphError{Status: http.StatusInternalServerError, Code: "InternalServerError",
					Message: "The server encountered an internal error.", Err: fmt.Errorf("panic: %v", v)}
			}
		}()
		return next(c)
	}
}

// logRequests writes one line a request: through the buffered request log
// when there is one (Config.Log), else on the configured logger.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		if s.cfg.Log == nil && !s.log.Enabled(r.Context(), slog.LevelInfo) {
			return nil
		}
		rec := requestRecord{
			method: r.Method,
			path:   printableN(r.URL.EscapedPath(), maxLoggedPath),
			status: c.Response().Status,
			bytes:  c.Response().Size,
			id:     requestID(c),
		}
		if s.cfg.Log != nil {
			rec.time = time.Now()
			rec.duration = rec.time.Sub(start)
			s.cfg.Log.logRequest(&rec)
			return nil
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", rec.method),
			slog.String("path", rec.path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("request-id", rec.id))
		return nil
	}
}

// graphPrefix is the path prefix of the emulated function, in the case Echo
// routes it.
const graphPrefix = "/beta/communications/callRecords/"

// v1Prefix is the path prefix of the call log in v1.0, in the case Echo
// routes it.
const v1Prefix = "/v1.0/communications/callRecords/"

// canonicalPath lets Echo route Graph's case-insensitive names: a path whose
// prefix matches graphPrefix (or /v1.0/) in any case is routed as the
// canonical spelling. The handlers read the path as the client sent it.
func canonicalPath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := c.Request().URL
		for _, p := range [...]string{graphPrefix, v1Prefix, "/v1.0/", "/beta/"} {
			if len(u.Path) >= len(p) && strings.EqualFold(u.Path[:len(p)], p) && u.Path[:len(p)] != p {
				u.Path = p + u.Path[len(p):]
				if len(u.RawPath) >= len(p) {
					u.RawPath = p + u.RawPath[len(p):]
				}
				break
			}
		}
		return next(c)
	}
}

// validHost refuses a Host header that is not host[:port], since it would
// otherwise be written into nextLinks.
func (s *Server) validHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.cfg.PublicURL == nil && !isHostPort(c.Request().Host) {
			return badRequest("The Host header is not a valid host name or address.")
		}
		return next(c)
	}
}

// isHostPort reports whether h is a DNS name, an IPv4 address or a bracketed
// IPv6 address, with an optional numeric port.
func isHostPort(h string) bool {
	if h == "" || len(h) > 260 {
		return false
	}
	host, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		host, port = h[1:end], h[end+1:]
		if net.ParseIP(host) == nil || (port != "" && port[0] != ':') {
			return false
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		host, port = h[:i], h[i+1:]
	}
	if port != "" || strings.HasSuffix(h, ":") {
		if len(port) == 0 || len(port) > 5 {
			return false
		}
		for _, c := range port {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	if strings.HasPrefix(h, "[") {
		return true
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i, c := range label {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				c == '-' && i > 0 && i < len(label)-1 || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}
