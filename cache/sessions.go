package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Revoked supervisor sessions (access.SessionRevocations): one key per
// session, <prefix>session:revoked:<id>, expiring when the session would
// have, so every replica refuses a logged-out session's cookie.
//
// A Redis that restarts empty (or is flushed) forgets those keys. So that a
// logged-out cookie does not come back to life then, the revocations have
// an epoch: <prefix>session:epoch, a random value set when the first session
// is issued and never expiring. Sessions carry the epoch they were issued
// under; when the key is gone or holds another value, the revocations of
// those sessions are gone too and access refuses them.

func (r *Redis) revokedKey(id string) string { return r.prefix + "session:revoked:" + id }
func (r *Redis) epochKey() string            { return r.prefix + "session:epoch" }

// RevokeSession records that session id ended; the record expires after ttl.
func (r *Redis) RevokeSession(ctx context.Context, id string, ttl time.Duration) error {
	if err := r.client.Set(ctx, r.revokedKey(id), "1", ttl).Err(); err != nil {
		return fmt.Errorf("cache: revoke session: %w", err)
	}
	return nil
}

// SessionRevoked reports whether session id was revoked, and the current
// epoch of the revocations ("" when Redis has none: it restarted empty and
// no session was issued since).
func (r *Redis) SessionRevoked(ctx context.Context, id string) (revoked bool, epoch string, err error) {
	vals, err := r.client.MGet(ctx, r.revokedKey(id), r.epochKey()).Result()
	if err != nil {
		return false, "", fmt.Errorf("cache: session revocation: %w", err)
	}
	if len(vals) != 2 {
		return false, "", errors.New("cache: session revocation: short reply")
	}
	epoch, _ = vals[1].(string)
	return vals[0] != nil, epoch, nil
}

// SessionEpoch returns the current epoch of the revocations, starting a new
// one when Redis has none (first use, or after it restarted empty).
func (r *Redis) SessionEpoch(ctx context.Context) (string, error) {
	var get *redis.StringCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SetNX(ctx, r.epochKey(), newWriterID(), 0)
		get = p.Get(ctx, r.epochKey())
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cache: session epoch: %w", err)
	}
	return get.Val(), nil
}
