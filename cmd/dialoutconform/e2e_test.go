package main

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

// buildBinaries builds dialoutmock and dialoutconform into a temporary
// directory, once per test.
func buildBinaries(t *testing.T) (mock, conform string) {
	t.Helper()
	dir := t.TempDir()
	mock, conform = filepath.Join(dir, "dialoutmock"), filepath.Join(dir, "dialoutconform")
	for bin, pkg := range map[string]string{mock: "../dialoutmock", conform: "."} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return mock, conform
}

// startRealMock runs the dialoutmock binary and waits for /_mock/health.
func startRealMock(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log", "off"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() { // dialoutmock prints its base URL alone on the first line
			urls <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	var base string
	select {
	case base = <-urls:
	case <-time.After(60 * time.Second):
		t.Fatal("dialoutmock printed no URL")
	}
	for i := 0; i < 500; i++ {
		if resp, err := http.Get(base + "/_mock/health"); err == nil {
			resp.Body.Close()
			return base
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("dialoutmock never became healthy")
	return ""
}

// TestRealBinariesConform runs dialoutconform against dialoutmock, both
// built from this repository: every MUST check passes (exit 0), in the mock
// profile at the default page size and at 7 (so paging checks have pages),
// with an admin key, and in the read-only graph profile.
func TestRealBinariesConform(t *testing.T) {
	mock, conform := buildBinaries(t)
	cases := []struct {
		name    string
		mockEnv []string
		mockArg []string
		args    []string
		env     []string
	}{
		{"mock profile, page size 1000", nil, nil, []string{"--profile", "mock"}, nil},
		{"mock profile, page size 7", nil, []string{"--page-size", "7"}, []string{"--profile", "mock"}, nil},
		{"mock profile, admin key", []string{"DIALOUTMOCK_ADMIN_KEY=k-1"}, []string{"--page-size", "50"}, []string{"--profile", "mock"}, []string{"DIALOUTCONFORM_ADMIN_KEY=k-1"}},
		{"graph profile", nil, []string{"--page-size", "7"}, []string{"--profile", "graph", "--max-rpm", "-1"}, []string{"DIALOUTCONFORM_TOKEN=opaque"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := startRealMock(t, mock, c.mockEnv, c.mockArg...)
			junit := filepath.Join(t.TempDir(), "junit.xml")
			cmd := exec.Command(conform, append([]string{"--base-url", base, "--junit", junit}, c.args...)...)
			cmd.Env = append(os.Environ(), c.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if errors.As(err, &exit) || err != nil {
				t.Fatalf("dialoutconform: %v\n%s", err, out)
			}
			b, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			var suites struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
				Errors   int `xml:"errors,attr"`
			}
			if err := xml.Unmarshal(b, &suites); err != nil {
				t.Fatalf("junit: %v", err)
			}
			if suites.Tests < 35 || suites.Errors != 0 {
				t.Errorf("junit: %d checks, %d errors; want at least 35 checks and no error\n%s", suites.Tests, suites.Errors, out)
			}
			summary := strings.TrimSpace(string(out))
			t.Logf("%s", summary[strings.LastIndexByte(summary, '\n')+1:])
			if suites.Failures > 0 {
				fmt.Fprintf(os.Stderr, "%s\n", out) // SHOULD failures: shown, not fatal
			}
		})
	}
}
