package server

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// handleUnknownSegment answers a /beta or /v1.0 path the mock does not have
// as Graph answers a segment missing from its model: 400 BadRequest naming
// the first unknown segment. /v1.0 with the dial-out report's name lands
// here too, since that function exists in beta only; the call log exists in
// both.
func (s *Server) handleUnknownSegment(c echo.Context) error {
	path, _ := requestTarget(c.Request())
	segs := strings.Split(strings.Trim(path, "/"), "/")
	beta := strings.EqualFold(segs[0], "beta")
	known := [...]string{"communications", "callrecords"}
	for i, seg := range segs[1:] {
		name, err := url.PathUnescape(seg)
		if err != nil {
			name = seg
		}
		if open := strings.IndexByte(name, '('); open >= 0 {
			name = name[:open]
		}
		switch {
		case i < len(known) && strings.EqualFold(name, known[i]):
			continue
		case i == len(known) && (beta && isFunctionName(name) || isCallLog(name)):
			continue // something after the function: name that
		}
		return unknownSegment(printable(name))
	}
	return unknownSegment(printable(segs[len(segs)-1]))
}

// isCallLog reports whether name spells getPstnCalls, which v1.0 has too.
func isCallLog(name string) bool {
	fn, ok := lookupFunction(name)
	return ok && fn == fnPstnCalls
}

// v1MethodNotAllowed answers another method than GET under v1.0: 405 on the
// call log, an unknown segment elsewhere.
func (s *Server) v1MethodNotAllowed(c echo.Context) error {
	path, _ := requestTarget(c.Request())
	name, err := url.PathUnescape(path[strings.LastIndexByte(path, '/')+1:])
	if open := strings.IndexByte(name, '('); err == nil && open >= 0 {
		name = name[:open]
	}
	if err == nil && isCallLog(name) {
		return echo.ErrMethodNotAllowed
	}
	return s.handleUnknownSegment(c)
}
