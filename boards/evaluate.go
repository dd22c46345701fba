package boards

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

// Level is how a figure compares with its thresholds. Views show it by
// colour and by icon or text (never colour alone); critical ones pulse.
type Level string

// The levels, from least to most severe.
const (
	LevelNone     Level = "none"     // no threshold applies, or no data (an unknown SLA)
	LevelOK       Level = "ok"       // within thresholds
	LevelWarn     Level = "warn"     // past the warn threshold
	LevelCritical Level = "critical" // past the critical threshold
)

func (l Level) rank() int {
	switch l {
	case LevelOK:
		return 1
	case LevelWarn:
		return 2
	case LevelCritical:
		return 3
	}
	return 0
}

// Worse reports whether l is more severe than o.
func (l Level) Worse(o Level) bool { return l.rank() > o.rank() }

// Check is one figure's level and, when warn or critical, why, in words a
// wall can show next to the figure: "SLA 72% below 80%".
type Check struct {
	Level  Level
	Reason string
	// Since, when not zero, is when the moving clock time in Reason began:
	// the clock time at byte SinceAt of Reason ("2:13" in "longest wait
	// 2:13, limit 3:00") is the time elapsed since Since at the evaluation.
	// It grows by itself, so screens let it tick from Since; Reason is the
	// snapshot that webhooks, alerts, the API and logs use. Zero: nothing
	// in Reason moves.
	Since   time.Time
	SinceAt int
}

// moving is a check whose reason is head, the clock time d (elapsed since
// since, which may be nil), and tail.
func moving(l Level, head string, d time.Duration, since *time.Time, tail string) Check {
	c := Check{Level: l, Reason: head + clock(d) + tail}
	if since != nil {
		c.Since, c.SinceAt = *since, len(head)
	}
	return c
}

// Append adds o's reason to c's, after sep when c has one. c keeps its own
// moving clock; without one it takes o's (its clock time moves along).
func (c *Check) Append(sep string, o Check) {
	if c.Reason != "" {
		c.Reason += sep
	}
	if c.Since.IsZero() && !o.Since.IsZero() {
		c.Since, c.SinceAt = o.Since, len(c.Reason)+o.SinceAt
	}
	c.Reason += o.Reason
}

// worst returns the more severe of c and o (c on a tie).
func (c Check) worst(o Check) Check {
	if o.Level.Worse(c.Level) {
		return o
	}
	return c
}

// QueueCheck is the levels of one queue's figures; Check is the worst of them
// with every reason past warn, joined by "; ".
type QueueCheck struct {
	Check
	SLA         Check
	LongestWait Check
	Waiting     Check
}

// QueueKey identifies a queue across sources.
type QueueKey struct{ Source, ID string }

// AgentKey identifies an agent across sources.
type AgentKey struct{ Source, ID string }

// Evaluation is a board's snapshot compared with its thresholds.
type Evaluation struct {
	Tiles  map[config.Tile]Check
	Queues map[QueueKey]QueueCheck
	// Agents holds the agents past their state's time limit (warn or
	// critical); others have no entry.
	Agents map[AgentKey]Check
	// Worst is the most severe check of the board's own tiles.
	Worst Check
	// NextChange is when a wait will cross its next threshold with no new
	// data (waits grow by themselves); zero when none will. The server
	// re-evaluates then, so a breach shows even when the store is quiet.
	NextChange time.Time
}

// crossing notes that a wait that began at since crosses limit at since+limit.
func (e *Evaluation) crossing(now time.Time, since *time.Time, limits ...*time.Duration) {
	if since == nil {
		return
	}
	for _, l := range limits {
		if l == nil {
			continue
		}
		at := since.Add(*l)
		if at.After(now) && (e.NextChange.IsZero() || at.Before(e.NextChange)) {
			e.NextChange = at
		}
	}
}

// Tile returns the check of tile t (LevelNone for tiles without thresholds).
func (e Evaluation) Tile(t config.Tile) Check {
	if c, ok := e.Tiles[t]; ok {
		return c
	}
	return Check{Level: LevelNone}
}

// Agent returns the check of a's time in its state: warn or critical past
// the board's state_time limit, else LevelNone.
func (e Evaluation) Agent(a model.Agent) Check {
	if c, ok := e.Agents[AgentKey{a.Source, a.ID}]; ok {
		return c
	}
	return Check{Level: LevelNone}
}

// Queue returns the check of q.
func (e Evaluation) Queue(q model.Queue) QueueCheck {
	if c, ok := e.Queues[QueueKey{q.Source, q.ID}]; ok {
		return c
	}
	return QueueCheck{Check: Check{Level: LevelNone}, SLA: Check{Level: LevelNone}, LongestWait: Check{Level: LevelNone}, Waiting: Check{Level: LevelNone}}
}

// agentsCheck records the agents past their state's time limit in ev and
// returns the agent grid's summary: how many are critical and warn. With no
// limits it is LevelNone.
func (b *Board) agentsCheck(ev *Evaluation, mb model.Board) Check {
	limits, byStatus := b.Thresholds.StateTime, b.Thresholds.StatusTime
	if len(limits) == 0 && len(byStatus) == 0 {
		return Check{Level: LevelNone}
	}
	now := mb.GeneratedAt
	sum := Check{Level: LevelOK}
	var nCrit, nWarn int
	ev.Agents = map[AgentKey]Check{}
	for i := range mb.Agents {
		a := &mb.Agents[i]
		if a.Since == nil {
			continue
		}
		// A limit for the agent's status wins over one for its state.
		words := strings.TrimSpace(a.Status)
		l, ok := byStatus[model.FoldStatus(words)]
		if ok && words != "" {
			words = model.Isolate(words)
		} else {
			words = stateWords(a.State)
			if l, ok = limits[a.State]; !ok {
				continue
			}
		}
		ev.crossing(now, a.Since, l.Warn, l.Critical)
		d := now.Sub(*a.Since)
		var c Check
		switch {
		case l.Critical != nil && d >= *l.Critical:
			c = moving(LevelCritical, words+" ", d, a.Since, ", limit "+clock(*l.Critical))
			nCrit++
		case l.Warn != nil && d >= *l.Warn:
			c = moving(LevelWarn, words+" ", d, a.Since, ", warn at "+clock(*l.Warn))
			nWarn++
		default:
			continue
		}
		ev.Agents[AgentKey{a.Source, a.ID}] = c
		if c.Level.Worse(sum.Level) {
			sum.Level = c.Level
		}
	}
	sum.Reason = countReason(nCrit, nWarn, "agent")
	return sum
}

// stateWords names a state in a reason: "in wrap-up".
func stateWords(s model.State) string {
	switch s {
	case model.StateWrapUp:
		return "in wrap-up"
	case model.StateAvailable:
		return "available"
	case model.StateBusy:
		return "busy"
	case model.StateAway:
		return "away"
	case model.StateOffline:
		return "offline"
	}
	return "in " + string(s)
}

// groupsCheck is the queue-group tile's check: the worst group SLA, and
// how many groups are past warn.
func (b *Board) groupsCheck(groups []model.QueueGroup) Check {
	c := Check{Level: LevelNone}
	crit, warn := map[string]bool{}, map[string]bool{}
	for _, g := range groups {
		gc := b.Group(g)
		if gc.Level.Worse(c.Level) {
			c.Level = gc.Level
		}
		switch gc.Level {
		case LevelCritical:
			crit[g.Source+"/"+g.ID] = true
		case LevelWarn:
			warn[g.Source+"/"+g.ID] = true
		}
	}
	for k := range crit {
		delete(warn, k)
	}
	c.Reason = countReason(len(crit), len(warn), "queue group")
	return c
}

// countReason says how many things are critical and warn: "2 queues
// critical, 1 warn"; "" when none.
func countReason(crit, warn int, thing string) string {
	switch {
	case crit > 0 && warn > 0:
		return fmt.Sprintf("%s critical, %d warn", plural(crit, thing), warn)
	case crit > 0:
		return plural(crit, thing) + " critical"
	case warn > 0:
		return plural(warn, thing) + " warn"
	}
	return ""
}

// Group returns the check of queue group g's SLA against the board's
// thresholds.
func (b *Board) Group(g model.QueueGroup) Check {
	return slaCheck(model.Isolate(g.Name)+" "+g.Channel+" SLA", g.SLAPercent, b.Thresholds)
}

// Evaluate compares mb (from Apply) with the board's thresholds, at
// mb.GeneratedAt: per queue with the queue's thresholds (overrides applied),
// per tile with the board's. Tile figures are those of model.Board.Totals.
func (b *Board) Evaluate(mb model.Board) Evaluation {
	now := mb.GeneratedAt
	ev := Evaluation{Tiles: make(map[config.Tile]Check, 8), Queues: make(map[QueueKey]QueueCheck, len(mb.Queues))}
	var nWarn, nCrit int
	table := Check{Level: LevelNone}
	for i := range mb.Queues {
		q := &mb.Queues[i]
		th := b.thresholds(q)
		var wait time.Duration
		var oldest *time.Time
		if q.Waiting > 0 && q.OldestSince != nil && !q.Closed {
			wait, oldest = now.Sub(*q.OldestSince), q.OldestSince
			ev.crossing(now, q.OldestSince, th.LongestWaitWarn, th.LongestWaitCritical)
		}
		qc := QueueCheck{
			SLA:         slaCheck("SLA", q.SLAPercent, th),
			LongestWait: waitCheck(wait, oldest, th),
			Waiting:     countCheck(q.Waiting, "waiting", th),
		}
		if q.Closed {
			// Outside its operation hours a queue raises no SLA or
			// waiting alert.
			none := Check{Level: LevelNone, Reason: "closed"}
			qc.SLA, qc.LongestWait, qc.Waiting = none, none, none
		}
		qc.Check = Check{Level: LevelNone}
		for _, c := range []Check{qc.SLA, qc.LongestWait, qc.Waiting} {
			if c.Level.Worse(qc.Level) {
				qc.Level = c.Level
			}
			if c.Level.rank() >= LevelWarn.rank() {
				qc.Check.Append("; ", c)
			}
		}
		switch qc.Level {
		case LevelCritical:
			nCrit++
		case LevelWarn:
			nWarn++
		}
		if qc.Level.Worse(table.Level) {
			table.Level = qc.Level
		}
		ev.Queues[QueueKey{q.Source, q.ID}] = qc
	}
	table.Reason = countReason(nCrit, nWarn, "queue")
	ev.Tiles[config.TileQueueTable] = table
	ev.Tiles[config.TileQueueGroups] = b.groupsCheck(mb.QueueGroups)
	ev.Tiles[config.TileAgentGrid] = b.agentsCheck(&ev, mb)

	t := mb.Totals()
	th := b.Thresholds
	ev.Tiles[config.TileCallsWaiting] = countCheck(t.CallsWaiting, "calls waiting", th)
	ev.Tiles[config.TileChatsWaiting] = countCheck(t.ChatsWaiting, "chats waiting", th)
	ev.Tiles[config.TileOtherWaiting] = countCheck(t.OtherWaiting, "waiting", th)
	var longest time.Duration
	if t.LongestSince != nil {
		longest = now.Sub(*t.LongestSince)
		ev.crossing(now, t.LongestSince, th.LongestWaitWarn, th.LongestWaitCritical)
	}
	ev.Tiles[config.TileLongestWait] = waitCheck(longest, t.LongestSince, th)
	ev.Tiles[config.TileSLACall] = slaCheck("call SLA", t.SLACall, th)
	ev.Tiles[config.TileSLAChat] = slaCheck("chat SLA", t.SLAChat, th)

	ev.Worst = Check{Level: LevelNone}
	for _, tile := range b.Tiles {
		ev.Worst = ev.Worst.worst(ev.Tile(tile))
	}
	return ev
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// slaCheck: SLA is bad below its thresholds; an unknown SLA has no level.
func slaCheck(label string, p *float64, th config.Thresholds) Check {
	if th.SLAWarn == nil && th.SLACritical == nil {
		return Check{Level: LevelNone}
	}
	if p == nil || math.IsNaN(*p) {
		return Check{Level: LevelNone, Reason: "no " + label + " data"}
	}
	v := *p
	switch {
	case th.SLACritical != nil && v < *th.SLACritical:
		return Check{Level: LevelCritical, Reason: fmt.Sprintf("%s %s below %s", label, percent(v, *th.SLACritical), percent(*th.SLACritical, -1))}
	case th.SLAWarn != nil && v < *th.SLAWarn:
		return Check{Level: LevelWarn, Reason: fmt.Sprintf("%s %s below %s", label, percent(v, *th.SLAWarn), percent(*th.SLAWarn, -1))}
	}
	return Check{Level: LevelOK}
}

// percent formats v as a whole percentage, with one decimal when rounding
// would make it look equal to limit (79.6 below 80 shows "79.6%", not "80%").
func percent(v, limit float64) string {
	r := math.Round(v)
	if limit >= 0 && v < limit && r >= limit {
		return strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(r, 'f', 0, 64) + "%"
}

// waitCheck: a wait is bad at or above its thresholds. since is when the
// wait d began (the oldest waiting contact); nil when nobody waits.
func waitCheck(d time.Duration, since *time.Time, th config.Thresholds) Check {
	if th.LongestWaitWarn == nil && th.LongestWaitCritical == nil {
		return Check{Level: LevelNone}
	}
	switch {
	case th.LongestWaitCritical != nil && d >= *th.LongestWaitCritical:
		return moving(LevelCritical, "longest wait ", d, since, ", limit "+clock(*th.LongestWaitCritical))
	case th.LongestWaitWarn != nil && d >= *th.LongestWaitWarn:
		return moving(LevelWarn, "longest wait ", d, since, ", warn at "+clock(*th.LongestWaitWarn))
	}
	return Check{Level: LevelOK}
}

// countCheck: a count is bad at or above its thresholds.
func countCheck(n int, what string, th config.Thresholds) Check {
	if th.WaitingWarn == nil && th.WaitingCritical == nil {
		return Check{Level: LevelNone}
	}
	switch {
	case th.WaitingCritical != nil && n >= *th.WaitingCritical:
		return Check{Level: LevelCritical, Reason: fmt.Sprintf("%d %s, limit %d", n, what, *th.WaitingCritical)}
	case th.WaitingWarn != nil && n >= *th.WaitingWarn:
		return Check{Level: LevelWarn, Reason: fmt.Sprintf("%d %s, warn at %d", n, what, *th.WaitingWarn)}
	}
	return Check{Level: LevelOK}
}

// clock formats a duration as a wall shows waits: "0:45", "3:05", "1:02:03".
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
