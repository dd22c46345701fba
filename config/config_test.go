package config

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestNoSourceIsDemo(t *testing.T) {
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo() || c.Addr != "" || c.UJET.SLAMinutes != 15 || c.Connect.HubPath != "" ||
		c.Connect.SignalR != "auto" || c.Connect.HubName != "GoldDataHub" || c.Connect.HubQueryToken ||
		c.AcceptRate != 1000 || c.MaxAcceptWait != 45*time.Second || c.ReconnectWithin != 30*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
	// Open (no access section): loopback only; with access: every interface.
	if a := c.ListenAddr(true); a != "127.0.0.1:8080" {
		t.Errorf("open listen address %q", a)
	}
	if a := c.ListenAddr(false); a != ":8080" {
		t.Errorf("listen address with access %q", a)
	}
	c.Addr = "[::1]:9000"
	if a := c.ListenAddr(true); a != "[::1]:9000" {
		t.Errorf("--addr must win: %q", a)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	e := env(map[string]string{
		"WALLBOARD_ADDR":           ":9000",
		"WALLBOARD_UJET_BASE_URL":  "https://acme.ujet.co/manager/api/v1",
		"WALLBOARD_UJET_SUBDOMAIN": "acme",
		"WALLBOARD_UJET_TOKEN":     "s3cret",
	})
	c, err := Parse([]string{"--addr", "127.0.0.1:1234"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1234" {
		t.Errorf("flag must win over env: addr %q", c.Addr)
	}
	if c.Demo() || c.UJET.Token != "s3cret" || c.UJET.Subdomain != "acme" {
		t.Errorf("UJET from env: %+v", c.UJET)
	}
}

func TestInvalidSettingsSayWhat(t *testing.T) {
	cases := map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"ujet without subdomain": {nil, map[string]string{"WALLBOARD_UJET_TOKEN": "x", "WALLBOARD_UJET_DOMAIN": "ujet.co"}, "subdomain"},
		"ujet without host":      {nil, map[string]string{"WALLBOARD_UJET_TOKEN": "x", "WALLBOARD_UJET_SUBDOMAIN": "a"}, "--ujet-base-url or --ujet-domain"},
		"bad base url":           {[]string{"--ujet-base-url", "ftp://x", "--ujet-subdomain", "a", "--ujet-token", "t"}, nil, "not an http(s) URL"},
		"connect without creds":  {[]string{"--connect-url", "https://connect.example"}, nil, "--connect-token"},
		"bad sla minutes env":    {nil, map[string]string{"WALLBOARD_UJET_SLA_MINUTES": "ten"}, "WALLBOARD_UJET_SLA_MINUTES"},
		"bad log level":          {[]string{"--log-level", "loud"}, nil, "log level"},
		"stray argument":         {[]string{"serve"}, nil, "unexpected argument"},
		"bad accept rate":        {nil, map[string]string{"WALLBOARD_ACCEPT_RATE": "fast"}, "accept rate"},
		"bad reconnect window":   {[]string{"--reconnect-within", "0s"}, nil, "reconnect within"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.args, env(tc.env), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestHelpDocumentsEverySetting(t *testing.T) {
	var out bytes.Buffer
	_, err := Parse([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err %v, want flag.ErrHelp", err)
	}
	for _, s := range []string{"-addr", "WALLBOARD_ADDR", "ujet-base-url", "WALLBOARD_UJET_BASE_URL", "WALLBOARD_UJET_SUBDOMAIN",
		"WALLBOARD_UJET_DOMAIN", "WALLBOARD_UJET_TOKEN", "WALLBOARD_REDIS_URL", "WALLBOARD_CONNECT_URL", "WALLBOARD_CONNECT_CLIENT_ID",
		"WALLBOARD_CONNECT_USER", "WALLBOARD_CONNECT_PASSWORD", "WALLBOARD_CONNECT_TOKEN", "WALLBOARD_CONNECT_HUB_PATH", "simulate",
		"-config", "WALLBOARD_CONFIG", "WALLBOARD_ACCEPT_RATE", "WALLBOARD_MAX_ACCEPT_WAIT", "WALLBOARD_RECONNECT_WITHIN"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("help does not mention %s", s)
		}
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	e := env(map[string]string{
		"WALLBOARD_UJET_DOMAIN": "ujet.co", "WALLBOARD_UJET_SUBDOMAIN": "acme", "WALLBOARD_UJET_TOKEN": "tok-123-secret",
		"WALLBOARD_CONNECT_URL": "https://c.example", "WALLBOARD_CONNECT_USER": `CORP\svc`, "WALLBOARD_CONNECT_PASSWORD": "pw-456-secret",
		"WALLBOARD_REDIS_URL": "redis://:redispw-789@127.0.0.1:6379/0",
	})
	c, err := Parse(nil, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", c)
	for _, secret := range []string{"tok-123-secret", "pw-456-secret", "redispw-789"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log line leaks %q: %s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "127.0.0.1:6379") {
		t.Errorf("log line should still name the Redis host: %s", buf.String())
	}
}

func TestConfigFileFromFlagOrEnv(t *testing.T) {
	c, err := Parse(nil, env(map[string]string{"WALLBOARD_CONFIG": "/etc/wallboard.yaml"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.File != "/etc/wallboard.yaml" {
		t.Errorf("WALLBOARD_CONFIG: File %q", c.File)
	}
	c, err = Parse([]string{"--config", "boards.yaml"}, env(map[string]string{"WALLBOARD_CONFIG": "/etc/wallboard.yaml"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.File != "boards.yaml" {
		t.Errorf("--config must win over WALLBOARD_CONFIG: File %q", c.File)
	}
	c, err = Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil || c.File != "" {
		t.Errorf("no config file by default: %q, %v", c.File, err)
	}
}

func TestConnectHubSettings(t *testing.T) {
	base := map[string]string{"WALLBOARD_CONNECT_URL": "https://connect.example", "WALLBOARD_CONNECT_TOKEN": "t"}
	c, err := Parse([]string{"--connect-signalr", "classic", "--connect-hub-query-token"}, env(map[string]string{
		"WALLBOARD_CONNECT_URL": base["WALLBOARD_CONNECT_URL"], "WALLBOARD_CONNECT_TOKEN": "t",
		"WALLBOARD_CONNECT_HUB_PATH": "/signalr", "WALLBOARD_CONNECT_HUB_NAME": "goldDataHub",
	}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Connect.SignalR != "classic" || c.Connect.HubPath != "/signalr" || c.Connect.HubName != "goldDataHub" || !c.Connect.HubQueryToken {
		t.Fatalf("connect: %+v", c.Connect)
	}
	base["WALLBOARD_CONNECT_SIGNALR"] = "signalr3"
	if _, err := Parse(nil, env(base), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "auto, classic or core") {
		t.Fatalf("bad protocol: %v", err)
	}
	var help bytes.Buffer
	_, _ = Parse([]string{"--help"}, env(nil), &help)
	for _, want := range []string{"WALLBOARD_CONNECT_SIGNALR", "WALLBOARD_CONNECT_HUB_PATH", "WALLBOARD_CONNECT_HUB_NAME", "WALLBOARD_CONNECT_HUB_QUERY_TOKEN", "/webapi/signalr"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help lacks %s", want)
		}
	}
}

func TestUJETBudgetAndDayCounts(t *testing.T) {
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.UJET.MaxRPS != 0.9 || c.UJET.DayCountsEvery.Minutes() != 1 || c.UJET.Interval().Milliseconds() != 1111 {
		t.Errorf("defaults: max rps %g, day counts every %v, interval %v", c.UJET.MaxRPS, c.UJET.DayCountsEvery, c.UJET.Interval())
	}
	c, err = Parse([]string{"--ujet-max-rps", "0.5"}, env(map[string]string{"WALLBOARD_UJET_DAY_COUNTS_EVERY": "2m", "WALLBOARD_UJET_MAX_RPS": "0.2"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.UJET.MaxRPS != 0.5 || c.UJET.Interval().Seconds() != 2 || c.UJET.DayCountsEvery.Minutes() != 2 {
		t.Errorf("flag over env: %g, %v, %v", c.UJET.MaxRPS, c.UJET.Interval(), c.UJET.DayCountsEvery)
	}
	for _, bad := range [][]string{{"--ujet-max-rps", "0.05"}, {"--ujet-max-rps", "1.5"}} {
		if _, err := Parse(bad, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "max rps") {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if _, err := Parse(nil, env(map[string]string{"WALLBOARD_UJET_MAX_RPS": "lots"}), &bytes.Buffer{}); err == nil {
		t.Error("WALLBOARD_UJET_MAX_RPS=lots accepted")
	}
}
