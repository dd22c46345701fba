package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/ujet"
)

// A configuration file with a typo stops start-up and says where.
func TestConfigTypoFailsStartUpWithItsLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wallboard.yaml")
	const cfg = `boards:
  - id: billing
    title: Billing
    thresholds:
      sla_wran: 80
`
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--config", file}, func(string) string { return "" },
		strings.NewReader(""), &bytes.Buffer{}, &stderr, func(string) { t.Error("the server started with a broken config") })
	if err == nil {
		t.Fatal("start-up succeeded with a typo in the config")
	}
	if !strings.Contains(err.Error(), "wallboard.yaml:5") || !strings.Contains(err.Error(), "sla_wran") {
		t.Errorf("error %q does not name the file, line 5 and the key", err)
	}
}

// The operator's commands: hash a password from stdin, then print a display
// link signed with the file's secret.
func TestHashPasswordAndDisplayTokenCommands(t *testing.T) {
	var hash bytes.Buffer
	if err := run(context.Background(), []string{"hash-password"}, func(string) string { return "" },
		strings.NewReader("correct horse battery staple\n"), &hash, &bytes.Buffer{}, nil); err != nil {
		t.Fatal(err)
	}
	h := strings.TrimSpace(hash.String())
	if !strings.HasPrefix(h, "$2") || strings.Contains(h, "horse") {
		t.Fatalf("hash-password printed %q", h)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "wallboard.yaml")
	cfg := "boards:\n  - id: floor1\naccess:\n  users:\n    - name: sup\n      password_hash: \"" + h + "\"\n" +
		"  display_tokens:\n    secret: \"0123456789abcdef0123456789abcdef-test-secret\"\n"
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"display-token", "--config", file, "--board", "floor1", "--id", "tv-1", "--url", "https://wall.example.com"},
		func(string) string { return "" }, strings.NewReader(""), &out, &bytes.Buffer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`https://wall\.example\.com/boards/floor1\?token=\S+`).MatchString(out.String()) {
		t.Errorf("display-token printed %q, want a display link for board floor1", out.String())
	}
	if strings.Contains(out.String(), "test-secret") {
		t.Errorf("display-token printed the secret")
	}
}

// A live reload with a typo is refused and the running boards carry on; a
// valid change takes effect without a restart.
func TestConfigReloadKeepsRunningBoardsOnATypo(t *testing.T) {
	file := filepath.Join(t.TempDir(), "wallboard.yaml")
	write := func(s string) { t.Helper(); replaceFile(t, file, s) }
	write("boards:\n  - id: billing\n    title: Billing floor\n")
	base, logs := startWallboard(t, []string{"--config", file}, nil)

	boardTitle := func(id string) (int, string) {
		resp, err := http.Get(base + "/api/v1/boards/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b model.Board
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b.Title
	}
	if code, title := boardTitle("billing"); code != http.StatusOK || title != "Billing floor" {
		t.Fatalf("board billing: %d %q", code, title)
	}

	write("boards:\n  - id: billing\n    titel: Billing floor 2\n")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "titel") {
		if time.Now().After(deadline) {
			t.Fatalf("the bad reload was not reported in the log")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "wallboard.yaml:3") {
		t.Errorf("the refused reload's log does not give the line: %s", logs)
	}
	if code, title := boardTitle("billing"); code != http.StatusOK || title != "Billing floor" {
		t.Errorf("after a bad reload, board billing: %d %q, want the running definition", code, title)
	}

	write("boards:\n  - id: billing\n    title: Billing floor\n  - id: sales\n    title: Sales\n")
	for {
		if code, title := boardTitle("sales"); code == http.StatusOK && title == "Sales" {
			break
		}
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatalf("the valid reload did not add board sales")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A supervisor maps a custom status differently in the config file: the
// running wallboard applies it within seconds, without a restart.
func TestStatusMappingReloadAppliesWithoutRestart(t *testing.T) {
	center := simulator.New(simulator.Options{Seed: 5, Agents: 12})
	h := ujet.NewHandler(center, ujet.Options{Subdomain: "acme", Token: "reload-secret-token"})
	vendor := httptest.NewServer(h)
	defer vendor.Close()
	var id int
	for _, a := range center.Truth().Agents {
		if a.LoggedIn {
			id = a.ID
			break
		}
	}
	if id == 0 {
		t.Fatal("no agent logged in")
	}
	if err := center.SetAgentStatus(id, "Coaching"); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "wallboard.yaml")
	write := func(s string) { t.Helper(); replaceFile(t, file, s) }
	write("statuses:\n  ujet:\n    Coaching: away\n")
	base, _ := startWallboard(t, []string{"--config", file}, map[string]string{
		"WALLBOARD_UJET_BASE_URL":  vendor.URL + "/manager/api/v1",
		"WALLBOARD_UJET_SUBDOMAIN": "acme",
		"WALLBOARD_UJET_TOKEN":     "reload-secret-token",
	})
	stateOf := func(b model.Board) model.State {
		for _, a := range b.Agents {
			if a.ID == strconv.Itoa(id) {
				return a.State
			}
		}
		return ""
	}
	waitBoard(t, base, 15*time.Second, "the coached agent away", func(b model.Board) bool { return stateOf(b) == model.StateAway })

	// Coaching counts as busy on this floor.
	write("statuses:\n  ujet:\n    Coaching: busy\n")
	d := time.Now()
	waitBoard(t, base, 10*time.Second, "the coached agent busy after the reload", func(b model.Board) bool { return stateOf(b) == model.StateBusy })
	t.Logf("new mapping shown %v after the file changed", time.Since(d).Round(time.Millisecond))
}

// replaceFile writes a new file and renames it over file, as editors do.
func replaceFile(t *testing.T, file, content string) {
	t.Helper()
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}
