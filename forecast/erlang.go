// Package forecast predicts how a queue will do with the agents it has: the
// service level at its threshold, the average wait, the share that abandons
// and how many agents it needs to meet its target, with Erlang C (callers
// never give up) and Erlang A (Palm's M/M/n+M: callers give up after an
// exponentially distributed patience), and when the observed SLA will fall
// below target at its recent trend.
//
// Everything is computed in logarithms or from the Erlang B recursion, so it
// stays finite and accurate at contact-centre sizes (thousands of agents,
// patience of hours). The package is pure: no clocks, no I/O.
package forecast

import (
	"encoding/json"
	"math"
)

// Params describe one queue for the models. Times are in seconds.
type Params struct {
	ArrivalsPerHour float64 // contacts offered per hour (λ)
	AHT             float64 // average handle time, seconds (1/μ)
	Patience        float64 // mean patience, seconds (1/θ); 0 or +Inf: nobody gives up
	Agents          int     // agents who can take the queue (n)
	Threshold       float64 // answer-time threshold of the service level, seconds (T)
}

// Load is the offered load in erlangs: arrivals × handle time.
func (p Params) Load() float64 { return p.ArrivalsPerHour / 3600 * p.AHT }

// Result is what a model predicts for Params.
type Result struct {
	// PWait is the probability that a contact finds every agent busy.
	PWait float64 `json:"p_wait"`
	// ServiceLevel is the share of contacts answered within the threshold,
	// leaving out those that gave up before it (as UJET's SLA leaves out
	// abandoned calls): answered within T / (answered within T + still
	// waiting at T).
	ServiceLevel float64 `json:"service_level"`
	// Wait is the average wait in seconds over all contacts, answered or
	// not (the average speed of answer in Erlang C). +Inf when the queue
	// grows without bound (Erlang C with load ≥ agents); null in JSON.
	Wait float64 `json:"wait_seconds"`
	// Abandon is the share of contacts that give up (0 in Erlang C).
	Abandon float64 `json:"abandon"`
}

// MarshalJSON writes an unbounded wait as null (JSON has no infinity).
func (r Result) MarshalJSON() ([]byte, error) {
	type plain struct {
		PWait        float64  `json:"p_wait"`
		ServiceLevel float64  `json:"service_level"`
		Wait         *float64 `json:"wait_seconds"`
		Abandon      float64  `json:"abandon"`
	}
	out := plain{PWait: r.PWait, ServiceLevel: r.ServiceLevel, Abandon: r.Abandon}
	if !math.IsInf(r.Wait, 0) && !math.IsNaN(r.Wait) {
		out.Wait = &r.Wait
	}
	return json.Marshal(out)
}

// ErlangC predicts p with callers of infinite patience (Patience is
// ignored). With load ≥ agents the queue grows without bound: PWait 1,
// ServiceLevel 0, Wait +Inf.
func ErlangC(p Params) Result {
	lambda := p.ArrivalsPerHour / 3600
	if lambda <= 0 {
		return Result{ServiceLevel: 1}
	}
	a, n := p.Load(), float64(p.Agents)
	if a >= n {
		return Result{PWait: 1, Wait: math.Inf(1)}
	}
	b := math.Exp(-logInvErlangB(p.Agents, a))
	c := b / (1 - a/n*(1-b))
	return Result{
		PWait:        c,
		ServiceLevel: 1 - c*math.Exp(-(n-a)*p.Threshold/p.AHT),
		Wait:         c * p.AHT / (n - a),
	}
}

// ErlangA predicts p with callers who give up after an exponential patience
// of mean p.Patience (Palm's M/M/n+M, "Erlang A"; Garnett, Mandelbaum and
// Reiman, "Designing a call center with impatient customers", M&SOM 2002;
// Mandelbaum and Zeltyn, "The Palm/Erlang-A queue, with applications to call
// centers", 2005). Without patience (0 or +Inf) it is ErlangC.
//
// With x = nμ/θ and y = λ/θ the stationary queue is summed in closed form
// through the regularized lower incomplete gamma function P: the probability
// of waiting is A·B/(1−B+A·B), with B the Erlang B blocking probability and
// A = Γ(x+1)·e^y·y^(−x)·P(x,y) (the queue's states relative to n busy); and
// e^(−θV), V the wait of a contact that never gives up, is given a wait
// distributed as Gamma(x)/y truncated to [0,1] (the product of the
// Beta(x+i, 1) of each place in the queue), which gives the service level
// and the abandonment in terms of P.
func ErlangA(p Params) Result {
	if p.Patience <= 0 || math.IsInf(p.Patience, 1) {
		return ErlangC(p)
	}
	lambda := p.ArrivalsPerHour / 3600
	if lambda <= 0 {
		return Result{ServiceLevel: 1}
	}
	theta := 1 / p.Patience
	if p.Agents <= 0 {
		// Nobody answers: everyone waits until they give up.
		return Result{PWait: 1, Wait: p.Patience, Abandon: 1}
	}
	a := p.Load()
	x := float64(p.Agents) / p.AHT / theta // nμ/θ
	y := lambda / theta                    // λ/θ
	logA := logGammaA(x, y)
	invA := math.Exp(-logA)
	// PWait = A·B/(1−B+A·B) = 1/(1 + (1/B − 1)/A).
	pw := 1 / (1 + math.Exp(logExpm1(logInvErlangB(p.Agents, a))-logA))
	// P(abandon | wait) = 1 − 1/ρ + 1/(ρ·A), ρ = y/x, in a form that
	// keeps its digits when patience is long (A → 1/(1−ρ)).
	rho := y / x
	abandonW := (invA - (x-y)/x) / rho
	abandon := pw * clamp01(abandonW)

	// Given a wait, U = e^(−θV) has CDF R(u) = P(x, y·u)/P(x, y) on
	// (0, 1], and E[U; U ≥ u] = (x/y)·(1 − 1/A(x,y) − R(u)·(1 − 1/A(x,y·u))).
	r, invAu := 1.0, invA
	if p.Threshold > 0 {
		yu := y * math.Exp(-theta*p.Threshold)
		logAu := logGammaA(x, yu)
		// log R = x·log u − y·u + y + log A(x,yu) − log A(x,y), log u = −θT.
		r = math.Exp(-float64(p.Agents)/p.AHT*p.Threshold - y*math.Expm1(-theta*p.Threshold) + logAu - logA)
		invAu = math.Exp(-logAu)
	}
	answeredByT := (1 - pw) + pw*clamp01((1-invA-r*(1-invAu))/rho)
	stillWaiting := math.Exp(-theta*p.Threshold) * pw * clamp01(r) // P(V > T, patience > T)
	sl := 1.0
	if d := answeredByT + stillWaiting; d > 0 {
		sl = answeredByT / d
	}
	return Result{
		PWait:        clamp01(pw),
		ServiceLevel: clamp01(sl),
		Wait:         abandon / theta, // Little: θ·E[queue] = λ·P(abandon)
		Abandon:      abandon,
	}
}

// Model is ErlangA or ErlangC.
type Model func(Params) Result

// MaxAgents bounds AgentsNeeded's search.
const MaxAgents = 100_000

// AgentsNeeded is the fewest agents with which model reaches a service level
// of at least target (0..1) for p (p.Agents is ignored), or -1 when no number
// up to MaxAgents does (a target above 1, say).
func AgentsNeeded(model Model, p Params, target float64) int {
	meets := func(n int) bool {
		q := p
		q.Agents = n
		return model(q).ServiceLevel >= target
	}
	if meets(0) {
		return 0
	}
	// The service level grows with the agents: double, then bisect.
	lo, hi := 0, max(1, int(p.Load())) // meets(lo) is false
	for !meets(hi) {
		if hi >= MaxAgents {
			return -1
		}
		lo, hi = hi, min(2*hi, MaxAgents)
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if meets(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// logInvErlangB is log(1/B(n, a)) by the recursion 1/B(k) = 1 + (k/a)/B(k−1),
// kept in logarithms so that it neither overflows nor underflows.
func logInvErlangB(n int, a float64) float64 {
	if a <= 0 {
		if n == 0 {
			return 0
		}
		return math.Inf(1)
	}
	l := 0.0 // 1/B(0) = 1
	for k := 1; k <= n; k++ {
		l = logAddExp(0, math.Log(float64(k)/a)+l)
	}
	return l
}

// logGammaA is log A(x, y), A(x, y) = Σ_{k≥0} y^k / ((x+1)(x+2)…(x+k))
// = Γ(x+1)·e^y·y^(−x)·P(x, y) with P the regularized lower incomplete gamma
// function: the series itself below x+1, where its terms fall from the
// first, and Lentz's continued fraction for 1 − P above (Numerical Recipes,
// 6.2), where P is near 1.
func logGammaA(x, y float64) float64 {
	if y <= 0 {
		return 0
	}
	if y < x+1 {
		return math.Log(gammaSeries(x, y))
	}
	return y - x*math.Log(y) + lgamma(x+1) + math.Log1p(-math.Exp(logGammaQ(x, y)))
}

// logGammaP is log P(a, x), the regularized lower incomplete gamma function.
func logGammaP(a, x float64) float64 {
	if x <= 0 {
		return math.Inf(-1)
	}
	if x < a+1 {
		return a*math.Log(x) - x - lgamma(a+1) + math.Log(gammaSeries(a, x))
	}
	return math.Log1p(-math.Exp(logGammaQ(a, x)))
}

const (
	gammaEps     = 1e-16
	gammaTiny    = 1e-300
	gammaMaxIter = 10_000_000
)

// gammaSeries is Σ_{k≥0} x^k / ((a+1)…(a+k)), for x < a+1.
func gammaSeries(a, x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < gammaMaxIter; k++ {
		term *= x / (a + float64(k))
		sum += term
		if term < sum*gammaEps {
			break
		}
	}
	return sum
}

// logGammaQ is log(1 − P(a, x)) by the continued fraction, for x ≥ a+1.
func logGammaQ(a, x float64) float64 {
	b := x + 1 - a
	c := 1 / gammaTiny
	d := 1 / b
	h := d
	for i := 1; i < gammaMaxIter; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < gammaTiny {
			d = gammaTiny
		}
		c = b + an/c
		if math.Abs(c) < gammaTiny {
			c = gammaTiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < gammaEps {
			break
		}
	}
	return -x + a*math.Log(x) - lgamma(a) + math.Log(h)
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// logAddExp is log(e^a + e^b).
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(a, 1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// logExpm1 is log(e^z − 1) for z ≥ 0.
func logExpm1(z float64) float64 {
	if z > 40 {
		return z
	}
	return math.Log(math.Expm1(z))
}

func clamp01(v float64) float64 {
	switch {
	case v < 0 || math.IsNaN(v):
		return 0
	case v > 1:
		return 1
	}
	return v
}
