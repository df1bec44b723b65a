package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// ErrSuperseded is the error of a dataset build (PUT /_mock/dataset,
// LoadScenario) that a later change of the dataset overtook before it was
// installed. The build is dropped and the later change stands; the control
// API answers 409 Conflict, since the request conflicted with a later one
// and retrying it would undo that one.
var ErrSuperseded = errors.New("superseded by a later control request")

// builds puts the changes of the dataset in the order they were asked for
// (docs/contract.md#control-api). A change is either a swap (Swap, Reset),
// which takes effect at once, or a build (PUT /_mock/dataset, LoadScenario),
// which takes time. Changes are numbered as they begin, a PUT when it
// arrives, before its body is read; a build installs its dataset only if no
// change began after it. So whatever finishes last, the dataset served is
// the one of the latest request: an earlier, slower PUT never undoes a later
// reset or PUT. A change that begins cancels the context of the build before
// it, which stops generating, and is answered ErrSuperseded.
//
// One build runs at a time (docs/contract.md#control-api): a build waits for
// the one before it, already cancelled, to give up before starting, so the
// memory of superseded builds is never held together.
type builds struct {
	mu     sync.Mutex
	seq    uint64             // number of the latest change begun
	cancel context.CancelFunc // of the latest build begun, while it is unfinished
	slot   chan struct{}      // holds a token while a build runs
	log    *slog.Logger
}

func newBuilds(log *slog.Logger) *builds {
	return &builds{slot: make(chan struct{}, 1), log: log}
}

// build is one build under way: its number and its context, cancelled when a
// later change begins.
type build struct {
	b      *builds
	seq    uint64
	ctx    context.Context
	cancel context.CancelFunc
}

// begin starts a build in request order: every unfinished build before it is
// superseded. The caller must call end.
func (b *builds) begin(parent context.Context) *build {
	ctx, cancel := context.WithCancel(parent)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.supersede()
	b.cancel = cancel
	return &build{b: b, seq: b.seq, ctx: ctx, cancel: cancel}
}

// swap makes a change that takes effect at once: every unfinished build is
// superseded, and install runs before any later change can begin.
func (b *builds) swap(install func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.supersede()
	install()
}

// supersede numbers a new change and cancels the unfinished build, if any.
// b.mu is held.
func (b *builds) supersede() {
	b.seq++
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
}

// end releases the build's context.
func (x *build) end() { x.cancel() }

// run builds a dataset with produce, once the build before it has given up, and
// installs it unless a later change began meanwhile, in which case it
// returns ErrSuperseded whatever produce returned.
func (x *build) run(produce func(context.Context) (Dataset, error), install func(Dataset)) (Dataset, error) {
	select {
	case x.b.slot <- struct{}{}:
	default:
		x.b.log.Info("dataset build waits for the one before it to stop")
		select {
		case x.b.slot <- struct{}{}:
		case <-x.ctx.Done():
			return Dataset{}, x.dropped(x.ctx.Err())
		}
	}
	defer func() { <-x.b.slot }()
	if err := x.ctx.Err(); err != nil {
		return Dataset{}, x.dropped(err)
	}
	x.b.log.Info("dataset build started")
	ds, err := produce(x.ctx)
	if err != nil {
		return Dataset{}, x.dropped(err)
	}
	x.b.mu.Lock()
	latest := x.seq == x.b.seq
	if latest {
		x.b.cancel = nil
		install(ds)
	}
	x.b.mu.Unlock()
	if !latest {
		return Dataset{}, x.dropped(ErrSuperseded)
	}
	return ds, nil
}

// dropped is the error of a build that did not install its dataset:
// ErrSuperseded if a later change began, err otherwise (a refusal, or the
// client gone).
func (x *build) dropped(err error) error {
	x.b.mu.Lock()
	superseded := x.seq != x.b.seq
	x.b.mu.Unlock()
	if superseded {
		x.b.log.Info("dataset build superseded by a later control request and dropped")
		return ErrSuperseded
	}
	return err
}
