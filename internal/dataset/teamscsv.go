package dataset

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/dialoutkit/dialoutkit/report"
)

// TeamsColumns are the columns of the Teams admin center "PSTN usage"
// export, in its order (docs/contract.md#loading-real-data).
var TeamsColumns = [20]string{"UsageId", "Call ID", "Conference ID", "User Location", "AAD ObjectId", "UPN",
	"User Display Name", "Caller ID", "Call Type", "Number Type", "Domestic/International", "Destination Dialed",
	"Destination Number", "Start Time", "End Time", "Duration Seconds", "Connection Fee", "Charge", "Currency", "Capability"}

// The columns by index.
const (
	colUsageID = iota
	colCallID
	colConference
	colLocation
	colObjectID
	colUPN
	colDisplayName
	colCallerID
	colCallType
	colNumberType
	colDestination
	colDestinationDialed
	colDestinationNumber
	colStart
	colEnd
	colDuration
	colConnectionFee
	colCharge
	colCurrency
	colCapability
)

// teamsColumn is the column of a ledger field.
var teamsColumn = map[string]int{"id": colUsageID, "callId": colCallID, "conferenceId": colConference,
	"usageLocation": colLocation, "organizerId": colObjectID, "user:id": colObjectID, "user:userPrincipalName": colUPN,
	"user:displayName": colDisplayName, "user:usageLocation": colLocation, "callerNumber": colCallerID,
	"callType": colCallType, "numberType": colNumberType, "destinationContext": colDestination,
	"destinationName": colDestinationDialed, "calleeNumber": colDestinationNumber, "startDateTime": colStart,
	"endDateTime": colEnd, "duration": colDuration, "connectionCharge": colConnectionFee, "charge": colCharge,
	"currency": colCurrency, "licenseCapability": colCapability}

// readTeamsCSV reads an admin center export into b. file, when not "",
// prefixes every place (an entry of a zip).
func (l *ScenarioLoader) readTeamsCSV(ctx context.Context, r io.Reader, b *report.Builder, file string) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	prefix := ""
	if file != "" {
		prefix = file + ": "
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var (
		rec     []string
		recLine int32
	)
	// A problem of the row being read is at its field's own line (a quoted
	// newline moves the fields after it); one found later, at the row's.
	at := func(pos int32, field string) string {
		col, known := teamsColumn[field]
		if !known {
			return prefix + report.LinePlace(pos, "")
		}
		if pos == recLine && col < len(rec) {
			line, _ := cr.FieldPos(col)
			pos = int32(line)
		}
		return prefix + report.LinePlace(pos, TeamsColumns[col])
	}
	b.SetPlace(at)
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		b.Problem(prefix+"line 1", "the file is empty: want the header row of the PSTN usage export")
		return b.Err(prefix + "line 1")
	case err != nil && !isParse(err):
		return err
	case err != nil:
		b.Problem(prefix+"line 1", err.Error())
		return b.Err(prefix + "line 1")
	}
	for i, want := range TeamsColumns {
		got := "(none)"
		if i < len(header) {
			got = header[i]
		}
		if got != want {
			b.Problem(fmt.Sprintf("%sline 1, column %d", prefix, i+1), fmt.Sprintf("the header says %q, want %q: the columns of the PSTN usage export are %s",
				quoted(got), want, strings.Join(TeamsColumns[:], ", ")))
			return b.Err(prefix + "line 1")
		}
	}
	if len(header) != len(TeamsColumns) {
		b.Problem(prefix+"line 1", fmt.Sprintf("the header has %d columns, want the %d of the PSTN usage export", len(header), len(TeamsColumns)))
		return b.Err(prefix + "line 1")
	}
	for n := 0; !b.Full(); n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err = cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			b.Problem(fmt.Sprintf("%sline %d", prefix, pe.Line), pe.Err.Error())
			rec = nil
			continue
		}
		line, _ := cr.FieldPos(0)
		recLine = int32(line)
		if len(rec) != len(TeamsColumns) {
			b.Problem(prefix+report.LinePlace(recLine, ""), fmt.Sprintf("%d columns, want %d", len(rec), len(TeamsColumns)))
			continue
		}
		l.teamsRow(b, recLine, rec, at)
	}
	if b.Full() {
		return b.Err(prefix + report.LinePlace(recLine, ""))
	}
	return b.Err("")
}

func isParse(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

// teamsRow checks the cells of one export row and adds its call (and its
// user, the first time).
func (l *ScenarioLoader) teamsRow(b *report.Builder, n int32, rec []string, at func(int32, string) string) {
	bad := b.Found()
	cell := func(field, reason string) { b.Problem(at(n, field), reason) }
	c := report.Call{
		ID: rec[colUsageID], CallID: rec[colCallID], ConferenceID: rec[colConference],
		UsageLocation: rec[colLocation], OrganizerID: rec[colObjectID], CallerNumber: rec[colCallerID],
		CallType: rec[colCallType], NumberType: rec[colNumberType], DestinationName: rec[colDestinationDialed],
		CalleeNumber: rec[colDestinationNumber], Currency: rec[colCurrency], LicenseCapability: rec[colCapability],
	}
	if c.CallType == "" {
		cell("callType", "is required (conf_out, conf_in, user_in, user_out, ucap_in, …)")
	}
	if !isGUIDAnyCase(c.ID) {
		cell("id", fmt.Sprintf("%q is not a GUID", quoted(c.ID)))
	}
	// Call ID is the service's own identifier ("1835317186_112562680@61.221.3.176" in Graph's
	// example of pstnCallLogRow), not a GUID: any text within the builder's length bound.
	if _, ok := l.countries[c.UsageLocation]; !ok {
		cell("usageLocation", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code", quoted(c.UsageLocation)))
	}
	if _, ok := l.currencies[c.Currency]; !ok {
		cell("currency", fmt.Sprintf("%q is not an ISO 4217 currency code", quoted(c.Currency)))
	}
	var err error
	if c.DestinationContext, err = report.ParseDestination(rec[colDestination]); err != nil {
		cell("destinationContext", fmt.Sprintf("%q: want Domestic or International", quoted(rec[colDestination])))
	}
	if c.StartDateTime, err = parseUTC(rec[colStart]); err != nil {
		cell("startDateTime", err.Error())
	}
	if c.EndDateTime, err = parseUTC(rec[colEnd]); err != nil {
		cell("endDateTime", err.Error())
	}
	if c.Duration, err = strconv.ParseInt(rec[colDuration], 10, 64); err != nil || c.Duration < 0 || c.Duration > report.MaxInt32 {
		cell("duration", fmt.Sprintf("%q: want whole seconds, 0 to %d", quoted(rec[colDuration]), report.MaxInt32))
	}
	for _, m := range []struct {
		field string
		col   int
		dst   *report.Money
	}{{"connectionCharge", colConnectionFee, &c.ConnectionCharge}, {"charge", colCharge, &c.Charge}} {
		v, err := report.ParseMoney(rec[m.col])
		if cents, ok := v.Cents(); err != nil || !ok || cents < 0 {
			cell(m.field, fmt.Sprintf("%q: want a decimal ≥ 0 with at most %d places", quoted(rec[m.col]), report.Places))
			continue
		}
		*m.dst = v
	}
	if b.Found() > bad {
		return
	}
	if c.OrganizerID != "" {
		u := report.User{ID: c.OrganizerID, UserPrincipalName: rec[colUPN], DisplayName: rec[colDisplayName], UsageLocation: c.UsageLocation}
		if !deriveUser(b, n, u, "UPN", "User Display Name", "") {
			return
		}
	}
	b.AddCall(n, &c)
}

// parseUTC reads an ISO 8601 time of the export: with Z or an offset, or
// without a zone (UTC); fractions of a second allowed.
func parseUTC(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want an ISO 8601 time such as 2026-10-01T09:30:00Z", quoted(s))
}

func isGUIDAnyCase(s string) bool { return report.IsGUID(strings.ToLower(s)) }

// Zip bounds: an export's zip holds a few files; its CSV compresses about
// tenfold, so a hundredfold ratio or more is a zip bomb.
const (
	maxZipEntries  = 64
	maxZipRatio    = 100
	maxUnzipped    = 16 << 30
	zipSlackBytes  = 1 << 20
	zipEntryPrefix = "pstn.calls."
)

var errUnzipTooLarge = errors.New("the zip's files are larger than its size allows (a zip bomb?)")

// readZipStream reads an export zip from r: a file as it is, anything else
// spooled to a temporary file first (a zip's directory is at its end).
func (l *ScenarioLoader) readZipStream(ctx context.Context, r io.Reader, br *bufio.Reader) (*report.CallLedger, error) {
	if f, ok := r.(*os.File); ok && br.Buffered() == 0 {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		return l.readZip(ctx, f, st.Size())
	}
	if f, ok := r.(*os.File); ok { // sniffed: rewind what the buffer read
		if _, err := f.Seek(0, io.SeekStart); err == nil {
			st, err := f.Stat()
			if err != nil {
				return nil, err
			}
			return l.readZip(ctx, f, st.Size())
		}
	}
	tmp, err := os.CreateTemp("", "dialoutmock-*.zip")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := io.Copy(tmp, br)
	if err != nil {
		return nil, err
	}
	return l.readZip(ctx, tmp, size)
}

// readZip reads every PSTN.calls.*.csv of an export zip as one dataset,
// bounding the entries and what they decompress to.
func (l *ScenarioLoader) readZip(ctx context.Context, ra io.ReaderAt, size int64) (*report.CallLedger, error) {
	b := report.NewBuilder(report.LinePlace)
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		b.Problem("", fmt.Sprintf("not a zip archive: %v", err))
		return nil, b.Err("")
	}
	if len(zr.File) > maxZipEntries {
		b.Problem("", fmt.Sprintf("the zip holds %d files: at most %d", len(zr.File), maxZipEntries))
		return nil, b.Err("")
	}
	budget := min(int64(maxUnzipped), maxZipRatio*size+zipSlackBytes)
	var found bool
	for _, f := range zr.File {
		base := strings.ToLower(path.Base(f.Name))
		if !strings.HasPrefix(base, zipEntryPrefix) || !strings.HasSuffix(base, ".csv") {
			continue
		}
		found = true
		if f.UncompressedSize64 > uint64(budget) {
			b.Problem(f.Name, errUnzipTooLarge.Error())
			return nil, b.Err(f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			b.Problem(f.Name, err.Error())
			return nil, b.Err(f.Name)
		}
		lr := &budgetReader{r: rc, left: &budget}
		err = l.readTeamsCSV(ctx, lr, b, f.Name)
		rc.Close()
		if errors.Is(err, errUnzipTooLarge) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) {
			b.Problem(f.Name, err.Error())
			return nil, b.Err(f.Name)
		}
		if err != nil {
			return nil, err
		}
	}
	if !found {
		b.Problem("", "the zip holds no PSTN.calls.*.csv file of the PSTN usage export")
		return nil, b.Err("")
	}
	return b.Build()
}

// budgetReader fails once more than *left bytes were read, through every
// entry of a zip.
type budgetReader struct {
	r    io.Reader
	left *int64
}

func (r *budgetReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	*r.left -= int64(n)
	if *r.left < 0 {
		return n, errUnzipTooLarge
	}
	return n, err
}
