package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
