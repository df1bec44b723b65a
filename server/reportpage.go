package server

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/report"
)

// handleFunction answers a function (docs/contract.md#the-function,
// docs/contract.md#call-log): parse the segment and the options, check the
// range and the page token, then write one page of the dial-out report or
// of the call log. Both functions share every rule but their rows.
func (s *Server) handleFunction(c echo.Context) error {
	r := c.Request()
	path, rawQuery := requestTarget(r)
	fn, err := parseFunction(path[strings.LastIndexByte(path, '/')+1:])
	if err != nil {
		return err
	}
	opts, err := parseOptionsFor(rawQuery, fn.fn)
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
	ds := s.tenant(c).data.Load()
	version, asOf, err := s.readPageToken(opts.version, s.now())
	if err != nil {
		return err
	}
	if version != "" && version != ds.Version {
		return badRequest("This nextLink belongs to dataset version '%s', but the server now serves version '%s': the data changed while paging. Start again from the first page.", printable(version), ds.Version)
	}
	p := pageRequest{path: path, opts: opts, ds: ds, q: q, asOf: asOf, base: s.publicBase(r),
		ieee: acceptsIEEE754(r.Header.Values(echo.HeaderAccept))}
	if fn.fn == fnPstnCalls {
		p.beta = !strings.HasPrefix(strings.ToLower(path), "/v1.0/")
		return s.writeCallLog(c, &p)
	}
	return s.writeReport(c, &p)
}

// handleV1 answers /v1.0/communications/callRecords/{segment}: the call log
// exists in v1.0, the dial-out report (and anything else) does not.
func (s *Server) handleV1(c echo.Context) error {
	path, _ := requestTarget(c.Request())
	name, err := url.PathUnescape(path[strings.LastIndexByte(path, '/')+1:])
	if open := strings.IndexByte(name, '('); err == nil && open >= 0 {
		name = name[:open]
	}
	if err != nil || !isCallLog(name) {
		return s.handleUnknownSegment(c)
	}
	return s.handleFunction(c)
}

// pageRequest is what a page is written from.
type pageRequest struct {
	path string // as the client spelled it
	opts options
	ds   *Dataset
	q    report.Query
	asOf time.Time // the instant whose arrived calls the page shows
	base string    // public base URL
	ieee bool      // decimals as strings
	beta bool      // the call log under /beta (else /v1.0)
}

// window applies $skip, $top and the page size to total entries: the page
// is [lo, hi) of them, limit is where the last page ends.
func (s *Server) window(o options, total int64) (lo, hi, limit int64) {
	limit = total
	if o.top >= 0 && o.top < total-min(o.skip, total) {
		limit = o.skip + o.top
	}
	lo = min(o.skip, limit)
	hi = min(lo+int64(s.cfg.PageSize), limit)
	return lo, hi, limit
}

// writeReport writes a page of the dial-out report.
func (s *Server) writeReport(c echo.Context, p *pageRequest) error {
	rows := s.reportRows(p.ds, p.q, p.asOf) // the calls arrived at asOf (arrival.go)
	lo, hi, limit := s.window(p.opts, int64(len(rows.rows)))
	var next string
	if hi < limit {
		next = nextLink(p.base, p.path, p.opts, hi, limit, s.pageToken(p.ds.Version, p.asOf))
	}
	// The page's rows are cached already encoded: write them between the
	// head and the tail without copying them.
	value := rows.page(int(lo), int(hi), p.ieee)
	return writePage(c, p, contextSuffix, hi-lo, next, value)
}

// writePage writes a page: its head, the encoded entries and the tail.
func writePage(c echo.Context, p *pageRequest, context string, count int64, next string, value []byte) error {
	head := make([]byte, 0, len(p.base)+len(next)+200)
	head = append(head, `{"@odata.context":`...)
	head = appendString(head, p.base+context)
	head = append(head, `,"@odata.count":`...)
	head = strconv.AppendInt(head, count, 10)
	if next != "" {
		head = append(head, `,"@odata.nextLink":`...)
		head = appendString(head, next)
	}
	head = append(head, `,"value":[`...)
	const tail = "]}"

	h := c.Response().Header()
	if p.ieee {
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
			// A parameter value may be a quoted string (RFC 9110 §5.6.6):
			// IEEE754Compatible="true" asks the same.
			v = strings.TrimSpace(v)
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if strings.EqualFold(strings.TrimSpace(k), "IEEE754Compatible") && strings.EqualFold(v, "true") {
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
