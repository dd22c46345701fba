package present

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/model"
)

// A queue whose day counts grow by 4 a minute (3 answered, 1 abandoned)
// with 2 waiting throughout, and whose SLA falls a point a minute.
func forecastFixture(now time.Time, minutes int) (model.Board, map[string][]history.Sample) {
	q := model.Queue{Source: "ujet", ID: "1:en:call", Name: "Billing", Channel: "call", Waiting: 2}
	var samples []history.Sample
	for i := minutes; i >= 1; i-- {
		at := now.Add(-time.Duration(i) * time.Minute)
		k := minutes - i
		s := history.Sample{At: at, Waiting: 2, SLACall: new(95.0 - float64(k)), Answered: new(100 + 3*k), Abandoned: new(10 + k)}
		samples = append(samples, s)
	}
	q.Answered, q.Abandoned, q.SLAPercent = new(100+3*minutes), new(10+minutes), new(95.0-float64(minutes))
	mb := model.Board{ID: "all", GeneratedAt: now, Queues: []model.Queue{q}}
	for i := range 12 {
		st := model.StateBusy
		if i >= 10 {
			st = model.StateAway
		}
		mb.Agents = append(mb.Agents, model.Agent{Source: "ujet", ID: string(rune('a' + i)), State: st})
	}
	return mb, map[string][]history.Sample{history.QueueKey("ujet", q.ID): samples}
}

func forecastBoard() *boards.Board {
	b, _ := boards.New(nil).Get("all")
	b.Forecast = config.Forecast{AnswerWithin: 20 * time.Second, HandleTime: 3 * time.Minute}
	warn, crit := 90.0, 80.0
	b.Thresholds.SLAWarn, b.Thresholds.SLACritical = &warn, &crit
	return b
}

func TestForecastInputsFromHistory(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	mb, hist := forecastFixture(now, 20)
	f := Forecasts(forecastBoard(), mb, hist, nil, now)[boards.QueueKey{Source: "ujet", ID: "1:en:call"}]
	in := f.Inputs
	// 15 minutes of 4 a minute; 2 waiting for 900 s over 15 abandons.
	if in.Offered15 != 60 || in.Offered60 != 80 || in.Agents != 10 || in.AHT != 180 || in.Threshold != 20 || in.Target != 0.9 {
		t.Errorf("inputs %+v", in)
	}
	if math.Abs(in.Patience-120) > 1e-9 {
		t.Errorf("patience %v, want 120 s", in.Patience)
	}
	if !f.Enough || f.A == nil || f.Load != 12 {
		t.Fatalf("forecast %+v", f)
	}
	// 12 erlangs on 10 agents: short, and the SLA is already below 90%.
	if f.Gap <= 0 || f.BreachIn == nil || *f.BreachIn != 0 {
		t.Errorf("gap %d, breach in %v", f.Gap, f.BreachIn)
	}
}

func TestForecastTileAndRows(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	def := forecastBoard()
	def.Tiles = []config.Tile{config.TileSLACall, config.TileForecast, config.TileQueueTable}
	// Three minutes in, the SLA is 92% and falling a point a minute: below
	// the 90% target in about two minutes.
	mb, hist := forecastFixture(now, 3)
	p := New(def, mb, false)
	p.WithForecasts(Forecasts(def, mb, hist, nil, now))
	w := p.Wall(false)
	var tile *struct{ v, level, reason string }
	for _, t := range w.Tiles {
		if t.Kind == string(config.TileForecast) {
			tile = &struct{ v, level, reason string }{t.Value, t.Level, t.Reason}
		}
	}
	if tile == nil || tile.level != "warn" || tile.v != "~2 min" || !strings.Contains(tile.reason, "\u2068Billing\u2069: SLA below target in ~2 min") {
		t.Fatalf("forecast tile %+v", tile)
	}
	sv := p.Supervisor()
	if !sv.Forecasts || sv.Queues[0].Forecast.Summary != "SLA below target in ~2 min" {
		t.Errorf("supervisor row %+v", sv.Queues[0].Forecast)
	}
	// Without history: not enough calls, said so.
	p = New(def, mb, false).WithForecasts(Forecasts(def, mb, nil, nil, now))
	if f := p.Supervisor().Queues[0].Forecast; f.Level != "none" || f.Summary != "not enough calls in the last 15 min" {
		t.Errorf("no history: %+v", f)
	}
	if e := p.Embed(config.TileForecast); e.Value != "—" {
		t.Errorf("embed without data: %+v", e)
	}
}

// Where the vendor says which teams take a queue, only their agents count.
func TestForecastAgentsOfTheQueuesTeams(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	mb, hist := forecastFixture(now, 20)
	m := &model.Membership{
		TeamQueues: map[string][]string{"t1": {"1:en:call"}, "t2": {"other"}},
		TeamAgents: map[string][]string{"t1": {"a", "b", "c", "k"}, "t2": {"d", "e"}},
	}
	key := boards.QueueKey{Source: "ujet", ID: "1:en:call"}
	f := Forecasts(forecastBoard(), mb, hist, map[string]*model.Membership{"ujet": m}, now)[key]
	// a, b, c are busy; k is away.
	if f.Agents != 3 || !strings.Contains(f.Source, "teams that take the queue") {
		t.Errorf("agents %d (%s), want the 3 busy agents of team t1", f.Agents, f.Source)
	}
	m.TeamQueues = map[string][]string{"t2": {"other"}}
	if f := Forecasts(forecastBoard(), mb, hist, map[string]*model.Membership{"ujet": m}, now)[key]; f.Agents != 10 {
		t.Errorf("no team takes the queue: %d agents, want the board's 10", f.Agents)
	}
}

// The vendor's mean handle time wins over the assumed one; a closed queue
// gets no forecast.
func TestForecastHandleTimeAndClosed(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	mb, hist := forecastFixture(now, 20)
	mb.Queues[0].AverageHandleSeconds = new(150.0)
	key := boards.QueueKey{Source: "ujet", ID: "1:en:call"}
	f := Forecasts(forecastBoard(), mb, hist, nil, now)[key]
	if f.AHT != 150 || !strings.Contains(f.Source, "the vendor's mean handle time") || f.Load != 10 {
		t.Errorf("handle time %v (%s), load %v", f.AHT, f.Source, f.Load)
	}
	mb.Queues[0].Closed = true
	if f := Forecasts(forecastBoard(), mb, hist, nil, now)[key]; f.Enough || f.Note != "the queue is closed" {
		t.Errorf("closed queue: %+v", f)
	}
}

// Without a say on who takes which queue, the board's agents are shared
// among its queues in proportion to their load.
func TestForecastSharesTheBoardsAgents(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	mb, hist := forecastFixture(now, 20)
	q2 := mb.Queues[0]
	q2.ID, q2.Name = "2:en:call", "Sales"
	q2.AverageHandleSeconds = new(540.0) // three times the load of Billing's assumed 180 s
	mb.Queues = append(mb.Queues, q2)
	hist[history.QueueKey("ujet", q2.ID)] = hist[history.QueueKey("ujet", "1:en:call")]
	fs := Forecasts(forecastBoard(), mb, hist, nil, now)
	billing, sales := fs[boards.QueueKey{Source: "ujet", ID: "1:en:call"}], fs[boards.QueueKey{Source: "ujet", ID: "2:en:call"}]
	if billing.Agents+sales.Agents != 10 || sales.Agents < 3*billing.Agents-2 || !strings.Contains(billing.Source, "shared among its queues") {
		t.Errorf("agents: Billing %d, Sales %d (%s); want 10 shared about 1:3", billing.Agents, sales.Agents, billing.Source)
	}
}
