// Command dialoutbench measures dialoutmock against a ceiling: a plain
// net/http server writing the same pre-serialized bytes for the same
// requests. The mock runs as users run it (default flags, so the text
// request log goes to its stderr, a pipe the harness drains) and again with
// --log off; all run as separate processes on 127.0.0.1 and are driven
// alternately with the same load, so only ratios measured in one run are
// compared. It prints one Markdown table.
//
//	go run ./cmd/dialoutbench                    # throughput, latency, start-up, RSS
//	go run ./cmd/dialoutbench -large             # plus the 10-million-call ledger
//	go run ./cmd/dialoutbench -h2                # over HTTP/2 with TLS, mock and ceiling alike
//
// The load comes from wrk when it is on PATH (apt-get install wrk), else
// from a Go load generator in this process; with -h2, from h2load (apt-get
// install nghttp2-client), else from the Go generator over HTTP/2.
//
// It is a developer tool: it is not in the container image.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dialoutbench:", err)
		os.Exit(1)
	}
}
