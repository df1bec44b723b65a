package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/internal/cli"
	"github.com/dialoutkit/dialoutkit/report"
	"github.com/dialoutkit/dialoutkit/server"
)

// config is everything the process needs, validated once.
type config struct {
	addr      string
	publicURL *url.URL
	spec      generator.Spec
	scenario  string
	pageSize  int
	auth      server.AuthMode
	logFormat string

	journalSize int
	throttle    []server.Limit
	chaos       server.Chaos
	adminKey    string // from DIALOUTMOCK_ADMIN_KEY only: secrets stay off command lines
	maxBody     int64

	rangeLimitStatus int          // --range-limit-status (live.go)
	arrivalDelay     report.Delay // --arrival-delay (live.go)
	h2c              bool         // --h2c (live.go)

	pprof             bool
	maxConns          int
	readHeaderTimeout time.Duration
	shutdownTimeout   time.Duration

	identity identityConfig // --app, --apps-file, --token-key, --tls… (identity.go)
}

// envPrefix names the environment variable of each flag (cli.EnvName):
// --window-end is DIALOUTMOCK_WINDOW_END.
const envPrefix = "DIALOUTMOCK_"

// parseConfig reads flags over environment variables over defaults. today is
// the UTC date the default window ends on.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer, today time.Time) (config, error) {
	spec := generator.DefaultSpec(today)
	var (
		c         config
		publicURL string
		windowEnd string
		authMode  string
		throttle  string
		latency   string
		faultRate float64
		maxBody   string
		live      liveFlags
	)
	fs := flag.NewFlagSet("dialoutmock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen `address` (:0 picks a free port; the chosen URL is printed)")
	fs.StringVar(&publicURL, "public-url", "", "base `URL` of @odata.context and @odata.nextLink (default: each request's scheme and Host)")
	addSpecFlags(fs, &spec, &windowEnd)
	fs.StringVar(&c.scenario, "scenario", "", "dataset `file` that replaces the generator: a scenario .json, JSON Lines (.jsonl), or the Teams admin center PSTN usage export (.csv, .zip); no size bound")
	fs.StringVar(&maxBody, "max-body", "256MiB", "largest PUT /_mock/dataset `size` (bytes, or with KiB, MiB, GiB); a larger declared body is refused before reading (413)")
	fs.IntVar(&c.pageSize, "page-size", server.MaxPageSize, "entries per page, 1 to 1000")
	fs.StringVar(&authMode, "auth", string(server.AuthLenient), "auth `mode`: none, lenient or strict")
	fs.StringVar(&c.logFormat, "log", "text", "request log `format` on stderr: text, json, or off")
	fs.BoolVar(&c.pprof, "pprof", false, "serve net/http/pprof under /_mock/debug/pprof/ (behind the admin key, if set)")
	fs.IntVar(&c.maxConns, "max-conns", 1024, "connections served at once; more wait to be accepted")
	fs.DurationVar(&c.readHeaderTimeout, "read-header-timeout", 5*time.Second, "time a client has to send its request headers (cuts off slowloris clients)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, how long requests in flight may take to finish")
	fs.IntVar(&c.journalSize, "journal-size", server.DefaultJournalSize, "requests kept by the journal (GET /_mock/requests)")
	fs.StringVar(&throttle, "throttle", "off", "throttling: off, graph (the documented limits: 1000/min per tenant, 200/min per app, 50/min per report), or N/DURATION per app such as 10/1s")
	fs.Float64Var(&faultRate, "fault-rate", 0, "share of Graph requests answered with a random 429, 500, 503 or 504 (0 to 1), seeded by --seed")
	fs.StringVar(&latency, "latency", "0", "added to every Graph request: a `duration` (50ms) or a range drawn uniformly, seeded by --seed (20ms-200ms)")
	identityFlags := addIdentityFlags(fs)
	live.add(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: dialoutmock [flags]\n\nServes the Graph beta function getPstnOnlineMeetingDialoutReport from a generated tenant or a scenario.\nEvery flag can also be set with the environment variable %s<NAME> (upper-case, - as _); a flag wins over the environment.\n\nFlags:\n", envPrefix)
		fs.PrintDefaults()
	}

	if err := cli.Parse(fs, envPrefix, args, getenv); err != nil {
		return c, err
	}
	if err := finishSpec(&spec, windowEnd); err != nil {
		return c, err
	}
	c.spec = spec
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil {
			return c, cli.Usagef("--public-url %q: want http(s)://host[:port][/path]", publicURL)
		}
		c.publicURL = u
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return c, cli.Usagef("--addr %q: want host:port: %v", c.addr, err)
	}
	c.auth = server.AuthMode(authMode)
	if c.logFormat != "text" && c.logFormat != "json" && c.logFormat != "off" {
		return c, cli.Usagef("--log %q: want text, json or off", c.logFormat)
	}
	if c.maxConns < 1 {
		return c, cli.Usagef("--max-conns %d: want 1 or more", c.maxConns)
	}
	if c.readHeaderTimeout <= 0 || c.shutdownTimeout < 0 {
		return c, cli.Usagef("--read-header-timeout %s, --shutdown-timeout %s: want positive durations", c.readHeaderTimeout, c.shutdownTimeout)
	}
	var err error
	if c.maxBody, err = parseSize(maxBody); err != nil {
		return c, cli.Usagef("--max-body %q: %v", maxBody, err)
	}
	if c.throttle, err = server.ParseThrottle(throttle); err != nil {
		return c, cli.Usagef("--throttle %v", err)
	}
	lo, hi, err := parseLatency(latency)
	if err != nil {
		return c, cli.Usagef("--latency %q: %v", latency, err)
	}
	c.chaos = server.Chaos{Seed: uint64(spec.Seed), FaultRate: faultRate, LatencyMin: lo, LatencyMax: hi}
	c.adminKey = getenv("DIALOUTMOCK_ADMIN_KEY")
	identity, err := identityFlags.config(getenv)
	if err != nil {
		return c, &cli.UsageError{Err: err}
	}
	c.identity = identity
	if err := live.config(&c); err != nil {
		return c, &cli.UsageError{Err: err}
	}
	// The server owns its settings' limits; it names the field, we the flag.
	if err := c.serverConfig().Validate(); err != nil {
		return c, &cli.UsageError{Err: flagError(err)}
	}
	return c, nil
}

// serverConfig is the server's part of the configuration; run adds the
// logger, the debug handler and the dataset builder.
func (c config) serverConfig() server.Config {
	return server.Config{
		PageSize:     c.pageSize,
		Auth:         c.auth,
		PublicURL:    c.publicURL,
		JournalSize:  c.journalSize,
		Throttle:     c.throttle,
		Chaos:        c.chaos,
		AdminKey:     c.adminKey,
		MaxBodyBytes: c.maxBody,
		Identity:     c.identity.server,

		RangeLimitStatus: c.rangeLimitStatus,
		ArrivalDelay:     c.arrivalDelay,
	}
}

// specFlags and serverFlags name the flag of each field that
// generator.Spec.Validate and server.Config.Validate may name.
var (
	specFlags = map[string]string{"Seed": "--seed", "Users": "--users", "WindowDays": "--window-days",
		"WindowEnd": "--window-end", "Domain": "--domain", "Intensity": "--intensity",
		"InternationalShare": "--international-share"}
	serverFlags = map[string]string{"PageSize": "--page-size", "Auth": "--auth", "JournalSize": "--journal-size",
		"Chaos.FaultRate": "--fault-rate", "Chaos.Latency": "--latency", "Throttle": "--throttle",
		"PublicURL": "--public-url", "MaxBodyBytes": "--max-body", "RangeLimitStatus": "--range-limit-status",
		"ArrivalDelay": "--arrival-delay"}
)

// flagError names the flag of the generator.Spec or server.Config field an
// error is about, so an invalid setting is reported in the user's words.
func flagError(err error) error {
	var (
		se                  *generator.FieldError
		ce                  *server.FieldError
		field, name, reason string
	)
	switch {
	case errors.As(err, &se):
		field, name, reason = se.Field, specFlags[se.Field], se.Reason
	case errors.As(err, &ce):
		field, name, reason = ce.Field, serverFlags[ce.Field], ce.Reason
	default:
		return err
	}
	return fmt.Errorf("%s: %s", cmp.Or(name, field), reason)
}

// parseLatency reads "50ms" or "20ms-200ms"; server.Config.Validate checks
// the bounds.
func parseLatency(s string) (lo, hi time.Duration, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = time.ParseDuration(a); err != nil {
		return 0, 0, fmt.Errorf("want a duration such as 50ms, or a range such as 20ms-200ms")
	}
	hi = lo
	if isRange {
		if hi, err = time.ParseDuration(b); err != nil {
			return 0, 0, fmt.Errorf("want a duration such as 50ms, or a range such as 20ms-200ms")
		}
	}
	return lo, hi, nil // the server checks the bounds
}

// addSpecFlags registers the generator's flags, shared by serving and by
// the generate command.
func addSpecFlags(fs *flag.FlagSet, spec *generator.Spec, windowEnd *string) {
	fs.Int64Var(&spec.Seed, "seed", spec.Seed, "generator seed (non-zero)")
	fs.IntVar(&spec.Users, "users", spec.Users, "users in the generated tenant")
	fs.IntVar(&spec.WindowDays, "window-days", spec.WindowDays, "days of generated data")
	fs.StringVar(windowEnd, "window-end", "", "last `day` of generated data, YYYY-MM-DD (default today, UTC); fixing it makes runs repeatable")
	fs.StringVar(&spec.Domain, "domain", spec.Domain, "tenant domain of user principal names")
	fs.Float64Var(&spec.Intensity, "intensity", spec.Intensity, "mean dial-out calls per user per 30 days")
	fs.Float64Var(&spec.InternationalShare, "international-share", spec.InternationalShare, "share of international calls, 0 to 1")
}

// finishSpec applies --window-end and validates the spec, naming the flag
// of a bad field.
func finishSpec(spec *generator.Spec, windowEnd string) error {
	if windowEnd != "" {
		t, err := time.Parse(time.DateOnly, windowEnd)
		if err != nil {
			return cli.Usagef("--window-end %q: want YYYY-MM-DD", windowEnd)
		}
		spec.WindowEnd = t
	}
	if err := spec.Validate(); err != nil {
		return &cli.UsageError{Err: flagError(err)}
	}
	return nil
}

// parseSize reads a size in bytes: a number, or a number with a unit (KiB,
// MiB, GiB, or KB, MB, GB); server.Config.Validate checks the bounds.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(v), u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, errors.New("want a size in bytes, or with a unit such as 64MiB or 1GiB")
	}
	return n * mult, nil
}
