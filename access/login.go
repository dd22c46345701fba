package access

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// Paths served by LoginHandler and LogoutHandler.
const (
	LoginPath  = "/login"
	LogoutPath = "/logout"
)

// dummyHash is compared against when the user name is unknown, so that the
// response takes as long as for a known user (no user enumeration by timing).
// It is the bcrypt hash (cost 10, bcrypt.DefaultCost) of a random string
// nobody knows; users with other costs get one of their cost (newState).
const dummyHash = "$2a$10$ivob1sbBqJCDVdCO1K3SCuh3Zgx0GxqC7CjNlOTF5nm4dVKAn22s."

// pageStyle is the inline style of the login and refusal pages, allowed by
// its CSP hash (no 'unsafe-inline').
const pageStyle = `:root{color-scheme:dark}body{margin:0;min-height:100vh;display:grid;place-items:center;background:#0f1419;color:#e6e9ee;font:1.125rem/1.5 system-ui,sans-serif}main{width:min(22rem,90vw);padding:2rem;background:#1a2129;border-radius:.5rem}h1{font-size:1.5rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem}input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;color:inherit;background:#0f1419;border:1px solid #5b6876;border-radius:.25rem}input:focus,button:focus{outline:3px solid #6cb4ff;outline-offset:2px}button{margin-top:1.25rem;width:100%;padding:.6rem;font:inherit;font-weight:600;color:#0f1419;background:#6cb4ff;border:0;border-radius:.25rem;cursor:pointer}.err{color:#ffb4a8;margin:0 0 .5rem}p{margin:.5rem 0}`

func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sign in · Wallboard</title><style>{{.Style}}</style></head>
<body><main>
<h1>Sign in to Wallboard</h1>
{{if .Error}}<p class="err" role="alert" id="login-error">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="next" value="{{.Next}}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus{{if .Error}} aria-describedby="login-error"{{end}}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>
`))

var messageTmpl = template.Must(template.New("msg").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} · Wallboard</title><style>{{.Style}}</style></head>
<body><main>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>{{end}}
{{if .Logout}}<form method="post" action="/logout"><button type="submit">Sign out</button></form>{{end}}
</main></body></html>
`))

type loginPage struct {
	Style template.CSS
	Error string
	Next  string
}

type messagePage struct {
	Style  template.CSS
	Title  string
	Lines  []string
	Logout bool
}

// pageHeaders sets the headers of the access pages themselves: the same
// policy as Headers with the page style's hash added to style-src. If a
// Headers middleware already set a CSP (e.g. an embed's frame-ancestors),
// only its style-src is extended.
func (g *Guard) pageHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		setHeaders(h, r, false, nil)
		csp = h.Get("Content-Security-Policy")
	}
	h.Set("Content-Security-Policy", strings.Replace(csp, "style-src 'self'", "style-src 'self' "+g.styleHash, 1))
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
}

// refuseDisplay is the page an unattended screen shows without a valid
// display credential: 403, never a login form.
func (g *Guard) refuseDisplay(w http.ResponseWriter, r *http.Request, err error) {
	reason := "Ask your wallboard administrator for this board's display link and open it once on this screen."
	switch {
	case errors.Is(err, errTokenRevoked):
		reason = "The display link this screen used has been revoked. " + reason
	case errors.Is(err, errTokenOtherBoard):
		reason = "The display link this screen used is for another board. " + reason
	case errors.Is(err, errTokenMalformed), errors.Is(err, errTokenSignature):
		reason = "The display link is not valid. " + reason
	}
	g.pageHeaders(w, r)
	w.WriteHeader(http.StatusForbidden)
	messageTmpl.Execute(w, messagePage{Style: template.CSS(pageStyle), Title: "This screen needs a display link", Lines: []string{reason}})
}

// LoginHandler serves GET and POST /login: the sign-in form, and the
// check of a submitted user name and password against Config.Users
// (bcrypt). On success it sets the session cookie (HttpOnly, SameSite=Lax,
// Secure when served over https or Config.CookieSecure, HMAC-signed,
// expiring after Config.SessionTTL) and redirects (303) to the form's next
// path (local paths only; default "/"). Failed attempts are throttled per
// client IP (Config.LoginBurst, then one per Config.LoginInterval): a
// throttled client gets 429 with Retry-After and its password is not
// checked. Cross-origin POSTs are refused (403).
func (g *Guard) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := g.state()
		if st.openRefused(w, r) {
			return
		}
		next := safeNext(r.URL.Query().Get("next"))
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if st.cfg.Open || !st.loginEnabled {
				g.message(w, r, http.StatusOK, "Sign-in", g.noLoginLines(st), false)
				return
			}
			g.loginForm(w, r, http.StatusOK, loginPage{Next: next})
		case http.MethodPost:
			if !st.sameOrigin(r) {
				http.Error(w, "cross-origin request refused", http.StatusForbidden)
				return
			}
			if st.cfg.Open || !st.loginEnabled {
				g.message(w, r, http.StatusNotFound, "Sign-in", g.noLoginLines(st), false)
				return
			}
			g.login(w, r, st)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (g *Guard) noLoginLines(st *state) []string {
	if st.cfg.Open {
		return []string{OpenNotice}
	}
	return []string{"Sign-in is handled by your organisation's proxy; there is no password sign-in here."}
}

func (g *Guard) login(w http.ResponseWriter, r *http.Request, st *state) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	name := r.PostForm.Get("username")
	password := r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	ip := st.clientIP(r)
	now := g.now()
	// A failed attempt's allowance is reserved before the password is
	// checked, so parallel guesses cannot all pass the check; a success
	// gives it back.
	res := g.limiter(st, ip, now).ReserveN(now, 1)
	if wait := res.DelayFrom(now); !res.OK() || wait > 0 {
		res.CancelAt(now)
		secs := int(wait/time.Second) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		g.log.Warn("access: login throttled", "ip", ip.String())
		g.loginForm(w, r, http.StatusTooManyRequests, loginPage{Next: next,
			Error: "Too many failed sign-ins from this address. Try again in " + strconv.Itoa(secs) + " seconds."})
		return
	}
	// The form never echoes the user name back: people type passwords
	// into it, and whether it is known must not show.
	u, known := st.users[name]
	hash := st.dummyHash
	if known {
		hash = u.PasswordHash
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	if err != nil || !known {
		if known {
			g.log.Info("access: login failed", "user", name, "ip", ip.String())
		} else {
			// An unknown name may be a mistyped password: do not log it.
			g.log.Info("access: login failed", "user", "(unknown)", "ip", ip.String())
		}
		g.loginForm(w, r, http.StatusUnauthorized, loginPage{Next: next, Error: "Wrong user name or password."})
		return
	}
	res.CancelAt(now)
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    st.issueSession(u, now.Add(st.sessionTTL), g.sessionEpoch(r.Context())),
		Path:     "/",
		MaxAge:   int(st.sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   st.https(r),
		SameSite: http.SameSiteLaxMode,
	})
	g.log.Info("access: login", "user", name, "ip", ip.String())
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// LogoutHandler serves /logout: GET shows a sign-out button, POST revokes
// the session (a copy of the cookie stops working too, on every replica
// sharing the Guard's SessionRevocations), clears the cookie and redirects
// (303) to /login.
func (g *Guard) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := g.state()
		if st.openRefused(w, r) {
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			g.message(w, r, http.StatusOK, "Sign out", []string{"Sign out of Wallboard on this browser?"}, true)
		case http.MethodPost:
			if !st.sameOrigin(r) {
				http.Error(w, "cross-origin request refused", http.StatusForbidden)
				return
			}
			if s, ok := g.sessionOf(st, r); ok {
				g.revoke(r.Context(), s)
				g.log.Info("access: logout", "user", s.user)
			}
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
				HttpOnly: true, Secure: st.https(r), SameSite: http.SameSiteLaxMode})
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, LoginPath, http.StatusSeeOther)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (g *Guard) loginForm(w http.ResponseWriter, r *http.Request, status int, p loginPage) {
	p.Style = template.CSS(pageStyle)
	g.pageHeaders(w, r)
	w.WriteHeader(status)
	loginTmpl.Execute(w, p)
}

func (g *Guard) message(w http.ResponseWriter, r *http.Request, status int, title string, lines []string, logout bool) {
	g.pageHeaders(w, r)
	w.WriteHeader(status)
	messageTmpl.Execute(w, messagePage{Style: template.CSS(pageStyle), Title: title, Lines: lines, Logout: logout})
}

// sameOrigin refuses cross-site form posts (login CSRF, forced logout).
func (st *state) sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s == "cross-site" || s == "same-site" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, st.host(r))
}

// safeNext keeps next only if it is a local path, so the login form cannot
// be used as an open redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

type limiterEntry struct {
	lim *rate.Limiter
}

// limiter returns the failed-login limiter of ip (IPv6 per /64).
func (g *Guard) limiter(st *state, ip netip.Addr, now time.Time) *rate.Limiter {
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	key, _ := ip.Prefix(bits)
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.limiters[key]; ok {
		return e.lim
	}
	if len(g.limiters) >= 10000 {
		// Forget addresses whose allowance has fully recovered.
		for k, e := range g.limiters {
			if e.lim.TokensAt(now) >= float64(e.lim.Burst()) {
				delete(g.limiters, k)
			}
		}
	}
	e := &limiterEntry{lim: rate.NewLimiter(rate.Every(st.loginEvery), st.loginBurst)}
	g.limiters[key] = e
	return e.lim
}
