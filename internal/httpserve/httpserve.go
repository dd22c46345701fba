// Package httpserve runs an http.Server with the wallboard's connection
// limits: request headers within 10 s, the whole request (body included)
// within 30 s, idle keep-alive connections closed after 120 s. A hijacked
// connection (a websocket after its upgrade) is not limited: net/http
// clears its deadlines on Hijack, and it lives as long as its handler
// keeps it (the package's tests hold net/http to that).
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Default limits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownGrace     = 5 * time.Second
)

// Options are the limits; zero values take the defaults.
type Options struct {
	ReadHeaderTimeout time.Duration // request line and headers
	ReadTimeout       time.Duration // the whole request, body included
	IdleTimeout       time.Duration // a keep-alive connection between requests
	ShutdownGrace     time.Duration // open requests get this long to finish on shutdown
	Logger            *slog.Logger  // the server's own errors (warn); default slog.Default()
}

func (o Options) withDefaults() Options {
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// New returns an http.Server serving h with o's limits.
func New(h http.Handler, o Options) *http.Server {
	o = o.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
}

// Serve serves h on ln with o's limits until ctx ends, then gives open
// requests o.ShutdownGrace to finish and cuts those that did not. It
// returns when the server has stopped; the error is nil after a shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, o Options) error {
	o = o.withDefaults()
	hs := New(h, o)
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownGrace)
		defer cancel()
		err := hs.Shutdown(sctx)
		if errors.Is(err, context.DeadlineExceeded) {
			// A request still open after the grace (a long poll, a stuck
			// client) is cut: stopping is not an error.
			o.Logger.Warn("requests still open after the shutdown grace were cut", "grace", o.ShutdownGrace)
			err = hs.Close()
		}
		done <- err
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		// Serve failed by itself; the shutdown goroutine ends with ctx.
		return fmt.Errorf("serve: %w", err)
	}
	return <-done
}
