package main

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/ujet"
)

// Pointed at a UJET server with --ujet-max-rps 0.5, the wallboard never asks
// it more than once in two seconds, and its API shows today's handled and
// abandoned counts equal to the server's, per queue and in total, with the
// board SLA marked weighted.
func TestUJETDayCountsWithinItsShare(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about a minute")
	}
	// Five simulated minutes of traffic at speed 30, all of it today; the
	// center is not advanced, so the truth holds still.
	center := simulator.New(simulator.Options{Seed: 5, Agents: 20, Speed: 30, WarmUp: 5 * time.Minute})
	h := ujet.NewHandler(center, ujet.Options{Subdomain: "acme", Token: "share-secret-token"})
	vendor := httptest.NewServer(h)
	defer vendor.Close()
	truth := center.Truth()
	y, m, d := time.Now().Date()
	want := truth.DayCounts(time.Date(y, m, d, 0, 0, 0, 0, time.Local))
	var handled, abandoned int
	for _, c := range want {
		handled += c.Handled
		abandoned += c.Abandoned
	}
	if handled == 0 || abandoned == 0 {
		t.Fatalf("the scenario has %d handled and %d abandoned; pick another seed", handled, abandoned)
	}

	base, _ := startWallboard(t, nil, map[string]string{
		"WALLBOARD_UJET_BASE_URL":  vendor.URL + "/manager/api/v1",
		"WALLBOARD_UJET_SUBDOMAIN": "acme",
		"WALLBOARD_UJET_TOKEN":     "share-secret-token",
		"WALLBOARD_UJET_MAX_RPS":   "0.5",
	})
	b := waitBoard(t, base, 120*time.Second, fmt.Sprintf("today's counts %d handled, %d abandoned", handled, abandoned), func(b model.Board) bool {
		s := b.Summary
		return s != nil && s.Answered != nil && s.Abandoned != nil && *s.Answered == handled && *s.Abandoned == abandoned
	})
	for _, q := range b.Queues {
		w := want[q.ID]
		if q.Answered == nil || q.Abandoned == nil || *q.Answered != w.Handled || *q.Abandoned != w.Abandoned {
			t.Errorf("queue %s (%s): %v/%v, want %d/%d", q.ID, q.Name, q.Answered, q.Abandoned, w.Handled, w.Abandoned)
		}
	}
	if b.Summary.SLACall != nil && b.Summary.SLACallMethod != model.SLAWeighted {
		t.Errorf("call SLA method %q, want weighted: every UJET queue has counts", b.Summary.SLACallMethod)
	}
	reqs := h.Requests()
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < 1900*time.Millisecond {
			t.Errorf("requests %d (%s) and %d (%s) only %v apart at 0.5 requests a second", i-1, reqs[i-1].Path, i, reqs[i].Path, gap)
		}
	}
	t.Logf("%d requests over %v", len(reqs), reqs[len(reqs)-1].At.Sub(reqs[0].At).Round(time.Second))
}
