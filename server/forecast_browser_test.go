package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/model"
)

const forecastYAML = `boards:
  - id: all
    thresholds:
      sla_warn: 90
      sla_critical: 80
    tiles: [sla_call, forecast, queue_table]
    forecast:
      handle_time: 3m
      answer_within: 20s
`

// simQueue is a queue about to breach: its SLA falls a point a minute from
// 97%, 4 calls arrive a minute (one abandons), 2 wait, on 12 busy agents.
func simQueue(now time.Time, minute int) model.SourceState {
	sla := 97.0 - float64(minute)
	ans, ab := 100+3*minute, 10+minute
	since := now.Add(-5 * time.Second)
	st := model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: now},
		Queues: []model.Queue{{Source: "ujet", ID: "1:en:call", Name: "Billing", Channel: "call", Waiting: 2, OldestSince: &since,
			SLAPercent: &sla, Answered: &ans, Abandoned: &ab}},
	}
	for i := range 12 {
		st.Agents = append(st.Agents, model.Agent{Source: "ujet", ID: fmt.Sprint(i), Name: fmt.Sprint("Agent ", i), State: model.StateBusy, Since: &since})
	}
	return st
}

// The wall's forecast tile warns at least 3 minutes (of the server's
// simulated clock) before the SLA tile turns red, with the history sampled
// once a simulated minute as the sampler does.
func TestBrowserForecastWarnsBeforeSLATurnsRed(t *testing.T) {
	ctx := browser(t)
	t0 := time.Now().Truncate(time.Minute)
	var clock atomic.Int64
	clock.Store(t0.UnixMilli())
	now := func() time.Time { return time.UnixMilli(clock.Load()) }
	hist := history.NewMemory(history.Options{})
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(loadSet(t, forecastYAML, nil)), Now: now, History: hist})

	step := func(minute int) {
		at := t0.Add(time.Duration(minute) * time.Minute)
		clock.Store(at.UnixMilli())
		st := simQueue(at, minute)
		if err := hist.Append(context.Background(), history.QueueKey("ujet", "1:en:call"), history.QueueSample(st.Queues[0], at, false)); err != nil {
			t.Fatal(err)
		}
		mustPut(t, ls.store, st)
	}
	step(0)
	openWall(t, ctx, ls)
	level := func(id string) string {
		return eval[string](t, ctx, `[...document.getElementById('`+id+`').classList].find(c => c.startsWith('lvl-')) || ''`)
	}
	firstWarn, firstRed := -1, -1
	for minute := 0; minute <= 20 && firstRed < 0; minute++ {
		if minute > 0 {
			step(minute)
		}
		want := fmt.Sprintf("%d%%", 97-minute)
		waitJS(t, ctx, `document.querySelector('#t-sla-call .tile-value').textContent.trim() === '`+want+`'`, 10*time.Second)
		fc, sla := level("t-forecast"), level("t-sla-call")
		if firstWarn < 0 && (fc == "lvl-warn" || fc == "lvl-critical") {
			firstWarn = minute
			text := eval[string](t, ctx, `document.getElementById('t-forecast').textContent`)
			if !strings.Contains(text, "\u2068Billing\u2069: SLA below target in ~") {
				t.Errorf("minute %d: the forecast tile warns without saying why: %q", minute, text)
			}
		}
		if sla == "lvl-critical" {
			firstRed = minute
		}
	}
	t.Logf("forecast warned at minute %d, SLA red at minute %d", firstWarn, firstRed)
	if firstWarn < 0 || firstRed < 0 || firstRed-firstWarn < 3 {
		t.Errorf("forecast warned at minute %d, SLA red at %d: want a warning 3 minutes or more ahead", firstWarn, firstRed)
	}
}

// The board API carries each queue's forecast with its inputs beside its
// outputs.
func TestBoardAPIForecast(t *testing.T) {
	t0 := time.Now().Truncate(time.Minute)
	hist := history.NewMemory(history.Options{})
	at := t0
	ts := startServer(t, Options{Boards: fixedSet(loadSet(t, forecastYAML, nil)), History: hist, Now: func() time.Time { return at }})
	for m := range 16 {
		at = t0.Add(time.Duration(m) * time.Minute)
		st := simQueue(at, m)
		if err := hist.Append(context.Background(), history.QueueKey("ujet", "1:en:call"), history.QueueSample(st.Queues[0], at, false)); err != nil {
			t.Fatal(err)
		}
		mustPut(t, ts.store, st)
	}
	resp, err := http.Get(ts.http.URL + "/api/v1/boards/all")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got struct {
		Queues []struct {
			Forecast *struct {
				Inputs struct {
					Offered15 int     `json:"offered_15m"`
					AHT       float64 `json:"aht_seconds"`
					Patience  float64 `json:"patience_seconds"`
					Agents    int     `json:"agents"`
					Target    float64 `json:"target"`
				} `json:"inputs"`
				Enough  bool               `json:"enough"`
				A       map[string]float64 `json:"erlang_a"`
				C       map[string]any     `json:"erlang_c"`
				NeededA int                `json:"needed_a"`
				Gap     int                `json:"gap"`
				Breach  *float64           `json:"breach_in_minutes"`
			} `json:"forecast"`
		} `json:"queues"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(got.Queues) != 1 || got.Queues[0].Forecast == nil {
		t.Fatalf("no forecast: %s", body)
	}
	f := got.Queues[0].Forecast
	if in := f.Inputs; in.Offered15 != 60 || in.AHT != 180 || in.Patience != 120 || in.Agents != 12 || in.Target != 0.9 {
		t.Errorf("inputs %+v", in)
	}
	if !f.Enough || f.A["service_level"] <= 0 || f.C["service_level"] == nil || f.NeededA <= 0 || f.Breach == nil {
		t.Errorf("forecast %s", body)
	}
}
