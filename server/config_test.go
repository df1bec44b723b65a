package server

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

func TestConfigValidateNamesTheField(t *testing.T) {
	good := Config{}.withDefaults()
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(defaults) = %v, want nil", err)
	}
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"page size 0", func(c *Config) { c.PageSize = 0 }, "PageSize"},
		{"page size 1001", func(c *Config) { c.PageSize = 1001 }, "PageSize"},
		{"auth mode", func(c *Config) { c.Auth = "maybe" }, "Auth"},
		{"empty auth mode", func(c *Config) { c.Auth = "" }, "Auth"},
		{"journal size 0", func(c *Config) { c.JournalSize = 0 }, "JournalSize"},
		{"journal size too large", func(c *Config) { c.JournalSize = MaxJournalSize + 1 }, "JournalSize"},
		{"negative fault rate", func(c *Config) { c.Chaos.FaultRate = -0.1 }, "Chaos.FaultRate"},
		{"fault rate over 1", func(c *Config) { c.Chaos.FaultRate = 1.5 }, "Chaos.FaultRate"},
		{"fault rate NaN", func(c *Config) { c.Chaos.FaultRate = math.NaN() }, "Chaos.FaultRate"},
		{"negative latency", func(c *Config) { c.Chaos.LatencyMin = -time.Millisecond }, "Chaos.Latency"},
		{"latency max below min", func(c *Config) { c.Chaos.LatencyMin, c.Chaos.LatencyMax = time.Second, time.Millisecond }, "Chaos.Latency"},
		{"latency past 5 minutes", func(c *Config) { c.Chaos.LatencyMax = maxDelay + 1 }, "Chaos.Latency"},
		{"throttle of no requests", func(c *Config) { c.Throttle = []Limit{{PerApp, 0, time.Second}} }, "Throttle"},
		{"throttle of no window", func(c *Config) { c.Throttle = []Limit{{PerApp, 1, 0}} }, "Throttle"},
		{"public URL scheme", func(c *Config) { c.PublicURL = mustURL("ftp://x") }, "PublicURL"},
		{"public URL without host", func(c *Config) { c.PublicURL = mustURL("http:///beta") }, "PublicURL"},
		{"public URL with a query", func(c *Config) { c.PublicURL = mustURL("http://x?a=1") }, "PublicURL"},
		{"public URL with a fragment", func(c *Config) { c.PublicURL = mustURL("http://x#f") }, "PublicURL"},
		{"public URL with credentials", func(c *Config) { c.PublicURL = mustURL("http://user:pw@h:9") }, "PublicURL"},
		{"public URL with a user", func(c *Config) { c.PublicURL = mustURL("http://user@h:9") }, "PublicURL"},
		{"public URL with an empty query", func(c *Config) { c.PublicURL = mustURL("http://h:9/?") }, "PublicURL"},
		{"public URL with a dot segment", func(c *Config) { c.PublicURL = mustURL("http://h:9/a/../b") }, "PublicURL"},
		{"public URL with an empty segment", func(c *Config) { c.PublicURL = mustURL("http://h:9/a//b") }, "PublicURL"},
		{"public URL with an escaped slash", func(c *Config) { c.PublicURL = mustURL("http://h:9/a%2Fb") }, "PublicURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want a *FieldError for %s matching ErrConfig", err, tt.field)
			}
			if fe.Reason == "" {
				t.Errorf("Validate = %v: no reason", err)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("Validate = %v: it repeats a password", err)
			}
		})
	}
}

func TestNewFillsInDefaultsThenValidates(t *testing.T) {
	if _, err := New(scenarioDataset(t, "edges"), Config{}); err != nil {
		t.Errorf("New(zero Config) = %v, want nil", err)
	}
	_, err := New(scenarioDataset(t, "edges"), Config{PageSize: 1001})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "PageSize" {
		t.Errorf("New(PageSize 1001) = %v, want a *FieldError for PageSize", err)
	}
	_, err = New(scenarioDataset(t, "edges"), Config{Chaos: Chaos{FaultRate: math.NaN()}})
	if !errors.As(err, &fe) || fe.Field != "Chaos.FaultRate" {
		t.Errorf("New(FaultRate NaN) = %v, want a *FieldError for Chaos.FaultRate", err)
	}
}
