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

func (r *Redis) revokedKey(id string) string { return r.prefix + "session:revoked:" + id }

// RevokeSession records that session id ended; the record expires after ttl.
func (r *Redis) RevokeSession(ctx context.Context, id string, ttl time.Duration) error {
	if err := r.client.Set(ctx, r.revokedKey(id), "1", ttl).Err(); err != nil {
		return fmt.Errorf("cache: revoke session: %w", err)
	}
	return nil
}

// SessionRevoked reports whether session id was revoked.
func (r *Redis) SessionRevoked(ctx context.Context, id string) (bool, error) {
	err := r.client.Get(ctx, r.revokedKey(id)).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	}
	return false, fmt.Errorf("cache: session revocation: %w", err)
}
