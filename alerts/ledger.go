package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Record is an open breach as the ledger keeps it.
type Record struct {
	ID     string    `json:"id"`    // the breach's id, sent with both its alerts
	Board  string    `json:"board"` // board id
	Queue  string    `json:"queue"` // queue name as shown
	Since  time.Time `json:"since"` // when the breach began (before the hold)
	Reason string    `json:"reason"`
}

// Ledger keeps the open breaches where every replica sees them, so that one
// replica, and only one, tells each start and each end.
type Ledger interface {
	// Open records the breach of key unless one is open already; it
	// reports whether this call opened it (and so must tell its start).
	Open(ctx context.Context, key string, r Record) (bool, error)
	// Close removes the open breach of key; it returns the record and
	// reports whether this call removed it (and so must tell its end).
	Close(ctx context.Context, key string) (Record, bool, error)
	// List returns the open breaches by key.
	List(ctx context.Context) (map[string]Record, error)
}

// Memory is a Ledger for a single server.
type Memory struct {
	mu   sync.Mutex
	open map[string]Record
}

// NewMemory returns an empty in-process ledger.
func NewMemory() *Memory { return &Memory{open: map[string]Record{}} }

// Open implements Ledger.
func (m *Memory) Open(_ context.Context, key string, r Record) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.open[key]; ok {
		return false, nil
	}
	m.open[key] = r
	return true, nil
}

// Close implements Ledger.
func (m *Memory) Close(_ context.Context, key string) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.open[key]
	delete(m.open, key)
	return r, ok, nil
}

// List implements Ledger.
func (m *Memory) List(context.Context) (map[string]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]Record, len(m.open))
	for k, r := range m.open {
		out[k] = r
	}
	return out, nil
}

// Redis is a Ledger shared by the replicas of one Redis prefix: one hash
// field per open breach, opened with HSETNX and closed with HDEL, so that
// exactly one replica wins each.
type Redis struct {
	c   redis.UniversalClient
	key string
}

// NewRedis returns the ledger kept under prefix+"alerts:open".
func NewRedis(c redis.UniversalClient, prefix string) *Redis {
	return &Redis{c: c, key: prefix + "alerts:open"}
}

// Open implements Ledger.
func (r *Redis) Open(ctx context.Context, key string, rec Record) (bool, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	ok, err := r.c.HSetNX(ctx, r.key, key, data).Result()
	if err != nil {
		return false, fmt.Errorf("alerts: open breach: %w", err)
	}
	return ok, nil
}

// closeScript deletes the field and returns what it held, atomically.
var closeScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v`)

// Close implements Ledger.
func (r *Redis) Close(ctx context.Context, key string) (Record, bool, error) {
	v, err := closeScript.Run(ctx, r.c, []string{r.key}, key).Text()
	if err == redis.Nil {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("alerts: close breach: %w", err)
	}
	var rec Record
	_ = json.Unmarshal([]byte(v), &rec) // a garbled record still closes
	return rec, true, nil
}

// List implements Ledger.
func (r *Redis) List(ctx context.Context) (map[string]Record, error) {
	all, err := r.c.HGetAll(ctx, r.key).Result()
	if err != nil {
		return nil, fmt.Errorf("alerts: list breaches: %w", err)
	}
	out := make(map[string]Record, len(all))
	for k, v := range all {
		var rec Record
		_ = json.Unmarshal([]byte(v), &rec)
		out[k] = rec
	}
	return out, nil
}
