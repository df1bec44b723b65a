//go:build sdk

// The Go beta SDK takes about 10 minutes to compile on 2 cores, so this test
// is behind the sdk build tag, out of .ci/run's budget; run it with
//
//	cd server/identitytest && go test -tags sdk -run TestBetaSDKPagesTheCallLog ./...
package identitytest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/communications"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"

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
	cred := credential(t, base, &http.Client{Transport: tr}, "contoso.onmicrosoft.com", reader)
	u, _ := url.Parse(base)
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred,
		[]string{"https://graph.microsoft.com/.default"}, []string{u.Hostname()})
	if err != nil {
		t.Fatal(err)
	}
	opts := core.GraphClientOptions{GraphServiceVersion: "beta", GraphServiceLibraryVersion: "0.160.0"}
	httpClient := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(tr, core.GetDefaultMiddlewaresWithOptions(&opts)...)}
	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonSerializationWriterFactory()
	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, opts, parse, write, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(base + "/beta")

	from, to := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	// The path from the SDK's own template, {+baseurl}/communications/callRecords/..., the base URL
	// the adapter's.
	builder := communications.NewCallRecordsRequestBuilderInternal(map[string]string{}, adapter).
		MicrosoftGraphCallRecordsGetPstnCallsWithFromDateTimeWithToDateTime(&from, &to)
	rows, pages, bots, dialOuts := 0, 0, 0, 0
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

	want := countLines(t, tr, base+"/_mock/calls?from=2026-11-10&to=2026-11-17")
	t.Logf("%d rows in %d pages: %d dial-outs, %d bot calls; GET /_mock/calls: %d", rows, pages+1, dialOuts, bots, want)
	if rows != want {
		t.Errorf("the SDK read %d rows, GET /_mock/calls lists %d", rows, want)
	}
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

// countLines counts the lines GET link answers.
func countLines(t *testing.T, tr *http.Transport, link string) int {
	t.Helper()
	resp, err := (&http.Client{Transport: tr}).Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", link, resp.StatusCode, err)
	}
	n := 0
	for sc := bufio.NewScanner(bytes.NewReader(b)); sc.Scan(); n++ {
	}
	return n
}
