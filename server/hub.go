package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// pingInterval is how often an idle websocket is pinged.
const pingInterval = 30 * time.Second

// viewWall is the TV wall's view name.
const viewWall = "wall"

// configGone is the Sync.Config of a message to the screens of a board that a
// config reload removed: it differs from every fingerprint, so they reload
// (and show the board's 404 page).
const configGone = "gone"

// A viewRenderer renders one kind of live page (a "view": the wall, the
// supervisor view, an embed tile) of a board from its presentation p, built
// once per change and shared by every view of the board. It returns the hx-swap-oob
// fragment(s) a websocket message carries; the hub appends the clock tag
// (views.SyncTag) to each message, so every live page must contain
// <div id="wb-sync"> and reload itself when its data-version or data-config
// changes.
type viewRenderer func(ctx context.Context, p *present.Board) ([]byte, error)

// registerView makes view name live: serveLive streams it, and Run renders it
// once per change per board that has clients of it. Call it from New (or the
// mount hooks New calls), before the server serves.
func (s *Server) registerView(name string, render viewRenderer) {
	s.views[name] = render
}

// viewKey names the clients of one view of one board.
type viewKey struct{ board, view string }

// hub keeps the latest good data, the latest render of every (board, view)
// that has websocket clients, and those clients.
//
// A change is rendered once per (board, view); the same bytes go to every
// client of it. Each client has a latest-wins queue of one message: a slow
// client skips stale updates and never holds up the others, and a client
// that does not take a message within the write timeout is dropped.
type hub struct {
	mu       sync.Mutex
	lastGood []model.SourceState
	storeErr error
	views    map[viewKey]*viewClients // only (board, view) pairs with clients
	stopped  bool
	stop     chan struct{} // closed when Run ends: clients close and leave
	newView  chan struct{} // a (board, view) got its first client: Run learns its next threshold crossing
	clients  sync.WaitGroup
	skipped  *prometheus.CounterVec // updates replaced before a client took them, by view
}

type viewClients struct {
	fragment []byte // the latest render; nil before the first
	config   string // the board fingerprint the fragment was rendered with
	gone     bool   // the board no longer exists; its clients were told to reload
	clients  map[*client]struct{}
}

// client is one websocket connection's queue.
type client struct {
	queue chan []byte // capacity 1: latest wins
}

// offer queues msg, replacing any message the client has not taken yet, and
// reports whether it replaced one. Only the hub calls it, under hub.mu, so
// there is one producer at a time.
func (c *client) offer(msg []byte) (replaced bool) {
	for {
		select {
		case c.queue <- msg:
			return replaced
		default:
		}
		select {
		case <-c.queue:
			replaced = true
		default:
		}
	}
}

func newHub(skipped *prometheus.CounterVec) *hub {
	return &hub{views: map[viewKey]*viewClients{}, stop: make(chan struct{}), newView: make(chan struct{}, 1), skipped: skipped}
}

// offerAll offers msg to every client of vc (a pair of view); call under h.mu.
func (h *hub) offerAll(view string, vc *viewClients, msg []byte) {
	n := 0
	for c := range vc.clients {
		if c.offer(msg) {
			n++
		}
	}
	if n > 0 {
		h.skipped.WithLabelValues(view).Add(float64(n))
	}
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

// publish stores the new fragment of k and offers it, with the clock tag, to
// k's clients. A pair without clients keeps nothing.
func (h *hub) publish(k viewKey, fragment []byte, now time.Time, version, config string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	vc := h.views[k]
	if vc == nil {
		return
	}
	vc.fragment, vc.config, vc.gone = fragment, config, false
	msg := withSync(fragment, views.Sync{Now: now.UnixMilli(), Version: version, Config: config})
	h.offerAll(k.view, vc, msg)
}

// publishIfEmpty sets the first fragment of k unless Run got there first,
// and then offers it to k's clients.
func (h *hub) publishIfEmpty(k viewKey, fragment []byte, now time.Time, version, config string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	vc := h.views[k]
	if vc == nil || vc.fragment != nil {
		return
	}
	vc.fragment, vc.config = fragment, config
	msg := withSync(fragment, views.Sync{Now: now.UnixMilli(), Version: version, Config: config})
	h.offerAll(k.view, vc, msg)
}

// gone tells the clients of a removed board to reload, once.
func (h *hub) gone(board string, now time.Time, version string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	msg := withSync(nil, views.Sync{Now: now.UnixMilli(), Version: version, Config: configGone})
	for k, vc := range h.views {
		if k.board != board || vc.gone {
			continue
		}
		vc.gone, vc.fragment = true, nil
		h.offerAll(k.view, vc, msg)
	}
}

// join registers c with k and queues k's latest render, with a fresh clock,
// as its first message. It reports whether a render was queued (false: the
// caller renders one, see publishIfEmpty) and false for ok when the hub has
// stopped. Every ok join must be followed by leave.
func (h *hub) join(k viewKey, c *client, now time.Time, version string) (rendered, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false, false
	}
	h.clients.Add(1)
	vc := h.views[k]
	if vc == nil {
		vc = &viewClients{clients: map[*client]struct{}{}}
		h.views[k] = vc
		select {
		case h.newView <- struct{}{}:
		default:
		}
	}
	vc.clients[c] = struct{}{}
	if vc.fragment != nil {
		c.offer(withSync(vc.fragment, views.Sync{Now: now.UnixMilli(), Version: version, Config: vc.config}))
		return true, true
	}
	return false, true
}

// leave unregisters c; the last client of a pair takes its render along, so
// that no stale render waits for the next client.
func (h *hub) leave(k viewKey, c *client) {
	h.mu.Lock()
	if vc := h.views[k]; vc != nil {
		delete(vc.clients, c)
		if len(vc.clients) == 0 {
			delete(h.views, k)
		}
	}
	h.mu.Unlock()
	h.clients.Done()
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
func withSync(fragment []byte, s views.Sync) []byte {
	var buf bytes.Buffer
	buf.Grow(len(fragment) + 160)
	buf.Write(fragment)
	// Rendering a fixed small component into a bytes.Buffer cannot fail.
	_ = views.SyncTag(s, true).Render(context.Background(), &buf)
	return buf.Bytes()
}

// Run keeps every live page current: it follows the store's change events,
// re-reads the snapshot on each (coalescing bursts), renders each (board,
// view) that has clients once and sends the bytes to its clients. Every
// RetryInterval it also re-reads the store, so that a store that fails (or
// recovers, or lost an event) shows on the walls (the last good data,
// marked stale), and checks Options.Boards for a new set (a config reload):
// the screens stay connected and get the new render, and those of a board
// whose definition changed reload. It also re-renders when a wait crosses a
// threshold with no new data (boards.Evaluation.NextChange). Run returns
// when ctx ends, after every websocket client has been closed (with status
// 1012, "service restart", so browsers reconnect). Call Run once.
func (s *Server) Run(ctx context.Context) error {
	defer s.hub.shutdown()
	events := s.o.Store.Subscribe(ctx)
	var r runState
	next := s.refresh(ctx, &r, true)
	tick := time.NewTicker(s.o.RetryInterval)
	defer tick.Stop()
	wake := time.NewTimer(time.Hour)
	defer wake.Stop()
	for {
		wake.Reset(s.untilNext(next))
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
			next = s.refresh(ctx, &r, true)
		case <-tick.C:
			if events == nil {
				events = s.o.Store.Subscribe(ctx)
			}
			next = s.refresh(ctx, &r, false)
		case <-wake.C:
			next = s.refresh(ctx, &r, true)
		case <-s.hub.newView:
			next = s.refresh(ctx, &r, false)
		}
	}
}

// untilNext is how long Run sleeps until the next threshold crossing; an
// hour (a tick re-checks far sooner) when none is due.
func (s *Server) untilNext(next time.Time) time.Duration {
	if next.IsZero() {
		return time.Hour
	}
	return max(next.Sub(s.o.Now()), 10*time.Millisecond)
}

// runState is what the current renders show.
type runState struct {
	key    string      // see renderKey
	set    *boards.Set // the board set rendered
	active string      // the (board, view) pairs that had clients
	next   time.Time   // the next threshold crossing of a rendered board
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

// refresh reads the store and renders every (board, view) that has clients.
// Unless forced, it renders only when the data, the store's health or the
// board set changed since r. It returns when the next threshold crossing of
// a rendered board is due (zero: none).
func (s *Server) refresh(ctx context.Context, r *runState, force bool) time.Time {
	states, storeDown := s.snapshot(ctx)
	msgs, msgVersion, msgNext := s.readMessages(ctx, s.o.Now())
	key := renderKey(states, storeDown) + "\x00messages:" + strconv.FormatUint(msgVersion, 10)
	set := s.set()
	act := s.hub.active()
	actKey := activeKey(act)
	changed := force || key != r.key || set != r.set
	if !changed && actKey == r.active {
		return r.next
	}
	// Only new viewers: their first render is theirs (serveLive); just
	// learn their boards' next threshold crossings.
	onlyNext := !changed
	r.key, r.set, r.active = key, set, actKey
	now := s.o.Now()
	next := msgNext // re-render when a floor message expires
	for id, names := range act {
		b, ok := set.Get(id)
		if !ok {
			if !onlyNext {
				s.hub.gone(id, now, s.o.Version)
			}
			continue
		}
		mb := b.Apply(states, now)
		s.markHealth(&mb, storeDown)
		p := present.New(b, mb, storeDown).WithForecasts(s.forecasts(ctx, b, mb))
		if s.o.Messages != nil {
			m := msgs
			m.URL = messagesURL(b.ID)
			p.WithMessages(m)
		}
		for _, nc := range []time.Time{p.NextChange(), s.staleAt(mb)} {
			if !nc.IsZero() && (next.IsZero() || nc.Before(next)) {
				next = nc
			}
		}
		if onlyNext {
			continue
		}
		config := b.Fingerprint()
		for _, name := range names {
			render := s.views[name]
			if render == nil {
				continue
			}
			start := time.Now()
			frag, err := render(ctx, p)
			s.metrics.observeRender(name, start)
			if err != nil {
				s.log.Error("render view", "board", id, "view", name, "err", err)
				continue
			}
			s.hub.publish(viewKey{id, name}, frag, now, s.o.Version, config)
		}
	}
	r.next = next
	return next
}

// activeKey identifies a set of active (board, view) pairs: a new one makes
// refresh render, so its threshold crossings are known.
func activeKey(act map[string][]string) string {
	keys := make([]string, 0, len(act))
	for id, names := range act {
		for _, n := range names {
			keys = append(keys, id+"\x00"+n)
		}
	}
	slices.Sort(keys)
	return strings.Join(keys, "\x01")
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

// handleWS streams a board's wall.
func (s *Server) handleWS(c echo.Context) error {
	return s.serveLive(c, c.Param("id"), viewWall)
}

// serveLive is the body of a websocket handler for view of board boardID:
// it upgrades the request, sends the current full render first and then
// every update, until the client leaves or Run ends. An unknown board or
// view is a 404 before the upgrade. Mount it with router.live so the request
// carries the page's credentials and an allowed Origin.
func (s *Server) serveLive(c echo.Context, boardID, view string) error {
	render := s.views[view]
	if _, ok := s.lookup(boardID); !ok || render == nil {
		return echo.NewHTTPError(http.StatusNotFound, "no such board")
	}
	opts := &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled}
	if s.o.Guard != nil {
		opts.OriginPatterns = s.o.Guard.WebsocketOriginPatterns(boardID, strings.HasPrefix(view, "embed:"))
	}
	conn, err := websocket.Accept(c.Response(), c.Request(), opts)
	if err != nil {
		return nil // Accept has answered the request
	}
	defer conn.CloseNow()
	// Browsers send nothing; CloseRead answers pings and notices the close.
	ctx := conn.CloseRead(c.Request().Context())

	k := viewKey{boardID, view}
	cl := &client{queue: make(chan []byte, 1)}
	rendered, ok := s.hub.join(k, cl, s.o.Now(), s.o.Version)
	if !ok {
		conn.Close(websocket.StatusServiceRestart, "server restarting")
		return nil
	}
	defer s.hub.leave(k, cl)
	if !rendered {
		// Nobody watched this view of the board: render it now. Run keeps it
		// current from here on.
		if def, mb, storeDown, ok := s.boardData(ctx, boardID); ok {
			if frag, err := render(ctx, s.present(ctx, &def, mb, storeDown)); err == nil {
				s.hub.publishIfEmpty(k, frag, mb.GeneratedAt, s.o.Version, def.Fingerprint())
			} else {
				s.log.Error("render view", "board", boardID, "view", view, "err", err)
			}
		}
	}

	// Pings keep idle connections open through proxies and find dead peers
	// when the board does not change.
	sent := s.metrics.sent.WithLabelValues(view)
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
				s.log.Info("websocket client dropped: no pong", "board", boardID, "view", view, "remote", c.Request().RemoteAddr, "err", err)
				s.metrics.dropped.WithLabelValues(view).Inc()
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
					s.log.Info("websocket client dropped", "board", boardID, "view", view, "remote", c.Request().RemoteAddr, "err", err)
					s.metrics.dropped.WithLabelValues(view).Inc()
				}
				return nil
			}
			sent.Inc()
		}
	}
}

// renderWall is the wall's viewRenderer.
func (s *Server) renderWall(ctx context.Context, p *present.Board) ([]byte, error) {
	w := p.Wall(s.o.Demo)
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := views.WallView(w, true).Render(ctx, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
