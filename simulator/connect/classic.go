package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Classic hub defaults: Connect 4.x hosts a classic ASP.NET SignalR 2 hub.
const (
	DefaultClassicPath = "/webapi/signalr"
	DefaultClassicHub  = "GoldDataHub"
)

// ClassicOptions configure the classic ASP.NET SignalR 2 face of the hub
// (protocol 1.5, transports webSockets, serverSentEvents and longPolling).
type ClassicOptions struct {
	Path string // SignalR base path, default DefaultClassicPath
	Hub  string // hub name, default DefaultClassicHub (matched case-insensitively)
	// NoWebSockets answers TryWebSockets false and refuses websocket
	// requests, like an IIS host without the WebSocket feature.
	NoWebSockets bool
	// BreakWebSockets offers websockets but fails every upgrade.
	BreakWebSockets bool
	// ResumeUnknown takes a reconnect for a connection the hub does not
	// know (it restarted) as that connection, as ASP.NET SignalR does when
	// the host keeps its machine key: the transport resumes, but the
	// connection's subscriptions are gone. Without it such a reconnect
	// gets 404 and the client must negotiate again.
	ResumeUnknown bool
	// KeepAlive is the keep-alive interval; KeepAliveTimeout is three times
	// it (default 2s).
	KeepAlive time.Duration
	// DisconnectTimeout is how long a connection without a transport is
	// kept for a reconnect (default 10s).
	DisconnectTimeout time.Duration
	// PollTimeout is how long a long poll is held without news (default 20s).
	PollTimeout time.Duration
	// LongPollDelay is the negotiate answer's LongPollDelay: how long a
	// longPolling client waits after each answer before it polls again
	// (ASP.NET's default, and this default, 0).
	LongPollDelay time.Duration
}

func (o ClassicOptions) withDefaults() ClassicOptions {
	if o.Path == "" {
		o.Path = DefaultClassicPath
	}
	o.Path = "/" + strings.Trim(o.Path, "/")
	if o.Hub == "" {
		o.Hub = DefaultClassicHub
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 2 * time.Second
	}
	if o.DisconnectTimeout <= 0 {
		o.DisconnectTimeout = 10 * time.Second
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 20 * time.Second
	}
	return o
}

// maxRetained is how many messages a connection keeps for replay.
const maxRetained = 2000

// classicHub serves the classic protocol. Connections are known from
// negotiate until aborted, timed out or the hub restarts.
type classicHub struct {
	o         ClassicOptions
	log       *slog.Logger
	connected func(id string, exp time.Time) // a transport opened for a new connection
	gone      func(id string)                // the hub forgot a connection

	mu    sync.Mutex
	gen   string // tokens of another generation (before a restart) are invalid
	conns map[string]*classicConn
	stats ClassicStats
}

// ClassicStats count what the classic face did, for tests.
type ClassicStats struct {
	Negotiations, Connects, Reconnects int
	Transports                         map[string]int // connects and reconnects per transport
}

type classicConn struct {
	id, token string
	exp       time.Time
	msgs      []classicMsg
	next      int           // the next cursor
	wake      chan struct{} // closed and replaced when a message is added
	stop      chan struct{} // closed to end the current transport
	dead      chan struct{} // closed when the connection is forgotten
	open      int           // transports being served
	dropNext  bool          // the next poll fails (a drop between two polls)
	idleSince time.Time
	connected bool
}

type classicMsg struct {
	cursor int
	raw    json.RawMessage
}

func newClassicHub(o ClassicOptions, log *slog.Logger) *classicHub {
	return &classicHub{o: o.withDefaults(), log: log, gen: randHex(4), conns: map[string]*classicConn{},
		stats: ClassicStats{Transports: map[string]int{}}}
}

// restart forgets every connection, as a restarted host does: their tokens
// are no longer valid.
func (h *classicHub) restart() {
	h.mu.Lock()
	old := h.conns
	h.conns = map[string]*classicConn{}
	h.gen = randHex(4)
	h.mu.Unlock()
	for _, c := range old {
		close(c.dead)
	}
}

// dropTransports ends every open transport; connections stay known.
func (h *classicHub) dropTransports() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		close(c.stop)
		c.stop = make(chan struct{})
		c.dropNext = c.open == 0
	}
}

// forget ends a connection.
func (h *classicHub) forget(id string) {
	h.mu.Lock()
	c, ok := h.conns[id]
	delete(h.conns, id)
	h.mu.Unlock()
	if ok {
		close(c.dead)
		if h.gone != nil {
			h.gone(id)
		}
	}
}

// sweep forgets connections without a transport for DisconnectTimeout.
func (h *classicHub) sweep(now time.Time) {
	h.mu.Lock()
	var dead []string
	for id, c := range h.conns {
		if c.open == 0 && now.Sub(c.idleSince) > h.o.DisconnectTimeout {
			dead = append(dead, id)
		}
	}
	h.mu.Unlock()
	for _, id := range dead {
		h.log.Debug("connect sim: classic connection timed out", "connection", id)
		h.forget(id)
	}
}

// send queues a hub invocation for a connection.
func (h *classicHub) send(id, method string, args []any) error {
	raw, err := json.Marshal(map[string]any{"H": h.o.Hub, "M": method, "A": args})
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.conns[id]
	if !ok {
		return errors.New("unknown connection")
	}
	c.next++
	c.msgs = append(c.msgs, classicMsg{cursor: c.next, raw: raw})
	if len(c.msgs) > maxRetained {
		c.msgs = c.msgs[len(c.msgs)-maxRetained:]
	}
	close(c.wake)
	c.wake = make(chan struct{})
	return nil
}

// Stats returns the classic face's counters.
func (h *classicHub) Stats() ClassicStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.stats
	st.Transports = map[string]int{}
	for k, v := range h.stats.Transports {
		st.Transports[k] = v
	}
	return st
}

// serve handles every request under the SignalR base path.
func (h *classicHub) serve(w http.ResponseWriter, r *http.Request, exp time.Time) {
	op := strings.TrimPrefix(r.URL.Path, h.o.Path)
	switch op {
	case "/negotiate":
		h.negotiate(w, r, exp)
	case "/connect", "/reconnect", "/poll":
		h.transport(w, r, op[1:])
	case "/start":
		if _, err := h.lookup(r); err != nil {
			http.Error(w, badToken, http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"Response": "started"})
	case "/send":
		if _, err := h.lookup(r); err != nil {
			http.Error(w, badToken, http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, invocationResult([]byte(r.FormValue("data"))))
	case "/abort":
		if c, err := h.lookup(r); err == nil {
			h.forget(c.id)
		}
		w.WriteHeader(http.StatusOK)
	case "/ping":
		writeJSON(w, http.StatusOK, map[string]string{"Response": "pong"})
	default:
		http.NotFound(w, r)
	}
}

// invocationResult answers a client's hub invocation: the hub has no server
// methods worth calling, so every call returns nothing.
func invocationResult(data []byte) map[string]any {
	var inv struct {
		I json.RawMessage `json:"I"`
	}
	_ = json.Unmarshal(data, &inv)
	id := strings.Trim(string(inv.I), `"`)
	return map[string]any{"I": id}
}

// protocolVersion answers the client's protocol, at most 1.5 (SignalR 2.2).
func protocolVersion(client string) (string, bool) {
	f, err := strconv.ParseFloat(client, 64)
	if err != nil || f < 1.2 {
		return "", false
	}
	if f >= 1.5 {
		return "1.5", true
	}
	return client, true
}

func (h *classicHub) negotiate(w http.ResponseWriter, r *http.Request, exp time.Time) {
	pv, ok := protocolVersion(r.URL.Query().Get("clientProtocol"))
	if !ok {
		http.Error(w, "Invalid clientProtocol", http.StatusBadRequest)
		return
	}
	if !h.hubRequested(r) {
		http.Error(w, "Unknown hub", http.StatusBadRequest)
		return
	}
	id := guid()
	h.mu.Lock()
	c := &classicConn{id: id, token: id + ":" + h.gen + ":" + randHex(8), exp: exp, wake: make(chan struct{}),
		stop: make(chan struct{}), dead: make(chan struct{}), idleSince: time.Now()}
	h.conns[id] = c
	h.stats.Negotiations++
	h.mu.Unlock()
	ka := h.o.KeepAlive.Seconds() * 3
	writeJSON(w, http.StatusOK, map[string]any{
		"Url": h.o.Path, "ConnectionToken": c.token, "ConnectionId": id,
		"KeepAliveTimeout": ka, "DisconnectTimeout": h.o.DisconnectTimeout.Seconds(),
		"ConnectionTimeout": h.o.PollTimeout.Seconds(), "TryWebSockets": !h.o.NoWebSockets,
		"ProtocolVersion": pv, "TransportConnectTimeout": 5.0, "LongPollDelay": h.o.LongPollDelay.Seconds(),
	})
}

// hubRequested checks connectionData names the hub.
func (h *classicHub) hubRequested(r *http.Request) bool {
	var hubs []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(r.URL.Query().Get("connectionData")), &hubs) != nil {
		return false
	}
	for _, hb := range hubs {
		if strings.EqualFold(hb.Name, h.o.Hub) {
			return true
		}
	}
	return false
}

// badToken is what a classic server answers to a connection token it
// cannot use (another host's, or one from before a restart).
const badToken = "The ConnectionId is in the incorrect format."

var errBadToken = errors.New("connection token not valid here")

func (h *classicHub) lookup(r *http.Request) (*classicConn, error) {
	tok := r.URL.Query().Get("connectionToken")
	id, _, _ := strings.Cut(tok, ":")
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.conns[id]
	if !ok || c.token != tok {
		return nil, errBadToken
	}
	return c, nil
}

// resume makes a connection of a well-formed token the hub does not know.
func (h *classicHub) resume(r *http.Request) (*classicConn, error) {
	tok := r.URL.Query().Get("connectionToken")
	id, _, ok := strings.Cut(tok, ":")
	if !ok || len(id) != 36 {
		return nil, errBadToken
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.conns[id]; ok {
		return c, nil
	}
	c := &classicConn{id: id, token: tok, wake: make(chan struct{}), stop: make(chan struct{}), dead: make(chan struct{}), idleSince: time.Now()}
	h.conns[id] = c
	return c, nil
}

// frame is a persistent response with the messages after a cursor.
func (h *classicHub) frame(c *classicConn, after int, init bool) (b []byte, last int, n int) {
	h.mu.Lock()
	last = c.next
	var items []json.RawMessage
	for _, m := range c.msgs {
		if m.cursor > after {
			items = append(items, m.raw)
		}
	}
	h.mu.Unlock()
	f := map[string]any{"C": strconv.Itoa(last), "M": items}
	if items == nil {
		f["M"] = []json.RawMessage{}
	}
	if init {
		f["S"] = 1
	}
	b, _ = json.Marshal(f)
	return b, last, len(items)
}

// transport serves connect, reconnect and poll for every transport.
func (h *classicHub) transport(w http.ResponseWriter, r *http.Request, op string) {
	c, err := h.lookup(r)
	if err != nil && op != "connect" && h.o.ResumeUnknown {
		c, err = h.resume(r)
	}
	if err != nil {
		code := http.StatusBadRequest
		if op == "reconnect" || op == "poll" {
			code = http.StatusNotFound
		}
		http.Error(w, badToken, code)
		return
	}
	t := r.URL.Query().Get("transport")
	if t == "webSockets" && (h.o.NoWebSockets || h.o.BreakWebSockets) {
		http.Error(w, "Not a valid web socket request.", http.StatusBadRequest)
		return
	}
	if t != "webSockets" && t != "serverSentEvents" && t != "longPolling" {
		http.Error(w, "Protocol error: Unknown transport.", http.StatusBadRequest)
		return
	}
	after := -1 // connect: nothing to replay
	if op != "connect" {
		after = 0
		if id, err := strconv.Atoi(r.FormValue("messageId")); err == nil {
			after = id
		}
	}
	h.mu.Lock()
	if c.dropNext && t == "longPolling" {
		c.dropNext = false
		h.mu.Unlock()
		panic(http.ErrAbortHandler)
	}
	if op != "poll" {
		// A new transport ends the one before it.
		close(c.stop)
		c.stop = make(chan struct{})
		if op == "connect" {
			h.stats.Connects++
		} else {
			h.stats.Reconnects++
		}
		h.stats.Transports[t]++
	}
	stop, dead := c.stop, c.dead
	c.open++
	first := !c.connected
	c.connected = true
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		c.open--
		c.idleSince = time.Now()
		h.mu.Unlock()
	}()
	if first && h.connected != nil {
		h.connected(c.id, c.exp)
	}
	switch t {
	case "webSockets":
		h.serveWebSocket(w, r, c, op == "connect", after, stop, dead)
	case "serverSentEvents":
		h.serveSSE(w, r, c, op == "connect", after, stop, dead)
	default:
		h.serveLongPoll(w, r, c, op == "connect", after, stop, dead)
	}
}

// pending returns the frame to send after cursor *after, if any.
func (h *classicHub) pending(c *classicConn, after *int, init bool) ([]byte, <-chan struct{}) {
	h.mu.Lock()
	wake := c.wake
	h.mu.Unlock()
	b, last, n := h.frame(c, *after, init)
	if n == 0 && !init {
		return nil, wake
	}
	*after = last
	return b, wake
}

func (h *classicHub) serveWebSocket(w http.ResponseWriter, r *http.Request, c *classicConn, connect bool, after int, stop, dead <-chan struct{}) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer func() { _ = ws.CloseNow() }()
	ctx := r.Context()
	go func() {
		// Answer the client's invocations; a read error ends the socket.
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			b, _ := json.Marshal(invocationResult(data))
			_ = ws.Write(ctx, websocket.MessageText, b)
		}
	}()
	h.stream(ctx, c, connect, after, stop, dead, func(b []byte) bool {
		return ws.Write(ctx, websocket.MessageText, b) == nil
	})
}

// stream is a streaming transport's loop (webSockets, serverSentEvents):
// it writes each frame after the cursor as it comes, and a keep-alive when
// nothing has come for KeepAlive, until the request, the connection or the
// hub ends, or a write fails.
func (h *classicHub) stream(ctx context.Context, c *classicConn, connect bool, after int, stop, dead <-chan struct{}, write func([]byte) bool) {
	ka := time.NewTicker(h.o.KeepAlive)
	defer ka.Stop()
	if connect {
		after = c.cursorNow(h)
	}
	init := connect
	for {
		select {
		case <-stop:
			return
		case <-dead:
			return
		default:
		}
		b, wake := h.pending(c, &after, init)
		init = false
		if b != nil {
			if !write(b) {
				return
			}
			continue
		}
		select {
		case <-wake:
		case <-ka.C:
			if !write([]byte("{}")) {
				return
			}
		case <-stop:
			return
		case <-dead:
			return
		case <-ctx.Done():
			return
		}
	}
}

// cursorNow is the connection's latest cursor: a new transport sends only
// what comes after it.
func (c *classicConn) cursorNow(h *classicHub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.next
}

func (h *classicHub) serveSSE(w http.ResponseWriter, r *http.Request, c *classicConn, connect bool, after int, stop, dead <-chan struct{}) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	write := func(data []byte) bool {
		_, err := fmt.Fprintf(w, "data: %s\n\n", data)
		fl.Flush()
		return err == nil
	}
	if !write([]byte("initialized")) {
		return
	}
	h.stream(r.Context(), c, connect, after, stop, dead, write)
}

func (h *classicHub) serveLongPoll(w http.ResponseWriter, r *http.Request, c *classicConn, connect bool, after int, stop, dead <-chan struct{}) {
	if connect {
		after = c.cursorNow(h)
		b, _ := h.pending(c, &after, true)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return
	}
	timer := time.NewTimer(h.o.PollTimeout)
	defer timer.Stop()
	for {
		b, wake := h.pending(c, &after, false)
		if b != nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		}
		select {
		case <-wake:
		case <-timer.C:
			b, _, _ := h.frame(c, c.cursorNow(h), false)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		case <-stop:
			panic(http.ErrAbortHandler) // the connection drops mid-poll
		case <-dead:
			panic(http.ErrAbortHandler)
		case <-r.Context().Done():
			return
		}
	}
}

// guid returns a random GUID-shaped connection id, as classic servers issue.
func guid() string {
	h := randHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
