package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/report"
)

// scenarioDataset loads a named scenario of fixtures/scenarios.
func scenarioDataset(tb testing.TB, name string) Dataset {
	tb.Helper()
	b, err := fixtures.Scenarios.ReadFile("scenarios/" + name + ".json")
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := report.DecodeScenario(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	ds, err := sc.CallLedger()
	if err != nil {
		tb.Fatalf("dataset %s: %v", name, err)
	}
	return Dataset{Source: ds, Version: "test-" + name, Name: name}
}

// newTestServer starts the mock over ds on 127.0.0.1:0.
func newTestServer(tb testing.TB, ds Dataset, cfg Config) (*Server, *httptest.Server) {
	tb.Helper()
	s, err := New(ds, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends a GET with a bearer token and the given extra headers (name, value pairs).
func get(tb testing.TB, rawURL string, headers ...string) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer opaque-test-token")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(tb, req)
}

func do(tb testing.TB, req *http.Request) response {
	tb.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// page is a decoded report page; rows keep totalCallCharge as its JSON text.
type page struct {
	Context  string `json:"@odata.context"`
	Count    *int   `json:"@odata.count"`
	NextLink string `json:"@odata.nextLink"`
	Value    []row  `json:"value"`
}

type row struct {
	UserID             string          `json:"userId"`
	UserPrincipalName  string          `json:"userPrincipalName"`
	UserDisplayName    string          `json:"userDisplayName"`
	UsageLocation      string          `json:"usageLocation"`
	DestinationContext string          `json:"destinationContext"`
	Currency           string          `json:"currency"`
	TotalCalls         int64           `json:"totalCalls"`
	TotalCallSeconds   int64           `json:"totalCallSeconds"`
	TotalCallCharge    json.RawMessage `json:"totalCallCharge"`
}

func decodePage(tb testing.TB, r response) page {
	tb.Helper()
	if r.status != http.StatusOK {
		tb.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	var p page
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		tb.Fatalf("decode page: %v\n%s", err, r.body)
	}
	return p
}

// walk follows nextLinks from first and returns every row and every page.
func walk(tb testing.TB, first string) ([]row, []page) {
	tb.Helper()
	var rows []row
	var pages []page
	for link := first; link != ""; {
		p := decodePage(tb, get(tb, link))
		pages = append(pages, p)
		rows = append(rows, p.Value...)
		link = p.NextLink
		if len(pages) > 10_000 {
			tb.Fatal("more than 10000 pages: a nextLink loop?")
		}
	}
	return rows, pages
}

// envelope is Graph's error body, with message kept as a pointer so a
// missing key is told apart from an empty one.
type errBody struct {
	Error struct {
		Code       string  `json:"code"`
		Message    *string `json:"message"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

func decodeError(tb testing.TB, r response) errBody {
	tb.Helper()
	var e errBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		tb.Fatalf("error body is not JSON: %v\n%s", err, r.body)
	}
	return e
}

// panicSource panics on every report, to test recovery.
type panicSource struct{ *report.CallLedger }

func (panicSource) Rows(report.Query) []report.Row { panic("boom") }

// mustRequest is a GET with a bearer token, to change before sending.
func mustRequest(tb testing.TB, rawURL string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer x")
	return req
}
