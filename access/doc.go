// Package access is the wallboard's access control for its HTTP server:
// supervisor sign-in (bcrypt users or a trusted reverse-proxy header),
// signed and revocable display tokens for TV walls and embeds, the
// websocket credential and Origin check, and the security headers. Every
// piece is plain net/http middleware or handler; with Echo v4 wrap them
// with echo.WrapMiddleware / echo.WrapHandler.
//
// # Configuration
//
// Build a Config from the wallboard config and call New; it validates
// (bcrypt hash format, DisplaySecret ≥ 32 bytes, origins scheme://host[:port],
// trusted proxies) without ever echoing a hash or secret. With no access
// configuration at all, set Config.Open: everything is open but only
// loopback clients are answered, Guard.CheckListenAddr refuses a
// non-loopback listen address, and pages should show OpenNotice when
// Guard.Open() is true. On a config reload call Guard.Reload(newCfg); a bad
// config returns an error and the running one stays. Sessions and display
// cookies are HMAC-signed with keys derived from DisplaySecret, so they
// survive restarts and reloads as long as the secret is unchanged.
//
// # Mounting (Echo)
//
//	g, err := access.New(cfg)
//	board := access.PathSegment(1) // /boards/{id}/…, /embed/{id}/…
//	isEmbed := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/embed/") }
//	user := echo.WrapMiddleware(g.RequireUser)
//
//	e.Use(echo.WrapMiddleware(g.Headers(isEmbed)))            // every route, first
//	e.Any("/login", echo.WrapHandler(g.LoginHandler()))        // GET form, POST sign-in
//	e.Any("/logout", echo.WrapHandler(g.LogoutHandler()))      // GET button, POST sign-out
//	e.GET("/", index, user)
//	e.GET("/boards/:id/supervisor", supervisor, user)
//	e.GET("/api/v1/*", api, user)                               // 401 JSON when signed out
//	e.GET("/boards/:id", wall, echo.WrapMiddleware(g.RequireDisplay(board)))
//	e.GET("/boards/:id/ws", ws, echo.WrapMiddleware(g.RequireSameCredentials(board)))
//	e.GET("/embed/:id/:tile", tile, echo.WrapMiddleware(g.RequireEmbed(board)))
//	e.GET("/embed/:id/ws", ws, echo.WrapMiddleware(g.RequireEmbedCredentials(board)))
//	// /static/… and /healthz stay public (Headers still applies).
//
// The display cookie is scoped to the path up to the board id (/boards/A,
// /embed/A), so a board's websocket — and anything else a wall or embed
// fetches with its display credential — must be under the same prefix as
// its page (/api/… is for supervisors only). A request logger must log
// RedactedURI(r), not the raw URI: a display link carries its token once.
// RequireSameCredentials admits the page's own Origin only (walls,
// supervisor view); RequireEmbedCredentials also the origins that may frame
// that board's embeds (AllowedFrameOrigins and the board's
// BoardFrameOrigins), never another board's. Pass
// g.WebsocketOriginPatterns(board, embed) as
// websocket.AcceptOptions.OriginPatterns so coder/websocket's own check
// agrees. UserFrom and DisplayFrom tell handlers who was admitted.
//
// # Behaviour
//
// RequireUser: a signed-in supervisor passes; otherwise websockets get 401,
// /api/… 401 {"error":"login required"}, GET pages a 303 to
// /login?next=<path>. RequireDisplay/RequireEmbed: ?token=<display token>
// valid for the board sets the HttpOnly display cookie and 303-redirects to
// the same URL without the token; afterwards the cookie suffices; a
// signed-in supervisor also passes; anything else is a 403 page "This
// screen needs a display link" — an unattended screen never meets a login
// form. Failed sign-ins are throttled per client IP (429 with Retry-After).
// Passwords, secrets, session values and display tokens never appear in
// logs, errors or responses (token ids do: they name a token to revoke).
//
// Logging out revokes the session; with SetSessionRevocations (Redis) every
// replica refuses it. Should the store lose its revocations (a Redis
// without persistence restarted empty, or a flush), a logged-out cookie
// must not come back to life: the store keeps an epoch with them, each
// session cookie carries the epoch it was signed in under, and a session
// whose epoch the store no longer has is refused (logged once at WARN);
// its user signs in again. Display tokens do not depend on the store, so
// walls stay up.
//
// # Operator commands (wired by main)
//
//	wallboard hash-password                          → HashPasswordCommand(args, os.Stdin, os.Stdout)
//	wallboard display-token --board X --id Y [--url] → DisplayTokenCommand(g, args, os.Stdout)
//
// hash-password reads the password from stdin and prints a bcrypt hash for
// the users list. display-token prints a token (and with --url the display
// link) for board X, or "*" for every board; revoke it by adding Y to
// revoked_tokens.
package access
