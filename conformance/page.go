package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The three spellings of the function (docs/contract.md#request).
const (
	fnShort     = "getPstnOnlineMeetingDialoutReport"
	fnQualified = "microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport"
	fnAlias     = "callRecords.getPstnOnlineMeetingDialoutReport"
)

const (
	maxPages      = 2000 // a nextLink chain longer than this is a server failure
	contextSuffix = "Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)"
	int32Max      = 1<<31 - 1
)

// odataTime writes t as an OData DateTimeOffset in UTC: no fraction when whole seconds, else 7 digits.
func odataTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.0000000Z")
}

// fnURL is one spelling of a report request.
type fnURL struct {
	version string // "" = beta
	coll    string // "" = callRecords
	fn      string // "" = fnShort
	params  string // raw text between the parentheses
	query   string // raw query, without '?'
}

func (s *session) url(u fnURL) string {
	if u.version == "" {
		u.version = "beta"
	}
	if u.coll == "" {
		u.coll = "callRecords"
	}
	if u.fn == "" {
		u.fn = fnShort
	}
	out := s.root + "/" + u.version + "/communications/" + u.coll + "/" + u.fn + "(" + u.params + ")"
	if u.query != "" {
		out += "?" + u.query
	}
	return out
}

// rangeURL is the docs' spelling of a request for [from, to].
func (s *session) rangeURL(from, to time.Time) string {
	return s.url(fnURL{params: rangeParams(from, to)})
}

func rangeParams(from, to time.Time) string {
	return "fromDateTime=" + odataTime(from) + ",toDateTime=" + odataTime(to)
}

// rowKey identifies a report entry (docs/contract.md#response).
type rowKey struct{ userID, location, context, currency string }

func (k rowKey) String() string {
	return fmt.Sprintf("(%s, %s, %s, %s)", k.userID, k.location, k.context, k.currency)
}

// totals are the three summed values of a row, exact.
type totals struct{ calls, seconds, charge dec }

func (t totals) add(u totals) totals {
	return totals{t.calls.add(u.calls), t.seconds.add(u.seconds), t.charge.add(u.charge)}
}

func (t totals) equal(u totals) bool {
	return t.calls.cmp(u.calls) == 0 && t.seconds.cmp(u.seconds) == 0 && t.charge.cmp(u.charge) == 0
}

// le reports whether every total of t is at most the matching total of u.
func (t totals) le(u totals) bool {
	return t.calls.cmp(u.calls) <= 0 && t.seconds.cmp(u.seconds) <= 0 && t.charge.cmp(u.charge) <= 0
}

func (t totals) String() string {
	return fmt.Sprintf("totalCalls=%s totalCallSeconds=%s totalCallCharge=%s", t.calls, t.seconds, t.charge)
}

// entry is one report entry, read leniently so that one broken field does not hide the others.
type entry struct {
	index   int // position in its page
	fields  map[string]json.RawMessage
	key     rowKey
	upn     string
	name    string
	totals  totals
	totalOK bool // all three totals could be read as numbers (possibly from strings)
}

func parseEntry(i int, raw json.RawMessage) (*entry, error) {
	_, fields, err := objectKeys(raw)
	if err != nil {
		return nil, fmt.Errorf("entry %d: %v", i, err)
	}
	e := &entry{index: i, fields: fields}
	e.key.userID, _ = rawString(fields["userId"])
	e.key.location, _ = rawString(fields["usageLocation"])
	e.key.context, _ = rawString(fields["destinationContext"])
	e.key.currency, _ = rawString(fields["currency"])
	e.upn, _ = rawString(fields["userPrincipalName"])
	e.name, _ = rawString(fields["userDisplayName"])
	var errs [3]error
	e.totals.calls, _, errs[0] = rawNumber(fields["totalCalls"])
	e.totals.seconds, _, errs[1] = rawNumber(fields["totalCallSeconds"])
	e.totals.charge, _, errs[2] = rawNumber(fields["totalCallCharge"])
	e.totalOK = errs[0] == nil && errs[1] == nil && errs[2] == nil
	return e, nil
}

// page is one 200 answer of the report function.
type page struct {
	rsp      *response
	keys     []string
	fields   map[string]json.RawMessage
	context  string
	hasCtx   bool
	next     string
	hasNext  bool
	entries  []*entry
	rawValue []json.RawMessage
}

func parsePage(rsp *response) (*page, error) {
	if !json.Valid(rsp.body) {
		return nil, fmt.Errorf("the body is not JSON: %s", firstBytes(rsp.body))
	}
	keys, fields, err := objectKeys(rsp.body)
	if err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %v", err)
	}
	p := &page{rsp: rsp, keys: keys, fields: fields}
	if raw, ok := fields["@odata.context"]; ok {
		p.context, _ = rawString(raw)
		p.hasCtx = true
	}
	if raw, ok := fields["@odata.nextLink"]; ok && string(raw) != "null" {
		s, ok := rawString(raw)
		if !ok {
			return nil, errors.New("@odata.nextLink is not a string")
		}
		p.next, p.hasNext = s, true
	}
	raw, ok := fields["value"]
	if !ok {
		return nil, errors.New(`no "value" array`)
	}
	if err := json.Unmarshal(raw, &p.rawValue); err != nil {
		return nil, fmt.Errorf(`"value" is not an array: %v`, err)
	}
	for i, r := range p.rawValue {
		e, err := parseEntry(i, r)
		if err != nil {
			return nil, err
		}
		p.entries = append(p.entries, e)
	}
	return p, nil
}

// readResult is a report read from its first page to the last reachable one.
type readResult struct {
	url      string
	pages    []*page
	complete bool      // the chain ended on a page without nextLink
	stop     string    // why the read stopped early; "" when complete
	stopRsp  *response // the answer that stopped it, if any
	// What the PAGE checks look at when following links.
	relative []string // nextLinks that were not absolute (resolved against the request URL to go on)
	foreign  []string // absolute nextLinks to another scheme or host (not followed: the token would leak)
	looped   string   // a nextLink leading back to a page already read
	// followFailed: a followed nextLink answered something other than a 200 page.
	followFailed bool
	badLink      bool // a nextLink did not parse as a URL
	tooLong      bool // the chain went on past maxPages
}

// read fetches url and follows its nextLinks. The error is the kit's; the server's failures are in stop.
func (s *session) read(ctx context.Context, rawURL string, r request) (*readResult, error) {
	rr := &readResult{url: rawURL}
	seen := map[string]bool{}
	next := rawURL
	for i := 0; i < maxPages; i++ {
		seen[next] = true
		r.url = next
		rsp, err := s.c.do(ctx, r)
		if err != nil {
			return nil, err
		}
		if rsp.status != http.StatusOK {
			rr.stop, rr.stopRsp = fmt.Sprintf("GET %s answered HTTP %d", rsp.ex.URL, rsp.status), rsp
			rr.followFailed = i > 0
			return rr, nil
		}
		p, err := parsePage(rsp)
		if err != nil {
			rr.stop, rr.stopRsp = fmt.Sprintf("GET %s: %v", rsp.ex.URL, err), rsp
			rr.followFailed = i > 0
			return rr, nil
		}
		rr.pages = append(rr.pages, p)
		if !p.hasNext {
			rr.complete = true
			return rr, nil
		}
		link, err := url.Parse(p.next)
		if err != nil {
			rr.stop, rr.stopRsp = fmt.Sprintf("page %d: @odata.nextLink %q does not parse: %v", i+1, p.next, err), rsp
			rr.badLink = true
			return rr, nil
		}
		if !link.IsAbs() || link.Host == "" {
			rr.relative = append(rr.relative, p.next)
			base, _ := url.Parse(next)
			link = base.ResolveReference(link)
		} else if !s.sameOrigin(link) {
			rr.foreign = append(rr.foreign, p.next)
			rr.stop, rr.stopRsp = fmt.Sprintf("page %d: @odata.nextLink %s leaves %s; not followed, the token would go with it", i+1, p.next, s.root), rsp
			return rr, nil
		}
		next = link.String()
		if seen[next] {
			rr.looped = p.next
			rr.stop, rr.stopRsp = fmt.Sprintf("page %d: @odata.nextLink %s leads back to a page already read", i+1, p.next), rsp
			return rr, nil
		}
	}
	rr.stop, rr.tooLong = fmt.Sprintf("more than %d pages", maxPages), true
	return rr, nil
}

func (s *session) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, s.rootURL.Scheme) && strings.EqualFold(u.Host, s.rootURL.Host)
}

// rows indexes a read by key, first occurrence winning (duplicates are the PAGE and AGG checks' business).
type rows map[rowKey]*entry

func (rr *readResult) rows() rows {
	m := rows{}
	for _, p := range rr.pages {
		for _, e := range p.entries {
			if _, ok := m[e.key]; !ok {
				m[e.key] = e
			}
		}
	}
	return m
}

func (rr *readResult) entries() []*entry {
	var out []*entry
	for _, p := range rr.pages {
		out = append(out, p.entries...)
	}
	return out
}

// mediaType splits a Content-Type; params keys are lower-case.
func mediaType(h http.Header) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return strings.ToLower(strings.TrimSpace(h.Get("Content-Type"))), map[string]string{}
	}
	return mt, params
}

// envelope is the part of Graph's error body the checks read.
type envelope struct {
	Error *struct {
		Code       string          `json:"code"`
		Message    *string         `json:"message"`
		InnerError json.RawMessage `json:"innerError"`
	} `json:"error"`
}

func parseEnvelope(b []byte) (*envelope, bool) {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil || e.Error == nil {
		return nil, false
	}
	return &e, true
}
