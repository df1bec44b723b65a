package main

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
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
	}
	for _, c := range cases {
		_, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard, today)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), c.want) {
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
