package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// The hostile suite over HTTP/2 (cleartext, prior knowledge): each case's
// HTTP/1.1 bytes are read back into requests and sent again as HTTP/2
// frames, written by hand so that nothing a client library would refuse is
// lost: invalid header names and values, a huge header list through HPACK
// and CONTINUATION frames, bodies under flow control. Pipelined requests
// become concurrent streams on one connection. What has no HTTP/2 form (a
// malformed request line, HTTP/0.9, a TLS ClientHello) is skipped with the
// reason; where HTTP/2 answers differently, h2Answers says how and why.

// rawRequest is one HTTP/1.1 request as a case wrote it.
type rawRequest struct {
	method, target string
	headers        [][2]string // names as written, in order; Host included
	body           []byte
	cut            bool // the body ends early (the case half-closes)
}

// errNoH2Form says that a case has no HTTP/2 form.
var errNoH2Form = errors.New("no HTTP/2 form")

// h2Requests reads back the requests c writes. Framing is undone: a
// chunked body is decoded and its Transfer-Encoding dropped (HTTP/2 frames
// bodies itself), a Content-Length is kept (HTTP/2 allows it, and checks it).
func h2Requests(c hostileCase, host string) ([]rawRequest, error) {
	var buf bytes.Buffer
	err := c.write(&buf, host)
	cut := err == errHalfClose
	if err != nil && !cut {
		return nil, err
	}
	br := bufio.NewReader(&buf)
	var reqs []rawRequest
	for {
		if _, err := br.Peek(1); err == io.EOF {
			break
		}
		r, err := readRawRequest(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNoH2Form, err)
		}
		reqs = append(reqs, r)
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("%w: no request is written", errNoH2Form)
	}
	reqs[len(reqs)-1].cut = cut
	return reqs, nil
}

func readLine(br *bufio.Reader) (string, error) {
	l, err := br.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("a line without its end: %q", trim([]byte(l)))
	}
	return strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r"), nil
}

func readRawRequest(br *bufio.Reader) (rawRequest, error) {
	var r rawRequest
	line, err := readLine(br)
	if err != nil {
		return r, err
	}
	f := strings.Split(line, " ")
	if len(f) != 3 || f[0] == "" || f[1] == "" || !strings.HasPrefix(f[2], "HTTP/") || f[0] == "PRI" {
		return r, fmt.Errorf("request line %q", trim([]byte(line)))
	}
	r.method, r.target = f[0], f[1]
	// Framing the reader does not understand (a negative length, an
	// unknown coding): the body is everything after the head.
	chunked, length, rest := false, -1, false
	for {
		l, err := readLine(br)
		if err != nil {
			return r, err
		}
		if l == "" {
			break
		}
		if l[0] == ' ' || l[0] == '\t' { // obsolete folding: joined, as net/http does
			if len(r.headers) == 0 {
				return r, errors.New("a folded first header")
			}
			r.headers[len(r.headers)-1][1] += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return r, fmt.Errorf("header line %q without a colon", trim([]byte(l)))
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Transfer-Encoding") && value == "chunked" && !chunked:
			chunked = true
			continue
		case strings.EqualFold(name, "Content-Length"):
			if n, err := strconv.Atoi(value); err == nil && n >= 0 && length < 0 {
				length = n
			} else if length < 0 {
				rest = true
			}
		case strings.EqualFold(name, "Transfer-Encoding"):
			rest = true
		}
		r.headers = append(r.headers, [2]string{name, value})
	}
	switch {
	case rest && !chunked:
		r.body, _ = io.ReadAll(br)
	case chunked:
		for {
			l, err := readLine(br)
			if err != nil {
				return r, nil // cut short: what came is the body
			}
			n, err := strconv.ParseInt(l, 16, 32)
			if err != nil {
				r.body = append(r.body, l...) // a bad chunk: sent as it is
				io.Copy(io.Discard, br)
				return r, nil
			}
			if n == 0 {
				readLine(br)
				return r, nil
			}
			chunk := make([]byte, n)
			k, _ := io.ReadFull(br, chunk)
			r.body = append(r.body, chunk[:k]...)
			readLine(br)
		}
	case length > 0:
		r.body = make([]byte, length)
		k, _ := io.ReadFull(br, r.body)
		r.body = r.body[:k]
	}
	return r, nil
}

// h2Result is what the server did with one stream.
type h2Result struct {
	resp  *http.Response // nil when the stream was reset or never answered
	body  []byte
	reset http2.ErrCode
	// resetSeen: the server sent RST_STREAM (before, or instead of, the end
	// of an answer); refused: the connection ended before the stream did,
	// with GOAWAY (goaway, its code) or without.
	resetSeen, refused, goaway bool
	goawayCode                 http2.ErrCode
}

// h2Conn is one hand-written HTTP/2 client connection.
type h2Conn struct {
	conn net.Conn
	fr   *http2.Framer
	wmu  sync.Mutex // writes
	enc  *hpack.Encoder
	hbuf bytes.Buffer

	mu         sync.Mutex
	cond       *sync.Cond
	connWindow int64
	initWindow int64
	sent       map[uint32]int64 // DATA bytes sent per stream
	granted    map[uint32]int64 // WINDOW_UPDATE per stream
	results    map[uint32]*h2Result
	done       map[uint32]bool
	goaway     bool
	goawayCode http2.ErrCode
	readErr    error
}

func dialH2(addr string) (*h2Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c := &h2Conn{conn: conn, fr: http2.NewFramer(conn, conn), connWindow: 65535, initWindow: 65535,
		sent: map[uint32]int64{}, granted: map[uint32]int64{}, results: map[uint32]*h2Result{}, done: map[uint32]bool{}}
	c.cond = sync.NewCond(&c.mu)
	c.enc = hpack.NewEncoder(&c.hbuf)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 64 << 20
	c.fr.AllowIllegalWrites = true
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		conn.Close()
		return nil, err
	}
	// A large receive window: the client reads everything at once.
	c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 30})
	c.fr.WriteWindowUpdate(0, 1<<30)
	go c.read()
	return c, nil
}

func (c *h2Conn) read() {
	for {
		f, err := c.fr.ReadFrame()
		c.mu.Lock()
		if err != nil {
			c.readErr = err
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		id := f.Header().StreamID
		res := c.results[id]
		if res == nil && id != 0 {
			res = &h2Result{}
			c.results[id] = res
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
					c.initWindow = int64(v)
				}
				c.wmu.Lock()
				c.fr.WriteSettingsAck()
				c.wmu.Unlock()
			}
		case *http2.WindowUpdateFrame:
			if id == 0 {
				c.connWindow += int64(f.Increment)
			} else {
				c.granted[id] += int64(f.Increment)
			}
		case *http2.MetaHeadersFrame:
			if res.resp == nil {
				res.resp = &http.Response{Header: http.Header{}, Proto: "HTTP/2.0"}
			}
			for _, hf := range f.Fields {
				if hf.Name == ":status" {
					res.resp.StatusCode, _ = strconv.Atoi(hf.Value)
				} else if !hf.IsPseudo() {
					res.resp.Header.Add(hf.Name, hf.Value)
				}
			}
			if res.resp.StatusCode >= 100 && res.resp.StatusCode < 200 {
				res.resp = nil // an interim answer
			}
			if f.StreamEnded() {
				c.done[id] = true
			}
		case *http2.DataFrame:
			res.body = append(res.body, f.Data()...)
			if f.StreamEnded() {
				c.done[id] = true
			}
		case *http2.RSTStreamFrame:
			res.resetSeen, res.reset = true, f.ErrCode
			c.done[id] = true
		case *http2.GoAwayFrame:
			c.goaway, c.goawayCode = true, f.ErrCode
		}
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

// h2Frame is the frame size every peer accepts.
const h2Frame = 16 << 10

// sendHeaders opens stream id with r's header list, in HEADERS and
// CONTINUATION frames of at most 16 KB.
func (c *h2Conn) sendHeaders(id uint32, r rawRequest) error {
	c.wmu.Lock()
	c.hbuf.Reset()
	authority, hasHost := "", false
	var fields []hpack.HeaderField
	for _, h := range r.headers {
		if strings.EqualFold(h[0], "Host") && !hasHost {
			authority, hasHost = h[1], true
			continue
		}
		fields = append(fields, hpack.HeaderField{Name: strings.ToLower(h[0]), Value: h[1]})
	}
	pseudo := []hpack.HeaderField{{Name: ":method", Value: r.method}}
	if r.method == http.MethodConnect {
		pseudo = append(pseudo, hpack.HeaderField{Name: ":authority", Value: r.target})
	} else {
		path := r.target
		if strings.HasPrefix(path, "http://") { // absolute form: its authority and path
			rest := strings.TrimPrefix(path, "http://")
			slash := strings.IndexByte(rest, '/')
			authority, hasHost, path = rest[:slash], true, rest[slash:]
		}
		pseudo = append(pseudo, hpack.HeaderField{Name: ":scheme", Value: "http"}, hpack.HeaderField{Name: ":path", Value: path})
		if hasHost {
			pseudo = append(pseudo, hpack.HeaderField{Name: ":authority", Value: authority})
		}
	}
	for _, f := range append(pseudo, fields...) {
		c.enc.WriteField(f)
	}
	block := c.hbuf.Bytes()
	first := block[:min(h2Frame, len(block))]
	err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first,
		EndStream: len(r.body) == 0 && !r.cut, EndHeaders: len(block) <= h2Frame})
	for rest := block[len(first):]; err == nil && len(rest) > 0; {
		k := min(h2Frame, len(rest))
		err = c.fr.WriteContinuation(id, k == len(rest), rest[:k])
		rest = rest[k:]
	}
	c.wmu.Unlock()
	return err
}

// sendBody writes r's body on stream id under flow control, and stops when
// the stream is done (answered or reset) or the connection ends.
func (c *h2Conn) sendBody(id uint32, r rawRequest) error {
	if len(r.body) == 0 && !r.cut {
		return nil
	}
	body := r.body
	for len(body) > 0 {
		c.mu.Lock()
		var k int64
		for {
			if c.done[id] || c.readErr != nil || c.goaway {
				c.mu.Unlock()
				return nil // answered, reset or gone: the rest is not wanted
			}
			k = min(int64(len(body)), h2Frame, c.connWindow, c.initWindow+c.granted[id]-c.sent[id])
			if k > 0 {
				break
			}
			c.cond.Wait()
		}
		c.connWindow -= k
		c.sent[id] += k
		c.mu.Unlock()
		c.wmu.Lock()
		err := c.fr.WriteData(id, int64(len(body)) == k && !r.cut, body[:k])
		c.wmu.Unlock()
		if err != nil {
			return err
		}
		body = body[k:]
	}
	if r.cut { // the stream ends where the body was cut
		c.wmu.Lock()
		defer c.wmu.Unlock()
		return c.fr.WriteData(id, true, nil)
	}
	return nil
}

// wait waits until every stream in ids is done or the connection ends.
func (c *h2Conn) wait(ids []uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		all := true
		for _, id := range ids {
			all = all && c.done[id]
		}
		if all || c.readErr != nil {
			return
		}
		c.cond.Wait()
	}
}

// exchangeH2 sends reqs as concurrent streams on one connection and returns
// what became of each, in order; when the connection lives on, a health
// check on it must still be answered.
func exchangeH2(addr string, reqs []rawRequest) ([]h2Result, error) {
	c, err := dialH2(addr)
	if err != nil {
		return nil, err
	}
	defer c.conn.Close()
	ids := make([]uint32, len(reqs))
	for i := range reqs {
		ids[i] = uint32(2*i + 1)
	}
	// Streams open in order; their bodies go concurrently.
	var wg sync.WaitGroup
	werrs := make([]error, len(reqs))
	for i, r := range reqs {
		if werrs[i] = c.sendHeaders(ids[i], r); werrs[i] != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			werrs[i] = c.sendBody(ids[i], r)
		}()
	}
	c.wait(ids)
	wg.Wait()
	c.mu.Lock()
	out := make([]h2Result, len(reqs))
	for i, id := range ids {
		if r := c.results[id]; r != nil {
			out[i] = *r
		}
		out[i].refused = !c.done[id]
		out[i].goaway, out[i].goawayCode = c.goaway, c.goawayCode
	}
	readErr, goaway := c.readErr, c.goaway
	c.mu.Unlock()
	for i, err := range werrs {
		if err != nil && readErr == nil {
			return out, fmt.Errorf("stream %d: write: %w", ids[i], err)
		}
	}
	if readErr != nil || goaway {
		return out, nil // the connection ended: nothing more to ask on it
	}
	health := uint32(2*len(reqs) + 1)
	if err := c.sendHeaders(health, rawRequest{method: "GET", target: "/_mock/health", headers: [][2]string{{"Host", addr}}}); err != nil {
		return out, fmt.Errorf("health on the same connection: %w", err)
	}
	c.wait([]uint32{health})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.goaway && !c.done[health] {
		return out, nil // closed after all
	}
	h := c.results[health]
	if h == nil || h.resp == nil || h.resp.StatusCode != 200 || !bytes.Contains(h.body, []byte(`"status":"ok"`)) {
		return out, fmt.Errorf("health on the same connection after the case: %+v (read: %v)", h, c.readErr)
	}
	return out, nil
}

// h2Reset is the HTTP/2 server resetting a stream (RST_STREAM) instead of
// answering: how net/http's HTTP/2 server refuses a malformed request (RFC
// 9113 section 8.1.1) where its HTTP/1.1 server answers a plain-text 400.
// h2GoAway is the HTTP/2 server ending the connection (GOAWAY) without
// answering the stream: how it refuses a header list it cannot decode
// within its bounds (a connection error, RFC 9113 section 5.4.1).
const (
	h2Reset class = 100 + iota
	h2GoAway
)

// h2Differs lists the cases whose HTTP/2 answers are not their HTTP/1.1
// answers, with the reason; a case named with only a reason is skipped.
var h2Differs = map[string]struct {
	want []answer
	why  string
}{
	// net/http's HTTP/2 server refuses a malformed field or path with a
	// stream reset where its HTTP/1.1 server answers a plain-text 400; the
	// connection lives on for other streams.
	"header name with a space":               {one(wantH2Reset), "an invalid field name: the stream is reset"},
	"header name with invalid UTF-8":         {one(wantH2Reset), "an invalid field name: the stream is reset"},
	"header value with NUL":                  {one(wantH2Reset), "an invalid field value: the stream is reset"},
	"header value with a control byte":       {one(wantH2Reset), "an invalid field value: the stream is reset"},
	"raw NUL in the path":                    {one(wantH2Reset), "an invalid :path: the stream is reset"},
	"raw control byte in the path":           {one(wantH2Reset), "an invalid :path: the stream is reset"},
	"raw DEL in the path":                    {one(wantH2Reset), "an invalid :path: the stream is reset"},
	"raw tab in the path":                    {one(wantH2Reset), "an invalid :path: the stream is reset"},
	"raw NUL in the query":                   {one(wantH2Reset), "an invalid :path: the stream is reset"},
	"bad percent-encoding in the path":       {one(wantH2Reset), "a :path that does not parse: the stream is reset"},
	"truncated percent-encoding in the path": {one(wantH2Reset), "a :path that does not parse: the stream is reset"},
	"a relative target":                      {one(wantH2Reset), "a :path without its leading slash: the stream is reset"},
	"Host with userinfo":                     {one(wantH2Reset), "an :authority with userinfo: the stream is reset"},
	// A header list past MaxHeaderBytes cannot be decoded within the
	// server's bounds (HPACK's string limit): a connection error, GOAWAY.
	"2 MB path: over MaxHeaderBytes":                      {one(wantH2GoAway), "a header list past the bound ends the connection"},
	"a 2 MB header: over MaxHeaderBytes":                  {one(wantH2GoAway), "a header list past the bound ends the connection"},
	"30000 headers: over MaxHeaderBytes":                  {one(wantH2GoAway), "a header list past the bound ends the connection"},
	"Expect other than 100-continue":                      {one(want200), "net/http's HTTP/2 server ignores an Expect other than 100-continue"},
	"a method with invalid characters":                    {one(wantStatus(405)), "net/http's HTTP/2 server passes the method on; the application refuses it"},
	"HTTP/2.0 request line":                               {one(want200), "HTTP/2 has no version on the request: the same request as the valid docs spelling"},
	"HTTP/3 request line":                                 {one(want200), "HTTP/2 has no version on the request: the same request as the valid docs spelling"},
	"HTTP/1.1 without Host":                               {one(want400), "no :authority: the application refuses the empty host in Graph's envelope"},
	"Host with a space":                                   {one(want400), "net/http's HTTP/2 server passes :authority on; the application refuses it"},
	"Host with a path":                                    {one(want400), "net/http's HTTP/2 server passes :authority on; the application refuses it"},
	"Host with UTF-8":                                     {one(want400), "net/http's HTTP/2 server passes :authority on; the application refuses it"},
	"Host with quotes":                                    {one(want400), "net/http's HTTP/2 server passes :authority on; the application refuses it"},
	"two Host headers":                                    {one(want200), "the first Host becomes :authority, which names the host; net/http ignores the host field beside it"},
	"two different Content-Lengths":                       {one(want400), "net/http's HTTP/2 server passes them on; the application refuses the body"},
	"two Transfer-Encoding headers":                       {one(wantNetHTTP(400)), "Transfer-Encoding is not valid in HTTP/2: net/http answers 400"},
	"Transfer-Encoding gzip, chunked":                     {one(wantNetHTTP(400)), "Transfer-Encoding is not valid in HTTP/2: net/http answers 400"},
	"Transfer-Encoding identity":                          {one(wantNetHTTP(400)), "Transfer-Encoding is not valid in HTTP/2: net/http answers 400"},
	"a negative Content-Length":                           {one(wantH2Reset), "a Content-Length that is not a length: the stream is reset"},
	"a Content-Length past int64":                         {one(wantH2Reset), "a Content-Length that is not a length: the stream is reset"},
	"Transfer-Encoding and Content-Length (chunked wins)": {one(wantH2Reset), "HTTP/2 holds the DATA to Content-Length: 2 bytes sent, 1 declared"},
	// Pipelined requests are concurrent streams; what closes an HTTP/1.1
	// connection ends one stream only.
	"pipelined: a malformed request closes the connection": {[]answer{want200, wantH2Reset, want200}, "a malformed stream is reset, the others answered"},
	"pipelined: Connection: close ends the exchange":       {[]answer{wantNetHTTP(400), want200}, "Connection is not valid in HTTP/2: net/http answers 400 on that stream"},
	"pipelined: HTTP/1.0 closes after one":                 {[]answer{want200, want200}, "HTTP/2 has no version on the request"},
}

var (
	wantH2Reset  = answer{class: h2Reset}
	wantH2GoAway = answer{class: h2GoAway}
)

// h2Answers returns the answers c must get over HTTP/2, or why it is not
// sent over HTTP/2.
func h2Answers(c hostileCase) ([]answer, string) {
	d, ok := h2Differs[c.name]
	switch {
	case !ok:
		return c.want, ""
	case d.want == nil:
		return nil, d.why
	}
	return d.want, ""
}

// describeH2 says what became of a stream.
func describeH2(r h2Result) string {
	switch {
	case r.resp != nil:
		return fmt.Sprintf("%d %s", r.resp.StatusCode, trim(r.body))
	case r.resetSeen:
		return "stream reset " + r.reset.String()
	case r.refused && r.goaway:
		return "the connection ended without an answer, GOAWAY " + r.goawayCode.String()
	case r.refused:
		return "the connection ended without an answer or GOAWAY"
	}
	return "no answer"
}
