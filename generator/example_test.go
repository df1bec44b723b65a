package generator_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
)

func ExampleGenerate() {
	// The default tenant, with its window fixed so the output is repeatable.
	spec := generator.DefaultSpec(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	tenant, err := generator.Generate(context.Background(), spec, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := tenant.Summary()
	fmt.Println(sum.Users, "users,", sum.Calls, "calls")

	// The report over one day, and the calls it adds up.
	q := report.Query{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
	rows := tenant.Rows(q)
	r := rows[0]
	fmt.Println(len(rows), "rows; first:", r.UserPrincipalName, r.UsageLocation, r.DestinationContext, r.Currency,
		r.TotalCalls, r.TotalCallSeconds, r.TotalCallCharge)
	for c := range tenant.Calls(q) {
		fmt.Println("first call:", c.StartDateTime.Format(time.RFC3339), c.UsageLocation, c.CalleeNumber, c.Duration, c.Charge, c.Currency)
		break
	}
	// Output:
	// 300 users, 38820 calls
	// 97 rows; first: abby.rutherford@contoso.com NL Domestic EUR 1 162 0.10
	// first call: 2026-11-02T00:19:31Z JP +81351317**** 328 18.00 JPY
}
