package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/report"
)

// health is the body of GET /_mock/health (docs/contract.md#control-api).
type health struct {
	DatasetVersion string    `json:"datasetVersion"`
	Status         string    `json:"status"`
	Log            *LogStats `json:"log,omitempty"`     // with a request log (Config.Log)
	Tenancy        string    `json:"tenancy,omitempty"` // "multi" with many tenants (tenancy.go)
}

// handleHealth answers liveness, the dataset version and, with a request
// log, how many lines it wrote and dropped.
func (s *Server) handleHealth(c echo.Context) error {
	h := health{DatasetVersion: s.data.Load().Version, Status: "ok", Tenancy: s.tenancyName()}
	if s.cfg.Log != nil {
		st := s.cfg.Log.Stats()
		h.Log = &st
	}
	return c.JSON(http.StatusOK, h)
}

// datasetSummary is the body of GET /_mock/dataset.
type datasetSummary struct {
	Version string `json:"version"`
	Name    string `json:"name"`
	report.Summary
	// ArrivedCalls counts the calls arrived at the server's clock: all of
	// them but with late arrival (arrival.go), when Calls still counts all.
	ArrivedCalls int `json:"arrivedCalls"`
}

// summary describes ds.
func (s *Server) summary(ds *Dataset) datasetSummary {
	return datasetSummary{Version: ds.Version, Name: ds.Name, Summary: ds.Source.Summary(),
		ArrivedCalls: s.arrivedCalls(ds, s.now())}
}

// handleDatasetSummary describes the dataset being served.
func (s *Server) handleDatasetSummary(c echo.Context) error {
	return c.JSON(http.StatusOK, s.summary(s.tenant(c).data.Load()))
}

// handleCalls lists the ledger behind every total, in the scenario `calls`
// format: JSON Lines by default (each line with its organizer's identity, so
// the lines load back), CSV with ?format=csv, the Teams admin center export's
// columns with ?format=teams-csv. from and to take the same literals as the
// function, both inclusive; absent, all calls, and in JSON Lines a user line
// for each user without a call listed, so that the whole export loads back
// as the same dataset (docs/contract.md#loading-real-data). With late
// arrival, only the calls arrived at the server's clock, unless
// ?arrived=all.
func (s *Server) handleCalls(c echo.Context) error {
	q := report.Query{From: time.Unix(0, 0).UTC().AddDate(-1000, 0, 0), To: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		// A raw "+" of an offset arrives as a space once the query is decoded.
		if v := strings.ReplaceAll(c.QueryParam(p.name), " ", "+"); v != "" {
			t, err := parseDateTimeOffset(v)
			if err != nil {
				return badRequest("The parameter '%s' has the invalid value '%s': %v.", p.name, printable(v), err)
			}
			*p.dst = t
		}
	}
	if q.From.After(q.To) {
		// Not report.ErrReversedRange, whose message names the function's
		// parameters: this endpoint's are from and to.
		return badRequest("The parameter 'from' must not be later than the parameter 'to'.")
	}
	format := c.QueryParam("format")
	ct := callContentType(format)
	if ct == "" {
		return badRequest("The parameter 'format' has the invalid value '%s': want jsonl, csv or teams-csv.", printable(format))
	}
	ds := s.tenant(c).data.Load()
	calls, err := s.visibleCalls(ds, q, c.QueryParam("arrived"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, ct)
	c.Response().WriteHeader(http.StatusOK)
	write := dataset.WriteDataset
	if c.QueryParam("from") != "" || c.QueryParam("to") != "" {
		write = dataset.WriteCalls // a range: its calls only
	}
	write(c.Response(), format, calls, dataset.UsersOf(ds.Source)) // an error here is the client going away
	return nil
}

// callContentType is the Content-Type of a format of GET /_mock/calls, or ""
// for an unknown format.
func callContentType(format string) string {
	switch format {
	case "", "jsonl", "ndjson":
		return "application/x-ndjson"
	case "csv", "teams-csv":
		return "text/csv; charset=utf-8"
	}
	return ""
}

// adminKeyHeader carries DIALOUTMOCK_ADMIN_KEY on control API requests.
const adminKeyHeader = "X-Admin-Key"

// requireAdminKey guards the control API when an admin key is configured.
// /_mock/health stays open for liveness probes. The comparison takes the
// same time whatever the key sent.
func (s *Server) requireAdminKey(next echo.HandlerFunc) echo.HandlerFunc {
	want := sha256.Sum256([]byte(s.cfg.AdminKey))
	return func(c echo.Context) error {
		if s.cfg.AdminKey == "" || c.Path() == "/_mock/health" {
			return next(c)
		}
		got := sha256.Sum256([]byte(c.Request().Header.Get(adminKeyHeader)))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return &GraphError{Status: http.StatusUnauthorized, Code: "Unauthorized",
				Message: "The control API requires the admin key in the " + adminKeyHeader + " header."}
		}
		return next(c)
	}
}

// readBody reads a control API body up to limit bytes.
// A declared Content-Length past the limit is refused before reading.
func readBody(c echo.Context, limit int64) ([]byte, error) {
	body, err := limitBody(c, limit)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, bodyErr(err, limit)
	}
	return b, nil
}

// handlePutDataset swaps the dataset atomically: a dataset in any of the
// formats of docs/contract.md#loading-real-data (told apart by ?name='s
// extension, Content-Type, or content), read as it arrives, or
// {"generator": {...}} with generator parameters. A refused upload leaves
// the old dataset serving.
//
// Control requests take effect in the order they arrive (see builds): this
// PUT begins before its body is read, and a later PUT or reset of the same
// tenant (or of the whole server) that arrives before its dataset is built
// supersedes it. The build is then
// cancelled and dropped, and this PUT is answered 409 Conflict (ErrSuperseded)
// so that a client does not take the later request's dataset for its own.
func (s *Server) handlePutDataset(c echo.Context) error {
	b := s.builds.begin(c.Request().Context(), s.tenantID(c))
	defer b.end()
	// served is the dataset as the request's tenant serves it (its version
	// bound to the tenant with many tenants).
	var served Dataset
	install := func(ds Dataset) { served = s.swapIn(c, ds) }
	body, err := limitBody(c, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(body, 64<<10)
	var ds Dataset
	if isGeneratorRequest(br) {
		raw, err := io.ReadAll(io.LimitReader(br, maxGeneratorBody+1))
		if err != nil {
			return bodyErr(err, s.cfg.MaxBodyBytes)
		}
		if len(raw) > maxGeneratorBody {
			return tooLarge(maxGeneratorBody)
		}
		var probe struct {
			Generator json.RawMessage `json:"generator"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil || probe.Generator == nil {
			return badRequest("The generator parameters are not a JSON object {\"generator\": {...}}.")
		}
		if s.cfg.Generate == nil {
			return badRequest("This server does not take generator parameters; upload a scenario document.")
		}
		ds, err = b.run(func(ctx context.Context) (Dataset, error) {
			return s.cfg.Generate(ctx, probe.Generator)
		}, install)
		var ge *GraphError
		if err != nil && !errors.Is(err, ErrSuperseded) && !errors.As(err, &ge) {
			return badRequest("The generator parameters were refused, and the previous dataset keeps serving: %v.", err)
		}
		if err != nil {
			return err
		}
	} else {
		name := c.QueryParam("name")
		format := dataset.FormatOf(name, c.Request().Header.Get(echo.HeaderContentType))
		ds, err = b.run(func(ctx context.Context) (Dataset, error) {
			return s.scenarios.Read(ctx, name, format, br)
		}, install)
		var probs report.Problems
		if err != nil && !errors.Is(err, ErrSuperseded) && !errors.As(err, &probs) {
			return bodyErr(err, s.cfg.MaxBodyBytes)
		}
		if err != nil {
			// Read what the client still sends (within the limit), so it
			// reads the answer rather than a reset connection.
			io.Copy(io.Discard, br)
			return err
		}
		// Give the garbage of decoding back to the OS, as after generating.
		debug.FreeOSMemory()
	}
	ds = served
	s.log.Info("dataset swapped", slog.String("name", ds.Name), slog.String("version", ds.Version))
	return c.JSON(http.StatusOK, s.summary(&ds))
}

// maxGeneratorBody bounds a {"generator": {...}} body.
const maxGeneratorBody = 1 << 20

// isGeneratorRequest reports whether a body's first key is "generator".
func isGeneratorRequest(br *bufio.Reader) bool {
	head, _ := br.Peek(4096)
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	key, err := dec.Token()
	return err == nil && key == "generator"
}

// limitBody bounds a control API body to limit bytes as it is read. A
// declared Content-Length past the limit is refused before reading.
func limitBody(c echo.Context, limit int64) (io.Reader, error) {
	r := c.Request()
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	return http.MaxBytesReader(c.Response(), r.Body, limit), nil
}

func tooLarge(limit int64) *GraphError {
	return &GraphError{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge",
		Message: fmt.Sprintf("The request body is larger than %d bytes.", limit)}
}

// bodyErr is the answer to a body that could not be read.
func bodyErr(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(limit)
	}
	return badRequest("The request body could not be read: %v.", err)
}

// handleReset restores the startup dataset and clears the journal, faults
// and throttling state.
func (s *Server) handleReset(c echo.Context) error {
	s.Reset()
	return s.handleDatasetSummary(c)
}

// handleRequests lists the journal, newest last, filtered by ?status= and
// ?path= (a substring).
func (s *Server) handleRequests(c echo.Context) error {
	var f JournalFilter
	if v := c.QueryParam("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 || n > 599 {
			return badRequest("The parameter 'status' has the invalid value '%s': want an HTTP status such as 429.", printable(v))
		}
		f.Status = n
	}
	f.Path = c.QueryParam("path")
	f.Tenant = tenantParam(c.QueryParam("tenant"))
	return c.JSON(http.StatusOK, s.journal.list(f))
}

// handleClearRequests empties the journal or, with ?tenant= (many
// tenants), drops that tenant's entries only.
func (s *Server) handleClearRequests(c echo.Context) error {
	if tid := c.QueryParam("tenant"); tid != "" {
		s.journal.clearTenant(tenantParam(tid))
		return c.NoContent(http.StatusNoContent)
	}
	s.journal.clear()
	return c.NoContent(http.StatusNoContent)
}

// handleQueueFault queues one fault from a JSON body.
func (s *Server) handleQueueFault(c echo.Context) error {
	body, err := readBody(c, 64<<10)
	if err != nil {
		return err
	}
	var f Fault
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return badRequest("The fault is not valid JSON of the fault format: %v.", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("The fault has data after its JSON object: send one object.")
	}
	if err := s.QueueFault(f); err != nil {
		return badRequest("The fault was refused: %v.", err)
	}
	return c.JSON(http.StatusCreated, s.faults.list())
}

func (s *Server) handleListFaults(c echo.Context) error {
	return c.JSON(http.StatusOK, s.faults.list())
}

// handleClearFaults clears the queue or, with ?tenant= (many tenants), the
// faults naming that tenant only.
func (s *Server) handleClearFaults(c echo.Context) error {
	if tid := c.QueryParam("tenant"); tid != "" {
		s.faults.clearTenant(tenantParam(tid))
		return c.NoContent(http.StatusNoContent)
	}
	s.faults.clear()
	return c.NoContent(http.StatusNoContent)
}
