package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// User is a supervisor who signs in on the login form.
type User struct {
	Name         string
	PasswordHash string // bcrypt, e.g. from HashPassword or `wallboard hash-password`
}

// Config is the access part of the wallboard's configuration. The zero value
// is invalid: either configure users and/or a trusted proxy plus a display
// secret, or set Open for the loopback-only demo.
type Config struct {
	// Users may sign in on /login.
	Users []User
	// TrustedProxyHeader, when set, names a request header (e.g.
	// X-Forwarded-User) that a reverse proxy in TrustedProxies sets to the
	// name of the user it authenticated. The header is ignored on requests
	// from any other address.
	TrustedProxyHeader string
	TrustedProxies     []netip.Prefix
	// DisplaySecret signs display tokens and session cookies. At least 32
	// bytes; it comes from config so tokens and sessions survive restarts.
	// Changing it invalidates every display link and session.
	DisplaySecret []byte
	// RevokedTokens lists display token ids that are no longer accepted.
	RevokedTokens []string
	// AllowedFrameOrigins may frame every board's embed routes and open
	// their websockets: scheme://host[:port].
	AllowedFrameOrigins []string
	// BoardFrameOrigins may frame one board's embeds (and open their
	// websockets) besides AllowedFrameOrigins: board id → origins.
	BoardFrameOrigins map[string][]string
	// Open is the no-config demo: every page is open, and requests are only
	// answered from loopback addresses (see Guard.CheckListenAddr). Open
	// cannot be combined with Users or TrustedProxyHeader.
	Open bool
	// CookieSecure marks cookies Secure (set it when the wallboard is served
	// over https, also behind a TLS-terminating proxy).
	CookieSecure bool

	// Optional tuning; zero values take the defaults.
	SessionTTL    time.Duration    // supervisor session lifetime; default 12h
	LoginBurst    int              // failed logins allowed per IP before throttling; default 5
	LoginInterval time.Duration    // one more failed login allowed per interval; default 20s
	Logger        *slog.Logger     // default slog.Default()
	Now           func() time.Time // default time.Now; tests move the clock
}

// MinSecretLen is the shortest accepted DisplaySecret, in bytes.
const MinSecretLen = 32

const (
	defaultSessionTTL    = 12 * time.Hour
	defaultLoginBurst    = 5
	defaultLoginInterval = 20 * time.Second
	maxTokenIDLen        = 128
)

// state is an immutable, validated Config; Reload swaps it atomically.
type state struct {
	cfg          Config
	users        map[string]User
	revoked      map[string]bool
	proxies      []netip.Prefix
	origins      []string            // normalized scheme://host[:port], every board
	boardOrigins map[string][]string // board id → its own origins, normalized
	sessionKey   []byte
	displayKey   []byte
	haveSecret   bool
	sessionTTL   time.Duration
	loginBurst   int
	loginEvery   time.Duration
	loginEnabled bool
	dummyHash    string // compared against for unknown user names
}

// Guard enforces access for the wallboard's HTTP server. It is safe for
// concurrent use; Reload swaps its configuration without dropping sessions,
// display cookies or login throttling state.
type Guard struct {
	st        atomic.Pointer[state]
	log       *slog.Logger
	now       func() time.Time
	styleHash string // CSP hash of the login and refusal pages' inline style

	mu       sync.Mutex
	limiters map[netip.Prefix]*limiterEntry
	shared   SessionRevocations // under mu; nil: revocations in process only
	epoch    string             // under mu: the shared revocations' epoch last seen
	warned   map[string]bool    // under mu: refusals by epoch already logged
	revoked  revoked            // sessions logged out through this process
}

// New validates cfg and returns a Guard for it.
func New(cfg Config) (*Guard, error) {
	st, err := newState(cfg)
	if err != nil {
		return nil, err
	}
	g := &Guard{
		log:       cfg.Logger,
		now:       cfg.Now,
		styleHash: cspHash(pageStyle),
		limiters:  make(map[netip.Prefix]*limiterEntry),
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.st.Store(st)
	return g, nil
}

// Reload validates cfg and, if it is valid, makes it the Guard's
// configuration (new users, revocations, origins…). On error the running
// configuration stays. Logger and Now are kept from New.
func (g *Guard) Reload(cfg Config) error {
	st, err := newState(cfg)
	if err != nil {
		return err
	}
	g.st.Store(st)
	return nil
}

func (g *Guard) state() *state { return g.st.Load() }

// Open reports whether the Guard runs the open, loopback-only demo; pages
// should then say "Open demo: no access control, reachable from this
// computer only" (OpenNotice).
func (g *Guard) Open() bool { return g.state().cfg.Open }

// OpenNotice is the text pages show when Guard.Open is true.
const OpenNotice = "Open demo: no sign-in configured, so this wallboard only answers on this computer (loopback); its embeds may be framed only by pages on this computer."

// CheckListenAddr returns an error when the Guard is open and addr (a
// net.Listen address such as ":8080" or "127.0.0.1:8080") is not a loopback
// address: an open wallboard must not listen on the network.
func (g *Guard) CheckListenAddr(addr string) error {
	if !g.Open() {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("access: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("access: no access is configured, so the wallboard may only listen on loopback (e.g. 127.0.0.1:8080), not %q; configure users or a trusted proxy and a display secret", addr)
	}
	return nil
}

// WebsocketOriginPatterns returns, in the form github.com/coder/websocket's
// AcceptOptions.OriginPatterns expects, the origins besides the page's own
// that may open a websocket of board: for an embed the board's frame
// origins (RequireEmbedCredentials), for any other view none
// (RequireSameCredentials), so that websocket.Accept agrees with the guard.
func (g *Guard) WebsocketOriginPatterns(board string, embed bool) []string {
	if !embed {
		return nil
	}
	return g.state().frameOrigins(board)
}

// frameOrigins are the origins that may frame board's embeds.
func (st *state) frameOrigins(board string) []string {
	own := st.boardOrigins[board]
	if len(own) == 0 {
		return slices.Clone(st.origins)
	}
	return append(slices.Clone(st.origins), own...)
}

func newState(cfg Config) (*state, error) {
	st := &state{
		cfg:        cfg,
		users:      make(map[string]User, len(cfg.Users)),
		revoked:    make(map[string]bool, len(cfg.RevokedTokens)),
		sessionTTL: cfg.SessionTTL,
		loginBurst: cfg.LoginBurst,
		loginEvery: cfg.LoginInterval,
	}
	if st.sessionTTL <= 0 {
		st.sessionTTL = defaultSessionTTL
	}
	if st.loginBurst <= 0 {
		st.loginBurst = defaultLoginBurst
	}
	if st.loginEvery <= 0 {
		st.loginEvery = defaultLoginInterval
	}
	var errs []error
	for i, u := range cfg.Users {
		if u.Name == "" || strings.TrimSpace(u.Name) != u.Name || len(u.Name) > 128 {
			errs = append(errs, fmt.Errorf("access: users[%d]: name must be 1-128 characters without surrounding spaces", i))
			continue
		}
		if _, dup := st.users[u.Name]; dup {
			errs = append(errs, fmt.Errorf("access: users[%d]: user %q listed twice", i, u.Name))
			continue
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			// Never print the hash itself.
			errs = append(errs, fmt.Errorf("access: user %q: password_hash is not a bcrypt hash (make one with `wallboard hash-password`)", u.Name))
			continue
		}
		st.users[u.Name] = u
	}
	st.loginEnabled = len(st.users) > 0
	// Unknown names cost as much as the dearest known user's hash, so the
	// response time does not tell which names exist.
	st.dummyHash = dummyHash
	maxCost := 0
	for _, u := range st.users {
		if c, _ := bcrypt.Cost([]byte(u.PasswordHash)); c > maxCost {
			maxCost = c
		}
	}
	if maxCost > 0 && maxCost != bcrypt.DefaultCost {
		h, err := bcrypt.GenerateFromPassword([]byte(dummyHash), maxCost)
		if err != nil {
			errs = append(errs, fmt.Errorf("access: prepare login: %w", err))
		}
		st.dummyHash = string(h)
	}
	for _, id := range cfg.RevokedTokens {
		st.revoked[id] = true
	}
	if cfg.TrustedProxyHeader != "" {
		if len(cfg.TrustedProxies) == 0 {
			errs = append(errs, errors.New("access: trusted_proxy_header is set but trusted_proxies is empty"))
		}
		if strings.ContainsAny(cfg.TrustedProxyHeader, " :\t\r\n") {
			errs = append(errs, fmt.Errorf("access: trusted_proxy_header %q is not a header name", cfg.TrustedProxyHeader))
		}
	}
	for i, p := range cfg.TrustedProxies {
		if !p.IsValid() {
			errs = append(errs, fmt.Errorf("access: trusted_proxies[%d] is not a valid prefix", i))
			continue
		}
		st.proxies = append(st.proxies, p.Masked())
	}
	for _, o := range cfg.AllowedFrameOrigins {
		n, err := ParseOrigin(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("access: allowed_frame_origins: %w", err))
			continue
		}
		st.origins = append(st.origins, n)
	}
	for board, list := range cfg.BoardFrameOrigins {
		for _, o := range list {
			n, err := ParseOrigin(o)
			if err != nil {
				errs = append(errs, fmt.Errorf("access: embed origins of board %s: %w", board, err))
				continue
			}
			if st.boardOrigins == nil {
				st.boardOrigins = map[string][]string{}
			}
			if !slices.Contains(st.origins, n) && !slices.Contains(st.boardOrigins[board], n) {
				st.boardOrigins[board] = append(st.boardOrigins[board], n)
			}
		}
	}
	if len(cfg.DisplaySecret) > 0 {
		if len(cfg.DisplaySecret) < MinSecretLen {
			errs = append(errs, fmt.Errorf("access: display_secret is %d bytes; it must be at least %d (e.g. `openssl rand -base64 48`)", len(cfg.DisplaySecret), MinSecretLen))
		} else {
			st.haveSecret = true
			st.sessionKey = deriveKey(cfg.DisplaySecret, "wallboard session v1")
			st.displayKey = deriveKey(cfg.DisplaySecret, "wallboard display token v1")
		}
	}
	if cfg.Open {
		if len(cfg.Users) > 0 || cfg.TrustedProxyHeader != "" {
			errs = append(errs, errors.New("access: open cannot be combined with users or trusted_proxy_header"))
		}
	} else {
		if len(cfg.Users) == 0 && cfg.TrustedProxyHeader == "" {
			errs = append(errs, errors.New("access: no users and no trusted_proxy_header: nobody could sign in (set open only for a loopback demo)"))
		}
		if len(cfg.DisplaySecret) == 0 {
			errs = append(errs, fmt.Errorf("access: display_secret is required (at least %d bytes)", MinSecretLen))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return st, nil
}

// ParseOrigin checks that s is an origin, scheme://host[:port] with scheme
// http or https and nothing else, and returns it lower-cased.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" ||
		strings.ContainsAny(u.Host, "*; '\"") {
		return "", fmt.Errorf("%q is not an origin like https://intranet.example.com[:port]", s)
	}
	if u.Port() != "" {
		if _, err := netip.ParseAddrPort("0.0.0.0:" + u.Port()); err != nil {
			return "", fmt.Errorf("%q has an invalid port", s)
		}
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
