package connect_test

import (
	"bufio"
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

// nodeDir finds node and installs the npm packages of a testdata directory;
// it skips only when node is absent (CI has node).
func nodeDir(t *testing.T, dir, probe string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is required in CI")
		}
		t.Skip("node not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", probe)); err != nil {
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
	return node
}

// TestMicrosoftClassicClientEveryTransport connects Microsoft's classic
// ASP.NET SignalR 2 JavaScript client (npm signalr 2.4.3 with jquery under
// jsdom) to the simulated classic hub over each transport, subscribes, cuts
// the transport after the first diff and checks the client reconnects and
// receives diffs again.
func TestMicrosoftClassicClientEveryTransport(t *testing.T) {
	dir := filepath.Join("testdata", "msclassic")
	node := nodeDir(t, dir, "signalr")
	for _, tr := range []string{"webSockets", "serverSentEvents", "longPolling"} {
		t.Run(tr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			center := simulator.New(simulator.Options{Seed: 3, Agents: 10, Speed: 30})
			srv := connect.NewServer(center, connect.Options{SignalR: "classic"})
			ts := httptest.NewServer(srv)
			defer func() { cancel(); ts.Close() }()
			go func() { _ = srv.Run(ctx) }()
			go func() { _ = center.Run(ctx) }()
			var ids []string
			for _, a := range center.Truth().Agents {
				ids = append(ids, strconv.Itoa(a.ID))
			}
			cmd := exec.CommandContext(ctx, node, "client.mjs", ts.URL, srv.IssueToken(), strings.Join(ids, ","), tr)
			cmd.Dir = dir
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var lines []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				lines = append(lines, line)
				if strings.Contains(line, `"phase":"drop"`) {
					srv.DropTransports()
				}
			}
			err = cmd.Wait()
			log := strings.Join(lines, "\n")
			if err != nil {
				t.Fatalf("node client: %v\n%s\n%s", err, log, stderr.String())
			}
			if !strings.Contains(log, `"ok":true`) || !strings.Contains(log, `"event":"reconnected","transport":"`+tr+`"`) {
				t.Fatalf("node client did not reconnect and finish:\n%s\n%s", log, stderr.String())
			}
			if st := srv.ClassicStats(); st.Transports[tr] < 2 || st.Reconnects < 1 {
				t.Fatalf("hub saw %+v, want a connect and a reconnect over %s", st, tr)
			}
			t.Logf("%s: %s", tr, lines[len(lines)-1])
		})
	}
}
