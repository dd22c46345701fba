package server

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
)

// Run keeps every live page current: it follows the store's change events,
// re-reads the snapshot on each (coalescing bursts: at most one render per
// MinInterval, the latest data wins), renders each (board, view) that has
// clients once and sends the changes to its clients (see hub). Every
// RetryInterval it also re-reads the store, so that a store that fails (or
// recovers, or lost an event) shows on the walls (the last good data,
// marked stale), and checks Options.Boards for a new set (a config reload):
// the screens stay connected and get the new render, and those of a board
// whose definition changed reload. It also re-renders when a wait crosses a
// threshold with no new data (boards.Evaluation.NextChange). Run returns
// when ctx ends, after every websocket client has been told to reconnect
// within ReconnectWithin and closed (with status 1012, "service restart").
// Call Run once.
func (s *Server) Run(ctx context.Context) error {
	s.hub.start()
	defer func() { s.hub.shutdown(s.o.Now(), s.o.Version, s.o.ReconnectWithin) }()
	events := s.o.Store.Subscribe(ctx)
	var r runState
	next := s.refresh(ctx, &r, true)
	last := time.Now()
	tick := time.NewTicker(s.o.RetryInterval)
	defer tick.Stop()
	wake := time.NewTimer(time.Hour)
	defer wake.Stop()
	// soon fires when a change that came too soon after the last render
	// may be rendered.
	soon := time.NewTimer(time.Hour)
	soon.Stop()
	defer soon.Stop()
	pending := false
	changed := func() {
		if wait := s.o.MinInterval - time.Since(last); wait > 0 {
			if !pending {
				pending = true
				soon.Reset(wait)
			}
			return
		}
		next = s.refresh(ctx, &r, true)
		last = time.Now()
	}
	for {
		wake.Reset(s.untilNext(next))
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				s.log.Warn("store subscription ended; resubscribing", "store", s.o.Store.Kind())
				events = nil // resubscribe on the next tick
				continue
			}
			drain(events)
			changed()
		case <-soon.C:
			pending = false
			next = s.refresh(ctx, &r, true)
			last = time.Now()
		case <-tick.C:
			if events == nil {
				events = s.o.Store.Subscribe(ctx)
			}
			if pending {
				continue // soon renders
			}
			if time.Since(last) < s.o.MinInterval {
				changed() // a render just went out: this one waits its turn
				continue
			}
			r.rendered = false
			next = s.refresh(ctx, &r, false)
			if r.rendered {
				last = time.Now()
			}
		case <-wake.C:
			changed()
		case <-s.hub.newView:
			next = s.refresh(ctx, &r, false)
		}
	}
}

// untilNext is how long Run sleeps until the next threshold crossing; an
// hour (a tick re-checks far sooner) when none is due.
func (s *Server) untilNext(next time.Time) time.Duration {
	if next.IsZero() {
		return time.Hour
	}
	return max(next.Sub(s.o.Now()), 10*time.Millisecond)
}

// runState is what the current renders show.
type runState struct {
	rendered bool        // the last refresh rendered
	key      string      // see renderKey
	set      *boards.Set // the board set rendered
	active   string      // the (board, view) pairs that had clients
	next     time.Time   // the next threshold crossing of a rendered board
}

// renderKey identifies what a render shows: each source's version, and
// whether the store failed.
func renderKey(states []model.SourceState, storeDown bool) string {
	var b strings.Builder
	for _, st := range states {
		b.WriteString(st.Source)
		b.WriteByte(0)
		b.WriteString(strconv.FormatUint(st.Version, 10))
		b.WriteByte(0)
	}
	if storeDown {
		b.WriteString("down")
	}
	return b.String()
}

// drain takes every event already queued: one snapshot covers them all.
func drain(events <-chan cache.Event) {
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// refresh reads the store and renders every (board, view) that has clients.
// Unless forced, it renders only when the data, the store's health or the
// board set changed since r. It returns when the next threshold crossing of
// a rendered board is due (zero: none).
func (s *Server) refresh(ctx context.Context, r *runState, force bool) time.Time {
	states, storeDown := s.snapshot(ctx)
	msgs, msgVersion, msgNext := s.readMessages(ctx, s.o.Now())
	key := renderKey(states, storeDown) + "\x00messages:" + strconv.FormatUint(msgVersion, 10)
	set := s.set()
	act := s.hub.active()
	actKey := activeKey(act)
	changed := force || key != r.key || set != r.set
	if !changed && actKey == r.active {
		return r.next
	}
	// Only new viewers: their first render is theirs (serveLive); just
	// learn their boards' next threshold crossings.
	onlyNext := !changed
	r.key, r.set, r.active = key, set, actKey
	r.rendered = !onlyNext
	now := s.o.Now()
	next := msgNext // re-render when a floor message expires
	for id, names := range act {
		b, ok := set.Get(id)
		if !ok {
			if !onlyNext {
				s.hub.gone(id, now, s.o.Version)
			}
			continue
		}
		mb := b.Apply(states, now)
		s.markHealth(&mb, storeDown)
		p := present.New(b, mb, storeDown)
		for _, nc := range []time.Time{p.NextChange(), s.staleAt(mb)} {
			if !nc.IsZero() && (next.IsZero() || nc.Before(next)) {
				next = nc
			}
		}
		if onlyNext {
			continue
		}
		s.withExtras(ctx, p, msgs)
		config := b.Fingerprint()
		for _, name := range names {
			render := s.views[name]
			if render == nil {
				continue
			}
			start := time.Now()
			frag, err := render(ctx, p)
			s.metrics.observeRender(name, start)
			if err != nil {
				s.log.Error("render view", "board", id, "view", name, "err", err)
				continue
			}
			s.hub.publish(viewKey{id, name}, frag, now, s.o.Version, config, false)
		}
	}
	r.next = next
	return next
}

// activeKey identifies a set of active (board, view) pairs: a new one makes
// refresh render, so its threshold crossings are known.
func activeKey(act map[string][]string) string {
	keys := make([]string, 0, len(act))
	for id, names := range act {
		for _, n := range names {
			keys = append(keys, id+"\x00"+n)
		}
	}
	slices.Sort(keys)
	return strings.Join(keys, "\x01")
}

// snapshot reads the store and records the result with the hub.
func (s *Server) snapshot(ctx context.Context) ([]model.SourceState, bool) {
	ctx, cancel := context.WithTimeout(ctx, s.o.StoreTimeout)
	defer cancel()
	states, err := s.o.Store.Snapshot(ctx)
	if err != nil {
		s.log.Warn("store snapshot failed; showing last good data", "store", s.o.Store.Kind(), "err", err)
	}
	return s.hub.observe(states, err)
}
