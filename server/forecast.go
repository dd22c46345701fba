package server

// Forecasts: each queue's Erlang A and C forecast (package forecast, inputs
// from present.Forecasts) on the wall's and embeds' forecast tile, the
// supervisor view's column and panel, and the board API (forecast on each
// queue, inputs beside outputs). The queues' history of the last hour is
// read from the history store at most every historyTTL per board.

import (
	"context"
	"sync"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/forecast"
	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
)

// historyTTL is how long a board's history read serves its forecasts.
const historyTTL = 15 * time.Second

type forecastCache struct {
	mu sync.Mutex
	m  map[string]historyEntry // by board id
}

type historyEntry struct {
	at   time.Time // the server clock when read
	hist map[string][]history.Sample
}

// forecasts computes the forecasts of board def's queues in mb; nil without
// a history store.
func (s *Server) forecasts(ctx context.Context, def *boards.Board, mb model.Board) map[boards.QueueKey]forecast.Forecast {
	if s.o.History == nil {
		return nil
	}
	now := mb.GeneratedAt
	s.fc.mu.Lock()
	e, ok := s.fc.m[def.ID]
	s.fc.mu.Unlock()
	if !ok || now.Sub(e.at) >= historyTTL || now.Before(e.at) || now.Truncate(time.Minute) != e.at.Truncate(time.Minute) {
		ctx, cancel := context.WithTimeout(ctx, s.o.StoreTimeout)
		h, err := history.ForBoard(ctx, s.o.History, mb, now.Add(-time.Hour))
		cancel()
		if err != nil {
			s.log.Warn("read history for forecasts", "board", def.ID, "err", err)
		}
		e = historyEntry{at: now, hist: make(map[string][]history.Sample, len(h.Queues))}
		for _, q := range h.Queues {
			e.hist[history.QueueKey(q.Source, q.ID)] = q.Samples
		}
		s.fc.mu.Lock()
		if s.fc.m == nil || len(s.fc.m) > 1000 {
			s.fc.m = map[string]historyEntry{}
		}
		s.fc.m[def.ID] = e
		s.fc.mu.Unlock()
	}
	return present.Forecasts(def, mb, e.hist, s.hub.memberships(), now)
}
