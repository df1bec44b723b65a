package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// HTTP/2 as the live service speaks it (docs/contract.md#like-the-live-service):
// over TLS by ALPN, h2 first; with --h2c also in cleartext, by prior
// knowledge and by the HTTP/1.1 Upgrade, on the same port as HTTP/1.1. The
// server limits hold on HTTP/2 too: MaxHeaderBytes bounds a decoded header
// list, the read and write timeouts apply per stream, the connection limit
// counts connections whatever they speak, and the settings below bound what
// one connection may hold.
const (
	// h2MaxStreams is how many requests one connection may have in flight;
	// a rapid reset past it (streams opened and cancelled faster than their
	// handlers end) closes the connection.
	h2MaxStreams = 100
	// h2HeaderTable bounds HPACK's dynamic table, the state a client makes
	// the server keep per connection (the protocol's default).
	h2HeaderTable = 4096
	// h2ReceiveBuffer bounds the request body a client may send ahead of
	// the handler, per stream and per connection (the flow control windows).
	h2ReceiveBuffer = 1 << 20
	// h2WriteByteTimeout closes a connection that takes nothing for so long
	// while the server has something to write.
	h2WriteByteTimeout = 2 * time.Minute
	// h2cUpgradeBody bounds the body of an HTTP/1.1 request that upgrades
	// to h2c, which is read into memory before the switch.
	h2cUpgradeBody = 64 << 10
)

// configureHTTP2 sets the protocols hs serves and their HTTP/2 limits: HTTP/1.1
// and, over TLS, HTTP/2; with h2c also cleartext HTTP/2 by prior knowledge.
func configureHTTP2(hs *http.Server, h2cOn bool) {
	hs.Protocols = new(http.Protocols)
	hs.Protocols.SetHTTP1(true)
	hs.Protocols.SetHTTP2(true)
	hs.Protocols.SetUnencryptedHTTP2(h2cOn)
	hs.HTTP2 = &http.HTTP2Config{
		MaxConcurrentStreams:          h2MaxStreams,
		MaxDecoderHeaderTableSize:     h2HeaderTable,
		MaxEncoderHeaderTableSize:     h2HeaderTable,
		MaxReceiveBufferPerConnection: h2ReceiveBuffer,
		MaxReceiveBufferPerStream:     h2ReceiveBuffer,
		WriteByteTimeout:              h2WriteByteTimeout,
	}
}

// h2cUpgrader serves the HTTP/1.1 requests that ask to switch to h2c
// (Upgrade: h2c, with HTTP2-Settings) over HTTP/2 on the same connection,
// as curl --http2 does for http:// URLs; every other request goes to next.
// net/http itself serves prior knowledge but not the upgrade, which takes
// the connection out of its hands: the upgrader tracks such connections so
// that shutdown drains them too.
type h2cUpgrader struct {
	next    http.Handler
	upgrade http.Handler  // golang.org/x/net/http2/h2c over h2
	h2      *http2.Server // with the limits of configureHTTP2
	shadow  *http.Server  // runs h2's graceful shutdown (GOAWAY) on Shutdown
	conns   sync.WaitGroup
}

// newH2CUpgrader wraps next, served by hs (for its header and time limits).
func newH2CUpgrader(next http.Handler, hs *http.Server) (*h2cUpgrader, error) {
	u := &h2cUpgrader{
		next: next,
		h2: &http2.Server{
			MaxConcurrentStreams:         h2MaxStreams,
			MaxDecoderHeaderTableSize:    h2HeaderTable,
			MaxEncoderHeaderTableSize:    h2HeaderTable,
			MaxUploadBufferPerConnection: h2ReceiveBuffer,
			MaxUploadBufferPerStream:     h2ReceiveBuffer,
			WriteByteTimeout:             h2WriteByteTimeout,
			IdleTimeout:                  hs.IdleTimeout,
		},
		shadow: &http.Server{},
	}
	// ConfigureServer gives h2 the state that tracks its connections and
	// registers their GOAWAY on the shadow server's Shutdown.
	if err := http2.ConfigureServer(u.shadow, u.h2); err != nil {
		return nil, err
	}
	u.upgrade = http.MaxBytesHandler(h2c.NewHandler(next, u.h2), h2cUpgradeBody)
	return u, nil
}

func (u *h2cUpgrader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// What h2c itself takes for an upgrade; anything else, such as a large
	// upload that merely names h2c, is not held to h2cUpgradeBody.
	if r.ProtoMajor != 1 || !httpguts.HeaderValuesContainsToken(r.Header["Upgrade"], "h2c") ||
		!httpguts.HeaderValuesContainsToken(r.Header["Connection"], "HTTP2-Settings") {
		u.next.ServeHTTP(w, r)
		return
	}
	u.conns.Add(1)
	defer u.conns.Done()
	u.upgrade.ServeHTTP(w, r) // returns when the connection is done
}

// Shutdown asks the upgraded connections to finish (GOAWAY) and waits for
// them until ctx is done.
func (u *h2cUpgrader) Shutdown(ctx context.Context) error {
	u.shadow.Shutdown(ctx) // runs the GOAWAY hook; the shadow serves nothing
	done := make(chan struct{})
	go func() {
		u.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shutdown stops hs as http.Server.Shutdown does, and with it the
// connections upgraded to h2c (u may be nil), within ctx.
func shutdown(ctx context.Context, hs *http.Server, u *h2cUpgrader) error {
	drained := make(chan error, 1)
	if u != nil {
		go func() { drained <- u.Shutdown(ctx) }()
	} else {
		drained <- nil
	}
	err := hs.Shutdown(ctx)
	if derr := <-drained; err == nil {
		err = derr
	}
	return err
}
