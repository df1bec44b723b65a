package binarytest

import (
	"fmt"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

func TestMain(m *testing.M) { Main(m) }

// fakemock is testdata/fakemock, built once.
func fakemock(tb testing.TB) string {
	tb.Helper()
	return Build(tb, "testdata/fakemock")
}

// recorder is a testing.TB that keeps the first fatal message and stops
// the goroutine, as the testing package does.
type recorder struct {
	testing.TB
	fatal    string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Fatal(args ...any) {
	r.fatal = strings.TrimSpace(fmt.Sprintln(args...))
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatalOf runs f with a recorder and returns its fatal message, after the
// cleanups f registered.
func fatalOf(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r.fatal
}

func TestBuildOnce(t *testing.T) {
	first, second := fakemock(t), fakemock(t)
	if first != second {
		t.Errorf("Build twice = %s, %s; want one build", first, second)
	}
	if !strings.HasSuffix(first, "/fakemock") {
		t.Errorf("Build = %s, want the program's own name", first)
	}
}

func TestBuildFailureFails(t *testing.T) {
	msg := fatalOf(t, func(tb testing.TB) { Build(tb, "testdata/nothing-here") })
	if !strings.Contains(msg, "go build in testdata/nothing-here") {
		t.Errorf("Build of a missing folder fails with %q, want the go build error", msg)
	}
}

func TestStartReadsTheFirstLine(t *testing.T) {
	p := Start(t, exec.Command(fakemock(t)))
	if !strings.HasPrefix(p.Base, "http://127.0.0.1:") {
		t.Fatalf("Base = %q, want the URL printed on the first line", p.Base)
	}
	if got, want := string(Fetch(t, p.Base+"/x")), "GET Bearer any "; got != want {
		t.Errorf("Fetch = %q, want %q", got, want)
	}
	status, h, b := Call(t, http.MethodPost, p.Base+"/x", "body", "Authorization", "Bearer t")
	if status != 200 || h.Get("X-Method") != http.MethodPost || string(b) != "POST Bearer t body" {
		t.Errorf("Call = %d %v %q, want 200 and the POST echoed with its header and body", status, h, b)
	}
	if status, b := Control(t, http.MethodDelete, p.Base+"/missing", ""); status != 404 || string(b) != "DELETE  " {
		t.Errorf("Control = %d %q, want 404 and the DELETE echoed", status, b)
	}
	if msg := fatalOf(t, func(tb testing.TB) { Fetch(tb, p.Base+"/missing") }); !strings.Contains(msg, ": 404 ") {
		t.Errorf("Fetch of a 404 fails with %q, want the status", msg)
	}
}

func TestStartFailsWhenTheProgramExits(t *testing.T) {
	bin := fakemock(t)
	msg := fatalOf(t, func(tb testing.TB) { Start(tb, exec.Command(bin, "-exit")) })
	if !strings.Contains(msg, "fakemock exited: exit status 3") || !strings.Contains(msg, "told to exit") {
		t.Errorf("Start of a program that exits fails with %q, want its exit status and stderr", msg)
	}
}
