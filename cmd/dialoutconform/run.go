package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dialoutkit/dialoutkit/conformance"
)

// Exit codes.
const (
	exitFailed = 1 // a MUST check failed
	exitUsage  = 2 // bad usage, or the kit could not run a check
)

// exitError carries the process exit code of an error run returns.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error of run to the process exit code: its own for an exitError, 2 otherwise.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitUsage
}

const envPrefix = "DIALOUTCONFORM_"

// options are the validated flags and environment.
type options struct {
	baseURL, token, adminKey string
	profile                  conformance.Profile
	from, to                 time.Time
	maxRPM                   int
	list, json               bool
	run, skip                []string
	junit, html              string
	timeout                  time.Duration
}

// listFlag is a repeatable, comma-separated flag whose environment value is replaced, not extended,
// by the first use on the command line.
type listFlag struct {
	vals    []string
	setByCL bool
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(v string) error {
	if !l.setByCL {
		l.vals, l.setByCL = nil, true
	}
	l.add(v)
	return nil
}

func (l *listFlag) add(v string) {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			l.vals = append(l.vals, p)
		}
	}
}

// parseOptions reads flags over environment over defaults.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	var envErr error
	env := func(name, def string) string {
		if v := getenv(envPrefix + name); v != "" {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		v := env(name, "")
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil && envErr == nil {
			envErr = usageError("%s%s=%q: not an integer", envPrefix, name, v)
		}
		return n
	}
	envBool := func(name string) bool {
		v := env(name, "")
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil && envErr == nil {
			envErr = usageError("%s%s=%q: not a boolean", envPrefix, name, v)
		}
		return b
	}
	envDuration := func(name string, def time.Duration) time.Duration {
		v := env(name, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil && envErr == nil {
			envErr = usageError("%s%s=%q: not a duration", envPrefix, name, v)
		}
		return d
	}

	name := "dialoutconform"
	if len(args) > 0 {
		name = args[0]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		o                                  options
		token, tokenEnv, adminEnv, profile string
		from, to                           string
		run, skip                          listFlag
	)
	fs.StringVar(&o.baseURL, "base-url", env("BASE_URL", ""), "service root, e.g. https://graph.microsoft.com or http://127.0.0.1:8080 (a trailing /beta is accepted)")
	fs.StringVar(&token, "token", "", "bearer token (visible in the process list: prefer --token-env)")
	fs.StringVar(&tokenEnv, "token-env", env("TOKEN_ENV", envPrefix+"TOKEN"), "name of the environment variable holding the bearer token")
	fs.StringVar(&adminEnv, "admin-key-env", env("ADMIN_KEY_ENV", envPrefix+"ADMIN_KEY"), "name of the environment variable holding the mock's admin key (sent as X-Admin-Key on /_mock/)")
	fs.StringVar(&profile, "profile", env("PROFILE", ""), "graph (read-only, rate-capped) or mock (everything); default: mock for a loopback base URL, graph otherwise")
	fs.StringVar(&from, "from", env("FROM", ""), "start of the range, YYYY-MM-DD (midnight UTC) or RFC 3339; default: 30 days before --to")
	fs.StringVar(&to, "to", env("TO", ""), "end of the range, YYYY-MM-DD (midnight UTC) or RFC 3339; default: now")
	fs.IntVar(&o.maxRPM, "max-rpm", envInt("MAX_RPM", 0), "requests a minute at most; 0: the profile's default (graph 40, mock no cap), negative: no cap")
	fs.BoolVar(&o.list, "list", envBool("LIST"), "print the catalogue of checks (as selected by --run/--skip) and exit")
	fs.BoolVar(&o.json, "json", envBool("JSON"), "write the report (or the --list catalogue) as JSON on stdout")
	fs.StringVar(&o.junit, "junit", env("JUNIT", ""), "also write a JUnit XML report to `FILE`")
	fs.StringVar(&o.html, "html", env("HTML", ""), "also write a self-contained HTML report to `FILE`")
	fs.DurationVar(&o.timeout, "timeout", envDuration("TIMEOUT", 15*time.Minute), "give up after this long")
	run.add(env("RUN", ""))
	skip.add(env("SKIP", ""))
	fs.Var(&run, "run", "run only checks whose ID matches (ID or regular expression; repeatable or comma-separated)")
	fs.Var(&skip, "skip", "skip checks whose ID matches (ID or regular expression; repeatable or comma-separated)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s --base-url URL [flags]\n\n"+
			"Checks a server against the contract of callRecords.getPstnOnlineMeetingDialoutReport.\n"+
			"Every flag also reads %s<NAME> (e.g. %sBASE_URL); a flag wins over its variable.\n"+
			"Exit status: 0 every MUST check passed, 1 a MUST check failed, 2 usage error or the kit could not run.\n\nFlags:\n",
			fs.Name(), envPrefix, envPrefix)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[min(1, len(args)):]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &exitError{code: exitUsage, err: err}
	}
	if envErr != nil {
		return nil, envErr
	}
	if fs.NArg() > 0 {
		return nil, usageError("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	o.run, o.skip = run.vals, skip.vals
	if o.list {
		return &o, nil
	}
	if o.baseURL == "" {
		return nil, usageError("--base-url (or %sBASE_URL) is required", envPrefix)
	}
	u, err := url.Parse(o.baseURL)
	if err != nil || u.Host == "" {
		return nil, usageError("--base-url %q: not an absolute URL", o.baseURL)
	}
	switch profile {
	case "":
		o.profile = conformance.ProfileGraph
		if isLoopback(u.Hostname()) {
			o.profile = conformance.ProfileMock
		}
	case string(conformance.ProfileGraph), string(conformance.ProfileMock):
		o.profile = conformance.Profile(profile)
	default:
		return nil, usageError("--profile %q: want graph or mock", profile)
	}
	o.token = token
	if o.token == "" && tokenEnv != "" {
		o.token = getenv(tokenEnv)
	}
	if adminEnv != "" {
		o.adminKey = getenv(adminEnv)
	}
	if o.profile == conformance.ProfileGraph && o.token == "" {
		return nil, usageError("the graph profile needs a token: set %s (or name another variable with --token-env)", tokenEnv)
	}
	if o.timeout <= 0 {
		return nil, usageError("--timeout %s: want a positive duration", o.timeout)
	}
	if from != "" {
		if o.from, err = parseTime(from); err != nil {
			return nil, usageError("--from: %v", err)
		}
	}
	if to != "" {
		if o.to, err = parseTime(to); err != nil {
			return nil, usageError("--to: %v", err)
		}
	}
	return &o, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseTime reads YYYY-MM-DD (midnight UTC, as the API reads a date) or RFC 3339.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD or RFC 3339", s)
	}
	return t.UTC(), nil
}

// run is the whole command, with its dependencies passed in.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.list {
		checks, err := conformance.Select(o.run, o.skip)
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		if o.json {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(checks)
		}
		return conformance.WriteList(stdout, checks)
	}

	now := time.Now().UTC().Truncate(time.Second)
	switch {
	case o.to.IsZero() && o.from.IsZero():
		o.to, o.from = now, now.Add(-30*24*time.Hour)
	case o.to.IsZero():
		o.to = now
	case o.from.IsZero():
		o.from = o.to.Add(-30 * 24 * time.Hour)
	}

	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	prog := newProgress(stderr)
	rep, runErr := conformance.Run(ctx, conformance.Config{
		BaseURL:    o.baseURL,
		Token:      o.token,
		AdminKey:   o.adminKey,
		Profile:    o.profile,
		From:       o.from,
		To:         o.to,
		HTTPClient: &http.Client{Timeout: 2 * time.Minute},
		MaxRPM:     o.maxRPM,
		Run:        o.run,
		Skip:       o.skip,
		Progress:   prog.event,
	})
	prog.done()
	if rep == nil {
		return &exitError{code: exitUsage, err: runErr}
	}
	if err := writeReports(o, rep, stdout); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	fmt.Fprintln(stderr, rep.SummaryLine())
	switch {
	case runErr != nil:
		return &exitError{code: exitUsage, err: runErr}
	case mustFails(rep) > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%d MUST checks failed", mustFails(rep))}
	case rep.Summary.Errors > 0:
		return &exitError{code: exitUsage, err: fmt.Errorf("the kit could not run %d checks", rep.Summary.Errors)}
	}
	return nil
}

func mustFails(rep *conformance.Report) int {
	n := 0
	for _, r := range rep.Results {
		if r.Level == conformance.Must && r.Status == conformance.Fail {
			n++
		}
	}
	return n
}

func writeReports(o *options, rep *conformance.Report, stdout io.Writer) error {
	if o.json {
		if err := rep.WriteJSON(stdout); err != nil {
			return err
		}
	} else if err := rep.WriteText(stdout); err != nil {
		return err
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{o.junit, rep.WriteJUnit}, {o.html, rep.WriteHTML}} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, out.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// progress shows the run on stderr: one line per finished check, or, on a terminal, a line redrawn in
// place with only the checks that did not pass kept on screen.
type progress struct {
	w        io.Writer
	terminal bool
	drawn    bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) event(e conformance.Event) {
	width := len(strconv.Itoa(e.Total))
	if !p.terminal {
		if e.Result != nil {
			fmt.Fprintf(p.w, "[%*d/%d] %-5s %-6s %s %s\n", width, e.Index, e.Total, e.Result.Status, e.Check.Level, e.Check.ID, e.Check.Title)
		}
		return
	}
	p.clear()
	if e.Result == nil {
		fmt.Fprintf(p.w, "[%*d/%d] running %s %s", width, e.Index, e.Total, e.Check.ID, e.Check.Title)
		p.drawn = true
		return
	}
	if e.Result.Status != conformance.Pass {
		fmt.Fprintf(p.w, "%-5s %-6s %s %s\n", e.Result.Status, e.Check.Level, e.Check.ID, e.Check.Title)
	}
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

func (p *progress) done() { p.clear() }
