// Package server is Wallboard's HTTP side: the Echo routes, the TV wall pages
// rendered with package views, the JSON API, the embedded static assets and
// the websocket hub that pushes every change to every screen.
//
// Routes:
//
//	GET /                   board index
//	GET /boards/{id}        TV wall, fully rendered
//	GET /boards/{id}/ws     websocket: wall fragments (hx-swap-oob morph)
//	GET /api/v1/boards/{id} the board's normalized snapshot (model.Board)
//	GET /api/v1/boards/{id}/history  sampled waiting, longest wait, SLA
//	GET /api/v1/status      version, store kind, per-source health
//	GET /static/{hash}/*    embedded assets, cached for a year
//	GET /healthz            liveness
//
// Websocket protocol: every message is a text frame of HTML that htmx-ext-ws
// swaps out of band: <main id="wb-wall" hx-swap-oob="morph"> (the whole wall,
// morphed by idiomorph so only what changed moves) followed by
// <div id="wb-sync" hx-swap-oob="true" data-now=… data-version=…> (the server
// clock in Unix ms when the message was sent, and the server version). On
// connect the server first sends the board's current full render. The server
// never expects messages from the browser.
package server

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/model"
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

	// WriteTimeout is how long a websocket client may take to accept a
	// message before it is dropped. Default 10s.
	WriteTimeout time.Duration
	// RetryInterval is how often Run re-reads the store besides its change
	// events, to notice it failing or recovering. Default 2s.
	RetryInterval time.Duration
	// StoreTimeout bounds one Snapshot. Default 5s.
	StoreTimeout time.Duration
	// History serves GET /api/v1/boards/{id}/history; nil answers 404.
	History history.Store
	// HistorySpan is how far back that route looks by default (24h); a
	// ?minutes= query asks for less or more.
	HistorySpan time.Duration
}

// Server serves the boards. Create it with New, serve Handler, and run Run.
type Server struct {
	o      Options
	log    *slog.Logger
	echo   *echo.Echo
	boards []board
	assets assets
	hub    *hub
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
	if o.HistorySpan <= 0 {
		o.HistorySpan = 24 * time.Hour
	}
	s := &Server{
		o:      o,
		log:    o.Logger,
		boards: defaultBoards(),
		assets: mustAssets(),
	}
	s.hub = newHub(s.boards)
	s.echo = s.routes()
	return s
}

// Handler returns the HTTP handler (the Echo instance).
func (s *Server) Handler() http.Handler { return s.echo }

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Use(middleware.Recover())
	e.Use(securityHeaders)
	e.GET("/", s.handleIndex)
	e.GET("/boards/:id", s.handleWall)
	e.GET("/boards/:id/ws", s.handleWS)
	e.GET("/api/v1/boards/:id", s.handleBoardAPI)
	e.GET("/api/v1/boards/:id/history", s.handleHistory)
	e.GET("/api/v1/status", s.handleStatus)
	e.GET("/static/:hash/*", s.assets.serve)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	return e
}

// securityHeaders: no inline scripts or styles anywhere, so the policy needs
// no unsafe-inline.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'")
		return next(c)
	}
}

func (s *Server) board(id string) (board, bool) {
	for _, b := range s.boards {
		if b.ID == id {
			return b, true
		}
	}
	return board{}, false
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
	p := views.Index{Assets: s.assets.views(), Version: s.o.Version, Demo: s.o.Demo}
	for _, b := range s.boards {
		p.Boards = append(p.Boards, views.BoardLink{ID: b.ID, Title: b.Title, URL: "/boards/" + b.ID})
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

// handleWall renders the whole wall from a fresh snapshot (the last good one
// when the store fails), so a screen shows data before its socket opens.
func (s *Server) handleWall(c echo.Context) error {
	b, ok := s.board(c.Param("id"))
	if !ok {
		return s.notFound(c, "Board "+c.Param("id"))
	}
	states, storeDown := s.snapshot(c.Request().Context())
	now := s.o.Now()
	p := views.WallPage{
		Assets: s.assets.views(),
		Sync:   views.Sync{Now: now.UnixMilli(), Version: s.o.Version},
		WSURL:  "/boards/" + b.ID + "/ws",
		Wall:   wallView(b.build(now, states), now, s.o.Demo, storeDown),
	}
	return s.html(c, http.StatusOK, func(ctx context.Context, buf *bytes.Buffer) error {
		return views.WallDocument(p).Render(ctx, buf)
	})
}

type apiError struct {
	Error string `json:"error"`
}

// storeDownError is the health error of every source while the store fails.
const storeDownError = "data store unavailable"

// handleBoardAPI returns the board's normalized snapshot. When the store
// fails it answers with the last good data, every source marked not OK with
// storeDownError (their updated_at still says how old the data is): like the
// wall, stale but never blank and never presented as current.
func (s *Server) handleBoardAPI(c echo.Context) error {
	b, ok := s.board(c.Param("id"))
	if !ok {
		return c.JSON(http.StatusNotFound, apiError{Error: "no such board: " + c.Param("id")})
	}
	states, storeDown := s.snapshot(c.Request().Context())
	mb := b.build(s.o.Now(), states)
	if storeDown {
		for i := range mb.Sources {
			mb.Sources[i].OK = false
			mb.Sources[i].Error = storeDownError
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, mb)
}

// handleHistory returns the sampled history of a board and of its queues,
// for the last HistorySpan or ?minutes=N.
func (s *Server) handleHistory(c echo.Context) error {
	b, ok := s.board(c.Param("id"))
	if !ok || s.o.History == nil {
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
	states, _ := s.snapshot(c.Request().Context())
	now := s.o.Now()
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.o.StoreTimeout)
	defer cancel()
	h, err := history.ForBoard(ctx, s.o.History, b.build(now, states), now.Add(-span))
	if err != nil {
		s.log.Warn("read history", "board", b.ID, "err", err)
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
	boards := make([]string, 0, len(s.boards))
	for _, b := range s.boards {
		boards = append(boards, b.ID)
	}
	out["version"] = s.o.Version
	out["store"] = s.o.Store.Kind()
	out["store_ok"] = !storeDown
	if storeDown {
		out["store_error"] = storeDownError
	}
	out["sources"] = sources
	out["boards"] = boards
	out["time"] = s.o.Now().UTC()
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
