package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wallboard/wallboard/model"
)

func (r *Redis) messagesKey() string   { return r.prefix + "messages" }
func (r *Redis) messageLogKey() string { return r.prefix + "messages:log" }
func (r *Redis) messagesVerKey() string {
	return r.prefix + "messages:version"
}

// messageScript stores or removes a message, logs it, bumps the version and
// publishes the change, atomically.
//
// KEYS[1] hash id → message JSON, KEYS[2] log list, KEYS[3] version.
// ARGV[1] id, ARGV[2] message JSON to store, or "" to remove the message if
// it still holds ARGV[7], ARGV[3] log entry JSON, ARGV[4] channel, ARGV[5]
// writer id, ARGV[6] log size. Returns the new version, or -1 when the
// message to remove is not there.
var messageScript = redis.NewScript(`
if ARGV[2] == '' then
  if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[7] then
    return -1
  end
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[6]) - 1)
local v = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[4], string.format('%d', v) .. ':' .. ARGV[5] .. ':' .. '` + MessagesSource + `')
return v
`)

func (r *Redis) runMessageScript(ctx context.Context, id, stored, entry, expect string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	return messageScript.Run(ctx, r.client, []string{r.messagesKey(), r.messageLogKey(), r.messagesVerKey()},
		id, stored, entry, r.channel(), r.id, model.MessageLogSize, expect).Int64()
}

// PostMessage implements Messages.
func (r *Redis) PostMessage(ctx context.Context, m model.Message) (model.Message, error) {
	m, err := m.Normalize()
	if err != nil {
		return m, err
	}
	m.ID = newMessageID()
	data, err := json.Marshal(m)
	if err != nil {
		return m, err
	}
	entry, err := json.Marshal(model.MessageLogEntry{Action: "posted", By: m.Author, At: m.Posted, Message: m})
	if err != nil {
		return m, err
	}
	if _, err := r.runMessageScript(ctx, m.ID, string(data), string(entry), ""); err != nil {
		return m, fmt.Errorf("cache: post message to Redis at %s: %w", r.display, err)
	}
	return m, nil
}

// RemoveMessage implements Messages.
func (r *Redis) RemoveMessage(ctx context.Context, id, by string, at time.Time) error {
	rctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	data, err := r.client.HGet(rctx, r.messagesKey(), id).Result()
	cancel()
	if errors.Is(err, redis.Nil) {
		return ErrNoMessage
	}
	if err != nil {
		return fmt.Errorf("cache: read message from Redis at %s: %w", r.display, err)
	}
	var m model.Message
	if err := json.Unmarshal([]byte(data), &m); err != nil || !m.Active(at) {
		return ErrNoMessage
	}
	entry, err := json.Marshal(model.MessageLogEntry{Action: "removed", By: by, At: at, Message: m})
	if err != nil {
		return err
	}
	v, err := r.runMessageScript(ctx, id, "", string(entry), data)
	if err != nil {
		return fmt.Errorf("cache: remove message in Redis at %s: %w", r.display, err)
	}
	if v < 0 {
		return ErrNoMessage
	}
	return nil
}

// Messages implements Messages. Expired messages are deleted on the way.
func (r *Redis) Messages(ctx context.Context, now time.Time) ([]model.Message, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	var all *redis.MapStringStringCmd
	var ver *redis.StringCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, r.messagesKey())
		ver = p.Get(ctx, r.messagesVerKey())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("cache: read messages from Redis at %s: %w", r.display, err)
	}
	v, _ := strconv.ParseUint(ver.Val(), 10, 64)
	var out []model.Message
	var expired []string
	for id, data := range all.Val() {
		var m model.Message
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			r.log.Error("redis: undecodable message left out", "id", id, "err", err)
			continue
		}
		if !m.Active(now) {
			expired = append(expired, id)
			continue
		}
		out = append(out, m)
	}
	if len(expired) > 0 {
		_ = r.client.HDel(ctx, r.messagesKey(), expired...).Err() // best effort; filtered anyway
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Posted.Equal(out[j].Posted) {
			return out[i].Posted.Before(out[j].Posted)
		}
		return out[i].ID < out[j].ID
	})
	return out, v, nil
}

// MessageLog implements Messages.
func (r *Redis) MessageLog(ctx context.Context) ([]model.MessageLogEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	items, err := r.client.LRange(ctx, r.messageLogKey(), 0, model.MessageLogSize-1).Result()
	if err != nil {
		return nil, fmt.Errorf("cache: read message log from Redis at %s: %w", r.display, err)
	}
	out := make([]model.MessageLogEntry, 0, len(items))
	for _, it := range items {
		var e model.MessageLogEntry
		if err := json.Unmarshal([]byte(it), &e); err == nil {
			out = append(out, e)
		}
	}
	return out, nil
}
