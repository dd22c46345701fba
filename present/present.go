package present

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/forecast"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// maxErrorLen is how much of a source's error a screen shows.
const maxErrorLen = 60

// StoreDownText is what a screen says when the store fails. The store's own
// error stays in the log: it may name hosts the screens need not see.
const StoreDownText = "showing last good data"

// StoreDownError is the health error of every source while the store fails.
const StoreDownError = "data store unavailable"

// Board is one board's snapshot prepared for its screens: built once per
// change and shared by the wall, the supervisor view and the embeds. Do not
// change it after New.
type Board struct {
	Def *boards.Board
	// Full is the board's Apply with full names (the supervisor view).
	Full model.Board
	// Shown is Full with names as the board's name mode shows them (the
	// wall and embeds).
	Shown model.Board
	// Eval is Full compared with the board's thresholds, at Now.
	Eval   boards.Evaluation
	Totals model.Totals
	// Now is when the snapshot was taken: waits are judged at it.
	Now time.Time
	// StoreDown: the store failed, the data is the last good one.
	StoreDown bool

	sources   []views.Source
	dataSince int64
	queueFeed views.Feed
	agentFeed views.Feed
	states    []views.StateCount

	forecasts map[boards.QueueKey]forecast.Forecast

	msgURL string
	msgs   []views.FloorMessage
	msgLog []views.MessageLogLine
}

// New prepares mb, def's Apply of the sources' states (full names, taken at
// mb.GeneratedAt), for the screens. storeDown says the store failed and mb
// is the last good data with every source marked not OK.
func New(def *boards.Board, mb model.Board, storeDown bool) *Board {
	p := &Board{
		Def:       def,
		Full:      mb,
		Shown:     def.ForDisplay(mb),
		Eval:      def.Evaluate(mb),
		Totals:    mb.Totals(),
		Now:       mb.GeneratedAt,
		StoreDown: storeDown,
	}
	for _, h := range mb.Sources {
		s := views.Source{Name: h.Source, Kind: h.Kind, Error: shorten(h.Error, maxErrorLen)}
		switch {
		case h.UpdatedAt.IsZero():
			s.Status = views.SourceWaiting
		case !h.OK || storeDown:
			s.Status = views.SourceStale
			s.Since = h.UpdatedAt.UnixMilli()
		default:
			s.Status = views.SourceOK
			s.Error = ""
		}
		if !h.UpdatedAt.IsZero() && (p.dataSince == 0 || h.UpdatedAt.UnixMilli() < p.dataSince) {
			p.dataSince = h.UpdatedAt.UnixMilli()
		}
		p.sources = append(p.sources, s)
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
	p.queueFeed = feed(mb.Sources, storeDown, func(src string) bool { return withQueues[src] || len(withQueues) == 0 })
	p.queueFeed.Name = "queues"
	p.agentFeed = feed(mb.Sources, storeDown, func(src string) bool { return withAgents[src] || len(withAgents) == 0 })
	p.agentFeed.Name = "agents"
	p.states = stateCounts(p.Totals.AgentsByState)
	return p
}

// NextChange is when a wait crosses its next threshold with no new data;
// zero when none will.
func (p *Board) NextChange() time.Time { return p.Eval.NextChange }

// Sources is each source's health as the screens show it (the wall's: with
// short errors).
func (p *Board) Sources() []views.Source { return p.sources }

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
				f.StaleText = StoreDownError
			case h.Error != "":
				f.StaleText = strings.ToUpper(h.Source) + ": " + shorten(h.Error, maxErrorLen)
			default:
				f.StaleText = strings.ToUpper(h.Source)
			}
		}
	}
	return f
}

// feedOf is the feed of tile t.
func (p *Board) feedOf(t Tile) views.Feed {
	if t.Feed == FeedAgents {
		return p.agentFeed
	}
	return p.queueFeed
}

// stateCounts are the agents-by-state counts, in the model's state order;
// agents in a state the model does not know count as unknown, shown only
// when there are any.
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
		out = append(out, views.StateCount{State: string(st), Label: StateLabel(st), Count: n[st]})
	}
	return out
}

// Percent formats a percentage, whole; nil or NaN (the vendor does not
// know) is "—", never 0%.
func Percent(p *float64) string {
	if p == nil || math.IsNaN(*p) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*p), 'f', 0, 64) + "%"
}

// StateLabel is an agent state's name on screen.
func StateLabel(s model.State) string {
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

// queueRow is a queue as the wall and the embeds show it; SLALevel is the
// queue's SLA level (the wall turns it into its colour class).
func queueRow(q model.Queue, c boards.QueueCheck) views.Queue {
	parent, leaf := splitPath(q.Name)
	return views.Queue{
		Key:         DOMKey(q.Source, q.ID),
		Name:        q.Name,
		Parent:      parent,
		Leaf:        leaf,
		Lang:        q.Lang,
		Channel:     q.Channel,
		Waiting:     q.Waiting,
		OldestSince: oldest(q),
		AvgWait:     int64(math.Round(q.AverageWaitSeconds)),
		SLA:         Percent(q.SLAPercent),
		SLALevel:    string(c.SLA.Level),
		Answered:    Count(q.Answered),
		Abandoned:   Count(q.Abandoned),
	}
}

// withDay adds q's day figures to its row.
func (p *Board) withDay(v views.Queue, q model.Queue) views.Queue {
	d := dayFigures(q, p.zone(), p.Now)
	v.AbandonRate, v.AHT, v.Closed, v.Opens = d.AbandonRate, d.AHT, d.Closed, d.Opens
	return v
}

// dayFigures are a queue's abandon rate, handle time and opening as the
// queue tables show them; loc is the board's zone for "opens at".
func dayFigures(q model.Queue, loc *time.Location, now time.Time) views.Queue {
	v := views.Queue{AbandonRate: Percent(q.AbandonRate()), AHT: "—", Closed: q.Closed}
	if q.AverageHandleSeconds != nil {
		v.AHT = views.Duration(time.Duration(math.Round(*q.AverageHandleSeconds)) * time.Second)
	}
	if q.Closed && q.OpensAt != nil {
		at := q.OpensAt.In(loc)
		v.Opens = at.Format("15:04")
		if at.Sub(now) > 20*time.Hour {
			v.Opens = at.Format("Mon 15:04")
		}
	}
	return v
}

// zone is the board's time zone: its own, else the server's.
func (p *Board) zone() *time.Location {
	if p.Def != nil {
		return p.Def.Location()
	}
	return time.Local
}

// Count is a count a vendor may not give: "—" when it does not.
func Count(n *int) string {
	if n == nil {
		return "—"
	}
	return strconv.Itoa(*n)
}

// addCount adds n to *sum, which stays nil until a count is added.
func addCount(sum **int, n *int) {
	if n == nil {
		return
	}
	if *sum == nil {
		*sum = new(int)
	}
	**sum += *n
}

// hasCounts reports whether any queue has answered or abandoned counts.
func hasCounts(qs []model.Queue) bool {
	for _, q := range qs {
		if q.Answered != nil || q.Abandoned != nil {
			return true
		}
	}
	return false
}

// groupCounts reports whether any queue group has waiting, answered or
// abandoned counts.
func groupCounts(gs []model.QueueGroup) bool {
	for _, g := range gs {
		if g.Waiting != nil || g.Answered != nil || g.Abandoned != nil {
			return true
		}
	}
	return false
}

// DOMKey makes a stable element id from a source and an id: letters and
// digits as they are, everything else hex-escaped.
func DOMKey(source, id string) string {
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

// groupRows makes one row per queue group (source and id) of the board, with
// its call and chat SLA and its counts summed over its channels, in the
// board's order: the wall's, the embed's and the supervisor's queue-group
// tables.
func (p *Board) groupRows() []views.QueueGroupRow {
	var out []views.QueueGroupRow
	index := map[string]int{}
	type sums struct{ waiting, answered, abandoned *int }
	var counts []sums
	var why []boards.Check // each row's reasons, joined
	for _, g := range p.Full.QueueGroups {
		key := DOMKey(g.Source, g.ID)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, views.QueueGroupRow{Key: key, Source: g.Source, ID: g.ID, Name: g.Name, Call: "—", Chat: "—", CallLevel: "none", ChatLevel: "none", Level: "none"})
			counts = append(counts, sums{})
			why = append(why, boards.Check{})
		}
		addCount(&counts[i].waiting, g.Waiting)
		addCount(&counts[i].answered, g.Answered)
		addCount(&counts[i].abandoned, g.Abandoned)
		row := &out[i]
		c := p.Def.Group(g)
		switch g.Channel {
		case "call":
			row.Call, row.CallLevel = Percent(g.SLAPercent), string(c.Level)
		case "chat":
			row.Chat, row.ChatLevel = Percent(g.SLAPercent), string(c.Level)
		default:
			continue
		}
		if c.Level.Worse(boards.Level(row.Level)) {
			row.Level = string(c.Level)
		}
		if breach(c.Level) {
			why[i].Append("; ", c)
		}
	}
	for i := range out {
		out[i].Reason, out[i].ReasonTick = why[i].Reason, reasonTick(why[i])
		out[i].Waiting, out[i].Answered, out[i].Abandoned = Count(counts[i].waiting), Count(counts[i].answered), Count(counts[i].abandoned)
	}
	return out
}

// reasonTick is where c's reason has a moving clock time, for the views to
// let it tick; the zero Tick when it has none.
func reasonTick(c boards.Check) views.Tick {
	if c.Since.IsZero() {
		return views.Tick{}
	}
	return views.Tick{Since: c.Since.UnixMilli(), At: c.SinceAt}
}

// breach reports whether l is warn or critical.
func breach(l boards.Level) bool { return l == boards.LevelWarn || l == boards.LevelCritical }
