package poller

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// ledger is the sink's ledger, when it has one.
func (p *Poller) ledger() Ledger {
	if l, ok := p.sink.(Ledger); ok {
		return l
	}
	return nil
}

// loadDay reads the day counts' ledger: the contacts a previous leader (or
// run) counted today and its cursors. Until it loads the day counts are not
// read, so that nothing is counted twice or lost.
func (p *Poller) loadDay(ctx context.Context) {
	if err := p.day.load(ctx, p.ledger()); err != nil {
		p.day.retryAt = time.Now().Add(dayLoadRetry)
		if ctx.Err() == nil && !p.dayLogged {
			p.dayLogged = true
			p.log.Warn("UJET: cannot load the day counts' ledger; trying again", "error", err)
		}
		return
	}
	if p.dayLogged {
		p.dayLogged = false
		p.log.Info("UJET: day counts' ledger loaded")
	}
}

// zones are the time zones days are counted in: the server's first.
func (p *Poller) zones() []*time.Location {
	out := []*time.Location{time.Local}
	if p.cfg.Zones == nil {
		return out
	}
	for _, name := range p.cfg.Zones() {
		if name == "" {
			continue
		}
		loc, ok := p.zoneCache[name]
		if !ok {
			l, err := time.LoadLocation(name)
			if err != nil {
				p.log.Warn("UJET: unknown time zone for day counts", "zone", name, "error", err)
			}
			loc = l
			p.zoneCache[name] = loc
		}
		if loc != nil && !slices.ContainsFunc(out, func(l *time.Location) bool { return l.String() == loc.String() }) {
			out = append(out, loc)
		}
	}
	return out
}

// dayStart is the earliest of today's midnights over the zones.
func (p *Poller) dayStart(now time.Time) time.Time {
	var first time.Time
	for _, loc := range p.zones() {
		if m := midnight(now, loc); first.IsZero() || m.Before(first) {
			first = m
		}
	}
	return first
}

// pickDay returns the next calls or chats request: a pass under way goes on,
// else a due one starts.
func (p *Poller) pickDay(now time.Time) (task, bool) {
	if !p.day.loaded || p.noDay {
		return task{}, false
	}
	for _, ch := range dayChannels {
		if ps := p.day.pass[ch]; ps.active && p.ready(dayEndpoint(ch), now) {
			return task{endpoint: dayEndpoint(ch), channel: ch, day: true}, true
		}
	}
	best := ""
	for _, ch := range dayChannels { // the longest due first, so neither starves
		if !now.Before(p.day.due[ch]) && p.ready(dayEndpoint(ch), now) && (best == "" || p.day.due[ch].Before(p.day.due[best])) {
			best = ch
		}
	}
	if best == "" {
		return task{}, false
	}
	return task{endpoint: dayEndpoint(best), channel: best, day: true}, true
}

// doDay reads one page of calls or chats for the day counts.
func (p *Poller) doDay(ctx context.Context, channel string) error {
	d := p.day
	ps := d.pass[channel]
	now := p.cfg.Now()
	start := p.dayStart(now)
	if !ps.active {
		from := start
		if c := d.cursor[channel].Add(-dayOverlap); c.After(from) {
			from = c
		}
		*ps = dayPass{active: true, from: from, pg: newPager()}
	}
	list, err := p.client.Contacts(ctx, channel, ps.from, ps.pg.page, p.cfg.PerPage)
	if code, ok := unavailable(err); ok {
		// Day counts are optional: a token without access to calls and
		// chats leaves the rest of the board current.
		p.noDay = true
		p.log.Info("UJET: calls and chats unavailable on this tenant; no day counts this run", "endpoint", dayEndpoint(channel), "status", code)
		return nil
	}
	if err != nil {
		return err
	}
	d.add(p.board, channel, list, start)
	if p.advanceDay(ps, list) {
		cur := ps.maxSeen
		if cur.IsZero() {
			cur = ps.from.Add(dayOverlap) // nothing changed since from: read from there again
		}
		if cur.After(d.cursor[channel]) || d.cursor[channel].IsZero() {
			d.cursor[channel] = cur
		}
		d.set[dayCursorKey+channel] = d.cursor[channel].UTC().Format(time.RFC3339Nano)
		ps.active = false
		d.due[channel] = time.Now().Add(p.cfg.DayCountsEvery)
		d.prune(start)
		if d.ready() {
			p.fresh["day_counts"] = now
		}
	}
	lost, wrote, err := d.flush(ctx, p.ledger())
	switch {
	case err != nil:
		if ctx.Err() == nil && !p.dayLogged {
			p.dayLogged = true
			p.log.Warn("UJET: cannot store the day counts' ledger; keeping the changes for the next write", "error", err)
		}
	default:
		if lost {
			p.log.Warn("UJET: the store lost the day counts' ledger (Redis restarted empty or was flushed); wrote today's counted contacts back", "entries", wrote)
		}
		if p.dayLogged && d.loaded {
			p.dayLogged = false
			p.log.Info("UJET: day counts' ledger stored again")
		}
	}
	return nil
}

// advanceDay moves the pass on after a page and reports whether it ended:
// the page was empty, shorter than the first page of the pass, repeated the
// previous page, or too many pages were read.
func (p *Poller) advanceDay(ps *dayPass, list []Contact) bool {
	if len(list) == 0 {
		return true
	}
	var maxU time.Time
	for _, c := range list {
		if c.UpdatedAt.After(maxU) {
			maxU = c.UpdatedAt.Time
		}
	}
	if maxU.After(ps.maxSeen) {
		ps.maxSeen = maxU
	}
	first := list[0].ID
	switch {
	case ps.firstLen == 0:
		ps.firstLen = len(list)
	case len(list) < ps.firstLen, ps.pg.repeat(first):
		return true
	}
	ps.pg.prevID = first
	if from := maxU.Add(-time.Second); !maxU.IsZero() && from.After(ps.from) {
		ps.from = from
		ps.pg.page = 1
		ps.pg.prevID = ""
	} else {
		ps.pg.page++
	}
	ps.pages++
	return ps.pages >= maxPages
}

// dayState puts today's counts into st: the server's day into the queues'
// own fields (every queue, with zeros where nothing happened), other zones
// into st.Days. Until the counts are complete for today, those of the
// previous leader's state stay.
func (p *Poller) dayState(st *model.SourceState) {
	if !p.day.ready() {
		if p.carry == nil {
			return
		}
		prev := map[string]model.Queue{}
		for _, q := range p.carry.Queues {
			prev[q.ID] = q
		}
		for i := range st.Queues {
			if q, ok := prev[st.Queues[i].ID]; ok {
				st.Queues[i].Answered, st.Queues[i].Abandoned = q.Answered, q.Abandoned
				st.Queues[i].AverageHandleSeconds, st.Queues[i].AverageAnswerSeconds = q.AverageHandleSeconds, q.AverageAnswerSeconds
			}
		}
		st.Days = p.carry.Days
		return
	}
	now := p.cfg.Now()
	zones := p.zones()
	_, counts := p.day.counts(now, zones[0])
	have := map[string]bool{}
	for i := range st.Queues {
		q := &st.Queues[i]
		have[q.ID] = true
		q.SetDay(counts[q.ID])
	}
	added := false
	for id, c := range counts {
		if have[id] {
			continue
		}
		parts := strings.Split(id, ":")
		if len(parts) < 3 {
			continue
		}
		name := p.day.names[id]
		if name == "" {
			name = id
		}
		q := model.Queue{Source: p.cfg.Source, ID: id, Name: name, Lang: parts[len(parts)-2], Channel: parts[len(parts)-1]}
		q.SetDay(c)
		st.Queues = append(st.Queues, q)
		added = true
	}
	if added {
		slices.SortFunc(st.Queues, model.CompareQueues)
	}
	for _, loc := range zones[1:] {
		since, c := p.day.counts(now, loc)
		st.Days = append(st.Days, model.DayCounts{Zone: loc.String(), Since: since, Queues: c})
	}
}
