package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/internal/cli"
	"github.com/dialoutkit/dialoutkit/report"
)

// TestLiveFlags: the flags of docs/contract.md#like-the-live-service, their
// environment variables and defaults (flag > env > default).
func TestLiveFlags(t *testing.T) {
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want func(config) any
		exp  any
	}{
		{"default range limit status", nil, nil, func(c config) any { return c.rangeLimitStatus }, 400},
		{"env range limit status", nil, map[string]string{"DIALOUTMOCK_RANGE_LIMIT_STATUS": "406"}, func(c config) any { return c.rangeLimitStatus }, 406},
		{"flag range limit status", []string{"--range-limit-status", "400"}, map[string]string{"DIALOUTMOCK_RANGE_LIMIT_STATUS": "406"}, func(c config) any { return c.rangeLimitStatus }, 400},
		{"default arrival delay", nil, nil, func(c config) any { return c.arrivalDelay }, report.Delay{}},
		{"env arrival delay", nil, map[string]string{"DIALOUTMOCK_ARRIVAL_DELAY": "36h"}, func(c config) any { return c.arrivalDelay }, report.Delay{Min: 36 * time.Hour, Max: 36 * time.Hour}},
		{"flag arrival delay", []string{"--arrival-delay", "24h-48h"}, map[string]string{"DIALOUTMOCK_ARRIVAL_DELAY": "36h"}, func(c config) any { return c.arrivalDelay }, report.Delay{Min: 24 * time.Hour, Max: 48 * time.Hour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard, today)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.want(cfg); got != c.exp {
				t.Errorf("got %v, want %v", got, c.exp)
			}
		})
	}
}

func TestLiveFlagErrorsNameTheFlag(t *testing.T) {
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--range-limit-status", "405"}, nil, "--range-limit-status: 405: want 400 or 406"},
		{nil, map[string]string{"DIALOUTMOCK_RANGE_LIMIT_STATUS": "x"}, "--range-limit-status"},
		{[]string{"--arrival-delay", "48h-24h"}, nil, "--arrival-delay: \"48h-24h\": 48h0m0s-24h0m0s: want 0 ≤ min ≤ max ≤ 720h0m0s"},
		{nil, map[string]string{"DIALOUTMOCK_ARRIVAL_DELAY": "a day"}, "--arrival-delay"},
	}
	for _, c := range cases {
		_, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard, today)
		if !cli.IsUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseConfig(%v, %v) = %v, want a usage error with %q", c.args, c.env, err, c.want)
		}
	}
}

// TestRangeLimitStatus406EndToEnd: the flag reaches the server.
func TestRangeLimitStatus406EndToEnd(t *testing.T) {
	base := startMock(t, nil, "--range-limit-status", "406", "--users", "5", "--window-end", "2026-11-01", "--log", "off")
	req, _ := http.NewRequest(http.MethodGet, base+"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=2026-01-01,toDateTime=2026-06-01)", nil)
	req.Header.Set("Authorization", "Bearer any")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 406 || !strings.Contains(string(body), `"code":"NotAcceptable"`) {
		t.Errorf("over 90 days: %d %s, want 406 NotAcceptable", resp.StatusCode, body)
	}
}

// TestArrivalDelayEndToEnd: with --arrival-delay 24h-48h the generated
// tenant's last day is still on its way: the dataset counts fewer calls
// arrived than it has, and a report of the last three days counts fewer
// calls than ?arrived=all lists.
func TestArrivalDelayEndToEnd(t *testing.T) {
	base := startMock(t, nil, "--arrival-delay", "24h-48h", "--log", "off")
	var sum struct{ Calls, ArrivedCalls int }
	if err := json.Unmarshal(fetch(t, base+"/_mock/dataset"), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.ArrivedCalls >= sum.Calls || sum.ArrivedCalls == 0 {
		t.Errorf("/_mock/dataset: %d calls, %d arrived; want some, but not all, arrived", sum.Calls, sum.ArrivedCalls)
	}
	now := time.Now().UTC()
	from, to := now.Add(-72*time.Hour).Format(time.RFC3339), now.Format(time.RFC3339)
	var inReport int64
	for _, r := range allRows(t, base+"/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime="+from+",toDateTime="+to+")") {
		inReport += r.TotalCalls
	}
	all := strings.Count(string(fetch(t, base+"/_mock/calls?arrived=all&from="+from+"&to="+to)), "\n")
	if inReport >= int64(all) || inReport == 0 {
		t.Errorf("the last three days: the report counts %d calls, ?arrived=all lists %d; want fewer, but some", inReport, all)
	}
}

func TestHelpNamesTheLiveFlags(t *testing.T) {
	var stderr strings.Builder
	if err := run(context.Background(), []string{"dialoutmock", "-h"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Fatalf("run -h = %v, want nil", err)
	}
	for _, name := range []string{"-range-limit-status", "-arrival-delay", "-h2c"} {
		if !strings.Contains(stderr.String(), name) {
			t.Errorf("usage does not mention %s", name)
		}
	}
}
