package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// logHook is a slog.Handler that calls itself with each message, so a test
// can wait for what the server says it is doing instead of sleeping.
type logHook func(msg string)

func (h logHook) Enabled(context.Context, slog.Level) bool      { return true }
func (h logHook) Handle(_ context.Context, r slog.Record) error { h(r.Message); return nil }
func (h logHook) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h logHook) WithGroup(string) slog.Handler                 { return h }

// signals counts log messages by prefix and lets a test wait until one has
// been logged n times.
type signals struct {
	mu     sync.Mutex
	counts map[string]int
	change chan struct{} // closed and replaced on every message
}

func newSignals() *signals {
	return &signals{counts: map[string]int{}, change: make(chan struct{})}
}

func (s *signals) hook(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[msg]++
	close(s.change)
	s.change = make(chan struct{})
}

// wait returns once msg has been logged n times, or fails the test after a
// minute, or as soon as fail is closed.
func (s *signals) wait(tb testing.TB, msg string, n int, fail <-chan string) {
	tb.Helper()
	timeout := time.After(time.Minute)
	for {
		s.mu.Lock()
		got, change := s.counts[msg], s.change
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-change:
		case why := <-fail:
			tb.Fatal(why)
		case <-timeout:
			tb.Fatalf("%q logged %d times in a minute, want %d", msg, got, n)
		}
	}
}

// sendAsync sends a control request from another goroutine; the answer
// arrives on the channel (status 0 and the error text if it failed).
func sendAsync(method, url, body string) <-chan response {
	ch := make(chan response, 1)
	go func() {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			ch <- response{body: []byte(err.Error())}
			return
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			ch <- response{body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- response{resp.StatusCode, resp.Header, b}
	}()
	return ch
}

func healthVersion(tb testing.TB, base string) string {
	tb.Helper()
	var h struct {
		DatasetVersion string `json:"datasetVersion"`
	}
	if err := json.Unmarshal(get(tb, base+"/_mock/health").body, &h); err != nil {
		tb.Fatal(err)
	}
	return h.DatasetVersion
}

// TestLaterControlRequestSupersedesASlowerPut: an earlier, slower PUT
// /_mock/dataset never undoes a later change of the dataset. The PUT's build
// is gated, so the later request surely arrives while it runs; whatever the
// build does after, the later request's dataset is served and the PUT is
// answered 409 Conflict.
func TestLaterControlRequestSupersedesASlowerPut(t *testing.T) {
	tests := []struct {
		name  string
		later func(t *testing.T, s *Server, base string) (version string) // the change that must stand
	}{
		{"POST /_mock/reset", func(t *testing.T, s *Server, base string) string {
			if r := send(t, http.MethodPost, base+"/_mock/reset", nil); r.status != 200 {
				t.Fatalf("reset = %d %s", r.status, r.body)
			}
			return "test-edges"
		}},
		{"PUT /_mock/dataset of a scenario", func(t *testing.T, s *Server, base string) string {
			r := send(t, http.MethodPut, base+"/_mock/dataset?name=tiny", []byte(tinyScenario))
			if r.status != 200 {
				t.Fatalf("PUT tiny = %d %s", r.status, r.body)
			}
			var sum datasetSummary
			json.Unmarshal(r.body, &sum)
			return sum.Version
		}},
		{"Server.Reset", func(t *testing.T, s *Server, base string) string { s.Reset(); return "test-edges" }},
		{"Server.Swap", func(t *testing.T, s *Server, base string) string {
			s.Swap(scenarioDataset(t, "rows-1"))
			return "test-rows-1"
		}},
		{"Server.LoadScenario", func(t *testing.T, s *Server, base string) string {
			ds, err := s.LoadScenario("tiny", []byte(tinyScenario))
			if err != nil {
				t.Fatal(err)
			}
			return ds.Version
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started, release := make(chan struct{}), make(chan struct{})
			var cancelled atomic.Bool
			big := scenarioDataset(t, "rows-1001")
			sig := newSignals()
			s, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{
				Logger: slog.New(logHook(sig.hook)),
				Generate: func(ctx context.Context, _ json.RawMessage) (Dataset, error) {
					close(started)
					select {
					case <-ctx.Done():
					case <-release:
					}
					// release comes after the later request: by then a
					// superseded build's context is cancelled.
					cancelled.Store(ctx.Err() != nil)
					if err := ctx.Err(); err != nil {
						return Dataset{}, err
					}
					return big, nil
				},
			})
			finish := sync.OnceFunc(func() { close(release) })
			t.Cleanup(finish) // before the server closes, which waits for the PUT
			slow := sendAsync(http.MethodPut, ts.URL+"/_mock/dataset", `{"generator":{"users":50000}}`)
			<-started
			want := tt.later(t, s, ts.URL)
			finish() // a build nobody cancelled finishes now, after the later request
			r := <-slow
			checkEnvelope(t, r, http.StatusConflict, "Conflict")
			if !bytes.Contains(r.body, []byte("superseded by a later control request")) {
				t.Errorf("superseded PUT says %s, want it to say it was superseded", r.body)
			}
			if got := healthVersion(t, ts.URL); got != want {
				t.Errorf("after the later request, health version = %s, want %s (the later request's)", got, want)
			}
			if !cancelled.Load() {
				t.Error("the superseded build's context was not cancelled")
			}
		})
	}
}

// TestOneBuildAtATime: a PUT that arrives while a build runs supersedes it,
// and waits for it to stop before building, so two builds never hold memory
// together; a PUT superseded while it waits never builds at all.
func TestOneBuildAtATime(t *testing.T) {
	var (
		running  atomic.Int32
		builtB   atomic.Bool
		overlap  = make(chan string, 3)
		startedA = make(chan struct{})
		releaseA = make(chan struct{})
	)
	datasets := map[string]Dataset{"a": scenarioDataset(t, "rows-1001"), "b": scenarioDataset(t, "rows-1"), "c": scenarioDataset(t, "rows-999")}
	sig := newSignals()
	_, ts := newTestServer(t, scenarioDataset(t, "edges"), Config{
		Logger: slog.New(logHook(sig.hook)),
		Generate: func(ctx context.Context, params json.RawMessage) (Dataset, error) {
			if n := running.Add(1); n > 1 {
				overlap <- fmt.Sprintf("build %s started while %d others ran", params, n-1)
			}
			defer running.Add(-1)
			var p struct{ Name string }
			json.Unmarshal(params, &p)
			switch p.Name {
			case "a": // ignores its cancellation until released, as a build between two checks does
				close(startedA)
				<-releaseA
			case "b":
				builtB.Store(true)
			}
			if err := ctx.Err(); err != nil {
				return Dataset{}, err
			}
			return datasets[p.Name], nil
		},
	})
	finishA := sync.OnceFunc(func() { close(releaseA) })
	t.Cleanup(finishA) // before the server closes, which waits for the PUT
	putA := sendAsync(http.MethodPut, ts.URL+"/_mock/dataset", `{"generator":{"name":"a"}}`)
	<-startedA
	putB := sendAsync(http.MethodPut, ts.URL+"/_mock/dataset", `{"generator":{"name":"b"}}`)
	sig.wait(t, "dataset build waits for the one before it to stop", 1, overlap)
	putC := sendAsync(http.MethodPut, ts.URL+"/_mock/dataset", `{"generator":{"name":"c"}}`)
	checkEnvelope(t, <-putB, http.StatusConflict, "Conflict") // superseded while it waited
	sig.wait(t, "dataset build waits for the one before it to stop", 2, overlap)
	finishA()
	checkEnvelope(t, <-putA, http.StatusConflict, "Conflict")
	if r := <-putC; r.status != http.StatusOK {
		t.Errorf("PUT c = %d %s, want 200", r.status, r.body)
	}
	if builtB.Load() {
		t.Error("PUT b, superseded while it waited, built anyway")
	}
	select {
	case why := <-overlap:
		t.Error(why)
	default:
	}
	if got, want := healthVersion(t, ts.URL), datasets["c"].Version; got != want {
		t.Errorf("health version = %s, want %s (the last PUT's)", got, want)
	}
}

// TestLoadScenarioSuperseded: the Go API reports a superseded build as
// ErrSuperseded.
func TestLoadScenarioSuperseded(t *testing.T) {
	s, err := New(scenarioDataset(t, "edges"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	b := s.builds.begin(context.Background(), "")
	defer b.end()
	s.Reset()
	if _, err := s.loadScenario(b, "tiny", []byte(tinyScenario)); !errors.Is(err, ErrSuperseded) {
		t.Errorf("loadScenario after a later Reset = %v, want ErrSuperseded", err)
	}
	if got := s.Dataset().Version; got != "test-edges" {
		t.Errorf("dataset = %s, want test-edges", got)
	}
}

// tenantVersionOf is the dataset version tenant tid serves.
func tenantVersionOf(tb testing.TB, base, tid string) string {
	tb.Helper()
	var sum datasetSummary
	r := get(tb, base+"/_mock/tenants/"+tid+"/dataset")
	if err := json.Unmarshal(r.body, &sum); err != nil || r.status != http.StatusOK {
		tb.Fatalf("GET the dataset of %s: %d %s", tid, r.status, r.body)
	}
	return sum.Version
}

// TestTenantChangesAreOrdered: with many tenants, a tenant's reset or PUT
// arriving while a PUT of the same tenant builds supersedes it, as the
// whole server's reset does (409 to the PUT, the later change stands); a
// change of another tenant leaves the build alone, which then installs.
func TestTenantChangesAreOrdered(t *testing.T) {
	tests := []struct {
		name         string
		method, path string // of the change arriving while tenant A's PUT builds: a reset, or a PUT of tiny
		// superseded tells whether A's PUT is answered 409 (else 200).
		superseded bool
		// wantA is the version tenant A serves in the end: its startup
		// data's ("startup"), the slow PUT's ("put") or tiny's ("tiny").
		wantA string
	}{
		{"reset of the same tenant", http.MethodPost, "/_mock/tenants/" + tidA + "/reset", true, "startup"},
		{"PUT of the same tenant", http.MethodPut, "/_mock/tenants/" + tidA + "/dataset?name=tiny", true, "tiny"},
		{"reset of the whole server", http.MethodPost, "/_mock/reset", true, "startup"},
		{"reset of another tenant", http.MethodPost, "/_mock/tenants/" + tidB + "/reset", false, "put"},
		{"PUT of another tenant", http.MethodPut, "/_mock/tenants/" + tidB + "/dataset?name=tiny", false, "put"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started, release := make(chan struct{}), make(chan struct{})
			sig := newSignals()
			big := scenarioDataset(t, "rows-1001")
			s, base := newMultiServer(t, Config{
				Logger: slog.New(logHook(sig.hook)),
				Generate: func(ctx context.Context, _ json.RawMessage) (Dataset, error) {
					close(started)
					<-release // heeds its cancellation only then, as a build between two checks does
					if err := ctx.Err(); err != nil {
						return Dataset{}, err
					}
					return big, nil
				},
			})
			startup := tenantVersionOf(t, base, tidA)
			finish := sync.OnceFunc(func() { close(release) })
			t.Cleanup(finish) // before the server closes, which waits for the PUT
			slow := sendAsync(http.MethodPut, base+"/_mock/tenants/"+tidA+"/dataset", `{"generator":{"users":50000}}`)
			<-started
			put, body := tt.method == http.MethodPut, ""
			if put {
				body = tinyScenario
			}
			later := sendAsync(tt.method, base+tt.path, body)
			var answer response
			if put {
				// A later build waits for the one before it to give up (of
				// the same tenant, cancelled) or to finish (another's).
				sig.wait(t, "dataset build waits for the one before it to stop", 1, nil)
			} else {
				answer = <-later // a reset is answered at once
			}
			finish() // a build nobody cancelled finishes now, after the later request
			if r := <-slow; tt.superseded {
				checkEnvelope(t, r, http.StatusConflict, "Conflict")
			} else if r.status != http.StatusOK {
				t.Errorf("tenant A's PUT = %d %s, want 200: a change of another tenant superseded it", r.status, r.body)
			}
			if put {
				answer = <-later
			}
			if answer.status != http.StatusOK {
				t.Errorf("the later change = %d %s, want 200", answer.status, answer.body)
			}
			want := map[string]string{"startup": startup, "put": tenantVersion(tidA, big.Version),
				"tiny": tenantVersion(tidA, scenarioVersion(t, s, "tiny", tinyScenario))}[tt.wantA]
			if got := tenantVersionOf(t, base, tidA); got != want {
				t.Errorf("tenant A serves version %s, want %s (%s)", got, want, tt.wantA)
			}
		})
	}
}

// scenarioVersion is the version a scenario document gets when loaded.
func scenarioVersion(tb testing.TB, s *Server, name, doc string) string {
	tb.Helper()
	ds, err := s.scenarios.Load(name, []byte(doc))
	if err != nil {
		tb.Fatal(err)
	}
	return ds.Version
}
