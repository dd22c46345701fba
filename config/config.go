// Package config reads the wallboard's settings from command-line flags and
// their matching WALLBOARD_* environment variables. A flag given on the
// command line wins over its variable; a variable wins over the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the wallboard server.
type Config struct {
	// Addr is where the wallboard serves; empty: see ListenAddr.
	Addr string
	// MetricsAddr, when set, is where Prometheus metrics are served
	// (/metrics), on a listener of their own; empty: not served.
	MetricsAddr string
	LogLevel    slog.Level
	// File is the board configuration file (see LoadFile); empty: board
	// "all" with the built-in defaults.
	File string
	// SecureCookies marks login and display cookies Secure: set it when the
	// wallboard is reached over https (also behind a TLS-terminating proxy).
	SecureCookies bool

	UJET    UJET
	Connect Connect
	Redis   Redis

	// Screens: how fast websocket screens are accepted (per second; 0: no
	// limit), how long one may wait for its turn before a 503, and how long
	// a stopping server gives its screens to reconnect (each at a random
	// moment within it).
	AcceptRate      float64
	MaxAcceptWait   time.Duration
	ReconnectWithin time.Duration
	// StaleAfter is how old a source's data may be before screens and the
	// API mark it stale (default 20s).
	StaleAfter time.Duration

	// Demo settings, used when no source is configured.
	SimSeed  int64
	SimSpeed float64
}

// UJET is the UJET / CCAI Platform source. It is configured when a token is given.
type UJET struct {
	BaseURL    string // API base with its path, e.g. https://acme.ujet.co/manager/api/v1
	Subdomain  string // also the Basic-auth user name
	Domain     string
	Token      string
	SLAMinutes int
	// DayCountsEvery is how often calls and chats changed since the last
	// read are fetched for today's counts.
	DayCountsEvery time.Duration
	// MaxRPS bounds the requests a second the whole fleet makes to UJET
	// (whose limit is 1 a second per customer), so that other
	// integrations of the customer keep a share.
	MaxRPS float64
}

// Limits of UJET.MaxRPS.
const (
	DefaultUJETMaxRPS = 0.9
	MinUJETMaxRPS     = 0.1
	MaxUJETMaxRPS     = 1.0
)

// Interval is the spacing between two UJET requests that MaxRPS allows.
func (u UJET) Interval() time.Duration {
	rps := u.MaxRPS
	if rps <= 0 {
		rps = DefaultUJETMaxRPS
	}
	return time.Duration(float64(time.Second) / rps)
}

// Configured reports whether a UJET source was asked for.
func (u UJET) Configured() bool { return u.Token != "" || u.BaseURL != "" || u.Domain != "" }

// Connect is the Clarity Connect source. It is configured when a URL is given.
type Connect struct {
	URL      string
	ClientID string
	User     string
	Password string
	Token    string
	// SignalR is the hub protocol: auto (classic, then Core), classic or core.
	SignalR string
	// HubPath is the classic SignalR base path or the Core hub path; empty:
	// the protocol's default (/webapi/signalr, /webapi/hubs/gold).
	HubPath string
	// HubName is the classic hub's name.
	HubName string
	// HubQueryToken also sends the bearer as access_token in the query.
	HubQueryToken bool
	// Methods names the hub's client methods by kind (ConnectMethodKinds),
	// from --connect-methods; they win over the file's connect.methods.
	Methods map[string]string
	// QueueGroups is how queue groups are subscribed to: group, team,
	// business_unit or none.
	QueueGroups string
	// Alerts subscribes to Connect's alerts (counted and logged, not shown).
	Alerts bool
}

// Configured reports whether a Connect source was asked for.
func (c Connect) Configured() bool { return c.URL != "" }

// Redis selects the shared store. Empty URL: the in-process store.
type Redis struct {
	URL    string
	Prefix string
}

// Demo reports whether the server runs on simulated data: no source configured.
func (c Config) Demo() bool { return !c.UJET.Configured() && !c.Connect.Configured() }

// Listen addresses when --addr is empty.
const (
	DefaultAddr     = ":8080"          // with an access section: every interface
	DefaultOpenAddr = "127.0.0.1:8080" // open demo: loopback only
)

// ListenAddr is the address to serve on: Addr, or when it is empty
// DefaultOpenAddr for an open wallboard and DefaultAddr otherwise.
func (c Config) ListenAddr(open bool) string {
	switch {
	case c.Addr != "":
		return c.Addr
	case open:
		return DefaultOpenAddr
	}
	return DefaultAddr
}

// secret is a flag.Value whose value is never printed: String, which the
// flag package uses for the usage's defaults, says only whether it is set.
type secret struct{ p *string }

func (s secret) String() string {
	if s.p == nil || *s.p == "" {
		return ""
	}
	return "(set, not shown)"
}

func (s secret) Set(v string) error {
	*s.p = v
	return nil
}

// setting is one flag and its environment variable.
type setting struct {
	flag, env, usage string
}

// Parse reads args (without the program name) and the environment through
// getenv. It returns flag.ErrHelp when help was asked for, after writing the
// usage to out.
func Parse(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	c := Config{}
	fs := flag.NewFlagSet("wallboard", flag.ContinueOnError)
	fs.SetOutput(out)
	var level string
	var envErrs []error
	str := func(p *string, s setting, def string) {
		if v := getenv(s.env); v != "" {
			def = v
		}
		fs.StringVar(p, s.flag, def, s.usage+" (env "+s.env+")")
	}
	// Secrets are read like str, but --help and flag errors never show
	// their value: a variable's value is not a default to print.
	sec := func(p *string, s setting) {
		*p = getenv(s.env)
		fs.Var(secret{p}, s.flag, s.usage+" (env "+s.env+")")
	}
	intv := func(p *int, s setting, def int) {
		if v := getenv(s.env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not a whole number", s.env, v))
			} else {
				def = n
			}
		}
		fs.IntVar(p, s.flag, def, s.usage+" (env "+s.env+")")
	}
	dur := func(p *time.Duration, s setting, def time.Duration) {
		if v := getenv(s.env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not a duration like 1m or 30s", s.env, v))
			} else {
				def = d
			}
		}
		fs.DurationVar(p, s.flag, def, s.usage+" (env "+s.env+")")
	}
	float := func(p *float64, s setting, def float64) {
		if v := getenv(s.env); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not a number", s.env, v))
			} else {
				def = f
			}
		}
		fs.Float64Var(p, s.flag, def, s.usage+" (env "+s.env+")")
	}
	str(&c.Addr, setting{"addr", "WALLBOARD_ADDR", "address to serve on; empty: " + DefaultOpenAddr + " without an access section in --config (open demo, loopback only), " + DefaultAddr + " with one"}, "")
	str(&c.MetricsAddr, setting{"metrics-addr", "WALLBOARD_METRICS_ADDR", "address to serve Prometheus metrics on (/metrics), e.g. :9090; empty: none"}, "")
	str(&level, setting{"log-level", "WALLBOARD_LOG_LEVEL", "debug, info, warn or error"}, "info")
	str(&c.File, setting{"config", "WALLBOARD_CONFIG", "board configuration file (YAML: boards, thresholds, statuses, access; see wallboard.example.yaml); reloaded on change and SIGHUP"}, "")

	str(&c.UJET.BaseURL, setting{"ujet-base-url", "WALLBOARD_UJET_BASE_URL", "UJET Manager API base URL with its path, https://{subdomain}.{domain}/manager/api/v1; overrides --ujet-domain"}, "")
	str(&c.UJET.Subdomain, setting{"ujet-subdomain", "WALLBOARD_UJET_SUBDOMAIN", "UJET subdomain; also the Basic-auth user name"}, "")
	str(&c.UJET.Domain, setting{"ujet-domain", "WALLBOARD_UJET_DOMAIN", "UJET domain, the rest of the host after the subdomain"}, "")
	sec(&c.UJET.Token, setting{"ujet-token", "WALLBOARD_UJET_TOKEN", "UJET API token (Basic-auth password); prefer the variable to the flag"})
	intv(&c.UJET.SLAMinutes, setting{"ujet-sla-minutes", "WALLBOARD_UJET_SLA_MINUTES", "window of menus/sla in minutes"}, 15)
	dur(&c.UJET.DayCountsEvery, setting{"ujet-day-counts-every", "WALLBOARD_UJET_DAY_COUNTS_EVERY", "how often today's handled and abandoned counts read the calls and chats changed since the last read"}, time.Minute)
	float(&c.UJET.MaxRPS, setting{"ujet-max-rps", "WALLBOARD_UJET_MAX_RPS", fmt.Sprintf("UJET requests per second the whole fleet may make, %g to %g (UJET allows 1 per customer; leave the rest to other integrations)", MinUJETMaxRPS, MaxUJETMaxRPS)}, DefaultUJETMaxRPS)

	str(&c.Connect.URL, setting{"connect-url", "WALLBOARD_CONNECT_URL", "Clarity Connect web services address, scheme://host[:port] (…/webapi/api accepted)"}, "")
	str(&c.Connect.ClientID, setting{"connect-client-id", "WALLBOARD_CONNECT_CLIENT_ID", "Connect client_id for the token endpoint"}, "")
	str(&c.Connect.User, setting{"connect-user", "WALLBOARD_CONNECT_USER", `Connect service account, may be DOMAIN\user`}, "")
	sec(&c.Connect.Password, setting{"connect-password", "WALLBOARD_CONNECT_PASSWORD", "Connect service account password; prefer the variable"})
	sec(&c.Connect.Token, setting{"connect-token", "WALLBOARD_CONNECT_TOKEN", "Connect bearer token, instead of user and password"})
	str(&c.Connect.SignalR, setting{"connect-signalr", "WALLBOARD_CONNECT_SIGNALR", "Connect hub protocol: auto (try classic ASP.NET SignalR 2, then ASP.NET Core SignalR), classic or core"}, "auto")
	str(&c.Connect.HubPath, setting{"connect-hub-path", "WALLBOARD_CONNECT_HUB_PATH", "SignalR path on the Connect host; empty: /webapi/signalr for a classic hub (its SignalR base path), /webapi/hubs/gold for a Core hub"}, "")
	str(&c.Connect.HubName, setting{"connect-hub-name", "WALLBOARD_CONNECT_HUB_NAME", "classic hub name (case-insensitive)"}, "GoldDataHub")
	queryToken := false
	if v := getenv("WALLBOARD_CONNECT_HUB_QUERY_TOKEN"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("WALLBOARD_CONNECT_HUB_QUERY_TOKEN: %q is not true or false", v))
		}
		queryToken = b
	}
	fs.BoolVar(&c.Connect.HubQueryToken, "connect-hub-query-token", queryToken, "also send the bearer token as access_token in the query of classic hub requests, for servers that read it there (env WALLBOARD_CONNECT_HUB_QUERY_TOKEN)")
	methods := ""
	str(&methods, setting{"connect-methods", "WALLBOARD_CONNECT_METHODS", "Connect hub client method names, agent=…,queue=…,queueGroup=…,alert=… (also agentAggregate, agentGroup, queueAggregate); over the file's connect.methods; default agentUpdate, queueUpdate, queueGroupUpdate, alert, …"}, "")
	str(&c.Connect.QueueGroups, setting{"connect-queue-groups", "WALLBOARD_CONNECT_QUEUE_GROUPS", "Connect queue groups shown beside UJET's: queues grouped by group, team or business_unit, or none"}, "group")
	alerts := ""
	str(&alerts, setting{"connect-alerts", "WALLBOARD_CONNECT_ALERTS", "true: subscribe to Connect's alerts (counted in metrics and logged at debug level, not shown)"}, "false")

	sec(&c.Redis.URL, setting{"redis-url", "WALLBOARD_REDIS_URL", "Redis URL: redis://[:password@]host:port/db, Sentinel redis://[:sentinel-password@]sentinel:26379/db?master_name=NAME[&addr=sentinel2:26379][&password=…], Cluster redis://[:password@]node:6379?addr=node2:6379[&addr=…]; empty: in-process store"})
	str(&c.Redis.Prefix, setting{"redis-prefix", "WALLBOARD_REDIS_PREFIX", "key prefix, so that two wallboards can share one Redis"}, "wallboard:")

	acceptRate, acceptWait, reconnect := "", "", ""
	str(&acceptRate, setting{"accept-rate", "WALLBOARD_ACCEPT_RATE", "websocket screens accepted per second (after a restart all reconnect at once); 0: no limit"}, "1000")
	str(&acceptWait, setting{"max-accept-wait", "WALLBOARD_MAX_ACCEPT_WAIT", "longest a screen waits for its turn before a 503 with Retry-After"}, "45s")
	str(&reconnect, setting{"reconnect-within", "WALLBOARD_RECONNECT_WITHIN", "on shutdown, screens reconnect at a random moment within this"}, "30s")
	staleAfter := ""
	str(&staleAfter, setting{"stale-after", "WALLBOARD_STALE_AFTER", "how old a source's data may be before screens and the API mark it stale (a Go duration)"}, "20s")

	secure := ""
	str(&secure, setting{"secure-cookies", "WALLBOARD_SECURE_COOKIES", "true when browsers reach the wallboard over https: cookies get the Secure flag"}, "false")

	var seed int
	intv(&seed, setting{"sim-seed", "WALLBOARD_SIM_SEED", "demo: simulator seed"}, 1)
	speed := "1"
	str(&speed, setting{"sim-speed", "WALLBOARD_SIM_SPEED", "demo: simulator time scale (2 = twice the traffic)"}, "1")

	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `wallboard — a real-time contact-center wallboard.

Usage:
  wallboard [flags]            serve the wallboard
  wallboard simulate [flags]   serve only the simulated vendor APIs (see wallboard simulate --help)

With no source configured (no UJET token, base URL or domain and no Connect URL) the
wallboard runs the demo: a simulator of the vendor APIs on loopback, polled over real
HTTP like a customer's. With a source configured no simulator runs.

Flags (each has a matching environment variable):
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if err := errors.Join(envErrs...); err != nil {
		return c, err
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	b, err := strconv.ParseBool(secure)
	if err != nil {
		return c, fmt.Errorf("secure cookies %q: want true or false", secure)
	}
	c.SecureCookies = b
	d, err := time.ParseDuration(staleAfter)
	if err != nil || d < time.Second {
		return c, fmt.Errorf("stale after %q: want a duration of 1s or more, e.g. 20s", staleAfter)
	}
	c.StaleAfter = d
	if c.Connect.Alerts, err = strconv.ParseBool(alerts); err != nil {
		return c, fmt.Errorf("connect alerts %q: want true or false", alerts)
	}
	if c.Connect.Methods, err = ParseConnectMethods(methods); err != nil {
		return c, err
	}
	c.SimSeed = int64(seed)
	f, err := strconv.ParseFloat(speed, 64)
	if err != nil || f <= 0 {
		return c, fmt.Errorf("sim speed %q: want a positive number", speed)
	}
	c.SimSpeed = f
	if c.AcceptRate, err = strconv.ParseFloat(acceptRate, 64); err != nil || c.AcceptRate < 0 {
		return c, fmt.Errorf("accept rate %q: want a number of screens per second, 0 for no limit", acceptRate)
	}
	if c.MaxAcceptWait, err = time.ParseDuration(acceptWait); err != nil || c.MaxAcceptWait <= 0 {
		return c, fmt.Errorf("max accept wait %q: want a duration such as 45s", acceptWait)
	}
	if c.ReconnectWithin, err = time.ParseDuration(reconnect); err != nil || c.ReconnectWithin <= 0 {
		return c, fmt.Errorf("reconnect within %q: want a duration such as 30s", reconnect)
	}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	if c.UJET.Configured() {
		if c.UJET.Subdomain == "" {
			errs = append(errs, errors.New("UJET: --ujet-subdomain is required (it is the Basic-auth user name)"))
		}
		if c.UJET.Token == "" {
			errs = append(errs, errors.New("UJET: --ujet-token (or WALLBOARD_UJET_TOKEN) is required"))
		}
		if c.UJET.BaseURL == "" && c.UJET.Domain == "" {
			errs = append(errs, errors.New("UJET: give --ujet-base-url or --ujet-domain"))
		}
		if c.UJET.BaseURL != "" {
			if err := checkURL(c.UJET.BaseURL); err != nil {
				errs = append(errs, fmt.Errorf("UJET base URL: %w", err))
			}
		}
		if c.UJET.SLAMinutes < 1 {
			errs = append(errs, fmt.Errorf("UJET SLA minutes %d: want 1 or more", c.UJET.SLAMinutes))
		}
		if c.UJET.DayCountsEvery < 10*time.Second {
			errs = append(errs, fmt.Errorf("UJET day counts every %v: want 10s or more", c.UJET.DayCountsEvery))
		}
	}
	if !(c.UJET.MaxRPS >= MinUJETMaxRPS && c.UJET.MaxRPS <= MaxUJETMaxRPS) {
		errs = append(errs, fmt.Errorf("UJET max rps %g: want %g to %g", c.UJET.MaxRPS, MinUJETMaxRPS, MaxUJETMaxRPS))
	}
	if c.Connect.Configured() {
		if err := checkURL(c.Connect.URL); err != nil {
			errs = append(errs, fmt.Errorf("Connect URL: %w", err))
		}
		switch strings.ToLower(c.Connect.SignalR) {
		case "auto", "classic", "core":
		default:
			errs = append(errs, fmt.Errorf("Connect SignalR %q: want auto, classic or core", c.Connect.SignalR))
		}
		if c.Connect.Token == "" && (c.Connect.User == "" || c.Connect.Password == "") {
			errs = append(errs, errors.New("Connect: give --connect-token, or --connect-user and --connect-password"))
		}
		if !slices.Contains(connectGroupings, c.Connect.QueueGroups) {
			errs = append(errs, fmt.Errorf("Connect queue groups %q: want one of %s", c.Connect.QueueGroups, strings.Join(connectGroupings, ", ")))
		}
	}
	if c.Redis.URL != "" {
		if _, err := url.Parse(c.Redis.URL); err != nil || !strings.HasPrefix(c.Redis.URL, "redis") {
			errs = append(errs, fmt.Errorf("Redis URL %q: want redis://host:port[/db] or rediss://…", Redact(c.Redis.URL)))
		}
	}
	return errors.Join(errs...)
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", Redact(s))
	}
	return nil
}

// Redact returns s, a URL, without any password in it: the userinfo's, and
// a password= or sentinel_password= parameter (Redis Sentinel URLs).
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	if q := u.Query(); q.Has("password") || q.Has("sentinel_password") {
		for _, k := range []string{"password", "sentinel_password"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// LogValue implements slog.LogValuer: the settings without their secrets.
func (c Config) LogValue() slog.Value {
	set := func(s string) string {
		if s == "" {
			return ""
		}
		return "(set)"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("config", c.File),
		slog.Bool("demo", c.Demo()),
		slog.String("ujet_base_url", c.UJET.BaseURL),
		slog.String("ujet_subdomain", c.UJET.Subdomain),
		slog.String("ujet_domain", c.UJET.Domain),
		slog.String("ujet_token", set(c.UJET.Token)),
		slog.Float64("ujet_max_rps", c.UJET.MaxRPS),
		slog.String("connect_url", c.Connect.URL),
		slog.String("connect_user", c.Connect.User),
		slog.String("connect_signalr", c.Connect.SignalR),
		slog.String("connect_hub_path", c.Connect.HubPath),
		slog.String("connect_password", set(c.Connect.Password)),
		slog.String("connect_token", set(c.Connect.Token)),
		slog.String("connect_queue_groups", c.Connect.QueueGroups),
		slog.Bool("connect_alerts", c.Connect.Alerts),
		slog.String("redis_url", Redact(c.Redis.URL)),
		slog.String("redis_prefix", c.Redis.Prefix),
	)
}
