package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// ErrSuperseded is the error of a dataset build (PUT /_mock/dataset,
// LoadScenario) that a later change of the same dataset overtook before it
// was installed. The build is dropped and the later change stands; the control
// API answers 409 Conflict, since the request conflicted with a later one
// and retrying it would undo that one.
var ErrSuperseded = errors.New("superseded by a later control request")

// builds puts the changes of the datasets in the order they were asked for
// (docs/contract.md#control-api). A change is either a swap (Swap, Reset, a
// tenant's reset), which takes effect at once, or a build (PUT
// /_mock/dataset, LoadScenario), which takes time. A PUT begins when it
// arrives, before its body is read; a build installs its dataset only if no
// change of the same tenant began after it. So whatever finishes last, a
// tenant serves the dataset of its latest request: an earlier, slower PUT
// never undoes a later reset or PUT. A change that begins cancels the
// context of its tenant's unfinished build, which stops generating, and that
// build is answered ErrSuperseded.
//
// Changes are keyed by tenant: "" in single tenancy, where every change is
// of the one dataset, and a tenant id with many tenants, where a PUT or
// reset of one tenant leaves another tenant's build alone. A reset of the
// whole server (swapAll) supersedes every tenant's build.
//
// One build runs at a time (docs/contract.md#control-api): a build waits for
// the one before it to give up (it was cancelled, when of the same tenant)
// or to finish (another tenant's) before starting, so the memory of two
// builds is never held together.
type builds struct {
	mu      sync.Mutex
	running map[string]*build // the unfinished build of each tenant, if any
	slot    chan struct{}     // holds a token while a build runs
	log     *slog.Logger
}

func newBuilds(log *slog.Logger) *builds {
	return &builds{running: map[string]*build{}, slot: make(chan struct{}, 1), log: log}
}

// build is one build under way: its tenant and its context, cancelled when
// a later change of the tenant begins.
type build struct {
	b      *builds
	tenant string
	ctx    context.Context
	cancel context.CancelFunc
}

// begin starts a build of tenant's dataset in request order: the tenant's
// unfinished build before it is superseded. The caller must call end.
func (b *builds) begin(parent context.Context, tenant string) *build {
	ctx, cancel := context.WithCancel(parent)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.supersede(tenant)
	x := &build{b: b, tenant: tenant, ctx: ctx, cancel: cancel}
	b.running[tenant] = x
	return x
}

// swap makes a change of tenant's dataset that takes effect at once: the
// tenant's unfinished build is superseded, and install runs before any
// later change can begin.
func (b *builds) swap(tenant string, install func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.supersede(tenant)
	install()
}

// swapAll is swap for a change of every tenant's dataset (a reset of the
// whole server): every unfinished build is superseded.
func (b *builds) swapAll(install func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for tenant := range b.running {
		b.supersede(tenant)
	}
	install()
}

// supersede cancels the unfinished build of tenant, if any. b.mu is held.
func (b *builds) supersede(tenant string) {
	if x := b.running[tenant]; x != nil {
		x.cancel()
		delete(b.running, tenant)
	}
}

// latest reports whether no change of x's tenant began after x. b.mu is
// held.
func (x *build) latest() bool { return x.b.running[x.tenant] == x }

// end releases the build's context, and its tenant's slot when no later
// change took it.
func (x *build) end() {
	x.cancel()
	x.b.mu.Lock()
	defer x.b.mu.Unlock()
	if x.latest() {
		delete(x.b.running, x.tenant)
	}
}

// run builds a dataset with produce, once the build before it has given up
// or finished, and installs it unless a later change of its tenant began
// meanwhile, in which case it returns ErrSuperseded whatever produce
// returned.
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
	latest := x.latest()
	if latest {
		delete(x.b.running, x.tenant)
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
	superseded := !x.latest()
	x.b.mu.Unlock()
	if superseded {
		x.b.log.Info("dataset build superseded by a later control request and dropped")
		return ErrSuperseded
	}
	return err
}
