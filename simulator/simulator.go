// Package simulator is a small, seeded contact-center model: agents moving
// through UJET's built-in and custom statuses, calls and chats arriving per
// queue, waiting, answered (with holds and wrap-up) or abandoned, and the
// service level computed from those answers. Vendor faces (package
// simulator/ujet, the Clarity Connect face) serve its state over the vendors'
// APIs; Truth is what a correct wallboard should show.
//
// The model is a discrete-event simulation driven by Advance: given the same
// Options and the same sequence of Advance times it produces the same traffic.
// All times are wall-clock times on the timeline given to Advance. Speed
// compresses simulated time into wall time: at Speed 10 contacts arrive ten
// times as often and every call, chat and status lasts a tenth as long, and
// an SLA window of N minutes covers N/10 wall minutes.
//
// The center: DefaultAgents agents (ids from 101) in four teams (ids 31-34),
// UJET's ten built-in user statuses plus three custom ones (Training,
// Coaching, Team Meeting), and two menu trees (an IVR "Support" tree and a
// "Web Help" web tree, whose roots are also the queue groups) with six leaf
// menus; their queues are leaf × language (en, some es) × channel (call,
// chat), see the Menu* and Path* constants. Arrivals per queue are Poisson
// with a rate that swings slowly around its base so queues build and drain;
// available agents take the oldest waiting contact of the queues they serve,
// longest-idle agent first; calls are sometimes put on hold; contacts end in
// wrap-up, then Available; agents take breaks and custom statuses and a few
// log out and in; waiting contacts abandon after a random patience.
// Handled contacts are kept for HistoryMinutes simulated minutes.
package simulator

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Options configure a Center. Zero values take the documented defaults.
type Options struct {
	Seed         int64         // same seed + same Advance calls = same traffic
	Agents       int           // default 40
	Speed        float64       // time scale, default 1
	SLAThreshold time.Duration // answered within this (simulated) wait counts in SLA; default 20s
	Start        time.Time     // initial model time; default time.Now()
	// WarmUp is how much simulated time the model runs before Start so
	// that it starts with agents busy, queues waiting and SLA history.
	// Default 15 minutes; negative means none (all agents Available or
	// Offline, queues empty, no history).
	WarmUp time.Duration
	// Quiet turns off spontaneous traffic: no arrivals, breaks, logins or
	// logouts. Contacts added with Enqueue are still answered, held and
	// wrapped up, and forced statuses still end. For tests that need
	// exact states.
	Quiet bool
}

// Defaults.
const (
	DefaultAgents       = 40
	DefaultSLAThreshold = 20 * time.Second
	DefaultWarmUp       = 15 * time.Minute
)

// Center is the simulated contact center. It is safe for concurrent use.
type Center struct {
	mu     sync.Mutex
	opt    Options
	rng    *rand.Rand
	origin time.Time // start of the simulation (Start minus warm-up)
	now    time.Time
	seq    uint64
	events eventHeap

	statuses []Status
	teams    []Team
	agents   []*agent
	menus    []Menu
	queues   []*queue
	groups   []QueueGroup
	history  []Handled
	contacts []*Contact // oldest first
	hours    map[int]Hours

	nextContact int
	changed     bool
	subs        map[chan struct{}]struct{}
}

type agent struct {
	Agent
	gen        uint64 // bumped on every status change; stale events are dropped
	auxGen     uint64
	contact    *contact
	remaining  float64 // simulated seconds of conversation left after a hold
	pendingAux bool
}

type queue struct {
	Queue
	perSecond float64 // base arrival rate, simulated contacts per second
	base      float64 // perSecond before the first Surge; 0: never surged
	phase     float64
	agents    []int // agent indexes serving the queue
	waiting   []*contact
}

type contact struct {
	id         int
	queue      int
	enqueuedAt time.Time
	rec        *Contact
}

// New builds a Center from o. It never fails; out-of-range options take
// their defaults.
func New(o Options) *Center {
	if o.Agents <= 0 {
		o.Agents = DefaultAgents
	}
	if o.Speed <= 0 || math.IsNaN(o.Speed) || math.IsInf(o.Speed, 0) {
		o.Speed = 1
	}
	if o.SLAThreshold <= 0 {
		o.SLAThreshold = DefaultSLAThreshold
	}
	if o.Start.IsZero() {
		o.Start = time.Now()
	}
	if o.WarmUp == 0 {
		o.WarmUp = DefaultWarmUp
	}
	if o.WarmUp < 0 {
		o.WarmUp = 0
	}
	c := &Center{
		opt:      o,
		rng:      rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed_ca11_ce47e5)),
		statuses: builtinStatuses(),
		teams:    builtinTeams(),
		subs:     make(map[chan struct{}]struct{}),
		hours:    map[int]Hours{},
	}
	c.origin = o.Start.Add(-c.wall(o.WarmUp.Seconds()))
	c.now = c.origin
	c.build()
	c.Advance(o.Start)
	c.changed = false
	return c
}

// wall converts simulated seconds to a wall-clock duration.
func (c *Center) wall(simSeconds float64) time.Duration {
	return time.Duration(simSeconds / c.opt.Speed * float64(time.Second))
}

// simSince returns the simulated seconds between t and now.
func (c *Center) simSince(t time.Time) float64 {
	return c.now.Sub(t).Seconds() * c.opt.Speed
}

func (c *Center) build() {
	r := c.rng
	names := drawNames(r, c.opt.Agents)
	c.agents = make([]*agent, c.opt.Agents)
	for i := range c.agents {
		first, last := names[i][0], names[i][1]
		if i == specialAgentIdx {
			first, last = "Zoë", "<b>O'Brien</b> & Co"
		}
		id := firstAgentID + i
		a := &agent{Agent: Agent{
			ID:          id,
			FirstName:   first,
			LastName:    last,
			Email:       emailFor(first, last, id),
			AgentNumber: fmt.Sprintf("%d", 7000+i),
			TeamIDs:     teamsFor(i),
			CreatedAt:   createdAt(c.opt.Start, i),
			LastLogin:   c.origin,
		}}
		c.agents[i] = a
	}
	groupOf := map[int]int{}
	for _, ms := range menuSpecs() {
		m := Menu{ID: ms.id, Name: ms.name, ParentID: ms.parent, Position: ms.position, MenuType: ms.menuType, MenuPathID: ms.pathID}
		m.Path = ms.name
		if ms.parent == 0 {
			c.groups = append(c.groups, QueueGroup{ID: ms.id, Name: ms.name})
			groupOf[ms.id] = ms.id
		} else {
			for _, p := range c.menus {
				if p.ID == ms.parent {
					m.Path = p.Path + "/" + ms.name
				}
			}
			groupOf[ms.id] = groupOf[ms.parent]
		}
		for _, qs := range ms.queues {
			m.Leaf = true
			m.Langs = appendUnique(m.Langs, qs.lang)
			m.Channels = appendUnique(m.Channels, qs.channel)
			for _, t := range qs.teams {
				m.TeamAssignments = append(m.TeamAssignments, TeamAssignment{Lang: qs.lang, Channel: qs.channel, TeamID: t})
			}
			q := &queue{
				Queue:     Queue{MenuID: ms.id, MenuPathID: ms.pathID, Path: m.Path, Lang: qs.lang, Channel: qs.channel, GroupID: groupOf[ms.id]},
				perSecond: qs.perMinute / 60,
				phase:     r.Float64() * 2 * math.Pi,
			}
			c.queues = append(c.queues, q)
		}
		c.menus = append(c.menus, m)
	}
	// A few cross-trained agents are also assigned directly to another
	// team's menu, so agent_assignments are not empty.
	for _, d := range []struct{ agent, menu int }{{2, MenuWebTech}, {5, MenuWebBilling}, {7, MenuTechnical}} {
		if d.agent >= len(c.agents) {
			continue
		}
		for mi := range c.menus {
			if m := &c.menus[mi]; m.ID == d.menu {
				m.AgentAssignments = append(m.AgentAssignments, AgentAssignment{Lang: "en", Channel: m.Channels[0], AgentID: c.agents[d.agent].ID})
			}
		}
	}
	c.linkQueues()

	for i := range c.queues {
		if !c.opt.Quiet {
			c.scheduleArrival(i)
		}
	}
	for _, a := range c.agents {
		if !c.opt.Quiet && r.Float64() < 0.1 {
			c.setStatus(a, StatusOffline)
			c.schedule(event{kind: evLogin, idx: a.idx(), gen: a.gen}, 60+r.ExpFloat64()*600)
			continue
		}
		c.login(a)
	}
}

// linkQueues computes which agents serve which queue from the menus' team and
// agent assignments.
func (c *Center) linkQueues() {
	for _, q := range c.queues {
		q.agents = nil
		var m Menu
		for _, mm := range c.menus {
			if mm.ID == q.MenuID {
				m = mm
			}
		}
		for ai, a := range c.agents {
			serves := false
			for _, ta := range m.TeamAssignments {
				if ta.Lang == q.Lang && ta.Channel == q.Channel && containsInt(a.TeamIDs, ta.TeamID) {
					serves = true
				}
			}
			for _, aa := range m.AgentAssignments {
				if aa.Lang == q.Lang && aa.Channel == q.Channel && aa.AgentID == a.ID {
					serves = true
				}
			}
			if serves {
				q.agents = append(q.agents, ai)
			}
		}
	}
}

func (a *agent) idx() int { return a.ID - firstAgentID }

// Advance moves the model forward to wall time now, processing every event
// up to it. Times not after the current model time are ignored.
func (c *Center) Advance(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !now.After(c.now) {
		return
	}
	for len(c.events) > 0 && !c.events[0].at.After(now) {
		ev := heap.Pop(&c.events).(event)
		c.now = ev.at
		c.handle(ev)
	}
	c.now = now
	c.prune()
	c.pruneContacts()
	c.notify()
}

// Run advances the model to time.Now() every 100ms until ctx ends. It
// returns nil when ctx ends.
func (c *Center) Run(ctx context.Context) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		c.Advance(time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Now returns the current model time: the latest time given to Advance.
func (c *Center) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Speed returns the time scale in use.
func (c *Center) Speed() float64 { return c.opt.Speed }

// Subscribe returns a channel that receives a value whenever the model
// changed. Signals coalesce: the channel has a buffer of one and a signal
// is dropped when one is already pending. The channel is closed when ctx
// ends.
func (c *Center) Subscribe(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.subs[ch] = struct{}{}
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		c.mu.Lock()
		delete(c.subs, ch)
		close(ch)
		c.mu.Unlock()
	}()
	return ch
}

// notify signals subscribers if the model changed. Callers hold c.mu.
func (c *Center) notify() {
	if !c.changed {
		return
	}
	c.changed = false
	for ch := range c.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Truth returns a deep copy of the current state.
func (c *Center) Truth() Truth { return c.truth(true) }

// Live is Truth without the contacts kept for the day counts, which grow
// over the day: for the requests and pushes that do not need them.
func (c *Center) Live() Truth { return c.truth(false) }

func (c *Center) truth(withContacts bool) Truth {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := Truth{
		At:           c.now,
		Speed:        c.opt.Speed,
		SLAThreshold: c.opt.SLAThreshold,
		Statuses:     append([]Status(nil), c.statuses...),
		Teams:        append([]Team(nil), c.teams...),
		QueueGroups:  append([]QueueGroup(nil), c.groups...),
		History:      append([]Handled(nil), c.history...),
		Hours:        make(map[int]Hours, len(c.hours)),
	}
	if withContacts {
		t.Contacts = make([]Contact, len(c.contacts))
		for i, ct := range c.contacts {
			t.Contacts[i] = *ct
		}
	}
	for id, h := range c.hours {
		h.Days = append([]time.Weekday(nil), h.Days...)
		t.Hours[id] = h
	}
	for _, a := range c.agents {
		ag := a.Agent
		ag.TeamIDs = append([]int(nil), a.TeamIDs...)
		if a.HoldSince != nil {
			hs := *a.HoldSince
			ag.HoldSince = &hs
		}
		t.Agents = append(t.Agents, ag)
	}
	for _, m := range c.menus {
		m.Langs = append([]string(nil), m.Langs...)
		m.Channels = append([]string(nil), m.Channels...)
		m.TeamAssignments = append([]TeamAssignment(nil), m.TeamAssignments...)
		m.AgentAssignments = append([]AgentAssignment(nil), m.AgentAssignments...)
		t.Menus = append(t.Menus, m)
	}
	for _, q := range c.queues {
		qq := q.Queue
		qq.Waiting = make([]time.Time, len(q.waiting))
		for i, ct := range q.waiting {
			qq.Waiting[i] = ct.enqueuedAt
		}
		t.Queues = append(t.Queues, qq)
	}
	return t
}

func (c *Center) agentByID(id int) (*agent, error) {
	i := id - firstAgentID
	if i < 0 || i >= len(c.agents) {
		return nil, fmt.Errorf("simulator: no agent %d", id)
	}
	return c.agents[i], nil
}

// SetAgentStatus forces an agent into the status named statusName (case
// insensitive) now. A contact the agent was handling ends. The agent leaves
// the status again as the model would (Offline agents log in later, other
// statuses end after their usual duration).
func (c *Center) SetAgentStatus(agentID int, statusName string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.agentByID(agentID)
	if err != nil {
		return err
	}
	sid, ok := 0, false
	for _, s := range c.statuses {
		if strings.EqualFold(s.Name, statusName) {
			sid, ok = s.ID, true
			break
		}
	}
	if !ok {
		return fmt.Errorf("simulator: no status %q", statusName)
	}
	c.force(a, sid)
	c.dispatch()
	c.notify()
	return nil
}

// SetAgentName renames an agent.
func (c *Center) SetAgentName(agentID int, first, last string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.agentByID(agentID)
	if err != nil {
		return err
	}
	a.FirstName, a.LastName = first, last
	c.changed = true
	c.notify()
	return nil
}

// Enqueue adds one contact arriving now to the queue of menu path
// menuPathID, language lang and channel ("call" or "chat"). An available
// agent serving the queue answers it at once.
func (c *Center) Enqueue(menuPathID int, lang, channel string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for qi, q := range c.queues {
		if q.MenuPathID == menuPathID && q.Lang == lang && q.Channel == channel {
			c.arrive(qi)
			c.dispatch()
			c.notify()
			return nil
		}
	}
	return fmt.Errorf("simulator: no queue for menu path %d, lang %q, channel %q", menuPathID, lang, channel)
}

// Surge multiplies the arrival rate of a queue by factor (1 restores the
// usual rate, 0 stops its arrivals): a queue that gets more contacts than
// its agents can answer drifts into an SLA breach over the next minutes,
// for demos and for tests of the forecast.
func (c *Center) Surge(menuPathID int, lang, channel string, factor float64) error {
	if factor < 0 || math.IsNaN(factor) || math.IsInf(factor, 0) {
		return fmt.Errorf("simulator: surge factor %v: want 0 or more", factor)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, q := range c.queues {
		if q.MenuPathID == menuPathID && q.Lang == lang && q.Channel == channel {
			if q.base == 0 {
				q.base = q.perSecond
			}
			q.perSecond = q.base * factor
			return nil
		}
	}
	return fmt.Errorf("simulator: no queue for menu path %d, lang %q, channel %q", menuPathID, lang, channel)
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
