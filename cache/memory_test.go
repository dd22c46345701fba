package cache_test

import (
	"testing"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cache.Store { return cache.NewMemory() })
}

func TestMemoryNoGoroutineLeak(t *testing.T) {
	checkNoLeak(t, func() {
		m := cache.NewMemory()
		for range 3 {
			m.Subscribe(t.Context()) // never cancelled: Close must end them
		}
		m.Close()
	})
}

func TestMemoryMessages(t *testing.T) {
	storetest.RunMessages(t, func(t *testing.T) storetest.MessageStore { return cache.NewMemory() })
}
