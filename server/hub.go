package server

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wallboard/wallboard/internal/htmlpatch"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// viewWall is the TV wall's view name.
const viewWall = "wall"

// configGone is the Sync.Config of a message to the screens of a board that a
// config reload removed: it differs from every fingerprint, so they reload
// (and show the board's 404 page).
const configGone = "gone"

// A viewRenderer renders one kind of live page (a "view": the wall, the
// supervisor view, an embed tile) of a board from its presentation p, built
// once per change and shared by every view of the board. It returns the
// fragment a websocket message carries: one root element with an id,
// morphed into the page (hx-swap-oob="morph"), whose parts that change
// have ids of their own (see package htmlpatch). The hub appends the clock
// tag (views.SyncTag), so every live page must contain <div id="wb-sync">
// and reload itself when its data-version or data-config changes.
type viewRenderer func(ctx context.Context, p *present.Board) ([]byte, error)

// registerView makes view name live: serveLive streams it, and Run renders it
// once per change per board that has clients of it. Call it from New (or the
// mount hooks New calls), before the server serves.
func (s *Server) registerView(name string, render viewRenderer) {
	s.views[name] = render
}

// viewKey names the clients of one view of one board.
type viewKey struct{ board, view string }

// Hub tuning. Writers are shared by every screen; their number bounds how
// many slow screens can hold one up at a time.
const (
	writers       = 32                     // goroutines writing messages to screens
	pingSlot      = time.Second            // the ping schedule's step: each step pings one slot of screens
	joinFreshness = 500 * time.Millisecond // a joining screen's full render may carry a clock this old
)

// hub keeps the latest good data, the latest render of every (board, view)
// that has websocket clients, and those clients.
//
// A change is rendered once per (board, view) and diffed with the previous
// render (htmlpatch): screens that have the previous message get a patch,
// the others the full render. Each message is built once, as a whole
// websocket frame, and the same bytes go to every screen that gets it, in
// one write each. Each screen has a latest-wins slot of one message: a slow
// screen skips stale updates (getting the full render instead) and never
// holds up the others. A shared pool of writers writes the messages, with a
// write deadline on the connection (no timer per write); a screen whose
// write takes longer than the write timeout is dropped. Pings follow one
// shared schedule: every pingSlot one slot of the screens is pinged, so each
// screen is pinged once per ping interval, and a screen that has not
// answered the last two is dropped.
//
// The hub writes frames straight to each screen's connection (the
// websocket library reads: pongs, "full", close); the library writes only
// its answers to a browser's rare control frames.
type hub struct {
	writeTimeout time.Duration
	pingInterval time.Duration
	metrics      *serverMetrics
	log          func(msg string, args ...any)

	mu       sync.Mutex
	lastGood []model.SourceState
	storeErr error
	views    map[viewKey]*viewClients // only (board, view) pairs with clients
	stopped  bool
	stop     chan struct{} // closed when shutdown begins
	newView  chan struct{} // a (board, view) got its first client: Run learns its next threshold crossing
	clients  sync.WaitGroup
	work     []*client  // screens with a message to write, in order
	workCond *sync.Cond // signalled when work grows or the hub stops
	nextSlot int        // the ping slot the next screen joins

	workers sync.WaitGroup
}

// viewClients is one (board, view) with screens.
type viewClients struct {
	render   *htmlpatch.Render // the latest render; nil before the first
	fragment []byte            // its bytes
	seq      uint64            // the latest message's sequence number
	full     []byte            // the latest render with its clock tag
	join     []byte            // full with a fresh clock, for joining screens
	joinAt   time.Time         // when join's clock was read
	sync     views.Sync        // full's clock tag
	config   string            // the board fingerprint the render was made with
	gone     bool              // the board no longer exists; its clients were told to reload
	clients  map[*client]struct{}

	sent, skipped, dropped prometheus.Counter
}

// client is one screen. Its fields are the hub's, under hub.mu, except
// those set at join and the atomics.
type client struct {
	conn *websocket.Conn
	nc   net.Conn // conn's network connection: the hub writes frames to it
	key  viewKey
	vc   *viewClients
	slot int // ping slot

	next    []byte // the frame to write next; nil: none
	ping    bool   // a ping is due
	seq     uint64 // sequence number of the last message handed over (next, or written)
	queued  bool   // in hub.work
	writing bool   // a writer has it
	done    bool   // left, or dropped

	pong    *atomic.Int64 // Unix ns of the last pong (or of joining)
	dropped atomic.Bool
}

func newHub(m *serverMetrics, writeTimeout, pingInterval time.Duration, log func(string, ...any)) *hub {
	h := &hub{
		writeTimeout: writeTimeout,
		pingInterval: pingInterval,
		metrics:      m,
		log:          log,
		views:        map[viewKey]*viewClients{},
		stop:         make(chan struct{}),
		newView:      make(chan struct{}, 1),
	}
	h.workCond = sync.NewCond(&h.mu)
	return h
}

// start runs the writers and the ping schedule until the hub stops.
func (h *hub) start() {
	for range writers {
		h.workers.Go(h.writer)
	}
	h.workers.Go(h.schedule)
}

// clientsByView counts the clients of each view, all boards together.
func (h *hub) clientsByView() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, vc := range h.views {
		out[k.view] += len(vc.clients)
	}
	return out
}

// observe records the result of a Snapshot and returns the states to show:
// the new ones, or the last good ones when the store failed.
func (h *hub) observe(states []model.SourceState, err error) (show []model.SourceState, storeDown bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.storeErr = err
	if err == nil {
		h.lastGood = states
		return states, false
	}
	return h.lastGood, true
}

// memberships returns the vendors' organisations (which teams take which
// queues) of the last good states, by source.
func (h *hub) memberships() map[string]*model.Membership {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]*model.Membership{}
	for i := range h.lastGood {
		if m := h.lastGood[i].Membership; m != nil {
			out[h.lastGood[i].Source] = m
		}
	}
	return out
}

// active returns the (board, view) pairs that have clients, grouped by board.
func (h *hub) active() map[string][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]string, len(h.views))
	for k := range h.views {
		out[k.board] = append(out[k.board], k.view)
	}
	return out
}

// publish makes fragment the latest render of k and sends it to k's
// clients: a patch to those that have the previous message, the full
// render to the others. A pair without clients keeps nothing. With
// ifFirst, it does nothing when k already has a render (Run got there
// first).
func (h *hub) publish(k viewKey, fragment []byte, now time.Time, version, config string, ifFirst bool) {
	render := htmlpatch.Parse(fragment)
	h.mu.Lock()
	defer h.mu.Unlock()
	vc := h.views[k]
	if vc == nil || (ifFirst && vc.render != nil) {
		return
	}
	parts, ok := htmlpatch.Diff(vc.render, render)
	if ok && len(parts) == 0 && config == vc.config && !vc.gone {
		// Nothing changed but ticking text: keep the render, send nothing.
		return
	}
	sameBoard := config == vc.config && !vc.gone
	vc.render, vc.fragment, vc.config, vc.gone = render, fragment, config, false
	vc.seq++
	vc.sync = views.Sync{Now: now.UnixMilli(), Version: version, Config: config, Seq: vc.seq}
	vc.full = withSync(fragment, vc.sync)
	vc.join, vc.joinAt = vc.full, now
	var patch []byte
	if ok && sameBoard && len(parts) > 0 {
		patch = patchMessage(parts, vc.sync)
		if len(patch) >= len(vc.full) {
			patch = nil
		}
	}
	for c := range vc.clients {
		h.give(c, patch, vc.full, vc.seq)
	}
}

// patchMessage is a patch: the changed elements, each in a template of
// its own (marked data-wb-attrs when only its attributes changed: its start
// and end tag), in a template marked data-wb-patch, then the clock tag with
// the sequence number. A template of its own per element lets the browser
// parse each one in its own context: a table row after a tile would
// otherwise lose its tags.
func patchMessage(parts []htmlpatch.Part, s views.Sync) []byte {
	n := 160
	for _, p := range parts {
		n += len(p.HTML) + 40
	}
	var buf bytes.Buffer
	buf.Grow(n + 64)
	buf.Write(frameSpace)
	buf.WriteString(`<template data-wb-patch>`)
	for _, p := range parts {
		if p.AttrsOnly {
			// Only its attributes: the browser keeps the element's content.
			buf.WriteString(`<template data-wb-attrs>`)
		} else {
			buf.WriteString(`<template>`)
		}
		buf.Write(p.HTML)
		buf.WriteString(`</template>`)
	}
	buf.WriteString(`</template>`)
	// Rendering a fixed small component into a bytes.Buffer cannot fail.
	_ = views.SyncTag(s, true).Render(context.Background(), &buf)
	return textFrame(buf.Bytes())
}

// give hands c the message of sequence seq: patch when c has the message
// before it and nothing waiting, else full. Call under h.mu.
func (h *hub) give(c *client, patch, full []byte, seq uint64) {
	if c.done {
		return
	}
	msg := full
	if patch != nil && c.next == nil && c.seq != 0 && c.seq == seq-1 {
		msg = patch
	}
	if c.next != nil {
		c.vc.skipped.Inc()
	}
	c.next, c.seq = msg, seq
	h.enqueue(c)
}

// enqueue puts c in the write queue unless it is there or being written.
// Call under h.mu.
func (h *hub) enqueue(c *client) {
	if c.queued || c.writing || c.done {
		return
	}
	c.queued = true
	h.work = append(h.work, c)
	h.workCond.Signal()
}

// requestFull sends c the latest full render: its browser missed a message.
func (h *hub) requestFull(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.vc.full != nil {
		h.give(c, nil, c.vc.full, c.vc.seq)
	}
}

// gone tells the clients of a removed board to reload, once.
func (h *hub) gone(board string, now time.Time, version string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, vc := range h.views {
		if k.board != board || vc.gone {
			continue
		}
		vc.gone, vc.render, vc.fragment = true, nil, nil
		vc.seq++
		vc.sync = views.Sync{Now: now.UnixMilli(), Version: version, Config: configGone, Seq: vc.seq}
		vc.full = withSync(nil, vc.sync)
		vc.join, vc.joinAt = vc.full, now
		for c := range vc.clients {
			h.give(c, nil, vc.full, vc.seq)
		}
	}
}

// join registers the screen conn with k and hands it k's latest render,
// with a fresh clock, as its first message. rendered is false when k has
// no render yet (the caller renders one: publish with ifFirst); c is nil
// when the hub has stopped. Every client returned must leave.
func (h *hub) join(k viewKey, conn *websocket.Conn, nc net.Conn, pong *atomic.Int64, now time.Time) (c *client, rendered bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return nil, false
	}
	h.clients.Add(1)
	vc := h.views[k]
	if vc == nil {
		vc = &viewClients{
			clients: map[*client]struct{}{},
			sent:    h.metrics.sent.WithLabelValues(k.view),
			skipped: h.metrics.skipped.WithLabelValues(k.view),
			dropped: h.metrics.dropped.WithLabelValues(k.view),
		}
		h.views[k] = vc
		select {
		case h.newView <- struct{}{}:
		default:
		}
	}
	pong.Store(time.Now().UnixNano()) // the real clock, as the ping schedule's

	c = &client{conn: conn, nc: nc, key: k, vc: vc, slot: h.nextSlot, pong: pong}
	h.nextSlot++
	vc.clients[c] = struct{}{}
	if vc.full == nil {
		return c, false
	}
	// The render may be old (a quiet board): its clock tag is refreshed,
	// once per joinFreshness for every screen joining meanwhile.
	if now.Sub(vc.joinAt) > joinFreshness {
		s := vc.sync
		s.Now = now.UnixMilli()
		vc.join, vc.joinAt = withSync(vc.fragment, s), now
	}
	h.give(c, nil, vc.join, vc.seq)
	return c, true
}

// leave unregisters c; the last client of a pair takes its render along, so
// that no stale render waits for the next client.
func (h *hub) leave(c *client) {
	h.mu.Lock()
	c.done, c.next = true, nil
	if vc := h.views[c.key]; vc != nil {
		delete(vc.clients, c)
		if len(vc.clients) == 0 {
			delete(h.views, c.key)
		}
	}
	h.mu.Unlock()
	h.clients.Done()
}

// drop closes c's connection, once: its reader then leaves.
func (h *hub) drop(c *client, why string, err error) {
	select {
	case <-h.stop: // shutting down: not a drop
		c.conn.CloseNow()
		return
	default:
	}
	if !c.dropped.CompareAndSwap(false, true) {
		return
	}
	c.vc.dropped.Inc()
	h.log("websocket client dropped: "+why, "board", c.key.board, "view", c.key.view, "err", err)
	c.conn.CloseNow()
}

// writer writes queued frames until the hub stops. Each write has the
// connection's write deadline (the runtime's network poller, no timer per
// write): a screen that does not take it in time is dropped.
func (h *hub) writer() {
	for {
		h.mu.Lock()
		for len(h.work) == 0 && !h.stopped {
			h.workCond.Wait()
		}
		if h.stopped {
			h.mu.Unlock()
			return
		}
		c := h.work[0]
		h.work[0] = nil
		h.work = h.work[1:]
		msg, ping := c.next, c.ping
		c.next, c.ping, c.queued, c.writing = nil, false, false, true
		h.mu.Unlock()

		var err error
		if msg != nil || ping {
			_ = c.nc.SetWriteDeadline(time.Now().Add(h.writeTimeout))
			if msg != nil {
				_, err = c.nc.Write(msg)
			}
			if ping && err == nil {
				_, err = c.nc.Write(pingFrame)
			}
		}

		h.mu.Lock()
		c.writing = false
		if err == nil && (c.next != nil || c.ping) {
			h.enqueue(c)
		}
		done := c.done
		h.mu.Unlock()
		switch {
		case err != nil && !done:
			h.drop(c, "write failed", err)
		case msg != nil && err == nil:
			c.vc.sent.Inc()
		}
	}
}

// schedule pings one slot of the screens every pingSlot, each screen once
// per ping interval, and drops those that answered neither of their last
// two pings.
func (h *hub) schedule() {
	slots := max(1, int(h.pingInterval/pingSlot))
	t := time.NewTicker(pingSlot)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-h.stop:
			return
		case now := <-t.C:
			deadline := now.Add(-2*h.pingInterval - pingSlot).UnixNano()
			var silent []*client
			h.mu.Lock()
			for _, vc := range h.views {
				for c := range vc.clients {
					if c.slot%slots != n%slots {
						continue
					}
					if c.pong.Load() < deadline {
						silent = append(silent, c)
						continue
					}
					c.ping = true
					h.enqueue(c)
				}
			}
			h.mu.Unlock()
			for _, c := range silent {
				h.drop(c, "no pong", nil)
			}
		}
	}
}

// shutdown tells every screen to reconnect within reconnectWithin (each
// at a random moment in it, so that a restart is not a stampede), closes
// them with status 1012 (service restart), stops the writers and waits
// until every screen has left.
func (h *hub) shutdown(now time.Time, version string, reconnectWithin time.Duration) {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		h.clients.Wait()
		return
	}
	h.stopped = true
	close(h.stop)
	h.workCond.Broadcast()
	var all []*client
	bye := map[*viewClients][]byte{}
	for _, vc := range h.views {
		s := vc.sync
		s.Now, s.Version, s.ReconnectWithin = now.UnixMilli(), version, reconnectWithin.Milliseconds()
		bye[vc] = withSync(nil, s)
		for c := range vc.clients {
			c.next = nil
			all = append(all, c)
		}
	}
	h.mu.Unlock()
	h.workers.Wait() // no writer writes any more

	var wg sync.WaitGroup
	next := make(chan *client)
	for range writers {
		wg.Go(func() {
			for c := range next {
				_ = c.nc.SetWriteDeadline(time.Now().Add(h.writeTimeout))
				if _, err := c.nc.Write(bye[c.vc]); err == nil {
					_, _ = c.nc.Write(restartFrame)
				}
				c.conn.CloseNow()
			}
		})
	}
	for _, c := range all {
		next <- c
	}
	close(next)
	wg.Wait()
	h.clients.Wait()
}

// withSync is a text frame of the fragment followed by the clock tag: a
// new slice, the fragment is shared.
func withSync(fragment []byte, s views.Sync) []byte {
	var buf bytes.Buffer
	buf.Grow(len(frameSpace) + len(fragment) + 200)
	buf.Write(frameSpace)
	buf.Write(fragment)
	// Rendering a fixed small component into a bytes.Buffer cannot fail.
	_ = views.SyncTag(s, true).Render(context.Background(), &buf)
	return textFrame(buf.Bytes())
}

// frameSpace is room for a frame header before a message's payload.
var frameSpace = make([]byte, maxFrameHeader)

const maxFrameHeader = 10

// textFrame turns b, maxFrameHeader bytes of room followed by a payload,
// into one unmasked, final websocket text frame (RFC 6455 section 5.2),
// sharing b.
func textFrame(b []byte) []byte {
	payload := len(b) - maxFrameHeader
	var h []byte
	switch {
	case payload < 126:
		h = []byte{0x81, byte(payload)}
	case payload <= 0xffff:
		h = []byte{0x81, 126, byte(payload >> 8), byte(payload)}
	default:
		h = []byte{0x81, 127, 0, 0, 0, 0, byte(payload >> 24), byte(payload >> 16), byte(payload >> 8), byte(payload)}
	}
	start := maxFrameHeader - len(h)
	copy(b[start:], h)
	return b[start:]
}

// Control frames the hub writes: an empty ping, and a close saying the
// server restarts (1012).
var (
	pingFrame    = []byte{0x89, 0x00}
	restartFrame = append([]byte{0x88, byte(2 + len(restartReason)), 0x03, 0xf4}, restartReason...)
)

const restartReason = "server restarting"
