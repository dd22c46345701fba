// Package leader elects, among the replicas that share a Redis, the one that
// runs a piece of work (the UJET pollers, the Connect subscriber, the
// history sampler), with a lease that the leader renews while the work goes
// on. A replica that cannot renew stops its work before the lease can
// expire, so two replicas never run the same work at once; one that dies
// loses the lease after its TTL and another takes over.
//
// Redis keeps nothing on disk: when it restarts, the lease vanishes. The
// leader takes it back at its next renewal and works on; followers do not
// compete until Redis has been up for a TTL, so a leader that died with the
// restart is replaced after that. A FLUSHALL without a restart is not
// detected: another replica could start before the leader's next renewal.
//
// Elector is the Redis implementation; Local always leads and serves the
// single-server setup. Both implement Role.
package leader

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"
)

// Default lease timing.
const (
	DefaultTTL           = 10 * time.Second
	DefaultRetryInterval = time.Second
	releaseTimeout       = 2 * time.Second
)

// Role is something a replica may lead. Run runs work while this replica
// leads, until ctx ends; Leading says whether the work runs here now.
type Role interface {
	Name() string
	Leading() bool
	Run(ctx context.Context, work func(ctx context.Context) error) error
}

// Status is the part of /api/v1/status about leadership: whether this
// replica leads anything and the names of the roles it leads.
func Status(roles ...Role) map[string]any {
	leads := []string{}
	for _, r := range roles {
		if r.Leading() {
			leads = append(leads, r.Name())
		}
	}
	return map[string]any{"leader": len(leads) > 0, "leads": leads}
}

// Options configure an Elector. Zero values take the defaults.
type Options struct {
	// Name is what the lease is for ("ujet", "connect"), shown by Status.
	// Default: the key.
	Name string
	// TTL is the lease's lifetime without renewal: how long a dead leader
	// holds it. Default DefaultTTL (10 s).
	TTL time.Duration
	// RenewInterval is how often the leader renews. Default TTL/3.
	RenewInterval time.Duration
	// Margin is how long before the lease could expire the leader stops its
	// work when renewals fail; work must return within it. Default TTL/5.
	Margin time.Duration
	// RetryInterval is how often a follower tries to take the lease, with
	// up to 50% jitter. Default DefaultRetryInterval (1 s).
	RetryInterval time.Duration
	// Logger receives leadership changes. Default slog.Default().
	Logger *slog.Logger
}

// Client is what an Elector needs of a Redis client; *redis.Client and the
// other go-redis clients implement it.
type Client interface {
	redis.Scripter
	Info(ctx context.Context, section ...string) *redis.StringCmd
}

// Elector holds a lease in Redis while work runs.
type Elector struct {
	client  Client
	locker  *redislock.Client
	key     string
	token   string // identifies this elector's lease, so a retried obtain is idempotent
	opts    Options
	log     *slog.Logger
	leading atomic.Bool
}

// New returns an Elector for the lease at key (use the store's prefix, e.g.
// "wallboard:leader:ujet"). Electors of several replicas compete for the
// same key.
func New(client Client, key string, opts Options) *Elector {
	if opts.Name == "" {
		opts.Name = key
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.RenewInterval <= 0 {
		opts.RenewInterval = opts.TTL / 3
	}
	if opts.Margin <= 0 {
		opts.Margin = opts.TTL / 5
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return &Elector{
		client: client,
		locker: redislock.New(client),
		key:    key,
		token:  base64.RawURLEncoding.EncodeToString(b),
		opts:   opts,
		log:    opts.Logger.With("lease", opts.Name),
	}
}

// Name implements Role.
func (e *Elector) Name() string { return e.opts.Name }

// Leading implements Role: true while this replica's work runs under a
// valid lease.
func (e *Elector) Leading() bool { return e.leading.Load() }

// Status returns Status(e).
func (e *Elector) Status() map[string]any { return Status(e) }

// Run competes for the lease until ctx ends. While it holds the lease it
// runs work with a context that is cancelled when ctx ends, when the lease
// is lost, or when renewals have failed for TTL−Margin; the lease is kept
// (renewed) until work returns and then released. When work returns on its
// own, the lease is released and Run competes again after RetryInterval.
// Run returns nil once ctx has ended and the lease is released.
func (e *Elector) Run(ctx context.Context, work func(ctx context.Context) error) error {
	for {
		lock, sent, err := e.acquire(ctx)
		if err != nil {
			return nil // ctx ended
		}
		e.lead(ctx, lock, sent, work)
		if ctx.Err() != nil {
			return nil
		}
		if !e.sleep(ctx, e.opts.RetryInterval) {
			return nil
		}
	}
}

// sleep waits about d (with jitter) or until ctx ends; it reports whether
// ctx is still live.
func (e *Elector) sleep(ctx context.Context, d time.Duration) bool {
	d += mrand.N(d/2 + 1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// acquire tries to obtain the lease every RetryInterval until it succeeds
// or ctx ends. It returns the lock and when the successful request was
// sent: the lease lasts at least TTL from then.
//
// While Redis has been up for less than a TTL it does not compete: Redis
// keeps nothing on disk, so a restart loses the lease while its holder may
// still work until its own deadline. The holder takes its lease back at its
// next renewal (see lead); if it died, another replica takes over once the
// TTL has passed.
func (e *Elector) acquire(ctx context.Context) (*redislock.Lock, time.Time, error) {
	var lastErr string
	for {
		wait, err := e.restartGuard(ctx)
		switch {
		case err != nil:
			// Without Redis's uptime, a lease taken now could be taken
			// from a restarted Redis under a leader that still works.
			if msg := err.Error(); msg != lastErr {
				e.log.Warn("leader: cannot reach Redis for the lease", "err", err)
				lastErr = msg
			}
		case wait > 0:
			if lastErr != "restart" {
				e.log.Info("leader: Redis restarted recently, not competing for the lease yet", "for", wait)
				lastErr = "restart"
			}
			if !e.sleep(ctx, min(wait, e.opts.RetryInterval)) {
				return nil, time.Time{}, ctx.Err()
			}
			continue
		default:
			sent := time.Now()
			lock, err := e.obtain(ctx)
			switch {
			case err == nil:
				// Redis may have restarted between the uptime check and
				// the obtain (go-redis retries while it is away): check
				// again, and give the lease back if so.
				if wait, gerr := e.restartGuard(ctx); gerr == nil && wait > 0 {
					rctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
					_ = lock.Release(rctx) // not led yet: nothing to log; the TTL covers a failure
					cancel()
					continue
				}
				return lock, sent, nil
			case ctx.Err() != nil:
				return nil, time.Time{}, ctx.Err()
			case !errors.Is(err, redislock.ErrNotObtained):
				if msg := err.Error(); msg != lastErr {
					e.log.Warn("leader: cannot reach Redis for the lease", "err", err)
					lastErr = msg
				}
			}
		}
		if !e.sleep(ctx, e.opts.RetryInterval) {
			return nil, time.Time{}, ctx.Err()
		}
	}
}

// obtain takes the lease if it is free or already this elector's (the
// token makes a retried or repeated obtain idempotent).
func (e *Elector) obtain(ctx context.Context) (*redislock.Lock, error) {
	octx, cancel := context.WithTimeout(ctx, e.opts.RenewInterval)
	defer cancel()
	return e.locker.Obtain(octx, e.key, e.opts.TTL, &redislock.Options{Token: e.token})
}

// restartGuard returns how long Redis must still run before a new leader
// may start: the rest of a TTL since Redis started, plus a second for the
// rounding of its uptime. A Redis that refuses INFO or does not tell its
// uptime gives 0; a Redis that cannot be reached gives an error.
func (e *Elector) restartGuard(ctx context.Context) (time.Duration, error) {
	ictx, cancel := context.WithTimeout(ctx, e.opts.RenewInterval)
	defer cancel()
	info, err := e.client.Info(ictx, "server").Result()
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) {
			return 0, nil // INFO renamed or denied: no guard
		}
		return 0, fmt.Errorf("uptime of Redis: %w", err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "uptime_in_seconds:"); ok {
			up, err := strconv.Atoi(v)
			if err != nil {
				return 0, nil
			}
			return max(0, e.opts.TTL+time.Second-time.Duration(up)*time.Second), nil
		}
	}
	return 0, nil
}

// renewal is the outcome of one renewal attempt.
type renewal struct {
	sent time.Time
	err  error
}

// lead runs work under lock until work returns, then releases the lock.
func (e *Elector) lead(ctx context.Context, lock *redislock.Lock, sent time.Time, work func(context.Context) error) {
	workCtx, cancelWork := context.WithCancel(ctx)
	defer cancelWork()
	e.leading.Store(true)
	e.log.Info("leader: took the lease, starting work")

	done := make(chan error, 1)
	go func() { done <- work(workCtx) }()

	// Renewals run in their own goroutine so that a slow Redis never delays
	// the deadline below.
	stopRenew := make(chan struct{})
	renewed := make(chan renewal)
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		t := time.NewTicker(e.opts.RenewInterval)
		defer t.Stop()
		for {
			select {
			case <-stopRenew:
				return
			case <-t.C:
			}
			r := renewal{sent: time.Now()}
			// Not ctx: the lease is renewed until work has returned,
			// also during shutdown.
			rctx, cancel := context.WithTimeout(context.Background(), e.opts.RenewInterval)
			r.err = lock.Refresh(rctx, e.opts.TTL, nil)
			cancel()
			if errors.Is(r.err, redislock.ErrNotObtained) {
				// The lease is gone before its TTL: Redis restarted or was
				// flushed. Take it back unless another replica holds it.
				r.sent = time.Now()
				if _, err := e.obtain(context.Background()); err == nil {
					e.log.Warn("leader: lease vanished from Redis (restart?), took it back")
					r.err = nil
				}
			}
			select {
			case renewed <- r:
			case <-stopRenew:
				return
			}
		}
	}()

	deadline := time.NewTimer(time.Until(sent.Add(e.opts.TTL - e.opts.Margin)))
	defer deadline.Stop()
	stop := func(reason string, args ...any) {
		if e.leading.Swap(false) {
			e.log.Warn("leader: stopping work: "+reason, args...)
		}
		cancelWork()
	}
	lost := false
	ctxDone := ctx.Done()
	var err error
loop:
	for {
		select {
		case err = <-done:
			break loop
		case <-ctxDone:
			ctxDone = nil
			if e.leading.Swap(false) {
				e.log.Info("leader: shutting down, stopping work")
			}
			cancelWork()
		case <-deadline.C:
			stop("lease not renewed in time", "ttl", e.opts.TTL)
		case r := <-renewed:
			switch {
			case r.err == nil:
				deadline.Reset(time.Until(r.sent.Add(e.opts.TTL - e.opts.Margin)))
			case errors.Is(r.err, redislock.ErrNotObtained):
				lost = true
				stop("lease lost")
			default:
				e.log.Warn("leader: lease renewal failed", "err", r.err)
			}
		}
	}
	close(stopRenew)
	<-renewDone
	e.leading.Store(false)
	if err != nil && ctx.Err() == nil {
		e.log.Error("leader: work failed", "err", err)
	}
	if !lost {
		e.release(lock)
	}
}

func (e *Elector) release(lock *redislock.Lock) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if err := lock.Release(ctx); err != nil && !errors.Is(err, redislock.ErrLockNotHeld) {
		e.log.Warn("leader: release lease", "err", err)
		return
	}
	e.log.Info("leader: released the lease")
}

// Local is the Role of a single server: it always leads.
type Local struct {
	name  string
	retry time.Duration
	log   *slog.Logger
}

// NewLocal returns a Local role called name. When work returns before ctx
// ends, Run logs it and starts it again after retry (default 1 s).
func NewLocal(name string, retry time.Duration, logger *slog.Logger) *Local {
	if retry <= 0 {
		retry = DefaultRetryInterval
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Local{name: name, retry: retry, log: logger.With("role", name)}
}

// Name implements Role.
func (l *Local) Name() string { return l.name }

// Leading implements Role: always true.
func (l *Local) Leading() bool { return true }

// Status returns Status(l).
func (l *Local) Status() map[string]any { return Status(l) }

// Run implements Role: it runs work until ctx ends, restarting it when it
// returns early. It returns nil once ctx has ended and work has returned.
func (l *Local) Run(ctx context.Context, work func(ctx context.Context) error) error {
	for {
		err := work(ctx)
		if ctx.Err() != nil {
			return nil
		}
		l.log.Error("work stopped, restarting", "err", fmt.Errorf("%s: %w", l.name, errOrReturned(err)), "in", l.retry)
		t := time.NewTimer(l.retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func errOrReturned(err error) error {
	if err == nil {
		return errors.New("returned")
	}
	return err
}
