// Command dialoutconform checks a server against the documented contract of the Microsoft Graph beta
// function callRecords.getPstnOnlineMeetingDialoutReport: the dialoutkit mock, or the real Graph.
//
//	DIALOUTCONFORM_TOKEN=... dialoutconform --base-url https://graph.microsoft.com
//	dialoutconform --base-url http://127.0.0.1:8080 --junit report.xml --html report.html
//
// Every flag has an environment variable DIALOUTCONFORM_<NAME> (upper-case, - as _); a flag wins over
// its variable, which wins over the default. The token is read from the variable that --token-env
// names (DIALOUTCONFORM_TOKEN by default), so it never needs to be on the command line; --token exists
// for convenience and is visible to other users of the machine. The token never appears in any output.
//
// The profile defaults to mock for a loopback base URL (localhost, 127.0.0.0/8, ::1) and to graph
// otherwise: the graph profile is read-only and rate-capped (40 requests a minute unless --max-rpm),
// and says on stderr when it waits on the cap and about how long the run has left. The mock profile
// also loads datasets and resets the mock: it says so on stderr before the first check, and puts back
// the dataset and the queued faults it found; --no-mutate runs only the checks that change nothing.
// --header NAME:VALUE (repeatable) is sent on every request, for a gateway's own auth.
//
// Exit status: 0 when every MUST check passed, 1 when one failed, 2 on a usage error (a selection
// of no check among them) or when the kit could not run a check (network failure, persistent
// throttling, timeout) or put back what it changed.
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
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dialoutconform:", err)
		os.Exit(exitCode(err))
	}
}
