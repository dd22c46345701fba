// Package views renders Wallboard's HTML with templ: the board index and the
// TV wall, as whole pages and as the fragments pushed over websockets.
//
// Views take plain view-model structs; they know nothing of the server or the
// store. Every time on a wall is an absolute Unix timestamp in milliseconds
// (data-since, data-now attributes) so that the rendered HTML is the same for
// every screen; the browser's wallboard.js turns them into ticking durations.
package views

import (
	"strconv"
	"time"
)

// Assets are the URLs of the static files a page links.
type Assets struct {
	CSS       string
	Palette   string // status colours, shared by every page
	HTMX      string
	HTMXWS    string
	Idiomorph string
	JS        string
}

// BoardLink is one entry of the board index.
type BoardLink struct {
	ID            string
	Title         string
	URL           string // the TV wall
	SupervisorURL string
}

// Index is the board index page.
type Index struct {
	Assets      Assets
	Version     string
	Demo        bool
	OpenNotice  string // access.OpenNotice when nothing is protected; "" otherwise
	ConfigError string // the last failed config reload; "" when none
	Boards      []BoardLink
}

// Sync tells the browser the server's clock and version. It travels with every
// websocket message and is rendered into every page.
type Sync struct {
	Now     int64 // server time, Unix ms
	Version string
	// Config identifies the board's definition (boards.Board.Fingerprint):
	// a page reloads itself when it changes, like when Version does.
	Config string
	// Seq numbers the live messages of one (board, view): a patch applies
	// only to the message before it. 0 on pages (no number).
	Seq uint64
	// ReconnectWithin, in ms, says the server is going away: reconnect at
	// a random moment within it. 0: stay.
	ReconnectWithin int64
}

// WallPage is a whole TV wall page.
type WallPage struct {
	Assets     Assets
	Sync       Sync
	WSURL      string
	Theme      string // dark, light, high_contrast: the class theme-<Theme> on <html>
	OpenNotice string // access.OpenNotice when nothing is protected; "" otherwise
	Wall       Wall
}

// Source health states, as Source.Status.
const (
	SourceOK      = "ok"
	SourceStale   = "stale"
	SourceWaiting = "waiting"
)

// Source is one source's health as the wall shows it.
type Source struct {
	Name   string
	Kind   string
	Status string // SourceOK, SourceStale, SourceWaiting
	Since  int64  // Unix ms of the last good data; 0 before the first success
	Error  string // short error when stale
}

// StateCount is a tile of agents in one state.
type StateCount struct {
	State string // normalized state, used as a CSS class
	Label string
	Count int
}

// Threshold levels, as Level fields: the CSS classes lvl-<level>.
const (
	LevelNone     = "none"
	LevelOK       = "ok"
	LevelWarn     = "warn"
	LevelCritical = "critical"
)

// LevelIcon is the shape that goes with a level's colour, so that a level
// never shows by colour alone.
func LevelIcon(level string) string {
	switch level {
	case LevelWarn:
		return "▲"
	case LevelCritical:
		return "✖"
	}
	return ""
}

// Tick marks the moving clock time in a threshold reason ("2:13" in
// "longest wait 2:13, limit 3:00"): the clock time that starts at byte At of
// the reason is the time elapsed since Since (Unix ms), and reasonText makes
// it tick in the browser. The zero Tick: nothing in the reason moves.
type Tick struct {
	Since int64
	At    int
}

// splitClock splits text around the clock time (digits with a colon, as
// "2:13" or "1:02:03") that starts at byte at; ok is false when none does.
func splitClock(text string, at int) (before, clock, after string, ok bool) {
	if at < 0 || at >= len(text) || !isDigit(text[at]) || (at > 0 && isDigit(text[at-1])) {
		return text, "", "", false
	}
	end, colon := at, false
	for end < len(text) && (isDigit(text[end]) || text[end] == ':') {
		colon = colon || text[end] == ':'
		end++
	}
	if !colon {
		return text, "", "", false
	}
	return text[:at], text[at:end], text[end:], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Feed is the age and health of the sources feeding a tile.
type Feed struct {
	Name       string // "queues" or "agents": which time of #wb-feeds its age ticks from
	Since      int64  // Unix ms of the oldest last good data; 0 when none yet
	Stale      bool   // a source feeding the tile is not OK (or the store is down)
	StaleText  string // "UJET: 401 Unauthorized"
	StaleSince int64  // Unix ms of that source's last good data; 0 when never
}

// Tile is one figure tile of a wall, or the agents-by-state tile.
type Tile struct {
	ID         string // DOM id: t-calls, t-chats, t-other, t-longest, t-sla-call, t-sla-chat, t-states, t-loggedin
	Kind       string // the config tile name
	Label      string
	Value      string
	Since      int64  // when the value is a ticking wait: its start, Unix ms
	Class      string // extra classes of the value: hot, dim, sla-good…
	Title      string // the value's tooltip
	Level      string // LevelNone, LevelOK, LevelWarn, LevelCritical
	Reason     string // why, when warn or critical: "call SLA 72% below 80%"
	ReasonTick Tick   // the moving clock time in Reason
	States     []StateCount
	Feed       Feed
}

// Queue is a row of the queue table.
type Queue struct {
	Key         string // unique within the board, for stable DOM ids
	Name        string // the whole menu path
	Parent      string // the path up to and with the last separator ("Support /"); may be empty
	Leaf        string // the last part of the path: it stays visible when a long name is cut
	Lang        string
	Channel     string
	Waiting     int
	OldestSince int64 // Unix ms; 0 when nobody waits
	AvgWait     int64 // seconds
	SLA         string
	SLALevel    string // "good", "warn", "bad", "none"
	Level       string // the worst of the queue's checks
	Reason      string
	ReasonTick  Tick   // the moving clock time in Reason
	WaitLevel   string // the longest wait's level
	CountLevel  string // the waiting count's level
	Answered    string // today's count (Clarity Connect's answeredCount); "—" when the vendor gives none
	Abandoned   string
	AbandonRate string // "—" when unknown
	AHT         string // mean handle time today, m:ss; "—" when unknown
	Closed      bool   // outside its operation hours
	Opens       string // when a closed queue opens: "08:00", "Mon 08:00"; "" when unknown
}

// Agent is a card of the agent grid.
type Agent struct {
	Key        string // unique within the board, for stable DOM ids
	Name       string
	Status     string
	State      string // normalized state
	StateLabel string
	Color      string // palette name: green, light_blue, …, neutral
	Since      int64  // Unix ms; 0 when unknown
	OnHold     bool
	HoldSince  int64 // Unix ms; 0 when unknown
	// Level is warn or critical when the agent is past the board's time
	// limit for the state (Reason says so); else LevelNone.
	Level      string
	Reason     string
	ReasonTick Tick // the moving clock time in Reason
}

// QueueGroupRow is one row of a queue-group table (wall, embed, supervisor):
// a vendor's queue group and its SLA per channel, with levels (UJET), or
// what waits and today's counts over its channels (Clarity Connect).
type QueueGroupRow struct {
	Key        string
	Source, ID string
	Name       string
	Call, Chat string // "—" when unknown or not reported
	CallLevel  string
	ChatLevel  string
	Level      string // worst of the two
	Reason     string
	ReasonTick Tick   // the moving clock time in Reason
	Waiting    string // "—" when the vendor gives none
	Answered   string
	Abandoned  string
}

// SLAClass is the colour class of an SLA figure at a level: good, warn,
// bad, or none.
func SLAClass(level string) string {
	switch level {
	case LevelOK:
		return "good"
	case LevelWarn:
		return "warn"
	case LevelCritical:
		return "bad"
	}
	return "none"
}

// Wall is the content of a TV wall: everything that changes with the data.
// It renders to the same bytes for every screen.
type Wall struct {
	BoardID    string
	Title      string
	Demo       bool
	Now        int64 // Unix ms the wall was rendered at; initial texts of timers count from it
	DataSince  int64 // Unix ms of the oldest source's last good data; 0 when none
	StoreDown  bool  // the store failed: the wall shows its last good data, marked stale
	StoreError string
	Sources    []Source
	NoSources  bool
	Rotate     int64 // page rotation interval in ms; 0: never rotate
	BurnIn     int64 // burn-in shift interval in ms; 0: never shift

	// Tiles are the figure tiles, in the board's order.
	Tiles []Tile
	// Body lists the big tiles in the board's order: "queue_table",
	// "agent_grid", "queue_groups".
	Body []string

	QueueLevel  string // the queue table's worst level
	QueueReason string // "2 queues critical, 1 warn"
	QueueFeed   Feed
	Queues      []Queue
	AgentFeed   Feed
	Agents      []Agent
	AgentCols   int // a first guess; wallboard.js fits the grid to the screen

	GroupLevel  string // the queue-group panel's worst level
	GroupReason string
	Groups      []QueueGroupRow
	// QueueCounts and GroupCounts show the answered and abandoned (and
	// the groups' waiting) columns: some queue or group has them.
	QueueCounts bool
	GroupCounts bool

	Messages []FloorMessage // floor messages for this board, oldest first
}

// Stale reports whether anything on the wall is not current.
func (w Wall) Stale() bool {
	if w.StoreDown {
		return true
	}
	for _, s := range w.Sources {
		if s.Status != SourceOK {
			return true
		}
	}
	return false
}

// Duration formats a span like the browser does: m:ss, or h:mm:ss from an hour.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	h, m, sec := s/3600, s%3600/60, s%60
	if h > 0 {
		return strconv.FormatInt(h, 10) + ":" + pad2(m) + ":" + pad2(sec)
	}
	return strconv.FormatInt(m, 10) + ":" + pad2(sec)
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// since is the initial text of a timer counting from ms at now.
func since(ms, now int64) string {
	if ms == 0 {
		return "—"
	}
	return Duration(time.Duration(now-ms) * time.Millisecond)
}

func ms(v int64) string { return strconv.FormatInt(v, 10) }

func itoa(v int) string { return strconv.Itoa(v) }

func seconds(s int64) time.Duration { return time.Duration(s) * time.Second }

func seq(v uint64) string { return strconv.FormatUint(v, 10) }
