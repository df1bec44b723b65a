// Package cli holds what both command-line tools share: flags read over their
// environment variables over their defaults, and the usage error that exits 2.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// ExitUsage is the exit status of bad usage: an unknown flag, a bad value, a
// stray argument.
const ExitUsage = 2

// UsageError is bad usage of a command: its process exits with ExitUsage.
type UsageError struct{ Err error }

func (u *UsageError) Error() string { return u.Err.Error() }
func (u *UsageError) Unwrap() error { return u.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// IsUsage reports whether err is (or wraps) a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// EnvName is the environment variable of a flag: with prefix DIALOUTMOCK_,
// --window-end is DIALOUTMOCK_WINDOW_END.
func EnvName(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse sets every flag of fs from its environment variable (EnvName of
// prefix and the flag's name) when that is not empty, then from args, so a
// flag wins over the environment, which wins over the default. A bad value,
// an unknown flag or a stray argument is a UsageError; -h and -help return
// flag.ErrHelp as it is.
func Parse(fs *flag.FlagSet, prefix string, args []string, getenv func(string) string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := EnvName(prefix, f.Name)
		if v := getenv(name); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return &UsageError{Err: envErr}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
