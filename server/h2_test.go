package server

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// What a client sees over HTTP/2 is what it sees over HTTP/1.1
// (docs/contract.md#like-the-live-service): each item below runs the same
// requests against a fresh server once over HTTP/1.1 and once over HTTP/2
// (h2c by prior knowledge), and the answers must be equal but for what
// differs per request (request ids, dates, the server's address).

// protoAnswer is one answer, with what differs per request taken out.
type protoAnswer struct {
	Status int
	Header map[string]string // the headers a client acts on
	Body   string
	Failed bool // no answer: the request failed (a dropped connection, a reset stream)
}

// perRequest matches the parts of a body that differ per request.
var perRequest = regexp.MustCompile(`"(request-id|client-request-id|date)":"[^"]*"`)

// protoClient sends requests over one protocol to a server of its own.
type protoClient struct {
	tb     testing.TB
	srv    *Server
	base   string
	proto  string // what resp.Proto must say
	client *http.Client
	fresh  func() *http.Client // a client on a new connection, for a drop
}

// newProtoClient starts a server with cfg that speaks HTTP/1.1 and h2c, and
// a client that speaks HTTP/2 (h2) or HTTP/1.1 to it.
func newProtoClient(tb testing.TB, cfg Config, h2 bool) *protoClient {
	tb.Helper()
	s, err := New(scenarioDataset(tb, "edges"), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // a dropped request is logged by net/http
	ts.Config.Protocols = new(http.Protocols)
	ts.Config.Protocols.SetHTTP1(true)
	ts.Config.Protocols.SetUnencryptedHTTP2(true)
	ts.Start()
	tb.Cleanup(ts.Close)
	transport := func() *http.Transport {
		tr := &http.Transport{}
		if h2 {
			tr.Protocols = new(http.Protocols)
			tr.Protocols.SetUnencryptedHTTP2(true)
		}
		return tr
	}
	pc := &protoClient{tb: tb, srv: s, base: ts.URL, proto: "HTTP/1.1"}
	if h2 {
		pc.proto = "HTTP/2.0"
	}
	// A client that cannot hang the test: a drop must fail the request, and
	// a timeout would say it did not.
	pc.client = &http.Client{Transport: transport(), Timeout: 20 * time.Second}
	pc.fresh = func() *http.Client {
		tr := transport()
		tr.DisableKeepAlives = true // on a reused connection Go's transport would retry the GET by itself
		return &http.Client{Transport: tr, Timeout: 20 * time.Second}
	}
	tb.Cleanup(pc.client.CloseIdleConnections)
	return pc
}

// do sends method path (under the base URL; a full URL as it is) with the
// bearer token unless noToken, and returns the answer.
func (pc *protoClient) do(client *http.Client, method, path string, noToken bool) protoAnswer {
	pc.tb.Helper()
	url := path
	if !strings.HasPrefix(url, "http") {
		url = pc.base + path
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		pc.tb.Fatal(err)
	}
	if !noToken {
		req.Header.Set("Authorization", "Bearer h2")
	}
	resp, err := client.Do(req)
	if err != nil {
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			pc.tb.Fatalf("%s %s over %s: %v: the client waited for an answer that never came", method, path, pc.proto, err)
		}
		return protoAnswer{Failed: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return protoAnswer{Failed: true}
	}
	if resp.Proto != pc.proto {
		pc.tb.Errorf("%s %s answered over %s, want %s", method, path, resp.Proto, pc.proto)
	}
	a := protoAnswer{Status: resp.StatusCode, Header: map[string]string{},
		Body: strings.ReplaceAll(perRequest.ReplaceAllString(string(body), `"$1":"-"`), pc.base, "BASE")}
	for _, h := range []string{"Content-Type", "Retry-After", "Allow", "WWW-Authenticate", "OData-Version"} {
		if v := resp.Header.Get(h); v != "" {
			a.Header[h] = v
		}
	}
	if resp.Header.Get("request-id") == "" {
		pc.tb.Errorf("%s %s over %s: %d without request-id", method, path, pc.proto, resp.StatusCode)
	}
	return a
}

func unmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func (pc *protoClient) get(path string) protoAnswer {
	pc.tb.Helper()
	return pc.do(pc.client, http.MethodGet, path, false)
}

// fault queues f on the server.
func (pc *protoClient) fault(f Fault) {
	pc.tb.Helper()
	if err := pc.srv.QueueFault(f); err != nil {
		pc.tb.Fatal(err)
	}
}

func TestHTTP2AnswersAsHTTP1(t *testing.T) {
	items := []struct {
		name string
		cfg  Config
		run  func(pc *protoClient) []protoAnswer
	}{
		{"paging", Config{PageSize: 2}, func(pc *protoClient) []protoAnswer {
			var out []protoAnswer
			for link := october + "?$count=true"; link != ""; {
				a := pc.get(link)
				out = append(out, a)
				var p page
				if a.Status != 200 || unmarshal(a.Body, &p) != nil || len(out) > 20 {
					break
				}
				link = strings.ReplaceAll(p.NextLink, "BASE", pc.base)
			}
			if len(out) < 3 {
				pc.tb.Errorf("%d pages, want several", len(out))
			}
			return out
		}},
		{"errors", Config{}, func(pc *protoClient) []protoAnswer {
			return []protoAnswer{
				pc.get(fnPath + "(fromDateTime=2026-10-31,toDateTime=2026-10-01)"),
				pc.get(fnPath + "(fromDateTime=,toDateTime=)"),
				pc.get(fnPath + "(fromDateTime=2026-01-01,toDateTime=2026-04-02)"),
				pc.get(october + "?$top=-1"),
				pc.get(october + "?$expand=x"),
				pc.get("/v1.0/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)"),
				pc.get("/beta/nope"),
				pc.get("/_mock/nope"),
				pc.do(pc.client, http.MethodPost, october, false),
				pc.do(pc.client, http.MethodGet, october, true),
			}
		}},
		{"faults with a status", Config{PageSize: 3}, func(pc *protoClient) []protoAnswer {
			var out []protoAnswer
			for _, st := range []int{401, 403, 429, 500, 503, 504} {
				pc.fault(Fault{Path: "getPstn", Times: 1, Status: st, RetryAfter: 2})
				out = append(out, pc.get(october), pc.get(october))
			}
			pc.fault(Fault{Path: "getPstn", Times: 1, Status: 503, Page: 2})
			first := pc.get(october)
			var p page
			unmarshal(first.Body, &p)
			out = append(out, first, pc.get(strings.ReplaceAll(p.NextLink, "BASE", pc.base)), pc.get(strings.ReplaceAll(p.NextLink, "BASE", pc.base)))
			return out
		}},
		{"delayMs", Config{}, func(pc *protoClient) []protoAnswer {
			pc.fault(Fault{Times: 1, DelayMs: 100})
			out := []protoAnswer{pc.get(october)}
			if j := pc.srv.Journal(JournalFilter{}); len(j) != 1 || j[0].DurationMs < 100 {
				pc.tb.Errorf("journal over %s = %+v, want one entry of at least 100 ms", pc.proto, j)
			}
			return out
		}},
		{"drop", Config{}, func(pc *protoClient) []protoAnswer {
			pc.fault(Fault{Times: 1, Drop: true})
			out := []protoAnswer{pc.do(pc.fresh(), http.MethodGet, october, false), pc.get(october)}
			if !out[0].Failed || out[1].Status != 200 {
				pc.tb.Errorf("over %s: dropped request %+v, next %d; want a failure, then 200", pc.proto, out[0], out[1].Status)
			}
			if j := pc.srv.Journal(JournalFilter{}); len(j) != 2 || j[0].Fault != "drop" {
				pc.tb.Errorf("journal over %s = %+v, want the drop then the 200", pc.proto, j)
			}
			return out
		}},
		{"drop and delayMs", Config{}, func(pc *protoClient) []protoAnswer {
			pc.fault(Fault{Times: 1, Drop: true, DelayMs: 50})
			return []protoAnswer{pc.do(pc.fresh(), http.MethodGet, october, false), pc.get(october)}
		}},
		{"throttling", Config{Throttle: []Limit{{PerApp, 3, time.Hour}}}, func(pc *protoClient) []protoAnswer {
			var out []protoAnswer
			for range 5 {
				a := pc.get(october)
				// Retry-After counts down the window: the same to the
				// second on both runs but for a run slower than a second.
				if s, err := strconv.Atoi(a.Header["Retry-After"]); err == nil && s > 3500 {
					a.Header["Retry-After"] = "about an hour"
				}
				out = append(out, a)
			}
			if out[2].Status != 200 || out[3].Status != 429 {
				pc.tb.Errorf("over %s: third and fourth requests %d and %d, want 200 then 429", pc.proto, out[2].Status, out[3].Status)
			}
			return out
		}},
	}
	for _, it := range items {
		t.Run(it.name, func(t *testing.T) {
			h1 := it.run(newProtoClient(t, it.cfg, false))
			h2 := it.run(newProtoClient(t, it.cfg, true))
			if diff := cmp.Diff(h1, h2); diff != "" {
				t.Errorf("answers over HTTP/2 differ from HTTP/1.1 (-h1 +h2):\n%s", diff)
			}
			if len(h1) == 0 {
				t.Fatal("no answers: the item did not run")
			}
			t.Logf("%d answers, the first: %d failed=%v %.80s", len(h1), h1[0].Status, h1[0].Failed, h1[0].Body)
		})
	}
}
