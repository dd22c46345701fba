package server

// The supervisor view: GET /boards/{id}/supervisor and its websocket
// /boards/{id}/supervisor/ws, for signed-in supervisors only (full names).
//
// The server renders every queue and agent of the board, with threshold
// levels and reasons; static/supervisor.js filters and sorts the rows in the
// browser as the page's URL query says (q, team, state, queue, sort, qsort,
// hours), re-applies that after every live update, draws the sparklines from
// GET /api/v1/boards/{id}/history and lists breaches as levels rise. The
// first page render applies the URL's filters and sorting itself, so a
// bookmarked view is right before any script runs.

import (
	"bytes"
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// viewSupervisor is the supervisor view's name with the hub.
const viewSupervisor = "supervisor"

// Asset names of the supervisor page, in package static.
const (
	assetSupervisorCSS = "supervisor.css"
	assetSupervisorJS  = "supervisor.js"
)

// mountSupervisor mounts the supervisor routes and registers the view; New
// calls it through routes.
func (s *Server) mountSupervisor(r router) {
	s.registerView(viewSupervisor, s.renderSupervisor)
	r.user("/boards/:id/supervisor", s.handleSupervisor)
	r.supervisorLive("/boards/:id/supervisor/ws", s.handleSupervisorWS)
}

// supervisorLive mounts a supervisor websocket: a signed-in supervisor (a
// display cookie, valid under /boards/{id}, is not enough: this view shows
// full names) with an allowed Origin.
func (r router) supervisorLive(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.GET(path, h)
		return
	}
	r.e.GET(path, h, echo.WrapMiddleware(r.g.RequireUser), echo.WrapMiddleware(r.g.RequireSameCredentials(access.PathSegment(1))))
}

func (s *Server) handleSupervisorWS(c echo.Context) error {
	return s.serveLive(c, c.Param("id"), viewSupervisor)
}

// handleSupervisor renders the whole supervisor page from a fresh snapshot,
// with the URL's filters applied.
func (s *Server) handleSupervisor(c echo.Context) error {
	def, mb, storeDown, ok := s.boardData(c.Request().Context(), c.Param("id"))
	if !ok {
		return s.notFound(c, "Board "+c.Param("id"))
	}
	now := mb.GeneratedAt
	f := present.SupervisorFilters(c.QueryParams())
	v := s.present(c.Request().Context(), &def, mb, storeDown).Supervisor()
	present.ApplySupervisorFilters(&v, f)
	p := views.SupervisorPage{
		Assets:      s.assets.views(),
		CSS:         s.assets.url(assetSupervisorCSS),
		JS:          s.assets.url(assetSupervisorJS),
		Sync:        s.sync(&def, now),
		WSURL:       "/boards/" + def.ID + "/supervisor/ws",
		HistoryURL:  "/api/v1/boards/" + def.ID + "/history",
		OpenNotice:  s.openNotice(),
		ConfigError: s.configError(),
		Filters:     f,
		View:        v,
		MessageForm: s.messageForm(def.ID),
	}
	if n := c.QueryParam("msg_error"); n != "" {
		p.MessageNotice, p.MessageBad = shortNotice(n), true
	} else if n := c.QueryParam("msg"); n != "" {
		p.MessageNotice = shortNotice(n)
	}
	return s.html(c, http.StatusOK, func(ctx context.Context, buf *bytes.Buffer) error {
		return views.SupervisorDocument(p).Render(ctx, buf)
	})
}

// shortNotice caps a notice from the URL (anyone can craft one; templ
// escapes it, and it says only what the link says).
func shortNotice(n string) string {
	if r := []rune(n); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return n
}

// renderSupervisor is the supervisor view's viewRenderer: every row, none
// hidden; each browser applies its own URL's filters.
func (s *Server) renderSupervisor(ctx context.Context, p *present.Board) ([]byte, error) {
	v := p.Supervisor()
	v.QueuesShown, v.AgentsShown = len(v.Queues), len(v.Agents)
	var buf bytes.Buffer
	buf.Grow(32 << 10)
	if err := views.SupervisorView(v, views.SupervisorFilters{}, true).Render(ctx, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
