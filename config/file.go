package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// File is the board configuration file (--config / WALLBOARD_CONFIG): the
// boards, the defaults they share, vendor status overrides and access
// settings. LoadFile returns it fully resolved: every board has its defaults
// applied and board "all" is always present.
//
// A File is read-only once loaded; a reload builds a new one.
type File struct {
	Path     string // as given to LoadFile
	Boards   []Board
	Defaults Defaults
	Statuses Statuses
	Access   Access
	Connect  ConnectFile // read at start only

	sum [32]byte // of the file's bytes, so that a reload can tell a change
}

// Board is one board's definition with the defaults already applied.
type Board struct {
	ID       string // url-safe: letters, digits, '-' and '_'
	Title    string
	Implicit bool // the built-in board "all", not written in the file
	Line     int  // where the board starts in the file; 0 when Implicit

	// Sources limits the board to these source names; empty: every source.
	Sources []string
	// Queues selects the queues shown. When no criterion is set the board
	// shows every queue of its sources; otherwise it shows only queues its
	// vendor's criteria select (a vendor with none set shows no queues).
	Queues QueueFilter
	// Agents selects the agents shown; empty: every agent of the sources.
	Agents AgentFilter

	Thresholds      Thresholds        // defaults applied
	QueueThresholds []QueueThresholds // per-queue overrides, most specific wins
	Tiles           []Tile            // in display order
	Names           NameMode
	Theme           Theme
	Rotate          time.Duration // page rotation interval; 0: never rotate
	BurnIn          time.Duration // how often the wall shifts a few pixels against burn-in; 0: never
	// TimeZone is the IANA zone whose midnight starts the board's day for
	// today's counts; empty: the server's.
	TimeZone     string
	EmbedOrigins []string // origins allowed to frame this board, on top of access.embed
	// Forecast tunes the board's queue forecasts.
	Forecast Forecast
	// Alerts are the board's webhooks. Not part of what screens show, so
	// left out of the board's fingerprint (json "-").
	Alerts Alerts `json:"-"`
}

// Alerts are a board's webhooks, called when a queue's threshold breach
// starts and when it ends.
type Alerts struct {
	// Level is the level that counts as a breach: LevelCritical (the
	// default) or LevelWarn (warn and critical).
	Level string
	// Hold is how long a breach, and then its end, must last before it is
	// told (debounce). Default DefaultAlertHold.
	Hold     time.Duration
	Webhooks []Webhook
}

// Forecast tunes a board's queue forecasts (see README, "Forecast").
type Forecast struct {
	// AnswerWithin is the service level's answer time T: the share of
	// contacts answered within it. Default DefaultAnswerWithin.
	AnswerWithin time.Duration
	// HandleTime is the average handle time assumed while the vendor gives
	// none. Default DefaultHandleTime.
	HandleTime time.Duration
}

// Forecast defaults.
const (
	DefaultAnswerWithin = 20 * time.Second
	DefaultHandleTime   = 5 * time.Minute
)

// DefaultAlertHold is Alerts.Hold when the file gives none.
const DefaultAlertHold = 30 * time.Second

// Alert levels.
const (
	AlertCritical = "critical"
	AlertWarn     = "warn"
)

// Webhook formats: the JSON body's shape.
const (
	WebhookSlack = "slack" // {"text": …}: Slack incoming webhooks, Mattermost, Rocket.Chat
	WebhookTeams = "teams" // a MessageCard: Microsoft Teams incoming webhooks
)

// Webhook is one address an alert is posted to.
type Webhook struct {
	URL    string // http(s); may carry a token (Slack and Teams put one in the path): never log or show it
	Format string // WebhookSlack (default) or WebhookTeams
	// Secret signs each body with HMAC-SHA256 (header
	// X-Wallboard-Signature: sha256=<hex>); empty: unsigned. Never log it.
	Secret []byte
	Line   int // where it is in the file, for messages
}

// String names the webhook without its URL's path or query, which may hold
// a token.
func (w Webhook) String() string {
	host := w.URL
	if u, err := url.Parse(w.URL); err == nil {
		host = u.Scheme + "://" + u.Host
	}
	return fmt.Sprintf("%s webhook to %s (line %d)", w.Format, host, w.Line)
}

// QueueFilter selects queues per vendor.
type QueueFilter struct {
	UJET    UJETQueues
	Connect ConnectQueues
}

// Set reports whether any queue criterion is given.
func (q QueueFilter) Set() bool { return q.UJET.Set() || q.Connect.Set() }

// UJETQueues selects UJET queues. MenuIDs and PathPrefixes pick queues (a
// queue matching either is in); Langs and Channels, when given, narrow them.
type UJETQueues struct {
	MenuIDs      []string // menu path ids, the first part of a UJET queue id ("11" of "11:en:call")
	PathPrefixes []string // menu path prefixes by whole segments: "Support" matches "Support/Billing"
	Langs        []string // "en", "es", …
	Channels     []string // "call", "chat", …
	// QueueGroups names the queue groups (ids or names, any case) whose SLA
	// the board shows; Channels narrows them too. Empty: every group when
	// the board shows every queue, none otherwise. Not a queue criterion.
	QueueGroups []string
}

// Set reports whether any criterion is given.
func (u UJETQueues) Set() bool {
	return len(u.MenuIDs)+len(u.PathPrefixes)+len(u.Langs)+len(u.Channels) > 0
}

// ConnectQueues selects Clarity Connect queues by id or by the team, group or
// business unit they belong to (resolved from Connect's MBU structure).
// Channels, when given, narrows them (alone: every queue of those channels).
type ConnectQueues struct {
	QueueIDs        []string
	TeamIDs         []string
	GroupIDs        []string
	BusinessUnitIDs []string
	Channels        []string // "call" (audio), "chat" (instant message), "message"
}

// Set reports whether any criterion is given.
func (c ConnectQueues) Set() bool { return c.Picks() || len(c.Channels) > 0 }

// Picks reports whether queues are picked by id, team, group or business
// unit (rather than only narrowed by channel).
func (c ConnectQueues) Picks() bool {
	return len(c.QueueIDs)+len(c.TeamIDs)+len(c.GroupIDs)+len(c.BusinessUnitIDs) > 0
}

// AgentFilter selects agents.
type AgentFilter struct {
	Teams   []string // team names (any case) or Connect team ids
	Sources []string // only agents of these sources
}

// Thresholds say when a figure turns warn or critical. A nil field has no
// threshold. SLA is bad below its thresholds; waits and counts are bad at or
// above theirs.
type Thresholds struct {
	SLAWarn             *float64 // percent
	SLACritical         *float64
	LongestWaitWarn     *time.Duration
	LongestWaitCritical *time.Duration
	WaitingWarn         *int // contacts waiting, per queue and per tile
	WaitingCritical     *int
	// StateTime says, per agent state, how long an agent may stay in it
	// before the agent turns warn or critical ("wrap_up: {warn: 2m}").
	// Board-wide only; nil: no limits.
	StateTime map[model.State]StateLimit
	// StatusTime is the same per vendor status name ("Break: {warn: 15m}"),
	// keyed by model.FoldStatus of the name; it wins over StateTime.
	StatusTime map[string]StateLimit
}

// StateLimit is how long an agent may stay in one state. A nil field has no
// threshold.
type StateLimit struct {
	Warn, Critical *time.Duration
}

// Over returns t with base's values where t has none.
func (t Thresholds) Over(base Thresholds) Thresholds {
	if t.SLAWarn == nil {
		t.SLAWarn = base.SLAWarn
	}
	if t.SLACritical == nil {
		t.SLACritical = base.SLACritical
	}
	if t.LongestWaitWarn == nil {
		t.LongestWaitWarn = base.LongestWaitWarn
	}
	if t.LongestWaitCritical == nil {
		t.LongestWaitCritical = base.LongestWaitCritical
	}
	if t.WaitingWarn == nil {
		t.WaitingWarn = base.WaitingWarn
	}
	if t.WaitingCritical == nil {
		t.WaitingCritical = base.WaitingCritical
	}
	if t.StateTime == nil {
		t.StateTime = base.StateTime
	}
	if t.StatusTime == nil {
		t.StatusTime = base.StatusTime
	}
	return t
}

// QueueThresholds overrides a board's thresholds for the queues it matches:
// by queue id (a full id, or its first part: a UJET menu path id or a Connect
// queue id) or by menu path prefix. Exactly one of QueueID and PathPrefix is set.
type QueueThresholds struct {
	QueueID    string
	PathPrefix string
	Thresholds Thresholds // only the fields given; the board's fill the rest
}

// Tile is one tile of a board, from a fixed vocabulary.
type Tile string

// The tiles a board can show.
const (
	TileCallsWaiting   Tile = "calls_waiting"
	TileChatsWaiting   Tile = "chats_waiting"
	TileOtherWaiting   Tile = "other_waiting"
	TileLongestWait    Tile = "longest_wait"
	TileSLACall        Tile = "sla_call"
	TileSLAChat        Tile = "sla_chat"
	TileAgentsByState  Tile = "agents_by_state"
	TileAgentsLoggedIn Tile = "agents_logged_in"
	TileQueueTable     Tile = "queue_table"
	TileAgentGrid      Tile = "agent_grid"
	TileQueueGroups    Tile = "queue_groups"    // UJET queue groups with their call and chat SLA
	TileForecast       Tile = "forecast"        // the queue most likely to miss its SLA target (Erlang A)
	TileHandledToday   Tile = "handled_today"   // contacts answered since the board's midnight
	TileAbandonedToday Tile = "abandoned_today" // contacts abandoned in queue since the board's midnight
	TileAbandonRate    Tile = "abandon_rate"    // abandoned of answered and abandoned today, in percent
)

// Tiles lists every tile.
func Tiles() []Tile {
	return []Tile{TileCallsWaiting, TileChatsWaiting, TileOtherWaiting, TileLongestWait, TileSLACall, TileSLAChat,
		TileAgentsByState, TileAgentsLoggedIn, TileQueueTable, TileAgentGrid, TileQueueGroups, TileForecast,
		TileHandledToday, TileAbandonedToday, TileAbandonRate}
}

// DefaultTiles are the tiles of a board that lists none: today's wall.
func DefaultTiles() []Tile {
	return []Tile{TileCallsWaiting, TileChatsWaiting, TileLongestWait, TileSLACall, TileSLAChat,
		TileAgentsByState, TileQueueTable, TileAgentGrid}
}

// NameMode is how agent names show on shared screens.
type NameMode string

// The name modes.
const (
	NamesFull         NameMode = "full"          // "Ana Martínez"
	NamesFirstInitial NameMode = "first_initial" // "Ana M."
	NamesHidden       NameMode = "hidden"        // "Agent 4821", stable per agent
)

// Theme is a board's colour theme.
type Theme string

// The themes.
const (
	ThemeDark         Theme = "dark"
	ThemeLight        Theme = "light"
	ThemeHighContrast Theme = "high_contrast"
)

// Defaults apply to boards that do not set their own.
type Defaults struct {
	Thresholds Thresholds
	Tiles      []Tile
	Names      NameMode
	Theme      Theme
	Rotate     time.Duration
	BurnIn     time.Duration
	TimeZone   string
}

// BuiltinDefaults are the defaults of a file that gives none.
func BuiltinDefaults() Defaults {
	sw, sc := 80.0, 60.0
	lw, lc := 60*time.Second, 3*time.Minute
	return Defaults{
		Thresholds: Thresholds{SLAWarn: &sw, SLACritical: &sc, LongestWaitWarn: &lw, LongestWaitCritical: &lc},
		Tiles:      DefaultTiles(),
		Names:      NamesFull,
		Theme:      ThemeDark,
		Rotate:     20 * time.Second,
		BurnIn:     3 * time.Minute,
	}
}

// Statuses override the vendors' status name → state mappings.
type Statuses struct {
	UJET     map[string]model.State
	Connect  map[string]model.State
	Fallback model.State // for statuses no mapping names; empty: away
}

// Vendor names in Statuses.Map and model.Health.Kind.
const (
	VendorUJET    = "ujet"
	VendorConnect = "connect"
)

// Map returns the status map of vendor ("ujet" or "connect"): defaults (e.g.
// model.DefaultUJETStatuses()) overridden by the file's.
func (s Statuses) Map(vendor string, defaults map[string]model.State) *model.StatusMap {
	var over map[string]model.State
	switch vendor {
	case VendorUJET:
		over = s.UJET
	case VendorConnect:
		over = s.Connect
	}
	return model.NewStatusMap(defaults, over, s.Fallback)
}

// Access holds the access settings; the access package enforces them.
type Access struct {
	Users              []User
	TrustedProxyHeader string         // e.g. X-Forwarded-User; empty: no proxy login
	TrustedProxies     []netip.Prefix // addresses the header is believed from; single IPs as /32 or /128
	DisplayTokens      DisplayTokens
	Embed              Embed
}

// SignIn reports whether anyone can sign in (users or a trusted proxy). When
// false the server runs open, on loopback only, as the no-config demo does.
func (a Access) SignIn() bool { return len(a.Users) > 0 || a.TrustedProxyHeader != "" }

// User is a supervisor login.
type User struct {
	Name         string
	PasswordHash string // bcrypt; never log it
}

// DisplayTokens configure the signed per-board tokens of TV walls and embeds.
type DisplayTokens struct {
	Secret     []byte   // from secret or read from secret_file; never log it
	SecretFile string   // resolved against the config file's directory
	Revoked    []string // token ids
}

// Embed configures framing by other sites.
type Embed struct {
	AllowedOrigins []string // scheme://host[:port], lower-cased
}

// LogValue implements slog.LogValuer without secrets.
func (a Access) LogValue() slog.Value {
	names := make([]string, len(a.Users))
	for i, u := range a.Users {
		names[i] = u.Name
	}
	secret := ""
	if len(a.DisplayTokens.Secret) > 0 {
		secret = "(set)"
	}
	return slog.GroupValue(
		slog.Any("users", names),
		slog.String("trusted_proxy_header", a.TrustedProxyHeader),
		slog.Any("trusted_proxies", a.TrustedProxies),
		slog.String("display_token_secret", secret),
		slog.String("display_token_secret_file", a.DisplayTokens.SecretFile),
		slog.Int("revoked_tokens", len(a.DisplayTokens.Revoked)),
		slog.Any("embed_allowed_origins", a.Embed.AllowedOrigins),
	)
}

// LogValue implements slog.LogValuer: the path and board ids, no secrets.
func (f *File) LogValue() slog.Value {
	ids := make([]string, len(f.Boards))
	for i, b := range f.Boards {
		ids[i] = b.ID
	}
	return slog.GroupValue(slog.String("path", f.Path), slog.Any("boards", ids), slog.Any("access", f.Access))
}

// Board returns the board with id.
func (f *File) Board(id string) (Board, bool) {
	for _, b := range f.Boards {
		if b.ID == id {
			return b, true
		}
	}
	return Board{}, false
}

// EmbedOrigins returns the origins allowed to frame board id: the global
// access.embed.allowed_origins and the board's own embed_origins.
func (f *File) EmbedOrigins(id string) []string {
	out := append([]string{}, f.Access.Embed.AllowedOrigins...)
	if b, ok := f.Board(id); ok {
		for _, o := range b.EmbedOrigins {
			if !containsString(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// UnknownSources lists, as problems, board and agent sources that are not
// among known (the source names the server runs), so that start-up can warn.
func (f *File) UnknownSources(known []string) []Problem {
	var out []Problem
	for i, b := range f.Boards {
		for _, s := range b.Sources {
			if !containsString(known, s) {
				out = append(out, Problem{Line: b.Line, Field: fmt.Sprintf("boards[%d].sources", i), Msg: fmt.Sprintf("no source is named %q%s", s, suggest(s, known))})
			}
		}
		for _, s := range b.Agents.Sources {
			if !containsString(known, s) {
				out = append(out, Problem{Line: b.Line, Field: fmt.Sprintf("boards[%d].agents.sources", i), Msg: fmt.Sprintf("no source is named %q%s", s, suggest(s, known))})
			}
		}
	}
	return out
}

// Default returns the configuration without a file: board "all" with the
// built-in defaults.
func Default() *File {
	d := BuiltinDefaults()
	return &File{Defaults: d, Boards: []Board{allBoard(d)}}
}

// AllBoardID is the id of the board that shows everything.
const AllBoardID = "all"

func allBoard(d Defaults) Board {
	return Board{ID: AllBoardID, Title: "All queues", Implicit: true, Thresholds: d.Thresholds,
		Tiles: append([]Tile{}, d.Tiles...), Names: d.Names, Theme: d.Theme, Rotate: d.Rotate, BurnIn: d.BurnIn, TimeZone: d.TimeZone}
}

// maxFileSize bounds what LoadFile reads.
const maxFileSize = 1 << 20

// LoadFile reads and validates the configuration file at path. Its error, an
// *Error, lists every problem found with its line, never a secret.
func LoadFile(path string) (*File, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	return parseFile(path, data)
}

func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config file %s: larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

// Problem is one thing wrong in a configuration file.
type Problem struct {
	Line  int    // 1-based; 0 when the file as a whole is wrong
	Field string // e.g. boards[1].thresholds.sla_warn
	Msg   string
}

// Error is every problem of a configuration file.
type Error struct {
	Path     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Path)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// resolveRelative resolves p against the directory of the config file.
func resolveRelative(configPath, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(configPath), p)
}
