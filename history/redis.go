package history

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// appendScript replaces the sample of one step and trims the series.
// KEYS[1] the series' sorted set (score: step start in Unix ms).
// ARGV[1] score, ARGV[2] sample JSON, ARGV[3] oldest score to drop (inclusive),
// ARGV[4] expiry of the whole series in ms.
var appendScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// Redis is a Store in Redis, shared by every replica: one sorted set per
// series, scored by the step's start, trimmed on each Append and expiring
// when nothing is appended for a retention period.
type Redis struct {
	client redis.Cmdable
	prefix string
	opts   Options
}

// NewRedis returns a Store whose keys start with prefix + "history:" (use
// the cache store's prefix).
func NewRedis(client redis.Cmdable, prefix string, opts Options) *Redis {
	return &Redis{client: client, prefix: prefix + "history:", opts: opts.withDefaults()}
}

// Append implements Store.
func (r *Redis) Append(ctx context.Context, key string, s Sample) error {
	s.At = s.At.Truncate(r.opts.Resolution).UTC()
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("history: encode sample: %w", err)
	}
	score := s.At.UnixMilli()
	cut := s.At.Add(-r.opts.Retention).UnixMilli()
	ttl := (r.opts.Retention + r.opts.Resolution).Milliseconds()
	if err := appendScript.Run(ctx, r.client, []string{r.prefix + key}, score, data, cut, ttl).Err(); err != nil {
		return fmt.Errorf("history: append %s: %w", key, err)
	}
	return nil
}

// Range implements Store.
func (r *Redis) Range(ctx context.Context, key string, since time.Time) ([]Sample, error) {
	m, err := r.RangeMany(ctx, []string{key}, since)
	if err != nil {
		return nil, err
	}
	return m[key], nil
}

// RangeMany is Range for several series in one round trip.
func (r *Redis) RangeMany(ctx context.Context, keys []string, since time.Time) (map[string][]Sample, error) {
	min := strconv.FormatInt(since.UnixMilli(), 10)
	cmds := make([]*redis.StringSliceCmd, len(keys))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.ZRangeByScore(ctx, r.prefix+k, &redis.ZRangeBy{Min: min, Max: "+inf"})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: range: %w", err)
	}
	out := make(map[string][]Sample, len(keys))
	for i, k := range keys {
		samples := make([]Sample, 0, len(cmds[i].Val()))
		for _, data := range cmds[i].Val() {
			var s Sample
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				continue // not ours; a sample is worth less than the series
			}
			samples = append(samples, s)
		}
		out[k] = samples
	}
	return out, nil
}
