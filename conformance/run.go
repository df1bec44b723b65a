package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

const (
	maxDetails   = 20 // findings kept per result
	maxEvidence  = 5  // exchanges kept per result
	skipNotInRun = "runs in the %s profile only"
	skipNoMutate = "changes the server's state, and NoMutate (--no-mutate) asks to change nothing"
)

// Catalogue returns every check the kit knows, in catalogue order.
func Catalogue() []Check {
	defs := catalogue()
	out := make([]Check, len(defs))
	for i, d := range defs {
		out[i] = d.Check
		out[i].Profiles = slices.Clone(d.Profiles)
	}
	return out
}

// Select returns the checks of the catalogue that patterns run and skip select, as [Config.Run] and
// [Config.Skip] do. Selecting none is an error wrapping [ErrNoChecks].
func Select(run, skip []string) ([]Check, error) {
	defs, err := selectDefs(run, skip)
	if err != nil {
		return nil, err
	}
	out := make([]Check, len(defs))
	for i, d := range defs {
		out[i] = d.Check
		out[i].Profiles = slices.Clone(d.Profiles)
	}
	return out, nil
}

// checkDef is a catalogue entry and the code that runs it.
type checkDef struct {
	Check
	run func(ctx context.Context, s *session, p *probe)
}

// changesState marks a check that changes the server's state (Check.ChangesState).
func changesState(d checkDef) checkDef {
	d.ChangesState = true
	return d
}

func selectDefs(run, skip []string) ([]checkDef, error) {
	runM, err := matchers(run)
	if err != nil {
		return nil, err
	}
	skipM, err := matchers(skip)
	if err != nil {
		return nil, err
	}
	var out, ran []checkDef
	for _, d := range catalogue() {
		if len(runM) == 0 || anyMatch(runM, d.ID) {
			ran = append(ran, d)
			if !anyMatch(skipM, d.ID) {
				out = append(out, d)
			}
		}
	}
	switch {
	case len(ran) == 0:
		return nil, fmt.Errorf("%w: %w: run %s matches no check ID (the catalogue lists them)", ErrConfig, ErrNoChecks, patternList(run))
	case len(out) == 0:
		return nil, fmt.Errorf("%w: %w: skip %s removes all %d checks that run %s selects", ErrConfig, ErrNoChecks, patternList(skip), len(ran), patternList(run))
	}
	return out, nil
}

func patternList(ps []string) string {
	if len(ps) == 0 {
		return "(everything)"
	}
	return strings.Join(ps, ", ")
}

// runnable returns the defs that can run under cfg (the others are skipped), or an error wrapping
// [ErrNoChecks] when none can: a run of nothing but skips must not pass.
func runnable(defs []checkDef, cfg *normalized) error {
	for _, d := range defs {
		if d.In(cfg.Profile) && !(cfg.NoMutate && d.ChangesState) {
			return nil
		}
	}
	why := fmt.Sprintf("they run in another profile than %s", cfg.Profile)
	if cfg.NoMutate {
		why += " or change the server's state (NoMutate)"
	}
	return fmt.Errorf("%w: %w: none of the %d checks selected can run: %s", ErrConfig, ErrNoChecks, len(defs), why)
}

// matchers compiles selectors: an exact ID, or a case-insensitive regular expression.
func matchers(patterns []string) ([]func(string) bool, error) {
	var out []func(string) bool
	for _, pat := range patterns {
		pat = strings.TrimSpace(pat)
		if pat == "" {
			continue
		}
		re, err := regexp.Compile("(?i)" + pat)
		if err != nil {
			return nil, fmt.Errorf("%w: selector %q: %v", ErrConfig, pat, err)
		}
		exact := pat
		out = append(out, func(id string) bool { return strings.EqualFold(id, exact) || re.MatchString(id) })
	}
	return out, nil
}

func anyMatch(ms []func(string) bool, id string) bool {
	for _, m := range ms {
		if m(id) {
			return true
		}
	}
	return false
}

// Run checks the server at cfg.BaseURL and returns the report. It returns an error wrapping [ErrConfig]
// when cfg is invalid or selects no check that can run (and no report); the context's error, with the
// report so far, when ctx ends before every check ran; and an error wrapping [ErrNotRestored], with the
// report, when the kit could not put back what it changed on the server. A server that breaks rules is
// not an error: see [Report.Passed].
//
// In the mock profile, unless NoMutate, the kit first records the server's state the checks change
// (the dataset, the queued faults, which it sets aside so that the checks meet none) and puts it back
// after the last check, also when ctx ends early. The dataset's calls are copied to a temporary file
// (GET /_mock/calls?arrived=all), loaded back as JSON Lines when the dataset is not the mock's
// startup one, and the file is removed at the end. What it cannot put back it says in a notice before
// the first check.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	n, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	defs, err := selectDefs(n.Run, n.Skip)
	if err != nil {
		return nil, err
	}
	if err := runnable(defs, n); err != nil {
		return nil, err
	}
	s, err := newSession(n, defs)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		BaseURL: s.root,
		Profile: n.Profile,
		From:    n.From,
		To:      n.To,
		Started: n.Clock.Now(),
	}
	s.prepare(ctx, defs)
	var runErr error
	for i, d := range defs {
		if n.Progress != nil {
			n.Progress(Event{Index: i + 1, Total: len(defs), Check: d.Check})
		}
		var res Result
		if err := ctx.Err(); err != nil {
			res = Result{Check: d.Check, Status: Error, Reason: "not run: " + err.Error()}
			runErr = err
		} else {
			res = s.runOne(ctx, d)
		}
		s.plan.done(d.ID)
		rep.Results = append(rep.Results, res)
		if n.Progress != nil {
			n.Progress(Event{Index: i + 1, Total: len(defs), Check: d.Check, Result: &rep.Results[len(rep.Results)-1]})
		}
	}
	restoreErr := s.restore(ctx)
	rep.Notes = s.notes
	rep.Duration = n.Clock.Now().Sub(rep.Started)
	rep.summarize()
	switch {
	case runErr != nil && restoreErr != nil:
		return rep, fmt.Errorf("conformance run interrupted: %w; %w", runErr, restoreErr)
	case runErr != nil:
		return rep, fmt.Errorf("conformance run interrupted: %w", runErr)
	case restoreErr != nil:
		return rep, restoreErr
	}
	return rep, nil
}

func (s *session) runOne(ctx context.Context, d checkDef) (res Result) {
	res.Check = d.Check
	start := s.cfg.Clock.Now()
	if !d.In(s.cfg.Profile) {
		res.Status, res.Reason = Skip, fmt.Sprintf(skipNotInRun, d.Profiles[0])
		return res
	}
	if d.ChangesState && s.cfg.NoMutate {
		res.Status, res.Reason = Skip, skipNoMutate
		return res
	}
	p := &probe{}
	func() {
		defer func() {
			if v := recover(); v != nil {
				p.errorf(fmt.Errorf("kit bug: panic: %v\n%s", v, debug.Stack()))
			}
		}()
		d.run(ctx, s, p)
	}()
	if ctx.Err() != nil && p.status < Error {
		p.errorf(ctx.Err())
	}
	if d.GraphLevel != 0 && s.cfg.Profile == ProfileGraph {
		res.Level = d.GraphLevel
	}
	res.Status = p.status
	res.Reason = s.c.red.str(p.reason)
	for _, line := range p.details {
		res.Details = append(res.Details, s.c.red.str(line))
	}
	if p.dropped > 0 {
		res.Details = append(res.Details, fmt.Sprintf("... and %d more", p.dropped))
	}
	if res.Status >= Fail {
		for _, ex := range p.evidence {
			res.Exchanges = append(res.Exchanges, *ex)
		}
	}
	res.Duration = s.cfg.Clock.Now().Sub(start)
	return res
}

// probe collects what one check found. The worst status wins; its first message is the reason.
type probe struct {
	status   Status
	reason   string
	details  []string
	dropped  int
	evidence []*Exchange
}

func (p *probe) set(st Status, msg string) {
	if st > p.status || p.reason == "" && st == p.status && st != Pass {
		p.status, p.reason = st, msg
	}
	switch {
	case slices.Contains(p.details, msg):
		// the same finding again (a precondition several parts of a check share)
	case len(p.details) < maxDetails:
		p.details = append(p.details, msg)
	default:
		p.dropped++
	}
}

// failf records that the server broke the rule; rsp (may be nil) is the answer that shows it.
func (p *probe) failf(rsp *response, format string, args ...any) {
	p.set(Fail, fmt.Sprintf(format, args...))
	p.show(rsp)
}

// skipf records that the check does not apply.
func (p *probe) skipf(format string, args ...any) { p.set(Skip, fmt.Sprintf(format, args...)) }

// errorf records that the kit could not run the check.
func (p *probe) errorf(err error) {
	p.set(Error, err.Error())
	var te *answerError
	if errors.As(err, &te) {
		p.show(te.rsp)
	}
}

func (p *probe) show(rsp *response) {
	if rsp == nil || rsp.ex == nil || len(p.evidence) >= maxEvidence {
		return
	}
	for _, ex := range p.evidence {
		if ex == rsp.ex {
			return
		}
	}
	p.evidence = append(p.evidence, rsp.ex)
}

// answerError carries the answer behind a kit error (a request that stayed throttled, a control
// API that wants an admin key), so that the result can show it.
type answerError struct {
	err error
	rsp *response
}

func (e *answerError) Error() string { return e.err.Error() }
func (e *answerError) Unwrap() error { return e.err }

// got turns a client answer into what checks want: the answer, or false after marking the probe ERROR.
func (p *probe) got(rsp *response, err error) (*response, bool) {
	if err != nil {
		p.errorf(err)
		return nil, false
	}
	return rsp, true
}

// memo caches one value for the length of a run (checks run one at a time).
type memo[T any] struct {
	done bool
	v    T
	err  error
}

func (m *memo[T]) get(f func() (T, error)) (T, error) {
	if !m.done {
		m.v, m.err = f()
		m.done = true
	}
	return m.v, m.err
}

// session is the state one run shares between checks: the client and its cache, compiled schemas,
// reads several checks look at, and what the run changes on the server.
type session struct {
	cfg     *normalized
	root    string
	rootURL *url.URL
	c       *client
	sch     *compiledSchemas
	plan    *plan

	full, reread, weekBase  memo[*readResult]
	logWeekMemo, logDayMemo memo[*readResult] // the call log (calllog.go)
	ledger                  memo[*ledgerResult]
	health                  memo[*healthResult]

	found   *foundState // what the server held before the run changed it; nil: nothing recorded
	startup string      // the dataset version POST /_mock/reset goes back to, once seen
	changed bool        // the kit changed the server's state
	notes   []string
	noticed time.Time // when the last rate-cap notice was given
}

func newSession(n *normalized, defs []checkDef) (*session, error) {
	sch, err := theSchemas()
	if err != nil {
		return nil, fmt.Errorf("compile schemas: %w", err)
	}
	s := &session{cfg: n, root: n.root.String(), rootURL: n.root, c: newClient(n), sch: sch}
	s.plan = newPlan(s, defs)
	if s.c.limit != nil {
		s.c.limit.waiting = s.waiting
	}
	return s, nil
}

// notice gives the user a line (Config.Notice) and keeps it for the report.
func (s *session) notice(format string, args ...any) {
	msg := s.c.red.str(fmt.Sprintf(format, args...))
	s.notes = append(s.notes, msg)
	if s.cfg.Notice != nil {
		s.cfg.Notice(msg)
	}
}

// waiting hears of every wait on the rate cap, and says so at most once every rateNoticeEvery.
// The line is not kept in Notes: it says nothing once the run is over.
func (s *session) waiting(d time.Duration) {
	now := s.cfg.Clock.Now()
	if s.cfg.Notice == nil || !s.noticed.IsZero() && now.Sub(s.noticed) < rateNoticeEvery {
		return
	}
	s.noticed = now
	wait := fmt.Sprintf("%.1f s", d.Seconds())
	if d < time.Second {
		wait = fmt.Sprintf("%d ms", d.Milliseconds())
	}
	left := "the time left is known once the report of [From, To] is read"
	if s.plan.sized() {
		n := s.plan.left()
		left = fmt.Sprintf("about %s left for %d planned requests", roughDuration(time.Duration(n)*s.c.limit.interval), n)
	}
	s.cfg.Notice(fmt.Sprintf("waiting %s for the %d requests/min cap (%s)", wait, s.cfg.maxRPM, left))
}

// rateNoticeEvery is the least time between two notices of waiting on the rate cap.
const rateNoticeEvery = 5 * time.Second

// roughDuration writes d for a person: seconds under two minutes, else minutes.
func roughDuration(d time.Duration) string {
	if d < 2*time.Minute {
		return fmt.Sprintf("%d s", int(d.Round(time.Second).Seconds()))
	}
	return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
}

// fullRead is the report of [From, To], in the docs' spelling: what most checks look at.
func (s *session) fullRead(ctx context.Context) (*readResult, error) {
	return s.full.get(func() (*readResult, error) {
		return s.read(ctx, s.rangeURL(s.cfg.From, s.cfg.To), request{})
	})
}

// secondRead reads the same URL again, past the cache.
func (s *session) secondRead(ctx context.Context) (*readResult, error) {
	if _, err := s.fullRead(ctx); err != nil {
		return nil, err
	}
	return s.reread.get(func() (*readResult, error) {
		return s.read(ctx, s.rangeURL(s.cfg.From, s.cfg.To), request{fresh: true})
	})
}

// week is the window the date-form checks spell in many ways: the 7 days before To's midnight, so
// that the date-only form can name it.
func (s *session) week() (time.Time, time.Time) {
	end := s.cfg.To.UTC().Truncate(24 * time.Hour)
	return end.Add(-7 * 24 * time.Hour), end
}

func (s *session) weekRead(ctx context.Context) (*readResult, error) {
	return s.weekBase.get(func() (*readResult, error) {
		from, to := s.week()
		return s.read(ctx, s.rangeURL(from, to), request{})
	})
}
