package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawGet sends a GET for path to addr (host:port) over a raw socket with
// the given Host header, as a page on a DNS-rebinding domain makes the
// browser do, and returns the response.
func rawGet(t *testing.T, addr, host, path string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s (Host %s): %v", path, host, err)
	}
	return resp
}

// The open demo answers only requests addressed to this computer by name:
// a DNS-rebinding page (Host: evil.example) reaching loopback gets 403 on
// every route, pages, API and websockets alike.
func TestOpenDemoRefusesForeignHost(t *testing.T) {
	base, _ := startWallboard(t, nil, nil)
	addr := strings.TrimPrefix(base, "http://")
	_, port, _ := net.SplitHostPort(addr)
	for _, path := range []string{"/", "/boards/all", "/api/v1/boards/all", "/api/v1/status", "/boards/all/ws", "/boards/all/supervisor", "/embed/all/queues"} {
		for _, host := range []string{"evil.example", "evil.example:" + port, "192.0.2.1:" + port, "localhost.evil.example"} {
			if resp := rawGet(t, addr, host, path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s with Host %s: %s, want 403", path, host, resp.Status)
			}
		}
	}
	for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "localhost", "127.0.0.2:" + port, "[::1]:" + port} {
		if resp := rawGet(t, addr, host, "/api/v1/boards/all"); resp.StatusCode != http.StatusOK {
			t.Errorf("GET with Host %s: %s, want 200", host, resp.Status)
		}
	}
}

// Without an access section the wallboard listens on loopback unless told
// otherwise, and refuses to be told a network address.
func TestOpenDemoListensOnLoopbackOnly(t *testing.T) {
	err := run(context.Background(), []string{"--addr", ":0"}, func(string) string { return "" },
		strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, func(string) { t.Error("an open wallboard started on every interface") })
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("open wallboard on :0: %v", err)
	}
}

// --help and a mistyped flag print the usage; it never shows the secrets
// taken from the environment.
func TestUsageNeverShowsSecrets(t *testing.T) {
	env := map[string]string{
		"WALLBOARD_UJET_TOKEN":       "tok-123-secret",
		"WALLBOARD_CONNECT_PASSWORD": "pw-456-secret",
		"WALLBOARD_CONNECT_TOKEN":    "bearer-789-secret",
		"WALLBOARD_REDIS_URL":        "redis://:redispw-000@127.0.0.1:6379/0",
	}
	for _, args := range [][]string{{"--help"}, {"--no-such-flag"}, {"--ujet-sla-minutes", "ten"}} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr, nil)
		if err == nil {
			t.Fatalf("%v: no error", args)
		}
		out := stdout.String() + stderr.String() + err.Error()
		for _, secret := range []string{"tok-123-secret", "pw-456-secret", "bearer-789-secret", "redispw-000", "127.0.0.1:6379"} {
			if strings.Contains(out, secret) {
				t.Errorf("%v prints %q:\n%s", args, secret, out)
			}
		}
		if args[0] == "--help" {
			if !errors.Is(err, flag.ErrHelp) {
				t.Errorf("--help: %v", err)
			}
			if !strings.Contains(out, "WALLBOARD_UJET_TOKEN") || !strings.Contains(out, "(set, not shown)") {
				t.Errorf("--help should name the variables and say they are set:\n%s", out)
			}
		}
	}
}

// A reload with a secret written in the wrong place is refused; the log,
// /api/v1/status and the index page name the file, line and field, never
// the secret.
func TestRefusedReloadNeverShowsTheSecret(t *testing.T) {
	const secret = "Zq8+s3cr3t/Val+ue0123456789abcdefXYZ=="
	file := filepath.Join(t.TempDir(), "wallboard.yaml")
	replaceFile(t, file, "boards:\n  - id: billing\n    title: Billing floor\n")
	base, logs := startWallboard(t, []string{"--config", file}, nil)

	replaceFile(t, file, "boards:\n  - id: billing\n    title: Billing floor\naccess:\n  display_tokens: "+secret+"\n")
	var status map[string]any
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/api/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		status = map[string]any{}
		json.NewDecoder(resp.Body).Decode(&status)
		resp.Body.Close()
		if status["config_error"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refused reload does not show in /api/v1/status: %v", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ce, _ := status["config_error"].(string)
	for where, text := range map[string]string{"status": ce, "index page": string(page), "log": logs.String()} {
		if strings.Contains(text, secret[:12]) {
			t.Errorf("the %s shows the secret", where)
		}
		if !strings.Contains(text, "wallboard.yaml:5") || !strings.Contains(text, "access.display_tokens") {
			t.Errorf("the %s does not name the line and field: %.2000s", where, text)
		}
	}
}
