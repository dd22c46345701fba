package cache_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
)

// BenchmarkRedisPublishToReceive measures the time from a Put on one
// replica to the Event on another replica sharing the Redis, for a
// 200-agent, 50-queue state; it reports the median and 99th percentile.
func BenchmarkRedisPublishToReceive(b *testing.B) {
	url := storetest.RedisURL(b)
	prefix := storetest.Prefix(b, url)
	ctx := context.Background()
	pub, err := cache.NewRedis(ctx, cache.RedisOptions{URL: url, Prefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	sub, err := cache.NewRedis(ctx, cache.RedisOptions{URL: url, Prefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	ch := sub.Subscribe(ctx)
	st := storetest.State("ujet", 200, 50)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		put, err := pub.Put(ctx, st)
		if err != nil {
			b.Fatal(err)
		}
		for ev := range ch {
			if ev.Version >= put.Version {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

func benchPut(b *testing.B, s cache.Store) {
	st := storetest.State("ujet", 200, 50)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Put(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSnapshot(b *testing.B, s cache.Store) {
	ctx := context.Background()
	if _, err := s.Put(ctx, storetest.State("ujet", 200, 50)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Snapshot(ctx)
		if err != nil || len(snap[0].Agents) != 200 {
			b.Fatal(err)
		}
	}
}

func newBenchRedis(b *testing.B) *cache.Redis {
	url := storetest.RedisURL(b)
	r, err := cache.NewRedis(context.Background(), cache.RedisOptions{URL: url, Prefix: storetest.Prefix(b, url)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// Put and Snapshot of a 200-agent, 50-queue source.
func BenchmarkRedisPut(b *testing.B)      { benchPut(b, newBenchRedis(b)) }
func BenchmarkRedisSnapshot(b *testing.B) { benchSnapshot(b, newBenchRedis(b)) }
func BenchmarkMemoryPut(b *testing.B)     { benchPut(b, cache.NewMemory()) }
func BenchmarkMemorySnapshot(b *testing.B) {
	benchSnapshot(b, cache.NewMemory())
}
