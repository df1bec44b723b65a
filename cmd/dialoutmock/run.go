package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/net/netutil"

	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/server"
)

// Server limits (issue 7): a slow or hostile client is cut off without
// holding resources others need. Faults may delay an answer by up to 5
// minutes, so writes may take that long.
const (
	readTimeout    = 30 * time.Second
	writeTimeout   = 6 * time.Minute
	idleTimeout    = 2 * time.Minute
	maxHeaderBytes = 64 << 10
)

// run is the whole program: parse the configuration, build the dataset and
// the server, listen, and serve until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "generate" {
		return runGenerate(ctx, args[2:], getenv, stdout, stderr)
	}
	cfg, err := parseConfig(args[1:], getenv, stderr, time.Now().UTC())
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logs, logger, err := newLog(cfg.logFormat, stderr)
	if err != nil {
		return err
	}
	defer flushLog(logs)

	ds, err := loadDataset(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	// Generating a large ledger leaves garbage several times the index's
	// size: give it back to the OS before serving.
	debug.FreeOSMemory()
	sc := cfg.serverConfig()
	sc.Logger = logger
	sc.Log = logs
	sc.Debug = debugHandler(cfg.pprof)
	sc.Generate = dataset.Generator(cfg.spec)
	srv, err := server.New(ds, sc)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	ln = netutil.LimitListener(ln, cfg.maxConns)
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	configureHTTP2(hs, cfg.h2c) // h2.go
	var upgrader *h2cUpgrader
	if cfg.h2c {
		if upgrader, err = newH2CUpgrader(srv, hs); err != nil {
			return err
		}
		hs.Handler = upgrader
	}
	base := "http://" + ln.Addr().String()
	ln, base, sec, err := listenTLS(ln, base, cfg.identity.tls, time.Now()) // --tls (tls.go)
	if err != nil {
		return err
	}
	defer sec.Close()
	// The first line is the URL alone, for programs and tests that start the
	// mock on :0 to read; the banner, for people, follows.
	fmt.Fprintln(stdout, reachable(base))
	printBanner(stdout, base, ds, cfg, time.Now().UTC())
	printIdentity(stdout, base, sec, cfg)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	notice := io.Writer(stderr)
	if logs != nil {
		notice = logs // after the lines before it, and never stuck on stderr
	}
	fmt.Fprintf(notice, "shutting down: waiting up to %s for requests in flight\n", cfg.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := shutdown(sctx, hs, upgrader); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// logFlushTimeout bounds how long the last log lines may wait for a stuck
// stderr at exit.
const logFlushTimeout = 5 * time.Second

// newLog starts the request log on w, buffered so that no request waits for
// stderr; none for --log off, whose logger discards.
func newLog(format string, w io.Writer) (*server.LogSink, *slog.Logger, error) {
	if format == "off" {
		return nil, slog.New(slog.DiscardHandler), nil
	}
	l, err := server.NewLogSink(w, server.LogFormat(format))
	if err != nil {
		return nil, nil, err
	}
	return l, l.Logger(), nil
}

// flushLog writes the request log's last lines before the program ends.
func flushLog(l *server.LogSink) {
	if l == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), logFlushTimeout)
	defer cancel()
	l.Close(ctx) // an error means stderr is stuck: there is no one to tell
}

// loadDataset builds the dataset the flags ask for: a scenario file, or the
// generated tenant. Large work reports progress on a terminal and a summary
// line in any case.
func loadDataset(ctx context.Context, cfg config, stderr io.Writer) (server.Dataset, error) {
	start := time.Now()
	var ds server.Dataset
	if cfg.scenario != "" {
		loader, err := dataset.NewScenarioLoader()
		if err != nil {
			return ds, err
		}
		if ds, err = loader.LoadFile(cfg.scenario); err != nil {
			return ds, err
		}
	} else {
		var err error
		if ds, err = dataset.Generate(ctx, cfg.spec, newProgress(stderr, "generating ledger")); err != nil {
			return ds, err
		}
	}
	sum := ds.Source.Summary()
	fmt.Fprintf(stderr, "dataset %s: %d users, %d calls, %d keys, version %s, built in %s\n",
		ds.Name, sum.Users, sum.Calls, sum.Rows, ds.Version, time.Since(start).Round(time.Millisecond))
	return ds, nil
}

// printBanner tells the user where the mock is and how to call it.
func printBanner(w io.Writer, base string, ds server.Dataset, cfg config, now time.Time) {
	to := now.Format(time.DateOnly)
	from := now.AddDate(0, 0, -30).Format(time.DateOnly)
	pub := base
	if cfg.publicURL != nil {
		pub = cfg.publicURL.String()
	}
	fmt.Fprintf(w, "dialoutmock serving %s on %s (auth %s, page size %d)\n", ds.Name, pub, cfg.auth, cfg.pageSize)
	fmt.Fprintf(w, "dashboard: %s/_mock/ui/\n", reachable(base))
	if cfg.auth == server.AuthStrict || strings.HasPrefix(base, "https:") {
		return // printIdentity shows a token request and a report request that work
	}
	fmt.Fprintf(w, "try:\n  curl -H 'Authorization: Bearer any' '%s/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=%s,toDateTime=%s)'\n", reachable(base), from, to)
}

// debugHandler serves net/http/pprof when asked, for profiling the mock
// under load: go tool pprof http://127.0.0.1:8080/_mock/debug/pprof/profile
func debugHandler(on bool) http.Handler {
	if !on {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return http.StripPrefix("/_mock", mux)
}
