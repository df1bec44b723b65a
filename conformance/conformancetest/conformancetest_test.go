package conformancetest_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dialoutkit/dialoutkit/conformance"
	"github.com/dialoutkit/dialoutkit/conformance/conformancetest"
	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

// report has one result of each kind the mapping distinguishes.
func report() *conformance.Report {
	res := func(id string, l conformance.Level, s conformance.Status, reason string) conformance.Result {
		return conformance.Result{Check: conformance.Check{ID: id, Title: "t " + id, Level: l, Statement: "s"}, Status: s, Reason: reason}
	}
	return &conformance.Report{Results: []conformance.Result{
		res("DR-X-001", conformance.Must, conformance.Pass, ""),
		res("DR-X-002", conformance.Must, conformance.Fail, "must broke"),
		res("DR-X-003", conformance.Should, conformance.Fail, "should broke"),
		res("DR-X-004", conformance.Must, conformance.Skip, "not here"),
		res("DR-X-005", conformance.Should, conformance.Error, "kit broke"),
	}}
}

// TestSubtestsChild is the test the parent runs in a child process: its outcome is the subject.
func TestSubtestsChild(t *testing.T) {
	if os.Getenv("CONFORMANCETEST_CHILD") != "1" {
		t.Skip("run by TestSubtests in a child process")
	}
	conformancetest.Subtests(t, report())
}

func TestSubtests(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSubtestsChild$", "-test.v")
	cmd.Env = append(os.Environ(), "CONFORMANCETEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child passed, want it to fail (a MUST failed):\n%s", out)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 3 && f[0] == "---" {
			if name, ok := strings.CutPrefix(f[2], "TestSubtestsChild/"); ok {
				got[name] = strings.TrimSuffix(f[1], ":")
			}
		}
	}
	want := map[string]string{"DR-X-001": "PASS", "DR-X-002": "FAIL", "DR-X-003": "PASS", "DR-X-004": "SKIP", "DR-X-005": "FAIL"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("subtest outcomes (-want +got):\n%s\n%s", diff, out)
	}
	for _, msg := range []string{"must broke", "should broke", "not here", "kit broke"} {
		if !bytes.Contains(out, []byte(msg)) {
			t.Errorf("the output lacks %q", msg)
		}
	}
}

// TestRunChild runs conformancetest.Run against a server with a queued fault: its notice is the subject.
func TestRunChild(t *testing.T) {
	if os.Getenv("CONFORMANCETEST_CHILD") != "1" {
		t.Skip("run by TestRunLogsNotices in a child process")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/_mock/health":
			io.WriteString(w, `{"status":"ok","datasetVersion":"v1"}`)
		case "/_mock/faults":
			io.WriteString(w, `[{"path":"x","times":1,"status":500,"remaining":1}]`)
		default:
			fmt.Fprintf(w, `{"@odata.context":"http://%s/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)","@odata.count":0,"value":[]}`, r.Host)
		}
	}))
	t.Cleanup(srv.Close)
	conformancetest.Run(t, conformance.Config{BaseURL: srv.URL, Profile: conformance.ProfileMock, NoMutate: true, Run: []string{"DR-ENV-001"}, HTTPClient: srv.Client()})
}

// TestRunLogsNotices: without a Notice of its own, Run gives the run's notices to t.Log.
func TestRunLogsNotices(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunChild$", "-test.v")
	cmd.Env = append(os.Environ(), "CONFORMANCETEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("1 fault is queued on the mock")) {
		t.Errorf("the child's log lacks the notice of the queued fault:\n%s", out)
	}
}
