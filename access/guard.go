package access

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Cookie names.
const (
	SessionCookie = "wb_session" // supervisor session, Path=/
	DisplayCookie = "wb_display" // display token, Path=<route prefix up to the board id>
)

// displayCookieMaxAge is the longest lifetime browsers accept (Chrome caps
// cookies at 400 days); every page load renews it.
const displayCookieMaxAge = 400 * 24 * time.Hour

type ctxKey int

const (
	userKey ctxKey = iota
	displayKey
)

// UserFrom returns the signed-in supervisor's name (session or trusted
// proxy) of a request that passed a Guard middleware.
func UserFrom(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(userKey).(string)
	return u, ok
}

// DisplayFrom returns the display token a request that passed RequireDisplay,
// RequireEmbed or RequireSameCredentials was admitted with.
func DisplayFrom(ctx context.Context) (DisplayToken, bool) {
	t, ok := ctx.Value(displayKey).(DisplayToken)
	return t, ok
}

// PathSegment returns a board-id function for RequireDisplay and friends:
// the i-th segment (0-based) of the request path, so PathSegment(1) gives
// "A" for /boards/A, /boards/A/ws and /embed/A/queues. Echo's path
// parameters are not visible to net/http middleware, hence this helper.
func PathSegment(i int) func(*http.Request) string {
	return func(r *http.Request) string {
		segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if i < 0 || i >= len(segs) {
			return ""
		}
		return segs[i]
	}
}

// user returns the supervisor of r: a valid session cookie, or the trusted
// proxy header on a request from a trusted proxy.
func (g *Guard) user(st *state, r *http.Request) (string, bool) {
	if st.cfg.TrustedProxyHeader != "" && st.fromTrustedProxy(r) {
		if u := strings.TrimSpace(r.Header.Get(st.cfg.TrustedProxyHeader)); u != "" && len(u) <= 256 {
			return u, true
		}
	}
	if s, ok := g.sessionOf(st, r); ok {
		return s.user, true
	}
	return "", false
}

// display returns the first display cookie of r valid for board.
func (g *Guard) display(st *state, r *http.Request, board string) (DisplayToken, error) {
	err := error(errNoCredential)
	for _, c := range r.Cookies() {
		if c.Name != DisplayCookie {
			continue
		}
		t, e := st.verifyToken(c.Value, board)
		if e == nil {
			return t, nil
		}
		err = e
	}
	return DisplayToken{}, err
}

var errNoCredential = errors.New("no display credential")

func remoteAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(host)
		return a.Unmap(), err == nil
	}
	return ap.Addr().Unmap(), true
}

func (st *state) trusted(a netip.Addr) bool {
	for _, p := range st.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (st *state) fromTrustedProxy(r *http.Request) bool {
	a, ok := remoteAddr(r)
	return ok && st.trusted(a)
}

// clientIP is the address failed logins are counted against: the peer, or
// behind trusted proxies the rightmost X-Forwarded-For entry that is not a
// trusted proxy.
func (st *state) clientIP(r *http.Request) netip.Addr {
	a, ok := remoteAddr(r)
	if !ok {
		return netip.IPv6Unspecified()
	}
	if !st.trusted(a) {
		return a
	}
	fwd := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(fwd) - 1; i >= 0; i-- {
		f, err := netip.ParseAddr(strings.TrimSpace(fwd[i]))
		if err != nil {
			break
		}
		f = f.Unmap()
		if !st.trusted(f) {
			return f
		}
		a = f
	}
	return a
}

// https reports whether the browser reached us over https.
func (st *state) https(r *http.Request) bool {
	if r.TLS != nil || st.cfg.CookieSecure {
		return true
	}
	return st.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// host is the host[:port] the browser used.
func (st *state) host(r *http.Request) string {
	if st.fromTrustedProxy(r) {
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			return strings.TrimSpace(strings.Split(h, ",")[0])
		}
	}
	return r.Host
}

// openRefused answers requests an open Guard must not serve: anything not
// from loopback, and anything whose Host is not a loopback name or address
// (a page on a DNS-rebinding domain reaches loopback with its own name as
// Host). It reports whether it answered.
func (st *state) openRefused(w http.ResponseWriter, r *http.Request) bool {
	if !st.cfg.Open {
		return false
	}
	if a, ok := remoteAddr(r); ok && a.IsLoopback() && LoopbackHost(r.Host) {
		return false
	}
	http.Error(w, "This wallboard has no access configured and only answers on this computer, as localhost or a loopback address.", http.StatusForbidden)
	return true
}

// LoopbackHost reports whether host (a Host header: name or address, with
// or without a port) names this computer: localhost, 127.0.0.0/8 or ::1.
func LoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Zone() == "" && a.Unmap().IsLoopback()
}

func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// RequireUser admits signed-in supervisors (session cookie or trusted
// proxy header) and, on an open Guard, loopback clients. Others get:
// a websocket handshake 401; a path under /api/ 401 with
// {"error":"login required"}; a GET or HEAD page a 303 redirect to
// /login?next=<path and query>; anything else 401. Without configured users
// (proxy-only sign-in) pages get 401 instead of the redirect.
func (g *Guard) RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := g.state()
		if st.openRefused(w, r) {
			return
		}
		if st.cfg.Open {
			next.ServeHTTP(w, r)
			return
		}
		if u, ok := g.user(st, r); ok {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		switch {
		case isWebsocket(r):
			http.Error(w, "login required", http.StatusUnauthorized)
		case r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"login required"}` + "\n"))
		case (r.Method == http.MethodGet || r.Method == http.MethodHead) && st.loginEnabled:
			http.Redirect(w, r, LoginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		default:
			http.Error(w, "login required", http.StatusUnauthorized)
		}
	})
}

// RequireDisplay guards TV-wall pages of the board boardID(r) returns.
// It admits: a request whose ?token= is a valid display token for the
// board (it sets the display cookie and redirects with 303 to the same URL
// without the token, so the token does not linger in history or referrers);
// a request carrying a valid display cookie; a signed-in supervisor; any
// loopback client of an open Guard. Anything else gets a plain 403 page
// "This screen needs a display link" — never a login redirect.
//
// The display cookie is HttpOnly, lives 400 days (renewed on every page
// load), SameSite=Lax, Secure over https, and is scoped to the request path
// up to and including the board id segment (e.g. /boards/A), so the board's
// websocket must live under that prefix (e.g. /boards/A/ws).
func (g *Guard) RequireDisplay(boardID func(*http.Request) string) func(http.Handler) http.Handler {
	return g.requireDisplay(boardID, false)
}

// RequireEmbed is RequireDisplay for embeddable tiles: over https the
// display cookie is SameSite=None; Secure; Partitioned so it works inside a
// cross-site iframe (browsers only allow that over https; over plain http
// it is Lax and works only when the framing page is same-site).
func (g *Guard) RequireEmbed(boardID func(*http.Request) string) func(http.Handler) http.Handler {
	return g.requireDisplay(boardID, true)
}

func (g *Guard) requireDisplay(boardID func(*http.Request) string, embed bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := g.state()
			if st.openRefused(w, r) {
				return
			}
			if st.cfg.Open {
				next.ServeHTTP(w, r)
				return
			}
			board := boardID(r)
			q := r.URL.Query()
			if q.Has("token") {
				t, err := st.verifyToken(q.Get("token"), board)
				if err != nil {
					g.logRefused(r, board, t, err)
					g.refuseDisplay(w, r, err)
					return
				}
				http.SetCookie(w, g.displayCookie(st, r, board, q.Get("token"), embed))
				q.Del("token")
				u := *r.URL
				u.RawQuery = q.Encode()
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("Referrer-Policy", "no-referrer")
				// Relative to the host: never redirect elsewhere.
				http.Redirect(w, r, "/"+strings.TrimLeft(u.EscapedPath(), "/\\")+querySuffix(u.RawQuery), http.StatusSeeOther)
				return
			}
			ctx := r.Context()
			u, isUser := g.user(st, r)
			if isUser {
				ctx = context.WithValue(ctx, userKey, u)
			}
			t, err := g.display(st, r, board)
			if err == nil {
				ctx = context.WithValue(ctx, displayKey, t)
				if r.Method == http.MethodGet && !isWebsocket(r) {
					for _, c := range r.Cookies() {
						if c.Name == DisplayCookie {
							if _, e := st.verifyToken(c.Value, board); e == nil {
								http.SetCookie(w, g.displayCookie(st, r, board, c.Value, embed))
								break
							}
						}
					}
				}
			}
			if err != nil && !isUser {
				g.logRefused(r, board, t, err)
				g.refuseDisplay(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func querySuffix(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

func (g *Guard) displayCookie(st *state, r *http.Request, board, token string, embed bool) *http.Cookie {
	c := &http.Cookie{
		Name:     DisplayCookie,
		Value:    token,
		Path:     cookiePath(r.URL.Path, board),
		MaxAge:   int(displayCookieMaxAge / time.Second),
		HttpOnly: true,
		Secure:   st.https(r),
		SameSite: http.SameSiteLaxMode,
	}
	if embed && c.Secure {
		c.SameSite = http.SameSiteNoneMode
		c.Partitioned = true
	}
	return c
}

// cookiePath is path up to and including the first segment equal to board,
// or "/" when board is not in the path.
func cookiePath(path, board string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		if s == board && board != "" {
			return "/" + strings.Join(segs[:i+1], "/")
		}
	}
	return "/"
}

func (g *Guard) logRefused(r *http.Request, board string, t DisplayToken, err error) {
	// Token values never reach the log: only the id of a correctly signed one.
	args := []any{"path", r.URL.Path, "board", board, "reason", err.Error()}
	if t.ID != "" {
		args = append(args, "token_id", t.ID)
	}
	g.log.Info("access: display refused", args...)
}

// RequireSameCredentials guards a board's websocket route for a page that
// is never framed (the TV wall, the supervisor view): the request needs the
// credentials its page needs (a display cookie valid for boardID(r), or a
// signed-in supervisor; anyone from loopback on an open Guard) and, when it
// carries an Origin header (browsers always send one), that Origin must be
// the request's own scheme://host. Anything else gets 403 before the
// upgrade. Display tokens in the websocket URL are not accepted.
func (g *Guard) RequireSameCredentials(boardID func(*http.Request) string) func(http.Handler) http.Handler {
	return g.requireLive(boardID, false)
}

// RequireEmbedCredentials is RequireSameCredentials for an embed's
// websocket: the Origin may also be one that may frame that board's embeds
// (Config.AllowedFrameOrigins and the board's Config.BoardFrameOrigins),
// never another board's.
func (g *Guard) RequireEmbedCredentials(boardID func(*http.Request) string) func(http.Handler) http.Handler {
	return g.requireLive(boardID, true)
}

func (g *Guard) requireLive(boardID func(*http.Request) string, embed bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := g.state()
			if st.openRefused(w, r) {
				return
			}
			board := boardID(r)
			var others []string
			if embed {
				others = st.frameOrigins(board)
			}
			if !st.originAllowed(r, others) {
				g.log.Info("access: websocket refused", "path", r.URL.Path, "reason", "origin not allowed", "origin", r.Header.Get("Origin"))
				http.Error(w, "origin not allowed", http.StatusForbidden)
				return
			}
			if st.cfg.Open {
				next.ServeHTTP(w, r)
				return
			}
			ctx := r.Context()
			u, isUser := g.user(st, r)
			if isUser {
				ctx = context.WithValue(ctx, userKey, u)
			}
			t, err := g.display(st, r, board)
			if err == nil {
				ctx = context.WithValue(ctx, displayKey, t)
			}
			if err != nil && !isUser {
				g.logRefused(r, board, t, err)
				http.Error(w, "credentials required", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// originAllowed reports whether r has no Origin, its own, or one of others.
func (st *state) originAllowed(r *http.Request, others []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, st.host(r)) {
		return true
	}
	return slices.Contains(others, strings.ToLower(u.Scheme+"://"+u.Host))
}

// RedactedURI is r's request URI with the value of any token query
// parameter replaced by REDACTED, for request logs: display links carry
// their token in the URL once, and it must not reach a log.
func RedactedURI(r *http.Request) string {
	if r.URL == nil {
		return ""
	}
	if !strings.Contains(r.URL.RawQuery, "token") {
		return r.URL.RequestURI()
	}
	q := r.URL.Query()
	if !q.Has("token") {
		return r.URL.RequestURI()
	}
	for i := range q["token"] {
		q["token"][i] = "REDACTED"
	}
	u := *r.URL
	u.RawQuery = q.Encode()
	return u.RequestURI()
}
