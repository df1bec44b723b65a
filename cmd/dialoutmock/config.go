package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
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

	rangeLimitStatus int          // --range-limit-status (live.go)
	arrivalDelay     report.Delay // --arrival-delay (live.go)
	h2c              bool         // --h2c (live.go)

	pprof             bool
	maxConns          int
	readHeaderTimeout time.Duration
	shutdownTimeout   time.Duration

	identity identityConfig // --app, --apps-file, --token-key, --tls… (identity.go)
}

// usageError is a bad flag or environment variable: exit status 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// envPrefix names the environment variable of each flag: --window-end is
// DIALOUTMOCK_WINDOW_END.
const envPrefix = "DIALOUTMOCK_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

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
		live      liveFlags
	)
	fs := flag.NewFlagSet("dialoutmock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen `address` (:0 picks a free port; the chosen URL is printed)")
	fs.StringVar(&publicURL, "public-url", "", "base `URL` of @odata.context and @odata.nextLink (default: each request's scheme and Host)")
	addSpecFlags(fs, &spec, &windowEnd)
	fs.StringVar(&c.scenario, "scenario", "", "scenario `file` that replaces the generator")
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

	if err := parseFlags(fs, args, getenv); err != nil {
		return c, err
	}
	if err := finishSpec(&spec, windowEnd); err != nil {
		return c, err
	}
	c.spec = spec
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, usageError{fmt.Errorf("--public-url %q: want http(s)://host[:port][/path]", publicURL)}
		}
		c.publicURL = u
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return c, usageError{fmt.Errorf("--addr %q: want host:port: %v", c.addr, err)}
	}
	if c.pageSize < 1 || c.pageSize > server.MaxPageSize {
		return c, usageError{fmt.Errorf("--page-size %d: want 1 to %d", c.pageSize, server.MaxPageSize)}
	}
	switch m := server.AuthMode(authMode); m {
	case server.AuthNone, server.AuthLenient, server.AuthStrict:
		c.auth = m
	default:
		return c, usageError{fmt.Errorf("--auth %q: want none, lenient or strict", authMode)}
	}
	if c.logFormat != "text" && c.logFormat != "json" && c.logFormat != "off" {
		return c, usageError{fmt.Errorf("--log %q: want text, json or off", c.logFormat)}
	}
	if c.maxConns < 1 {
		return c, usageError{fmt.Errorf("--max-conns %d: want 1 or more", c.maxConns)}
	}
	if c.readHeaderTimeout <= 0 || c.shutdownTimeout < 0 {
		return c, usageError{fmt.Errorf("--read-header-timeout %s, --shutdown-timeout %s: want positive durations", c.readHeaderTimeout, c.shutdownTimeout)}
	}
	if c.journalSize < 1 || c.journalSize > 1_000_000 {
		return c, usageError{fmt.Errorf("--journal-size %d: want 1 to 1000000", c.journalSize)}
	}
	var err error
	if c.throttle, err = server.ParseThrottle(throttle); err != nil {
		return c, usageError{fmt.Errorf("--throttle %v", err)}
	}
	if faultRate < 0 || faultRate > 1 || faultRate != faultRate {
		return c, usageError{fmt.Errorf("--fault-rate %v: want 0 to 1", faultRate)}
	}
	lo, hi, err := parseLatency(latency)
	if err != nil {
		return c, usageError{fmt.Errorf("--latency %q: %v", latency, err)}
	}
	c.chaos = server.Chaos{Seed: uint64(spec.Seed), FaultRate: faultRate, LatencyMin: lo, LatencyMax: hi}
	c.adminKey = getenv("DIALOUTMOCK_ADMIN_KEY")
	identity, err := identityFlags.config(getenv)
	if err != nil {
		return c, usageError{err}
	}
	c.identity = identity
	if err := live.config(&c); err != nil {
		return c, usageError{err}
	}
	return c, nil
}

// specFlagError names the flag of the generator.Spec field an error is
// about, so an invalid spec is reported in the user's words.
func specFlagError(err error) error {
	var fe *generator.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	flag := map[string]string{"Seed": "--seed", "Users": "--users", "WindowDays": "--window-days",
		"WindowEnd": "--window-end", "Domain": "--domain", "Intensity": "--intensity",
		"InternationalShare": "--international-share"}[fe.Field]
	return fmt.Errorf("%s: %s", cmp.Or(flag, fe.Field), fe.Reason)
}

// parseLatency reads "50ms" or "20ms-200ms".
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
	if lo < 0 || hi < lo || hi > 5*time.Minute {
		return 0, 0, fmt.Errorf("want 0 ≤ min ≤ max ≤ 5m")
	}
	return lo, hi, nil
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
			return usageError{fmt.Errorf("--window-end %q: want YYYY-MM-DD", windowEnd)}
		}
		spec.WindowEnd = t
	}
	if err := spec.Validate(); err != nil {
		return usageError{specFlagError(err)}
	}
	return nil
}

// parseFlags sets flags from their environment variables, then from args,
// so a flag wins over the environment, which wins over the default.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return usageError{envErr}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
