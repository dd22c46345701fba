package server

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// Agent grid first guess (wallboard.js fits the grid to the real screen):
// the agent area at 1920×1080 and a card's natural size.
const (
	agentAreaW   = 1180
	agentAreaH   = 740
	cardW        = 300
	cardH        = 72
	maxAgentCols = 12
)

// maxErrorLen is how much of a source's error a wall shows.
const maxErrorLen = 60

// storeDownText is what a wall says when the store fails. The store's own
// error stays in the log: it may name hosts the screens need not see.
const storeDownText = "showing last good data"

// wallView turns board def's snapshot mb (full names; wallView applies the
// board's name mode) into the wall's view model. storeDown marks the data as
// the last good one because the store failed.
func wallView(def *boards.Board, mb model.Board, now time.Time, demo, storeDown bool) views.Wall {
	mb = def.ForDisplay(mb)
	ev := def.Evaluate(mb)
	w := views.Wall{
		BoardID:   mb.ID,
		Title:     mb.Title,
		Demo:      demo,
		Now:       now.UnixMilli(),
		StoreDown: storeDown,
		NoSources: len(mb.Sources) == 0,
		Rotate:    def.Rotate.Milliseconds(),
		BurnIn:    def.BurnIn.Milliseconds(),
	}
	if storeDown {
		w.StoreError = storeDownText
	}
	for _, h := range mb.Sources {
		s := views.Source{Name: h.Source, Kind: h.Kind, Error: shorten(h.Error, maxErrorLen)}
		switch {
		case h.UpdatedAt.IsZero():
			s.Status = views.SourceWaiting
		case !h.OK:
			s.Status = views.SourceStale
			s.Since = h.UpdatedAt.UnixMilli()
		default:
			s.Status = views.SourceOK
			s.Error = ""
		}
		if !h.UpdatedAt.IsZero() && (w.DataSince == 0 || h.UpdatedAt.UnixMilli() < w.DataSince) {
			w.DataSince = h.UpdatedAt.UnixMilli()
		}
		w.Sources = append(w.Sources, s)
	}

	// Which sources feed the queue figures and which the agent figures: the
	// sources whose queues (agents) the board shows. A source that shows
	// nothing (it never delivered) is marked in the header only; on a board
	// with no queues (agents) at all, every source counts.
	withQueues, withAgents := map[string]bool{}, map[string]bool{}
	for _, q := range mb.Queues {
		withQueues[q.Source] = true
	}
	for _, a := range mb.Agents {
		withAgents[a.Source] = true
	}
	w.QueueFeed = feed(mb.Sources, storeDown, func(src string) bool { return withQueues[src] || len(withQueues) == 0 })
	w.AgentFeed = feed(mb.Sources, storeDown, func(src string) bool { return withAgents[src] || len(withAgents) == 0 })

	t := mb.Totals()
	for _, kind := range def.Tiles {
		c := ev.Tile(kind)
		tile := views.Tile{Kind: string(kind), Level: string(c.Level), Feed: w.QueueFeed}
		if c.Level == boards.LevelWarn || c.Level == boards.LevelCritical {
			tile.Reason = c.Reason
		}
		switch kind {
		case config.TileCallsWaiting:
			tile.ID, tile.Label = "t-calls", "Calls waiting"
			tile.Value, tile.Class = countValue(t.CallsWaiting)
		case config.TileChatsWaiting:
			tile.ID, tile.Label = "t-chats", "Chats waiting"
			tile.Value, tile.Class = countValue(t.ChatsWaiting)
		case config.TileOtherWaiting:
			tile.ID, tile.Label = "t-other", "Other waiting"
			tile.Value, tile.Class = countValue(t.OtherWaiting)
		case config.TileLongestWait:
			tile.ID, tile.Label = "t-longest", "Longest wait"
			if ms := unixMilli(t.LongestSince); ms != 0 {
				tile.Since, tile.Class = ms, "hot"
				tile.Value = views.Duration(now.Sub(*t.LongestSince))
			} else {
				tile.Value, tile.Class = "—", "dim"
			}
		case config.TileSLACall:
			tile.ID, tile.Label = "t-sla-call", "SLA calls"
			tile.Value, tile.Class = slaText(t.SLACall), "sla-"+slaClass(c.Level)
		case config.TileSLAChat:
			tile.ID, tile.Label = "t-sla-chat", "SLA chats"
			tile.Value, tile.Class = slaText(t.SLAChat), "sla-"+slaClass(c.Level)
		case config.TileAgentsLoggedIn:
			tile.ID, tile.Label, tile.Feed = "t-loggedin", "Agents logged in", w.AgentFeed
			tile.Value = strconv.Itoa(t.AgentsLoggedIn)
		case config.TileAgentsByState:
			tile.ID, tile.Label, tile.Feed = "t-states", "Agents", w.AgentFeed
			tile.States = stateCounts(t.AgentsByState)
		case config.TileQueueTable, config.TileAgentGrid:
			w.Body = append(w.Body, string(kind))
			continue
		case config.TileQueueGroups:
			w.Body = append(w.Body, string(kind))
			w.Groups = groupRows(def, mb)
			w.GroupLevel, w.GroupReason = string(c.Level), c.Reason
			continue
		default:
			continue
		}
		w.Tiles = append(w.Tiles, tile)
	}
	qc := ev.Tile(config.TileQueueTable)
	w.QueueLevel, w.QueueReason = string(qc.Level), qc.Reason

	for _, q := range mb.Queues {
		parent, leaf := splitPath(q.Name)
		c := ev.Queue(q)
		v := views.Queue{
			Key:         domKey(q.Source, q.ID),
			Name:        q.Name,
			Parent:      parent,
			Leaf:        leaf,
			Lang:        q.Lang,
			Channel:     q.Channel,
			Waiting:     q.Waiting,
			OldestSince: oldest(q),
			AvgWait:     int64(math.Round(q.AverageWaitSeconds)),
			SLA:         slaText(q.SLAPercent),
			SLALevel:    slaClass(c.SLA.Level),
			Level:       string(c.Level),
			WaitLevel:   string(c.LongestWait.Level),
			CountLevel:  string(c.Waiting.Level),
		}
		if c.Level == boards.LevelWarn || c.Level == boards.LevelCritical {
			v.Reason = c.Reason
		}
		w.Queues = append(w.Queues, v)
	}

	for _, a := range mb.Agents {
		w.Agents = append(w.Agents, agentView(a, ev.Agent(a)))
	}
	w.AgentCols = agentColumns(len(w.Agents))
	return w
}

// feed is the age and health of the sources for which feeds is true.
func feed(sources []model.Health, storeDown bool, feeds func(string) bool) views.Feed {
	var f views.Feed
	for _, h := range sources {
		if !feeds(h.Source) {
			continue
		}
		ms := int64(0)
		if !h.UpdatedAt.IsZero() {
			ms = h.UpdatedAt.UnixMilli()
			if f.Since == 0 || ms < f.Since {
				f.Since = ms
			}
		}
		if (!h.OK || storeDown) && !f.Stale {
			f.Stale, f.StaleSince = true, ms
			switch {
			case storeDown:
				f.StaleText = storeDownError
			case h.Error != "":
				f.StaleText = strings.ToUpper(h.Source) + ": " + shorten(h.Error, maxErrorLen)
			default:
				f.StaleText = strings.ToUpper(h.Source)
			}
		}
	}
	return f
}

// countValue is a waiting count and its class: hot when anyone waits.
func countValue(n int) (string, string) {
	if n > 0 {
		return strconv.Itoa(n), "hot"
	}
	return "0", ""
}

// stateCounts are the agents-by-state tile's counts, in the model's state
// order; agents in a state the model does not know count as unknown, shown
// only when there are any.
func stateCounts(byState map[model.State]int) []views.StateCount {
	n := map[model.State]int{}
	for st, c := range byState {
		if !st.Valid() {
			st = model.StateUnknown
		}
		n[st] += c
	}
	var out []views.StateCount
	for _, st := range model.States() {
		if st == model.StateUnknown && n[st] == 0 {
			continue
		}
		out = append(out, views.StateCount{State: string(st), Label: stateLabel(st), Count: n[st]})
	}
	return out
}

// splitPath splits a menu path ("Support / Billing", "Support/Billing") at its
// last separator, which stays with the parent, so that a wall can cut the
// parent and keep the leaf.
func splitPath(name string) (parent, leaf string) {
	i := strings.LastIndexAny(name, "/>")
	if i < 0 || i == len(name)-1 {
		return "", name
	}
	return strings.TrimSpace(name[:i+1]), strings.TrimSpace(name[i+1:])
}

// oldest is when q's longest waiting contact started waiting; 0 when
// nobody waits (a vendor may keep a stale timestamp then).
func oldest(q model.Queue) int64 {
	if q.Waiting <= 0 {
		return 0
	}
	return unixMilli(q.OldestSince)
}

func unixMilli(t *time.Time) int64 {
	if t == nil || t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// slaText formats an SLA percentage; nil (the vendor does not know) is "—", never 0%.
func slaText(p *float64) string {
	if p == nil || math.IsNaN(*p) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*p), 'f', 0, 64) + "%"
}

// slaClass is the colour class of an SLA at level l.
func slaClass(l boards.Level) string { return views.SLAClass(string(l)) }

func stateLabel(s model.State) string {
	switch s {
	case model.StateAvailable:
		return "Available"
	case model.StateBusy:
		return "Busy"
	case model.StateWrapUp:
		return "Wrap-up"
	case model.StateAway:
		return "Away"
	case model.StateOffline:
		return "Offline"
	default:
		return "Unknown"
	}
}

// agentColumns picks the column count at which n cards, filling the agent
// area, come closest to their natural size.
func agentColumns(n int) int {
	if n <= 1 {
		return 1
	}
	best, bestScale := 1, 0.0
	for cols := 1; cols <= maxAgentCols; cols++ {
		rows := (n + cols - 1) / cols
		scale := math.Min(float64(agentAreaW)/float64(cols)/cardW, float64(agentAreaH)/float64(rows)/cardH)
		if scale > bestScale {
			best, bestScale = cols, scale
		}
	}
	return best
}

// domKey makes a stable element id from a source and an id: letters and
// digits as they are, everything else hex-escaped.
func domKey(source, id string) string {
	var b strings.Builder
	for _, s := range []string{source, id} {
		if b.Len() > 0 {
			b.WriteString("--")
		}
		for _, c := range []byte(s) {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
				b.WriteByte(c)
			default:
				b.WriteString("_" + strconv.FormatUint(uint64(c), 16))
			}
		}
	}
	return b.String()
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// palette is the wall's status colours: UJET's colour names (Material palette)
// with their approximate RGB, for mapping custom hex colours to the nearest.
type paletteColor struct {
	name    string
	r, g, b int
}

func palette() [19]paletteColor {
	return [...]paletteColor{
		{"red", 0xf4, 0x43, 0x36}, {"pink", 0xe9, 0x1e, 0x63}, {"purple", 0x9c, 0x27, 0xb0},
		{"deep_purple", 0x67, 0x3a, 0xb7}, {"indigo", 0x3f, 0x51, 0xb5}, {"blue", 0x21, 0x96, 0xf3},
		{"light_blue", 0x03, 0xa9, 0xf4}, {"cyan", 0x00, 0xbc, 0xd4}, {"teal", 0x00, 0x96, 0x88},
		{"green", 0x4c, 0xaf, 0x50}, {"light_green", 0x8b, 0xc3, 0x4a}, {"lime", 0xcd, 0xdc, 0x39},
		{"yellow", 0xff, 0xeb, 0x3b}, {"amber", 0xff, 0xc1, 0x07}, {"orange", 0xff, 0x98, 0x00},
		{"deep_orange", 0xff, 0x57, 0x22}, {"brown", 0x79, 0x55, 0x48}, {"grey", 0x9e, 0x9e, 0x9e},
		{"blue_grey", 0x60, 0x7d, 0x8b},
	}
}

// agentView is an agent as the wall and the embeds show it.
func agentView(a model.Agent, c boards.Check) views.Agent {
	v := views.Agent{
		Key:        domKey(a.Source, a.ID),
		Name:       a.Name,
		Status:     a.Status,
		State:      string(a.State),
		StateLabel: stateLabel(a.State),
		Color:      agentColor(a),
		Since:      unixMilli(a.Since),
		OnHold:     a.OnHold,
		HoldSince:  unixMilli(a.HoldSince),
		Level:      string(c.Level),
		Reason:     c.Reason,
	}
	if !a.State.Valid() {
		v.State = string(model.StateUnknown)
	}
	if v.Status == "" {
		v.Status = v.StateLabel
	}
	return v
}

// agentColor is the colour of an agent's status: the vendor's own when it
// gives one (UJET), else the colour of the agent's state (Connect has none).
func agentColor(a model.Agent) string {
	if c := statusColor(a.StatusColor); c != "neutral" || strings.TrimSpace(a.StatusColor) != "" {
		return c
	}
	switch a.State {
	case model.StateAvailable:
		return "green"
	case model.StateBusy:
		return "light_blue"
	case model.StateWrapUp:
		return "purple"
	case model.StateAway:
		return "amber"
	case model.StateOffline:
		return "grey"
	}
	return "neutral"
}

// statusColor maps a vendor status colour to a palette name the CSS knows:
// UJET's names as they are (any case, spaces or dashes), "gray" spellings,
// hex colours to the nearest palette colour, anything else to "neutral".
func statusColor(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	c = strings.NewReplacer(" ", "_", "-", "_", "gray", "grey").Replace(c)
	for _, p := range palette() {
		if p.name == c {
			return c
		}
	}
	if r, g, b, ok := parseHex(c); ok {
		best, bestD := "neutral", math.MaxInt
		for _, p := range palette() {
			d := (p.r-r)*(p.r-r) + (p.g-g)*(p.g-g) + (p.b-b)*(p.b-b)
			if d < bestD {
				best, bestD = p.name, d
			}
		}
		return best
	}
	return "neutral"
}

func parseHex(c string) (r, g, b int, ok bool) {
	c = strings.TrimPrefix(c, "#")
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	if len(c) != 6 {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(c, 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff), true
}

// tileLabel is a tile's heading on the wall and in embeds.
func tileLabel(t config.Tile) string {
	switch t {
	case config.TileCallsWaiting:
		return "Calls waiting"
	case config.TileChatsWaiting:
		return "Chats waiting"
	case config.TileOtherWaiting:
		return "Other waiting"
	case config.TileLongestWait:
		return "Longest wait"
	case config.TileSLACall:
		return "SLA calls"
	case config.TileSLAChat:
		return "SLA chats"
	case config.TileAgentsByState:
		return "Agents by state"
	case config.TileAgentsLoggedIn:
		return "Agents logged in"
	case config.TileQueueTable:
		return "Queues"
	case config.TileAgentGrid:
		return "Agents"
	case config.TileQueueGroups:
		return "SLA by queue group"
	}
	return string(t)
}
