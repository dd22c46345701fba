package cache

import (
	"context"
	"fmt"
	"maps"

	"github.com/redis/go-redis/v9"
)

// Ledger keeps small named tables of entries (key → value) that a source
// builds up over time and that must survive a change of leader or a
// restart: the UJET day counts keep every contact they counted, keyed by
// contact id, so that the next leader neither loses nor doubles one.
// Writing an entry again replaces it, so writes are idempotent.
//
// A ledger exists while it has entries. A store can lose one (Redis
// restarted without persistence, or was flushed) while its writer keeps
// running; LedgerUpdate tells the writer so, and the writer then stores its
// whole ledger again with LedgerStore, so that the next leader loads every
// entry rather than only those written since the loss.
type Ledger interface {
	// LedgerLoad returns every entry of ledger name (empty when none).
	LedgerLoad(ctx context.Context, name string) (map[string]string, error)
	// LedgerStore sets the entries of set and deletes the keys of drop in
	// ledger name, in one step, creating the ledger when it does not exist.
	LedgerStore(ctx context.Context, name string, set map[string]string, drop []string) error
	// LedgerUpdate is LedgerStore on a ledger that exists: when ledger name
	// has no entries (never written, emptied, or lost by the store) it
	// changes nothing and returns found false.
	LedgerUpdate(ctx context.Context, name string, set map[string]string, drop []string) (found bool, err error)
}

// LedgerLoad implements Ledger.
func (m *Memory) LedgerLoad(ctx context.Context, name string) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	return maps.Clone(m.ledgers[name]), nil
}

// LedgerStore implements Ledger.
func (m *Memory) LedgerStore(ctx context.Context, name string, set map[string]string, drop []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.ledgerStore(name, set, drop)
	return nil
}

// LedgerUpdate implements Ledger.
func (m *Memory) LedgerUpdate(ctx context.Context, name string, set map[string]string, drop []string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, ErrClosed
	}
	if len(m.ledgers[name]) == 0 {
		return false, nil
	}
	m.ledgerStore(name, set, drop)
	return true, nil
}

// ledgerStore writes to ledger name; m.mu is held. A ledger left without
// entries goes, as a Redis hash does.
func (m *Memory) ledgerStore(name string, set map[string]string, drop []string) {
	if m.ledgers == nil {
		m.ledgers = map[string]map[string]string{}
	}
	l := m.ledgers[name]
	if l == nil {
		l = map[string]string{}
		m.ledgers[name] = l
	}
	maps.Copy(l, set)
	for _, k := range drop {
		delete(l, k)
	}
	if len(l) == 0 {
		delete(m.ledgers, name)
	}
}

// ledgerKey is the Redis hash of ledger name.
func (r *Redis) ledgerKey(name string) string { return r.prefix + "ledger:" + name }

// LedgerLoad implements Ledger: ledger name is the Redis hash
// <prefix>ledger:<name>.
func (r *Redis) LedgerLoad(ctx context.Context, name string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	m, err := r.client.HGetAll(ctx, r.ledgerKey(name)).Result()
	if err != nil {
		return nil, fmt.Errorf("cache: load ledger %q from Redis at %s: %w", name, r.display, err)
	}
	return m, nil
}

// LedgerStore implements Ledger.
func (r *Redis) LedgerStore(ctx context.Context, name string, set map[string]string, drop []string) error {
	if len(set) == 0 && len(drop) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	key := r.ledgerKey(name)
	pipe := r.client.TxPipeline()
	if len(set) > 0 {
		args := make([]any, 0, 2*len(set))
		for k, v := range set {
			args = append(args, k, v)
		}
		pipe.HSet(ctx, key, args...)
	}
	if len(drop) > 0 {
		pipe.HDel(ctx, key, drop...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cache: store ledger %q to Redis at %s: %w", name, r.display, err)
	}
	return nil
}

// ledgerUpdateScript writes to the ledger hash KEYS[1] only if it exists.
// ARGV[1] is the number n of entries to set, ARGV[2 .. 2n+1] their keys and
// values, the rest the keys to delete. Returns 1, or 0 when the hash does
// not exist. Arguments go to HSET and HDEL in chunks: Lua's unpack has a
// limit, and a busy day's whole ledger may be over it.
var ledgerUpdateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local last = 1 + 2 * tonumber(ARGV[1])
local i = 2
while i <= last do
  local j = math.min(i + 999, last)
  redis.call('HSET', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
while i <= #ARGV do
  local j = math.min(i + 999, #ARGV)
  redis.call('HDEL', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
return 1
`)

// LedgerUpdate implements Ledger. A Redis that restarted empty no longer
// has the hash, so the writer learns here that it must store its whole
// ledger again.
func (r *Redis) LedgerUpdate(ctx context.Context, name string, set map[string]string, drop []string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	args := make([]any, 0, 1+2*len(set)+len(drop))
	args = append(args, len(set))
	for k, v := range set {
		args = append(args, k, v)
	}
	for _, k := range drop {
		args = append(args, k)
	}
	n, err := ledgerUpdateScript.Run(ctx, r.client, []string{r.ledgerKey(name)}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("cache: update ledger %q in Redis at %s: %w", name, r.display, err)
	}
	return n == 1, nil
}
