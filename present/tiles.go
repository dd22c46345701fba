package present

import (
	"strconv"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// Feed says which sources a tile's figure comes from, for its data age and
// stale mark on the wall.
type Feed int

// The feeds.
const (
	FeedQueues Feed = iota // the sources of the board's queues
	FeedAgents             // the sources of the board's agents
)

// Figure is a figure tile's value, the same on the wall, the supervisor
// view and in embeds.
type Figure struct {
	Value string // "12", "87%", "—"; for a running wait its text at the board's time
	Since int64  // Unix ms a running wait started: the value ticks from it; 0 when none
	Class string // the wall's extra classes of the value: hot, dim, sla-good…
	// Title is the value's tooltip: how it was made (the SLA's weighting).
	Title string
}

// Tile is one entry of the tile registry: everything the views need to know
// about a kind of tile. See the package doc for how to add one.
type Tile struct {
	Kind config.Tile
	// Label is the tile's heading on the wall and in embeds.
	Label string
	// WallLabel, when set, is the wall's heading instead of Label.
	WallLabel string
	// ShortLabel, when set, is the supervisor view's heading instead of
	// Label (its tiles are narrow).
	ShortLabel string
	// WallID is the element id of the tile on the wall ("" for body tiles).
	WallID string
	Feed   Feed
	// Embed is the kind of the tile's embed (views.EmbedFigure, …).
	Embed string
	// Figure makes the tile's value; nil for tiles that are not one figure.
	Figure func(p *Board, c boards.Check) Figure
	// Body marks the wall's big tiles (queue table, agent grid, queue
	// groups), drawn below the figures.
	Body bool
}

// registry is every tile, in config.Tiles order.
var registry = []Tile{
	{Kind: config.TileCallsWaiting, Label: "Calls waiting", WallID: "t-calls", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure { return count(p.Totals.CallsWaiting) }},
	{Kind: config.TileChatsWaiting, Label: "Chats waiting", WallID: "t-chats", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure { return count(p.Totals.ChatsWaiting) }},
	{Kind: config.TileOtherWaiting, Label: "Other waiting", WallID: "t-other", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure { return count(p.Totals.OtherWaiting) }},
	{Kind: config.TileLongestWait, Label: "Longest wait", WallID: "t-longest", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure {
			if ms := unixMilli(p.Totals.LongestSince); ms != 0 {
				return Figure{Value: views.Duration(p.Now.Sub(*p.Totals.LongestSince)), Since: ms, Class: "hot"}
			}
			return Figure{Value: "—", Class: "dim"}
		}},
	{Kind: config.TileSLACall, Label: "SLA calls", WallID: "t-sla-call", Embed: views.EmbedFigure,
		Figure: func(p *Board, c boards.Check) Figure { return sla(p.Totals.SLACall, p.Totals.SLACallMethod, c) }},
	{Kind: config.TileSLAChat, Label: "SLA chats", WallID: "t-sla-chat", Embed: views.EmbedFigure,
		Figure: func(p *Board, c boards.Check) Figure { return sla(p.Totals.SLAChat, p.Totals.SLAChatMethod, c) }},
	{Kind: config.TileAgentsByState, Label: "Agents by state", WallLabel: "Agents", WallID: "t-states", Feed: FeedAgents, Embed: views.EmbedStates},
	{Kind: config.TileAgentsLoggedIn, Label: "Agents logged in", ShortLabel: "Logged in", WallID: "t-loggedin", Feed: FeedAgents, Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure { return Figure{Value: strconv.Itoa(p.Totals.AgentsLoggedIn)} }},
	{Kind: config.TileQueueTable, Label: "Queues", ShortLabel: "Breached", Embed: views.EmbedQueues, Body: true},
	{Kind: config.TileAgentGrid, Label: "Agents", Feed: FeedAgents, Embed: views.EmbedAgents, Body: true},
	{Kind: config.TileQueueGroups, Label: "SLA by queue group", Embed: views.EmbedGroups, Body: true},
	{Kind: config.TileForecast, Label: "SLA forecast", WallID: "t-forecast", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure { f, _ := p.forecastTile(); return f }},
	{Kind: config.TileHandledToday, Label: "Handled today", ShortLabel: "Handled", WallID: "t-handled", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure { return dayCount(p.Totals.Answered, p.dayTitle()) }},
	{Kind: config.TileAbandonedToday, Label: "Abandoned today", WallLabel: "Abandoned", ShortLabel: "Abandoned", WallID: "t-abandoned", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure { return dayCount(p.Totals.Abandoned, p.dayTitle()) }},
	{Kind: config.TileAbandonRate, Label: "Abandon rate", WallID: "t-abandon-rate", Embed: views.EmbedFigure,
		Figure: func(p *Board, _ boards.Check) Figure {
			f := Figure{Value: Percent(p.Totals.AbandonRate), Title: "abandoned in queue of answered and abandoned, " + p.dayTitle()}
			if p.Totals.AbandonRate == nil {
				f.Class = "dim"
			}
			return f
		}},
}

// Tiles returns the registry: every tile a board or an embed can show.
func Tiles() []Tile { return registry }

// Lookup returns the registry entry of the tile named name.
func Lookup(name string) (Tile, bool) {
	for _, t := range registry {
		if string(t.Kind) == name {
			return t, true
		}
	}
	return Tile{}, false
}

// tile returns the registry entry of kind, or one that shows nothing.
func tile(kind config.Tile) Tile {
	t, ok := Lookup(string(kind))
	if !ok {
		return Tile{Kind: kind, Label: string(kind)}
	}
	return t
}

// SupervisorLabel is the tile's heading on the supervisor view.
func (t Tile) SupervisorLabel() string {
	if t.ShortLabel != "" {
		return t.ShortLabel
	}
	return t.Label
}

// wallLabel is the tile's heading on the wall.
func (t Tile) wallLabel() string {
	if t.WallLabel != "" {
		return t.WallLabel
	}
	return t.Label
}

// count is a waiting count: hot when anyone waits.
func count(n int) Figure {
	if n > 0 {
		return Figure{Value: strconv.Itoa(n), Class: "hot"}
	}
	return Figure{Value: "0"}
}

// sla is an SLA figure coloured by its level, its tooltip saying how the
// queues' SLAs were combined.
func sla(p *float64, method string, c boards.Check) Figure {
	f := Figure{Value: Percent(p), Class: "sla-" + views.SLAClass(string(c.Level))}
	switch method {
	case model.SLAWeighted:
		f.Title = "open queues weighted by today's contacts"
	case model.SLAMean:
		f.Title = "mean of the open queues (no day counts to weigh them)"
	}
	return f
}

// dayCount is one of today's counts; "—" when no queue has counts.
func dayCount(n *int, title string) Figure {
	if n == nil {
		return Figure{Value: "—", Class: "dim", Title: title}
	}
	return Figure{Value: strconv.Itoa(*n), Title: title}
}

// dayTitle says when the board's day started.
func (p *Board) dayTitle() string {
	if p.Def != nil && p.Def.TimeZone != "" {
		return "since midnight " + p.Def.TimeZone
	}
	return "since midnight (server time)"
}
