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
	"github.com/dialoutkit/dialoutkit/internal/cli"
)

// exitFailed is the exit status when a MUST check failed. Usage errors, runs cut short and checks the
// kit could not run exit with cli.ExitUsage.
const exitFailed = 1

// errMustFailed marks the error run returns when the report has MUST checks not met.
var errMustFailed = errors.New("MUST checks not met")

// exitCode maps an error of run to the process exit status.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errMustFailed):
		return exitFailed
	}
	return cli.ExitUsage
}

const envPrefix = "DIALOUTCONFORM_"

// options are the validated flags and environment.
type options struct {
	baseURL, token, adminKey string
	profile                  conformance.Profile
	from, to                 time.Time
	maxRPM                   int
	list, json, noMutate     bool
	run, skip                []string
	header                   http.Header
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

// headerFlag is the repeatable --header NAME:VALUE. Its variable holds one header a line; like a
// listFlag, the first use on the command line replaces the variable's headers.
type headerFlag struct {
	h       http.Header
	setByCL bool
}

func (f *headerFlag) String() string {
	var parts []string
	for k, vs := range f.h {
		for range vs {
			parts = append(parts, k+":...")
		}
	}
	return strings.Join(parts, " ")
}

func (f *headerFlag) Set(v string) error {
	if !f.setByCL {
		f.h, f.setByCL = nil, true
	}
	return f.add(v)
}

func (f *headerFlag) add(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if name = strings.TrimSpace(name); !ok || name == "" {
		return fmt.Errorf("%q: want NAME:VALUE", v)
	}
	if f.h == nil {
		f.h = http.Header{}
	}
	f.h.Add(name, strings.TrimSpace(value))
	return nil
}

// addLines adds one header a line, the form of the DIALOUTCONFORM_HEADER variable.
func (f *headerFlag) addLines(v string) error {
	for _, line := range strings.Split(v, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if err := f.add(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseOptions reads flags over environment over defaults, through cli.Parse.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
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
		header                             headerFlag
	)
	fs.StringVar(&o.baseURL, "base-url", "", "service root, e.g. https://graph.microsoft.com or http://127.0.0.1:8080 (a trailing /beta is accepted)")
	fs.StringVar(&token, "token", "", "bearer token (visible in the process list: prefer --token-env)")
	fs.StringVar(&tokenEnv, "token-env", envPrefix+"TOKEN", "name of the environment variable holding the bearer token")
	fs.StringVar(&adminEnv, "admin-key-env", envPrefix+"ADMIN_KEY", "name of the environment variable holding the mock's admin key (sent as X-Admin-Key on /_mock/)")
	fs.StringVar(&profile, "profile", "", "graph (read-only, rate-capped) or mock (everything); default: mock for a loopback base URL, graph otherwise")
	fs.StringVar(&from, "from", "", "start of the range, YYYY-MM-DD (midnight UTC) or RFC 3339; default: 30 days before --to")
	fs.StringVar(&to, "to", "", "end of the range, YYYY-MM-DD (midnight UTC) or RFC 3339; default: now")
	fs.IntVar(&o.maxRPM, "max-rpm", 0, "requests a minute at most; 0: the profile's default (graph 40, mock no cap); negative: no cap, for your own gateway or stub in CI (keep the cap against a live tenant)")
	fs.BoolVar(&o.list, "list", false, "print the catalogue of checks (as selected by --run/--skip) and exit")
	fs.BoolVar(&o.json, "json", false, "write the report (or the --list catalogue) as JSON on stdout")
	fs.StringVar(&o.junit, "junit", "", "also write a JUnit XML report to `FILE`")
	fs.StringVar(&o.html, "html", "", "also write a self-contained HTML report to `FILE`")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "give up after this long")
	fs.Var(&run, "run", "run only checks whose ID matches (ID or regular expression; repeatable or comma-separated)")
	fs.Var(&skip, "skip", "skip checks whose ID matches (ID or regular expression; repeatable or comma-separated)")
	fs.BoolVar(&o.noMutate, "no-mutate", false, "run only the checks that change nothing on the server (the mock profile otherwise loads datasets and resets the mock, then puts back what it found)")
	fs.Var(&header, "header", "send `NAME:VALUE` on every request, for a gateway's own auth (repeatable; the variable holds one a line); values of names with auth, key, token, secret, password, cookie or session are redacted from every output")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s --base-url URL [flags]\n\n"+
			"Checks a server against the contract of callRecords.getPstnOnlineMeetingDialoutReport.\n"+
			"Every flag also reads %s<NAME> (e.g. %sBASE_URL); a flag wins over its variable.\n"+
			"Exit status: 0 every MUST check passed, 1 a MUST check failed, 2 usage error or the kit could not run.\n\nFlags:\n",
			fs.Name(), envPrefix, envPrefix)
		fs.PrintDefaults()
	}
	// Some variables are not read by cli.Parse: DIALOUTCONFORM_TOKEN is the token itself, read
	// through --token-env, and --token has no variable of its own; the repeatable lists read theirs
	// here, so that a use on the command line replaces the variable's list instead of adding to it.
	own := map[string]*listFlag{cli.EnvName(envPrefix, "run"): &run, cli.EnvName(envPrefix, "skip"): &skip}
	for k, l := range own {
		l.add(getenv(k))
	}
	headerEnv := cli.EnvName(envPrefix, "header")
	if err := header.addLines(getenv(headerEnv)); err != nil {
		return nil, cli.Usagef("%s: %v", headerEnv, err)
	}
	flagEnv := func(k string) string {
		if _, ok := own[k]; ok || k == cli.EnvName(envPrefix, "token") || k == headerEnv {
			return ""
		}
		return getenv(k)
	}
	if err := cli.Parse(fs, envPrefix, args[min(1, len(args)):], flagEnv); err != nil {
		return nil, err
	}
	o.run, o.skip, o.header = run.vals, skip.vals, header.h
	if o.list {
		return &o, nil
	}
	if o.baseURL == "" {
		return nil, cli.Usagef("--base-url (or %sBASE_URL) is required", envPrefix)
	}
	u, err := url.Parse(o.baseURL)
	if err != nil || u.Host == "" {
		return nil, cli.Usagef("--base-url %q: not an absolute URL", o.baseURL)
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
		return nil, cli.Usagef("--profile %q: want graph or mock", profile)
	}
	o.token = token
	if o.token == "" && tokenEnv != "" {
		o.token = getenv(tokenEnv)
	}
	if adminEnv != "" {
		o.adminKey = getenv(adminEnv)
	}
	if o.profile == conformance.ProfileGraph && o.token == "" {
		return nil, cli.Usagef("the graph profile needs a token: set %s (or name another variable with --token-env)", tokenEnv)
	}
	if o.timeout <= 0 {
		return nil, cli.Usagef("--timeout %s: want a positive duration", o.timeout)
	}
	for _, t := range []struct {
		name, value string
		dst         *time.Time
	}{{"--from", from, &o.from}, {"--to", to, &o.to}} {
		if t.value == "" {
			continue
		}
		if *t.dst, err = cli.ParseTime(t.value); err != nil {
			return nil, cli.Usagef("%s %q: %v", t.name, t.value, err)
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
			return usageOf(err)
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
		NoMutate:   o.noMutate,
		Header:     o.header,
		Progress:   prog.event,
		Notice:     prog.notice,
	})
	prog.done()
	if rep == nil {
		if errors.Is(runErr, conformance.ErrConfig) {
			return usageOf(runErr)
		}
		return runErr
	}
	if err := writeReports(o, rep, stdout); err != nil {
		return err
	}
	fmt.Fprintln(stderr, rep.SummaryLine())
	// The worst status wins, as in the report: a check the kit could not run is an engine error (exit
	// 2) before a MUST check the server failed (exit 1). Both count in Summary.MustFailed when MUST.
	switch sum := rep.Summary; {
	case runErr != nil:
		return runErr
	case sum.Errors > 0:
		return fmt.Errorf("the kit could not run %d checks (%d MUST checks not met)", sum.Errors, sum.MustFailed)
	case sum.MustFailed > 0:
		return fmt.Errorf("%d %w", sum.MustFailed, errMustFailed)
	}
	return nil
}

// usageOf makes a usage error of the library's refusal of a config.
func usageOf(err error) error {
	if errors.Is(err, conformance.ErrNoChecks) {
		return cli.Usagef("%w (--run and --skip select by ID or regular expression; --list shows the IDs)", err)
	}
	return &cli.UsageError{Err: err}
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
			fmt.Fprintf(p.w, "[%*d/%d] %-5s %-6s %s %s\n", width, e.Index, e.Total, e.Result.Status, e.Result.Level, e.Check.ID, e.Check.Title)
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
		fmt.Fprintf(p.w, "%-5s %-6s %s %s\n", e.Result.Status, e.Result.Level, e.Check.ID, e.Check.Title)
	}
}

// notice shows a line of the run (Config.Notice), above a redrawn progress line.
func (p *progress) notice(msg string) {
	p.clear()
	fmt.Fprintf(p.w, "dialoutconform: %s\n", msg)
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

func (p *progress) done() { p.clear() }
