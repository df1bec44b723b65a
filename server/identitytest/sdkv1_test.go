//go:build sdk

package identitytest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/communications"
)

// TestV1SDKPagesTheCallLog: the Go v1.0 SDK's request builder for
// getPstnCalls, with a token azidentity gets from the mock's token endpoint
// and the SDK's own middleware, pages the v1.0 call log to its end over
// HTTPS, and reads every call GET /_mock/calls lists for the range, of every
// call type, with the same id, type, user, start and charge. The range's
// ends are the start times of two calls, so that the first and last rows
// show both ends inclusive (docs/contract.md#call-log).
//
// The v1.0 SDK has no builder for getPstnOnlineMeetingDialoutReport: the
// dial-out report is beta-only.
func TestV1SDKPagesTheCallLog(t *testing.T) {
	base, tr := startGenerated(t)
	ctx := context.Background()
	adapter := graphAdapter(t, base, tr, "v1.0", "1.89.0")

	week := mockRows(t, tr, base+"/_mock/calls?from=2026-11-10&to=2026-11-17")
	if len(week) < 1200 {
		t.Fatalf("GET /_mock/calls lists %d calls in the week, want at least 1200 for two pages of 1000", len(week))
	}
	from, to := week[100].Start, week[len(week)-100].Start
	listed := mockRows(t, tr, base+"/_mock/calls?from="+url.QueryEscape(from.Format(time.RFC3339))+"&to="+url.QueryEscape(to.Format(time.RFC3339)))

	builder := communications.NewCallRecordsRequestBuilderInternal(map[string]string{}, adapter).
		MicrosoftGraphCallRecordsGetPstnCallsWithFromDateTimeWithToDateTime(&from, &to)
	var got []logRow
	extras := map[string]int{}
	pages := 0
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
			got = append(got, rowOf(r, extras))
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

	types := map[string]int{}
	for _, r := range got {
		types[r.CallType]++
	}
	t.Logf("%s to %s: %d rows in %d pages, by type %v; GET /_mock/calls: %d", from.Format(time.RFC3339), to.Format(time.RFC3339), len(got), pages+1, types, len(listed))
	if len(got) != len(listed) {
		t.Errorf("the SDK read %d rows, GET /_mock/calls lists %d", len(got), len(listed))
	}
	checkRows(t, got, listed, extras)
	if len(got) == 0 {
		t.Fatal("the SDK read no rows")
	}
	if first, last := got[0].Start, got[len(got)-1].Start; !first.Equal(from) || !last.Equal(to) {
		t.Errorf("rows start from %v to %v, want %v to %v: both ends inclusive", first, last, from, to)
	}
	if pages < 1 || types["conf_out"] == 0 || types["ucap_in"]+types["ucap_out"] == 0 || len(types) < 4 {
		t.Errorf("%d pages, calls by type %v: want several pages, dial-outs, bot calls and other types", pages+1, types)
	}
}
