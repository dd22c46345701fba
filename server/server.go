// Package server is Wallboard's HTTP side: the Echo routes, the pages
// (view models from package present, rendered with package views), the JSON API, the embedded static assets and
// the websocket hub that pushes every change to every screen.
//
// Routes (with Options.Guard, the access each needs):
//
//	GET /                   board index                       signed-in user
//	GET /login, /logout     sign-in (package access)          public
//	GET /boards/{id}        TV wall, fully rendered           display link/cookie or user
//	GET /boards/{id}/ws     websocket: wall fragments         same credentials, own Origin only
//	GET /boards/{id}/supervisor     supervisor view (supervisor.go)   signed-in user
//	GET /boards/{id}/supervisor/ws  websocket: supervisor fragments   signed-in user, own Origin only
//	POST /boards/{id}/supervisor/messages[/{mid}/remove]  floor messages (messages.go)  signed-in user, same origin
//	GET /api/v1/boards/{id} the board's snapshot (model.Board, full names)  user
//	GET /api/v1/boards/{id}/history  sampled waiting, longest wait, SLA    user
//	GET /api/v1/status      version, store kind, per-source health         user
//	GET /embed/{id}/{tile}  one tile, no chrome, for iframes (embed.go)   display link/cookie or user; framed by the board's allowed origins only
//	GET /embed/{id}/{tile}/ws  websocket: the tile's fragments          same credentials, own Origin or the board's frame origins
//	GET /static/{hash}/*    embedded assets, cached for a year              public
//	GET /healthz            liveness                                         public
//	GET /readyz             ready: the store answers and a source is current  public
//
// The supervisor view (supervisor.go) and the embeds (embed.go) hook in
// with methods New calls when they exist: mountSupervisor(router) and
// mountEmbed(router) mount their routes with router.user / display / embed /
// live (which apply the access their audience needs) and call registerView
// for their live views; their websocket handlers call serveLive.
//
// Boards come from Options.Boards (a boards.Set, swapped on config reload);
// lookup and boardData read the current set.
//
// Websocket protocol: every message is a text frame of HTML. A full render
// is the view's root element, which htmx-ext-ws swaps out of band (for the
// wall <main id="wb-wall" hx-swap-oob="morph">, morphed by idiomorph so
// only what changed moves). A patch is <template data-wb-patch> holding
// only the elements (tiles, queue rows, agent cards… each with a stable id)
// whose rendering changed since the previous message, each in a <template>
// of its own (so that a table row parses as one), which the page's script
// morphs into place one by one (an element whose own attributes alone
// changed comes as its empty start and end tag in <template
// data-wb-attrs>: the page sets its attributes and keeps its content; an
// element inside a part that did not change at all comes as a placeholder,
// its empty start and end tag marked data-wb-keep: the page moves its own
// element there as it is). Every message ends with
// <div id="wb-sync" hx-swap-oob="true" data-now=… data-version=…
// data-config=… data-seq=…> (the server clock in Unix ms when the message
// was made, the server version and the board definition's fingerprint: a
// page reloads itself when either changes; and the message's sequence
// number). A patch applies only to the message numbered just before it;
// on a gap the browser sends the text "full" and gets the full render. On
// connect the server first sends the full render. A board's changes are
// coalesced to at most one message per Options.MinInterval. When the
// server shuts down it sends the clock tag with data-reconnect-within (ms)
// and closes with status 1012: the browser reconnects at a random moment
// within that time.
package server

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// Store is what the server needs of a store; cache.Store satisfies it.
type Store interface {
	// Snapshot returns the latest state of every source.
	Snapshot(ctx context.Context) ([]model.SourceState, error)
	// Subscribe returns change events until ctx ends.
	Subscribe(ctx context.Context) <-chan cache.Event
	// Kind names the store for the status API.
	Kind() string
}

// Options configure a Server. Store is required; the rest have defaults.
type Options struct {
	Store   Store
	Logger  *slog.Logger
	Version string                // shown in /api/v1/status; open walls reload when it changes
	Status  func() map[string]any // optional extra fields of /api/v1/status
	Now     func() time.Time
	Demo    bool // walls show a discreet "demo data" marker

	// Boards returns the current board set; a config reload swaps it, and
	// the server notices within RetryInterval: connected screens stay
	// connected, get the new render, and those whose board definition
	// changed (boards.Board.Fingerprint) reload themselves. Nil: the single
	// board "all" (boards.New(nil)).
	Boards func() *boards.Set
	// Guard enforces access (see package access); nil leaves every route
	// open, as does an open Guard, and pages then say so (access.OpenNotice).
	Guard *access.Guard
	// ConfigError, optional, returns the last failed config reload (nil
	// when the running config is the file's); the index and supervisor
	// pages show it discreetly.
	ConfigError func() error

	// WriteTimeout is how long a websocket client may take to accept a
	// message before it is dropped. Default 10s.
	WriteTimeout time.Duration
	// RetryInterval is how often Run re-reads the store besides its change
	// events, to notice it failing or recovering, and checks Boards for a
	// new set. Default 2s.
	RetryInterval time.Duration
	// StoreTimeout bounds one Snapshot. Default 5s.
	StoreTimeout time.Duration
	// MinInterval is the least time between two renders of a board after
	// changes: changes in between are coalesced, the latest wins. Default
	// 500ms (at most two messages a second per screen).
	MinInterval time.Duration
	// PingInterval is how often each screen is pinged, on one schedule
	// shared by all. Default 30s.
	PingInterval time.Duration
	// AcceptRate is how many websocket screens a second the server accepts
	// (after a restart every screen reconnects at once); the rest wait
	// their turn, up to MaxAcceptWait, and beyond that are answered 503
	// with Retry-After (browsers retry with jittered back-off). Default
	// 1000; negative: no limit.
	AcceptRate float64
	// MaxAcceptWait bounds how long a screen waits for its turn. Default 45s.
	MaxAcceptWait time.Duration
	// ReconnectWithin is how long, when Run ends, screens are given to
	// reconnect: each picks a random moment in it. Default 30s.
	ReconnectWithin time.Duration
	// StaleAfter is how old a source's data may be (model.Health.UpdatedAt)
	// before screens and the API mark it stale although its writer last said
	// it was fine. Default DefaultStaleAfter.
	StaleAfter time.Duration
	// History serves GET /api/v1/boards/{id}/history; nil answers 404.
	History history.Store
	// HistorySpan is how far back that route looks by default (24h); a
	// ?minutes= query asks for less or more.
	HistorySpan time.Duration
	// Messages keeps the floor messages (messages.go); nil: none, and the
	// supervisor view has no form to post them.
	Messages Messages
}

// DefaultStaleAfter is Options.StaleAfter's default: the Connect subscriber
// republishes unchanged data every 15 s and the UJET poller refreshes its
// data every few seconds, so older data means the writer stopped.
const DefaultStaleAfter = 20 * time.Second

// Server serves the boards. Create it with New, serve Handler, and run Run.
type Server struct {
	o          Options
	log        *slog.Logger
	echo       *echo.Echo
	defaultSet *boards.Set // when Options.Boards is nil
	views      map[string]viewRenderer
	assets     assets
	hub        *hub
	metrics    *serverMetrics
	accept     *rate.Limiter // nil: no accept rate
	msgs       messageState
	fc         forecastCache
}

// New returns a server for o.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = 2 * time.Second
	}
	if o.StoreTimeout <= 0 {
		o.StoreTimeout = 5 * time.Second
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.HistorySpan <= 0 {
		o.HistorySpan = 24 * time.Hour
	}
	if o.MinInterval <= 0 {
		o.MinInterval = 500 * time.Millisecond
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.AcceptRate == 0 {
		o.AcceptRate = 1000
	}
	if o.MaxAcceptWait <= 0 {
		o.MaxAcceptWait = 45 * time.Second
	}
	if o.ReconnectWithin <= 0 {
		o.ReconnectWithin = 30 * time.Second
	}
	m := newServerMetrics()
	s := &Server{
		o:       o,
		log:     o.Logger,
		views:   map[string]viewRenderer{},
		assets:  mustAssets(),
		hub:     newHub(m, o.WriteTimeout, o.PingInterval, o.Logger.Info),
		metrics: m,
		accept:  newAcceptLimiter(o.AcceptRate),
	}
	if o.Boards == nil {
		s.defaultSet = boards.New(nil)
	}
	s.registerView(viewWall, s.renderWall)
	s.echo = s.routes()
	return s
}

// Handler returns the HTTP handler (the Echo instance).
func (s *Server) Handler() http.Handler { return s.echo }

// set returns the current board set.
func (s *Server) set() *boards.Set {
	if s.o.Boards != nil {
		if set := s.o.Boards(); set != nil {
			return set
		}
	}
	if s.defaultSet == nil {
		return boards.New(nil) // Boards returned nil: never show nothing
	}
	return s.defaultSet
}

// lookup returns board id from the current set.
func (s *Server) lookup(id string) (boards.Board, bool) {
	b, ok := s.set().Get(id)
	if !ok {
		return boards.Board{}, false
	}
	return *b, true
}

// boardData returns board id's definition and its snapshot (Apply on the
// last good data, full names: callers showing it on shared screens use
// def.ForDisplay). storeDown reports that the store failed: the data is the
// last good one, and every source is marked not OK with storeDownError.
// ok is false for an unknown board.
func (s *Server) boardData(ctx context.Context, id string) (def boards.Board, mb model.Board, storeDown bool, ok bool) {
	def, ok = s.lookup(id)
	if !ok {
		return def, mb, false, false
	}
	states, storeDown := s.snapshot(ctx)
	mb = def.Apply(states, s.o.Now())
	s.markHealth(&mb, storeDown)
	return def, mb, storeDown, true
}

// markHealth marks what screens and the API must not present as current:
// every source while the store fails (markStoreDown), and a source whose
// data is older than StaleAfter (markOld).
func (s *Server) markHealth(mb *model.Board, storeDown bool) {
	if storeDown {
		markStoreDown(mb)
	}
	markOld(mb.Sources, mb.GeneratedAt, s.o.StaleAfter)
}

// markOld marks a source not OK when its data is older than after: a
// writer that stopped (or a store that came back with old data) must not
// look current. Its updated_at still says how old the data is.
func markOld(sources []model.Health, now time.Time, after time.Duration) {
	for i, h := range sources {
		if h.OK && !h.UpdatedAt.IsZero() && now.Sub(h.UpdatedAt) > after {
			sources[i].OK = false
			sources[i].Error = oldDataError(after)
		}
	}
}

// oldDataError is the health error of a source whose data is older than
// after.
func oldDataError(after time.Duration) string {
	return "no new data for over " + after.String()
}

// staleAt is when the first OK source of mb becomes older than StaleAfter
// (zero: none will), so that Run re-renders at that moment without new data.
func (s *Server) staleAt(mb model.Board) time.Time {
	var at time.Time
	for _, h := range mb.Sources {
		if !h.OK || h.UpdatedAt.IsZero() {
			continue
		}
		if t := h.UpdatedAt.Add(s.o.StaleAfter + time.Millisecond); at.IsZero() || t.Before(at) {
			at = t
		}
	}
	return at
}

// markStoreDown marks every source of mb not OK with storeDownError; their
// updated_at still says how old the data is.
func markStoreDown(mb *model.Board) {
	for i := range mb.Sources {
		mb.Sources[i].OK = false
		mb.Sources[i].Error = storeDownError
	}
}

// openNotice is what pages say about access: access.OpenNotice when
// everything is open, "" otherwise.
func (s *Server) openNotice() string {
	if s.o.Guard == nil || s.o.Guard.Open() {
		return access.OpenNotice
	}
	return ""
}

// configError is the last failed config reload, for the index and
// supervisor pages; "" when there is none.
func (s *Server) configError() string {
	if s.o.ConfigError == nil {
		return ""
	}
	if err := s.o.ConfigError(); err != nil {
		return err.Error()
	}
	return ""
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Use(middleware.Recover())
	r := router{e: e, g: s.o.Guard}
	if g := s.o.Guard; g != nil {
		e.Use(echo.WrapMiddleware(g.Headers(isEmbed)))
		e.Any(access.LoginPath, echo.WrapHandler(g.LoginHandler()))
		e.Any(access.LogoutPath, echo.WrapHandler(g.LogoutHandler()))
	} else {
		e.Use(securityHeaders)
	}
	r.user("/", s.handleIndex)
	r.display("/boards/:id", s.handleWall)
	r.live("/boards/:id/ws", s.handleWS)
	r.user("/api/v1/boards/:id", s.handleBoardAPI)
	r.user("/api/v1/boards/:id/history", s.handleHistory)
	r.user("/api/v1/status", s.handleStatus)
	e.Match(getHead, "/static/:hash/*", s.assets.serve)
	e.Match(getHead, "/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.Match(getHead, "/readyz", s.handleReady)
	// The supervisor view and the embeds mount their routes and register
	// their views here (server/supervisor.go, server/embed.go).
	if m, ok := any(s).(interface{ mountSupervisor(router) }); ok {
		m.mountSupervisor(r)
	}
	s.mountMessages(r)
	if m, ok := any(s).(interface{ mountEmbed(router) }); ok {
		m.mountEmbed(r)
	}
	return e
}

// isEmbed tells the security headers which routes may be framed.
func isEmbed(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/embed/") }

// router mounts GET routes with the access their audience needs. With no
// Guard every route is open. Board ids are the path's second segment
// (/boards/{id}/…, /embed/{id}/…): a board's websocket and everything its
// page fetches with a display credential must live under that prefix, where
// the display cookie is sent.
type router struct {
	e *echo.Echo
	g *access.Guard
}

// user mounts a supervisor page or API: sign-in required (pages redirect to
// /login, /api/… answers 401 JSON).
func (r router) user(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.Match(getHead, path, h)
		return
	}
	r.e.Match(getHead, path, h, echo.WrapMiddleware(r.g.RequireUser))
}

// getHead are the methods pages and the API answer: HEAD is GET without
// the body (net/http drops it).
var getHead = []string{http.MethodGet, http.MethodHead}

// display mounts a TV wall page: a display link or cookie for the board, or
// a signed-in supervisor.
func (r router) display(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.Match(getHead, path, h)
		return
	}
	r.e.Match(getHead, path, h, echo.WrapMiddleware(r.g.RequireDisplay(access.PathSegment(1))))
}

// embed mounts an embeddable page (path under /embed/{id}/, where the
// security headers allow framing by the allowed origins).
func (r router) embed(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.Match(getHead, path, h)
		return
	}
	r.e.Match(getHead, path, h, echo.WrapMiddleware(r.g.RequireEmbed(access.PathSegment(1))))
}

// live mounts a board's websocket: the credentials its page needs, and an
// allowed Origin. Its handler calls serveLive.
func (r router) live(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.GET(path, h)
		return
	}
	r.e.GET(path, h, echo.WrapMiddleware(r.g.RequireSameCredentials(access.PathSegment(1))))
}

// embedLive mounts an embed's websocket: the credentials its page needs,
// and the page's own Origin or one that may frame that board's embeds.
func (r router) embedLive(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.GET(path, h)
		return
	}
	r.e.GET(path, h, echo.WrapMiddleware(r.g.RequireEmbedCredentials(access.PathSegment(1))))
}

// securityHeaders, without a Guard: no inline scripts or styles anywhere, so
// the policy needs no unsafe-inline.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'")
		return next(c)
	}
}

func (s *Server) html(c echo.Context, status int, render func(ctx context.Context, buf *bytes.Buffer) error) error {
	var buf bytes.Buffer
	if err := render(c.Request().Context(), &buf); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func (s *Server) handleIndex(c echo.Context) error {
	p := views.Index{
		Assets:      s.assets.views(),
		Version:     s.o.Version,
		Demo:        s.o.Demo,
		OpenNotice:  s.openNotice(),
		ConfigError: s.configError(),
	}
	for _, b := range s.set().List() {
		p.Boards = append(p.Boards, views.BoardLink{
			ID: b.ID, Title: b.Title, URL: "/boards/" + b.ID,
			SupervisorURL: "/boards/" + b.ID + "/supervisor",
		})
	}
	return s.html(c, http.StatusOK, func(ctx context.Context, buf *bytes.Buffer) error {
		return views.IndexPage(p).Render(ctx, buf)
	})
}

func (s *Server) notFound(c echo.Context, what string) error {
	return s.html(c, http.StatusNotFound, func(ctx context.Context, buf *bytes.Buffer) error {
		return views.NotFoundPage(s.assets.views(), what).Render(ctx, buf)
	})
}

// sync is the clock and version tag of a page or message of board def.
func (s *Server) sync(def *boards.Board, now time.Time) views.Sync {
	return views.Sync{Now: now.UnixMilli(), Version: s.o.Version, Config: def.Fingerprint()}
}

// handleWall renders the whole wall from a fresh snapshot (the last good one
// when the store fails), so a screen shows data before its socket opens.
func (s *Server) handleWall(c echo.Context) error {
	def, mb, storeDown, ok := s.boardData(c.Request().Context(), c.Param("id"))
	if !ok {
		return s.notFound(c, "Board "+c.Param("id"))
	}
	now := mb.GeneratedAt
	p := views.WallPage{
		Assets:     s.assets.views(),
		Sync:       s.sync(&def, now),
		WSURL:      "/boards/" + def.ID + "/ws",
		Theme:      string(def.Theme),
		OpenNotice: s.openNotice(),
		Wall:       s.present(c.Request().Context(), &def, mb, storeDown).Wall(s.o.Demo),
	}
	return s.html(c, http.StatusOK, func(ctx context.Context, buf *bytes.Buffer) error {
		return views.WallDocument(p).Render(ctx, buf)
	})
}

type apiError struct {
	Error string `json:"error"`
}

// storeDownError is the health error of every source while the store fails.
const storeDownError = present.StoreDownError

// handleBoardAPI returns the board's snapshot (the board's Apply, full
// names: the API is for signed-in supervisors). When the store fails it
// answers with the last good data, every source marked not OK with
// storeDownError (their updated_at still says how old the data is): like the
// wall, stale but never blank and never presented as current.
func (s *Server) handleBoardAPI(c echo.Context) error {
	def, mb, _, ok := s.boardData(c.Request().Context(), c.Param("id"))
	if !ok {
		return c.JSON(http.StatusNotFound, apiError{Error: "no such board: " + c.Param("id")})
	}
	if fc := s.forecasts(c.Request().Context(), &def, mb); fc != nil {
		for i := range mb.Queues {
			if f, ok := fc[boards.QueueKey{Source: mb.Queues[i].Source, ID: mb.Queues[i].ID}]; ok {
				mb.Queues[i].Forecast = &f
			}
		}
	}
	mb.Summary = mb.Summarize()
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, mb)
}

// handleHistory returns the sampled history of a board and of its queues,
// for the last HistorySpan or ?minutes=N.
func (s *Server) handleHistory(c echo.Context) error {
	if _, ok := s.lookup(c.Param("id")); !ok || s.o.History == nil {
		return c.JSON(http.StatusNotFound, apiError{Error: "no history for board: " + c.Param("id")})
	}
	span := s.o.HistorySpan
	if m := c.QueryParam("minutes"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 7*24*60 {
			return c.JSON(http.StatusBadRequest, apiError{Error: "minutes: want a whole number from 1 to 10080"})
		}
		span = time.Duration(n) * time.Minute
	}
	def, mb, _, ok := s.boardData(c.Request().Context(), c.Param("id"))
	if !ok {
		return c.JSON(http.StatusNotFound, apiError{Error: "no history for board: " + c.Param("id")})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.o.StoreTimeout)
	defer cancel()
	h, err := history.ForBoard(ctx, s.o.History, mb, mb.GeneratedAt.Add(-span))
	if err != nil {
		s.log.Warn("read history", "board", def.ID, "err", err)
		return c.JSON(http.StatusServiceUnavailable, apiError{Error: "history unavailable"})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, h)
}

// handleStatus reports version, store and per-source health, plus Status().
func (s *Server) handleStatus(c echo.Context) error {
	out := map[string]any{}
	if s.o.Status != nil {
		maps.Copy(out, s.o.Status())
	}
	states, storeDown := s.snapshot(c.Request().Context())
	sources := make([]model.Health, 0, len(states))
	for _, st := range states {
		sources = append(sources, st.Health)
	}
	mb := model.Board{Sources: sources, GeneratedAt: s.o.Now()}
	s.markHealth(&mb, storeDown)
	list := s.set().List()
	ids := make([]string, 0, len(list))
	for _, b := range list {
		ids = append(ids, b.ID)
	}
	out["version"] = s.o.Version
	out["store"] = s.o.Store.Kind()
	out["store_ok"] = !storeDown
	if storeDown {
		out["store_error"] = storeDownError
	}
	if e := s.configError(); e != "" {
		out["config_error"] = e
	}
	out["sources"] = sources
	out["boards"] = ids
	out["time"] = s.o.Now().UTC()
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// handleReady is /readyz, for load balancers and orchestrators: 200 when the
// store answers and at least one source's data is current (OK and younger
// than StaleAfter), else 503 saying which is missing. /healthz stays
// liveness: the process serves.
func (s *Server) handleReady(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.o.StoreTimeout)
	defer cancel()
	states, err := s.o.Store.Snapshot(ctx)
	if err != nil {
		return c.String(http.StatusServiceUnavailable, "not ready: "+storeDownError+"\n")
	}
	sources := make([]model.Health, len(states))
	for i, st := range states {
		sources[i] = st.Health
	}
	markOld(sources, s.o.Now(), s.o.StaleAfter)
	for _, h := range sources {
		if h.OK && !h.UpdatedAt.IsZero() {
			return c.String(http.StatusOK, "ready\n")
		}
	}
	return c.String(http.StatusServiceUnavailable, "not ready: no source has current data\n")
}
