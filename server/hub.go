package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// pingInterval is how often an idle websocket is pinged.
const pingInterval = 30 * time.Second

// hub keeps the latest good data, the latest rendered fragment of every
// board, and the websocket clients of every board.
//
// A change is rendered once per board; the same bytes go to every client of
// the board. Each client has a latest-wins queue of one message: a slow
// client skips stale updates and never holds up the others, and a client
// that does not take a message within the write timeout is dropped.
type hub struct {
	mu       sync.Mutex
	lastGood []model.SourceState
	storeErr error
	boards   map[string]*boardClients
	stopped  bool
	stop     chan struct{} // closed when Run ends: clients close and leave
	clients  sync.WaitGroup
}

type boardClients struct {
	fragment []byte // the latest rendered wall fragment; nil before the first render
	clients  map[*client]struct{}
}

// client is one websocket connection's queue.
type client struct {
	queue chan []byte // capacity 1: latest wins
}

// offer queues msg, replacing any message the client has not taken yet. Only
// the hub calls it, under hub.mu, so there is one producer at a time.
func (c *client) offer(msg []byte) {
	for {
		select {
		case c.queue <- msg:
			return
		default:
		}
		select {
		case <-c.queue:
		default:
		}
	}
}

func newHub(boards []board) *hub {
	h := &hub{boards: map[string]*boardClients{}, stop: make(chan struct{})}
	for _, b := range boards {
		h.boards[b.ID] = &boardClients{clients: map[*client]struct{}{}}
	}
	return h
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

// publish stores a board's new fragment and offers msg to its clients.
func (h *hub) publish(boardID string, fragment, msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	bc := h.boards[boardID]
	bc.fragment = fragment
	for c := range bc.clients {
		c.offer(msg)
	}
}

// join registers c with a board and queues the board's latest full render,
// with a fresh clock, as its first message. It reports false when the hub
// has stopped. Every successful join must be followed by leave.
func (h *hub) join(boardID string, c *client, now time.Time, version string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	h.clients.Add(1)
	bc := h.boards[boardID]
	bc.clients[c] = struct{}{}
	if bc.fragment != nil {
		c.offer(withSync(bc.fragment, now, version))
	}
	return true
}

func (h *hub) leave(boardID string, c *client) {
	h.mu.Lock()
	delete(h.boards[boardID].clients, c)
	h.mu.Unlock()
	h.clients.Done()
}

func (h *hub) fragment(boardID string) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.boards[boardID].fragment
}

// shutdown makes every client close and waits until all have left.
func (h *hub) shutdown() {
	h.mu.Lock()
	if !h.stopped {
		h.stopped = true
		close(h.stop)
	}
	h.mu.Unlock()
	h.clients.Wait()
}

// withSync appends the clock tag to a fragment: a new slice, the fragment is shared.
func withSync(fragment []byte, now time.Time, version string) []byte {
	var buf bytes.Buffer
	buf.Grow(len(fragment) + 128)
	buf.Write(fragment)
	// Rendering a fixed small component into a bytes.Buffer cannot fail.
	_ = views.SyncTag(views.Sync{Now: now.UnixMilli(), Version: version}, true).Render(context.Background(), &buf)
	return buf.Bytes()
}

// Run keeps every board's render current: it follows the store's change
// events, re-reads the snapshot on each (coalescing bursts), renders each
// board once and sends the bytes to the board's clients. Every RetryInterval
// it also re-reads the store, so that a store that fails (or recovers, or
// lost an event) shows on the walls; the walls then show the last good data
// marked stale. Run returns when ctx ends, after every websocket client has
// been closed (with status 1012, "service restart", so browsers reconnect).
// Call Run once.
func (s *Server) Run(ctx context.Context) error {
	defer s.hub.shutdown()
	events := s.o.Store.Subscribe(ctx)
	var last string // what the current renders show; see renderKey
	last = s.refresh(ctx, last, true)
	tick := time.NewTicker(s.o.RetryInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				s.log.Warn("store subscription ended; resubscribing", "store", s.o.Store.Kind())
				events = nil // resubscribe on the next tick
				continue
			}
			drain(events)
			last = s.refresh(ctx, last, true)
		case <-tick.C:
			if events == nil {
				events = s.o.Store.Subscribe(ctx)
			}
			last = s.refresh(ctx, last, false)
		}
	}
}

// renderKey identifies what a render shows: each source's version, and
// whether the store failed.
func renderKey(states []model.SourceState, storeDown bool) string {
	var b strings.Builder
	for _, st := range states {
		b.WriteString(st.Source)
		b.WriteByte(0)
		b.WriteString(strconv.FormatUint(st.Version, 10))
		b.WriteByte(0)
	}
	if storeDown {
		b.WriteString("down")
	}
	return b.String()
}

// drain takes every event already queued: one snapshot covers them all.
func drain(events <-chan cache.Event) {
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// refresh reads the store, renders every board and sends the renders. Unless
// forced, it renders only when the data or the store's health changed since
// the render identified by last. It returns the key of what the boards show.
func (s *Server) refresh(ctx context.Context, last string, force bool) string {
	states, storeDown := s.snapshot(ctx)
	key := renderKey(states, storeDown)
	if !force && key == last {
		return last
	}
	now := s.o.Now()
	for _, b := range s.boards {
		frag, err := s.renderFragment(ctx, b, states, now, storeDown)
		if err != nil {
			s.log.Error("render board", "board", b.ID, "err", err)
			continue
		}
		s.hub.publish(b.ID, frag, withSync(frag, now, s.o.Version))
	}
	return key
}

// snapshot reads the store and records the result with the hub.
func (s *Server) snapshot(ctx context.Context) ([]model.SourceState, bool) {
	ctx, cancel := context.WithTimeout(ctx, s.o.StoreTimeout)
	defer cancel()
	states, err := s.o.Store.Snapshot(ctx)
	if err != nil {
		s.log.Warn("store snapshot failed; showing last good data", "store", s.o.Store.Kind(), "err", err)
	}
	return s.hub.observe(states, err)
}

func (s *Server) renderFragment(ctx context.Context, b board, states []model.SourceState, now time.Time, storeDown bool) ([]byte, error) {
	w := wallView(b.build(now, states), now, s.o.Demo, storeDown)
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := views.WallView(w, true).Render(ctx, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// handleWS streams a board: the current full render first, then every update.
func (s *Server) handleWS(c echo.Context) error {
	b, ok := s.board(c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such board")
	}
	conn, err := websocket.Accept(c.Response(), c.Request(), &websocket.AcceptOptions{
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil // Accept has answered the request
	}
	defer conn.CloseNow()
	// Browsers send nothing; CloseRead answers pings and notices the close.
	ctx := conn.CloseRead(c.Request().Context())

	if s.hub.fragment(b.ID) == nil {
		// No render yet (Run has not rendered this board): render one now.
		states, storeDown := s.snapshot(ctx)
		now := s.o.Now()
		if frag, err := s.renderFragment(ctx, b, states, now, storeDown); err == nil {
			s.hub.publishIfEmpty(b.ID, frag)
		}
	}

	cl := &client{queue: make(chan []byte, 1)}
	if !s.hub.join(b.ID, cl, s.o.Now(), s.o.Version) {
		conn.Close(websocket.StatusServiceRestart, "server restarting")
		return nil
	}
	defer s.hub.leave(b.ID, cl)

	// Pings keep idle connections open through proxies and find dead peers
	// when the board does not change.
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, s.o.WriteTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				s.log.Info("websocket client dropped: no pong", "board", b.ID, "remote", c.Request().RemoteAddr, "err", err)
				return nil
			}
		case <-s.hub.stop:
			conn.Close(websocket.StatusServiceRestart, "server restarting")
			return nil
		case msg := <-cl.queue:
			wctx, cancel := context.WithTimeout(ctx, s.o.WriteTimeout)
			err := conn.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					s.log.Info("websocket client dropped", "board", b.ID, "remote", c.Request().RemoteAddr, "err", err)
				}
				return nil
			}
		}
	}
}

// publishIfEmpty sets a board's first fragment unless Run got there first.
func (h *hub) publishIfEmpty(boardID string, fragment []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if bc := h.boards[boardID]; bc.fragment == nil {
		bc.fragment = fragment
	}
}
