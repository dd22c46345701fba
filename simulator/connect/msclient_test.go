package connect_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/connect"
)

// TestMicrosoftClientReceivesDiffs connects Microsoft's own SignalR client
// (@microsoft/signalr from npm, run with node) to the simulated hub.
func TestMicrosoftClientReceivesDiffs(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is required in CI")
		}
		t.Skip("node not installed")
	}
	dir := filepath.Join("testdata", "msclient")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@microsoft", "signalr")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("node is installed but npm is not")
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	center := simulator.New(simulator.Options{Seed: 3, Agents: 10, Speed: 30})
	srv := connect.NewServer(center, connect.Options{})
	ts := httptest.NewServer(srv)
	defer func() { cancel(); ts.Close() }() // the hub's connections end with ctx
	go func() { _ = srv.Run(ctx) }()
	go func() { _ = center.Run(ctx) }()
	var ids []string
	for _, a := range center.Truth().Agents {
		ids = append(ids, strconv.Itoa(a.ID))
	}
	cmd := exec.CommandContext(ctx, node, "client.mjs", ts.URL, srv.IssueToken(), strings.Join(ids, ","))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node client: %v\n%s", err, out)
	}
	t.Logf("node client:\n%s", out)
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("node client did not finish:\n%s", out)
	}
	if srv.Subscriptions() != 0 {
		t.Fatalf("%d subscriptions left after the client deleted its own", srv.Subscriptions())
	}
}
