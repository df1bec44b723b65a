//go:build sdk

// The Go SDKs take minutes to compile on 2 cores (their models packages are
// large: about 10 minutes for the beta SDK, 5 for v1.0), so their tests are
// behind the sdk build tag, out of .ci/run's budget; run them with
//
//	cd server/identitytest && go test -tags sdk -run SDK ./...
//
// The two SDKs share one module graph here: msgraph-sdk-go and
// msgraph-beta-sdk-go require the same msgraph-sdk-go-core and kiota
// libraries, within a patch version of each other.
package identitytest

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/communications"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/shopspring/decimal"

	"github.com/dialoutkit/dialoutkit/devcert"
	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/server"
)

// startGenerated serves a generated tenant with every call type over HTTPS,
// strict auth and pages of 1000, Graph's own size, and returns its base URL
// and a transport that trusts only the mock's CA.
func startGenerated(t *testing.T) (string, *http.Transport) {
	t.Helper()
	spec := generator.Spec{Seed: 7, Users: 40, Domain: "contoso.com", Intensity: 30, InternationalShare: 0.2,
		WindowEnd: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), WindowDays: 30}
	ds, err := dataset.Generate(context.Background(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ds, server.Config{Auth: server.AuthStrict, Identity: identity.Config{Apps: []identity.App{reader}}})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := devcert.New(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.TLS = cert.ServerConfig()
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cert.CAPEM) {
		t.Fatal("the CA holds no certificate")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	return ts.URL, tr
}

// TestBetaSDKPagesTheCallLog: the Go beta SDK's request builder for
// getPstnCalls, with a token azidentity gets from the mock's token endpoint
// and the SDK's own middleware (retry, redirect, headers), pages the call
// log to its end over HTTPS, and finds every call GET /_mock/calls lists for
// the range, bot calls without a user among them.
func TestBetaSDKPagesTheCallLog(t *testing.T) {
	base, tr := startGenerated(t)
	ctx := context.Background()
	adapter := graphAdapter(t, base, tr, "beta", "0.160.0")

	from, to := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	// The path from the SDK's own template, {+baseurl}/communications/callRecords/..., the base URL
	// the adapter's.
	builder := communications.NewCallRecordsRequestBuilderInternal(map[string]string{}, adapter).
		MicrosoftGraphCallRecordsGetPstnCallsWithFromDateTimeWithToDateTime(&from, &to)
	rows, pages, bots, dialOuts := 0, 0, 0, 0
	var got []logRow
	extras := map[string]int{}
	resp, err := builder.GetAsGetPstnCallsWithFromDateTimeWithToDateTimeGetResponse(ctx, nil)
	for ; ; pages++ {
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		value := resp.GetValue()
		if len(value) > 1000 {
			t.Errorf("page %d holds %d rows, more than 1000", pages+1, len(value))
		}
		for _, r := range value {
			rows++
			got = append(got, rowOf(r, extras))
			switch typ := deref(r.GetCallType()); typ {
			case "ucap_in", "ucap_out":
				bots++
				if r.GetUserId() != nil {
					t.Errorf("bot row %s has userId %s, want none", deref(r.GetId()), deref(r.GetUserId()))
				}
			case "conf_out":
				dialOuts++
			}
			if r.GetStartDateTime() == nil || r.GetStartDateTime().Before(from) || r.GetStartDateTime().After(to) || r.GetCharge() == nil {
				t.Errorf("row %s: start %v, charge %v: want inside the range, with a charge", deref(r.GetId()), r.GetStartDateTime(), r.GetCharge())
			}
		}
		next := resp.GetOdataNextLink()
		if next == nil || *next == "" {
			break
		}
		if pages > 100 {
			t.Fatal("a nextLink loop")
		}
		resp, err = builder.WithUrl(*next).GetAsGetPstnCallsWithFromDateTimeWithToDateTimeGetResponse(ctx, nil)
	}

	listed := mockRows(t, tr, base+"/_mock/calls?from=2026-11-10&to=2026-11-17")
	want := len(listed)
	t.Logf("%d rows in %d pages: %d dial-outs, %d bot calls; GET /_mock/calls: %d", rows, pages+1, dialOuts, bots, want)
	if rows != want {
		t.Errorf("the SDK read %d rows, GET /_mock/calls lists %d", rows, want)
	}
	checkRows(t, got, listed, extras)
	if pages < 1 || bots == 0 || dialOuts == 0 || dialOuts == rows {
		t.Errorf("%d pages, %d bot calls, %d of %d rows dial-outs: want several pages and every kind of call", pages+1, bots, dialOuts, rows)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// graphAdapter is the request adapter msgraph-sdk-go-core builds for a
// Graph client, as a user's code would: the SDK's default middleware (retry,
// redirect, headers) over tr, a token azidentity gets from the mock's token
// endpoint for the reader app, and base plus the service version as its
// base URL. The SDK's generated client (NewGraphServiceClient) is left out:
// it would register every serializer and compile nothing more than this.
func graphAdapter(t *testing.T, base string, tr *http.Transport, version, libraryVersion string) *core.GraphRequestAdapterBase {
	t.Helper()
	cred := credential(t, base, &http.Client{Transport: tr}, "contoso.onmicrosoft.com", reader)
	u, _ := url.Parse(base)
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred,
		[]string{"https://graph.microsoft.com/.default"}, []string{u.Hostname()})
	if err != nil {
		t.Fatal(err)
	}
	opts := core.GraphClientOptions{GraphServiceVersion: version, GraphServiceLibraryVersion: libraryVersion}
	httpClient := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(tr, core.GetDefaultMiddlewaresWithOptions(&opts)...)}
	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonSerializationWriterFactory()
	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, opts, parse, write, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(base + "/" + version)
	return adapter
}

// logRow is what the SDK tests compare of a call log entry with the line
// GET /_mock/calls writes for the call.
type logRow struct {
	ID       string
	CallType string
	UserID   string // the attributed user; "" for a bot call
	Start    time.Time
	// Charge is the decimal's canonical form (decimal.Decimal.String), so
	// 0.30 and 0.3 read alike and a float artefact does not.
	Charge string
}

// sdkRow is the part of pstnCallLogRow that the beta and v1.0 SDKs' models
// share.
type sdkRow interface {
	GetId() *string
	GetCallType() *string
	GetUserId() *string
	GetStartDateTime() *time.Time
	GetCharge() *float64
	GetAdditionalData() map[string]any
}

// rowOf is r as a logRow. Both SDKs model charge, an Edm.Decimal, as a
// float64: its shortest decimal form is the decimal the mock wrote, if that
// has at most 15 significant digits. rowOf counts in extras the properties
// r carried that its model does not know.
func rowOf(r sdkRow, extras map[string]int) logRow {
	row := logRow{ID: deref(r.GetId()), CallType: deref(r.GetCallType()), UserID: deref(r.GetUserId())}
	if s := r.GetStartDateTime(); s != nil {
		row.Start = *s
	}
	if c := r.GetCharge(); c != nil {
		row.Charge = decimal.NewFromFloat(*c).String()
	}
	for k := range r.GetAdditionalData() {
		extras[k]++
	}
	return row
}

// mockRows reads the JSON lines of GET link (GET /_mock/calls) as logRows,
// in the call log's order: by startDateTime, then id
// (docs/contract.md#call-log).
func mockRows(t *testing.T, tr *http.Transport, link string) []logRow {
	t.Helper()
	resp, err := (&http.Client{Transport: tr}).Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, want 200", link, resp.StatusCode)
	}
	var rows []logRow
	dec := json.NewDecoder(resp.Body)
	for {
		var c struct {
			ID            string          `json:"id"`
			OrganizerID   string          `json:"organizerId"`
			CallType      string          `json:"callType"`
			StartDateTime time.Time       `json:"startDateTime"`
			Charge        decimal.Decimal `json:"charge"`
		}
		if err := dec.Decode(&c); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("GET %s: line %d: %v", link, len(rows)+1, err)
		}
		if c.CallType == "" {
			c.CallType = "conf_out" // a call that names no type (docs/contract.md#loading-real-data)
		}
		rows = append(rows, logRow{ID: c.ID, CallType: c.CallType, UserID: c.OrganizerID, Start: c.StartDateTime, Charge: c.Charge.String()})
	}
	slices.SortFunc(rows, func(a, b logRow) int {
		return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID))
	})
	return rows
}

// checkRows compares the rows an SDK read, in the order it read them, with
// the rows GET /_mock/calls lists, and wants no property the SDK's model
// does not know.
func checkRows(t *testing.T, got, want []logRow, extras map[string]int) {
	t.Helper()
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-/_mock/calls +SDK):\n%s", diff)
	}
	if len(extras) != 0 {
		t.Errorf("properties outside the SDK's model, with the rows carrying them: %v, want none", extras)
	}
}
