package cache

import (
	"context"
	"fmt"
	"maps"
)

// Ledger keeps small named tables of entries (key → value) that a source
// builds up over time and that must survive a change of leader or a
// restart: the UJET day counts keep every contact they counted, keyed by
// contact id, so that the next leader neither loses nor doubles one.
// Writing an entry again replaces it, so writes are idempotent.
type Ledger interface {
	// LedgerLoad returns every entry of ledger name (empty when none).
	LedgerLoad(ctx context.Context, name string) (map[string]string, error)
	// LedgerStore sets the entries of set and deletes the keys of drop in
	// ledger name, in one step.
	LedgerStore(ctx context.Context, name string, set map[string]string, drop []string) error
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
	return nil
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
