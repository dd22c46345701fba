package server

// Embeddable tiles.
//
//	GET /embed/{board}/{tile}     one tile of a board, no chrome, for an iframe
//	GET /embed/{board}/{tile}/ws  its websocket: the tile's fragment, then every change
//
// {tile} is any name of the tile vocabulary (config.Tiles: calls_waiting,
// chats_waiting, other_waiting, longest_wait, sla_call, sla_chat,
// agents_by_state, agents_logged_in, queue_table, agent_grid), whether or not
// the board's wall shows it. Query parameters of the page:
//
//	transparent=1            no background of its own (0, false or absent: the theme's)
//	theme=dark|light|high_contrast   default: the board's theme
//
// An unknown board or tile is a 404 page, a bad parameter a 400 page; both are
// small pages an iframe can show.
//
// Access: the page is guarded by the board's display credential
// (access.Guard.RequireEmbed: ?token= once, then the display cookie scoped to
// /embed/{board}), the websocket by the same credential and its Origin. The
// security headers allow framing of /embed/… by the configured origins only
// (CSP frame-ancestors; every other route refuses framing), and a tile page
// narrows them to its board's (boards.Board.AllowedOrigins: the global
// access.embed.allowed_origins and the board's embed_origins). Over plain
// http the display cookie is SameSite=Lax, so a tile only works in a page of
// the same site (any port of the same host); across sites serve the
// wallboard over https.
//
// Height: the page posts its content height to the parent window, on load,
// after every live update and on every resize:
//
//	parent.postMessage({type: "wallboard:height", board: "<board id>", tile: "<tile>", height: <CSS px>}, "*")
//
// so the framing page can size the iframe (see the views package's embed
// docs for a listener). The message carries no data beyond the height.
//
// Websocket messages are the tile's fragment, <main id="wb-embed"
// hx-swap-oob="morph">, followed by the clock tag, exactly like the wall's.
// A tile renders once per change per board (view "embed:<tile>"), and the
// same bytes go to every client; theme and transparency are classes of the
// page, not of the fragment.

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// Asset names of the embed page (static/).
const (
	assetEmbedCSS = "embed.css"
	assetEmbedJS  = "embed.js"
)

// embedViewName is the hub view of a tile.
func embedViewName(t config.Tile) string { return "embed:" + string(t) }

// mountEmbed mounts the embed routes and registers one view per tile.
func (s *Server) mountEmbed(r router) {
	for _, t := range config.Tiles() {
		s.registerView(embedViewName(t), s.renderEmbed(t))
	}
	r.embed("/embed/:id/:tile", s.handleEmbed)
	r.embedLive("/embed/:id/:tile/ws", s.handleEmbedWS)
}

// embedTile returns the tile named name, or false when the vocabulary has none.
func embedTile(name string) (config.Tile, bool) {
	for _, t := range config.Tiles() {
		if string(t) == name {
			return t, true
		}
	}
	return "", false
}

// renderEmbed is the view renderer of tile t.
func (s *Server) renderEmbed(t config.Tile) viewRenderer {
	return func(ctx context.Context, p *present.Board) ([]byte, error) {
		var buf bytes.Buffer
		buf.Grow(4 << 10)
		if err := views.EmbedView(p.Embed(t), true).Render(ctx, &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}

// embedParams reads the page's query parameters; problem is a message for
// the 400 page.
func embedParams(q url.Values, def *boards.Board) (theme string, transparent bool, problem string) {
	theme = string(def.Theme)
	if theme == "" {
		theme = string(config.ThemeDark)
	}
	if v := q.Get("theme"); v != "" {
		switch config.Theme(v) {
		case config.ThemeDark, config.ThemeLight, config.ThemeHighContrast:
			theme = v
		default:
			return theme, false, "theme: want dark, light or high_contrast, got " + strconv.Quote(v)
		}
	}
	switch v := q.Get("transparent"); v {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		transparent = true
	default:
		return theme, false, "transparent: want 1 or 0, got " + strconv.Quote(v)
	}
	return theme, transparent, ""
}

func (s *Server) embedPage(boardID string, t config.Tile) views.EmbedPage {
	return views.EmbedPage{
		Assets: s.assets.views(),
		CSS:    s.assets.url(assetEmbedCSS),
		Script: s.assets.url(assetEmbedJS),
		Theme:  string(config.ThemeDark),
		Tile:   views.EmbedTile{BoardID: boardID, Tile: string(t)},
	}
}

// handleEmbed renders the whole tile page from a fresh snapshot, so the
// frame shows data before its socket opens.
func (s *Server) handleEmbed(c echo.Context) error {
	id, name := c.Param("id"), c.Param("tile")
	t, tileOK := embedTile(name)
	def, mb, storeDown, ok := s.boardData(c.Request().Context(), id)
	p := s.embedPage(id, t)
	if !ok {
		return s.html(c, http.StatusNotFound, func(ctx context.Context, buf *bytes.Buffer) error {
			return views.EmbedNotFound(p, "Board "+strconv.Quote(id)+" does not exist.").Render(ctx, buf)
		})
	}
	theme, transparent, problem := embedParams(c.QueryParams(), &def)
	p.Theme = theme
	switch {
	case !tileOK:
		p.Tile.Tile = ""
		return s.html(c, http.StatusNotFound, func(ctx context.Context, buf *bytes.Buffer) error {
			return views.EmbedNotFound(p, "Tile "+strconv.Quote(name)+" does not exist. Tiles: "+tileList()+".").Render(ctx, buf)
		})
	case problem != "":
		return s.html(c, http.StatusBadRequest, func(ctx context.Context, buf *bytes.Buffer) error {
			return views.EmbedBadRequest(p, problem).Render(ctx, buf)
		})
	}
	if g := s.o.Guard; g != nil {
		var local []string
		if g.Open() {
			// The open demo: pages on this computer may frame it.
			local = access.LoopbackFrameAncestors
		}
		frameAncestors(c.Response().Header(), def.AllowedOrigins, local...)
	}
	p.Transparent = transparent
	p.OpenNotice = s.openNotice()
	p.Sync = s.sync(&def, mb.GeneratedAt)
	p.WSURL = "/embed/" + url.PathEscape(def.ID) + "/" + string(t) + "/ws"
	p.Tile = s.present(c.Request().Context(), &def, mb, storeDown).Embed(t)
	return s.html(c, http.StatusOK, func(ctx context.Context, buf *bytes.Buffer) error {
		return views.EmbedDocument(p).Render(ctx, buf)
	})
}

// frameAncestors narrows the frame-ancestors directive the Guard's headers
// put in the Content-Security-Policy to the origins board allows (the
// configuration's access.embed.allowed_origins and the board's own
// embed_origins): the Guard allows the origins of every board on every
// embed, a tile page only those of its board. sources are added as they
// are (CSP source expressions). No origins: 'none'.
func frameAncestors(h http.Header, allowed []string, sources ...string) {
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		return
	}
	var origins []string
	for _, o := range allowed {
		if n, err := access.ParseOrigin(o); err == nil {
			origins = append(origins, n)
		}
	}
	origins = append(origins, sources...)
	value := "'none'"
	if len(origins) > 0 {
		value = strings.Join(origins, " ")
	}
	parts := strings.Split(csp, ";")
	found := false
	for i, d := range parts {
		if f := strings.Fields(d); len(f) > 0 && strings.EqualFold(f[0], "frame-ancestors") {
			parts[i] = " frame-ancestors " + value
			found = true
		}
	}
	if !found {
		parts = append(parts, " frame-ancestors "+value)
	}
	h.Set("Content-Security-Policy", strings.TrimSpace(strings.Join(parts, ";")))
}

// handleEmbedWS streams one tile: its current render first, then updates.
func (s *Server) handleEmbedWS(c echo.Context) error {
	t, ok := embedTile(c.Param("tile"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such tile")
	}
	return s.serveLive(c, c.Param("id"), embedViewName(t))
}

func tileList() string {
	var b []byte
	for i, t := range config.Tiles() {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, t...)
	}
	return string(b)
}
