package cache

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// go-redis's own URL forms choose the client: one server, Sentinel
// (master_name=), Cluster (addr=).
func TestRedisURLForms(t *testing.T) {
	cases := []struct {
		url     string
		cluster bool
		kind    string
	}{
		{"redis://:pw@127.0.0.1:6379/2", false, "*redis.Client"},
		{"redis://:spw@127.0.0.1:26379/0?master_name=mymaster&addr=127.0.0.1:26380&password=masterpw", false, "*redis.Client"},
		{"redis://:pw@127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002", true, "*redis.ClusterClient"},
	}
	for _, c := range cases {
		client, cluster, err := newRedisClient(c.url)
		if err != nil {
			t.Fatalf("%s: %v", RedactURL(c.url), err)
		}
		client.Close()
		kind := "other"
		switch client.(type) {
		case *redis.Client:
			kind = "*redis.Client"
		case *redis.ClusterClient:
			kind = "*redis.ClusterClient"
		}
		if cluster != c.cluster || kind != c.kind {
			t.Errorf("%s: %s cluster=%v, want %s cluster=%v", RedactURL(c.url), kind, cluster, c.kind, c.cluster)
		}
	}
}

// Passwords stay out of redacted URLs and of errors, the Sentinel master's
// password= parameter included.
func TestRedisURLPasswordsNeverShown(t *testing.T) {
	for _, raw := range []string{
		"redis://:sentinelpw-1@127.0.0.1:26379/0?master_name=m&password=masterpw-2&bogus=1",
		"redis://:clusterpw-3@127.0.0.1:7000?addr=127.0.0.1:7001&bogus=1",
		"redis://:plainpw-4@127.0.0.1:6379/x",
	} {
		_, _, err := newRedisClient(raw)
		if err == nil {
			t.Fatalf("no error for a bad option")
		}
		for _, s := range []string{RedactURL(raw), err.Error()} {
			for _, pw := range []string{"sentinelpw-1", "masterpw-2", "clusterpw-3", "plainpw-4"} {
				if strings.Contains(s, pw) {
					t.Errorf("%q shows a password", s)
				}
			}
		}
	}
}
