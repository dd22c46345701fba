package present

import (
	"math"

	"github.com/wallboard/wallboard/config"

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

// Wall is the TV wall's view model: names as the board's mode shows them.
// demo marks the wall as showing simulated data.
func (p *Board) Wall(demo bool) views.Wall {
	def, mb := p.Def, p.Shown
	w := views.Wall{
		BoardID:   mb.ID,
		Title:     mb.Title,
		Demo:      demo,
		Now:       p.Now.UnixMilli(),
		StoreDown: p.StoreDown,
		NoSources: len(mb.Sources) == 0,
		Rotate:    def.Rotate.Milliseconds(),
		BurnIn:    def.BurnIn.Milliseconds(),
		DataSince: p.dataSince,
		Sources:   p.sources,
		QueueFeed: p.queueFeed,
		AgentFeed: p.agentFeed,
		Messages:  p.msgs,
	}
	if p.StoreDown {
		w.StoreError = StoreDownText
	}

	for _, kind := range def.Tiles {
		t := tile(kind)
		c := p.tileCheck(kind)
		if t.Body {
			w.Body = append(w.Body, string(kind))
			if kind == config.TileQueueGroups {
				w.Groups = p.groupRows()
				w.GroupCounts = groupCounts(p.Full.QueueGroups)
				w.GroupLevel, w.GroupReason = string(c.Level), c.Reason
			}
			continue
		}
		if t.WallID == "" {
			continue
		}
		v := views.Tile{ID: t.WallID, Kind: string(kind), Label: t.wallLabel(), Level: string(c.Level), Feed: p.feedOf(t)}
		if breach(c.Level) {
			v.Reason, v.ReasonTick = c.Reason, reasonTick(c)
		}
		switch {
		case t.Figure != nil:
			f := t.Figure(p, c)
			v.Value, v.Since, v.Class, v.Title = f.Value, f.Since, f.Class, f.Title
		case t.Embed == views.EmbedStates:
			v.States = p.states
		}
		w.Tiles = append(w.Tiles, v)
	}
	qc := p.Eval.Tile(config.TileQueueTable)
	w.QueueLevel, w.QueueReason = string(qc.Level), qc.Reason

	w.QueueCounts = hasCounts(mb.Queues)
	for _, q := range mb.Queues {
		c := p.Eval.Queue(q)
		v := p.withDay(queueRow(q, c), q)
		v.SLALevel = views.SLAClass(string(c.SLA.Level))
		v.Level, v.WaitLevel, v.CountLevel = string(c.Level), string(c.LongestWait.Level), string(c.Waiting.Level)
		if breach(c.Level) {
			v.Reason, v.ReasonTick = c.Reason, reasonTick(c.Check)
		}
		w.Queues = append(w.Queues, v)
	}
	for _, a := range mb.Agents {
		w.Agents = append(w.Agents, agentCard(a, p.Eval.Agent(a)))
	}
	w.AgentCols = agentColumns(len(w.Agents))
	return w
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
