// Package budget shares a vendor's request budget among every process that
// calls the vendor for one customer. UJET allows one request per second per
// customer, across all of our replicas: leader election keeps one poller
// running, and the shared budget holds the limit even while two replicas
// briefly both believe they lead (a Redis restart, a network split).
//
// Redis is the Redis implementation, a GCRA limiter from
// github.com/go-redis/redis_rate keyed per customer; the limiter reads
// Redis's clock, so the replicas' clocks need not agree.
//
// It bounds the rate, not who gets it: two pollers asking at once do not
// take turns. The one that made the last request wakes on its own spacing
// just as the next slot frees, while the other wakes at the retry time it
// was given, a round trip later, so the holder tends to keep the budget
// until it stops (as a replica that no longer leads does).
package budget

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// takeTimeout bounds one Take.
const takeTimeout = 250 * time.Millisecond

// Redis spaces the requests of every process that uses the same key.
type Redis struct {
	limiter  *redis_rate.Limiter
	key      string
	interval time.Duration
}

// NewRedis returns a budget of one request per interval, shared by every
// process that uses key (e.g. "wallboard:budget:ujet:acme"). redis_rate
// stores it under "rate:" + key.
func NewRedis(client redis.UniversalClient, key string, interval time.Duration) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(client), key: key, interval: interval}
}

// Take reserves a request now if the budget allows it and returns 0, or
// reserves nothing and returns how long until the budget allows the next
// one. An error means Redis could not be asked; nothing was reserved.
func (b *Redis) Take(ctx context.Context) (time.Duration, error) {
	// A Redis that is away must not hold the poller up: go-redis would
	// retry its dial for seconds.
	ctx, cancel := context.WithTimeout(ctx, takeTimeout)
	defer cancel()
	res, err := b.limiter.Allow(ctx, b.key, redis_rate.Limit{Rate: 1, Burst: 1, Period: b.interval})
	if err != nil {
		return 0, fmt.Errorf("shared request budget %q: %w", b.key, err)
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
}
