package server

import (
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
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dialoutkit/dialoutkit/internal/dataset"
	"github.com/dialoutkit/dialoutkit/report"
)

// handleHealth answers liveness and the dataset version.
func (s *Server) handleHealth(c echo.Context) error {
	ds := s.data.Load()
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "datasetVersion": ds.Version})
}

// datasetSummary is the body of GET /_mock/dataset.
type datasetSummary struct {
	Version string `json:"version"`
	Name    string `json:"name"`
	report.Summary
}

// handleDatasetSummary describes the dataset being served.
func (s *Server) handleDatasetSummary(c echo.Context) error {
	ds := s.data.Load()
	return c.JSON(http.StatusOK, datasetSummary{Version: ds.Version, Name: ds.Name, Summary: ds.Source.Summary()})
}

// handleCalls lists the ledger behind every total, in the scenario `calls`
// format: JSON Lines by default, CSV with ?format=csv. from and to take the
// same literals as the function, both inclusive; absent, all calls.
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
		return badRequest("The parameter 'format' has the invalid value '%s': want jsonl or csv.", printable(format))
	}
	ds := s.data.Load()
	c.Response().Header().Set(echo.HeaderContentType, ct)
	c.Response().WriteHeader(http.StatusOK)
	dataset.WriteCalls(c.Response(), format, ds.Source.Calls(q)) // an error here is the client going away
	return nil
}

// callContentType is the Content-Type of a format of GET /_mock/calls, or ""
// for an unknown format.
func callContentType(format string) string {
	switch format {
	case "", "jsonl", "ndjson":
		return "application/x-ndjson"
	case "csv":
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
	tooLarge := &GraphError{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge",
		Message: fmt.Sprintf("The request body is larger than %d bytes.", limit)}
	r := c.Request()
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, badRequest("The request body could not be read: %v.", err)
	}
	return b, nil
}

// handlePutDataset swaps the dataset atomically: a scenario document, or
// {"generator": {...}} with generator parameters. A refused upload leaves the
// old dataset serving.
//
// Control requests take effect in the order they arrive (see builds): this
// PUT is numbered before its body is read, and a later PUT or reset that
// arrives before its dataset is built supersedes it. The build is then
// cancelled and dropped, and this PUT is answered 409 Conflict (ErrSuperseded)
// so that a client does not take the later request's dataset for its own.
func (s *Server) handlePutDataset(c echo.Context) error {
	b := s.builds.begin(c.Request().Context())
	defer b.end()
	body, err := readBody(c, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	var probe struct {
		Generator json.RawMessage `json:"generator"`
	}
	var ds Dataset
	if json.Unmarshal(body, &probe) == nil && probe.Generator != nil {
		if s.cfg.Generate == nil {
			return badRequest("This server does not take generator parameters; upload a scenario document.")
		}
		ds, err = b.run(func(ctx context.Context) (Dataset, error) {
			return s.cfg.Generate(ctx, probe.Generator)
		}, s.install)
		var ge *GraphError
		if err != nil && !errors.Is(err, ErrSuperseded) && !errors.As(err, &ge) {
			return badRequest("The generator parameters were refused, and the previous dataset keeps serving: %v.", err)
		}
	} else {
		ds, err = s.loadScenario(b, c.QueryParam("name"), body)
	}
	if err != nil {
		return err
	}
	s.log.Info("dataset swapped", slog.String("name", ds.Name), slog.String("version", ds.Version))
	return c.JSON(http.StatusOK, datasetSummary{Version: ds.Version, Name: ds.Name, Summary: ds.Source.Summary()})
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
	return c.JSON(http.StatusOK, s.journal.list(f))
}

func (s *Server) handleClearRequests(c echo.Context) error {
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
	if err := s.faults.add(f); err != nil {
		return badRequest("The fault was refused: %v.", err)
	}
	return c.JSON(http.StatusCreated, s.faults.list())
}

func (s *Server) handleListFaults(c echo.Context) error {
	return c.JSON(http.StatusOK, s.faults.list())
}

func (s *Server) handleClearFaults(c echo.Context) error {
	s.faults.clear()
	return c.NoContent(http.StatusNoContent)
}
