package server

import (
	"cmp"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/report"
)

// uiFiles is the dashboard (docs/contract.md#dashboard): one page of plain
// HTML, CSS and JavaScript, with no build step, served from the binary so
// that it works offline.
//
//go:embed ui
var uiFiles embed.FS

// dashboardCSP lets the page load only its own files and talk only to its
// own origin: no inline script or style, no other origin, no framing.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// handleDashboard serves the page's files under /_mock/ui/. They are served
// without the admin key, like /_mock/health: they hold no data, and a
// browser cannot add a header to the address bar's request. The page asks
// for the key and sends it on its control API calls.
func handleDashboard(c echo.Context) error {
	name := c.Param("*")
	if name == "" {
		name = "index.html"
	}
	b, err := fs.ReadFile(uiFiles, path.Join("ui", path.Clean("/"+name)))
	if err != nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, mime.TypeByExtension(path.Ext(name)), b)
}

// redirectDashboard sends /_mock/ui to /_mock/ui/, where the page's
// relative links resolve.
func redirectDashboard(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, "/_mock/ui/")
}

// daily is the body of GET /_mock/daily: the ledger's totals per currency
// and UTC day of startDateTime, the days with calls only, so that a chart
// of spend over the window adds up to /_mock/dataset's totals exactly.
type daily struct {
	Version    string          `json:"version"`
	Currencies []dailyCurrency `json:"currencies"`
}

// dailyCurrency is one currency's total and its days, oldest first.
type dailyCurrency struct {
	report.CurrencyTotal
	Days []dailyTotal `json:"days"`
}

// dailyTotal is one day of one currency.
type dailyTotal struct {
	Date    string       `json:"date"` // YYYY-MM-DD, UTC
	Calls   int64        `json:"calls"`
	Seconds int64        `json:"seconds"`
	Charge  report.Money `json:"charge"` // Σ(charge + connectionCharge), as totalCallCharge
}

// allCalls is a query every call of a ledger belongs to.
var allCalls = report.Query{From: time.Unix(0, 0).UTC().AddDate(-1000, 0, 0), To: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}

// handleDaily sums the ledger's dial-out calls per currency and day, as the
// summary's totals; ?currency= keeps one currency (an ISO 4217 code).
func (s *Server) handleDaily(c echo.Context) error {
	only := c.QueryParam("currency")
	if only != "" && !isCurrencyCode(only) {
		return badRequest("The parameter 'currency' has the invalid value '%s': want a currency code such as EUR.", printable(only))
	}
	ds := s.tenant(c).data.Load()
	type key struct{ currency, day string }
	byCode := map[string]*dailyCurrency{}
	byDay := map[key]int{} // index in its currency's Days
	for call := range ds.Source.Calls(allCalls) {
		if only != "" && call.Currency != only || call.Type() != report.ConfOut {
			continue // the dial-out spend, as the summary's totals (decision D11)
		}
		cur := byCode[call.Currency]
		if cur == nil {
			cur = &dailyCurrency{CurrencyTotal: report.CurrencyTotal{Currency: call.Currency, Charge: report.Cents(0)}, Days: []dailyTotal{}}
			byCode[call.Currency] = cur
		}
		charge := call.Charge.Add(call.ConnectionCharge)
		cur.Calls++
		cur.Seconds += call.Duration
		cur.Charge = cur.Charge.Add(charge)
		k := key{call.Currency, call.StartDateTime.UTC().Format(time.DateOnly)}
		i, ok := byDay[k]
		if !ok {
			i = len(cur.Days)
			byDay[k] = i
			cur.Days = append(cur.Days, dailyTotal{Date: k.day, Charge: report.Cents(0)})
		}
		d := &cur.Days[i]
		d.Calls++
		d.Seconds += call.Duration
		d.Charge = d.Charge.Add(charge)
	}
	out := daily{Version: ds.Version, Currencies: make([]dailyCurrency, 0, len(byCode))}
	for _, cur := range byCode {
		// A Source need not list calls by start time.
		slices.SortFunc(cur.Days, func(a, b dailyTotal) int { return cmp.Compare(a.Date, b.Date) })
		out.Currencies = append(out.Currencies, *cur)
	}
	slices.SortFunc(out.Currencies, func(a, b dailyCurrency) int { return cmp.Compare(a.Currency, b.Currency) })
	return c.JSON(http.StatusOK, out)
}

// isCurrencyCode reports whether s has the shape of an ISO 4217 code.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
