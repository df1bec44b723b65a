package readme_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/internal/golden"
	"github.com/dialoutkit/dialoutkit/server"
	"github.com/dialoutkit/dialoutkit/server/mocktest"
)

// sampleCommand is the README's sample: how the mock is started and the
// request curl sends.
type sampleCommand struct {
	spec     generator.Spec
	pageSize int
	url      *url.URL
	headers  http.Header
}

// parseSample reads the README's sample-request block: one
// `go run ./cmd/dialoutmock FLAGS` line and one `curl` command. Only the
// flags and curl options modelled here may appear, so the test cannot
// silently answer a different command than the README shows.
func parseSample(text string) (sampleCommand, error) {
	var c sampleCommand
	var sawMock, sawCurl bool
	for _, line := range strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n") {
		words, err := shellWords(line)
		if err != nil {
			return c, err
		}
		switch {
		case len(words) == 0:
		case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/dialoutmock":
			if sawMock {
				return c, fmt.Errorf("two dialoutmock commands")
			}
			sawMock = true
			if c, err = parseMockFlags(c, words[3:]); err != nil {
				return c, err
			}
		case words[0] == "curl":
			if sawCurl {
				return c, fmt.Errorf("two curl commands")
			}
			sawCurl = true
			if c, err = parseCurl(c, words[1:]); err != nil {
				return c, err
			}
		default:
			return c, fmt.Errorf("unexpected command %q", line)
		}
	}
	if !sawMock || !sawCurl {
		return c, fmt.Errorf("want a go run ./cmd/dialoutmock line and a curl command")
	}
	return c, nil
}

// parseMockFlags reads the dialoutmock flags the sample may use, with the
// binary's defaults (cmd/dialoutmock/config.go).
func parseMockFlags(c sampleCommand, args []string) (sampleCommand, error) {
	fs := flag.NewFlagSet("dialoutmock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	windowEnd := fs.String("window-end", "", "")
	seed := fs.Int64("seed", generator.DefaultSeed, "")
	users := fs.Int("users", generator.DefaultUsers, "")
	fs.IntVar(&c.pageSize, "page-size", server.MaxPageSize, "")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("dialoutmock flags: %v", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("dialoutmock: unexpected argument %q", fs.Arg(0))
	}
	if *windowEnd == "" {
		return c, fmt.Errorf("the sample must fix --window-end, or its answer changes every day")
	}
	end, err := time.Parse(time.DateOnly, *windowEnd)
	if err != nil {
		return c, fmt.Errorf("--window-end: %v", err)
	}
	c.spec = generator.DefaultSpec(end)
	c.spec.Seed, c.spec.Users = *seed, *users
	return c, nil
}

// parseCurl reads the curl options the sample may use: -s and -H.
func parseCurl(c sampleCommand, args []string) (sampleCommand, error) {
	c.headers = http.Header{}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-s":
		case a == "-H" && i+1 < len(args):
			name, value, ok := strings.Cut(args[i+1], ":")
			if !ok {
				return c, fmt.Errorf("curl -H %q: want NAME: VALUE", args[i+1])
			}
			c.headers.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			i++
		case strings.HasPrefix(a, "http://") && c.url == nil:
			u, err := url.Parse(a)
			if err != nil {
				return c, err
			}
			c.url = u
		default:
			return c, fmt.Errorf("curl: unexpected argument %q", a)
		}
	}
	if c.url == nil {
		return c, fmt.Errorf("curl: no URL")
	}
	return c, nil
}

// TestSampleResponse runs the README's sample command against the mock and
// checks that the README shows exactly what it answers (indented there). The
// mock runs in process with the flags the command gives; the request keeps
// the command's Host, so the URLs in the answer are the ones curl would see.
// go test ./internal/readme -update rewrites the README's block.
func TestSampleResponse(t *testing.T) {
	sample, err := parseSample(readmeBlock(t, "sample-request").text)
	if err != nil {
		t.Fatalf("README.md sample-request: %v", err)
	}
	m := mocktest.New(t, mocktest.WithGenerator(sample.spec),
		mocktest.WithConfig(func(c *server.Config) { c.PageSize = sample.pageSize }))

	target := *sample.url
	target.Scheme, target.Host = "http", strings.TrimPrefix(m.URL, "http://")
	req, err := http.NewRequest(http.MethodGet, target.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = sample.url.Host
	req.Header = sample.headers.Clone()
	req.Header.Set("Accept", "*/*") // what curl sends
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s, want 200", sample.url, resp.StatusCode, body)
	}
	body = bytes.TrimSpace(body)

	if golden.Update() {
		var indented bytes.Buffer
		if err := json.Indent(&indented, body, "", "  "); err != nil {
			t.Fatal(err)
		}
		rewriteReadmeBlock(t, "sample-response", indented.String())
		return
	}
	shown := readmeBlock(t, "sample-response")
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(shown.text)); err != nil {
		t.Fatalf("README.md sample-response is not JSON: %v", err)
	}
	if diff := cmp.Diff(string(body), compact.String()); diff != "" {
		t.Errorf("README.md's sample response differs from what the mock answers (-answer +README); run go test ./internal/readme -update:\n%s", diff)
	}
}

func TestParseSample(t *testing.T) {
	cases := []struct {
		name, text, err string
	}{
		{name: "ok", text: "go run ./cmd/dialoutmock --window-end 2026-11-01 --page-size 2   # one terminal\ncurl -s -H 'Authorization: Bearer any' \\\n  'http://127.0.0.1:8080/beta/x'\n"},
		{name: "no fixed window", text: "go run ./cmd/dialoutmock\ncurl http://h/x\n", err: "the sample must fix --window-end, or its answer changes every day"},
		{name: "unknown flag", text: "go run ./cmd/dialoutmock --window-end 2026-11-01 --tls\ncurl http://h/x\n", err: "dialoutmock flags: flag provided but not defined: -tls"},
		{name: "unknown curl option", text: "go run ./cmd/dialoutmock --window-end 2026-11-01\ncurl -k http://h/x\n", err: `curl: unexpected argument "-k"`},
		{name: "no curl", text: "go run ./cmd/dialoutmock --window-end 2026-11-01\n", err: "want a go run ./cmd/dialoutmock line and a curl command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseSample(c.text)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("parseSample error = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.pageSize != 2 || got.url.Host != "127.0.0.1:8080" || got.headers.Get("Authorization") != "Bearer any" ||
				got.spec.WindowEnd != time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) {
				t.Errorf("parseSample = %+v, want page size 2, host 127.0.0.1:8080, a bearer header, window end 2026-11-01", got)
			}
		})
	}
}
