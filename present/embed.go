package present

import (
	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// An embedded queue table or agent grid sizes its iframe to its content, so
// it shows every row; these caps keep a huge board from making a page of
// megabytes. The tile says how many it leaves out.
const (
	maxEmbedQueues = 200
	maxEmbedAgents = 500
)

// Embed is tile kind of the board as an embed shows it: names as the
// board's mode shows them, levels from the board's thresholds.
func (p *Board) Embed(kind config.Tile) views.EmbedTile {
	t := tile(kind)
	mb := p.Shown
	v := views.EmbedTile{
		BoardID:   p.Def.ID,
		Tile:      string(kind),
		Label:     t.Label,
		Kind:      t.Embed,
		Now:       p.Now.UnixMilli(),
		StoreDown: p.StoreDown,
		NoSources: len(mb.Sources) == 0,
		DataSince: p.dataSince,
		Messages:  p.msgs,
	}
	for _, s := range p.sources {
		s.Error = "" // a tile is too small for errors: stale says enough
		v.Sources = append(v.Sources, s)
	}
	c := p.tileCheck(kind)
	v.Level, v.Reason, v.ReasonTick = string(c.Level), c.Reason, reasonTick(c)
	if v.Level == "" {
		v.Level = string(boards.LevelNone)
	}
	switch t.Embed {
	case views.EmbedStates:
		v.States = p.states
	case views.EmbedQueues:
		v.QueueCounts = hasCounts(mb.Queues)
		for i, q := range mb.Queues {
			if i == maxEmbedQueues {
				v.More = len(mb.Queues) - maxEmbedQueues
				break
			}
			eq := embedQueue(q, p.Eval.Queue(q))
			eq.Queue = p.withDay(eq.Queue, q)
			v.Queues = append(v.Queues, eq)
		}
	case views.EmbedGroups:
		v.Groups = p.groupRows()
		v.GroupCounts = groupCounts(p.Full.QueueGroups)
	case views.EmbedAgents:
		for i, a := range mb.Agents {
			if i == maxEmbedAgents {
				v.More = len(mb.Agents) - maxEmbedAgents
				break
			}
			v.Agents = append(v.Agents, agentCard(a, p.Eval.Agent(a)))
		}
	default:
		v.Kind = views.EmbedFigure
		if t.Figure != nil {
			f := t.Figure(p, c)
			v.Value, v.Since, v.Title = f.Value, f.Since, f.Title
		}
	}
	return v
}

func embedQueue(q model.Queue, qc boards.QueueCheck) views.EmbedQueue {
	v := views.EmbedQueue{Queue: queueRow(q, qc), Level: string(qc.Level), Reason: qc.Reason, ReasonTick: reasonTick(qc.Check)}
	if v.Level == "" {
		v.Level = string(boards.LevelNone)
	}
	if v.SLALevel == "" {
		v.SLALevel = string(boards.LevelNone)
	}
	return v
}
