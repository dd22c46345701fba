package forecast

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.6g, want %.6g (±%g)", what, got, want, tol)
	}
}

// The worked example of Call Centre Helper, "Erlang C Formula – Made Simple
// With an Easy Worked Example" (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm):
// 100 calls per half hour, 180 s handle time, 10 erlangs; with 11 agents a
// call waits with probability 68.21 %, the service level at 20 s is 39 % and
// the average speed of answer 122.8 s; 14 agents are needed for 80 % in 20 s.
func TestErlangCCallCentreHelperExample(t *testing.T) {
	p := Params{ArrivalsPerHour: 200, AHT: 180, Agents: 11, Threshold: 20}
	near(t, "load", p.Load(), 10, 1e-12)
	r := ErlangC(p)
	near(t, "P(wait)", r.PWait, 0.6821, 0.00005)
	near(t, "service level", r.ServiceLevel, 0.39, 0.0005)
	near(t, "ASA", r.Wait, 122.8, 0.05)
	if r.Abandon != 0 {
		t.Errorf("Erlang C abandon = %v, want 0", r.Abandon)
	}
	if n := AgentsNeeded(ErlangC, p, 0.8); n != 14 {
		t.Errorf("agents for 80/20 = %d, want 14", n)
	}
}

// Erlang B tables (e.g. the ITU-T Teletraffic Engineering Handbook, table
// of the Erlang B formula): 10 circuits carry 4.46 erlangs at 1 % blocking
// and 100 circuits 84.06 erlangs at 1 %.
func TestErlangBTable(t *testing.T) {
	near(t, "B(10, 4.46)", math.Exp(-logInvErlangB(10, 4.46)), 0.01, 0.0002)
	near(t, "B(100, 84.06)", math.Exp(-logInvErlangB(100, 84.06)), 0.01, 0.0002)
}

// reference solves M/M/n+M by brute force, independently of the closed
// forms: the stationary distribution of the truncated birth-death chain,
// and the fate of an arriving contact by uniformizing the chain of its
// position in the queue, with its own patience.
func reference(p Params) Result {
	lambda, mu, theta := p.ArrivalsPerHour/3600, 1/p.AHT, 1/p.Patience
	n := p.Agents
	const K = 1500 // queue places kept
	pi := make([]float64, n+K+1)
	pi[0] = 1
	for j := 1; j < len(pi); j++ {
		death := float64(min(j, n)) * mu
		if j > n {
			death += float64(j-n) * theta
		}
		pi[j] = pi[j-1] * lambda / death
	}
	sum := 0.0
	for _, v := range pi {
		sum += v
	}
	var pw, queue float64
	for j := range pi {
		pi[j] /= sum
		if j >= n {
			pw += pi[j]
			queue += float64(j-n) * pi[j]
		}
	}
	// State s ≥ 1: s−1 ahead of the contact; 0: answered; -: given up.
	nm := float64(n) * mu
	rate := func(s int) float64 { return nm + float64(s-1)*theta }
	L := rate(K+1) + theta
	cur := make([]float64, K+2)
	for k := 0; k <= K; k++ {
		cur[k+1] = pi[n+k]
	}
	answered := 1 - pw // not waiting at all
	// Poisson(L·T) weights of the uniformized steps.
	lt := L * p.Threshold
	weight := func(m int) float64 {
		if lt == 0 {
			if m == 0 {
				return 1
			}
			return 0
		}
		return math.Exp(-lt + float64(m)*math.Log(lt) - lgamma(float64(m)+1))
	}
	var answeredByT, waitingAtT float64
	next := make([]float64, K+2)
	for m := 0; ; m++ {
		waiting := 0.0
		for _, v := range cur[1:] {
			waiting += v
		}
		w := weight(m)
		answeredByT += w * cur[0] // cur[0]: answered within m steps
		waitingAtT += w * waiting
		if m > int(lt)+50 && w < 1e-18 {
			break
		}
		clear(next)
		next[0] = cur[0]
		for s := 1; s <= K+1; s++ {
			r := rate(s)
			next[s-1] += cur[s] * r / L
			next[s] += cur[s] * (1 - (r+theta)/L) // the rest, θ/L, gives up
		}
		cur, next = next, cur
	}
	answeredByT += answered
	abandon := theta * queue / lambda
	return Result{
		PWait:        pw,
		ServiceLevel: answeredByT / (answeredByT + waitingAtT),
		Wait:         queue / lambda,
		Abandon:      abandon,
	}
}

func TestErlangAAgainstBruteForce(t *testing.T) {
	for _, p := range []Params{
		{ArrivalsPerHour: 200, AHT: 180, Agents: 11, Threshold: 20, Patience: 120},
		{ArrivalsPerHour: 200, AHT: 180, Agents: 8, Threshold: 20, Patience: 120},  // overloaded
		{ArrivalsPerHour: 200, AHT: 180, Agents: 14, Threshold: 60, Patience: 600}, // comfortable
		{ArrivalsPerHour: 30, AHT: 300, Agents: 2, Threshold: 30, Patience: 45},
		{ArrivalsPerHour: 900, AHT: 240, Agents: 55, Threshold: 15, Patience: 300},
		{ArrivalsPerHour: 900, AHT: 240, Agents: 70, Threshold: 0, Patience: 90},
	} {
		got, want := ErlangA(p), reference(p)
		t.Logf("%+v: %+v", p, got)
		near(t, "P(wait)", got.PWait, want.PWait, 1e-9)
		near(t, "abandon", got.Abandon, want.Abandon, 1e-9)
		near(t, "wait", got.Wait, want.Wait, 1e-6)
		near(t, "service level", got.ServiceLevel, want.ServiceLevel, 1e-7)
	}
}

// Mandelbaum and Zeltyn (2005), "The Palm/Erlang-A queue, with applications
// to call centers", give P(abandon | wait) = 1/(ρ·A(x,y)) + 1 − 1/ρ with
// ρ = λ/(nμ) and A(x,y) = x·e^y·y^(−x)·γ(x,y), x = nμ/θ, y = λ/θ.
func TestErlangAAbandonGivenWaitFormula(t *testing.T) {
	p := Params{ArrivalsPerHour: 360, AHT: 240, Agents: 25, Threshold: 20, Patience: 150}
	lambda, mu, theta := p.ArrivalsPerHour/3600, 1/p.AHT, 1/p.Patience
	x, y := float64(p.Agents)*mu/theta, lambda/theta
	rho := lambda / (float64(p.Agents) * mu)
	A := math.Exp(y - x*math.Log(y) + lgamma(x+1) + logGammaP(x, y)) // not logGammaA's series
	r := ErlangA(p)
	near(t, "P(ab|wait)", r.Abandon/r.PWait, 1/(rho*A)+1-1/rho, 1e-12)
}

// With patience equal to the handle time every contact in the system leaves
// at the same rate whether waiting or served, so the number in the system is
// Poisson with mean the load (the M/M/∞ queue): P(wait) = P(N ≥ n) exactly.
func TestErlangAPatienceEqualsHandleTimeIsPoisson(t *testing.T) {
	for _, tc := range []struct {
		load float64
		n    int
	}{{10, 12}, {400, 410}, {2500, 2400}, {2500, 2600}} {
		p := Params{ArrivalsPerHour: tc.load * 3600 / 200, AHT: 200, Patience: 200, Agents: tc.n, Threshold: 20}
		// P(N ≥ n) for N ~ Poisson(load) = P(n, load), the regularized gamma.
		want := math.Exp(logGammaP(float64(tc.n), tc.load))
		near(t, "P(wait)", ErlangA(p).PWait, want, 1e-9)
	}
}

// Garnett, Mandelbaum and Reiman (2002), Theorem 4.1: with n = a + β√a and
// a → ∞ (the quality-and-efficiency-driven regime), P(wait) tends to
// [1 + √(θ/μ)·h(β̂)/h(−β)]⁻¹, β̂ = β√(μ/θ), h the standard normal hazard rate.
// Checked at a thousand agents, where the limit is close.
func TestErlangAHalfinWhittLimit(t *testing.T) {
	h := func(x float64) float64 {
		phi := math.Exp(-x*x/2) / math.Sqrt(2*math.Pi)
		return phi / (0.5 * math.Erfc(x/math.Sqrt2))
	}
	const a, aht = 1000.0, 300.0
	for _, tc := range []struct{ beta, patienceOverAHT float64 }{{0.5, 2}, {0, 0.5}, {-0.5, 4}, {1, 1}} {
		n := int(math.Round(a + tc.beta*math.Sqrt(a)))
		beta := (float64(n) - a) / math.Sqrt(a)
		ratio := 1 / tc.patienceOverAHT // θ/μ
		bhat := beta / math.Sqrt(ratio)
		want := 1 / (1 + math.Sqrt(ratio)*h(bhat)/h(-beta))
		p := Params{ArrivalsPerHour: a / aht * 3600, AHT: aht, Patience: aht * tc.patienceOverAHT, Agents: n, Threshold: 20}
		near(t, "P(wait)", ErlangA(p).PWait, want, 0.02)
	}
}

func TestLimits(t *testing.T) {
	base := Params{ArrivalsPerHour: 200, AHT: 180, Agents: 11, Threshold: 20}
	t.Run("infinite patience is Erlang C", func(t *testing.T) {
		c := ErlangC(base)
		for _, patience := range []float64{0, math.Inf(1)} {
			p := base
			p.Patience = patience
			if a := ErlangA(p); a != c {
				t.Errorf("patience %v: %+v, want Erlang C %+v", patience, a, c)
			}
		}
		// And Erlang A tends to it: the difference shrinks like 1/patience.
		var scaled []float64
		for _, patience := range []float64{1e6, 1e7, 1e8, 1e9} {
			p := base
			p.Patience = patience
			a := ErlangA(p)
			near(t, "P(wait)", a.PWait, c.PWait, 1e3/patience)
			near(t, "service level", a.ServiceLevel, c.ServiceLevel, 1e3/patience)
			near(t, "abandon", a.Abandon, 0, 1e3/patience)
			scaled = append(scaled, (c.Wait-a.Wait)*patience)
		}
		for _, v := range scaled[1:] {
			near(t, "(C − A wait) × patience", v, scaled[0], 0.02*scaled[0])
		}
	})
	t.Run("infinite agents never wait", func(t *testing.T) {
		for _, m := range []Model{ErlangA, ErlangC} {
			p := base
			p.Patience = 120
			p.Agents = 5000
			r := m(p)
			near(t, "P(wait)", r.PWait, 0, 1e-300)
			near(t, "service level", r.ServiceLevel, 1, 0)
			near(t, "wait", r.Wait, 0, 1e-300)
		}
	})
	t.Run("Erlang C with load at or over the agents always waits", func(t *testing.T) {
		for _, n := range []int{10, 9, 1, 0} {
			p := base
			p.Agents = n
			r := ErlangC(p)
			if r.PWait != 1 || r.ServiceLevel != 0 || !math.IsInf(r.Wait, 1) {
				t.Errorf("%d agents for 10 erlangs: %+v", n, r)
			}
		}
	})
	t.Run("Erlang A overloaded: the excess abandons", func(t *testing.T) {
		// 3600 erlangs on 2000 agents: nearly all wait, and 1 − 2000/3600
		// of the contacts give up (the fluid limit).
		p := Params{ArrivalsPerHour: 72000, AHT: 180, Patience: 180, Agents: 2000, Threshold: 20}
		r := ErlangA(p)
		near(t, "P(wait)", r.PWait, 1, 1e-9)
		near(t, "abandon", r.Abandon, 1-2000.0/3600, 1e-6)
		near(t, "wait", r.Wait, r.Abandon*180, 1e-6)
	})
	t.Run("no agents", func(t *testing.T) {
		p := base
		p.Agents, p.Patience = 0, 60
		r := ErlangA(p)
		if r.PWait != 1 || r.Abandon != 1 || r.ServiceLevel != 0 || r.Wait != 60 {
			t.Errorf("no agents: %+v", r)
		}
	})
	t.Run("no arrivals", func(t *testing.T) {
		p := base
		p.ArrivalsPerHour, p.Patience = 0, 60
		for _, m := range []Model{ErlangA, ErlangC} {
			if r := m(p); r != (Result{ServiceLevel: 1}) {
				t.Errorf("no arrivals: %+v", r)
			}
		}
	})
	t.Run("unreachable target", func(t *testing.T) {
		if n := AgentsNeeded(ErlangC, base, 1.01); n != -1 {
			t.Errorf("101%% needs %d agents, want -1 (none)", n)
		}
	})
}

// Contact-centre sizes: thousands of agents, long patience; finite, sane.
func TestLargeSizes(t *testing.T) {
	for _, p := range []Params{
		{ArrivalsPerHour: 120000, AHT: 300, Patience: 3600, Agents: 10050, Threshold: 20},
		{ArrivalsPerHour: 120000, AHT: 300, Patience: 30, Agents: 9000, Threshold: 20},
		{ArrivalsPerHour: 120000, AHT: 300, Patience: 86400, Agents: 10200, Threshold: 300},
		{ArrivalsPerHour: 1, AHT: 300, Patience: 60, Agents: 1000, Threshold: 20},
	} {
		for name, m := range map[string]Model{"A": ErlangA, "C": ErlangC} {
			r := m(p)
			for _, v := range []float64{r.PWait, r.ServiceLevel, r.Abandon} {
				if math.IsNaN(v) || v < 0 || v > 1 {
					t.Errorf("Erlang %s %+v: %+v", name, p, r)
				}
			}
			if math.IsNaN(r.Wait) || r.Wait < 0 {
				t.Errorf("Erlang %s %+v: wait %v", name, p, r.Wait)
			}
		}
		if n := AgentsNeeded(ErlangA, p, 0.8); n <= 0 || n > 12000 {
			t.Errorf("%+v needs %d agents", p, n)
		}
	}
}

// Erlang C overstates the staff: with impatient callers Erlang A never
// needs more agents, and more agents never lower the service level.
func FuzzMonotone(f *testing.F) {
	f.Add(200.0, 180.0, 120.0, uint16(11), 20.0)
	f.Add(72000.0, 180.0, 30.0, uint16(2000), 0.0)
	f.Add(1.0, 30.0, 1e6, uint16(1), 600.0)
	f.Fuzz(func(t *testing.T, arrivals, aht, patience float64, agents uint16, threshold float64) {
		if !(arrivals > 0 && arrivals < 1e6 && aht >= 1 && aht < 1e4 && patience >= 1 && patience < 1e6 && threshold >= 0 && threshold < 3600) {
			t.Skip()
		}
		p := Params{ArrivalsPerHour: arrivals, AHT: aht, Patience: patience, Agents: int(agents % 3000), Threshold: threshold}
		q := p
		q.Agents++
		for name, m := range map[string]Model{"A": ErlangA, "C": ErlangC} {
			r, s := m(p), m(q)
			if s.ServiceLevel < r.ServiceLevel-1e-9 || s.PWait > r.PWait+1e-9 || s.Wait > r.Wait*(1+1e-9)+1e-9 || s.Abandon > r.Abandon+1e-9 {
				t.Errorf("Erlang %s: one more agent made it worse: %+v → %+v (%+v)", name, r, s, p)
			}
			for _, v := range []float64{r.PWait, r.ServiceLevel, r.Abandon} {
				if math.IsNaN(v) || v < 0 || v > 1 {
					t.Errorf("Erlang %s %+v: %+v", name, p, r)
				}
			}
		}
		a, c := ErlangA(p), ErlangC(p)
		if a.PWait > c.PWait+1e-9 || a.Wait > c.Wait*(1+1e-9)+1e-9 {
			t.Errorf("Erlang A worse than C: %+v vs %+v (%+v)", a, c, p)
		}
		if p.Agents > 0 && p.Agents < 500 {
			if na, nc := AgentsNeeded(ErlangA, p, 0.8), AgentsNeeded(ErlangC, p, 0.8); na > nc && nc >= 0 {
				t.Errorf("Erlang A needs %d agents, more than Erlang C's %d (%+v)", na, nc, p)
			}
		}
		if p.Threshold > 0 { // a longer threshold counts more answers in
			longer := p
			longer.Threshold *= 2
			if ErlangA(longer).ServiceLevel < a.ServiceLevel-1e-9 {
				t.Errorf("a longer threshold lowered the service level (%+v)", p)
			}
		}
	})
}

// BenchmarkForecast is one queue's whole forecast at contact-centre size:
// Erlang A and C, and the agents each needs (a bisection of each).
func BenchmarkForecast(b *testing.B) {
	for _, size := range []struct {
		name     string
		arrivals float64
		agents   int
	}{{"50agents", 600, 50}, {"500agents", 6000, 500}, {"5000agents", 60000, 5000}} {
		b.Run(size.name, func(b *testing.B) {
			in := Inputs{Offered15: int(size.arrivals / 4), AHT: 300, Patience: 180, Agents: size.agents, Threshold: 20, Target: 0.8}
			for b.Loop() {
				Make(in)
			}
		})
	}
}
