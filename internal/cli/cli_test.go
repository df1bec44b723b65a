package cli

import (
	"errors"
	"flag"
	"io"
	"testing"
	"time"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

func TestParsePrecedence(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantN    int
		wantD    time.Duration
		wantName string
	}{
		{"defaults", nil, nil, 7, time.Second, "def"},
		{"env over default", map[string]string{"T_PAGE_SIZE": "9", "T_WAIT": "2s"}, nil, 9, 2 * time.Second, "def"},
		{"flag over env", map[string]string{"T_PAGE_SIZE": "9", "T_NAME": "env"}, []string{"--page-size", "11", "--name", "flag"}, 11, time.Second, "flag"},
		{"empty env is unset", map[string]string{"T_PAGE_SIZE": ""}, nil, 7, time.Second, "def"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			n := fs.Int("page-size", 7, "")
			d := fs.Duration("wait", time.Second, "")
			s := fs.String("name", "def", "")
			if err := Parse(fs, "T_", tt.args, func(k string) string { return tt.env[k] }); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if *n != tt.wantN || *d != tt.wantD || *s != tt.wantName {
				t.Errorf("got (%d, %v, %q), want (%d, %v, %q)", *n, *d, *s, tt.wantN, tt.wantD, tt.wantName)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		help bool
	}{
		{"bad env value", map[string]string{"T_PAGE_SIZE": "x"}, nil, false},
		{"bad flag value", nil, []string{"--page-size", "x"}, false},
		{"unknown flag", nil, []string{"--nope"}, false},
		{"stray argument", nil, []string{"extra"}, false},
		{"help", nil, []string{"-h"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.Int("page-size", 7, "")
			err := Parse(fs, "T_", tt.args, func(k string) string { return tt.env[k] })
			if tt.help {
				if !errors.Is(err, flag.ErrHelp) || IsUsage(err) {
					t.Errorf("Parse(-h) = %v, want flag.ErrHelp", err)
				}
				return
			}
			if !IsUsage(err) {
				t.Errorf("Parse = %v, want a UsageError", err)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("DIALOUTMOCK_", "window-end"); got != "DIALOUTMOCK_WINDOW_END" {
		t.Errorf("EnvName = %q, want DIALOUTMOCK_WINDOW_END", got)
	}
}
