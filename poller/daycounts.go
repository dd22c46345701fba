package poller

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// Ledger is the part of a store that keeps the day counts' contacts across
// leaders and restarts; cache.Store has it (see cache.Ledger). Without one (a
// sink that lacks it) the counts live in the poller alone.
//
// The poller writes what changed with LedgerUpdate. When the store no
// longer has the ledger (Redis restarted empty while this leader kept
// running) it writes its whole ledger back with LedgerStore: every contact
// it counted today and its cursors, so that a leader taking over later
// loads the whole day rather than the contacts since the loss behind a
// cursor that says the day was read.
type Ledger interface {
	LedgerLoad(ctx context.Context, name string) (map[string]string, error)
	LedgerStore(ctx context.Context, name string, set map[string]string, drop []string) error
	LedgerUpdate(ctx context.Context, name string, set map[string]string, drop []string) (found bool, err error)
}

// Day counts: how far back each pass reads before the cursor, and how long a
// failed ledger load waits before it is tried again.
const (
	dayOverlap     = 2 * time.Minute
	dayLoadRetry   = 5 * time.Second
	dayCursorKey   = "cursor:"
	dayRecordCall  = "call:"
	dayRecordChat  = "chat:"
	dayChannelCall = "call"
	dayChannelChat = "chat"
)

var dayChannels = [...]string{dayChannelCall, dayChannelChat}

// dayRec is one counted contact: answered (handled) or abandoned in queue,
// when, and its handle and queue time in seconds (negative: unknown).
type dayRec struct {
	queue     string
	abandoned bool
	at        time.Time
	handle    float64
	wait      float64
}

// encode is the ledger value: queue|h or a|unix ms|handle|wait.
func (r dayRec) encode() string {
	o := "h"
	if r.abandoned {
		o = "a"
	}
	num := func(v float64) string {
		if v < 0 {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Join([]string{r.queue, o, strconv.FormatInt(r.at.UnixMilli(), 10), num(r.handle), num(r.wait)}, "|")
}

func decodeDayRec(s string) (dayRec, error) {
	f := strings.Split(s, "|")
	if len(f) < 5 {
		return dayRec{}, fmt.Errorf("day record %q: want 5 fields", s)
	}
	n := len(f)
	// The queue id is everything before the last four fields.
	r := dayRec{queue: strings.Join(f[:n-4], "|"), abandoned: f[n-4] == "a"}
	ms, err := strconv.ParseInt(f[n-3], 10, 64)
	if err != nil {
		return dayRec{}, fmt.Errorf("day record %q: time: %w", s, err)
	}
	r.at = time.UnixMilli(ms).UTC()
	num := func(v string) float64 {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 {
			return -1
		}
		return x
	}
	r.handle, r.wait = num(f[n-2]), num(f[n-1])
	return r, nil
}

// dayPass is one incremental read of calls or chats: from a time, oldest
// update first, each page starting a second before the latest update of the
// previous one (so that a contact updated while the pass runs is read later
// in the same pass rather than shifting a page), until a page comes back
// empty or shorter than the first.
type dayPass struct {
	active   bool
	from     time.Time
	pg       pager
	maxSeen  time.Time
	firstLen int
	pages    int
}

// dayCounter keeps the contacts counted today and turns them into counts per
// queue and time zone.
type dayCounter struct {
	name    string
	recs    map[string]dayRec
	cursor  map[string]time.Time // by channel
	loaded  bool
	stored  bool // the ledger held this counter's entries when last loaded or written
	retryAt time.Time
	set     map[string]string // not yet stored
	drop    map[string]bool
	names   map[string]string // queue id → name seen in contacts
	pass    map[string]*dayPass
	due     map[string]time.Time
}

func newDayCounter(source string) *dayCounter {
	return &dayCounter{
		name:   "ujet-day:" + source,
		recs:   map[string]dayRec{},
		cursor: map[string]time.Time{},
		set:    map[string]string{},
		drop:   map[string]bool{},
		names:  map[string]string{},
		pass:   map[string]*dayPass{dayChannelCall: {}, dayChannelChat: {}},
		due:    map[string]time.Time{},
	}
}

// ready reports whether the counts are complete for today: loaded from the
// ledger with a cursor for both channels, or read since midnight.
func (d *dayCounter) ready() bool {
	return d.loaded && !d.cursor[dayChannelCall].IsZero() && !d.cursor[dayChannelChat].IsZero()
}

// load reads the ledger; entries that do not decode are dropped.
func (d *dayCounter) load(ctx context.Context, l Ledger) error {
	if l == nil {
		d.loaded = true
		return nil
	}
	m, err := l.LedgerLoad(ctx, d.name)
	if err != nil {
		return err
	}
	d.stored = len(m) > 0
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, dayCursorKey):
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				d.cursor[strings.TrimPrefix(k, dayCursorKey)] = t
			}
		default:
			r, err := decodeDayRec(v)
			if err != nil {
				d.drop[k] = true
				continue
			}
			if _, ok := d.recs[k]; !ok { // this run's own reads win
				d.recs[k] = r
			}
		}
	}
	d.loaded = true
	return nil
}

// flush stores what changed since the last flush; on failure it is kept for
// the next one. When the store does not have the ledger (a first write, or
// the store lost it) it stores the whole ledger; lost reports that the
// store had it before and lost it, and wrote how many entries went back.
func (d *dayCounter) flush(ctx context.Context, l Ledger) (lost bool, wrote int, err error) {
	if l == nil || (len(d.set) == 0 && len(d.drop) == 0) {
		clear(d.set)
		clear(d.drop)
		return false, 0, nil
	}
	drop := make([]string, 0, len(d.drop))
	for k := range d.drop {
		drop = append(drop, k)
	}
	sort.Strings(drop)
	found, err := l.LedgerUpdate(ctx, d.name, d.set, drop)
	if err != nil {
		return false, 0, err
	}
	if !found {
		all := d.whole()
		if err := l.LedgerStore(ctx, d.name, all, drop); err != nil {
			return false, 0, err
		}
		lost, wrote = d.stored, len(all)
	}
	d.stored = true
	clear(d.set)
	clear(d.drop)
	return lost, wrote, nil
}

// whole is every entry of the ledger as this counter knows it: each contact
// counted and each channel's cursor.
func (d *dayCounter) whole() map[string]string {
	m := make(map[string]string, len(d.recs)+len(d.cursor)+len(d.set))
	for k, r := range d.recs {
		m[k] = r.encode()
	}
	for ch, t := range d.cursor {
		if !t.IsZero() {
			m[dayCursorKey+ch] = t.UTC().Format(time.RFC3339Nano)
		}
	}
	maps.Copy(m, d.set)
	return m
}

func (d *dayCounter) put(key string, r dayRec) {
	if old, ok := d.recs[key]; ok && old == r {
		return
	}
	d.recs[key] = r
	d.set[key] = r.encode()
	delete(d.drop, key)
}

// prune forgets contacts from before since.
func (d *dayCounter) prune(since time.Time) {
	for k, r := range d.recs {
		if r.at.Before(since) {
			delete(d.recs, k)
			delete(d.set, k)
			d.drop[k] = true
		}
	}
}

// classify says whether contact c counts today, and how: answered by an agent
// (calls: connected; chats: assigned), or abandoned in the queue (calls:
// failed with fail reason eu_abandoned or eu_canceled after being queued;
// chats: canceled after being queued). Calls that hung up in the IVR menu
// (eu_in_menu_abandoned, never queued) are not abandoned queue calls.
func classify(channel string, c Contact, queue string) (dayRec, bool) {
	r := dayRec{queue: queue, handle: -1, wait: -1}
	answeredAt := c.ConnectedAt.Time
	if channel == dayChannelChat {
		answeredAt = c.AssignedAt.Time
	}
	status := strings.ToLower(strings.TrimSpace(string(c.Status)))
	fail := strings.ToLower(strings.TrimSpace(string(c.FailReason)))
	queued := !c.QueuedAt.IsZero() || len(c.QueueDurations) > 0
	switch {
	case !answeredAt.IsZero():
		r.at = answeredAt
		switch {
		case c.QueueDuration.Valid:
			r.wait = c.QueueDuration.Value
		case c.WaitDuration.Valid:
			r.wait = c.WaitDuration.Value
		case len(c.QueueDurations) > 0 && c.QueueDurations[len(c.QueueDurations)-1].QueueDuration.Valid:
			r.wait = c.QueueDurations[len(c.QueueDurations)-1].QueueDuration.Value
		}
		if status == "finished" {
			talk := c.CallDuration
			if channel == dayChannelChat {
				talk = c.ChatDuration
			}
			acw, sum, haveSum := 0.0, 0.0, false
			for _, h := range c.HandleDurations {
				if h.ACWDuration.Valid {
					acw += h.ACWDuration.Value
				}
				v := h.CallDuration
				if channel == dayChannelChat {
					v = h.ChatDuration
				}
				if v.Valid {
					sum += v.Value
					haveSum = true
				}
			}
			switch {
			case talk.Valid:
				r.handle = talk.Value + acw
			case haveSum:
				r.handle = sum + acw
			}
		}
	case !queued:
		return dayRec{}, false
	case channel == dayChannelCall && status == "failed" && (fail == "eu_abandoned" || fail == "eu_canceled"),
		channel == dayChannelChat && status == "canceled":
		r.abandoned = true
		r.at = c.EndsAt.Time
		if r.at.IsZero() {
			r.at = c.UpdatedAt.Time
		}
		if r.at.IsZero() {
			return dayRec{}, false
		}
	default:
		return dayRec{}, false
	}
	return r, true
}

// contactQueue names the queue a contact counts in: the last queue it waited
// in, else its selected menu (through the menu path the live data taught).
func (b *board) contactQueue(channel string, c Contact) (id, name string, ok bool) {
	lang := strings.TrimSpace(string(c.Lang))
	for i := len(c.QueueDurations) - 1; i >= 0; i-- {
		q := c.QueueDurations[i]
		if q.MenuPathID == "" {
			continue
		}
		if l := strings.TrimSpace(string(q.Lang)); l != "" {
			lang = l
		}
		return queueID(q.MenuPathID, lang, channel), string(q.MenuPath), true
	}
	if c.SelectedMenu == nil || c.SelectedMenu.ID == "" {
		return "", "", false
	}
	name = ""
	if c.MenuPath != nil {
		name = string(c.MenuPath.MaterializedPath)
	}
	if pid, ok := b.pathIDByMenu[c.SelectedMenu.ID]; ok {
		return queueID(pid, lang, channel), name, true
	}
	return "m" + queueID(c.SelectedMenu.ID, lang, channel), name, true
}

// add records one page of contacts of channel read since today's earliest
// midnight since.
func (d *dayCounter) add(b *board, channel string, list []Contact, since time.Time) {
	prefix := dayRecordCall
	if channel == dayChannelChat {
		prefix = dayRecordChat
	}
	for _, c := range list {
		if c.ID == "" {
			continue
		}
		qid, name, ok := b.contactQueue(channel, c)
		if !ok {
			continue
		}
		r, ok := classify(channel, c, qid)
		if !ok || r.at.Before(since) {
			continue
		}
		if name != "" {
			d.names[qid] = name
		}
		key := prefix + string(c.ID)
		if old, ok := d.recs[key]; ok && !old.abandoned && r.abandoned {
			continue // answered once, answered for the day
		}
		d.put(key, r)
	}
}

// midnight is the start of t's day in loc.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, dd := t.In(loc).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// counts sums the contacts since midnight in loc per queue.
func (d *dayCounter) counts(now time.Time, loc *time.Location) (time.Time, map[string]model.QueueDay) {
	since := midnight(now, loc)
	type acc struct {
		day            model.QueueDay
		handle, wait   float64
		handleN, waitN int
	}
	sums := map[string]*acc{}
	for _, r := range d.recs {
		if r.at.Before(since) {
			continue
		}
		a := sums[r.queue]
		if a == nil {
			a = &acc{}
			sums[r.queue] = a
		}
		if r.abandoned {
			a.day.Abandoned++
			continue
		}
		a.day.Answered++
		if r.handle >= 0 {
			a.handle += r.handle
			a.handleN++
		}
		if r.wait >= 0 {
			a.wait += r.wait
			a.waitN++
		}
	}
	out := make(map[string]model.QueueDay, len(sums))
	for id, a := range sums {
		if a.handleN > 0 {
			v := a.handle / float64(a.handleN)
			a.day.AverageHandleSeconds = &v
		}
		if a.waitN > 0 {
			v := a.wait / float64(a.waitN)
			a.day.AverageAnswerSeconds = &v
		}
		out[id] = a.day
	}
	return since, out
}
