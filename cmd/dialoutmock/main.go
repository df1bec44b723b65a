// Command dialoutmock serves a local stand-in for the Microsoft Graph beta
// function callRecords.getPstnOnlineMeetingDialoutReport, from a seeded,
// deterministic generated tenant or a scenario file.
//
//	go run ./cmd/dialoutmock            # http://127.0.0.1:8080, the last 365 days
//	go run ./cmd/dialoutmock -h         # every flag; each is also DIALOUTMOCK_<NAME>
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/dialoutkit/dialoutkit/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dialoutmock:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for usage errors, 1 for everything else.
func exitCode(err error) int {
	if cli.IsUsage(err) {
		return cli.ExitUsage
	}
	return 1
}
