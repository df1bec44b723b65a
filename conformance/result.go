package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Status is the outcome of one check. Statuses are ordered, and the worst wins: PASS < SKIP < FAIL < ERROR.
type Status int

const (
	// Pass means the server honoured the rule.
	Pass Status = iota
	// Skip means the check did not apply (other profile, not selected upstream, nothing to look at).
	Skip
	// Fail means the server broke the rule.
	Fail
	// Error means the kit could not run the check (transport failure, persistent throttling, a bug).
	Error
)

var statusNames = [...]string{Pass: "PASS", Skip: "SKIP", Fail: "FAIL", Error: "ERROR"}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText writes the status as PASS, SKIP, FAIL or ERROR.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if strings.EqualFold(n, string(b)) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", b)
}

// Level says how strong the rule behind a check is.
type Level int

const (
	// Must is a rule of the contract: a failure makes the run fail.
	Must Level = iota + 1
	// Should is a recommendation: a failure is reported but does not fail the run.
	Should
)

func (l Level) String() string {
	switch l {
	case Must:
		return "MUST"
	case Should:
		return "SHOULD"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// MarshalText writes the level as MUST or SHOULD.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (l *Level) UnmarshalText(b []byte) error {
	switch strings.ToUpper(string(b)) {
	case "MUST":
		*l = Must
	case "SHOULD":
		*l = Should
	default:
		return fmt.Errorf("unknown level %q", b)
	}
	return nil
}

// Check describes one entry of the catalogue.
type Check struct {
	// ID is stable across releases: DR-<AREA>-<NNN>.
	ID string `json:"id"`
	// Title says in one line what is checked.
	Title string `json:"title"`
	// Level is Must or Should.
	Level Level `json:"level"`
	// GraphLevel, when not zero, is the check's level in the graph profile: a rule the mock must keep
	// that a live tenant is only recommended to show (a Result carries the level it ran at).
	GraphLevel Level `json:"graphLevel,omitempty"`
	// Statement is the documented sentence the check rests on, with its source (an anchor of docs/contract.md or a Graph documentation page).
	Statement string `json:"statement"`
	// Profiles lists the profiles the check runs in; in the others it is skipped.
	Profiles []Profile `json:"profiles"`
	// ChangesState reports that the check changes the server's state (it loads datasets or resets
	// the mock); [Config.NoMutate] skips it, and the kit puts the state back after the run.
	ChangesState bool `json:"changesState,omitempty"`
}

// Area is the AREA part of the ID (ENV, SCHEMA, PAGE, PARAM, AUTH, AGG, ERR, LEDGER, TENANT, PSTN, XFN).
func (c Check) Area() string {
	parts := strings.Split(c.ID, "-")
	if len(parts) != 3 {
		return ""
	}
	return parts[1]
}

// In reports whether the check runs in profile p.
func (c Check) In(p Profile) bool {
	for _, q := range c.Profiles {
		if q == p {
			return true
		}
	}
	return false
}

// Exchange is one HTTP request and its answer, as recorded by the kit: secrets redacted, the response
// body cut to its first 4 KiB.
type Exchange struct {
	Method         string      `json:"method"`
	URL            string      `json:"url"`
	RequestHeader  http.Header `json:"requestHeader,omitempty"`
	RequestBody    string      `json:"requestBody,omitempty"`
	Status         int         `json:"status,omitempty"`
	ResponseHeader http.Header `json:"responseHeader,omitempty"`
	ResponseBody   string      `json:"responseBody,omitempty"`
	// Truncated reports that ResponseBody (or RequestBody) is an excerpt.
	Truncated bool `json:"truncated,omitempty"`
	// Err is the transport error, when the request got no answer.
	Err string `json:"error,omitempty"`
	// Curl is an equivalent curl command line, token redacted.
	Curl string `json:"curl"`
}

// Result is the outcome of one check.
type Result struct {
	Check
	Status Status `json:"status"`
	// Reason says in one line why the check failed, was skipped or could not run; empty on PASS.
	Reason string `json:"reason,omitempty"`
	// Details lists every finding, one a line (bounded).
	Details []string `json:"details,omitempty"`
	// Exchanges are the requests behind the findings (bounded), for FAIL and ERROR results.
	Exchanges []Exchange `json:"exchanges,omitempty"`
	// Duration is the time the check took, by the run's Clock.
	Duration time.Duration `json:"durationNs"`
}

// Summary counts results by status.
type Summary struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Errors  int `json:"errors"`
	// MustFailed counts MUST checks that failed or could not run.
	MustFailed int `json:"mustFailed"`
}

// Report is the outcome of a run, results in catalogue order.
type Report struct {
	BaseURL  string        `json:"baseUrl"`
	Profile  Profile       `json:"profile"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"durationNs"`
	Summary  Summary       `json:"summary"`
	Results  []Result      `json:"results"`
	// Notes are the lines given to [Config.Notice] during the run: what the run changed on the
	// server and how it was put back.
	Notes []string `json:"notes,omitempty"`
}

// Passed reports whether every MUST check passed or was skipped: no MUST check failed or errored.
func (r *Report) Passed() bool { return r.Summary.MustFailed == 0 }

// Status is the worst status of all results (Pass for an empty report).
func (r *Report) Status() Status {
	worst := Pass
	for _, res := range r.Results {
		worst = max(worst, res.Status)
	}
	return worst
}

// Result returns the result of the check with the given ID, and whether the report has it.
func (r *Report) Result(id string) (Result, bool) {
	for _, res := range r.Results {
		if res.ID == id {
			return res, true
		}
	}
	return Result{}, false
}

// SummaryLine is the one-line summary a CLI prints last.
func (r *Report) SummaryLine() string {
	s := r.Summary
	verdict := "PASS"
	if !r.Passed() {
		verdict = "FAIL"
	}
	return fmt.Sprintf("%s: %d checks, %d passed, %d failed, %d skipped, %d errors (%d MUST not met) in %s",
		verdict, s.Total, s.Passed, s.Failed, s.Skipped, s.Errors, s.MustFailed, r.Duration.Round(time.Millisecond))
}

func (r *Report) summarize() {
	s := Summary{Total: len(r.Results)}
	for _, res := range r.Results {
		switch res.Status {
		case Pass:
			s.Passed++
		case Skip:
			s.Skipped++
		case Fail:
			s.Failed++
		case Error:
			s.Errors++
		}
		if res.Level == Must && res.Status >= Fail {
			s.MustFailed++
		}
	}
	r.Summary = s
}
