package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wallboard/wallboard/cache"
)

// Client returns a go-redis client of rawURL, closed at the test's end.
// Each call is a client of its own, as another process would have.
func Client(t testing.TB, rawURL string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// RedisURL returns the URL of a Redis server for tests: the one named by
// WALLBOARD_TEST_REDIS_URL, else the one on 127.0.0.1:6379, else a
// redis-server started for this test (stopped at its end). Without any of
// these the test is skipped, or fails when the CI environment variable is
// set.
func RedisURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("WALLBOARD_TEST_REDIS_URL"); u != "" {
		return u
	}
	const local = "redis://127.0.0.1:6379/0"
	if ping(local) == nil {
		return local
	}
	return StartRedis(t).URL()
}

func ping(rawURL string) error {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return err
	}
	opts.DialTimeout = time.Second
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

// Prefix returns a new random key prefix and deletes every key under it at
// the end of the test.
func Prefix(t testing.TB, rawURL string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "wallboard-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { DeletePrefix(t, rawURL, prefix) })
	return prefix
}

// DeletePrefix deletes every key that starts with prefix.
func DeletePrefix(t testing.TB, rawURL, prefix string) {
	c, err := cache.NewClient(rawURL)
	if err != nil {
		t.Errorf("clean up Redis: %v", err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		// The test may have stopped its own server on purpose.
		t.Logf("clean up Redis prefix %s: %v", prefix, err)
		return
	}
	if len(keys) > 0 {
		if err := c.Del(ctx, keys...).Err(); err != nil {
			t.Logf("clean up Redis prefix %s: %v", prefix, err)
		}
	}
}

// RedisServer is a redis-server subprocess that a test may stop and start
// again on the same port. It keeps nothing on disk, so a restart is empty.
type RedisServer struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
	exit chan struct{}
}

// SentinelURL returns the URL of a Redis Sentinel setup for tests, named by
// WALLBOARD_TEST_REDIS_SENTINEL_URL (redis://sentinel:26379/0?master_name=…,
// the form cache.NewRedis accepts; .ci/run starts one). Without it the
// test is skipped, or fails when the CI environment variable is set.
func SentinelURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("WALLBOARD_TEST_REDIS_SENTINEL_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Redis Sentinel for tests: set WALLBOARD_TEST_REDIS_SENTINEL_URL (.ci/run starts one)")
		}
		t.Skip("no Redis Sentinel for tests (set WALLBOARD_TEST_REDIS_SENTINEL_URL; .ci/run starts one)")
	}
	return u
}

// StartRedis starts redis-server on a free loopback port and stops it at the
// end of the test. Without a redis-server binary the test is skipped, or
// fails when the CI environment variable is set.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Redis for tests: set WALLBOARD_TEST_REDIS_URL or install redis-server: %v", err)
		}
		t.Skipf("no Redis for tests (set WALLBOARD_TEST_REDIS_URL or install redis-server): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &RedisServer{t: t, port: port, dir: t.TempDir()}
	s.Start()
	t.Cleanup(s.Kill)
	return s
}

// URL returns the server's redis:// URL.
func (s *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Addr returns the server's host:port.
func (s *RedisServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// Start starts the server (again) and waits until it answers.
func (s *RedisServer) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("redis-server already running")
	}
	cmd := exec.Command("redis-server", "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--logfile", filepath.Join(s.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	s.exit = make(chan struct{})
	go func(exit chan struct{}) { _ = cmd.Wait(); close(exit) }(s.exit)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ping(s.URL())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.t.Fatalf("redis-server on port %d did not answer: %v\n%s", s.port, err, strings.TrimSpace(string(log)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *RedisServer) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exit
	s.cmd = nil
}
