package server

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/wallboard/wallboard/history"
)

// The history route serves what the sampler recorded, per board and per
// queue, with a null SLA kept null.
func TestHistoryAPI(t *testing.T) {
	hist := history.NewMemory(history.Options{})
	ts := startServer(t, Options{History: hist})
	now := time.Now()
	st := fixture(now, 6, 5)
	mustPut(t, ts.store, st)

	sampler := history.NewSampler(ts.store, hist, history.SamplerOptions{})
	for i := 3; i >= 1; i-- {
		if err := sampler.SampleAt(context.Background(), now.Add(-time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}

	code, body, _ := get(t, ts.http.URL+"/api/v1/boards/all/history")
	if code != http.StatusOK {
		t.Fatalf("history: %d %s", code, body)
	}
	var h history.BoardHistory
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	if h.Board != "all" || len(h.Samples) != 3 {
		t.Fatalf("board %q with %d samples, want all with 3: %s", h.Board, len(h.Samples), body)
	}
	wantWaiting := 0
	for _, q := range st.Queues {
		wantWaiting += q.Waiting
	}
	if h.Samples[2].Waiting != wantWaiting {
		t.Errorf("board waiting %d, want %d", h.Samples[2].Waiting, wantWaiting)
	}
	if len(h.Queues) != len(st.Queues) {
		t.Errorf("%d queue series, want %d", len(h.Queues), len(st.Queues))
	}

	// ?minutes= narrows the window; nonsense is refused clearly.
	code, body, _ = get(t, ts.http.URL+"/api/v1/boards/all/history?minutes=3")
	if err := json.Unmarshal([]byte(body), &h); code != http.StatusOK || err != nil || len(h.Samples) != 2 { // samples stand at the start of their minute
		t.Errorf("minutes=3: %d, %d samples, %v", code, len(h.Samples), err)
	}
	if code, _, _ := get(t, ts.http.URL+"/api/v1/boards/all/history?minutes=soon"); code != http.StatusBadRequest {
		t.Errorf("minutes=soon: %d, want 400", code)
	}
	if code, _, _ := get(t, ts.http.URL+"/api/v1/boards/nope/history"); code != http.StatusNotFound {
		t.Errorf("unknown board: %d, want 404", code)
	}
}
