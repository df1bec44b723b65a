package server

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// handleReport answers the function (docs/contract.md#the-function): parse the segment and the
// options, compute (or reuse) the rows of the range, and write one page.
func (s *Server) handleReport(c echo.Context) error {
	r := c.Request()
	path, rawQuery := requestTarget(r)
	fn, err := parseFunction(path[strings.LastIndexByte(path, '/')+1:])
	if err != nil {
		return err
	}
	opts, err := parseOptions(rawQuery)
	if err != nil {
		return err
	}
	if len(opts.ignored) > 0 {
		s.log.Info("query options accepted and ignored (D7)", slog.Any("options", opts.ignored), slog.String("request-id", requestID(c)))
	}
	q := fn.query()
	if err := q.Validate(); err != nil {
		return err
	}
	ds := s.data.Load()
	version, asOf, err := s.readPageToken(opts.version, s.now())
	if err != nil {
		return err
	}
	if version != "" && version != ds.Version {
		return badRequest("This nextLink belongs to dataset version '%s', but the server now serves version '%s': the data changed while paging. Start again from the first page.", printable(version), ds.Version)
	}

	rows := s.reportRows(ds, q, asOf) // the calls arrived at asOf (arrival.go)
	total := int64(len(rows.rows))
	limit := total
	if opts.top >= 0 && opts.top < total-min(opts.skip, total) {
		limit = opts.skip + opts.top
	}
	lo := min(opts.skip, limit)
	hi := min(lo+int64(s.cfg.PageSize), limit)

	base := s.publicBase(r)
	var next string
	if hi < limit {
		next = nextLink(base, path, opts, hi, limit, s.pageToken(ds.Version, asOf))
	}
	ieee := acceptsIEEE754(r.Header.Values(echo.HeaderAccept))
	value := rows.page(int(lo), int(hi), ieee)

	// The page's rows are cached already encoded: write them between the
	// head and the tail without copying them.
	head := make([]byte, 0, len(base)+len(next)+200)
	head = append(head, `{"@odata.context":`...)
	head = appendString(head, base+contextSuffix)
	head = append(head, `,"@odata.count":`...)
	head = strconv.AppendInt(head, hi-lo, 10)
	if next != "" {
		head = append(head, `,"@odata.nextLink":`...)
		head = appendString(head, next)
	}
	head = append(head, `,"value":[`...)
	const tail = "]}"

	h := c.Response().Header()
	if ieee {
		h.Set(echo.HeaderContentType, contentTypeIEE)
	} else {
		h.Set(echo.HeaderContentType, contentType)
	}
	h.Set("OData-Version", "4.0")
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(head)+len(value)+len(tail)))
	w := c.Response()
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(head); err != nil {
		return nil // the client went away
	}
	w.Write(value)
	w.Write([]byte(tail))
	return nil
}

// nextLink is the request URL as the client spelled it (function spelling,
// parameter text, other options) with $skip of the next page: absolute, so
// SDKs follow it verbatim and keep sending their token.
func nextLink(base, path string, o options, skip, limit int64, token string) string {
	var b strings.Builder
	b.WriteString(base)
	b.WriteString(path)
	b.WriteByte('?')
	for _, p := range o.rest {
		b.WriteString(p)
		b.WriteByte('&')
	}
	if o.top >= 0 {
		b.WriteString("$top=")
		b.WriteString(strconv.FormatInt(limit-skip, 10))
		b.WriteByte('&')
	}
	b.WriteString("$skip=")
	b.WriteString(strconv.FormatInt(skip, 10))
	// The dataset version (and with late arrival, the instant of the first
	// page) travels with the link: a page of another dataset is refused
	// instead of silently mixing two.
	b.WriteString("&$skiptoken=")
	b.WriteString(url.QueryEscape(token))
	return b.String()
}

// acceptsIEEE754 reports whether the client asked for decimals as strings.
func acceptsIEEE754(accept []string) bool {
	for _, a := range accept {
		for _, part := range strings.FieldsFunc(a, func(r rune) bool { return r == ';' || r == ',' }) {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			if strings.EqualFold(k, "IEEE754Compatible") && strings.EqualFold(strings.TrimSpace(v), "true") {
				return true
			}
		}
	}
	return false
}

// requestTarget returns the escaped path and raw query exactly as the client
// sent them, so nextLinks keep the client's spelling.
func requestTarget(r *http.Request) (path, rawQuery string) {
	target := r.RequestURI
	if target == "" || target[0] != '/' {
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	path, rawQuery, _ = strings.Cut(target, "?")
	return path, rawQuery
}
