package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the human report: one line per check, the findings of every check that did not
// pass, and the summary line last.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "dialoutconform: %s, profile %s, [%s, %s]\n\n", r.BaseURL, r.Profile, odataTime(r.From), odataTime(r.To))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
	}
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%-5s  %-6s  %-14s %s\n", res.Status, res.Level, res.ID, res.Title)
		switch res.Status {
		case Skip, Error:
			fmt.Fprintf(&b, "       %s\n", res.Reason)
		case Fail:
			for _, d := range res.Details {
				fmt.Fprintf(&b, "       - %s\n", d)
			}
			for _, ex := range res.Exchanges {
				fmt.Fprintf(&b, "       %s\n", exchangeLine(ex))
			}
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.SummaryLine())
	_, err := io.WriteString(w, b.String())
	return err
}

func exchangeLine(ex Exchange) string {
	if ex.Err != "" {
		return fmt.Sprintf("%s %s -> %s", ex.Method, ex.URL, ex.Err)
	}
	return fmt.Sprintf("%s %s -> %d", ex.Method, ex.URL, ex.Status)
}

// WriteList writes the catalogue of checks, one a line, with their statements.
func WriteList(w io.Writer, checks []Check) error {
	var b strings.Builder
	for _, c := range checks {
		var ps []string
		for _, p := range c.Profiles {
			ps = append(ps, string(p))
		}
		fmt.Fprintf(&b, "%-14s %-6s %-10s %s\n", c.ID, c.Level, strings.Join(ps, ","), c.Title)
		fmt.Fprintf(&b, "%-14s %s\n", "", c.Statement)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Time      string    `xml:"time,attr"`
	Failure   *junitOut `xml:"failure"`
	Error     *junitOut `xml:"error"`
	Skipped   *junitOut `xml:"skipped"`
	SystemOut string    `xml:"system-out,omitempty"`
}

type junitOut struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML: one testsuite per area, one testcase per check. A failed
// SHOULD check is a failure of type SHOULD (the exit code ignores it; dashboards may not).
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "dialoutconform", Time: seconds(r.Duration)}
	var areas []string
	byArea := map[string]*junitSuite{}
	for _, res := range r.Results {
		area := res.Area()
		s := byArea[area]
		if s == nil {
			s = &junitSuite{Name: "DR-" + area, Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
				Properties: []junitProperty{{"baseUrl", r.BaseURL}, {"profile", string(r.Profile)}, {"from", odataTime(r.From)}, {"to", odataTime(r.To)}}}
			byArea[area] = s
			areas = append(areas, area)
		}
		c := junitCase{Name: res.ID + " " + res.Title, Classname: "dialoutconform." + area, Time: seconds(res.Duration)}
		body := strings.Join(res.Details, "\n")
		for _, ex := range res.Exchanges {
			body += "\n" + exchangeLine(ex) + "\n" + ex.Curl
		}
		switch res.Status {
		case Fail:
			c.Failure = &junitOut{Message: res.Reason, Type: res.Level.String(), Text: body}
			s.Failures++
		case Error:
			c.Error = &junitOut{Message: res.Reason, Type: "ERROR", Text: body}
			s.Errors++
		case Skip:
			c.Skipped = &junitOut{Message: res.Reason}
			s.Skipped++
		}
		c.SystemOut = res.Level.String() + ": " + res.Statement
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for _, a := range areas {
		s := byArea[a]
		var d time.Duration
		for _, res := range r.Results {
			if res.Area() == a {
				d += res.Duration
			}
		}
		s.Time = seconds(d)
		out.Suites = append(out.Suites, *s)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteHTML writes one self-contained HTML page: the summary, then every check that failed or could
// not run with its requests, response excerpts and curl lines, then the full list. It loads nothing:
// no external CSS, scripts, fonts or images; links only point inside the page. Secrets are already
// redacted in the report.
func (r *Report) WriteHTML(w io.Writer) error {
	type view struct {
		*Report
		Bad       []Result
		Verdict   string
		Generated string
	}
	v := view{Report: r, Verdict: "PASS", Generated: odataTime(r.Started)}
	if !r.Passed() {
		v.Verdict = "FAIL"
	}
	for _, res := range r.Results {
		if res.Status >= Fail {
			v.Bad = append(v.Bad, res)
		}
	}
	slices.SortStableFunc(v.Bad, func(a, b Result) int { return int(a.Level) - int(b.Level) })
	return htmlReport().Execute(w, v)
}

func htmlReport() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"lower":   strings.ToLower,
		"time":    odataTime,
		"headers": headerLines,
		"dur":     func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	}).Parse(htmlTemplate))
}

func headerLines(h map[string][]string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return b.String()
}

const htmlTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dialoutconform {{.Verdict}}: {{.BaseURL}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1b1f24; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #d0d7de; } h3 { font-size: 1em; margin-bottom: .3em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #eaeef2; vertical-align: top; }
pre { background: #f6f8fa; padding: .6em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
.verdict { font-weight: bold; padding: .1em .5em; border-radius: 3px; }
.pass { background: #dafbe1; color: #116329; } .fail { background: #ffebe9; color: #a40e26; } .skip { background: #eaeef2; color: #57606a; } .error { background: #fff8c5; color: #7d4e00; }
.check { border: 1px solid #d0d7de; border-radius: 6px; padding: .2em 1em 1em; margin: 1em 0; }
.stmt { color: #57606a; } code { font: 12px ui-monospace, Menlo, Consolas, monospace; }
</style>
</head>
<body>
<h1>dialoutconform: <span class="verdict {{lower .Verdict}}">{{.Verdict}}</span></h1>
<table>
<tr><th>Base URL</th><td><code>{{.BaseURL}}</code></td></tr>
<tr><th>Profile</th><td>{{.Profile}}</td></tr>
<tr><th>Range</th><td><code>{{time .From}}</code> to <code>{{time .To}}</code></td></tr>
<tr><th>Started</th><td>{{.Generated}}, took {{dur .Duration}}</td></tr>
<tr><th>Checks</th><td>{{.Summary.Total}}: {{.Summary.Passed}} passed, {{.Summary.Failed}} failed, {{.Summary.Skipped}} skipped, {{.Summary.Errors}} errors; {{.Summary.MustFailed}} MUST not met</td></tr>
</table>
{{if .Notes}}<h2>Notes</h2>
<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}

<h2>Failed and broken checks</h2>
{{if not .Bad}}<p>None.</p>{{end}}
{{range .Bad}}
<div class="check" id="{{.ID}}">
<h3><span class="verdict {{lower .Status.String}}">{{.Status}}</span> {{.Level}} {{.ID}}: {{.Title}}</h3>
<p class="stmt">{{.Statement}}</p>
<p><strong>{{.Reason}}</strong></p>
{{if .Details}}<ul>{{range .Details}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Exchanges}}
<h4>{{.Method}} <code>{{.URL}}</code> &rarr; {{if .Err}}{{.Err}}{{else}}{{.Status}}{{end}}</h4>
<pre>{{headers .RequestHeader}}</pre>
{{if .RequestBody}}<pre>{{.RequestBody}}</pre>{{end}}
{{if not .Err}}<pre>HTTP {{.Status}}
{{headers .ResponseHeader}}
{{.ResponseBody}}{{if .Truncated}}
[... cut at 4 KiB]{{end}}</pre>{{end}}
<p>Equivalent curl:</p>
<pre>{{.Curl}}</pre>
{{end}}
</div>
{{end}}

<h2>All checks</h2>
<table>
<tr><th>Status</th><th>Level</th><th>ID</th><th>Title</th><th>Note</th></tr>
{{range .Results}}<tr><td><span class="verdict {{lower .Status.String}}">{{.Status}}</span></td><td>{{.Level}}</td><td>{{if ge .Status 2}}<a href="#{{.ID}}">{{.ID}}</a>{{else}}{{.ID}}{{end}}</td><td>{{.Title}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>
</body>
</html>
`
