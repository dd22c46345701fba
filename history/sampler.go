package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wallboard/wallboard/model"
)

// Snapshotter is where the Sampler reads the live state (a cache.Store).
type Snapshotter interface {
	Snapshot(ctx context.Context) ([]model.SourceState, error)
}

// BoardsFunc returns the boards to sample from a snapshot, by board id.
type BoardsFunc func(states []model.SourceState, now time.Time) map[string]model.Board

// AllBoard is the default BoardsFunc: board "all", everything merged.
func AllBoard(states []model.SourceState, now time.Time) map[string]model.Board {
	return map[string]model.Board{"all": model.Merge("all", "All", now, states)}
}

// SamplerOptions configure a Sampler.
type SamplerOptions struct {
	// Interval between samples, aligned to the wall clock. Default one
	// minute; match the Store's resolution.
	Interval time.Duration
	// Boards lists the boards to sample. Default AllBoard.
	Boards BoardsFunc
	// Logger receives failures. Default slog.Default().
	Logger *slog.Logger
}

// Sampler appends one sample per queue and per board to a Store every
// interval. Run it on one replica only (the leader): the Store's one sample
// per step makes a second sampler harmless, not useful.
type Sampler struct {
	src   Snapshotter
	store Store
	opts  SamplerOptions
	log   *slog.Logger
}

// NewSampler returns a Sampler reading src and writing to store.
func NewSampler(src Snapshotter, store Store, opts SamplerOptions) *Sampler {
	if opts.Interval <= 0 {
		opts.Interval = DefaultResolution
	}
	if opts.Boards == nil {
		opts.Boards = AllBoard
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Sampler{src: src, store: store, opts: opts, log: opts.Logger.With("component", "history")}
}

// Run samples at once and then at every interval boundary until ctx ends.
// Failures are logged and the next interval tried. It returns nil when ctx
// ends.
func (s *Sampler) Run(ctx context.Context) error {
	for {
		if err := s.SampleAt(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.log.Warn("history: sample failed", "err", err)
		}
		now := time.Now()
		t := time.NewTimer(now.Truncate(s.opts.Interval).Add(s.opts.Interval).Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// SampleAt reads the snapshot and appends the samples of every queue and
// board, taken at now.
func (s *Sampler) SampleAt(ctx context.Context, now time.Time) error {
	states, err := s.src.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("history: read snapshot: %w", err)
	}
	var errs []error
	for _, st := range states {
		for _, q := range st.Queues {
			source := q.Source
			if source == "" {
				source = st.Source
			}
			if err := s.store.Append(ctx, QueueKey(source, q.ID), QueueSample(q, now, !st.OK)); err != nil {
				errs = append(errs, err)
			}
		}
		for id, gs := range GroupSamples(st.QueueGroups, now, !st.OK) {
			if err := s.store.Append(ctx, GroupKey(st.Source, id), gs); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for id, b := range s.opts.Boards(states, now) {
		if err := s.store.Append(ctx, BoardKey(id), BoardSample(b, now)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
