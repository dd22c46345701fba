package cache_test

import (
	"testing"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
)

// The shared store suite against Redis Sentinel (the master found through
// the sentinels): .ci/run starts a sentinel watching the local Redis and
// sets WALLBOARD_TEST_REDIS_SENTINEL_URL.
func TestRedisSentinelStore(t *testing.T) {
	url := storetest.SentinelURL(t)
	storetest.Run(t, func(t *testing.T) cache.Store {
		return newRedis(t, url, storetest.Prefix(t, url), 0)
	})
	storetest.RunReplicas(t, func(t *testing.T) (cache.Store, cache.Store) {
		prefix := storetest.Prefix(t, url)
		return newRedis(t, url, prefix, 0), newRedis(t, url, prefix, 0)
	})
}
