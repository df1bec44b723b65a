package conformance

import (
	"math"
	"slices"
	"time"
)

// plan estimates how many requests the rest of a run will send, so that a run held back by the rate
// cap can say about how long it has left (docs/contract.md#conformance-kit). Each check has a cost in
// the reads it makes; a read's pages are learnt from the first read of its kind and guessed before.
type plan struct {
	s    *session
	todo []checkDef // the checks not finished, in order, that will run
}

// cost is what one check sends beyond what earlier checks left in the session's cache.
type cost struct {
	full, second, week, ledger, errs bool // shared reads, sent by the first check that needs them
	logWeek, logDay                  bool // the call log's shared reads (calllog.go)

	fullReads float64 // reads about the size of the full read of [From, To]
	weekReads int     // reads the size of the week the date forms are spelt on
	logWeeks  int     // reads the size of the call log of that week
	logDays   int     // reads the size of the call log of its last day
	singles   int     // requests of one page or one answer
}

// costs holds the cost of every check of the catalogue (a test keeps it complete).
var costs = map[string]cost{
	"DR-ENV-001": {full: true}, "DR-ENV-002": {full: true}, "DR-ENV-003": {full: true},
	"DR-ENV-004": {full: true, second: true}, "DR-ENV-005": {full: true}, "DR-ENV-006": {singles: 1},
	"DR-ENV-007": {full: true}, "DR-ENV-008": {full: true}, "DR-ENV-009": {full: true},
	"DR-ENV-010": {full: true}, "DR-ENV-011": {full: true, singles: 1}, "DR-ENV-012": {singles: 1},

	"DR-SCHEMA-001": {full: true}, "DR-SCHEMA-002": {full: true},

	"DR-PAGE-001": {full: true}, "DR-PAGE-002": {full: true}, "DR-PAGE-003": {full: true},
	"DR-PAGE-004": {full: true}, "DR-PAGE-005": {full: true}, "DR-PAGE-006": {full: true},
	"DR-PAGE-007": {full: true}, "DR-PAGE-008": {full: true, second: true}, "DR-PAGE-009": {singles: 1},
	"DR-PAGE-010": {singles: 2},

	"DR-PARAM-001": {week: true, weekReads: 1}, "DR-PARAM-002": {week: true, weekReads: 3},
	"DR-PARAM-003": {week: true, weekReads: 2}, "DR-PARAM-004": {week: true, weekReads: 2},
	"DR-PARAM-005": {week: true, weekReads: 1}, "DR-PARAM-006": {week: true, weekReads: 2},
	"DR-PARAM-007": {week: true, weekReads: 2}, "DR-PARAM-008": {full: true, singles: 3},
	"DR-PARAM-009": {full: true, singles: 2}, "DR-PARAM-010": {full: true, singles: 3},
	"DR-PARAM-011": {full: true, singles: 1}, "DR-PARAM-012": {full: true, singles: 2},
	"DR-PARAM-013": {singles: 1}, "DR-PARAM-014": {full: true, fullReads: 1, singles: 2},
	"DR-PARAM-015": {full: true, singles: 2}, "DR-PARAM-016": {full: true, singles: 2},
	"DR-PARAM-017": {full: true, fullReads: 2, singles: 1}, "DR-PARAM-018": {full: true, singles: 1},

	"DR-AUTH-001": {full: true, singles: 1}, "DR-AUTH-002": {full: true, singles: 1},
	"DR-AUTH-003": {full: true, singles: 1}, "DR-AUTH-004": {full: true, singles: 1},

	"DR-AGG-001": {full: true}, "DR-AGG-002": {full: true}, "DR-AGG-003": {full: true},
	"DR-AGG-004": {full: true}, "DR-AGG-005": {full: true, fullReads: 0.5},
	"DR-AGG-006": {full: true, fullReads: 1}, "DR-AGG-007": {full: true},

	"DR-ERR-001": {errs: true}, "DR-ERR-002": {errs: true}, "DR-ERR-003": {errs: true},
	"DR-ERR-004": {errs: true}, "DR-ERR-005": {errs: true},

	"DR-PSTN-001": {logWeek: true}, "DR-PSTN-002": {logWeek: true}, "DR-PSTN-003": {logWeek: true},
	"DR-PSTN-004": {logWeek: true}, "DR-PSTN-005": {logWeek: true}, "DR-PSTN-006": {logWeek: true},
	"DR-PSTN-007": {logWeek: true}, "DR-PSTN-008": {logWeek: true}, "DR-PSTN-009": {singles: 1},
	"DR-PSTN-010": {logWeek: true}, "DR-PSTN-011": {logDay: true, logDays: 4}, "DR-PSTN-012": {logDay: true, logDays: 5},
	"DR-PSTN-013": {logDay: true, logDays: 1}, "DR-PSTN-014": {logWeek: true, singles: 6}, "DR-PSTN-015": {logWeek: true, singles: 1},
	"DR-PSTN-016": {logWeek: true, singles: 1}, "DR-PSTN-017": {logWeek: true},

	// The report of the week and of its halves, each read twice, and the call log of the halves.
	"DR-XFN-001": {week: true, logWeek: true, weekReads: 1}, "DR-XFN-002": {weekReads: 1, logWeeks: 1},

	"DR-LEDGER-001": {ledger: true}, "DR-LEDGER-002": {full: true, ledger: true},
	"DR-LEDGER-003": {ledger: true, fullReads: 1, singles: 3},
	"DR-LEDGER-010": {singles: 6}, "DR-LEDGER-011": {singles: 6}, "DR-LEDGER-012": {singles: 4},
	"DR-LEDGER-013": {singles: 4}, "DR-LEDGER-014": {fullReads: 2, singles: 6},

	// Only with many tenants; each tenant's read is the size of the full read.
	"DR-TENANT-001": {fullReads: 2, singles: 1}, "DR-TENANT-002": {fullReads: 1}, "DR-TENANT-003": {singles: 1},
	"DR-TENANT-004": {fullReads: 1, singles: 1}, "DR-TENANT-005": {singles: maxThrottleProbe / 2},
}

// errorRequests is what the ERR checks send once: the error answers they make sure of.
const errorRequests = 4

func newPlan(s *session, defs []checkDef) *plan {
	pl := &plan{s: s}
	for _, d := range defs {
		if d.In(s.cfg.Profile) && !(s.cfg.NoMutate && d.ChangesState) {
			pl.todo = append(pl.todo, d)
		}
	}
	return pl
}

// done takes a finished check off the plan.
func (pl *plan) done(id string) {
	pl.todo = slices.DeleteFunc(pl.todo, func(d checkDef) bool { return d.ID == id })
}

// sized reports whether the estimate rests on a read's size: before the first read of [From, To]
// its pages are a guess, and the estimate is not worth showing.
func (pl *plan) sized() bool {
	for _, d := range pl.todo {
		if c := costs[d.ID]; c.full || c.second || c.fullReads > 0 {
			return pl.s.full.done
		}
	}
	return true
}

// left estimates the requests the checks not yet finished will send.
func (pl *plan) left() int {
	s := pl.s
	full := 1.0
	if s.full.done && s.full.v != nil {
		full = float64(max(1, len(s.full.v.pages)))
	}
	week := math.Ceil(full * float64(7*24*time.Hour) / float64(max(s.cfg.To.Sub(s.cfg.From), 24*time.Hour)))
	if s.weekBase.done && s.weekBase.v != nil {
		week = float64(max(1, len(s.weekBase.v.pages)))
	}
	// A call log has a row a call, a report a row a user and key: before the first read of the call
	// log its size is a guess, three times the report's.
	logWeek := 3 * week
	if s.logWeekMemo.done && s.logWeekMemo.v != nil {
		logWeek = float64(max(1, len(s.logWeekMemo.v.pages)))
	}
	logDay := math.Ceil(logWeek / 7)
	if s.logDayMemo.done && s.logDayMemo.v != nil {
		logDay = float64(max(1, len(s.logDayMemo.v.pages)))
	}
	seen := struct{ full, second, week, ledger, errs, logWeek, logDay bool }{s.full.done, s.reread.done, s.weekBase.done, s.ledger.done, false,
		s.logWeekMemo.done, s.logDayMemo.done}
	n := 0.0
	for _, d := range pl.todo {
		c := costs[d.ID]
		if c.full && !seen.full {
			n, seen.full = n+full, true
		}
		if c.second && !seen.second {
			n, seen.second = n+full, true
		}
		if c.week && !seen.week {
			n, seen.week = n+week, true
		}
		if c.ledger && !seen.ledger {
			n, seen.ledger = n+1, true
		}
		if c.errs && !seen.errs {
			n, seen.errs = n+errorRequests, true
		}
		if c.logWeek && !seen.logWeek {
			n, seen.logWeek = n+logWeek, true
		}
		if c.logDay && !seen.logDay {
			n, seen.logDay = n+logDay, true
		}
		n += c.fullReads*full + float64(c.weekReads)*week + float64(c.logWeeks)*logWeek + float64(c.logDays)*logDay + float64(c.singles)
	}
	return int(math.Ceil(n))
}
