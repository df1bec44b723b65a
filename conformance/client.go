package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	maxRetries      = 3               // as the Go SDK: 429/503 retried up to 3 times (docs/contract.md#throttling)
	maxRetryAfter   = 5 * time.Minute // a longer Retry-After makes the check an ERROR instead of a stall
	excerptSize     = 4 << 10         // body excerpt kept in an Exchange
	maxBodySize     = 64 << 20        // a response body larger than this is a server failure
	redactedValue   = "<redacted>"    // what replaces a secret
	minSecretLength = 8               // shorter secrets are redacted only where they stand alone
	headerAdminKey  = "X-Admin-Key"   // admin key of the mock's control API
	headerCRID      = "client-request-id"
)

// errThrottled marks a request still answered 429/503 after every retry: the kit could not run the check.
var errThrottled = errors.New("still throttled after retries")

// authMode says what Authorization a request carries.
type authMode int

const (
	authToken  authMode = iota // Bearer <configured token>
	authNone                   // no Authorization header
	authCustom                 // the request's authValue verbatim
)

// request is what a check asks the client to send.
type request struct {
	method    string
	url       string // sent exactly as written (path escaping is kept)
	header    http.Header
	body      []byte
	auth      authMode
	authValue string
	noCRID    bool // send no client-request-id
	fresh     bool // bypass the per-run cache of GET answers
}

func (r request) cacheKey() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s auth=%d:%s crid=%t", r.method, r.url, r.auth, r.authValue, r.noCRID)
	keys := make([]string, 0, len(r.header))
	for k := range r.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, r.header[k])
	}
	return b.String()
}

// response is an answer with its full body; ex is the redacted record of it.
type response struct {
	ex     *Exchange
	status int
	header http.Header
	body   []byte
	crid   string // the client-request-id sent, "" when none
	url    string
}

// client sends the kit's requests: fresh client-request-id, Authorization, retries on 429/503 with
// Retry-After, a rate cap, a read-only guard, and a record of everything for the report.
type client struct {
	hc       *http.Client
	clock    Clock
	limit    *limiter
	token    string
	adminKey string
	header   http.Header // Config.Header, on every request
	readOnly bool
	red      redactor

	mu      sync.Mutex
	cache   map[string]*response
	records []*response
}

func newClient(cfg *normalized) *client {
	secrets := []string{cfg.Token, cfg.AdminKey}
	var names []string
	for k, vs := range cfg.Header {
		if isCredentialHeader(k) {
			names = append(names, k)
			secrets = append(secrets, vs...)
		}
	}
	c := &client{
		hc:       cfg.HTTPClient,
		clock:    cfg.Clock,
		token:    cfg.Token,
		adminKey: cfg.AdminKey,
		header:   cfg.Header,
		readOnly: cfg.Profile == ProfileGraph,
		red:      newRedactor(names, secrets...),
		cache:    map[string]*response{},
	}
	if cfg.maxRPM > 0 {
		c.limit = &limiter{clock: cfg.Clock, interval: time.Minute / time.Duration(cfg.maxRPM)}
	}
	return c
}

// do sends r. The error is non-nil only when the kit could not get an answer: transport failure,
// cancelled context, persistent throttling, or a non-GET in the read-only profile.
func (c *client) do(ctx context.Context, r request) (*response, error) {
	if r.method == "" {
		r.method = http.MethodGet
	}
	if c.readOnly && r.method != http.MethodGet {
		return nil, fmt.Errorf("the graph profile is read-only: refusing %s %s", r.method, c.red.str(r.url))
	}
	key := r.cacheKey()
	cacheable := r.method == http.MethodGet && !r.fresh
	if cacheable {
		c.mu.Lock()
		hit := c.cache[key]
		c.mu.Unlock()
		if hit != nil {
			return hit, nil
		}
	}
	crid := ""
	if !r.noCRID {
		crid = newUUID() // kept across retries, as the Go SDK does
	}
	for attempt := 0; ; attempt++ {
		if err := c.limit.wait(ctx); err != nil {
			return nil, err
		}
		rsp, err := c.send(ctx, r, crid, attempt)
		if err != nil {
			return nil, err
		}
		if rsp.status != http.StatusTooManyRequests && rsp.status != http.StatusServiceUnavailable {
			if cacheable {
				c.mu.Lock()
				c.cache[key] = rsp
				c.mu.Unlock()
			}
			return rsp, nil
		}
		if attempt == maxRetries {
			return nil, &answerError{rsp: rsp,
				err: fmt.Errorf("%s %s: HTTP %d: %w", r.method, rsp.ex.URL, rsp.status, errThrottled)}
		}
		wait := retryAfter(rsp.header.Get("Retry-After"), c.clock.Now(), attempt)
		if wait > maxRetryAfter {
			return nil, &answerError{rsp: rsp,
				err: fmt.Errorf("%s %s: HTTP %d asks to wait %s, more than %s: %w", r.method, rsp.ex.URL, rsp.status, wait, maxRetryAfter, errThrottled)}
		}
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (c *client) send(ctx context.Context, r request, crid string, attempt int) (*response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s: %v", c.red.str(r.url), err)
	}
	for k, vs := range c.header {
		hr.Header[k] = slices.Clone(vs)
	}
	for k, vs := range r.header {
		hr.Header[k] = slices.Clone(vs)
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	if r.body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if crid != "" {
		hr.Header.Set(headerCRID, crid)
	}
	switch r.auth {
	case authToken:
		hr.Header.Set("Authorization", "Bearer "+c.token)
	case authCustom:
		hr.Header["Authorization"] = []string{r.authValue}
	}
	if c.adminKey != "" && strings.HasPrefix(hr.URL.EscapedPath(), "/_mock/") {
		hr.Header.Set(headerAdminKey, c.adminKey)
	}
	if attempt > 0 {
		hr.Header.Set("Retry-Attempt", strconv.Itoa(attempt))
	}
	ex := &Exchange{
		Method:        r.method,
		URL:           c.red.str(r.url),
		RequestHeader: c.red.header(hr.Header, true),
	}
	if r.body != nil {
		ex.RequestBody, ex.Truncated = excerpt(c.red.str(string(r.body)))
	}
	ex.Curl = curlLine(ex, r.body != nil)
	rsp := &response{ex: ex, crid: crid, url: r.url}
	res, err := c.hc.Do(hr)
	if err != nil {
		ex.Err = c.red.str(err.Error())
		c.record(rsp)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s %s: %s", r.method, ex.URL, ex.Err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBodySize+1))
	rsp.status = res.StatusCode
	rsp.header = res.Header
	rsp.body = b
	ex.Status = res.StatusCode
	ex.ResponseHeader = c.red.header(res.Header, false)
	var cut bool
	ex.ResponseBody, cut = excerpt(c.red.str(string(b[:min(len(b), excerptSize+c.red.longest)])))
	ex.Truncated = ex.Truncated || cut
	c.record(rsp)
	if err != nil {
		ex.Err = c.red.str(err.Error())
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s %s: read body: %s", r.method, ex.URL, ex.Err)
	}
	return rsp, nil
}

func (c *client) record(r *response) {
	c.mu.Lock()
	c.records = append(c.records, r)
	c.mu.Unlock()
}

// recorded returns every answer received so far, in order.
func (c *client) recorded() []*response {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.records)
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); without one it backs off 1s, 2s, 4s.
func retryAfter(v string, now time.Time, attempt int) time.Duration {
	v = strings.TrimSpace(v)
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return time.Second << attempt
}

// limiter is a token bucket of capacity one: requests leave at least interval apart, so no window of
// a minute ever holds more than the configured count. A nil limiter lets everything through.
type limiter struct {
	clock    Clock
	interval time.Duration
	// waiting, when set, hears of every wait before it starts.
	waiting func(d time.Duration)

	mu   sync.Mutex
	next time.Time
}

func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := l.clock.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		if l.waiting != nil {
			l.waiting(d)
		}
		return l.clock.Sleep(ctx, d)
	}
	return nil
}

// redactor removes secrets from everything the kit writes. A secret of minSecretLength or more is
// replaced wherever it appears; a shorter one only where it stands alone, between characters that
// cannot be part of a token, so that a one-letter token does not eat every word holding that letter.
type redactor struct {
	long, short []string
	names       []string // request headers whose values are credentials, canonical
	longest     int      // bytes of the longest secret form: what a cut text needs past the cut
}

func newRedactor(credentialHeaders []string, secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if s == "" {
			continue
		}
		forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
		if len(s) >= minSecretLength {
			r.long = append(r.long, forms...)
		} else {
			r.short = append(r.short, forms...)
		}
	}
	for _, l := range []*[]string{&r.long, &r.short} {
		slices.SortFunc(*l, func(a, b string) int { return len(b) - len(a) })
		*l = slices.Compact(*l)
		if len(*l) > 0 {
			r.longest = max(r.longest, len((*l)[0]))
		}
	}
	for _, n := range credentialHeaders {
		r.names = append(r.names, http.CanonicalHeaderKey(n))
	}
	return r
}

func (r redactor) str(s string) string {
	for _, secret := range r.long {
		s = strings.ReplaceAll(s, secret, redactedValue)
	}
	for _, secret := range r.short {
		s = replaceAlone(s, secret)
	}
	return s
}

// replaceAlone replaces the occurrences of secret that no token character touches on either side.
func replaceAlone(s, secret string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, secret)
		if i < 0 {
			break
		}
		end := i + len(secret)
		alone := (i == 0 || !isSecretByte(rest[i-1])) && (end == len(rest) || !isSecretByte(rest[end]))
		if alone {
			b.WriteString(rest[:i])
			b.WriteString(redactedValue)
		} else {
			b.WriteString(rest[:i+1])
			end = i + 1
		}
		rest = rest[end:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// isSecretByte reports whether b can be part of a bearer token or key (RFC 6750 b64token, but for the
// trailing =, which also separates a name from its value), or of a non-ASCII character.
func isSecretByte(b byte) bool {
	return b >= 0x80 || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-._~+/", b) >= 0
}

// header copies h with Authorization reduced to its scheme, the admin key hidden, and, in a request,
// the values of the credential headers of Config.Header hidden.
func (r redactor) header(h http.Header, request bool) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		vs = slices.Clone(vs)
		ck := http.CanonicalHeaderKey(k)
		for i, v := range vs {
			switch {
			case ck == "Authorization":
				scheme, rest, _ := strings.Cut(v, " ")
				if rest == "" && !strings.Contains(v, " ") {
					vs[i] = redactedValue
				} else if rest != "" {
					vs[i] = scheme + " " + redactedValue
				}
			case ck == http.CanonicalHeaderKey(headerAdminKey), request && slices.Contains(r.names, ck):
				vs[i] = redactedValue
			default:
				vs[i] = r.str(v)
			}
		}
		out[k] = vs
	}
	return out
}

func excerpt(s string) (string, bool) {
	if len(s) <= excerptSize {
		return s, false
	}
	cut := excerptSize
	for cut > 0 && cut > excerptSize-4 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// curlLine writes an equivalent curl command from a redacted exchange.
func curlLine(ex *Exchange, hasBody bool) string {
	var b strings.Builder
	b.WriteString("curl -sS -i --globoff --path-as-is")
	if ex.Method != http.MethodGet {
		b.WriteString(" -X " + ex.Method)
	}
	keys := make([]string, 0, len(ex.RequestHeader))
	for k := range ex.RequestHeader {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range ex.RequestHeader[k] {
			b.WriteString(" -H " + shellQuote(k+": "+v))
		}
	}
	if hasBody {
		if ex.Truncated {
			b.WriteString(" --data-binary @body.json")
		} else {
			b.WriteString(" --data-binary " + shellQuote(ex.RequestBody))
		}
	}
	b.WriteString(" " + shellQuote(ex.URL))
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// newUUID returns a random (version 4) UUID from crypto/rand.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
