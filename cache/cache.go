// Package cache keeps the latest normalized state of every source and tells
// subscribers when it changes. Store is the interface the rest of the program
// uses; Memory is the in-process implementation (the default) and the Redis
// implementation shares state between server replicas.
package cache

import (
	"context"
	"errors"

	"github.com/wallboard/wallboard/model"
)

// Event says that a source's state changed to Version. Events coalesce: a
// subscriber that falls behind misses intermediate events but always receives
// one at or after the latest change, so it re-reads the snapshot on each.
type Event struct {
	Source  string
	Version uint64
}

// Store keeps one model.SourceState per source.
type Store interface {
	// Put replaces a source's state and notifies subscribers. The store assigns
	// the version; the returned state carries it.
	Put(ctx context.Context, st model.SourceState) (model.SourceState, error)
	// Snapshot returns the latest state of every source, sorted by source name.
	Snapshot(ctx context.Context) ([]model.SourceState, error)
	// Subscribe returns a channel of change events that is closed when ctx ends
	// or the store closes.
	Subscribe(ctx context.Context) <-chan Event
	// Kind names the implementation ("memory", "redis") for status pages.
	Kind() string
	// Close releases the store's resources and closes subscriptions.
	Close() error
	Ledger
}

// ErrClosed is returned by a store that has been closed.
var ErrClosed = errors.New("cache: store closed")
