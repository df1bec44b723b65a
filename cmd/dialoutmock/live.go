package main

import (
	"errors"
	"flag"

	"github.com/dialoutkit/dialoutkit/server"
)

// liveFlags are the flags that make the mock behave more like the live
// service (docs/contract.md#like-the-live-service). The server package
// validates each; liveFlags only maps a field error to its flag.
type liveFlags struct {
	rangeLimitStatus string
	arrivalDelay     string
	h2c              bool
}

func (l *liveFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&l.rangeLimitStatus, "range-limit-status", "400", "`status` of a range over 90 days: 400 (BadRequest) or 406 (NotAcceptable, as the live service answered a sibling function)")
	fs.BoolVar(&l.h2c, "h2c", false, "also serve cleartext HTTP/2 (h2c), by prior knowledge and by Upgrade, on the same port as HTTP/1.1; over --tls, HTTP/2 is negotiated by ALPN anyway")
	fs.StringVar(&l.arrivalDelay, "arrival-delay", "0", "late arrival, as the live service's 24-48 h lag: each call is visible from its end plus a `delay` (36h) or one drawn per call, seeded, from a range (24h-48h); 0 shows every call at once")
}

// config sets c's fields from the flags.
func (l *liveFlags) config(c *config) error {
	var err error
	if c.rangeLimitStatus, err = server.ParseRangeLimitStatus(l.rangeLimitStatus); err != nil {
		return flagError(err)
	}
	if c.arrivalDelay, err = server.ParseArrivalDelay(l.arrivalDelay); err != nil {
		return flagError(err)
	}
	if l.h2c && c.identity.tls.enabled {
		return errors.New("--h2c: cleartext HTTP/2 and --tls exclude each other; over TLS, clients get HTTP/2 by ALPN")
	}
	c.h2c = l.h2c
	return nil
}
