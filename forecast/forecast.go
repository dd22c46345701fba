package forecast

import (
	"fmt"
	"math"
	"time"
)

// MinCalls is the fewest contacts offered in the last 15 minutes for which a
// forecast is made: below it the arrival rate is mostly noise.
const MinCalls = 10

// Window is the span the arrival rate is measured over.
const Window = 15 * time.Minute

// Inputs are what a queue's forecast is computed from, kept beside its
// outputs so that anyone can recompute it.
type Inputs struct {
	Offered15 int     `json:"offered_15m"`       // contacts offered in the last 15 minutes
	Offered60 int     `json:"offered_60m"`       // and in the last 60 (for reference; the model uses 15)
	AHT       float64 `json:"aht_seconds"`       // average handle time
	Patience  float64 `json:"patience_seconds"`  // mean patience; 0: unknown, Erlang A falls back to C
	Agents    int     `json:"agents"`            // agents who can take the queue now: available + busy on it
	Threshold float64 `json:"threshold_seconds"` // the queue's service-level threshold
	Target    float64 `json:"target"`            // the queue's service-level target, 0..1
	Trend     []Point `json:"trend,omitempty"`   // observed SLA of the last 15 minutes, for BreachIn
	Source    string  `json:"source,omitempty"`  // where the figures came from, in words
	Note      string  `json:"note,omitempty"`    // what was derived or assumed
}

// Forecast is a queue's prediction.
type Forecast struct {
	Inputs `json:"inputs"`
	// Enough is false when there were too few contacts (see Reason); then
	// nothing below is set but BreachIn.
	Enough bool   `json:"enough"`
	Reason string `json:"reason,omitempty"`

	ArrivalsPerHour float64 `json:"arrivals_per_hour,omitempty"`
	Load            float64 `json:"load_erlangs,omitempty"`
	A               *Result `json:"erlang_a,omitempty"`
	C               *Result `json:"erlang_c,omitempty"`
	NeededA         int     `json:"needed_a"` // agents Erlang A says meet the target; -1: none
	NeededC         int     `json:"needed_c"`
	// Gap is NeededA − Agents: how many agents short (positive) or spare.
	Gap int `json:"gap"`
	// Breach says whether Erlang A predicts a service level below target.
	Breach bool `json:"breach"`
	// BreachIn is in how many minutes the observed SLA crosses below the
	// target at its trend of the last 15 minutes: 0 when it is below
	// already, nil when it is not heading there or there are too few points.
	BreachIn *float64 `json:"breach_in_minutes"`
}

// Make computes the forecast for in.
func Make(in Inputs) Forecast {
	f := Forecast{Inputs: in}
	if m, ok := BreachIn(in.Trend, in.Target); ok {
		f.BreachIn = &m
	}
	switch {
	case in.Offered15 < MinCalls:
		f.Reason = "not enough calls in the last 15 min"
		return f
	case in.AHT <= 0:
		f.Reason = "no handle time yet"
		return f
	}
	f.Enough = true
	p := Params{
		ArrivalsPerHour: float64(in.Offered15) * float64(time.Hour) / float64(Window),
		AHT:             in.AHT,
		Patience:        in.Patience,
		Agents:          in.Agents,
		Threshold:       in.Threshold,
	}
	f.ArrivalsPerHour, f.Load = p.ArrivalsPerHour, p.Load()
	a, c := ErlangA(p), ErlangC(p)
	f.A, f.C = &a, &c
	f.NeededA = AgentsNeeded(ErlangA, p, in.Target)
	f.NeededC = AgentsNeeded(ErlangC, p, in.Target)
	if f.NeededA >= 0 {
		f.Gap = f.NeededA - in.Agents
	}
	f.Breach = a.ServiceLevel < in.Target
	return f
}

// Summary is the forecast in a few words for a tile.
func (f Forecast) Summary() string {
	switch {
	case f.BreachIn != nil && *f.BreachIn == 0:
		return "SLA below target"
	case f.BreachIn != nil:
		return fmt.Sprintf("SLA below target in ~%d min", Minutes(*f.BreachIn))
	case !f.Enough:
		return f.Reason
	case f.Gap > 0:
		return fmt.Sprintf("%d agents short", f.Gap)
	}
	return "on target"
}

// Minutes rounds a BreachIn up to whole minutes (at least 1).
func Minutes(m float64) int { return max(1, int(math.Ceil(m-1e-6))) }

// EstimatePatience is the maximum-likelihood mean patience for exponential
// patience from a period's total waiting time (of answered and abandoned
// contacts alike) and its abandons: waited / abandoned. 0 when nobody
// abandoned (no evidence of impatience: Erlang A falls back to C).
func EstimatePatience(totalWaitSeconds float64, abandoned int) float64 {
	if abandoned <= 0 || totalWaitSeconds <= 0 {
		return 0
	}
	return totalWaitSeconds / float64(abandoned)
}

// Point is one observed SLA (0..1) at a time.
type Point struct {
	At  time.Time `json:"at"`
	SLA float64   `json:"sla"`
}

// MinPoints is the fewest points BreachIn fits a trend to.
const MinPoints = 3

// BreachIn fits a straight line (least squares) to the points of the 15
// minutes ending at the last one and returns in how many minutes after the
// last point the line crosses below target: 0 when the line is below target
// at the last point already. ok is false with fewer than MinPoints points in
// the window, a flat or rising line above target, or no target.
func BreachIn(points []Point, target float64) (minutes float64, ok bool) {
	if len(points) == 0 || target <= 0 {
		return 0, false
	}
	last := points[len(points)-1].At
	var n, sx, sy, sxx, sxy float64
	for _, p := range points {
		if last.Sub(p.At) > Window || p.At.After(last) {
			continue
		}
		x := p.At.Sub(last).Minutes() // ≤ 0
		n++
		sx += x
		sy += p.SLA
		sxx += x * x
		sxy += x * p.SLA
	}
	if n < MinPoints {
		return 0, false
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, false
	}
	slope := (n*sxy - sx*sy) / den
	now := (sy - slope*sx) / n // the line at the last point (x = 0)
	if now < target {
		return 0, true
	}
	if slope >= 0 {
		return 0, false
	}
	return (target - now) / slope, true
}
