package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Profile selects which checks run and how gently the kit treats the server.
type Profile string

const (
	// ProfileGraph is read-only and safe for a live tenant: GET only, invariants only, rate-capped.
	ProfileGraph Profile = "graph"
	// ProfileMock runs every check, including ledger cross-checks and control-API scenarios.
	ProfileMock Profile = "mock"
)

// DefaultGraphRPM is the request rate the graph profile keeps under unless told otherwise: below the
// documented 50 requests a minute per collection of the PSTN report family (docs/contract.md#throttling).
const DefaultGraphRPM = 40

// MaxRange is the longest range the function accepts (docs/contract.md#parameters).
const MaxRange = 90 * 24 * time.Hour

// mockPlaceholderToken is sent in the mock profile when no token is configured: the mock's default
// (lenient) auth wants a bearer token to be present and accepts any opaque one (docs/contract.md#auth-modes).
const mockPlaceholderToken = "dialoutconform-opaque-placeholder-token"

// ErrConfig is wrapped by every error [Run] returns for an invalid [Config].
var ErrConfig = errors.New("invalid conformance config")

// ErrNoChecks is wrapped (with [ErrConfig]) by the error of a selection that leaves no check to run:
// a typo in Run must not turn a run green.
var ErrNoChecks = errors.New("no check selected")

// ErrNotRestored is wrapped by the error [Run] returns, with its report, when the kit could not put
// back the server's state it changed (the dataset, the queued faults).
var ErrNotRestored = errors.New("the server's state was not put back")

// Clock is the kit's source of time. Tests inject a fake one so that rate limits and Retry-After waits
// take no wall-clock time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d, or until ctx is done, in which case it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// Config says what to check and how. The zero value of each optional field has a documented default.
type Config struct {
	// BaseURL is the service root: https://graph.microsoft.com or http://127.0.0.1:8080. A trailing
	// slash or /beta is accepted; the kit appends /beta/communications/callRecords/... itself.
	BaseURL string
	// Token is the bearer token sent on every request but those that omit or forge it on purpose. It
	// never appears in any output, whatever its length: headers show "Bearer <redacted>", and every
	// text the kit writes has the token replaced (a token shorter than 8 characters only where it
	// stands alone, not inside a longer word). Empty is an error in the graph profile; in the mock
	// profile a fixed opaque placeholder is sent (the mock's lenient auth accepts it).
	Token string
	// AdminKey, when set, is sent as X-Admin-Key on /_mock/ requests, and redacted like Token.
	AdminKey string
	// Profile is ProfileGraph (the default) or ProfileMock.
	Profile Profile
	// From and To bound the range most checks read, inclusive. Both zero: the 30 days up to Clock.Now.
	// They are truncated to 100 ns, the finest OData DateTimeOffset the API takes; To-From may not
	// exceed 90 days.
	From, To time.Time
	// HTTPClient sends every request. Nil: a new client with a 2-minute timeout.
	HTTPClient *http.Client
	// MaxRPM caps requests a minute (a token bucket that spaces requests 60s/MaxRPM apart). Zero: 40 in
	// the graph profile, no cap in the mock profile. Negative: no cap.
	MaxRPM int
	// Header is sent on every request, for gateways with an authentication of their own (an API key,
	// a subscription key). The kit's own headers (Authorization, Accept, Content-Type,
	// client-request-id, X-Admin-Key, ...) may not be set here. A value whose name looks like a
	// credential (it contains auth, key, token, secret, password, cookie or session) is redacted from
	// every output like the token.
	Header http.Header
	// Run selects checks by ID or regular expression (case-insensitive); empty selects all. A
	// selection that leaves no check to run is an error wrapping [ErrNoChecks].
	Run []string
	// Skip removes checks by ID or regular expression, after Run.
	Skip []string
	// NoMutate runs only the checks that change nothing on the server: the checks that load datasets
	// or reset the mock are skipped, and the kit sets nothing aside (see [Check.ChangesState]).
	NoMutate bool
	// Progress, when set, is called as each check starts and finishes, from the goroutine calling Run.
	Progress func(Event)
	// Notice, when set, is given lines the user should see while the run goes on, from the goroutine
	// calling Run: before the first check, what the run will change on the server and how it puts
	// it back; while the rate cap holds requests back, how long and about how much of the run is left
	// (at most one line every 5 s by Clock); at the end, what was put back. They are also in
	// [Report.Notes].
	Notice func(string)
	// Clock is the source of time; nil is the system clock.
	Clock Clock
}

// Event tells a [Config.Progress] callback where a run is.
type Event struct {
	// Index is the 1-based position of Check among the Total selected checks.
	Index, Total int
	// Check is the check starting or finished.
	Check Check
	// Result is nil when the check starts, and its result when it has finished.
	Result *Result
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// normalized is a validated Config with its defaults applied.
type normalized struct {
	Config
	root   *url.URL // service root, no trailing slash
	maxRPM int      // <= 0: no cap
}

func (cfg Config) normalize() (*normalized, error) {
	n := &normalized{Config: cfg}
	if n.Clock == nil {
		n.Clock = systemClock{}
	}
	switch n.Profile {
	case "":
		n.Profile = ProfileGraph
	case ProfileGraph, ProfileMock:
	default:
		return nil, fmt.Errorf("%w: profile %q: want %q or %q", ErrConfig, cfg.Profile, ProfileGraph, ProfileMock)
	}
	root, err := parseRoot(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: base URL: %v", ErrConfig, err)
	}
	n.root = root
	if n.Token == "" {
		if n.Profile == ProfileGraph {
			return nil, fmt.Errorf("%w: the graph profile needs a token", ErrConfig)
		}
		n.Token = mockPlaceholderToken
	}
	switch {
	case cfg.From.IsZero() && cfg.To.IsZero():
		n.To = n.Clock.Now().UTC().Truncate(time.Second)
		n.From = n.To.Add(-30 * 24 * time.Hour)
	case cfg.From.IsZero() || cfg.To.IsZero():
		return nil, fmt.Errorf("%w: set both From and To, or neither", ErrConfig)
	}
	n.From = n.From.UTC().Truncate(100 * time.Nanosecond)
	n.To = n.To.UTC().Truncate(100 * time.Nanosecond)
	if n.From.After(n.To) {
		return nil, fmt.Errorf("%w: From %s is after To %s", ErrConfig, odataTime(n.From), odataTime(n.To))
	}
	if n.To.Sub(n.From) > MaxRange {
		return nil, fmt.Errorf("%w: From..To spans %s, more than the 90 days the API accepts", ErrConfig, n.To.Sub(n.From))
	}
	if n.HTTPClient == nil {
		n.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	n.maxRPM = cfg.MaxRPM
	if n.maxRPM == 0 && n.Profile == ProfileGraph {
		n.maxRPM = DefaultGraphRPM
	}
	n.Header = make(http.Header, len(cfg.Header))
	for k, vs := range cfg.Header {
		if err := checkHeader(k, vs); err != nil {
			return nil, fmt.Errorf("%w: header %q: %v", ErrConfig, k, err)
		}
		n.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	return n, nil
}

// kitHeaders are the headers the kit sets itself, request by request.
var kitHeaders = []string{"Authorization", "Accept", "Content-Type", "Content-Length", "Host", "Connection",
	"Transfer-Encoding", headerCRID, "Retry-Attempt", headerAdminKey}

// checkHeader accepts a header name (an HTTP token) and values for Config.Header.
func checkHeader(name string, values []string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		return errors.New("not a header name")
	}
	for _, k := range kitHeaders {
		if strings.EqualFold(name, k) {
			return errors.New("the kit sets this header itself (the token goes in Token, the admin key in AdminKey)")
		}
	}
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n\x00") {
			return errors.New("a value holds a line break")
		}
	}
	return nil
}

// isTokenChar reports whether r may be part of an HTTP token (RFC 9110 §5.6.2).
func isTokenChar(r rune) bool {
	return r < 0x7f && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// isCredentialHeader reports whether a header's name says it carries a credential, so that its value
// is redacted from every output.
func isCredentialHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "key", "token", "secret", "password", "cookie", "session"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// parseRoot turns a base URL into the service root: scheme and host, an optional path prefix, without
// a trailing slash or /beta.
func parseRoot(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: want an http or https URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q: no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q: want a service root without query, fragment or user info", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	if strings.HasSuffix(strings.ToLower(p), "/beta") {
		p = strings.TrimRight(p[:len(p)-len("/beta")], "/")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: p}, nil
}
