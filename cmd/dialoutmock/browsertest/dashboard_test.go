package browsertest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/dialoutkit/dialoutkit/fixtures"
	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/binarytest"
	"github.com/dialoutkit/dialoutkit/internal/golden"
)

// The dashboard's tests drive the real binary in headless Chromium and
// assert on what a person sees (docs/contract.md#dashboard). Without a
// browser they fail, so that CI cannot pass them by accident; a developer
// without one sets DIALOUTKIT_NO_BROWSER=1 to skip them.

// noBrowserEnv, set to 1, skips the browser tests.
const noBrowserEnv = "DIALOUTKIT_NO_BROWSER"

// screenshotDir receives the page's screenshots with -update; the
// dashboard's documentation shows them.
var screenshotDir = filepath.Join("..", "..", "..", "docs", "img")

// TestMain removes the dialoutmock built for the tests.
func TestMain(m *testing.M) { binarytest.Main(m) }

// startMock builds the dialoutmock of this repository once, runs it on
// 127.0.0.1:0 with the window ending 2026-11-01, args, and env added to the
// test's environment, and waits until /_mock/health answers.
func startMock(t *testing.T, env []string, args ...string) *binarytest.Process {
	t.Helper()
	cmd := exec.Command(binarytest.Build(t, ".."), append([]string{"--addr", "127.0.0.1:0", "--window-end", "2026-11-01"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	return binarytest.Start(t, cmd)
}

// findBrowser returns the path of Chromium or Chrome, failing the test when
// there is none (skipping it with DIALOUTKIT_NO_BROWSER=1).
func findBrowser(t *testing.T) string {
	t.Helper()
	if os.Getenv(noBrowserEnv) == "1" {
		t.Skipf("%s=1: the browser tests of the dashboard are skipped", noBrowserEnv)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("no Chromium on PATH: install it (Debian: apt-get install chromium), or set %s=1 to skip the browser tests", noBrowserEnv)
	return ""
}

// tab is one page of headless Chromium on the dashboard of base, with what
// the page wrote to its console and every URL it asked for.
type tab struct {
	ctx  context.Context
	base string

	mu       sync.Mutex
	console  []string // errors and warnings, but the network's own
	requests []string
}

// openDashboard starts Chromium at width×height, opens the dashboard of base
// and waits for its summary. The browser stops at the end of the test.
func openDashboard(t *testing.T, base string, width, height int) *tab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(findBrowser(t)),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })

	tb := &tab{ctx: ctx, base: base}
	console := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			// A failed status is logged by the network, and some are meant
			// (a refused upload); what the page itself reports is not.
			if m.Source == "network" || (m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleWarning && m.Type != chromedp.ConsoleException) {
				continue
			}
			tb.mu.Lock()
			tb.console = append(tb.console, m.String())
			tb.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.requests = append(tb.requests, ev.Request.URL)
			tb.mu.Unlock()
		}
	}()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height)), chromedp.Navigate(base+"/_mock/ui/")); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	return tb
}

// do runs browser actions, each run bounded so that a stuck page fails the
// test rather than hanging it.
func (tb *tab) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitUntil polls a JavaScript condition until it holds, failing after
// limit with what.
func waitUntil(t *testing.T, tb *tab, limit time.Duration, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !eval[bool](t, tb, cond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s the page does not show %s (%s)", limit, what, cond)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// text is the text of the element sel shows.
func text(t *testing.T, tb *tab, sel string) string {
	t.Helper()
	return eval[string](t, tb, fmt.Sprintf(`document.querySelector(%q).textContent`, sel))
}

// controlJSON GETs a control API path and decodes its JSON.
func controlJSON(t *testing.T, base, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(binarytest.Fetch(t, base+path), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// datasetSummary is GET /_mock/dataset, money kept as its text.
type datasetSummary struct {
	Version    string `json:"version"`
	Name       string `json:"name"`
	Users      int    `json:"users"`
	Calls      int    `json:"calls"`
	Rows       int    `json:"rows"`
	FirstCall  string `json:"firstCall"`
	LastCall   string `json:"lastCall"`
	Currencies []struct {
		Currency string          `json:"currency"`
		Calls    int64           `json:"calls"`
		Charge   json.RawMessage `json:"charge"`
	} `json:"currencies"`
}

// checkSummary compares the summary panel with GET /_mock/dataset, once the
// panel shows its version.
func checkSummary(t *testing.T, tb *tab) datasetSummary {
	t.Helper()
	return checkSummaryAt(t, tb, "/_mock/dataset")
}

// checkSummaryAt compares the summary panel with the summary at path (a
// tenant's /_mock/tenants/{tid}/dataset), once the panel shows its version.
func checkSummaryAt(t *testing.T, tb *tab, path string) datasetSummary {
	t.Helper()
	var want datasetSummary
	controlJSON(t, tb.base, path, &want)
	waitUntil(t, tb, 10*time.Second, fmt.Sprintf(`document.querySelector('#sum-version').textContent === %q`, want.Version), "the dataset's version")
	plain := func(s string) string { return strings.ReplaceAll(s, ",", "") }
	for _, c := range []struct {
		sel  string
		want string
	}{
		{"#sum-users", fmt.Sprint(want.Users)},
		{"#sum-calls", fmt.Sprint(want.Calls)},
		{"#sum-rows", fmt.Sprint(want.Rows)},
		{"#sum-window", want.FirstCall[:10] + " to " + want.LastCall[:10]},
	} {
		if got := plain(text(t, tb, c.sel)); got != c.want {
			t.Errorf("%s shows %q, want %q as /_mock/dataset says", c.sel, got, c.want)
		}
	}
	if got := text(t, tb, "#dataset-name"); got != want.Name {
		t.Errorf("the page names the dataset %q, want %q", got, want.Name)
	}
	shown := eval[[]string](t, tb, `[...document.querySelectorAll('#sum-currencies tbody tr')].map(r =>
		r.dataset.currency + ' ' + r.cells[1].textContent.replaceAll(',', '') + ' ' + r.cells[3].dataset.charge)`)
	var wantRows []string
	for _, c := range want.Currencies {
		wantRows = append(wantRows, fmt.Sprintf("%s %d %s", c.Currency, c.Calls, c.Charge))
	}
	if strings.Join(shown, "; ") != strings.Join(wantRows, "; ") {
		t.Errorf("totals per currency show\n%s\nwant\n%s", strings.Join(shown, "; "), strings.Join(wantRows, "; "))
	}
	return want
}

// ledgerDays sums the dial-out calls of GET /_mock/calls per currency and UTC day of
// startDateTime, independently of the server: currency -> day -> charge.
func ledgerDays(t *testing.T, base string) map[string]map[string]*big.Rat {
	t.Helper()
	return ledgerDaysOf(t, base+"/_mock/calls")
}

// ledgerDaysOf is ledgerDays of the ledger at calls (a tenant's
// /_mock/tenants/{tid}/calls).
func ledgerDaysOf(t *testing.T, calls string) map[string]map[string]*big.Rat {
	t.Helper()
	out := map[string]map[string]*big.Rat{}
	for _, c := range binarytest.DialOuts(t, binarytest.Fetch(t, calls)) {
		// The chart shows the dial-out spend (decision D11).
		day := c.StartDateTime.UTC().Format(time.DateOnly)
		if out[c.Currency] == nil {
			out[c.Currency] = map[string]*big.Rat{}
		}
		sum := out[c.Currency][day]
		if sum == nil {
			sum = new(big.Rat)
			out[c.Currency][day] = sum
		}
		sum.Add(sum, c.Cost)
	}
	return out
}

// checkChart compares the chart with days, a ledger summed per currency
// and day (ledgerDays): one series per currency, one point per day with
// calls, each the ledger's sum, adding up to the labelled total.
func checkChart(t *testing.T, tb *tab, days map[string]map[string]*big.Rat) {
	t.Helper()
	type series struct {
		Currency string   `json:"currency"`
		Total    string   `json:"total"`
		Points   []string `json:"points"` // date=charge
	}
	waitUntil(t, tb, 10*time.Second, `document.querySelectorAll('#chart g.series').length > 0`, "the chart")
	got := eval[[]series](t, tb, `[...document.querySelectorAll('#chart g.series')].map(g => ({
		currency: g.dataset.currency, total: g.dataset.total,
		points: [...g.querySelectorAll('circle.point')].map(c => c.dataset.date + '=' + c.dataset.charge)}))`)
	if len(got) != len(days) {
		t.Errorf("the chart has %d series, want one per currency of the ledger: %d", len(got), len(days))
	}
	all := 0
	for _, s := range got {
		want := days[s.Currency]
		if len(s.Points) != len(want) {
			t.Errorf("%s: %d points, want %d (days with calls)", s.Currency, len(s.Points), len(want))
		}
		total, ledger := new(big.Rat), new(big.Rat)
		for _, pt := range s.Points {
			day, charge, _ := strings.Cut(pt, "=")
			r, ok := new(big.Rat).SetString(charge)
			if !ok || want[day] == nil || r.Cmp(want[day]) != 0 {
				t.Errorf("%s: point %s, want the ledger's %v for that day", s.Currency, pt, want[day])
				continue
			}
			total.Add(total, r)
		}
		for _, r := range want {
			ledger.Add(ledger, r)
		}
		if total.Cmp(ledger) != 0 || s.Total != ledger.FloatString(2) {
			t.Errorf("%s: points add up to %s, labelled %s, want the ledger's %s", s.Currency, total.FloatString(2), s.Total, ledger.FloatString(2))
		}
		all += len(s.Points)
	}
	if rows := eval[int](t, tb, `document.querySelectorAll('#daily-table tbody tr').length`); rows != all {
		t.Errorf("the chart's table has %d rows, want one a point: %d", rows, all)
	}
	if tip := eval[string](t, tb, `document.querySelector('#chart circle.point title').textContent`); !strings.Contains(tip, ".") {
		t.Errorf("a point's hover text is %q, want its exact total", tip)
	}
}

// noStrayOutput checks that the page wrote no error or warning to its
// console and asked nothing of another origin.
func (tb *tab) noStrayOutput(t *testing.T) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.console {
		t.Errorf("console: %s", m)
	}
	if len(tb.requests) == 0 {
		t.Error("no request seen: the network is not being watched")
	}
	for _, u := range tb.requests {
		if !strings.HasPrefix(u, tb.base+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page asked another origin for %s", u)
		}
	}
}

// checkFits fails when the page scrolls sideways at its current size.
func checkFits(t *testing.T, tb *tab, width int) {
	t.Helper()
	if w := eval[int](t, tb, `innerWidth`); w != width {
		t.Errorf("innerWidth = %d, want %d", w, width)
	}
	if sw := eval[int](t, tb, `document.scrollingElement.scrollWidth`); sw > width {
		wide := eval[[]string](t, tb, `[...document.querySelectorAll('body *')].filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > innerWidth + 0.5).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)`)
		t.Errorf("at %d px the page is %d px wide; wider elements: %v", width, sw, wide)
	}
}

// screenshot writes the viewport, or the whole page, to docs/img/name with
// -update, recompressed so that the repository stays small.
func screenshot(t *testing.T, tb *tab, name string, full bool) {
	t.Helper()
	if !golden.Update() {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100) // 100: PNG
	}
	raw, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, paletted(img)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d bytes", name, b.Len())
}

// paletted maps img onto its 256 most frequent colours, each pixel to the
// nearest: a page of flat colours loses little and its PNG shrinks to a
// fraction.
func paletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	freq := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			freq[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(freq))
	for c := range freq {
		colors = append(colors, c)
	}
	slices.SortFunc(colors, func(a, b color.RGBA) int {
		if d := freq[b] - freq[a]; d != 0 {
			return d
		}
		return cmp.Compare(uint32(a.R)<<24|uint32(a.G)<<16|uint32(a.B)<<8|uint32(a.A), uint32(b.R)<<24|uint32(b.G)<<16|uint32(b.B)<<8|uint32(b.A))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(256, len(colors))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(b, pal)
	nearest := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := nearest[c]
			if !ok {
				i = uint8(pal.Index(c))
				nearest[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	return out
}

// queuedFaults is GET /_mock/faults.
func queuedFaults(t *testing.T, base string) []map[string]any {
	t.Helper()
	var fs []map[string]any
	controlJSON(t, base, "/_mock/faults", &fs)
	return fs
}

func controlDo(t *testing.T, method, u string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s = %d", method, u, resp.StatusCode)
	}
}

// reportStatus GETs a report URL with a bearer token and returns the
// status, logging the body of a failure.
func reportStatus(t *testing.T, u string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer any")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Logf("GET %s = %d %s", u, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// TestDashboard drives the dashboard of the real binary as a person would,
// in order: read it, page a report, queue faults by mouse and by keyboard,
// swap the dataset, at both sizes.
func TestDashboard(t *testing.T) {
	findBrowser(t)
	p := startMock(t, nil, "--users", "40", "--window-days", "120", "--page-size", "10")
	tb := openDashboard(t, p.Base, 1280, 800)
	report := p.Base + binarytest.ReportPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"

	t.Run("summary equals /_mock/dataset", func(t *testing.T) {
		checkSummary(t, tb)
	})

	t.Run("one tenant: no picker", func(t *testing.T) {
		if shown := eval[[]string](t, tb, `[...document.querySelectorAll('#tenant-panel, [data-multi]')].filter(e => e.offsetParent !== null).map(e => e.id || e.textContent.slice(0, 40))`); len(shown) != 0 {
			t.Errorf("with one tenant the page shows %q, want no tenant picker and no words for many tenants", shown)
		}
	})

	t.Run("chart adds up to the ledger", func(t *testing.T) {
		checkChart(t, tb, ledgerDays(t, p.Base))
	})

	t.Run("report preview pages as a client", func(t *testing.T) {
		from := eval[string](t, tb, `document.querySelector('#report-from').value`)
		to := eval[string](t, tb, `document.querySelector('#report-to').value`)
		link := binarytest.ReportPath + "(fromDateTime=" + from + "T00:00:00Z,toDateTime=" + to + "T23:59:59Z)?$count=true"
		var first struct {
			Next  string             `json:"@odata.nextLink"`
			Value []binarytest.Entry `json:"value"`
		}
		if err := json.Unmarshal(binarytest.Fetch(t, p.Base+link), &first); err != nil || first.Next == "" {
			t.Fatalf("the default range %s to %s has no second page (%v)", from, to, err)
		}
		var second struct {
			Value []binarytest.Entry `json:"value"`
		}
		json.Unmarshal(binarytest.Fetch(t, first.Next), &second)

		tb.do(t, chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
		waitUntil(t, tb, 10*time.Second, `document.querySelector('#report-status').textContent.startsWith('Page 1:')`, "the first page")
		users := func() []string {
			return eval[[]string](t, tb, `[...document.querySelectorAll('#report-table tbody tr')].map(r => r.cells[0].firstChild.textContent)`)
		}
		check := func(page int, want []binarytest.Entry) {
			var names []string
			for _, e := range want {
				names = append(names, e.UserPrincipalName)
			}
			if got := users(); strings.Join(got, " ") != strings.Join(names, " ") {
				t.Errorf("page %d shows %v, want %v as a client gets it", page, got, names)
			}
		}
		check(1, first.Value)
		if got := text(t, tb, "#report-link"); !strings.Contains(got, first.Next) {
			t.Errorf("the nextLink shown is %q, want %q", got, first.Next)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#report-next`)))
		waitUntil(t, tb, 10*time.Second, `document.querySelector('#report-status').textContent.startsWith('Page 2:')`, "the second page")
		check(2, second.Value)
	})

	t.Run("a fault from the form fails the next request and shows in the journal", func(t *testing.T) {
		controlDo(t, http.MethodDelete, p.Base+"/_mock/faults")
		tb.do(t,
			chromedp.SetValue(chromedp.CSS(`#fault-path`), "getPstn"),
			chromedp.SetValue(chromedp.CSS(`#fault-status`), "429"),
			chromedp.SetValue(chromedp.CSS(`#fault-retry`), "2"),
			chromedp.Click(chromedp.CSS(`#fault-add`)),
		)
		waitUntil(t, tb, 10*time.Second, `document.querySelectorAll('#fault-table tbody td.path').length === 1`, "the queued fault")
		if fs := queuedFaults(t, p.Base); len(fs) != 1 || fs[0]["status"] != 429.0 || fs[0]["path"] != "getPstn" {
			t.Fatalf("GET /_mock/faults = %v, want the fault of the form", fs)
		}
		if st := reportStatus(t, report); st != 429 {
			t.Fatalf("the next request = %d, want the queued 429", st)
		}
		answered := time.Now()
		// The second refresh from here began after the request was answered.
		refreshes := eval[int](t, tb, `+document.documentElement.dataset.journalRefreshes`)
		shows := `[...document.querySelectorAll('#journal-table tbody tr')].some(r => r.dataset.status === '429' && r.dataset.fault === '429' && r.querySelector('.mark.fault'))`
		// Within 2 s; on a machine too loaded to refresh that often, within
		// two refreshes that began after the request.
		deadline := answered.Add(2 * time.Second)
		for !eval[bool](t, tb, shows) {
			n := eval[int](t, tb, `+document.documentElement.dataset.journalRefreshes`)
			if time.Now().After(deadline) && n >= refreshes+2 || time.Since(answered) > 30*time.Second {
				t.Fatalf("the faulted request is not in the journal panel %s after it was answered (%d refreshes since)", time.Since(answered).Round(time.Millisecond), n-refreshes)
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Logf("the journal panel showed the fault %s after the request", time.Since(answered).Round(time.Millisecond))
	})

	t.Run("keyboard alone queues a fault", func(t *testing.T) {
		controlDo(t, http.MethodDelete, p.Base+"/_mock/faults")
		tb.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('#fault-status-line').textContent = '';
			document.querySelector('#fault-form').reset();
			document.activeElement && document.activeElement.blur(); scrollTo(0, 0)`))
		tabTo := func(id string) {
			for range 200 {
				if eval[string](t, tb, `document.activeElement ? document.activeElement.id : ''`) == id {
					return
				}
				tb.do(t, chromedp.KeyEvent(kb.Tab))
			}
			t.Fatalf("200 presses of Tab do not reach #%s", id)
		}
		tabTo("fault-times")
		tb.do(t, chromedp.KeyEvent(strings.Repeat(kb.Backspace, 4)+"3"))
		tabTo("fault-status")                     // 503, the first choice
		tb.do(t, chromedp.KeyEvent(kb.ArrowDown)) // 429
		tabTo("fault-add")
		tb.do(t, chromedp.KeyEvent(kb.Enter))
		waitUntil(t, tb, 10*time.Second, `document.querySelector('#fault-status-line').textContent.startsWith('Queued')`, "the fault queued")
		fs := queuedFaults(t, p.Base)
		if len(fs) != 1 || fs[0]["status"] != 429.0 || fs[0]["remaining"] != 3.0 {
			t.Errorf("GET /_mock/faults = %v, want 429 three times, as typed", fs)
		}
		controlDo(t, http.MethodDelete, p.Base+"/_mock/faults")
	})

	t.Run("sizes", func(t *testing.T) {
		// A journal with a fault and a violation-free success to look at.
		controlDo(t, http.MethodPost, p.Base+"/_mock/reset")
		for _, st := range []int{200, 503} {
			if st != 200 {
				req, _ := http.NewRequest(http.MethodPost, p.Base+"/_mock/faults", strings.NewReader(`{"times":1,"status":503,"retryAfter":1}`))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			reportStatus(t, report)
		}
		for _, size := range []struct{ w, h int }{{1280, 800}, {390, 844}} {
			tb.do(t, chromedp.EmulateViewport(int64(size.w), int64(size.h)), chromedp.Reload())
			checkSummary(t, tb)
			waitUntil(t, tb, 10*time.Second, `document.querySelectorAll('#journal-table tbody tr[data-status]').length >= 2`, "the journal")
			tb.do(t, chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
			waitUntil(t, tb, 10*time.Second, `document.querySelector('#report-status').textContent.startsWith('Page 1:')`, "the first page")
			checkFits(t, tb, size.w)
			tb.do(t, chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
			screenshot(t, tb, fmt.Sprintf("dashboard-%dx%d.png", size.w, size.h), size.w > 1000)
		}
		tb.do(t, chromedp.EmulateViewport(1280, 800))
	})

	t.Run("an uploaded scenario file replaces the summary", func(t *testing.T) {
		file, err := filepath.Abs(filepath.Join("..", "..", "..", "fixtures", "scenarios", "multi-currency.json"))
		if err != nil {
			t.Fatal(err)
		}
		tb.do(t,
			chromedp.SetUploadFiles(chromedp.CSS(`#upload-file`), []string{file}),
			chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)),
		)
		waitUntil(t, tb, 10*time.Second, `document.querySelector('#dataset-status').className === 'ok'`, "the upload accepted")
		sum := checkSummary(t, tb)
		if sum.Users != 1 || sum.Calls != 5 {
			t.Errorf("after the upload /_mock/dataset has %d users, %d calls; want multi-currency's 1 and 5", sum.Users, sum.Calls)
		}
	})

	t.Run("a bad file shows its problems and the old data serves", func(t *testing.T) {
		refused, err := fixtures.RefusedScenarios()
		if err != nil {
			t.Fatal(err)
		}
		var bad fixtures.Refused
		for _, r := range refused {
			if r.Pointer != "" {
				bad = r
				break
			}
		}
		file := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(file, []byte(bad.Doc), 0o644); err != nil {
			t.Fatal(err)
		}
		var before datasetSummary
		controlJSON(t, p.Base, "/_mock/dataset", &before)
		tb.do(t,
			chromedp.SetUploadFiles(chromedp.CSS(`#upload-file`), []string{file}),
			chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)),
		)
		waitUntil(t, tb, 10*time.Second, `document.querySelector('#dataset-status').className === 'error'`, "the upload refused")
		problems := eval[[]string](t, tb, `[...document.querySelectorAll('#dataset-problems li')].map(li => li.textContent)`)
		found := false
		for _, pr := range problems {
			found = found || strings.HasPrefix(pr, bad.Pointer+" ") && strings.Contains(pr, bad.Reason)
		}
		if !found {
			t.Errorf("problems shown: %q, want %q at %s (%s)", problems, bad.Reason, bad.Pointer, bad.Name)
		}
		if st := text(t, tb, "#dataset-status"); !strings.Contains(st, "previous dataset keeps serving") {
			t.Errorf("status = %q, want it to say the previous dataset keeps serving", st)
		}
		after := checkSummary(t, tb)
		if after.Version != before.Version {
			t.Errorf("after a refused upload the version is %s, want %s", after.Version, before.Version)
		}
		if st := reportStatus(t, report); st != 200 {
			t.Errorf("the report after a refused upload = %d, want 200", st)
		}
	})

	t.Run("no console errors and no other origin", func(t *testing.T) {
		tb.noStrayOutput(t)
	})
}

// TestDashboardAdminKey: with an admin key the page asks for it once, keeps
// it for the tab only (sessionStorage), and then shows the data.
func TestDashboardAdminKey(t *testing.T) {
	findBrowser(t)
	const key = "dash-k3y"
	base := startMock(t, []string{"DIALOUTMOCK_ADMIN_KEY=" + key}, "--users", "10", "--window-days", "60").Base
	tb := openDashboard(t, base, 1280, 800)
	waitUntil(t, tb, 10*time.Second, `!document.querySelector('#key-panel').hidden`, "the admin key form")

	tb.do(t, chromedp.SendKeys(chromedp.CSS(`#key-input`), "wrong"+kb.Enter))
	waitUntil(t, tb, 10*time.Second, `document.querySelector('#key-status').textContent.includes('refused')`, "the key refused")
	tb.do(t, chromedp.SendKeys(chromedp.CSS(`#key-input`), key+kb.Enter))
	waitUntil(t, tb, 10*time.Second, `document.querySelector('#key-panel').hidden`, "the key accepted")

	req, _ := http.NewRequest(http.MethodGet, base+"/_mock/dataset", nil)
	req.Header.Set("X-Admin-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var want datasetSummary
	json.NewDecoder(resp.Body).Decode(&want)
	resp.Body.Close()
	waitUntil(t, tb, 10*time.Second, fmt.Sprintf(`document.querySelector('#sum-version').textContent === %q`, want.Version), "the summary")
	if got := eval[string](t, tb, `sessionStorage.getItem('dialoutmock.adminKey') + ' ' + localStorage.length`); got != key+" 0" {
		t.Errorf("storage = %q, want the key in sessionStorage only", got)
	}
	tb.noStrayOutput(t)
}

// tabTo presses Tab until the element with the id has the focus.
func tabTo(t *testing.T, tb *tab, id string) {
	t.Helper()
	for range 200 {
		if eval[string](t, tb, `document.activeElement ? document.activeElement.id : ''`) == id {
			return
		}
		tb.do(t, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("200 presses of Tab do not reach #%s", id)
}

// tenantList is GET /_mock/tenants.
type tenantList struct {
	Default string `json:"default"`
	Tenants []struct {
		ID     string `json:"id"`
		Source string `json:"source"`
	} `json:"tenants"`
}

// TestDashboardTenants drives the tenant picker of the real binary with
// many tenants (docs/contract.md#many-tenants), under strict auth so that
// the page's report preview must hold a real token of the tenant: tenant A
// is the default, generated; tenant B is typed in by keyboard, generated on
// first use, then given an uploaded file. Every panel follows the tenant
// chosen, and the choice survives a reload.
func TestDashboardTenants(t *testing.T) {
	findBrowser(t)
	p := startMock(t, nil, "--tenancy", "multi", "--auth", "strict", "--users", "30", "--window-days", "120", "--page-size", "10")
	var list tenantList
	controlJSON(t, p.Base, "/_mock/tenants", &list)
	tidA := list.Default
	const tidB = "b0b0b0b0-2222-4222-8222-000000000002"
	summaryOf := func(tid string) string { return "/_mock/tenants/" + tid + "/dataset" }
	tab := openDashboard(t, p.Base, 1280, 800)
	current := func() string {
		return eval[string](t, tab, `document.querySelector('#tenant').value + ' ' + location.hash`)
	}

	t.Run("the picker lists the tenants and marks the default", func(t *testing.T) {
		waitUntil(t, tab, 10*time.Second, `!document.querySelector('#tenant-panel').hidden && document.querySelectorAll('#tenant option').length > 0`, "the tenant picker")
		checkSummaryAt(t, tab, summaryOf(tidA))
		var want []string
		controlJSON(t, p.Base, "/_mock/tenants", &list)
		for _, tn := range list.Tenants {
			want = append(want, tn.ID+" "+tn.Source)
		}
		got := eval[[]string](t, tab, `[...document.querySelectorAll('#tenant option')].map(o => o.value + ' ' + o.dataset.source)`)
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("the picker lists %q, want GET /_mock/tenants's %q", got, want)
		}
		if def := eval[[]string](t, tab, `[...document.querySelectorAll('#tenant option[data-default]')].map(o => o.value + ' ' + o.textContent.includes('default'))`); len(def) != 1 || def[0] != tidA+" true" {
			t.Errorf("the picker marks %q as the default, want %s", def, tidA)
		}
		if got := eval[string](t, tab, `document.querySelector('#tenant').value`); got != tidA {
			t.Errorf("the picker shows %s, want the default tenant %s", got, tidA)
		}
	})

	t.Run("keyboard switches to a typed tenant, generated on first use", func(t *testing.T) {
		tab.do(t, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); scrollTo(0, 0)`))
		tabTo(t, tab, "tenant-id")
		tab.do(t, chromedp.KeyEvent(strings.ToUpper(tidB)+kb.Enter))
		sum := checkSummaryAt(t, tab, summaryOf(tidB))
		var a datasetSummary
		controlJSON(t, p.Base, summaryOf(tidA), &a)
		if sum.Version == a.Version || sum.Calls == a.Calls {
			t.Errorf("tenant B's summary %+v is tenant A's %+v, want data of its own", sum, a)
		}
		if got := current(); got != tidB+" #tenant="+tidB {
			t.Errorf("picker and address = %q, want tenant B %s in both", got, tidB)
		}
		waitUntil(t, tab, 10*time.Second, fmt.Sprintf(`document.querySelector('#tenant option[value=%q]').dataset.source === 'generated'`, tidB), "tenant B listed as generated")
	})

	t.Run("chart adds up to the tenant's ledger", func(t *testing.T) {
		checkChart(t, tab, ledgerDaysOf(t, p.Base+"/_mock/tenants/"+tidB+"/calls"))
	})

	t.Run("a fault for tenant B fails B's next request and not A's", func(t *testing.T) {
		controlDo(t, http.MethodDelete, p.Base+"/_mock/faults")
		tab.do(t,
			chromedp.SetValue(chromedp.CSS(`#fault-path`), "getPstn"),
			chromedp.SetValue(chromedp.CSS(`#fault-status`), "503"),
			chromedp.Click(chromedp.CSS(`#fault-add`)),
		)
		waitUntil(t, tab, 10*time.Second, `document.querySelectorAll('#fault-table tbody td.path').length === 1`, "the queued fault")
		if fs := queuedFaults(t, p.Base); len(fs) != 1 || fs[0]["status"] != 503.0 || fs[0]["tenant"] != tidB {
			t.Fatalf("GET /_mock/faults = %v, want the form's 503 for tenant %s", fs, tidB)
		}
		link := p.Base + binarytest.ReportPath + "(fromDateTime=2026-10-01,toDateTime=2026-10-31)"
		for _, c := range []struct {
			tid  string
			want int
		}{{tidA, 200}, {tidB, 503}, {tidB, 200}} {
			_, tok := binarytest.TenantToken(t, p.Base, c.tid, identity.DefaultClientID, identity.DefaultClientSecret)
			if tok.AccessToken == "" {
				t.Fatalf("no token for %s: %+v", c.tid, tok)
			}
			if st, _, b := binarytest.Call(t, http.MethodGet, link, "", "Authorization", "Bearer "+tok.AccessToken); st != c.want {
				t.Errorf("a request of tenant %s = %d %s, want %d", c.tid, st, b, c.want)
			}
		}
		// The journal panel shows tenant B's requests only, the faulted one among them.
		waitUntil(t, tab, 10*time.Second, `[...document.querySelectorAll('#journal-table tbody tr')].some(r => r.dataset.fault === '503')`, "the faulted request")
		if others := eval[[]string](t, tab, `[...document.querySelectorAll('#journal-table tbody tr[data-status]')].map(r => r.dataset.tenant).filter(x => x !== '`+tidB+`')`); len(others) != 0 {
			t.Errorf("tenant B's journal panel shows requests of %q", others)
		}

		// Clear faults clears tenant B's, not another tenant's.
		for _, f := range []string{`{"times":1,"status":500,"tenant":"` + tidB + `"}`, `{"times":1,"status":504,"tenant":"` + tidA + `"}`} {
			if st, b := binarytest.Control(t, http.MethodPost, p.Base+"/_mock/faults", f); st != 201 {
				t.Fatalf("POST /_mock/faults %s = %d %s", f, st, b)
			}
		}
		waitUntil(t, tab, 10*time.Second, `[...document.querySelectorAll('#fault-table tbody tr')].filter(r => r.cells.length > 1).map(r => r.cells[1].textContent).join() === '500'`, "tenant B's fault, not A's")
		tab.do(t, chromedp.Click(chromedp.CSS(`#fault-clear`)))
		waitUntil(t, tab, 10*time.Second, `document.querySelector('#fault-status-line').textContent.startsWith('Cleared')`, "the faults cleared")
		if fs := queuedFaults(t, p.Base); len(fs) != 1 || fs[0]["tenant"] != tidA {
			t.Errorf("after Clear faults in tenant B GET /_mock/faults = %v, want tenant A's fault only", fs)
		}
		controlDo(t, http.MethodDelete, p.Base+"/_mock/faults")
	})

	t.Run("an upload to tenant B leaves tenant A unchanged", func(t *testing.T) {
		before := string(binarytest.Fetch(t, p.Base+summaryOf(tidA)))
		file, err := filepath.Abs(filepath.Join("..", "..", "..", "fixtures", "scenarios", "multi-currency.json"))
		if err != nil {
			t.Fatal(err)
		}
		tab.do(t,
			chromedp.SetUploadFiles(chromedp.CSS(`#upload-file`), []string{file}),
			chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)),
		)
		waitUntil(t, tab, 10*time.Second, `document.querySelector('#dataset-status').className === 'ok'`, "the upload accepted")
		if sum := checkSummaryAt(t, tab, summaryOf(tidB)); sum.Users != 1 || sum.Calls != 5 {
			t.Errorf("after the upload tenant B has %d users, %d calls; want multi-currency's 1 and 5", sum.Users, sum.Calls)
		}
		checkChart(t, tab, ledgerDaysOf(t, p.Base+"/_mock/tenants/"+tidB+"/calls"))
		if after := string(binarytest.Fetch(t, p.Base+summaryOf(tidA))); after != before {
			t.Errorf("tenant A's summary after B's upload is\n%s\nwant it unchanged:\n%s", after, before)
		}
	})

	t.Run("keyboard switches back with the picker", func(t *testing.T) {
		ids := eval[[]string](t, tab, `[...document.querySelectorAll('#tenant option')].map(o => o.value)`)
		from, to := slices.Index(ids, tidB), slices.Index(ids, tidA)
		if from < 0 || to < 0 {
			t.Fatalf("the picker lists %v, want both tenants", ids)
		}
		tab.do(t, chromedp.Focus(chromedp.CSS(`#tenant`)))
		key := kb.ArrowDown
		if to < from {
			key = kb.ArrowUp
		}
		for range max(to-from, from-to) {
			tab.do(t, chromedp.KeyEvent(key))
		}
		checkSummaryAt(t, tab, summaryOf(tidA))
		checkChart(t, tab, ledgerDaysOf(t, p.Base+"/_mock/tenants/"+tidA+"/calls"))
		if got := current(); got != tidA+" #tenant="+tidA {
			t.Errorf("picker and address = %q, want tenant A %s in both", got, tidA)
		}
	})

	t.Run("report preview pages the tenant's report with its token", func(t *testing.T) {
		from := eval[string](t, tab, `document.querySelector('#report-from').value`)
		to := eval[string](t, tab, `document.querySelector('#report-to').value`)
		_, tok := binarytest.TenantToken(t, p.Base, tidA, identity.DefaultClientID, identity.DefaultClientSecret)
		var first, second binarytest.Page
		_, _, b := binarytest.Call(t, http.MethodGet, p.Base+binarytest.ReportPath+"(fromDateTime="+from+"T00:00:00Z,toDateTime="+to+"T23:59:59Z)?$count=true", "", "Authorization", "Bearer "+tok.AccessToken)
		if err := json.Unmarshal(b, &first); err != nil || first.NextLink == "" {
			t.Fatalf("tenant A's range %s to %s has no second page (%v): %s", from, to, err, b)
		}
		_, _, b = binarytest.Call(t, http.MethodGet, first.NextLink, "", "Authorization", "Bearer "+tok.AccessToken)
		json.Unmarshal(b, &second)

		users := func() string {
			return strings.Join(eval[[]string](t, tab, `[...document.querySelectorAll('#report-table tbody tr')].map(r => r.cells[0].firstChild.textContent)`), " ")
		}
		names := func(p binarytest.Page) string {
			var out []string
			for _, e := range p.Value {
				out = append(out, e.UserPrincipalName)
			}
			return strings.Join(out, " ")
		}
		tab.do(t, chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
		waitUntil(t, tab, 10*time.Second, `document.querySelector('#report-status').textContent.startsWith('Page 1:')`, "the first page")
		if got, want := users(), names(first); got != want {
			t.Errorf("page 1 shows %s, want %s as a client of tenant A gets it", got, want)
		}
		tab.do(t, chromedp.Click(chromedp.CSS(`#report-next`)))
		waitUntil(t, tab, 10*time.Second, `document.querySelector('#report-status').textContent.startsWith('Page 2:')`, "the second page")
		if got, want := users(), names(second); got != want {
			t.Errorf("page 2 shows %s, want %s as a client of tenant A gets it", got, want)
		}
		// The page got its token as a client does: from tenant A's token endpoint.
		var journal []struct {
			Method, Path, Tenant string
			Status               int
		}
		controlJSON(t, p.Base, "/_mock/requests?path=/oauth2/v2.0/token", &journal)
		asked := false
		for _, e := range journal {
			asked = asked || e.Method == http.MethodPost && e.Path == "/"+tidA+"/oauth2/v2.0/token" && e.Status == 200
		}
		if !asked {
			t.Errorf("token requests in the journal: %+v, want the page's POST to tenant A's token endpoint", journal)
		}
	})

	t.Run("the choice survives a reload", func(t *testing.T) {
		tab.do(t, chromedp.Reload())
		checkSummaryAt(t, tab, summaryOf(tidA))
		waitUntil(t, tab, 10*time.Second, `document.querySelectorAll('#tenant option').length > 1`, "the tenant list")
		if got := current(); got != tidA+" #tenant="+tidA {
			t.Errorf("after a reload picker and address = %q, want tenant A %s", got, tidA)
		}
		tab.do(t, chromedp.Navigate(p.Base+"/_mock/ui/#tenant="+tidB))
		checkSummaryAt(t, tab, summaryOf(tidB))
	})

	t.Run("a reset of tenant B leaves tenant A unchanged", func(t *testing.T) {
		before := string(binarytest.Fetch(t, p.Base+summaryOf(tidA)))
		tab.do(t, chromedp.Click(chromedp.CSS(`#dataset-reset`)))
		waitUntil(t, tab, 10*time.Second, `document.querySelector('#dataset-status').textContent.startsWith('Reset')`, "the reset")
		if sum := checkSummaryAt(t, tab, summaryOf(tidB)); sum.Calls == 5 {
			t.Errorf("after its reset tenant B still has the upload's %d calls", sum.Calls)
		}
		if after := string(binarytest.Fetch(t, p.Base+summaryOf(tidA))); after != before {
			t.Errorf("tenant A's summary after B's reset is\n%s\nwant it unchanged:\n%s", after, before)
		}
	})

	t.Run("fits a phone", func(t *testing.T) {
		tab.do(t, chromedp.EmulateViewport(390, 844), chromedp.Reload())
		checkSummaryAt(t, tab, summaryOf(tidB))
		checkFits(t, tab, 390)
	})

	t.Run("no console errors and no other origin", func(t *testing.T) {
		tab.noStrayOutput(t)
	})
}
