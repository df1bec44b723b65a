package dataset

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
)

func smallSpec() generator.Spec {
	s := generator.DefaultSpec(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	s.Users, s.WindowDays = 5, 10
	return s
}

func TestGenerateNamesAndVersionsBySpec(t *testing.T) {
	spec := smallSpec()
	ds, err := Generate(context.Background(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Version != spec.Version() || ds.Name != spec.String() || ds.Source.Summary().Users != 5 {
		t.Errorf("Generate = %q %q %d users, want %q %q 5 users", ds.Version, ds.Name, ds.Source.Summary().Users, spec.Version(), spec.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, spec, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate(cancelled) = %v, want context.Canceled", err)
	}
}

func TestGeneratorReadsParametersOverBase(t *testing.T) {
	base := smallSpec()
	build := Generator(base)
	tests := []struct {
		name    string
		params  string
		want    func(generator.Spec) generator.Spec
		wantErr error
	}{
		{"empty keeps base", `{}`, func(s generator.Spec) generator.Spec { return s }, nil},
		{"users replaced", `{"users": 3}`, func(s generator.Spec) generator.Spec { s.Users = 3; return s }, nil},
		{"bad users", `{"users": 0}`, nil, generator.ErrSpec},
		{"unknown field", `{"people": 3}`, nil, generator.ErrSpec},
		{"past the build bound", `{"users": 1000000, "intensity": 100}`, nil, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := build(context.Background(), []byte(tt.params))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Generator(%s) = %v, want %v", tt.params, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.want(base).Version(); ds.Version != want {
				t.Errorf("Generator(%s) version = %s, want %s", tt.params, ds.Version, want)
			}
		})
	}
}

func TestWriteCalls(t *testing.T) {
	l, err := NewScenarioLoader()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := l.Load("tiny", []byte(fixtures.TinyScenario(`"1.25"`)))
	if err != nil {
		t.Fatal(err)
	}
	all := report.Query{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		format string
		want   string
	}{
		{"", `{"id":"aaaaaaaa-0000-4000-8000-000000000001","organizerId":"11111111-2222-4333-8444-555555555555",`},
		{"jsonl", `"charge":1.25,`},
		// The 15 columns the CSV always had, then the organizer's identity and the call log fields.
		{"csv", "id,organizerId,startDateTime,endDateTime,duration,destinationContext,charge,connectionCharge,currency,usageLocation,dialerId,calleeNumber,destinationName,conferenceId,licenseCapability," +
			"userPrincipalName,userDisplayName,userUsageLocation,callType,callId,callerNumber,numberType,tenantCountryCode,otherPartyCountryCode,inventoryType,operator,callDurationSource\n" +
			"aaaaaaaa-0000-4000-8000-000000000001,11111111-2222-4333-8444-555555555555,2026-10-05T10:00:00Z,2026-10-05T10:01:01Z,61,Domestic,1.25,0.00,EUR,NL,,,,,," +
			"a@contoso.com,A,NL,conf_out,,,,,,,,"},
	}
	for _, tt := range tests {
		t.Run("format "+tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteCalls(&b, tt.format, ds.Source.Calls(all), UsersOf(ds.Source)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) || strings.Count(b.String(), "\n") != 1+strings.Count(tt.want, "\n") {
				t.Errorf("WriteCalls(%q) = %q, want it to hold %q", tt.format, b.String(), tt.want)
			}
		})
	}
	if err := WriteCalls(&bytes.Buffer{}, "xml", ds.Source.Calls(all), nil); err == nil {
		t.Error("WriteCalls(xml) = nil, want an error")
	}
}
