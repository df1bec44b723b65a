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
	fmt.Println(sum.Users, "users,", sum.Calls, "calls of every type")
	for _, t := range sum.CallTypes {
		if t.CallType == report.ConfOut {
			fmt.Println(t.Calls, "dial-outs (conf_out)")
		}
	}

	// The report over one day, and the calls it adds up.
	q := report.Query{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
	rows := tenant.Rows(q)
	r := rows[0]
	fmt.Println(len(rows), "rows; first:", r.UserPrincipalName, r.UsageLocation, r.DestinationContext, r.Currency,
		r.TotalCalls, r.TotalCallSeconds, r.TotalCallCharge)
	first := true
	for c := range tenant.Calls(q) {
		if first {
			fmt.Println("first call:", c.Type(), c.StartDateTime.Format(time.RFC3339), c.UsageLocation, c.Duration, c.Charge, c.Currency)
			first = false
		}
		if c.Type() == report.ConfOut {
			fmt.Println("first dial-out:", c.StartDateTime.Format(time.RFC3339), c.UsageLocation, c.CalleeNumber, c.Duration, c.Charge, c.Currency)
			break
		}
	}
	// Output:
	// 300 users, 184421 calls of every type
	// 38820 dial-outs (conf_out)
	// 97 rows; first: abby.rutherford@contoso.com NL Domestic EUR 1 162 0.10
	// first call: conf_in 2026-11-02T00:14:38Z US 776 0.00 USD
	// first dial-out: 2026-11-02T00:19:31Z JP +813513175900 328 18.00 JPY
}
