package server

import (
	"net/url"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// versionSegments are the path segments of Graph's versions. A public URL
// that ends in one, as the base URL of Kiota and the Graph SDKs does
// (https://graph.microsoft.com/beta), names the version, not a prefix: the
// function's links always add /beta themselves.
var versionSegments = [...]string{"beta", "v1.0"}

// publicParts splits Config.PublicURL into the base of links (scheme, host
// and path prefix, without a trailing version segment or slash) and the
// path prefix alone ("" for none). Validate has accepted u.
func publicParts(u *url.URL) (base, prefix string) {
	if u == nil {
		return "", ""
	}
	prefix = strings.TrimSuffix(u.Path, "/")
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		for _, v := range versionSegments {
			if strings.EqualFold(prefix[i+1:], v) {
				prefix = prefix[:i]
				break
			}
		}
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: prefix}).String(), prefix
}

// checkPublicURL is Validate's check of Config.PublicURL: an absolute http(s)
// URL of a host, with an optional path of plain segments and nothing else.
// Credentials are refused, since every link would carry them to every
// client and log.
func checkPublicURL(u *url.URL) string {
	const want = "want http(s)://host[:port][/path]"
	switch {
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		return want
	case u.User != nil:
		return "credentials in the URL would be written into every @odata.nextLink; " + want
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "a query or fragment would break every @odata.nextLink; " + want
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" && path.Clean(p) != p || u.RawPath != "" {
		return "the path is not a plain path such as /graph; " + want
	}
	return ""
}

// PublicBase is the base of @odata.context and @odata.nextLink that
// Config.PublicURL sets, "" without one: its scheme, host and path prefix,
// without a trailing version segment (/beta or /v1.0). Prefix is that path
// prefix: the server serves every path with it as without it, so a proxy in
// front may pass it or strip it.
func (s *Server) PublicBase() (base, prefix string) { return publicParts(s.cfg.PublicURL) }

// stripPrefix serves a request under the public URL's path prefix as the
// same request without it, as a proxy that strips the prefix would send it.
// The journal and faults therefore see paths without the prefix, whichever
// way the proxy is set up.
func (s *Server) stripPrefix(next echo.HandlerFunc) echo.HandlerFunc {
	_, prefix := s.PublicBase()
	if prefix == "" {
		return next
	}
	escaped := (&url.URL{Path: prefix}).EscapedPath()
	return func(c echo.Context) error {
		r := c.Request()
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok || rest != "" && rest[0] != '/' {
			return next(c)
		}
		r.URL.Path = "/" + strings.TrimPrefix(rest, "/")
		if raw, ok := strings.CutPrefix(r.URL.RawPath, escaped); ok && raw != "" {
			r.URL.RawPath = raw
		} else {
			r.URL.RawPath = ""
		}
		// requestTarget reads RequestURI, to keep the client's spelling in
		// links; without the escaped prefix there, it falls back to URL.
		if uri, ok := strings.CutPrefix(r.RequestURI, escaped); ok && (strings.HasPrefix(uri, "/") || strings.HasPrefix(uri, "?")) {
			r.RequestURI = uri
			if uri[0] == '?' {
				r.RequestURI = "/" + uri
			}
		} else {
			r.RequestURI = ""
		}
		return next(c)
	}
}
