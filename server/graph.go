package server

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// handleUnknownSegment answers a /beta or /v1.0 path the mock does not have
// as Graph answers a segment missing from its model: 400 BadRequest naming
// the first unknown segment. /v1.0 with this function's name lands here too,
// since the function exists in beta only.
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
		case i == len(known) && beta && isFunctionName(name):
			continue // something after the function: name that
		}
		return unknownSegment(printable(name))
	}
	return unknownSegment(printable(segs[len(segs)-1]))
}
