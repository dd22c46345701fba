package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/ujet"
)

// replica is a wallboard server process.
type replica struct {
	name string
	base string
	cmd  *exec.Cmd
	log  *testlog.Buffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func buildWallboard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wallboard")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startReplica(t *testing.T, bin, name string, env []string) *replica {
	t.Helper()
	addr := freeAddr(t)
	r := &replica{name: name, base: "http://" + addr, log: &testlog.Buffer{}}
	r.cmd = exec.Command(bin)
	r.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "WALLBOARD_ADDR=" + addr}, env...)
	r.cmd.Stdout = r.log
	r.cmd.Stderr = r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, r.log)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(r.base + "/healthz"); err == nil {
			resp.Body.Close()
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start\n%s", name, r.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *replica) stop() {
	if r.cmd.ProcessState == nil {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
	}
}

// kill ends the process as a crash would: no lease is released.
func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}

func (r *replica) status(t *testing.T) map[string]any {
	t.Helper()
	resp, err := http.Get(r.base + "/api/v1/status")
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	defer resp.Body.Close()
	var s map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("%s status: %v", r.name, err)
	}
	return s
}

func leadsUJET(s map[string]any) bool {
	leads, _ := s["leads"].([]any)
	for _, l := range leads {
		if l == "ujet" {
			return s["leader"] == true
		}
	}
	return false
}

// agentStatus is what replica r's board says of agent id, "" when absent.
func agentStatus(t *testing.T, r *replica, id int) (string, model.Health) {
	t.Helper()
	b := getBoard(t, r.base)
	var h model.Health
	if len(b.Sources) > 0 {
		h = b.Sources[0]
	}
	for _, a := range b.Agents {
		if a.ID == strconv.Itoa(id) {
			return a.Status, h
		}
	}
	return "", h
}

// waitAll waits until every replica's board shows agent id in status.
func waitAll(t *testing.T, within time.Duration, id int, status string, rs ...*replica) time.Duration {
	t.Helper()
	start := time.Now()
	for _, r := range rs {
		for {
			got, h := agentStatus(t, r, id)
			if got == status && h.OK {
				break
			}
			if time.Since(start) > within {
				t.Fatalf("%s: agent %d shows %q (source %+v), want %q within %v", r.name, id, got, h, status, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return time.Since(start)
}

// Two replicas on one Redis, pointed at one UJET server: both show the same
// data, only one polls, the server never sees more than 1 request a second —
// through a Redis restart and the leader's death — and the survivor takes over
// within 15 s.
func TestReplicasShareRedisAndFailOver(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about a minute")
	}
	redis := storetest.StartRedis(t)
	bin := buildWallboard(t)

	center := simulator.New(simulator.Options{Seed: 5, Agents: 30, Quiet: true})
	h := ujet.NewHandler(center, ujet.Options{Subdomain: "acme", Token: "replica-secret"})
	vendor := httptest.NewServer(h)
	defer vendor.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = center.Run(ctx) }()

	env := []string{
		"WALLBOARD_REDIS_URL=" + redis.URL(),
		"WALLBOARD_REDIS_PREFIX=" + fmt.Sprintf("wallboard-test-%d:", time.Now().UnixNano()),
		"WALLBOARD_UJET_BASE_URL=" + vendor.URL + "/manager/api/v1",
		"WALLBOARD_UJET_SUBDOMAIN=acme",
		"WALLBOARD_UJET_TOKEN=replica-secret",
	}
	a := startReplica(t, bin, "replica A", env)
	b := startReplica(t, bin, "replica B", env)

	// Exactly one leads the UJET poller.
	var leader, follower *replica
	deadline := time.Now().Add(15 * time.Second)
	for leader == nil {
		sa, sb := a.status(t), b.status(t)
		switch {
		case leadsUJET(sa) && leadsUJET(sb):
			t.Fatalf("both replicas lead the UJET poller")
		case leadsUJET(sa):
			leader, follower = a, b
		case leadsUJET(sb):
			leader, follower = b, a
		case time.Now().After(deadline):
			t.Fatalf("no replica leads the UJET poller after 15 s: %v / %v", sa, sb)
		default:
			time.Sleep(200 * time.Millisecond)
		}
	}
	if s := follower.status(t); s["store"] != "redis" {
		t.Errorf("status store %v, want redis", s["store"])
	}

	agents := center.Truth().Agents
	var ids []int
	for _, ag := range agents {
		if ag.LoggedIn {
			ids = append(ids, ag.ID)
		}
	}
	if len(ids) < 3 {
		t.Fatalf("only %d agents logged in", len(ids))
	}

	// Both follow a change.
	if err := center.SetAgentStatus(ids[0], "Break"); err != nil {
		t.Fatal(err)
	}
	lag := waitAll(t, 20*time.Second, ids[0], "Break", a, b)
	t.Logf("both replicas show a change after %v", lag.Round(time.Millisecond))

	// Redis restarts empty under both: both recover fresh data within 15 s.
	redis.Kill()
	time.Sleep(2 * time.Second)
	// While Redis is away the replicas still serve their last board.
	for _, r := range []*replica{a, b} {
		if got, _ := agentStatus(t, r, ids[0]); got != "Break" {
			t.Errorf("%s: with Redis away, the board lost its data (agent shows %q)", r.name, got)
		}
	}
	redis.Start()
	back := time.Now()
	if err := center.SetAgentStatus(ids[1], "Meal"); err != nil {
		t.Fatal(err)
	}
	waitAll(t, 15*time.Second, ids[1], "Meal", a, b)
	t.Logf("both replicas show fresh data %v after Redis came back", time.Since(back).Round(time.Millisecond))

	// The leader dies without releasing its lease: the other takes over
	// within 15 s and follows changes.
	var survivor *replica
	for _, r := range []*replica{a, b} {
		if leadsUJET(r.status(t)) {
			leader = r
		} else {
			survivor = r
		}
	}
	if leader == nil || survivor == nil {
		t.Fatalf("after the Redis restart, want one leader and one follower")
	}
	leader.kill()
	died := time.Now()
	for !leadsUJET(survivor.status(t)) {
		if time.Since(died) > 15*time.Second {
			t.Fatalf("%s did not take over within 15 s", survivor.name)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("%s took over %v after the leader died", survivor.name, time.Since(died).Round(time.Millisecond))
	if err := center.SetAgentStatus(ids[2], "Training"); err != nil {
		t.Fatal(err)
	}
	waitAll(t, 10*time.Second, ids[2], "Training", survivor)

	// Never more than one request in a second at the UJET server.
	reqs := h.Requests()
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < time.Second {
			t.Errorf("requests %d (%s) and %d (%s) only %v apart", i-1, reqs[i-1].Path, i, reqs[i].Path, gap)
		}
	}
	t.Logf("%d requests to the UJET server over %v", len(reqs), reqs[len(reqs)-1].At.Sub(reqs[0].At).Round(time.Second))
	for _, r := range []*replica{a, b} {
		if strings.Contains(r.log.String(), "replica-secret") {
			t.Errorf("%s logs the UJET token", r.name)
		}
	}
}
