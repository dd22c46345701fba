// Package alerts tells people outside the room when a queue's threshold
// breach starts and when it ends: webhooks per board (Slack- or
// Teams-shaped JSON, signed with HMAC-SHA256, retried with backoff), after
// the breach, and then its end, has held for the board's hold time, one
// start and one end per breach however many replicas run: each breach is
// opened and closed in a shared Ledger, and only the replica that opens or
// closes it sends.
//
// Run it on the elected leader (leader.Role); the ledger keeps two
// replicas that briefly both lead, or a new leader, from telling a breach
// twice.
package alerts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

// Store is where the Alerter reads the live state; cache.Store has it.
type Store interface {
	Snapshot(ctx context.Context) ([]model.SourceState, error)
	Subscribe(ctx context.Context) <-chan cache.Event
}

// Observer counts what happens to alerts; metrics.Alerts is one.
type Observer interface {
	AlertSent(board, event string)
	AlertFailed(board, event string)
	// AlertSuppressed counts an alert not sent: reason "debounce" (the
	// breach ended before its hold) or "duplicate" (another replica told it).
	AlertSuppressed(board, reason string)
}

// Options configure an Alerter.
type Options struct {
	Store  Store
	Boards func() *boards.Set // the current boards (they change on reload)
	Ledger Ledger             // default: NewMemory()
	Client *http.Client       // default: 10 s timeout
	Retry  Retry              // default: DefaultRetry
	// Observer counts sent, failed and suppressed alerts; default none.
	Observer Observer
	Logger   *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Alerter watches the boards with webhooks and tells their breaches.
type Alerter struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	subjects map[string]*subject // by ledger key
	loaded   bool                // the ledger's open breaches are in subjects
	sends    sync.WaitGroup
}

// subject is one queue on one board.
type subject struct {
	board     string
	badSince  time.Time // when the current stretch past the level began; zero: not past it
	goodSince time.Time // while open: when the current stretch within began
	open      bool
}

// New returns an Alerter.
func New(opts Options) *Alerter {
	if opts.Ledger == nil {
		opts.Ledger = NewMemory()
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Retry.Attempts == 0 {
		opts.Retry = DefaultRetry
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Alerter{opts: opts, log: opts.Logger.With("component", "alerts"), subjects: map[string]*subject{}}
}

// maxWait bounds how long Run goes without a check.
const maxWait = 5 * time.Second

// Run checks at every store change and whenever a hold or a wait threshold
// comes due, until ctx ends; then it waits for alerts being sent (which
// ctx's end cuts short) and returns nil.
func (a *Alerter) Run(ctx context.Context) error {
	events := a.opts.Store.Subscribe(ctx)
	for {
		next, err := a.Check(ctx, a.opts.Now())
		if err != nil && ctx.Err() == nil {
			a.log.Warn("alerts: check failed", "err", err)
		}
		wait := maxWait
		if !next.IsZero() {
			wait = min(wait, max(0, next.Sub(a.opts.Now())))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			a.Wait()
			return nil
		case _, ok := <-events:
			t.Stop()
			if !ok && ctx.Err() == nil {
				events = nil // the store closed: go on by the timer
			}
		case <-t.C:
		}
	}
}

// Wait waits for the alerts being sent.
func (a *Alerter) Wait() { a.sends.Wait() }

// Check compares every alerting board with its thresholds at now, opens and
// closes breaches, and starts sending their alerts (Wait waits for them).
// It returns when the next hold or threshold comes due (zero: none).
func (a *Alerter) Check(ctx context.Context, now time.Time) (time.Time, error) {
	states, err := a.opts.Store.Snapshot(ctx)
	if err != nil {
		return time.Time{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		open, err := a.opts.Ledger.List(ctx)
		if err != nil {
			return time.Time{}, err
		}
		for k, r := range open {
			a.subjects[k] = &subject{board: r.Board, open: true}
		}
		a.loaded = true
	}
	var next time.Time
	due := func(t time.Time) {
		if !t.IsZero() && t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	alerting := map[string]*boards.Board{}
	seen := map[string]bool{}
	for _, b := range a.opts.Boards().List() {
		if len(b.Alerts.Webhooks) == 0 {
			continue
		}
		alerting[b.ID] = b
		hold := b.Alerts.Hold
		if hold <= 0 {
			hold = config.DefaultAlertHold
		}
		mb := b.Apply(states, now)
		ev := b.Evaluate(mb)
		due(ev.NextChange)
		for _, q := range mb.Queues {
			qc := ev.Queue(q)
			key := b.ID + "|" + q.Source + "|" + q.ID
			seen[key] = true
			bad := qc.Level == boards.LevelCritical || (b.Alerts.Level == config.AlertWarn && qc.Level == boards.LevelWarn)
			due(a.step(ctx, b, key, q.Name, qc.Reason, bad, hold, now))
		}
	}
	for key, s := range a.subjects {
		if seen[key] {
			continue
		}
		b, ok := alerting[s.board]
		if !ok { // the board lost its webhooks or went: close quietly
			if s.open {
				if _, _, err := a.opts.Ledger.Close(ctx, key); err != nil {
					continue
				}
			}
			delete(a.subjects, key)
			continue
		}
		// The queue left the board (or the source): its breach is over.
		hold := b.Alerts.Hold
		if hold <= 0 {
			hold = config.DefaultAlertHold
		}
		due(a.step(ctx, b, key, "", "", false, hold, now))
	}
	return next, nil
}

// step moves one subject on and returns when it next comes due (zero: not
// by itself). a.mu is held.
func (a *Alerter) step(ctx context.Context, b *boards.Board, key, queue, reason string, bad bool, hold time.Duration, now time.Time) time.Time {
	s := a.subjects[key]
	if s == nil {
		if !bad {
			return time.Time{}
		}
		s = &subject{board: b.ID}
		a.subjects[key] = s
	}
	if bad {
		s.goodSince = time.Time{}
		if s.open {
			return time.Time{}
		}
		if s.badSince.IsZero() {
			s.badSince = now
		}
		if now.Sub(s.badSince) < hold {
			return s.badSince.Add(hold)
		}
		rec := Record{ID: newID(), Board: b.ID, Queue: queue, Since: s.badSince, Reason: reason}
		won, err := a.opts.Ledger.Open(ctx, key, rec)
		if err != nil {
			a.log.Warn("alerts: cannot open a breach", "board", b.ID, "queue", queue, "err", err)
			return now.Add(time.Second)
		}
		s.open = true
		if !won {
			a.opts.Observer.AlertSuppressed(b.ID, "duplicate")
			return time.Time{}
		}
		a.dispatch(ctx, b, Alert{Event: EventStart, Record: rec, BoardTitle: b.Title, At: now})
		return time.Time{}
	}
	if !s.open {
		if !s.badSince.IsZero() {
			a.opts.Observer.AlertSuppressed(b.ID, "debounce")
		}
		delete(a.subjects, key)
		return time.Time{}
	}
	if s.goodSince.IsZero() {
		s.goodSince = now
	}
	if now.Sub(s.goodSince) < hold {
		return s.goodSince.Add(hold)
	}
	rec, won, err := a.opts.Ledger.Close(ctx, key)
	if err != nil {
		a.log.Warn("alerts: cannot close a breach", "board", b.ID, "queue", queue, "err", err)
		return now.Add(time.Second)
	}
	delete(a.subjects, key)
	if !won {
		a.opts.Observer.AlertSuppressed(b.ID, "duplicate")
		return time.Time{}
	}
	a.dispatch(ctx, b, Alert{Event: EventEnd, Record: rec, BoardTitle: b.Title, At: now})
	return time.Time{}
}

// dispatch sends al to every webhook of b in the background.
func (a *Alerter) dispatch(ctx context.Context, b *boards.Board, al Alert) {
	for _, w := range b.Alerts.Webhooks {
		a.sends.Add(1)
		go func() {
			defer a.sends.Done()
			if err := send(ctx, a.opts.Client, a.opts.Retry, w, al, a.opts.Now); err != nil {
				a.opts.Observer.AlertFailed(b.ID, al.Event)
				a.log.Warn("alerts: webhook failed", "webhook", w.String(), "board", b.ID, "queue", al.Queue, "event", al.Event, "err", err)
				return
			}
			a.opts.Observer.AlertSent(b.ID, al.Event)
			a.log.Info("alert sent", "webhook", w.String(), "board", b.ID, "queue", al.Queue, "event", al.Event, "breach", al.ID)
		}()
	}
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type nopObserver struct{}

func (nopObserver) AlertSent(string, string)       {}
func (nopObserver) AlertFailed(string, string)     {}
func (nopObserver) AlertSuppressed(string, string) {}
