package simulator

import (
	"container/heap"
	"math"
	"time"
)

type eventKind int

const (
	evArrival    eventKind = iota // idx: queue
	evAbandon                     // idx: queue, id: contact
	evLogin                       // idx: agent
	evAuxDue                      // idx: agent, gen: auxGen
	evHoldStart                   // idx: agent
	evHoldEnd                     // idx: agent
	evContactEnd                  // idx: agent
	evAvailable                   // idx: agent; end of wrap-up, aux or missed call
)

type event struct {
	at   time.Time
	seq  uint64
	kind eventKind
	idx  int
	id   int
	gen  uint64
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Traffic parameters, in simulated seconds unless noted.
const (
	rateSwing     = 0.6       // arrival rate varies ±60% around the base
	ratePeriod    = 16 * 60.0 // over this period
	holdChance    = 0.35      // of calls
	missChance    = 0.03      // of offers
	auxEvery      = 60 * 60.0 // mean time between an agent's aux statuses
	logoutChance  = 0.08      // of aux decisions, while enough agents are logged in
	minLoggedFrac = 0.8
)

// schedule queues ev to happen simSeconds of simulated time from now.
func (c *Center) schedule(ev event, simSeconds float64) {
	ev.at = c.now.Add(c.wall(simSeconds))
	c.seq++
	ev.seq = c.seq
	heap.Push(&c.events, ev)
}

func (c *Center) handle(ev event) {
	switch ev.kind {
	case evArrival:
		c.arrival(ev.idx)
	case evAbandon:
		c.abandon(ev.idx, ev.id)
	case evAuxDue:
		a := c.agents[ev.idx]
		if ev.gen == a.auxGen {
			c.auxDue(a)
		}
	default:
		a := c.agents[ev.idx]
		if ev.gen != a.gen {
			return // the agent's status changed since
		}
		switch ev.kind {
		case evLogin:
			c.login(a)
		case evHoldStart:
			c.holdStart(a)
		case evHoldEnd:
			c.holdEnd(a)
		case evContactEnd:
			c.contactEnd(a)
		case evAvailable:
			c.backToWork(a)
		}
	}
	c.dispatch()
}

// rate returns queue q's arrival rate at the current time in simulated
// contacts per simulated second.
func (c *Center) rate(q *queue) float64 {
	t := c.simSince(c.origin)
	return q.perSecond * (1 + rateSwing*math.Sin(2*math.Pi*t/ratePeriod+q.phase))
}

// scheduleArrival draws the next candidate arrival of queue qi; arrivals
// are thinned to the time-varying rate when they happen.
func (c *Center) scheduleArrival(qi int) {
	max := c.queues[qi].perSecond * (1 + rateSwing)
	if max <= 0 { // stopped by Surge: look again in a minute
		c.schedule(event{kind: evArrival, idx: qi}, 60)
		return
	}
	c.schedule(event{kind: evArrival, idx: qi}, c.rng.ExpFloat64()/max)
}

func (c *Center) arrival(qi int) {
	q := c.queues[qi]
	max := q.perSecond * (1 + rateSwing)
	if c.rng.Float64()*max < c.rate(q) {
		if h, ok := hoursOf(c.hours, c.menus, q.MenuID); !ok || h.OpenAt(c.now) {
			c.arrive(qi) // a closed queue takes no contacts
		}
	}
	c.scheduleArrival(qi)
}

// arrive puts a new contact into queue qi now.
func (c *Center) arrive(qi int) {
	q := c.queues[qi]
	if q.Channel == "call" && (c.nextContact+1)%IVRHangUpEvery == 0 {
		c.ivrHangUp(q)
	}
	c.nextContact++
	ct := &contact{id: c.nextContact, queue: qi, enqueuedAt: c.now}
	ct.rec = c.newContact(ct.id, q)
	q.waiting = append(q.waiting, ct)
	patience := 30 + c.rng.ExpFloat64()*120
	if q.Channel == "chat" {
		patience = 60 + c.rng.ExpFloat64()*240
	}
	c.schedule(event{kind: evAbandon, idx: qi, id: ct.id}, patience)
	c.changed = true
}

func (c *Center) abandon(qi, id int) {
	q := c.queues[qi]
	for i, ct := range q.waiting {
		if ct.id == id {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			c.record(ct, false)
			c.contactAbandoned(ct.rec)
			c.changed = true
			return
		}
	}
}

func (c *Center) record(ct *contact, answered bool) {
	q := c.queues[ct.queue]
	waited := c.simSince(ct.enqueuedAt)
	c.history = append(c.history, Handled{
		MenuPathID: q.MenuPathID,
		Lang:       q.Lang,
		Channel:    q.Channel,
		GroupID:    q.GroupID,
		EnqueuedAt: ct.enqueuedAt,
		EndedAt:    c.now,
		Answered:   answered,
		InSLA:      answered && waited <= c.opt.SLAThreshold.Seconds(),
	})
}

// prune drops history older than HistoryMinutes (plus a minute of margin).
func (c *Center) prune() {
	cut := c.now.Add(-c.wall(float64(HistoryMinutes+1) * 60))
	n := 0
	for n < len(c.history) && c.history[n].EndedAt.Before(cut) {
		n++
	}
	if n > 0 {
		c.history = append(c.history[:0], c.history[n:]...)
	}
}

func (c *Center) setStatus(a *agent, sid int) {
	a.gen++
	a.StatusID = sid
	for _, s := range c.statuses {
		if s.ID == sid {
			a.StatusName = s.Name
		}
	}
	a.StatusSince = c.now
	if sid != StatusInCall {
		a.OnHold, a.HoldSince = false, nil
	}
	c.changed = true
}

func (c *Center) login(a *agent) {
	a.LoggedIn = true
	a.LastLogin = c.now
	c.setStatus(a, StatusAvailable)
	c.scheduleAux(a)
}

func (c *Center) logout(a *agent) {
	a.LoggedIn = false
	a.pendingAux = false
	a.auxGen++
	c.setStatus(a, StatusOffline)
	c.schedule(event{kind: evLogin, idx: a.idx(), gen: a.gen}, 300+c.rng.ExpFloat64()*900)
}

func (c *Center) scheduleAux(a *agent) {
	a.auxGen++
	if c.opt.Quiet {
		return
	}
	c.schedule(event{kind: evAuxDue, idx: a.idx(), gen: a.auxGen}, c.rng.ExpFloat64()*auxEvery)
}

// auxDue fires when an agent wants a break (or to log out): at once when
// idle, after the current contact otherwise.
func (c *Center) auxDue(a *agent) {
	if !a.LoggedIn {
		return
	}
	if a.StatusID != StatusAvailable {
		a.pendingAux = true
		return
	}
	c.takeAux(a)
}

// auxChoices are the away statuses agents take, with weights and durations
// (minimum + exponential mean, simulated seconds).
type auxChoice struct {
	status      int
	weight      float64
	min, expMea float64
}

func auxChoices() []auxChoice {
	return []auxChoice{
		{StatusBreak, 0.35, 240, 300},
		{StatusUnavailable, 0.08, 60, 180},
		{StatusMeal, 0.12, 600, 600},
		{StatusSpecialTask, 0.07, 300, 600},
		{StatusTraining, 0.16, 300, 600},
		{StatusCoaching, 0.12, 300, 400},
		{StatusTeamMeeting, 0.10, 600, 600},
	}
}

func (c *Center) takeAux(a *agent) {
	a.pendingAux = false
	logged := 0
	for _, x := range c.agents {
		if x.LoggedIn {
			logged++
		}
	}
	if float64(logged) > minLoggedFrac*float64(len(c.agents)) && c.rng.Float64() < logoutChance {
		c.logout(a)
		return
	}
	x := c.rng.Float64()
	choices := auxChoices()
	for i, ch := range choices {
		if x -= ch.weight; x < 0 || i == len(choices)-1 {
			c.setStatus(a, ch.status)
			c.schedule(event{kind: evAvailable, idx: a.idx(), gen: a.gen}, ch.min+c.rng.ExpFloat64()*ch.expMea)
			return
		}
	}
}

func auxDuration(c *Center, sid int) float64 {
	for _, ch := range auxChoices() {
		if ch.status == sid {
			return ch.min + c.rng.ExpFloat64()*ch.expMea
		}
	}
	return 120 + c.rng.ExpFloat64()*300
}

// backToWork ends wrap-up, an aux status or a missed call.
func (c *Center) backToWork(a *agent) {
	wasAux := a.StatusID != StatusWrapUp && a.StatusID != StatusMissedCall
	if a.pendingAux {
		c.takeAux(a) // the next aux is scheduled when this one ends
		return
	}
	c.setStatus(a, StatusAvailable)
	if wasAux {
		c.scheduleAux(a)
	}
}

// dispatch gives waiting contacts, oldest first, to the available agents
// that serve their queues, longest idle first.
func (c *Center) dispatch() {
	for {
		best := -1
		var bestAgent *agent
		for qi, q := range c.queues {
			if len(q.waiting) == 0 {
				continue
			}
			if best >= 0 && !q.waiting[0].enqueuedAt.Before(c.queues[best].waiting[0].enqueuedAt) {
				continue
			}
			if a := c.longestIdle(q); a != nil {
				best, bestAgent = qi, a
			}
		}
		if best < 0 {
			return
		}
		c.offer(bestAgent, best)
	}
}

func (c *Center) longestIdle(q *queue) *agent {
	var best *agent
	for _, ai := range q.agents {
		a := c.agents[ai]
		if !a.LoggedIn || a.StatusID != StatusAvailable {
			continue
		}
		if best == nil || a.StatusSince.Before(best.StatusSince) {
			best = a
		}
	}
	return best
}

// offer gives the oldest contact of queue qi to agent a, who answers it or,
// rarely, misses it (the contact goes back to the head of the queue).
func (c *Center) offer(a *agent, qi int) {
	q := c.queues[qi]
	ct := q.waiting[0]
	q.waiting = q.waiting[1:]
	c.changed = true
	if !c.opt.Quiet && c.rng.Float64() < missChance {
		q.waiting = append([]*contact{ct}, q.waiting...)
		c.setStatus(a, StatusMissedCall)
		c.schedule(event{kind: evAvailable, idx: a.idx(), gen: a.gen}, 15+c.rng.ExpFloat64()*20)
		return
	}
	c.record(ct, true)
	c.contactAnswered(ct.rec, a.ID)
	a.contact = ct
	if q.Channel == "chat" {
		a.ChatCount++
		c.setStatus(a, StatusInChat)
		c.schedule(event{kind: evContactEnd, idx: a.idx(), gen: a.gen}, chatSeconds(c))
		return
	}
	a.CallCount++
	c.setStatus(a, StatusInCall)
	talk := callSeconds(c)
	if c.rng.Float64() < holdChance {
		at := talk * (0.2 + 0.4*c.rng.Float64())
		a.remaining = talk - at
		c.schedule(event{kind: evHoldStart, idx: a.idx(), gen: a.gen}, at)
		return
	}
	c.schedule(event{kind: evContactEnd, idx: a.idx(), gen: a.gen}, talk)
}

func (c *Center) holdStart(a *agent) {
	now := c.now
	a.OnHold, a.HoldSince = true, &now
	c.changed = true
	c.schedule(event{kind: evHoldEnd, idx: a.idx(), gen: a.gen}, 15+c.rng.ExpFloat64()*45)
}

func (c *Center) holdEnd(a *agent) {
	if a.contact != nil && a.HoldSince != nil {
		a.contact.rec.HoldSecs += wholeSecs(c.now.Sub(*a.HoldSince))
	}
	a.OnHold, a.HoldSince = false, nil
	c.changed = true
	c.schedule(event{kind: evContactEnd, idx: a.idx(), gen: a.gen}, a.remaining)
}

func (c *Center) contactEnd(a *agent) {
	chat := a.StatusID == StatusInChat
	ct := a.contact
	a.contact = nil
	c.setStatus(a, StatusWrapUp)
	wrap := 10 + c.rng.ExpFloat64()*25
	if chat {
		wrap = 10 + c.rng.ExpFloat64()*20
	}
	if ct != nil {
		c.contactFinished(ct.rec, c.wall(wrap))
	}
	c.schedule(event{kind: evAvailable, idx: a.idx(), gen: a.gen}, wrap)
}

// force puts agent a into status sid now (test hook).
func (c *Center) force(a *agent, sid int) {
	if a.contact != nil {
		c.contactFinished(a.contact.rec, 0)
	}
	a.contact = nil
	a.pendingAux = false
	if sid == StatusOffline {
		if a.LoggedIn {
			c.logout(a)
		}
		return
	}
	if !a.LoggedIn {
		a.LoggedIn = true
		a.LastLogin = c.now
		c.scheduleAux(a)
	}
	c.setStatus(a, sid)
	idx := a.idx()
	switch sid {
	case StatusAvailable:
	case StatusInCall:
		c.schedule(event{kind: evContactEnd, idx: idx, gen: a.gen}, callSeconds(c))
	case StatusInChat:
		c.schedule(event{kind: evContactEnd, idx: idx, gen: a.gen}, chatSeconds(c))
	case StatusWrapUp:
		c.schedule(event{kind: evAvailable, idx: idx, gen: a.gen}, 10+c.rng.ExpFloat64()*25)
	case StatusMissedCall:
		c.schedule(event{kind: evAvailable, idx: idx, gen: a.gen}, 15+c.rng.ExpFloat64()*20)
	default:
		c.schedule(event{kind: evAvailable, idx: idx, gen: a.gen}, auxDuration(c, sid))
	}
}

// callSeconds draws a call's talk time (before holds), simulated seconds.
func callSeconds(c *Center) float64 { return 30 + c.rng.ExpFloat64()*120 }

// chatSeconds draws a chat's duration, simulated seconds.
func chatSeconds(c *Center) float64 { return 45 + c.rng.ExpFloat64()*150 }
