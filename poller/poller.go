// Package poller polls the UJET / CCAI Platform Manager API within its rate
// limit of one request per second and turns what it reads into the normalized
// model. Client makes single requests; Scheduler owns the request budget;
// Poller decides what to ask for next, normalizes the answers and writes a
// model.SourceState to a Sink after each change.
package poller

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"time"

	"github.com/wallboard/wallboard/model"
)

// Defaults of Config.
const (
	DefaultSource         = "ujet"
	DefaultSLAMinutes     = 15
	DefaultSLAEvery       = 15 * time.Second
	DefaultGroupSLAEvery  = time.Minute
	DefaultReferenceEvery = 5 * time.Minute
	DefaultInterval       = 1100 * time.Millisecond
	DefaultPerPage        = 100
	DefaultDayCountsEvery = time.Minute
)

// maxBackoff caps how long a failing endpoint waits before it is tried again.
const maxBackoff = 30 * time.Second

// budgetRetry is how long a poller goes on its own spacing after the shared
// budget could not be asked.
const budgetRetry = 5 * time.Second

// maxPages stops a paginated list that never ends.
const maxPages = 1000

// Sink receives the poller's states; cache.Store satisfies it.
type Sink interface {
	Put(ctx context.Context, st model.SourceState) (model.SourceState, error)
}

// Budget is a request budget shared with the other processes that poll the
// same customer; budget.Redis implements it. Take reserves a request now and
// returns 0, or returns how long until one may be made.
type Budget interface {
	Take(ctx context.Context) (time.Duration, error)
}

// Config configures a Poller. Zero fields take the defaults.
type Config struct {
	Source     string        // the source's name in the model, default "ujet"
	SLAMinutes int           // menus/sla window, default 15
	SLAEvery   time.Duration // how often menus/sla (call and chat) is read, default 15 s
	// GroupSLAEvery is how often menus/sla_by_queue_groups (call and chat)
	// is read, default 1 min: groups change slowly and live data matters more.
	GroupSLAEvery  time.Duration
	ReferenceEvery time.Duration // how often reference data is re-read, default 5 min
	// Interval is the minimum spacing between any two requests, default
	// 1.1 s: UJET allows 1 request per second, with margin for jitter. Lower
	// it only against servers that allow more.
	Interval  time.Duration
	PerPage   int              // page size of agents, menus and teams, default 100
	StatusMap *model.StatusMap // default model.NewStatusMap(model.DefaultUJETStatuses(), nil, "")
	Now       func() time.Time // clock for data timestamps, default time.Now
	// DayCountsEvery is how often calls and chats changed since the last
	// read are fetched for today's counts, default 1 min.
	DayCountsEvery time.Duration
	// Zones, when set, names the time zones (IANA) boards count their day
	// in besides the server's own; it is asked at each count, so a config
	// reload takes effect at once.
	Zones func() []string
	// Budget, when set, is asked before every request as well as the
	// poller's own Scheduler: it holds the limit across processes. When it
	// cannot be asked (Redis away), the poller goes on with its own spacing.
	Budget Budget
}

func (c Config) withDefaults() Config {
	if c.Source == "" {
		c.Source = DefaultSource
	}
	if c.SLAMinutes <= 0 {
		c.SLAMinutes = DefaultSLAMinutes
	}
	if c.SLAEvery <= 0 {
		c.SLAEvery = DefaultSLAEvery
	}
	if c.GroupSLAEvery <= 0 {
		c.GroupSLAEvery = DefaultGroupSLAEvery
	}
	if c.ReferenceEvery <= 0 {
		c.ReferenceEvery = DefaultReferenceEvery
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.DayCountsEvery <= 0 {
		c.DayCountsEvery = DefaultDayCountsEvery
	}
	// A smaller share of the budget (a longer interval) reads everything
	// but the live lists less often, in the same proportions.
	if f := float64(c.Interval) / float64(DefaultInterval); f > 1 {
		for _, d := range []*time.Duration{&c.SLAEvery, &c.GroupSLAEvery, &c.ReferenceEvery, &c.DayCountsEvery} {
			*d = time.Duration(float64(*d) * f)
		}
	}
	if c.PerPage <= 0 {
		c.PerPage = DefaultPerPage
	}
	if c.StatusMap == nil {
		c.StatusMap = model.NewStatusMap(model.DefaultUJETStatuses(), nil, "")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Poller polls one UJET tenant and writes its state to a sink.
type Poller struct {
	client *Client
	sink   Sink
	cfg    Config
	log    *slog.Logger
	sched  *Scheduler
	board  *board

	endpoints map[string]*endpointState
	nextLive  int  // which live endpoint goes next: 0 agents, 1 menus
	lastLive  bool // the previous request was a live one
	slaDue    map[string]time.Time
	groupsDue map[string]time.Time // by channel
	noGroups  bool                 // queue groups answered 400, 403 or 404: not asked again this run

	ref       refresh
	day       *dayCounter
	noDay     bool // calls or chats answered 400, 403 or 404: no day counts this run
	noHours   bool // operation hours answered 400, 403 or 404: not asked again this run
	hoursDue  time.Time
	fresh     map[string]time.Time // kind → last success
	dayLogged bool                 // a ledger failure is logged once until it works again
	zoneCache map[string]*time.Location

	liveOK        [2]time.Time // last success of agents/current_status, menus/current_status
	health        string       // current health message, "" when OK
	lastPut       model.SourceState
	havePut       bool
	putFailing    bool
	budgetFailing bool               // the shared budget could not be asked last time
	budgetRetryAt time.Time          // when to ask it again after a failure
	carry         *model.SourceState // the state found in the sink at start, shown until this run has its own
	requests      int                // requests made so far
	streak        int                // failures in a row, any endpoint
}

// endpointState is the failure record of one endpoint (one SLA channel, one
// reference list).
type endpointState struct {
	failures int
	retryAt  time.Time
	err      error // the current failure; nil when the last attempt succeeded
	at       time.Time
}

// refresh is the progress of a reference-data refresh: user statuses, then
// every page of agents, menus and teams.
type refresh struct {
	active      bool
	urgent      bool // started by unknown ids or at start: goes before SLA
	step        int  // index into refSteps
	pg          pager
	seen        map[ID]bool
	again       bool     // unknown ids arrived during the refresh
	pending     []string // the ids that started or re-requested it
	triggered   map[string]bool
	nextPeriod  time.Time
	initialDone bool
}

var refSteps = [...]string{"user_statuses", "agents", "menus", "teams"}

const (
	epAgentsStatus = "agents/current_status"
	epMenusStatus  = "menus/current_status"
	epGroupSLA     = "menus/sla_by_queue_groups"
	epHours        = "menus/operation_hours"
)

// task is one request the poller may make next.
type task struct {
	endpoint string // for the failure record and logs
	channel  string // menus/sla
	page     int    // paginated reference lists
	live     bool
	sla      bool // menus/sla
	groups   bool // menus/sla_by_queue_groups
	day      bool // calls or chats for the day counts
}

// New returns a poller that reads through client and writes to sink. log may
// be nil.
func New(client *Client, sink Sink, cfg Config, log *slog.Logger) *Poller {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Poller{
		client: client,
		sink:   sink,
		cfg:    cfg,
		log:    log.With("source", cfg.Source),
		sched:  NewScheduler(cfg.Interval),
	}
	p.reset()
	return p
}

// reset forgets everything a previous Run learned: with several replicas,
// another one may have polled in between.
func (p *Poller) reset() {
	p.board = newBoard(p.cfg.Source, p.cfg.StatusMap)
	p.endpoints = map[string]*endpointState{}
	p.nextLive, p.lastLive = 0, false
	p.slaDue = map[string]time.Time{}
	p.groupsDue = map[string]time.Time{}
	p.noGroups = false
	p.ref = refresh{triggered: map[string]bool{}}
	p.liveOK = [2]time.Time{}
	p.health = "UJET: connecting"
	p.lastPut, p.havePut, p.putFailing = model.SourceState{}, false, false
	p.carry = nil
	p.requests, p.streak = 0, 0
	p.budgetFailing, p.budgetRetryAt = false, time.Time{}
	p.day = newDayCounter(p.cfg.Source)
	p.noDay = false
	p.noHours, p.hoursDue = false, time.Time{}
	p.fresh = map[string]time.Time{}
	p.dayLogged = false
	if p.zoneCache == nil {
		p.zoneCache = map[string]*time.Location{}
	}
}

// stateReader is the part of a store the poller uses, when its sink has it,
// to carry on from the state a previous leader (another replica, or an
// earlier Run) left: its data stays on the board, marked by its own age,
// until this run has fresh data, and its names and queues fill in until the
// reference data has loaded.
type stateReader interface {
	Snapshot(ctx context.Context) ([]model.SourceState, error)
}

func (p *Poller) previous(ctx context.Context) *model.SourceState {
	r, ok := p.sink.(stateReader)
	if !ok {
		return nil
	}
	states, err := r.Snapshot(ctx)
	if err != nil {
		return nil
	}
	for _, st := range states {
		if st.Source == p.cfg.Source && st.Kind == "ujet" && (len(st.Agents) > 0 || len(st.Queues) > 0) {
			return &st
		}
	}
	return nil
}

// Scheduler returns the scheduler that spaces the poller's requests.
func (p *Poller) Scheduler() *Scheduler { return p.sched }

// Run polls until ctx ends and then returns nil. Source errors never end it:
// it retries within the request budget and reports them in the state's
// health.
//
// Run may be called again after it returned (leader election does): each
// run starts afresh from what the sink holds.
func (p *Poller) Run(ctx context.Context) error {
	p.reset()
	if prev := p.previous(ctx); prev != nil {
		// Someone polled before: keep their data on the board rather than
		// blank it, and leave a full interval after their last request.
		p.carry = prev
		p.board.carryOver(*prev)
		for k, v := range prev.Fresh {
			p.fresh[k] = v
		}
		p.lastPut, p.havePut = p.state(), true
		p.sched.PauseUntil(time.Now().Add(p.cfg.Interval))
	} else {
		p.put(ctx)
	}
	p.startRefresh(true)
	for ctx.Err() == nil {
		if !p.day.loaded && !time.Now().Before(p.day.retryAt) {
			p.loadDay(ctx)
		}
		if _, ok, at := p.pick(time.Now()); !ok {
			sleep(ctx, time.Until(at))
			continue
		}
		if err := p.sched.Wait(ctx); err != nil {
			break
		}
		if wait := p.takeShared(ctx); wait > 0 {
			p.sched.Return(time.Now().Add(wait))
			continue
		}
		t, ok, _ := p.pick(time.Now())
		if !ok { // cannot happen: waiting only makes more tasks ready
			p.sched.Done()
			continue
		}
		err := p.do(ctx, t)
		p.sched.Done()
		if ctx.Err() != nil {
			break
		}
		p.finish(ctx, t, err)
	}
	return nil
}

// takeShared asks the shared budget for the request the scheduler granted.
// It returns how long to wait when another process has just used it. While
// the budget cannot be asked, it is tried again only every budgetRetry.
func (p *Poller) takeShared(ctx context.Context) time.Duration {
	if p.cfg.Budget == nil || time.Now().Before(p.budgetRetryAt) {
		return 0
	}
	wait, err := p.cfg.Budget.Take(ctx)
	if err != nil {
		p.budgetRetryAt = time.Now().Add(budgetRetry)
		if !p.budgetFailing {
			p.budgetFailing = true
			p.log.Warn("UJET: shared request budget unavailable, spacing requests on our own", "error", err)
		}
		return 0
	}
	if p.budgetFailing {
		p.budgetFailing = false
		p.log.Info("UJET: shared request budget works again")
	}
	return wait
}

func sleep(ctx context.Context, d time.Duration) {
	d = max(min(d, time.Second), 10*time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (p *Poller) ep(name string) *endpointState {
	e, ok := p.endpoints[name]
	if !ok {
		e = &endpointState{}
		p.endpoints[name] = e
	}
	return e
}

func (p *Poller) ready(name string, now time.Time) bool { return !now.Before(p.ep(name).retryAt) }

// pick chooses the next request. Live requests (agents/current_status and
// menus/current_status, alternating) take every other slot; the slot in
// between goes to at most one other request (see pickExtra for which) or to
// a live request when nothing else is due; at start, after both live lists,
// both menus/sla lists come back to back. When nothing is ready (every endpoint backing off) it
// returns false and when to look again.
func (p *Poller) pick(now time.Time) (task, bool, time.Time) {
	if !p.ref.active && !now.Before(p.ref.nextPeriod) && p.ref.initialDone {
		p.startRefresh(false)
	}
	var live []task
	for i := range 2 {
		n := (p.nextLive + i) % 2
		name := [2]string{epAgentsStatus, epMenusStatus}[n]
		if p.ready(name, now) {
			live = append(live, task{endpoint: name, live: true})
		}
	}
	extra, extraOK := p.pickExtra(now)
	booting := p.requests < 2 // both live lists first, so the board fills at once
	// Then both SLA lists back to back: with the live lists they make a
	// full board.
	slaBoot := !booting && extraOK && extra.sla && !p.slaRead()
	switch {
	case extraOK && (p.lastLive || len(live) == 0 || slaBoot) && !(booting && len(live) > 0):
		return extra, true, time.Time{}
	case len(live) > 0:
		return live[0], true, time.Time{}
	}
	// Nothing ready: look again when the first back-off or due time passes.
	at := now.Add(time.Second)
	for _, e := range p.endpoints {
		if e.retryAt.After(now) && e.retryAt.Before(at) {
			at = e.retryAt
		}
	}
	return task{}, false, at
}

// pickExtra chooses the request for a slot the live lists leave: a due
// menus/sla first, then reference data when it is urgent (at start, or
// unknown ids in live data: names and teams), then day counts (a pass under
// way or due), then due queue groups, then periodic reference data.
func (p *Poller) pickExtra(now time.Time) (task, bool) {
	var ref task
	refOK := false
	if p.ref.active {
		ref = task{endpoint: refSteps[p.ref.step], page: p.ref.pg.page}
		refOK = p.ready(ref.endpoint, now)
	}
	for _, ch := range []string{"call", "chat"} {
		name := "menus/sla " + ch
		if !now.Before(p.slaDue[ch]) && p.ready(name, now) {
			return task{endpoint: name, channel: ch, sla: true}, true
		}
	}
	if refOK && p.ref.urgent {
		return ref, true
	}
	if t, ok := p.pickDay(now); ok {
		return t, true
	}
	if !p.noGroups {
		for _, ch := range []string{"call", "chat"} {
			name := epGroupSLA + " " + ch
			if !now.Before(p.groupsDue[ch]) && p.ready(name, now) {
				return task{endpoint: name, channel: ch, groups: true}, true
			}
		}
	}
	if !p.noHours && !now.Before(p.hoursDue) && p.ready(epHours, now) {
		return task{endpoint: epHours}, true
	}
	return ref, refOK
}

// slaRead reports whether both SLA lists have been read this run.
func (p *Poller) slaRead() bool { return !p.slaDue["call"].IsZero() && !p.slaDue["chat"].IsZero() }

// do makes the request of t and applies its answer.
func (p *Poller) do(ctx context.Context, t task) error {
	c, b, per := p.client, p.board, p.cfg.PerPage
	switch t.endpoint {
	case epAgentsStatus:
		list, err := c.AgentsCurrentStatus(ctx)
		if err != nil {
			return err
		}
		b.setLiveAgents(list, p.cfg.Now())
		p.fresh["agents"] = p.cfg.Now()
	case epMenusStatus:
		list, err := c.MenusCurrentStatus(ctx)
		if err != nil {
			return err
		}
		b.setLiveMenus(list, p.cfg.Now())
		p.fresh["queues"] = p.cfg.Now()
	case epHours:
		list, err := c.OperationHours(ctx)
		if code, ok := unavailable(err); ok {
			p.noHours = true
			p.log.Info("UJET: operation hours unavailable on this tenant; not asking again", "endpoint", epHours, "status", code)
			return nil
		}
		if err != nil {
			return err
		}
		b.hours = parseHours(list)
		p.hoursDue = time.Now().Add(p.cfg.ReferenceEvery)
		p.fresh["operation_hours"] = p.cfg.Now()
	case "user_statuses":
		list, err := c.UserStatuses(ctx)
		if err != nil {
			return err
		}
		b.setStatuses(list)
		p.nextRefStep()
	case "agents":
		list, err := c.Agents(ctx, t.page, per)
		if err != nil {
			return err
		}
		b.setAgentsPage(list)
		if p.refPageDone(ids(list, func(a AgentInfo) ID { return a.ID })) {
			b.keepAgents(p.ref.seen)
			p.nextRefStep()
		}
	case "menus":
		list, err := c.Menus(ctx, t.page, per)
		if err != nil {
			return err
		}
		b.setMenusPage(list)
		if p.refPageDone(ids(list, func(m Menu) ID { return m.ID })) {
			b.keepMenus(p.ref.seen)
			p.nextRefStep()
		}
	case "teams":
		list, err := c.Teams(ctx, t.page, per)
		var se *StatusError
		if errors.As(err, &se) && se.Code == 404 {
			// A tenant without the teams list: agents carry team names anyway.
			p.nextRefStep()
			return nil
		}
		if err != nil {
			return err
		}
		b.setTeamsPage(list)
		if p.refPageDone(ids(list, func(t Team) ID { return t.ID })) {
			b.keepTeams(p.ref.seen)
			p.nextRefStep()
		}
	default:
		if t.groups {
			return p.doGroups(ctx, t.channel)
		}
		if t.day {
			return p.doDay(ctx, t.channel)
		}
		// menus/sla call|chat
		list, err := c.MenusSLA(ctx, t.channel, p.cfg.SLAMinutes)
		if err != nil {
			return err
		}
		b.setSLA(t.channel, list)
		p.slaDue[t.channel] = time.Now().Add(p.cfg.SLAEvery)
		p.fresh["sla"] = p.cfg.Now()
	}
	return nil
}

// doGroups reads menus/sla_by_queue_groups for channel. Queue groups are
// optional: a tenant that answers 400, 403 or 404 has none for us (older
// tenants, a token without that permission); it is not asked again this run
// and the rest of the board stays current.
func (p *Poller) doGroups(ctx context.Context, channel string) error {
	list, err := p.client.SLAByQueueGroups(ctx, channel, p.cfg.SLAMinutes)
	if code, ok := unavailable(err); ok {
		p.noGroups = true
		p.board.setGroups(channel, nil)
		p.log.Info("UJET: queue groups unavailable on this tenant; not asking again", "endpoint", epGroupSLA, "status", code)
		return nil
	}
	if err != nil {
		return err
	}
	p.board.setGroups(channel, list)
	p.groupsDue[channel] = time.Now().Add(p.cfg.GroupSLAEvery)
	p.fresh["queue_groups"] = p.cfg.Now()
	return nil
}

func ids[T any](list []T, id func(T) ID) []ID {
	out := make([]ID, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

// refPageDone records a page of the current reference list and reports
// whether it was the last (see pager).
func (p *Poller) refPageDone(pageIDs []ID) bool {
	var first ID
	if len(pageIDs) > 0 {
		first = pageIDs[0]
	}
	if !p.ref.pg.repeat(first) {
		for _, id := range pageIDs {
			p.ref.seen[id] = true
		}
	}
	return p.ref.pg.done(len(pageIDs), first)
}

func (p *Poller) startRefresh(urgent bool) {
	if !urgent {
		clear(p.ref.triggered) // ids still unknown may trigger again
		p.board.forgetSeenQueues()
	}
	p.ref.active, p.ref.urgent, p.ref.step = true, urgent, 0
	p.ref.pg, p.ref.seen, p.ref.again = newPager(), map[ID]bool{}, false
}

func (p *Poller) nextRefStep() {
	p.ref.step++
	p.ref.pg, p.ref.seen = newPager(), map[ID]bool{}
	if p.ref.step < len(refSteps) {
		return
	}
	p.ref.active = false
	p.ref.initialDone = true
	p.fresh["reference"] = p.cfg.Now()
	p.ref.nextPeriod = time.Now().Add(p.cfg.ReferenceEvery)
	again := false
	if p.ref.again {
		for _, k := range p.ref.pending {
			if !p.board.known(k) {
				again = true
				break
			}
		}
	}
	p.ref.pending = nil
	if again {
		p.startRefresh(true)
	}
}

// noteUnknown starts a reference refresh for ids in live data that reference
// data lacks. Each id triggers once per periodic refresh, so an id the
// reference lists never contain cannot keep the budget busy.
func (p *Poller) noteUnknown() {
	var fresh []string
	for _, k := range p.board.unknownIDs() {
		if !p.ref.triggered[k] {
			p.ref.triggered[k] = true
			fresh = append(fresh, k)
		}
	}
	if len(fresh) == 0 {
		return
	}
	p.log.Info("UJET: unknown ids in live data, refreshing reference data", "ids", truncateList(fresh, 5), "count", len(fresh))
	p.ref.pending = append(p.ref.pending, fresh...)
	if !p.ref.active {
		p.startRefresh(true)
		return
	}
	p.ref.urgent, p.ref.again = true, true
}

func truncateList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], "…")
}

// finish records the outcome of t, updates health and writes the state.
func (p *Poller) finish(ctx context.Context, t task, err error) {
	now := time.Now()
	e := p.ep(t.endpoint)
	p.requests++
	if t.live {
		p.lastLive = true
		if t.endpoint == epAgentsStatus {
			p.nextLive = 1
		} else {
			p.nextLive = 0
		}
	} else {
		p.lastLive = false
	}
	if err != nil {
		// Every failure in a row, whatever the endpoint, holds back all
		// requests a little longer: a server that is down or refuses the
		// token is not asked at full rate.
		p.streak++
		if p.streak >= 2 {
			p.sched.PauseUntil(now.Add(min(p.cfg.Interval<<min(p.streak-2, 10), maxBackoff)))
		}
		e.failures++
		e.err, e.at = err, now
		back := min(p.cfg.Interval<<min(e.failures-1, 10), maxBackoff)
		var se *StatusError
		if errors.As(err, &se) && se.Code == 429 {
			ra := se.RetryAfter
			if ra <= 0 {
				ra = 2 * p.cfg.Interval
			}
			p.sched.PauseUntil(now.Add(ra))
			back = max(back, ra)
		}
		e.retryAt = now.Add(back)
		p.setHealth()
		p.put(ctx)
		return
	}
	p.streak = 0
	e.failures, e.err, e.retryAt = 0, nil, time.Time{}
	if t.live {
		i := 0
		if t.endpoint == epMenusStatus {
			i = 1
		}
		p.liveOK[i] = p.cfg.Now()
		if p.ref.initialDone { // until then the first refresh is on its way
			p.noteUnknown()
		}
	}
	p.setHealth()
	p.put(ctx)
}

// setHealth derives the health message from the failing endpoints and logs
// once per change.
func (p *Poller) setHealth() {
	var worst *endpointState
	var worstName string
	for name, e := range p.endpoints {
		if e.err != nil && (worst == nil || e.at.After(worst.at)) {
			worst, worstName = e, name
		}
	}
	msg := ""
	switch {
	case worst != nil:
		msg = healthMessage(worst.err)
	case p.liveOK[0].IsZero() || p.liveOK[1].IsZero():
		msg = "UJET: connecting"
	}
	if msg == p.health {
		return
	}
	prev := p.health
	p.health = msg
	switch {
	case worst != nil:
		p.log.Warn("UJET: "+trimPrefix(msg), "endpoint", worstName, "error", redact(worst.err.Error(), p.client.secrets...))
	case prev == "UJET: connecting":
		p.log.Info("UJET: connected")
	case prev != "":
		p.log.Info("UJET: data is current again")
	}
}

func trimPrefix(s string) string {
	if len(s) > 6 && s[:6] == "UJET: " {
		return s[6:]
	}
	return s
}

// state is the SourceState the poller has now.
func (p *Poller) state() model.SourceState {
	st := model.SourceState{
		Health: model.Health{Source: p.cfg.Source, Kind: "ujet", OK: p.health == "", Error: p.health},
		Agents: []model.Agent{},
		Queues: []model.Queue{},
	}
	a, m := p.liveOK[0], p.liveOK[1]
	switch {
	case a.IsZero() && m.IsZero() && p.carry != nil:
		st.UpdatedAt = p.carry.UpdatedAt
	case a.IsZero():
		st.UpdatedAt = m
	case m.IsZero() || a.Before(m):
		st.UpdatedAt = a
	default:
		st.UpdatedAt = m
	}
	switch {
	case p.board.haveAgents:
		st.Agents = p.board.agentsModel()
	case p.carry != nil:
		st.Agents = p.carry.Agents
	}
	switch {
	case p.board.haveMenus:
		st.Queues = p.board.queuesModel()
	case p.carry != nil:
		st.Queues = p.carry.Queues
	}
	st.QueueGroups = p.board.groupsModel()
	p.dayState(&st)
	p.board.applyHours(st.Queues, p.cfg.Now())
	if len(p.fresh) > 0 {
		st.Fresh = make(map[string]time.Time, len(p.fresh))
		for k, v := range p.fresh {
			st.Fresh[k] = v
		}
	}
	return st
}

// put writes the state when it differs from the last one written.
func (p *Poller) put(ctx context.Context) {
	st := p.state()
	if p.havePut && reflect.DeepEqual(st, p.lastPut) {
		return
	}
	if _, err := p.sink.Put(ctx, st); err != nil {
		if ctx.Err() == nil && !p.putFailing {
			p.log.Error("UJET: cannot store state", "error", err)
		}
		p.putFailing = true
		return
	}
	if p.putFailing {
		p.log.Info("UJET: storing state works again")
	}
	p.putFailing = false
	p.lastPut, p.havePut = st, true
}
