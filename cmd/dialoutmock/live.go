package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"

	"github.com/dialoutkit/dialoutkit/server"
)

// liveFlags are the flags that make the mock behave more like the live
// service (docs/contract.md#like-the-live-service). The server package
// validates each; liveFlags only maps a field error to its flag.
type liveFlags struct {
	rangeLimitStatus string
}

func (l *liveFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&l.rangeLimitStatus, "range-limit-status", "400", "`status` of a range over 90 days: 400 (BadRequest) or 406 (NotAcceptable, as the live service answered a sibling function)")
}

// config sets c's fields from the flags.
func (l *liveFlags) config(c *config) error {
	var err error
	if c.rangeLimitStatus, err = server.ParseRangeLimitStatus(l.rangeLimitStatus); err != nil {
		return serverFlagError(err)
	}
	return nil
}

// serverFlagError names the flag of the server.Config field an error is
// about, so an invalid setting is reported in the user's words.
func serverFlagError(err error) error {
	var fe *server.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	flag := map[string]string{"RangeLimitStatus": "--range-limit-status"}[fe.Field]
	return fmt.Errorf("%s: %s", cmp.Or(flag, fe.Field), fe.Reason)
}
