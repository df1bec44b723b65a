package dataset

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"

	"github.com/dialoutkit/dialoutkit/report"
)

// WriteCalls writes calls in the scenario `calls` format, one JSON object a
// line ("jsonl", the default), or as CSV with a header row ("csv").
func WriteCalls(w io.Writer, format string, calls iter.Seq[report.Call]) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "", "jsonl", "ndjson":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for call := range calls {
			if err := enc.Encode(call); err != nil {
				return err
			}
		}
	case "csv":
		cw := csv.NewWriter(bw)
		cw.Write(callCSVHeader)
		for call := range calls {
			if err := cw.Write(callCSVRecord(call)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("format %q: want jsonl or csv", format)
	}
	return bw.Flush()
}

var callCSVHeader = []string{"id", "organizerId", "startDateTime", "endDateTime", "duration",
	"destinationContext", "charge", "connectionCharge", "currency", "usageLocation", "dialerId",
	"calleeNumber", "destinationName", "conferenceId", "licenseCapability"}

func callCSVRecord(c report.Call) []string {
	return []string{c.ID, c.OrganizerID, c.StartDateTime.Format(time.RFC3339Nano), c.EndDateTime.Format(time.RFC3339Nano),
		strconv.FormatInt(c.Duration, 10), c.DestinationContext.String(), c.Charge.String(), c.ConnectionCharge.String(),
		c.Currency, c.UsageLocation, c.DialerID, c.CalleeNumber, c.DestinationName, c.ConferenceID, c.LicenseCapability}
}
