package forecast

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestMakeNotEnoughCalls(t *testing.T) {
	f := Make(Inputs{Offered15: MinCalls - 1, Offered60: 200, AHT: 180, Agents: 3, Threshold: 20, Target: 0.8})
	if f.Enough || f.A != nil || f.C != nil {
		t.Fatalf("forecast from %d calls: %+v", MinCalls-1, f)
	}
	if got := f.Summary(); got != "not enough calls in the last 15 min" {
		t.Errorf("summary %q", got)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"reason":"not enough calls in the last 15 min"`) || !strings.Contains(string(b), `"offered_15m":9`) {
		t.Errorf("JSON %s", b)
	}
}

func TestMake(t *testing.T) {
	// The Call Centre Helper example over 15 minutes: 50 calls, 180 s, 11
	// agents, 80 % in 20 s; callers give up after two minutes on average.
	in := Inputs{Offered15: 50, Offered60: 180, AHT: 180, Patience: 120, Agents: 11, Threshold: 20, Target: 0.8}
	f := Make(in)
	if !f.Enough || f.A == nil || f.C == nil {
		t.Fatalf("%+v", f)
	}
	near(t, "arrivals/h", f.ArrivalsPerHour, 200, 1e-9)
	near(t, "load", f.Load, 10, 1e-9)
	near(t, "Erlang C service level", f.C.ServiceLevel, 0.39, 0.0005)
	if f.NeededC != 14 {
		t.Errorf("Erlang C needs %d, want 14", f.NeededC)
	}
	if f.NeededA > f.NeededC || f.NeededA < 11 {
		t.Errorf("Erlang A needs %d (C %d)", f.NeededA, f.NeededC)
	}
	if f.Gap != f.NeededA-11 || !f.Breach {
		t.Errorf("gap %d, breach %v", f.Gap, f.Breach)
	}
	if got := f.Summary(); !strings.HasSuffix(got, "agents short") {
		t.Errorf("summary %q", got)
	}
	// The JSON carries the inputs beside the outputs.
	b, _ := json.Marshal(f)
	for _, want := range []string{`"inputs":{"offered_15m":50`, `"aht_seconds":180`, `"erlang_a":{"p_wait":`, `"erlang_c":{`, `"needed_c":14`, `"gap":`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}

func TestEstimatePatience(t *testing.T) {
	if p := EstimatePatience(1200, 10); p != 120 {
		t.Errorf("patience %v", p)
	}
	if p := EstimatePatience(1200, 0); p != 0 {
		t.Errorf("no abandons: patience %v, want 0 (unknown)", p)
	}
}

func TestBreachIn(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	line := func(from, perMinute float64, minutes int) []Point {
		var ps []Point
		for i := 0; i <= minutes; i++ {
			ps = append(ps, Point{At: t0.Add(time.Duration(i) * time.Minute), SLA: from + perMinute*float64(i)})
		}
		return ps
	}
	// Falling one point a minute from 95 %: at 90 % after 5 minutes, below
	// 80 % ten minutes after the last point.
	if m, ok := BreachIn(line(0.95, -0.01, 5), 0.8); !ok || math.Abs(m-10) > 1e-9 {
		t.Errorf("falling: %v %v, want 10 min", m, ok)
	}
	if m, ok := BreachIn(line(0.75, -0.01, 5), 0.8); !ok || m != 0 {
		t.Errorf("below already: %v %v, want 0", m, ok)
	}
	if _, ok := BreachIn(line(0.85, 0.01, 5), 0.8); ok {
		t.Error("rising: a breach predicted")
	}
	if _, ok := BreachIn(line(0.85, 0, 5), 0.8); ok {
		t.Error("flat above target: a breach predicted")
	}
	if _, ok := BreachIn(line(0.95, -0.01, 1), 0.8); ok {
		t.Error("two points: a trend fitted")
	}
	// Only the last 15 minutes count: an older rise does not hide a fall.
	var ps []Point
	for i := 0; i < 60; i++ { // rising from 30 % for an hour, then falling
		ps = append(ps, Point{At: t0.Add(time.Duration(i) * time.Minute), SLA: 0.3 + 0.01*float64(i)})
	}
	for i := 0; i <= 15; i++ {
		ps = append(ps, Point{At: t0.Add(time.Duration(60+i) * time.Minute), SLA: 0.9 - 0.005*float64(i)})
	}
	if m, ok := BreachIn(ps, 0.8); !ok || m <= 0 || m > 10 {
		t.Errorf("recent fall: %v %v", m, ok)
	}
	f := Forecast{Enough: true, BreachIn: new(10.0)}
	if got := f.Summary(); got != "SLA below target in ~10 min" {
		t.Errorf("summary %q", got)
	}
}
