package server

// Floor messages: a signed-in supervisor posts a line of text from the
// supervisor view (POST /boards/{id}/supervisor/messages) for some boards or
// all; it shows on their walls and embeds until it expires or is taken down
// (POST /boards/{id}/supervisor/messages/{mid}/remove). Messages live in
// the store, so every replica shows them: a post notifies every replica's
// hub, which re-renders at once, and each replica re-renders at the next
// expiry by itself.
//
// Posting needs the supervisor view's rights (a signed-in user), a
// same-origin request (Origin or Sec-Fetch-Site: the session cookie is
// SameSite=Lax too) and stays under a per-user rate. Forms post and are
// redirected back (303), with the outcome in the query (msg, msg_error).

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// Messages is what the server needs of the floor messages' store;
// cache.Memory and cache.Redis have it.
type Messages interface {
	PostMessage(ctx context.Context, m model.Message) (model.Message, error)
	RemoveMessage(ctx context.Context, id, by string, at time.Time) error
	Messages(ctx context.Context, now time.Time) ([]model.Message, uint64, error)
	MessageLog(ctx context.Context) ([]model.MessageLogEntry, error)
}

// Per-user rate of posts and removals.
const (
	messageRate  = rate.Limit(6.0 / 60) // six a minute
	messageBurst = 3
)

// messageState caches what the hub last read of the messages, so the audit
// log is read again only when something changed.
type messageState struct {
	mu       sync.Mutex
	version  uint64
	haveLog  bool
	log      []model.MessageLogEntry
	limiters map[string]*rate.Limiter
}

// readMessages returns the messages active at now, the audit log and their
// version; on a store failure it returns none and logs.
func (s *Server) readMessages(ctx context.Context, now time.Time) (present.Messages, uint64, time.Time) {
	if s.o.Messages == nil {
		return present.Messages{}, 0, time.Time{}
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.StoreTimeout)
	defer cancel()
	list, v, err := s.o.Messages.Messages(ctx, now)
	if err != nil {
		s.log.Warn("read floor messages", "err", err)
	}
	m := present.Messages{Active: list}
	s.msgs.mu.Lock()
	current := s.msgs.haveLog && v == s.msgs.version
	m.Log = s.msgs.log
	s.msgs.mu.Unlock()
	if !current {
		// Read without the lock: a slow store must not hold up posts.
		if l, err := s.o.Messages.MessageLog(ctx); err == nil {
			s.msgs.mu.Lock()
			s.msgs.log, s.msgs.version, s.msgs.haveLog = l, v, true
			s.msgs.mu.Unlock()
			m.Log = l
		} else {
			s.log.Warn("read floor message log", "err", err)
		}
	}
	var next time.Time
	for _, msg := range list {
		if next.IsZero() || msg.Expires.Before(next) {
			next = msg.Expires
		}
	}
	return m, v, next
}

// present prepares board def's snapshot with its forecasts and floor
// messages.
func (s *Server) present(ctx context.Context, def *boards.Board, mb model.Board, storeDown bool) *present.Board {
	p := present.New(def, mb, storeDown)
	var msgs present.Messages
	if s.o.Messages != nil {
		msgs, _, _ = s.readMessages(ctx, mb.GeneratedAt)
	}
	s.withExtras(ctx, p, msgs)
	return p
}

// withExtras adds to p what the views show beside the board's data: its
// forecasts and the floor messages msgs (read by the caller).
func (s *Server) withExtras(ctx context.Context, p *present.Board, msgs present.Messages) {
	p.WithForecasts(s.forecasts(ctx, p.Def, p.Full))
	if s.o.Messages != nil {
		msgs.URL = messagesURL(p.Def.ID)
		p.WithMessages(msgs)
	}
}

func messagesURL(board string) string { return "/boards/" + board + "/supervisor/messages" }

// mountMessages mounts the floor-message routes (with the supervisor's).
func (s *Server) mountMessages(r router) {
	if s.o.Messages == nil {
		return
	}
	r.post("/boards/:id/supervisor/messages", s.handlePostMessage)
	r.post("/boards/:id/supervisor/messages/:mid/remove", s.handleRemoveMessage)
}

// post mounts a supervisor form's POST: a signed-in user and a same-origin
// request.
func (r router) post(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.POST(path, h, sameOriginOnly)
		return
	}
	r.e.POST(path, h, echo.WrapMiddleware(r.g.RequireUser), sameOriginOnly)
}

// sameOriginOnly refuses a form post from another site (CSRF): the browser
// says where it comes from in Sec-Fetch-Site or Origin, and one of them
// must say this site.
func sameOriginOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch site := r.Header.Get("Sec-Fetch-Site"); {
		case site == "same-origin":
			return next(c)
		case site != "" && site != "none":
			return c.String(http.StatusForbidden, "cross-site request refused\n")
		}
		o := r.Header.Get("Origin")
		if u, err := url.Parse(o); o != "" && err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
			return next(c)
		}
		return c.String(http.StatusForbidden, "cross-site request refused\n")
	}
}

// author is who posts: the signed-in user, or "(open wallboard)" on an
// open one.
func author(c echo.Context) string {
	if u, ok := access.UserFrom(c.Request().Context()); ok && u != "" {
		return u
	}
	return "(open wallboard)"
}

// allow takes one post or removal of user's allowance.
func (s *Server) allow(user string, now time.Time) bool {
	s.msgs.mu.Lock()
	defer s.msgs.mu.Unlock()
	if s.msgs.limiters == nil {
		s.msgs.limiters = map[string]*rate.Limiter{}
	}
	l, ok := s.msgs.limiters[user]
	if !ok {
		if len(s.msgs.limiters) > 10000 {
			clear(s.msgs.limiters)
		}
		l = rate.NewLimiter(messageRate, messageBurst)
		s.msgs.limiters[user] = l
	}
	return l.AllowN(now, 1)
}

// backToSupervisor redirects to board's supervisor view with the outcome.
func backToSupervisor(c echo.Context, board, notice string, bad bool) error {
	q := url.Values{}
	if bad {
		q.Set("msg_error", notice)
	} else {
		q.Set("msg", notice)
	}
	return c.Redirect(http.StatusSeeOther, "/boards/"+url.PathEscape(board)+"/supervisor?"+q.Encode()+"#sv-msg-form")
}

func (s *Server) handlePostMessage(c echo.Context) error {
	board := c.Param("id")
	if _, ok := s.lookup(board); !ok {
		return s.notFound(c, "Board "+board)
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, 16<<10)
	form, err := c.FormParams()
	if err != nil {
		return backToSupervisor(c, board, "The form could not be read.", true)
	}
	user, now := author(c), s.o.Now()
	minutes, err := strconv.Atoi(form.Get("minutes"))
	if err != nil || minutes < 1 {
		return backToSupervisor(c, board, "Choose how long the message shows.", true)
	}
	targets := form["board"]
	if slices.Contains(targets, "*") {
		targets = nil // all
	} else if len(targets) == 0 {
		return backToSupervisor(c, board, "Choose the boards, or all.", true)
	} else {
		for _, t := range targets {
			if _, ok := s.lookup(t); !ok {
				return backToSupervisor(c, board, "There is no board "+t+".", true)
			}
		}
	}
	m := model.Message{
		Text: form.Get("text"), Level: form.Get("level"), Boards: targets, Author: user,
		Posted: now, Expires: now.Add(time.Duration(minutes) * time.Minute),
	}
	if _, err := m.Normalize(); err != nil {
		return backToSupervisor(c, board, "Not posted: "+err.Error()+".", true)
	}
	// Only what would be posted counts against the user's rate.
	if !s.allow(user, now) {
		return backToSupervisor(c, board, "Too many messages: wait a minute and post again.", true)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.o.StoreTimeout)
	defer cancel()
	m, err = s.o.Messages.PostMessage(ctx, m)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || strings.HasPrefix(err.Error(), "cache:") {
			s.log.Warn("post floor message", "user", user, "err", err)
			return backToSupervisor(c, board, "The message could not be stored; try again.", true)
		}
		return backToSupervisor(c, board, "Not posted: "+err.Error()+".", true)
	}
	s.log.Info("floor message posted", "user", user, "id", m.ID, "level", m.Level, "boards", m.Boards, "expires", m.Expires)
	return backToSupervisor(c, board, "Posted.", false)
}

func (s *Server) handleRemoveMessage(c echo.Context) error {
	board := c.Param("id")
	if _, ok := s.lookup(board); !ok {
		return s.notFound(c, "Board "+board)
	}
	user, now := author(c), s.o.Now()
	if !s.allow(user, now) {
		return backToSupervisor(c, board, "Too many changes: wait a minute and try again.", true)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.o.StoreTimeout)
	defer cancel()
	err := s.o.Messages.RemoveMessage(ctx, c.Param("mid"), user, now)
	switch {
	case errors.Is(err, cache.ErrNoMessage):
		return backToSupervisor(c, board, "That message is gone already.", true)
	case err != nil:
		s.log.Warn("remove floor message", "user", user, "err", err)
		return backToSupervisor(c, board, "The message could not be taken down; try again.", true)
	}
	s.log.Info("floor message taken down", "user", user, "id", c.Param("mid"))
	return backToSupervisor(c, board, "Taken down.", false)
}

// messageForm is the supervisor page's post form for board.
func (s *Server) messageForm(board string) *views.MessageForm {
	if s.o.Messages == nil {
		return nil
	}
	f := &views.MessageForm{PostURL: messagesURL(board), Board: board, MaxLen: model.MaxMessageLen}
	for _, b := range s.set().List() {
		f.Boards = append(f.Boards, b.ID)
	}
	return f
}
