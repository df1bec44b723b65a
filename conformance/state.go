package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// What a mock-profile run changes on the server, recorded before the first check and put back after
// the last (docs/contract.md#conformance-kit, #control-api): the dataset and the queued faults. The
// dataset goes back as it was: POST /_mock/reset when it is the startup one, else the copy of its
// calls the kit takes before the first check (GET /_mock/calls?arrived=all, JSON Lines that carry each
// organizer, docs/contract.md#loading-real-data), loaded with PUT /_mock/dataset; a mock older than
// JSON Lines uploads gets a copy rebuilt as a scenario document. The request journal cannot be put
// back; the run says up front that POST /_mock/reset empties it.

// foundState is what the server held before the run changed it.
type foundState struct {
	version      string
	name         string // of GET /_mock/dataset, "" when unknown
	users, calls int    // of GET /_mock/dataset, -1 when unknown
	journal      int    // requests in GET /_mock/requests, -1 when unknown
	faults       []map[string]json.RawMessage

	// copy holds the dataset's calls as GET /_mock/calls?arrived=all wrote them, one a line, in a
	// temporary file removed after the run (discard); nil when the kit could not take one, and
	// copyNote says why.
	copy     *os.File
	copySize int64
	copyNote string
	lines    callLines // what the copy's lines say
	// names are the users' names as the report gives them, read before the first check when the
	// lines do not carry them, for a rebuilt copy. rebuildNote says what a rebuilt copy lacks, or,
	// with rebuildOK false, why there can be none.
	names       map[string][2]string
	rebuildOK   bool
	rebuildNote string
}

// callLines is what the lines of GET /_mock/calls say of a dataset.
type callLines struct {
	count int
	// identity: every line with an organizer names it (userPrincipalName), as the JSON Lines that
	// PUT /_mock/dataset loads back do. A mock older than them writes only the organizer's id.
	identity    bool
	organizers  map[string]*organizer
	first, last time.Time
}

// organizer is a user as the lines show it.
type organizer struct {
	latest   time.Time
	location string // usageLocation of the latest call
	upn      string // the identity a line carries, "" when none
	name     string
	home     string // userUsageLocation
}

const (
	// maxCopyBytes bounds the copy of the dataset the kit takes: the mock's default --max-body
	// (docs/contract.md#loading-real-data), the largest upload it takes back unless started with
	// more. The copy goes to a temporary file, never into memory. (Loading it back took the mock 29 s
	// for 79 MiB on a busy 2-core machine: about 95 s at this bound, within the 2 minutes of the
	// kit's default HTTP client.)
	maxCopyBytes = 256 << 20
	// minLineBytes is less than any call line of GET /_mock/calls takes (the shortest, with the
	// organizer's identity, takes about 400): a dataset of more than maxCopyBytes/minLineBytes calls
	// is not worth starting to copy.
	minLineBytes = 200
	// restoreTimeout bounds putting the state back, also after the run's context ended; a large copy
	// adds restorePerMiB for each MiB it holds.
	restoreTimeout = 2 * time.Minute
	restorePerMiB  = time.Second
	// contentJSONLines is the media type of JSON Lines uploads.
	contentJSONLines = "application/x-ndjson"
)

// prepare runs before the first check. In the mock profile it records what the checks that change
// the server's state will change, tells the user what will happen, and sets the queued faults aside
// so that the checks meet none. With NoMutate it only warns of queued faults.
func (s *session) prepare(ctx context.Context, defs []checkDef) {
	if s.cfg.Profile != ProfileMock {
		return
	}
	var changers []string
	for _, d := range defs {
		if d.ChangesState {
			changers = append(changers, d.ID)
		}
	}
	h, err := s.healthNow(ctx)
	if err != nil || h.absent || !h.ok {
		return // no control API to change, or the checks will say what is wrong with it
	}
	faults, err := s.queuedFaults(ctx)
	if err != nil {
		return // an admin key is missing: the checks that need the control API will say so
	}
	if s.cfg.NoMutate || len(changers) == 0 {
		if len(faults) > 0 {
			s.notice("%s queued on the mock (GET /_mock/faults): the kit's requests may meet them and use them up. "+
				"This run changes nothing, so it leaves them queued.", count(len(faults), "fault is", "faults are"))
		}
		return
	}
	f := &foundState{version: h.version, faults: faults, users: -1, calls: -1, journal: -1}
	s.datasetSummary(ctx, f)
	if rsp, err := s.mockDo(ctx, request{url: "/_mock/requests", fresh: true}); err == nil && rsp.status == http.StatusOK {
		var entries []json.RawMessage
		if json.Unmarshal(rsp.body, &entries) == nil {
			f.journal = len(entries)
		}
	}
	s.copyDataset(ctx, f)

	journal := "its request journal"
	if f.journal >= 0 {
		journal = fmt.Sprintf("its request journal (%s in it now)", count(f.journal, "request", "requests"))
	}
	what := "the dataset it found (" + describeDataset(f) + ")"
	if len(faults) > 0 {
		what += fmt.Sprintf(" and the %s it sets aside now, so that its checks meet none", count(len(faults), "queued fault", "queued faults"))
	}
	s.notice("%s %s the mock's state: %s datasets (PUT /_mock/dataset) and reset it (POST /_mock/reset), "+
		"which also empties %s. After the last check the kit puts back %s; the journal it cannot put back. "+
		"To change nothing, set NoMutate (dialoutconform --no-mutate).", strings.Join(changers, ", "), plural(len(changers), "changes", "change"), plural(len(changers), "it loads", "they load"), journal, what)
	s.notice("%s", s.copyPlan(f))
	s.found = f
	if len(faults) > 0 {
		if rsp, err := s.mockDo(ctx, request{method: http.MethodDelete, url: "/_mock/faults"}); err != nil || rsp.status/100 != 2 {
			s.notice("Could not set the queued faults aside (DELETE /_mock/faults): the checks may meet them.")
		}
	}
}

// copyPlan says, before the first check, how the dataset the run found comes back and what of it
// cannot.
func (s *session) copyPlan(f *foundState) string {
	const intro = "If that dataset is not the one the mock started with (which POST /_mock/reset brings back), "
	switch {
	case f.copy == nil:
		return intro + "the kit cannot put it back: " + f.copyNote + "."
	case !f.lines.identity && !f.rebuildOK:
		return intro + "the kit cannot put it back: GET /_mock/calls does not name the organizers (the mock predates JSON Lines uploads), and " + f.rebuildNote + "."
	case !f.lines.identity:
		return intro + "the kit loads a copy rebuilt from GET /_mock/calls and the report, as the mock's GET /_mock/calls does not name " +
			"the organizers (it predates JSON Lines uploads): " + f.rebuildNote + "."
	}
	var b strings.Builder
	fmt.Fprintf(&b, intro+"the kit loads back the copy of its %s it took now (GET /_mock/calls?arrived=all, every call, arrived or not; "+
		"%s in a temporary file it removes after the run) with PUT /_mock/dataset as JSON Lines, and checks that the mock serves version %s again "+
		"(a generated dataset, whose version comes from its generator parameters, comes back under a version of its own).",
		count(f.lines.count, "call", "calls"), sizeText(f.copySize), f.version)
	if left := f.users - len(f.lines.organizers); f.users >= 0 && left > 0 {
		fmt.Fprintf(&b, " That version cannot come back: %d of its %d users %s no call, and JSON Lines carries a user only on the user's calls, so the copy leaves %s out.",
			left, f.users, plural(left, "has", "have"), plural(left, "that user", "them"))
	}
	if name, want := uploadName(datasetName(f.name), ".jsonl"), datasetName(f.name); name != want {
		fmt.Fprintf(&b, " It goes in under the name %s, as the mock tells an upload's format by its name's extension first.", quote(name))
	}
	if f.rebuildOK {
		fmt.Fprintf(&b, " A mock that refuses JSON Lines uploads (one older than them) gets a copy rebuilt as a scenario document instead: %s.", f.rebuildNote)
	}
	return b.String()
}

// count writes n with the singular or the plural.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// plural picks the singular or the plural for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sizeText writes a byte count for a person: 256 MiB, 79.1 MiB, 6.8 KiB.
func sizeText(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/float64(u.size)), ".0") + " " + u.name
		}
	}
	return count(int(n), "byte", "bytes")
}

func describeDataset(f *foundState) string {
	out := "version " + f.version
	if f.name != "" {
		out += ", " + quote(f.name)
	}
	if f.users >= 0 {
		out += fmt.Sprintf(", %d users, %d calls", f.users, f.calls)
	}
	return out
}

// queuedFaults lists the queued faults as GET /_mock/faults shows them; none when the server has no
// such endpoint. The error is the kit's (an admin key is missing).
func (s *session) queuedFaults(ctx context.Context) ([]map[string]json.RawMessage, error) {
	rsp, err := s.mockDo(ctx, request{url: "/_mock/faults", fresh: true})
	if err != nil {
		return nil, err
	}
	var faults []map[string]json.RawMessage
	if rsp.status != http.StatusOK || json.Unmarshal(rsp.body, &faults) != nil {
		return nil, nil
	}
	return faults, nil
}

// datasetSummary fills in what GET /_mock/dataset says of the dataset being served: its name, its
// counts and, where f has none yet, its version.
func (s *session) datasetSummary(ctx context.Context, f *foundState) {
	rsp, err := s.mockDo(ctx, request{url: "/_mock/dataset", fresh: true})
	if err != nil || rsp.status != http.StatusOK {
		return
	}
	var sum struct {
		Version string `json:"version"`
		Name    string `json:"name"`
		Users   *int   `json:"users"`
		Calls   *int   `json:"calls"`
	}
	if json.Unmarshal(rsp.body, &sum) != nil {
		return
	}
	f.name = sum.Name
	if f.version == "" {
		f.version = sum.Version
	}
	if sum.Users != nil && sum.Calls != nil {
		f.users, f.calls = *sum.Users, *sum.Calls
	}
}

// copyDataset copies the calls of the dataset being served into a temporary file, as GET
// /_mock/calls?arrived=all writes them (with late arrival, every call, not only those arrived), and
// reads what the lines say of the users. When the lines do not name the organizers it reads the
// report now, while it serves this dataset, for a rebuilt copy.
func (s *session) copyDataset(ctx context.Context, f *foundState) {
	const get = "GET /_mock/calls?arrived=all"
	if f.calls > maxCopyBytes/minLineBytes {
		f.copyNote = fmt.Sprintf("its %d calls take more than the %s the kit copies (the mock's default --max-body)", f.calls, sizeText(maxCopyBytes))
		return
	}
	file, err := os.CreateTemp("", "dialoutconform-*.jsonl")
	if err != nil {
		f.copyNote = fmt.Sprintf("there is no temporary file for a copy of it (%v)", err)
		return
	}
	keep := false
	defer func() {
		if !keep {
			file.Close()
			os.Remove(file.Name())
		}
	}()
	rsp, err := s.mockDo(ctx, request{url: "/_mock/calls?arrived=all", fresh: true, sink: file, sinkLimit: maxCopyBytes})
	switch {
	case err != nil:
		f.copyNote = err.Error()
		return
	case rsp.status != http.StatusOK:
		f.copyNote = fmt.Sprintf("%s answered HTTP %d", get, rsp.status)
		return
	case rsp.size > maxCopyBytes:
		f.copyNote = fmt.Sprintf("its calls (%s) take more than the %s the kit copies (the mock's default --max-body)", get, sizeText(maxCopyBytes))
		return
	}
	lines, err := readLines(file)
	switch {
	case err != nil:
		f.copyNote = fmt.Sprintf("%s: %v", get, err)
		return
	case f.calls >= 0 && lines.count != f.calls:
		f.copyNote = fmt.Sprintf("%s gave %d calls where GET /_mock/dataset counts %d", get, lines.count, f.calls)
		return
	}
	keep = true
	f.copy, f.copySize, f.lines = file, rsp.size, lines
	if !lines.identity {
		f.names, f.rebuildNote = s.reportNames(ctx, lines)
		if f.names == nil {
			return
		}
	}
	f.rebuildOK = true
	f.rebuildNote = "the same calls and report under a new dataset version"
	if f.users > len(lines.organizers) {
		f.rebuildNote += fmt.Sprintf(", with %d of its %d users (those without a call are left out)", len(lines.organizers), f.users)
	}
}

// readLines reads the copy of GET /_mock/calls, one call a line.
func readLines(file *os.File) (callLines, error) {
	out := callLines{identity: true, organizers: map[string]*organizer{}}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return out, err
	}
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c struct {
			OrganizerID       string    `json:"organizerId"`
			UserPrincipalName string    `json:"userPrincipalName"`
			UserDisplayName   string    `json:"userDisplayName"`
			UserUsageLocation string    `json:"userUsageLocation"`
			StartDateTime     time.Time `json:"startDateTime"`
			UsageLocation     string    `json:"usageLocation"`
		}
		if line[0] != '{' || json.Unmarshal(line, &c) != nil {
			return out, fmt.Errorf("line %d: not a call with a startDateTime", n)
		}
		if c.StartDateTime.IsZero() {
			// A user line: a user without a call, the organizer's fields alone
			// (docs/contract.md#loading-real-data).
			if c.OrganizerID == "" || c.UserPrincipalName == "" || c.UsageLocation != "" {
				return out, fmt.Errorf("line %d: not a call with a startDateTime", n)
			}
			if out.organizers[c.OrganizerID] == nil {
				out.organizers[c.OrganizerID] = &organizer{location: c.UserUsageLocation,
					upn: c.UserPrincipalName, name: c.UserDisplayName, home: c.UserUsageLocation}
			}
			continue
		}
		out.count++
		if out.first.IsZero() || c.StartDateTime.Before(out.first) {
			out.first = c.StartDateTime
		}
		if c.StartDateTime.After(out.last) {
			out.last = c.StartDateTime
		}
		if c.OrganizerID == "" {
			continue // a call no user made (the bot types)
		}
		out.identity = out.identity && c.UserPrincipalName != ""
		o := out.organizers[c.OrganizerID]
		if o == nil {
			o = &organizer{}
			out.organizers[c.OrganizerID] = o
		}
		if o.latest.IsZero() || c.StartDateTime.After(o.latest) {
			o.latest, o.location = c.StartDateTime, c.UsageLocation
		}
		if o.upn == "" {
			o.upn, o.name, o.home = c.UserPrincipalName, c.UserDisplayName, c.UserUsageLocation
		}
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	return out, nil
}

// reportNames reads the report over the calls' span to name each organizer, for a copy rebuilt from
// lines that do not name them. It returns nil and why when some organizer stays unnamed.
func (s *session) reportNames(ctx context.Context, lines callLines) (map[string][2]string, string) {
	names := map[string][2]string{}
	for from := lines.first; lines.count > 0 && !from.After(lines.last); from = from.Add(MaxRange + 100*time.Nanosecond) {
		to := from.Add(MaxRange)
		if to.After(lines.last) {
			to = lines.last
		}
		rr, err := s.read(ctx, s.rangeURL(from, to), request{fresh: true})
		if err != nil {
			return nil, err.Error()
		}
		if !rr.complete {
			return nil, fmt.Sprintf("the report of [%s, %s], which names the users, could not be read: %s", odataTime(from), odataTime(to), rr.stop)
		}
		for _, e := range rr.entries() {
			if _, ok := names[e.key.userID]; !ok {
				names[e.key.userID] = [2]string{e.upn, e.name}
			}
		}
	}
	for id := range lines.organizers {
		if n, ok := names[id]; !ok || n[0] == "" {
			return nil, fmt.Sprintf("organizer %s has no report row that names it", id)
		}
	}
	return names, ""
}

// writeRebuilt writes a scenario document of the copy into a temporary file, which the caller
// removes: a user for each organizer, named as the lines or the report name it, and the calls as
// the server wrote them (exact decimals), streamed from the copy. A user's usageLocation is the
// home location the lines carry, else that of the user's latest call.
func writeRebuilt(f *foundState) (*os.File, error) {
	type user struct {
		ID                string `json:"id"`
		UserPrincipalName string `json:"userPrincipalName"`
		DisplayName       string `json:"displayName"`
		UsageLocation     string `json:"usageLocation"`
	}
	users := []user{}
	for id, o := range f.lines.organizers {
		u := user{id, o.upn, o.name, o.home}
		if n, ok := f.names[id]; ok && u.UserPrincipalName == "" {
			u.UserPrincipalName, u.DisplayName = n[0], n[1]
		}
		if u.UsageLocation == "" {
			u.UsageLocation = o.location
		}
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b user) int { return strings.Compare(a.ID, b.ID) })
	head, err := json.Marshal(struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Users       []user `json:"users"`
	}{datasetName(f.name), "the dataset dialoutconform found, rebuilt from " + rebuiltFrom(f), users})
	if err != nil {
		return nil, err
	}
	out, err := os.CreateTemp("", "dialoutconform-*.json")
	if err != nil {
		return nil, err
	}
	if err := copyCalls(out, f.copy, head); err != nil {
		out.Close()
		os.Remove(out.Name())
		return nil, err
	}
	return out, nil
}

// copyCalls writes head, an object without its closing brace, then the lines of calls as the array
// "calls".
func copyCalls(out, calls *os.File, head []byte) error {
	if _, err := calls.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 64<<10)
	w.Write(head[:len(head)-1])
	w.WriteString(`,"calls":[`)
	sc := bufio.NewScanner(calls)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	first := true
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.Write(line)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	w.WriteString("]}")
	return w.Flush()
}

// datasetName is the name to load a copy under, so that GET /_mock/dataset names it as before.
func datasetName(found string) string {
	if found == "" {
		return "dialoutconform-restored"
	}
	return strings.TrimPrefix(found, "scenario ")
}

// uploadName is name as an upload in the format of extension ext can carry: the mock tells an
// upload's format by its name's extension before its Content-Type (docs/contract.md#loading-real-data),
// so a name that ends in another format's extension gets ext added.
func uploadName(name, ext string) string {
	have := strings.ToLower(filepath.Ext(name))
	same := have == ext || ext == ".jsonl" && have == ".ndjson"
	switch have {
	case ".json", ".jsonl", ".ndjson", ".csv", ".zip":
		if !same {
			return name + ext
		}
	}
	return name
}

// discard removes the copy.
func (f *foundState) discard() {
	if f.copy != nil {
		f.copy.Close()
		os.Remove(f.copy.Name())
		f.copy = nil
	}
}

// restore puts back what the run changed, after the last check and also when the run's context
// ended, and removes the copy of the dataset. The error wraps ErrNotRestored.
func (s *session) restore(ctx context.Context) error {
	f := s.found
	if f == nil {
		return nil
	}
	defer f.discard()
	if !s.changed {
		return nil
	}
	timeout := restoreTimeout + time.Duration(f.copySize>>20)*restorePerMiB
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := errors.Join(s.restoreDataset(ctx, f), s.restoreFaults(ctx, f))
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrNotRestored, err)
		s.notice("Could not put back what the run changed: %v", err)
	}
	return err
}

func (s *session) restoreDataset(ctx context.Context, f *foundState) error {
	h, err := s.healthNow(ctx)
	switch {
	case err != nil:
		return err
	case !h.ok:
		return fmt.Errorf("the control API is not healthy: %s", h.problem)
	case h.version == f.version:
		s.notice("The mock serves the dataset it found again (version %s).", f.version)
		return nil
	}
	if s.startup == "" || s.startup == f.version {
		rsp, err := s.mockDo(ctx, request{method: http.MethodPost, url: "/_mock/reset"})
		if err != nil {
			return err
		}
		if rsp.status/100 != 2 {
			return fmt.Errorf("POST /_mock/reset answered HTTP %d", rsp.status)
		}
		if h, err = s.healthNow(ctx); err != nil {
			return err
		}
		s.startup = h.version
		if h.version == f.version {
			s.notice("Put back the dataset it found, version %s, with POST /_mock/reset.", f.version)
			return nil
		}
	}
	if f.copy == nil {
		return fmt.Errorf("the dataset it found (version %s) is not the one the mock started with (%s), and the kit has no copy of it: %s", f.version, s.startup, f.copyNote)
	}
	why := "GET /_mock/calls did not name the organizers (the mock predates JSON Lines uploads)"
	if f.lines.identity {
		done, refused, err := s.loadCopy(ctx, f)
		if done || err != nil {
			return err
		}
		why = refused
	}
	return s.loadRebuilt(ctx, f, why)
}

// loadCopy loads the copy back as JSON Lines and says whether the mock serves the version it found.
// refused says why a mock that does not take JSON Lines uploads refused it; the kit then rebuilds.
func (s *session) loadCopy(ctx context.Context, f *foundState) (done bool, refused string, err error) {
	name := uploadName(datasetName(f.name), ".jsonl")
	rsp, err := s.mockDo(ctx, request{method: http.MethodPut, url: "/_mock/dataset?name=" + url.QueryEscape(name),
		header: http.Header{"Content-Type": {contentJSONLines}}, bodyFile: f.copy})
	if err != nil {
		return false, "", err
	}
	switch rsp.status {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusUnsupportedMediaType:
		return false, fmt.Sprintf("PUT /_mock/dataset refused the JSON Lines copy (HTTP %d%s), as a mock without JSON Lines uploads does", rsp.status, errorMessage(rsp)), nil
	case http.StatusRequestEntityTooLarge:
		return false, "", fmt.Errorf("PUT /_mock/dataset refused the copy of the dataset it found (%s) as too large (HTTP 413%s): start the mock with a larger --max-body", sizeText(f.copySize), errorMessage(rsp))
	default:
		return false, "", fmt.Errorf("loading the copy of the dataset it found: PUT /_mock/dataset answered HTTP %d%s", rsp.status, errorMessage(rsp))
	}
	got := &foundState{users: -1, calls: -1}
	s.datasetSummary(ctx, got)
	if got.version == "" {
		if h, err := s.healthNow(ctx); err == nil && h.ok {
			got.version = h.version
		}
	}
	named := ""
	if got.name != f.name && f.name != "" {
		named = fmt.Sprintf(" It goes by the name %s instead of %s.", quote(got.name), quote(f.name))
	}
	if got.version == f.version {
		s.notice("Put back the dataset it found exactly: the mock serves version %s again (PUT /_mock/dataset of its JSON Lines copy, %s).%s",
			f.version, count(f.lines.count, "call", "calls"), named)
		return true, "", nil
	}
	s.notice("Put back a copy of the dataset it found (version %s) from its JSON Lines copy, under version %s: %s.%s",
		f.version, orUnknown(got.version), versionGap(f, got), named)
	return true, "", nil
}

// versionGap says why a copy loaded from JSON Lines has another version than the dataset found.
func versionGap(found, got *foundState) string {
	switch {
	case found.users >= 0 && got.users >= 0 && got.users < found.users:
		left := found.users - got.users
		return fmt.Sprintf("the dataset it found had %d users and the copy has %d: JSON Lines carries a user only on the user's calls, so %s left out",
			found.users, got.users, plural(left, "the one without a call is", fmt.Sprintf("the %d without a call are", left)))
	case found.calls >= 0 && got.calls >= 0 && got.calls != found.calls:
		return fmt.Sprintf("the dataset it found had %d calls and the copy has %d", found.calls, got.calls)
	case got.users < 0:
		return "GET /_mock/dataset does not say what the copy holds"
	}
	return fmt.Sprintf("the same %d users and %d calls, which the mock versions otherwise when loaded from their calls (a generated dataset's version comes from its generator parameters)",
		got.users, got.calls)
}

func orUnknown(v string) string {
	if v == "" {
		return "(unknown)"
	}
	return v
}

// errorMessage is ": " and the error envelope's message of rsp, cut short, or "".
func errorMessage(rsp *response) string {
	env, ok := parseEnvelope(rsp.body)
	if !ok || env.Error.Message == nil {
		return ""
	}
	msg := *env.Error.Message
	if len(msg) > 200 {
		cut := 200
		for cut > 196 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "..."
	}
	return ": " + msg
}

// loadRebuilt loads a scenario document rebuilt from the copy, for a mock that cannot load the copy
// itself; why says so.
func (s *session) loadRebuilt(ctx context.Context, f *foundState, why string) error {
	if !f.rebuildOK {
		return fmt.Errorf("the dataset it found (version %s) is not the one the mock started with (%s); %s, and %s", f.version, s.startup, why, f.rebuildNote)
	}
	doc, err := writeRebuilt(f)
	if err != nil {
		return fmt.Errorf("rebuilding the dataset it found: %w", err)
	}
	defer func() {
		doc.Close()
		os.Remove(doc.Name())
	}()
	rsp, err := s.mockDo(ctx, request{method: http.MethodPut, url: "/_mock/dataset?name=" + url.QueryEscape(uploadName(datasetName(f.name), ".json")), bodyFile: doc})
	if err != nil {
		return err
	}
	if rsp.status != http.StatusOK {
		return fmt.Errorf("%s; loading the rebuilt copy of the dataset it found: PUT /_mock/dataset answered HTTP %d%s", why, rsp.status, errorMessage(rsp))
	}
	version := "?"
	if h, err := s.healthNow(ctx); err == nil && h.ok {
		version = h.version
	}
	s.notice("%s. Put back a copy of the dataset it found (version %s), rebuilt from %s: version %s, %s.",
		upperFirst(why), f.version, rebuiltFrom(f), version, f.rebuildNote)
	return nil
}

// rebuiltFrom says what a rebuilt copy is made of: the lines, and the report where the lines do not
// name the users.
func rebuiltFrom(f *foundState) string {
	if f.names != nil {
		return "GET /_mock/calls and the report"
	}
	return "GET /_mock/calls"
}

// upperFirst starts s with a capital letter.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// restoreFaults queues again the faults set aside before the first check, each with the uses it had
// left.
func (s *session) restoreFaults(ctx context.Context, f *foundState) error {
	var errs []error
	for i, fault := range f.faults {
		body := map[string]json.RawMessage{}
		for k, v := range fault {
			body[k] = v
		}
		if left, ok := body["remaining"]; ok {
			body["times"] = left
			delete(body, "remaining")
		}
		rsp, err := s.mockDo(ctx, request{method: http.MethodPost, url: "/_mock/faults", body: mustJSON(body)})
		if err == nil && rsp.status/100 != 2 {
			err = fmt.Errorf("POST /_mock/faults answered HTTP %d", rsp.status)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("fault %d of %d: %w", i+1, len(f.faults), err))
		}
	}
	if len(f.faults) > 0 && len(errs) == 0 {
		s.notice("Queued again the %s it had set aside.", count(len(f.faults), "fault", "faults"))
	}
	return errors.Join(errs...)
}

// cmpOr returns s, or alt when s is empty.
func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
