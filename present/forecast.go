package present

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/forecast"
	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// defaultTarget is the SLA target of a queue without SLA thresholds.
const defaultTarget = 0.8

// Forecasts computes the forecast of every queue of mb (def's Apply at
// now) from the queues' history of the last hour (by history.QueueKey,
// oldest first; a queue without history gets "not enough calls").
//
// Arrivals are the growth of the vendor's day counts (answered + abandoned)
// plus the change in what waits, over the last 15 minutes; patience is the
// time waited (the integral of what waited) over the abandons; the handle
// time is the vendor's mean handle time of the day, or the board's assumed
// one (forecast.handle_time) while the vendor gives none; the agents are the board's available and busy agents; the target is the
// queue's SLA warn threshold. Where the vendor says which teams take a
// queue (members, Clarity Connect's teams by source), its agents are those
// teams' available and busy agents instead.
func Forecasts(def *boards.Board, mb model.Board, hist map[string][]history.Sample, members map[string]*model.Membership, now time.Time) map[boards.QueueKey]forecast.Forecast {
	agents := 0
	for _, a := range mb.Agents {
		if a.State == model.StateAvailable || a.State == model.StateBusy {
			agents++
		}
	}
	fc := def.Forecast
	if fc.AnswerWithin <= 0 {
		fc.AnswerWithin = config.DefaultAnswerWithin
	}
	if fc.HandleTime <= 0 {
		fc.HandleTime = config.DefaultHandleTime
	}
	type pending struct {
		key    boards.QueueKey
		in     forecast.Inputs
		shared bool // judged against the board's pool of agents
	}
	var all []pending
	var load float64 // offered load of the queues sharing the pool, erlangs
	for i := range mb.Queues {
		q := &mb.Queues[i]
		in := queueInputs(q, hist[history.QueueKey(q.Source, q.ID)], now)
		in.AHT = fc.HandleTime.Seconds()
		aht := "assumed (forecast.handle_time)"
		if q.AverageHandleSeconds != nil && *q.AverageHandleSeconds > 0 && !math.IsNaN(*q.AverageHandleSeconds) {
			in.AHT, aht = *q.AverageHandleSeconds, "the vendor's mean handle time today"
		}
		if q.Closed {
			in.Offered15, in.Note = 0, "the queue is closed"
		}
		p := pending{key: boards.QueueKey{Source: q.Source, ID: q.ID}, shared: true}
		who := "the board's available and busy agents, shared among its queues in proportion to their load"
		if n, ok := queueAgents(q, mb, members[q.Source]); ok {
			in.Agents, who, p.shared = n, "the available and busy agents of the teams that take the queue", false
		} else {
			load += queueLoad(in)
		}
		in.Threshold = fc.AnswerWithin.Seconds()
		in.Target = target(def.QueueThresholds(q))
		in.Source = "arrivals and abandons: the vendor's day counts; handle time: " + aht + "; agents: " + who
		p.in = in
		all = append(all, p)
	}
	// The vendor does not say who takes which queue: each queue sharing the
	// pool gets its share of the agents by load (largest remainders, so the
	// shares add up to the pool; all of it while no queue has a load).
	if load > 0 {
		type rest struct {
			i    int
			frac float64
		}
		var rests []rest
		given := 0
		for i := range all {
			if !all[i].shared {
				continue
			}
			exact := float64(agents) * queueLoad(all[i].in) / load
			all[i].in.Agents = int(exact)
			given += int(exact)
			rests = append(rests, rest{i, exact - math.Floor(exact)})
		}
		sort.SliceStable(rests, func(a, b int) bool { return rests[a].frac > rests[b].frac })
		for k := 0; k < agents-given && k < len(rests); k++ {
			all[rests[k].i].in.Agents++
		}
	} else {
		for i := range all {
			if all[i].shared {
				all[i].in.Agents = agents
			}
		}
	}
	out := make(map[boards.QueueKey]forecast.Forecast, len(all))
	for _, p := range all {
		out[p.key] = forecast.Make(p.in)
	}
	return out
}

// queueLoad is a queue's offered load in erlangs from its inputs.
func queueLoad(in forecast.Inputs) float64 {
	return float64(in.Offered15) * float64(time.Hour) / float64(forecast.Window) / 3600 * in.AHT
}

// queueAgents counts the board's available and busy agents of the teams
// that take q, when m says which do; ok is false when it does not.
func queueAgents(q *model.Queue, mb model.Board, m *model.Membership) (n int, ok bool) {
	if m == nil {
		return 0, false
	}
	ids := map[string]bool{}
	for team, queues := range m.TeamQueues {
		for _, id := range queues {
			if id == q.ID {
				ok = true
				for _, a := range m.TeamAgents[team] {
					ids[a] = true
				}
			}
		}
	}
	if !ok {
		return 0, false
	}
	for _, a := range mb.Agents {
		if a.Source == q.Source && ids[a.ID] && (a.State == model.StateAvailable || a.State == model.StateBusy) {
			n++
		}
	}
	return n, true
}

func target(th config.Thresholds) float64 {
	switch {
	case th.SLAWarn != nil:
		return *th.SLAWarn / 100
	case th.SLACritical != nil:
		return *th.SLACritical / 100
	}
	return defaultTarget
}

// point is a queue's figures at a moment.
type point struct {
	at        time.Time
	counts    bool // answered and abandoned known
	offered   int  // answered + abandoned
	abandoned int
	waiting   int
	sla       *float64
}

// queueInputs reads arrivals, abandons, patience and the SLA trend of q
// from its samples and its current figures.
func queueInputs(q *model.Queue, samples []history.Sample, now time.Time) forecast.Inputs {
	var pts []point
	for _, s := range samples {
		if !s.At.Before(now) || now.Sub(s.At) > time.Hour { // the current figures stand for now
			continue
		}
		p := point{at: s.At, waiting: s.Waiting, sla: s.SLACall}
		if q.Channel == "chat" {
			p.sla = s.SLAChat
		}
		if s.Answered != nil && s.Abandoned != nil {
			p.counts, p.offered, p.abandoned = true, *s.Answered+*s.Abandoned, *s.Abandoned
		}
		pts = append(pts, p)
	}
	cur := point{at: now, waiting: q.Waiting, sla: q.SLAPercent}
	if q.Answered != nil && q.Abandoned != nil {
		cur.counts, cur.offered, cur.abandoned = true, *q.Answered+*q.Abandoned, *q.Abandoned
	}
	pts = append(pts, cur)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].at.Before(pts[j].at) })

	var in forecast.Inputs
	off15, ab15, wait15, span15 := window(pts, now, forecast.Window)
	off60, _, _, _ := window(pts, now, time.Hour)
	switch {
	case !cur.counts:
		in.Note = "the vendor gives no day counts for this queue"
	case span15 < 5*time.Minute:
		in.Note = "less than 5 minutes of history"
	default:
		// Scale a short history to the window.
		in.Offered15 = int(math.Round(float64(off15) * float64(forecast.Window) / float64(span15)))
		in.Offered60 = off60 // over the history there is, up to an hour
		in.Patience = forecast.EstimatePatience(wait15, ab15)
		if span15 < forecast.Window {
			in.Note = fmt.Sprintf("arrivals over the last %d min, scaled to 15", int(span15.Minutes()))
		}
	}
	for _, p := range pts {
		if p.sla != nil && now.Sub(p.at) <= forecast.Window {
			in.Trend = append(in.Trend, forecast.Point{At: p.at, SLA: *p.sla / 100})
		}
	}
	return in
}

// window sums, over the points within d of now, the contacts offered
// (growth of the day counts plus growth of what waits; a count that falls
// is a new day, counted from zero), the abandons and the time waited
// (what waited × how long, in seconds), and returns the span covered.
func window(pts []point, now time.Time, d time.Duration) (offered, abandoned int, waited float64, span time.Duration) {
	var prev *point
	for i := range pts {
		p := &pts[i]
		if now.Sub(p.at) > d {
			continue
		}
		if prev != nil && p.counts && prev.counts {
			do, da := p.offered-prev.offered, p.abandoned-prev.abandoned
			if do < 0 || da < 0 { // a new day
				do, da = p.offered, p.abandoned
			}
			offered += do + max(0, p.waiting-prev.waiting)
			abandoned += da
			waited += float64(prev.waiting) * p.at.Sub(prev.at).Seconds()
			span += p.at.Sub(prev.at)
		}
		prev = p
	}
	return offered, abandoned, waited, span
}

// forecastCheck is a queue forecast's level: critical when the SLA is
// below target already, warn when it is heading there, the model predicts
// it or agents are short, ok otherwise, none without a forecast.
func forecastCheck(f forecast.Forecast) boards.Check {
	switch {
	case f.BreachIn != nil && *f.BreachIn == 0:
		return boards.Check{Level: boards.LevelCritical, Reason: f.Summary()}
	case f.BreachIn != nil || (f.Enough && (f.Breach || f.Gap > 0)):
		return boards.Check{Level: boards.LevelWarn, Reason: f.Summary()}
	case f.Enough:
		return boards.Check{Level: boards.LevelOK}
	}
	return boards.Check{Level: boards.LevelNone, Reason: f.Summary()}
}

// WithForecasts sets the forecasts of p's queues (Forecasts) and returns
// p. Call it right after New, before p is shared.
func (p *Board) WithForecasts(f map[boards.QueueKey]forecast.Forecast) *Board {
	p.forecasts = f
	return p
}

// Forecast returns q's forecast, if any.
func (p *Board) Forecast(q model.Queue) (forecast.Forecast, bool) {
	f, ok := p.forecasts[boards.QueueKey{Source: q.Source, ID: q.ID}]
	return f, ok
}

// forecastTile is the forecast tile's figure and level: the queue most
// likely to miss its target (below it now, then the soonest, then the most
// agents short).
func (p *Board) forecastTile() (Figure, boards.Check) {
	var best *model.Queue
	var bestF forecast.Forecast
	var bestC boards.Check
	rank := func(f forecast.Forecast, c boards.Check) float64 {
		switch {
		case c.Level == boards.LevelCritical:
			return -1e9
		case f.BreachIn != nil:
			return *f.BreachIn
		case c.Level == boards.LevelWarn:
			return 1e6 - float64(f.Gap)
		case c.Level == boards.LevelOK:
			return 1e8
		}
		return 1e9
	}
	for i := range p.Full.Queues {
		q := &p.Full.Queues[i]
		f, ok := p.Forecast(*q)
		if !ok {
			continue
		}
		c := forecastCheck(f)
		if best == nil || rank(f, c) < rank(bestF, bestC) {
			best, bestF, bestC = q, f, c
		}
	}
	if best == nil {
		return Figure{Value: "—", Class: "dim"}, boards.Check{Level: boards.LevelNone}
	}
	c := bestC
	if c.Reason != "" {
		c.Reason = model.Isolate(best.Name) + ": " + c.Reason
	}
	switch {
	case c.Level == boards.LevelCritical:
		return Figure{Value: "below", Class: "hot"}, c
	case bestF.BreachIn != nil:
		return Figure{Value: fmt.Sprintf("~%d min", forecast.Minutes(*bestF.BreachIn)), Class: "hot"}, c
	case c.Level == boards.LevelWarn && bestF.Gap > 0:
		return Figure{Value: fmt.Sprintf("+%d agents", bestF.Gap)}, c
	case c.Level == boards.LevelOK:
		return Figure{Value: "on target"}, c
	}
	return Figure{Value: "—", Class: "dim"}, c
}

// forecastRow is q's forecast for the supervisor view.
func (p *Board) forecastRow(q model.Queue) views.QueueForecast {
	f, ok := p.Forecast(q)
	if !ok {
		return views.QueueForecast{Level: string(boards.LevelNone)}
	}
	c := forecastCheck(f)
	v := views.QueueForecast{Level: string(c.Level), Summary: f.Summary(), Enough: f.Enough, Target: pct(f.Target * 100)}
	if f.Enough {
		v.SLA, v.SLAC = pct(f.A.ServiceLevel*100), pct(f.C.ServiceLevel*100)
		v.Wait, v.WaitC = waitText(f.A.Wait), waitText(f.C.Wait)
		v.Abandon = pct(f.A.Abandon * 100)
		v.Needed, v.NeededC, v.Agents, v.Gap = f.NeededA, f.NeededC, f.Agents, f.Gap
		v.Inputs = fmt.Sprintf("%d offered in 15 min (%.0f/h), handle time %s, patience %s, %d agents, answer within %s",
			f.Offered15, f.ArrivalsPerHour, views.Duration(time.Duration(f.AHT*float64(time.Second))), patienceText(f.Patience), f.Agents,
			views.Duration(time.Duration(f.Threshold*float64(time.Second))))
	}
	return v
}

func waitText(s float64) string {
	if math.IsInf(s, 1) {
		return "∞"
	}
	return views.Duration(time.Duration(s * float64(time.Second)))
}

func patienceText(s float64) string {
	if s <= 0 {
		return "unknown (no abandons: Erlang A = C)"
	}
	return views.Duration(time.Duration(s * float64(time.Second)))
}

func pct(v float64) string { return Percent(&v) }

// tileCheck is tile kind's level: the forecast tile's from the forecasts,
// every other from the board's evaluation.
func (p *Board) tileCheck(kind config.Tile) boards.Check {
	if kind == config.TileForecast {
		_, c := p.forecastTile()
		return c
	}
	return p.Eval.Tile(kind)
}
