package cache

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wallboard/wallboard/model"
)

// Defaults of RedisOptions.
const (
	DefaultRedisPrefix    = "wallboard:"
	DefaultRepairInterval = 5 * time.Second
	redisOpTimeout        = 3 * time.Second
)

// putScript writes one source's state and version and publishes the change.
//
// KEYS[1] hash source → state JSON, KEYS[2] hash source → version.
// ARGV[1] source, ARGV[2] state JSON, ARGV[3] version floor (the highest
// version this replica has seen for the source, so that versions keep
// increasing after Redis lost its data), ARGV[4] pub/sub channel, ARGV[5]
// "1" to write only when the source is missing (republishing after Redis
// came back empty), ARGV[6] the writing replica's id. Returns the new
// version, or -1 when ARGV[5] is "1" and the source exists. The
// notification is "version:writer:source".
var putScript = redis.NewScript(`
if ARGV[5] == '1' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return -1
end
local v = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local floor = tonumber(ARGV[3])
if v <= floor then
  v = floor + 1
  redis.call('HSET', KEYS[2], ARGV[1], v)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[4], string.format('%d', v) .. ':' .. ARGV[6] .. ':' .. ARGV[1])
return v
`)

// RedisOptions configure NewRedis.
type RedisOptions struct {
	// URL is redis://[[user]:password@]host:port[/db] (or rediss:// for TLS).
	URL string
	// Prefix starts every key and channel name, so that several wallboards
	// can share one Redis. Default DefaultRedisPrefix.
	Prefix string
	// Logger receives connection problems. Default slog.Default().
	Logger *slog.Logger
	// RepairInterval is how often the store checks that the sources it wrote
	// are still in Redis and rewrites those that are missing (Redis restarted
	// empty or was flushed). It also does so at once after a reconnect.
	// Default DefaultRepairInterval.
	RepairInterval time.Duration
}

// Redis is a Store kept in Redis and shared by every replica that uses the
// same URL and prefix. Each source's state is stored as JSON with a version
// that increases on each Put; every Put is published so that the
// subscribers of every replica get an Event.
//
// While Redis is away, Put and Snapshot fail and subscriptions stay open;
// after a reconnect every subscriber gets an Event for every source so that
// it re-reads the snapshot. The store remembers the last state it put for
// each source and rewrites it when Redis comes back without it.
type Redis struct {
	client  redis.UniversalClient
	pubsub  *redis.PubSub
	prefix  string
	display string // URL without password, for messages
	log     *slog.Logger
	repair  time.Duration
	hub     *hub
	id      string // this replica's writer id in notifications

	mu     sync.Mutex
	own    map[string]ownState          // last state put per source, until another replica writes it
	seen   map[string]uint64            // highest version seen per source
	last   map[string]model.SourceState // last state read per source (Snapshot)
	closed bool

	ctx    context.Context // background work; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // background goroutines
}

// RedactURL returns raw with any password replaced (the userinfo's and a
// Sentinel URL's password= parameter), for logs and errors. A URL that
// cannot be parsed is not shown at all.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable Redis URL)"
	}
	if q := u.Query(); q.Has("password") || q.Has("sentinel_password") {
		for _, k := range []string{"password", "sentinel_password"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// NewRedis connects to Redis, subscribes to change notifications and
// returns the store. It fails with an error naming the URL (without its
// password) when Redis cannot be reached; callers may retry (see
// NewRedisRetry).
func NewRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	display := RedactURL(opts.URL)
	client, cluster, err := newRedisClient(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("cache: Redis URL %s: %w", display, err)
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultRedisPrefix
	}
	if cluster && !strings.Contains(opts.Prefix, "{") {
		// One hash slot for every key, so that the store's multi-key
		// transactions and scripts work on a cluster.
		opts.Prefix = "{" + opts.Prefix + "}"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RepairInterval <= 0 {
		opts.RepairInterval = DefaultRepairInterval
	}
	r := &Redis{
		client:  client,
		prefix:  opts.Prefix,
		display: display,
		log:     opts.Logger.With("store", "redis", "redis", display),
		repair:  opts.RepairInterval,
		hub:     newHub(),
		id:      newWriterID(),
		own:     map[string]ownState{},
		seen:    map[string]uint64{},
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	pctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		r.cancel()
		_ = client.Close()
		return nil, fmt.Errorf("cache: connect to Redis at %s: %w", display, err)
	}
	r.pubsub = client.Subscribe(pctx, r.channel())
	// Wait for the confirmation so that no change made after NewRedis
	// returns is missed.
	if _, err := r.pubsub.ReceiveTimeout(pctx, redisOpTimeout); err != nil {
		r.cancel()
		_ = r.pubsub.Close()
		_ = client.Close()
		return nil, fmt.Errorf("cache: subscribe to Redis at %s: %w", display, err)
	}
	r.wg.Add(2)
	go r.receive()
	go r.repairLoop()
	return r, nil
}

// newRedisClient returns a client for raw, in go-redis's own URL forms:
//
//	redis://[[user]:password@]host:port[/db]                  one server
//	redis://[[user]:password@]sentinel:26379[/db]?master_name=NAME[&addr=sentinel2:26379…][&password=…]
//	                                                          Redis Sentinel: the hosts are sentinels,
//	                                                          userinfo their password, password= the master's
//	redis://[[user]:password@]node:6379?addr=node2:6379[&addr=…]   Redis Cluster
//
// (rediss:// for TLS). cluster reports a Redis Cluster. Errors never hold
// the URL (it may hold a password). NewClient is the same without cluster.
func newRedisClient(raw string) (client redis.UniversalClient, cluster bool, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, false, ue.Err
		}
		return nil, false, errors.New("invalid URL")
	}
	clean := func(err error) error {
		msg := err.Error()
		for _, s := range []string{raw, u.Redacted()} {
			msg = strings.ReplaceAll(msg, s, RedactURL(raw))
		}
		if p := u.Query().Get("password"); p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
		return errors.New(msg)
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(raw)
		if err != nil {
			return nil, false, clean(err)
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 2*time.Second, redisOpTimeout, redisOpTimeout
		o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled = 1, 2, true
		return redis.NewFailoverClient(o), false, nil
	case q.Has("addr"):
		o, err := redis.ParseClusterURL(raw)
		if err != nil {
			return nil, false, clean(err)
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 2*time.Second, redisOpTimeout, redisOpTimeout
		o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled = 1, 2, true
		return redis.NewClusterClient(o), true, nil
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, false, clean(err)
	}
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 2*time.Second, redisOpTimeout, redisOpTimeout
	o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled = 1, 2, true
	return redis.NewClient(o), false, nil
}

// NewClient returns a go-redis client for a Redis URL in any of the forms
// NewRedis accepts (one server, Sentinel, Cluster), with the store's
// timeouts; errors never hold the URL.
func NewClient(rawURL string) (redis.UniversalClient, error) {
	c, _, err := newRedisClient(rawURL)
	return c, err
}

// NewRedisRetry calls NewRedis until it succeeds or ctx ends, waiting with
// jittered exponential back-off (from half a second up to maxDelay, default
// 30 s) and logging each failure. It returns the last error when ctx ends.
func NewRedisRetry(ctx context.Context, opts RedisOptions, maxDelay time.Duration) (*Redis, error) {
	if maxDelay <= 0 {
		maxDelay = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	delay := 500 * time.Millisecond
	for {
		r, err := NewRedis(ctx, opts)
		if err == nil {
			return r, nil
		}
		wait := delay/2 + rand.N(delay/2+1)
		log.Warn("redis unavailable, retrying", "err", err, "retry_in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		delay = min(delay*2, maxDelay)
	}
}

// Kind implements Store.
func (r *Redis) Kind() string { return "redis" }

// Client returns the store's Redis client, for leader election and history
// on the same Redis. It is closed by Close.
func (r *Redis) Client() redis.UniversalClient { return r.client }

// Prefix returns the key prefix of the store.
func (r *Redis) Prefix() string { return r.prefix }

func (r *Redis) statesKey() string   { return r.prefix + "states" }
func (r *Redis) versionsKey() string { return r.prefix + "versions" }
func (r *Redis) channel() string     { return r.prefix + "events" }

// Put implements Store.
func (r *Redis) Put(ctx context.Context, st model.SourceState) (model.SourceState, error) {
	if err := ctx.Err(); err != nil {
		return st, err
	}
	st = cloneState(st)
	st.Version = 0
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return st, ErrClosed
	}
	r.own[st.Source] = ownState{state: st, version: math.MaxUint64} // written now: nothing newer
	r.mu.Unlock()
	v, err := r.write(ctx, st, false)
	r.mu.Lock()
	if o, ok := r.own[st.Source]; ok && o.version == math.MaxUint64 {
		if err != nil {
			v = r.seen[st.Source]
		}
		r.own[st.Source] = ownState{state: st, version: v}
	}
	r.mu.Unlock()
	if err != nil {
		return st, fmt.Errorf("cache: put %q to Redis at %s: %w", st.Source, r.display, err)
	}
	st.Version = v
	return cloneState(st), nil
}

// write stores st and returns its new version; with onlyMissing it writes
// only when the source is missing and returns 0 otherwise.
func (r *Redis) write(ctx context.Context, st model.SourceState, onlyMissing bool) (uint64, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return 0, fmt.Errorf("encode state: %w", err)
	}
	r.mu.Lock()
	floor := r.seen[st.Source]
	r.mu.Unlock()
	flag := "0"
	if onlyMissing {
		flag = "1"
	}
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	n, err := putScript.Run(ctx, r.client, []string{r.statesKey(), r.versionsKey()},
		st.Source, data, floor, r.channel(), flag, r.id).Int64()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, nil
	}
	v := uint64(n)
	r.see(st.Source, v)
	return v, nil
}

// see records that version v of source exists.
func (r *Redis) see(source string, v uint64) {
	r.mu.Lock()
	if v > r.seen[source] {
		r.seen[source] = v
	}
	r.mu.Unlock()
}

// Snapshot implements Store. It reads Redis, so it fails while Redis is
// away; a state that cannot be decoded is logged and left out. A source
// Redis lost (it restarted empty) keeps its last state read until a writer
// puts it back.
func (r *Redis) Snapshot(ctx context.Context) ([]model.SourceState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	var states, versions *redis.MapStringStringCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		states = p.HGetAll(ctx, r.statesKey())
		versions = p.HGetAll(ctx, r.versionsKey())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cache: snapshot from Redis at %s: %w", r.display, err)
	}
	out := make([]model.SourceState, 0, len(states.Val()))
	for source, data := range states.Val() {
		var st model.SourceState
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			r.log.Error("redis: undecodable source state left out", "source", source, "err", err)
			continue
		}
		v, err := strconv.ParseUint(versions.Val()[source], 10, 64)
		if err != nil {
			r.log.Error("redis: source without version left out", "source", source, "err", err)
			continue
		}
		st.Source = source
		st.Version = v
		r.see(source, v)
		out = append(out, st)
	}
	out = r.keepLast(out)
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out, nil
}

// keepLast adds to read (a snapshot of Redis) the last state read of every
// source Redis no longer has, and remembers read. Redis that restarts empty
// (or is flushed) must not blank the screens until the writers put their
// state back: the last good data stays, and its age (UpdatedAt) says how
// current it is.
func (r *Redis) keepLast(read []model.SourceState) []model.SourceState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		r.last = map[string]model.SourceState{}
	}
	have := make(map[string]bool, len(read))
	for _, st := range read {
		have[st.Source] = true
		r.last[st.Source] = st
	}
	for source, st := range r.last {
		if !have[source] {
			read = append(read, st)
		}
	}
	return read
}

// Subscribe implements Store. The channel stays open while Redis is away.
func (r *Redis) Subscribe(ctx context.Context) <-chan Event {
	return r.hub.subscribe(ctx)
}

// Close implements Store: it stops the background work, closes every
// subscription and the Redis client.
func (r *Redis) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	err := r.pubsub.Close() // unblocks receive
	r.wg.Wait()
	r.hub.close()
	if cerr := r.client.Close(); err == nil {
		err = cerr
	}
	return err
}

// receive turns pub/sub messages into events until Close. After the
// connection was lost it resynchronizes once the subscription is back.
func (r *Redis) receive() {
	defer r.wg.Done()
	ctx := r.ctx
	lost := false
	backoff := 50 * time.Millisecond
	for {
		msg, err := r.pubsub.ReceiveTimeout(ctx, 5*time.Second)
		select {
		case <-r.ctx.Done():
			return
		default:
		}
		if err != nil {
			var nerr interface{ Timeout() bool }
			if errors.As(err, &nerr) && nerr.Timeout() && !lost {
				// Quiet channel: check that the connection is alive.
				if err := r.pubsub.Ping(ctx); err == nil {
					continue
				}
			}
			if !lost {
				r.log.Warn("redis: lost change notifications, reconnecting", "err", err)
			}
			lost = true
			select {
			case <-r.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Message:
			ev, writer, ok := parseEvent(m.Payload)
			if !ok {
				r.log.Warn("redis: malformed change notification ignored", "payload", m.Payload)
				continue
			}
			r.see(ev.Source, ev.Version)
			if writer != r.id {
				r.disown(ev.Source, ev.Version)
			}
			r.hub.publish(ev)
		case *redis.Subscription:
			if lost {
				lost = false
				r.log.Info("redis: change notifications resumed")
				r.resync()
			}
		}
	}
}

// resync rewrites this replica's missing sources and tells every subscriber
// about every source, after notifications were lost for a while.
func (r *Redis) resync() {
	ctx, cancel := r.opContext()
	defer cancel()
	r.repairMissing(ctx)
	states, err := r.Snapshot(ctx)
	if err != nil {
		r.log.Warn("redis: resync snapshot", "err", err)
		return
	}
	for _, st := range states {
		r.hub.publish(Event{Source: st.Source, Version: st.Version})
	}
}

// opContext returns a context for background work that ends with Close.
func (r *Redis) opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.ctx, 2*redisOpTimeout)
}

// repairLoop periodically rewrites this replica's sources that are missing
// from Redis (flushed, or restarted empty without this replica noticing).
func (r *Redis) repairLoop() {
	defer r.wg.Done()
	t := time.NewTicker(r.repair)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := r.opContext()
			r.repairMissing(ctx)
			cancel()
		}
	}
}

// repairMissing writes the last state this replica put for each source that
// Redis no longer has.
func (r *Redis) repairMissing(ctx context.Context) {
	r.mu.Lock()
	own := make([]model.SourceState, 0, len(r.own))
	for _, o := range r.own {
		own = append(own, o.state)
	}
	r.mu.Unlock()
	for _, st := range own {
		v, err := r.write(ctx, st, true)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Debug("redis: repair failed", "source", st.Source, "err", err)
			}
			return
		}
		if v > 0 {
			r.log.Info("redis: republished missing source", "source", st.Source, "version", v)
		}
	}
}

// ownState is the last state this replica put for a source and the version
// it got (math.MaxUint64 while the write is in flight).
type ownState struct {
	state   model.SourceState
	version uint64
}

// disown forgets this replica's last state of source when another replica
// wrote a later version (a new leader), so that this one never republishes
// it over the newer writer's.
func (r *Redis) disown(source string, version uint64) {
	r.mu.Lock()
	if o, ok := r.own[source]; ok && version > o.version {
		delete(r.own, source)
	}
	r.mu.Unlock()
}

// GoRedisLogger sends go-redis's own log lines (connection pool failures
// while Redis is away) to a slog.Logger. go-redis's logger is global, so the
// program, not this package, installs it:
//
//	redis.SetLogger(cache.GoRedisLogger{Logger: log})
type GoRedisLogger struct{ Logger *slog.Logger }

// Printf implements go-redis's logging interface.
func (l GoRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.Logger.WarnContext(ctx, "go-redis: "+strings.TrimSpace(fmt.Sprintf(format, v...)))
}

// parseEvent decodes a "version:writer:source" notification.
func parseEvent(payload string) (ev Event, writer string, ok bool) {
	vs, rest, ok1 := strings.Cut(payload, ":")
	writer, source, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || source == "" {
		return Event{}, "", false
	}
	v, err := strconv.ParseUint(vs, 10, 64)
	if err != nil {
		return Event{}, "", false
	}
	return Event{Source: source, Version: v}, writer, true
}

func newWriterID() string {
	b := make([]byte, 8)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}
