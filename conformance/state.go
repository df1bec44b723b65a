package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// What a mock-profile run changes on the server, recorded before the first check and put back after
// the last (docs/contract.md#conformance-kit, #control-api): the dataset and the queued faults. The
// request journal cannot be put back; the run says up front that POST /_mock/reset empties it.

// foundState is what the server held before the run changed it.
type foundState struct {
	version      string
	name         string // of GET /_mock/dataset, "" when unknown
	users, calls int    // of GET /_mock/dataset, -1 when unknown
	journal      int    // requests in GET /_mock/requests, -1 when unknown
	faults       []map[string]json.RawMessage
	// rebuild is a scenario document with the dataset's calls and users, loaded when POST /_mock/reset
	// does not bring the dataset back (it was loaded after the mock started); nil when the kit could
	// not make one. rebuildNote says what the copy lacks, or why there is none.
	rebuild     []byte
	rebuildNote string
}

const (
	// maxRebuildCalls bounds the dataset the kit copies to put it back: about 35 MB of scenario.
	maxRebuildCalls = 100_000
	// restoreTimeout bounds putting the state back, also after the run's context ended.
	restoreTimeout = 2 * time.Minute
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
	f.rebuild, f.rebuildNote = s.rebuildDataset(ctx, f)

	journal := "its request journal"
	if f.journal >= 0 {
		journal = fmt.Sprintf("its request journal (%s in it now)", count(f.journal, "request", "requests"))
	}
	what := "the dataset it found (" + describeDataset(f) + ")"
	if len(faults) > 0 {
		what += fmt.Sprintf(" and the %s it sets aside now, so that its checks meet none", count(len(faults), "queued fault", "queued faults"))
	}
	s.notice("%s change the mock's state: they load datasets (PUT /_mock/dataset) and reset it (POST /_mock/reset), "+
		"which also empties %s. After the last check the kit puts back %s; the journal it cannot put back. "+
		"To change nothing, set NoMutate (dialoutconform --no-mutate).", strings.Join(changers, ", "), journal, what)
	if f.rebuild == nil {
		s.notice("If that dataset is not the one the mock started with, the kit cannot put it back: %s.", f.rebuildNote)
	} else {
		s.notice("If that dataset is not the one the mock started with, POST /_mock/reset cannot bring it back; the kit then loads "+
			"a copy rebuilt from GET /_mock/calls and the report: %s.", f.rebuildNote)
	}
	s.found = f
	if len(faults) > 0 {
		if rsp, err := s.mockDo(ctx, request{method: http.MethodDelete, url: "/_mock/faults"}); err != nil || rsp.status/100 != 2 {
			s.notice("Could not set the queued faults aside (DELETE /_mock/faults): the checks may meet them.")
		}
	}
}

// count writes n with the singular or the plural.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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

// datasetSummary fills in what GET /_mock/dataset says of the dataset being served.
func (s *session) datasetSummary(ctx context.Context, f *foundState) {
	rsp, err := s.mockDo(ctx, request{url: "/_mock/dataset", fresh: true})
	if err != nil || rsp.status != http.StatusOK {
		return
	}
	var sum struct {
		Name  string `json:"name"`
		Users *int   `json:"users"`
		Calls *int   `json:"calls"`
	}
	if json.Unmarshal(rsp.body, &sum) != nil {
		return
	}
	f.name = sum.Name
	if sum.Users != nil && sum.Calls != nil {
		f.users, f.calls = *sum.Users, *sum.Calls
	}
}

// rebuildDataset makes a scenario document of the dataset being served: its calls from GET
// /_mock/calls, in the scenario calls format (of every type: bots' calls have no organizer), and a
// user for each organizer, named as the lines name them or, where they do not, as the report does.
// The users' own usageLocation is the lines' userUsageLocation, or else their latest call's; users
// without a call cannot be seen, and are left out.
func (s *session) rebuildDataset(ctx context.Context, f *foundState) ([]byte, string) {
	if f.calls > maxRebuildCalls {
		return nil, fmt.Sprintf("it holds %d calls, more than the %d the kit copies", f.calls, maxRebuildCalls)
	}
	rsp, err := s.mockDo(ctx, request{url: "/_mock/calls", fresh: true})
	switch {
	case err != nil:
		return nil, err.Error()
	case rsp.status != http.StatusOK:
		return nil, fmt.Sprintf("GET /_mock/calls answered HTTP %d", rsp.status)
	}
	type organizer struct {
		latest    time.Time
		location  string
		upn, name string // from the lines, which carry them (docs/contract.md#loading-real-data)
	}
	var calls [][]byte
	organizers := map[string]*organizer{}
	var first, last time.Time
	for i, line := range bytes.Split(rsp.body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var c struct {
			OrganizerID       string    `json:"organizerId"`
			StartDateTime     time.Time `json:"startDateTime"`
			UsageLocation     string    `json:"usageLocation"`
			CallType          string    `json:"callType"`
			UserPrincipalName string    `json:"userPrincipalName"`
			UserDisplayName   string    `json:"userDisplayName"`
			UserUsageLocation string    `json:"userUsageLocation"`
		}
		if err := json.Unmarshal(line, &c); err != nil || c.StartDateTime.IsZero() || line[0] != '{' {
			return nil, fmt.Sprintf("GET /_mock/calls, line %d: not a call with startDateTime", i+1)
		}
		bot := c.CallType == "ucap_in" || c.CallType == "ucap_out" // no user (docs/contract.md#call-log)
		if c.OrganizerID == "" && !bot {
			return nil, fmt.Sprintf("GET /_mock/calls, line %d: a %s call without organizerId", i+1, cmpOr(c.CallType, "conf_out"))
		}
		if c.OrganizerID != "" {
			o := organizers[c.OrganizerID]
			if o == nil {
				o = &organizer{}
				organizers[c.OrganizerID] = o
			}
			if o.latest.IsZero() || c.StartDateTime.After(o.latest) {
				o.latest, o.location = c.StartDateTime, c.UsageLocation
			}
			if c.UserPrincipalName != "" {
				o.upn, o.name = c.UserPrincipalName, c.UserDisplayName
			}
			if c.UserUsageLocation != "" {
				o.location = c.UserUsageLocation // the user's own, when the line says it
			}
		}
		if first.IsZero() || c.StartDateTime.Before(first) {
			first = c.StartDateTime
		}
		if c.StartDateTime.After(last) {
			last = c.StartDateTime
		}
		calls = append(calls, line)
	}
	names := map[string][2]string{}
	for from := first; len(calls) > 0 && !from.After(last); from = from.Add(MaxRange + 100*time.Nanosecond) {
		to := from.Add(MaxRange)
		if to.After(last) {
			to = last
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
	type user struct {
		ID                string `json:"id"`
		UserPrincipalName string `json:"userPrincipalName"`
		DisplayName       string `json:"displayName"`
		UsageLocation     string `json:"usageLocation"`
	}
	users := []user{}
	for id, o := range organizers {
		n, ok := names[id]
		if o.upn != "" {
			n, ok = [2]string{o.upn, o.name}, true
		}
		if !ok || n[0] == "" {
			return nil, fmt.Sprintf("organizer %s has no report row that names it", id)
		}
		users = append(users, user{id, n[0], n[1], o.location})
	}
	slices.SortFunc(users, func(a, b user) int { return strings.Compare(a.ID, b.ID) })
	// Written by hand: the calls go in as the server wrote them (exact decimals), without a second
	// pass of encoding/json over megabytes of text it has just read.
	var doc bytes.Buffer
	head, err := json.Marshal(struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Users       []user `json:"users"`
	}{datasetName(f.name), "the dataset dialoutconform found, rebuilt from GET /_mock/calls and the report", users})
	if err != nil {
		return nil, err.Error()
	}
	doc.Grow(len(rsp.body) + len(head) + 16)
	doc.Write(head[:len(head)-1])
	doc.WriteString(`,"calls":[`)
	for i, c := range calls {
		if i > 0 {
			doc.WriteByte(',')
		}
		doc.Write(c)
	}
	doc.WriteString("]}")
	note := "the same calls and report under a new dataset version"
	if f.users > len(users) {
		note += fmt.Sprintf(", with %d of its %d users (those without a dial-out call are left out)", len(users), f.users)
	}
	return doc.Bytes(), note
}

// datasetName is the name to load a rebuilt copy under, so that GET /_mock/dataset names it as before.
func datasetName(found string) string {
	if found == "" {
		return "dialoutconform-restored"
	}
	return strings.TrimPrefix(found, "scenario ")
}

// restore puts back what the run changed, after the last check and also when the run's context
// ended. The error wraps ErrNotRestored.
func (s *session) restore(ctx context.Context) error {
	f := s.found
	if f == nil || !s.changed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
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
	if f.rebuild == nil {
		return fmt.Errorf("the dataset it found (version %s) is not the one the mock started with (%s), and %s", f.version, s.startup, f.rebuildNote)
	}
	rsp, err := s.mockDo(ctx, request{method: http.MethodPut, url: "/_mock/dataset?name=" + url.QueryEscape(datasetName(f.name)), body: f.rebuild})
	if err != nil {
		return err
	}
	if rsp.status != http.StatusOK {
		msg := ""
		if env, ok := parseEnvelope(rsp.body); ok && env.Error.Message != nil {
			msg = ": " + *env.Error.Message
		}
		return fmt.Errorf("loading the rebuilt copy of the dataset it found: PUT /_mock/dataset answered HTTP %d%s", rsp.status, msg)
	}
	version := "?"
	if h, err := s.healthNow(ctx); err == nil && h.ok {
		version = h.version
	}
	s.notice("Put back a copy of the dataset it found (version %s), rebuilt from GET /_mock/calls and the report: version %s, %s.",
		f.version, version, f.rebuildNote)
	return nil
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
