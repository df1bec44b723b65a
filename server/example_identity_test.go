package server_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/dialoutkit/dialoutkit/devcert"
	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/report"
	"github.com/dialoutkit/dialoutkit/server"
)

// exampleEdges is the dataset of fixtures/scenarios/edges.json.
func exampleEdges() server.Dataset {
	b, _ := fixtures.Scenarios.ReadFile("scenarios/edges.json")
	sc, err := report.DecodeScenario(bytes.NewReader(b))
	if err != nil {
		panic(err)
	}
	ds, err := sc.CallLedger()
	if err != nil {
		panic(err)
	}
	return server.Dataset{Source: ds, Version: "example", Name: "edges"}
}

// Serve the mock over HTTPS with strict auth, and call it with a token
// minted for the report's role, through a client that trusts the generated CA.
func ExampleServer_Identity() {
	srv, err := server.New(exampleEdges(), server.Config{Auth: server.AuthStrict})
	if err != nil {
		panic(err)
	}
	cert, err := devcert.New(nil, time.Now())
	if err != nil {
		panic(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.TLS = cert.ServerConfig()
	ts.StartTLS()
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.CertPool()}}}

	for _, roles := range [][]string{{"CallRecords.Read.All"}, {"User.Read.All"}} {
		token, err := srv.Identity().Mint(roles...)
		if err != nil {
			panic(err)
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-10-01,toDateTime=2026-10-31)", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(roles, resp.StatusCode)
	}
	// Output:
	// [CallRecords.Read.All] 200
	// [User.Read.All] 403
}
