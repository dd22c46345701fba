package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
)

// writeFile writes content to name in a fresh directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const exampleHash = "$2a$12$m3CJgonIQgfLA6qqtnd0OeupniO3r/vuYVPu.UfJQh70wCp.JN3WC"

func TestExampleFileIsValid(t *testing.T) {
	// The example names a secret_file beside it; give it one.
	dir := t.TempDir()
	data, err := os.ReadFile("../wallboard.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "wallboard.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "display-token.secret"), []byte("0123456789abcdef0123456789abcdef-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatalf("the shipped example must load:\n%v", err)
	}
	var ids []string
	for _, b := range f.Boards {
		ids = append(ids, b.ID)
	}
	if strings.Join(ids, ",") != "all,billing,connect-sales,lobby" {
		t.Errorf("boards %v", ids)
	}
	billing, _ := f.Board("billing")
	if *billing.Thresholds.SLAWarn != 90 || *billing.Thresholds.LongestWaitCritical != 3*time.Minute || *billing.Thresholds.WaitingWarn != 5 {
		t.Errorf("billing thresholds: own sla_warn 90, longest_wait_critical and waiting_warn from defaults; got %+v", billing.Thresholds)
	}
	if billing.Names != NamesHidden || billing.Theme != ThemeHighContrast || billing.Rotate != 15*time.Second {
		t.Errorf("billing: %+v", billing)
	}
	if got := strings.Join(billing.Queues.UJET.MenuIDs, ","); got != "11,21" {
		t.Errorf("menu ids %q", got)
	}
	sales, _ := f.Board("connect-sales")
	if sales.Rotate != 0 || sales.Theme != ThemeLight || sales.Names != NamesFull {
		t.Errorf("connect-sales: rotate off, light, full names; got %+v", sales)
	}
	all, _ := f.Board("all")
	if !all.Implicit || all.Names != NamesFirstInitial {
		t.Errorf("implicit all board takes the defaults: %+v", all)
	}
	if string(f.Access.DisplayTokens.Secret) != "0123456789abcdef0123456789abcdef-secret" {
		t.Errorf("secret_file not read (or not trimmed)")
	}
	if f.Access.Users[0].Name != "ana" || f.Access.Users[0].PasswordHash != exampleHash || !f.Access.SignIn() {
		t.Errorf("users: %+v", f.Access.Users)
	}
	if fmt.Sprint(f.Access.TrustedProxies) != "[10.0.0.5/32 10.1.0.0/16]" || f.Access.TrustedProxyHeader != "X-Forwarded-User" {
		t.Errorf("trusted proxies %v", f.Access.TrustedProxies)
	}
	if got := f.EmbedOrigins("billing"); strings.Join(got, " ") != "https://intranet.example.com https://portal.example.com https://billing-portal.example.com" {
		t.Errorf("embed origins of billing: %v", got)
	}
	sm := f.Statuses.Map(VendorUJET, model.DefaultUJETStatuses())
	if sm.State("coaching") != model.StateAway || sm.State("Outbound-Campaign") != model.StateBusy || sm.State("Available") != model.StateAvailable {
		t.Errorf("status overrides not applied")
	}
	if cm := f.Statuses.Map(VendorConnect, nil); cm.State("offPhoneActivity") != model.StateBusy {
		t.Errorf("connect status override not applied")
	}
}

func TestEmptyFileIsBoardAll(t *testing.T) {
	for _, content := range []string{"", "# only a comment\n", "boards: []\n", "defaults:\n  tiles:\n", "boards:\n  - id: all\n    tiles:\n"} {
		f, err := LoadFile(writeFile(t, "w.yaml", content))
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if len(f.Boards) != 1 || f.Boards[0].ID != "all" {
			t.Fatalf("%q: boards %+v", content, f.Boards)
		}
		if *f.Boards[0].Thresholds.SLAWarn != 80 || f.Boards[0].Theme != ThemeDark || len(f.Boards[0].Tiles) != len(DefaultTiles()) {
			t.Errorf("built-in defaults: %+v", f.Boards[0])
		}
	}
}

func TestBoardAllCanBeReplaced(t *testing.T) {
	f, err := LoadFile(writeFile(t, "w.yaml", "boards:\n  - id: team\n  - id: all\n    title: Everything\n    names: hidden\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Boards) != 2 || f.Boards[1].ID != "all" || f.Boards[1].Implicit || f.Boards[1].Title != "Everything" || f.Boards[1].Names != NamesHidden {
		t.Fatalf("the file's all must replace the built-in one: %+v", f.Boards)
	}
	if f.Boards[0].Title != "team" {
		t.Errorf("title defaults to the id: %q", f.Boards[0].Title)
	}
}

func TestValidationErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       string // file:line: … must appear in the error
	}{
		{"sla not a percentage", "boards:\n  - id: a\n  - id: b\n    thresholds:\n      sla_warn: 120\n",
			"w.yaml:5: boards[1].thresholds.sla_warn: 120 is not a percentage (0–100)"},
		{"sla critical above warn", "boards:\n  - id: a\n    thresholds:\n      sla_warn: 70\n      sla_critical: 80\n",
			"w.yaml:5: boards[0].thresholds.sla_critical: sla_critical 80 is above sla_warn 70"},
		{"sla warn under inherited critical", "defaults:\n  thresholds:\n    sla_critical: 60\nboards:\n  - id: a\n    thresholds:\n      sla_warn: 50\n",
			"w.yaml:7: boards[0].thresholds.sla_critical: sla_critical (inherited) 60 is above sla_warn 50"},
		{"defaults critical above warn", "defaults:\n  thresholds:\n    sla_warn: 50\n",
			"w.yaml:3: defaults.thresholds.sla_critical: sla_critical (inherited) 60 is above sla_warn 50"},
		{"wait critical below warn", "defaults:\n  thresholds:\n    longest_wait_warn: 2m\n    longest_wait_critical: 90\n",
			"w.yaml:4: defaults.thresholds.longest_wait_critical: longest_wait_critical 1m30s is below longest_wait_warn 2m0s"},
		{"waiting critical below warn", "boards:\n  - id: a\n    queue_thresholds:\n      - queue_id: \"1\"\n        waiting_warn: 9\n        waiting_critical: 3\n",
			"w.yaml:6: boards[0].queue_thresholds[0].waiting_critical: waiting_critical 3 is below waiting_warn 9"},
		{"state time critical below warn", "defaults:\n  thresholds:\n    state_time:\n      wrap_up:\n        warn: 5m\n        critical: 2m\n",
			"w.yaml:6: defaults.thresholds.state_time.wrap_up.critical: critical 2m0s is below warn 5m0s"},
		{"state time unknown state", "boards:\n  - id: a\n    thresholds:\n      state_time:\n        wrapup: {warn: 2m}\n",
			"w.yaml:5: boards[0].thresholds.state_time.wrapup"},
		{"state time not per queue", "boards:\n  - id: a\n    queue_thresholds:\n      - queue_id: \"1\"\n        state_time: {away: {warn: 1m}}\n",
			"w.yaml:5: boards[0].queue_thresholds[0].state_time"},
		{"bad duration", "defaults:\n  thresholds:\n    longest_wait_warn: soon\n",
			`w.yaml:3: defaults.thresholds.longest_wait_warn: soon: want seconds or a duration like "90s" or "2m"`},
		{"negative count", "defaults:\n  thresholds:\n    waiting_warn: -1\n",
			"w.yaml:3: defaults.thresholds.waiting_warn: -1 is not a count"},
		{"duplicate board id", "boards:\n  - id: sales\n  - id: support\n  - id: sales\n",
			`w.yaml:4: boards[2].id: duplicate board id "sales" (first defined at line 2)`},
		{"duplicate all", "boards:\n  - id: all\n  - id: all\n", `w.yaml:3: boards[1].id: duplicate board id "all"`},
		{"id not url-safe", "boards:\n  - id: sales floor\n", `w.yaml:2: boards[0].id: "sales floor" is not a url-safe id`},
		{"board without id", "boards:\n  - title: Sales\n", "w.yaml:2: boards[0].id: every board needs an id"},
		{"unknown tile", "boards:\n  - id: a\n    tiles:\n      - calls_waiting\n      - sla_cal\n",
			`w.yaml:5: boards[0].tiles[1]: unknown tile "sla_cal" (did you mean "sla_call"?)`},
		{"tile twice", "defaults:\n  tiles: [agent_grid, agent_grid]\n", `w.yaml:2: defaults.tiles[1]: tile "agent_grid" listed twice`},
		{"no tiles", "boards:\n  - id: a\n    tiles: []\n", "w.yaml:3: boards[0].tiles: a board needs at least one tile"},
		{"unknown theme", "boards:\n  - id: a\n    theme: blue\n", `w.yaml:3: boards[0].theme: unknown theme "blue"; want one of dark, light, high_contrast`},
		{"unknown name mode", "defaults:\n  names: initials\n", `w.yaml:2: defaults.names: unknown name mode "initials"`},
		{"rotate too fast", "boards:\n  - id: a\n    rotate: 1s\n", "w.yaml:3: boards[0].rotate: 1s is too fast to read"},
		{"unknown time zone", "boards:\n  - id: a\n    time_zone: Mars/Olympus\n", `w.yaml:3: boards[0].time_zone: "Mars/Olympus" is not a time zone; want an IANA name such as Europe/Paris or UTC`},
		{"burn-in too often", "defaults:\n  burn_in: 2s\n", "w.yaml:2: defaults.burn_in: 2s is too often: the wall would wander; want 10s or more, or off"},
		{"bad origin url", "boards:\n  - id: a\n    embed_origins:\n      - https://ok.example.com\n      - intranet.example.com\n",
			`w.yaml:5: boards[0].embed_origins[1]: "intranet.example.com": not an origin`},
		{"origin with path", "access:\n  embed:\n    allowed_origins: [\"https://x.example.com/page\"]\n",
			"w.yaml:3: access.embed.allowed_origins[0]: \"https://x.example.com/page\": an origin has no user, path, query or fragment"},
		{"origin wildcard", "access:\n  embed:\n    allowed_origins: [\"*\"]\n", "w.yaml:3: access.embed.allowed_origins[0]: \"*\": not an origin"},
		{"typo'd key", "boards:\n  - id: a\n    thresholds:\n      sla_wran: 80\n",
			`w.yaml:4: boards[0].thresholds.sla_wran: unknown key (did you mean "sla_warn"?)`},
		{"typo'd top key", "\nbaords:\n  - id: a\n", `w.yaml:2: baords: unknown key (did you mean "boards"?)`},
		{"key twice", "boards:\n  - id: a\n    title: A\n    title: B\n", "w.yaml:4: boards[0].title: given twice (first at line 3)"},
		{"list wanted", "boards:\n  id: a\n", "w.yaml:2: boards: want a list, got a mapping"},
		{"mapping wanted", "boards:\n  - id: a\n    queues: [1, 2]\n", "w.yaml:3: boards[0].queues: want a mapping"},
		{"queue threshold without match", "boards:\n  - id: a\n    queue_thresholds:\n      - sla_warn: 90\n",
			"w.yaml:4: boards[0].queue_thresholds[0]: give exactly one of queue_id and path_prefix"},
		{"unknown state", "statuses:\n  ujet:\n    Coaching: resting\n",
			`w.yaml:3: statuses.ujet.Coaching: unknown state "resting"`},
		{"unknown vendor", "statuses:\n  genesys:\n    x: away\n", `w.yaml:2: statuses.genesys: unknown key`},
		{"bad bcrypt", "access:\n  users:\n    - name: ana\n      password_hash: hunter2hunter2\n",
			"w.yaml:4: access.users[0].password_hash: not a bcrypt hash"},
		{"user twice", "access:\n  users:\n    - {name: ana, password_hash: \"" + exampleHash + "\"}\n    - {name: ana, password_hash: \"" + exampleHash + "\"}\n",
			`w.yaml:4: access.users[1].name: user "ana" defined twice (first at line 3)`},
		{"user without hash", "access:\n  users:\n    - name: ana\n", "w.yaml:3: access.users[0].password_hash: every user needs a password_hash"},
		{"short secret", "access:\n  display_tokens:\n    secret: tooshort-secret-value\n", "w.yaml:3: access.display_tokens.secret: too short"},
		{"unreadable secret file", "access:\n  display_tokens:\n    secret_file: missing.secret\n",
			"w.yaml:3: access.display_tokens.secret_file: cannot read "},
		{"secret file is a device", "access:\n  display_tokens:\n    secret_file: /dev/zero\n",
			"w.yaml:3: access.display_tokens.secret_file: cannot read /dev/zero: not a regular file"},
		{"header without proxies", "access:\n  users: [{name: a, password_hash: \"" + exampleHash + "\"}]\n  display_tokens: {secret: 0123456789abcdef0123456789abcdef}\n  trusted_proxy_header: X-User\n",
			"w.yaml:4: access.trusted_proxy_header: set, but trusted_proxies is not"},
		{"header with empty proxies", "access:\n  users: [{name: a, password_hash: \"" + exampleHash + "\"}]\n  display_tokens: {secret: 0123456789abcdef0123456789abcdef}\n  trusted_proxies: []\n  trusted_proxy_header: X-User\n",
			"w.yaml:5: access.trusted_proxy_header: set, but trusted_proxies is not"},
		{"bad proxy address", "access:\n  trusted_proxies: [10.0.0.0/8, proxy.local]\n", `w.yaml:2: access.trusted_proxies[1]: "proxy.local" is neither an IP address nor a CIDR prefix`},
		{"users without display secret", "access:\n  users: [{name: a, password_hash: \"" + exampleHash + "\"}]\n",
			"w.yaml:2: access.display_tokens: required with users or trusted_proxy_header"},
		{"display tokens without sign-in", "access:\n  display_tokens:\n    secret: 0123456789abcdef0123456789abcdef\n",
			"w.yaml:3: access.display_tokens: display tokens also need users or trusted_proxy_header"},
		{"wildcard origin host", "access:\n  embed:\n    allowed_origins: [\"https://*.example.com\"]\n", "w.yaml:3: access.embed.allowed_origins[0]: \"https://*.example.com\": bad host"},
		{"bad proxy header", "access:\n  trusted_proxy_header: \"X Forwarded User\"\n", `w.yaml:2: access.trusted_proxy_header: "X Forwarded User" is not an HTTP header name`},
		{"yaml syntax", "boards:\n  - id: a\n   title: b\n", "w.yaml:3: not valid YAML"},
		{"unclosed list", "boards:\n  - id: a\n    sources: [ujet,\n    title: x\n", "w.yaml:4: not valid YAML"},
		{"mapping in a value", "boards:\n  - id: a\n    title: a: b\n", "w.yaml:3: not valid YAML: mapping values are not allowed"},
		{"second document", "boards:\n  - id: a\n---\nboards:\n  - id: b\n", "w.yaml:3: a second YAML document"},
		{"tab indentation", "boards:\n\t- id: a\n", "w.yaml:2: not valid YAML"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFile(writeFile(t, "w.yaml", tc.yaml))
			if err == nil {
				t.Fatalf("want an error with %q", tc.want)
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("want a *config.Error, got %T: %v", err, err)
			}
			// The error names the file by the path it was given.
			msg := strings.ReplaceAll(err.Error(), filepath.Dir(fe.Path)+string(filepath.Separator), "")
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("error\n%s\nwant it to contain\n%s", msg, tc.want)
			}
		})
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	content := `boards:
  - id: a
    theme: purple
  - id: a
    tiles: [nope]
    thresholds:
      sla_warn: 101
defaults:
  names: everything
`
	_, err := LoadFile(writeFile(t, "w.yaml", content))
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("got %v", err)
	}
	var lines []int
	for _, p := range fe.Problems {
		lines = append(lines, p.Line)
	}
	want := []int{3, 4, 5, 7, 9}
	if len(lines) != len(want) {
		t.Fatalf("want problems at lines %v, got %v:\n%v", want, lines, err)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Fatalf("want problems at lines %v (in order), got %v:\n%v", want, lines, err)
		}
	}
}

func TestErrorsNeverEchoSecrets(t *testing.T) {
	hash := "$2b$10$thisisnotavalidhashbecauseitistooshort"
	secret := "short-but-secret-42"
	content := "access:\n  users:\n    - name: ana\n      password_hash: \"" + hash + "\"\n  display_tokens:\n    secret: " + secret + "\n"
	_, err := LoadFile(writeFile(t, "w.yaml", content))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, s := range []string{hash, "thisisnotavalidhash", secret} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks %q:\n%v", s, err)
		}
	}
	// A secret file with a short secret: the error gives its length, never its content.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "s"), []byte("tiny-secret-value"), 0o600)
	p := filepath.Join(dir, "w.yaml")
	os.WriteFile(p, []byte("access:\n  display_tokens:\n    secret_file: s\n"), 0o600)
	_, err = LoadFile(p)
	if err == nil || strings.Contains(err.Error(), "tiny-secret-value") || !strings.Contains(err.Error(), "17 characters") {
		t.Errorf("short secret file: %v", err)
	}
}

func TestThresholdForms(t *testing.T) {
	content := `defaults:
  thresholds:
    sla_warn: "85%"
    sla_critical: 70.5
    longest_wait_warn: 90
    longest_wait_critical: 2m30s
    waiting_warn: 0
    waiting_critical: 4
boards:
  - id: q
    queue_thresholds:
      - path_prefix: Support/VIP
        sla_warn: 99
`
	f, err := LoadFile(writeFile(t, "w.yaml", content))
	if err != nil {
		t.Fatal(err)
	}
	th := f.Defaults.Thresholds
	if *th.SLAWarn != 85 || *th.SLACritical != 70.5 || *th.LongestWaitWarn != 90*time.Second ||
		*th.LongestWaitCritical != 150*time.Second || *th.WaitingWarn != 0 || *th.WaitingCritical != 4 {
		t.Errorf("thresholds %+v", th)
	}
	q, _ := f.Board("q")
	if len(q.QueueThresholds) != 1 || q.QueueThresholds[0].PathPrefix != "Support/VIP" || *q.QueueThresholds[0].Thresholds.SLAWarn != 99 ||
		q.QueueThresholds[0].Thresholds.SLACritical != nil {
		t.Errorf("queue thresholds keep only their own fields: %+v", q.QueueThresholds)
	}
}

// Agent state time limits: per state, warn and critical; a board without
// its own inherits the defaults'.
func TestStateTimeLimits(t *testing.T) {
	f, err := LoadFile(writeFile(t, "w.yaml", `defaults:
  thresholds:
    state_time:
      wrap_up: {warn: 2m, critical: 5m}
      away:
        warn: 900
    status_time:
      "Lunch Break": {warn: 45m}
boards:
  - id: inherits
  - id: own
    thresholds:
      state_time:
        busy: {critical: 20m}
`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.Board("inherits")
	wu, away := b.Thresholds.StateTime[model.StateWrapUp], b.Thresholds.StateTime[model.StateAway]
	if len(b.Thresholds.StateTime) != 2 || *wu.Warn != 2*time.Minute || *wu.Critical != 5*time.Minute || *away.Warn != 15*time.Minute || away.Critical != nil {
		t.Errorf("inherited state_time %+v", b.Thresholds.StateTime)
	}
	if l, ok := b.Thresholds.StatusTime[model.FoldStatus("lunch-break")]; !ok || *l.Warn != 45*time.Minute {
		t.Errorf("status_time %+v, want Lunch Break folded", b.Thresholds.StatusTime)
	}
	b, _ = f.Board("own")
	if l, ok := b.Thresholds.StateTime[model.StateBusy]; len(b.Thresholds.StateTime) != 1 || !ok || *l.Critical != 20*time.Minute || l.Warn != nil {
		t.Errorf("the board's own state_time %+v", b.Thresholds.StateTime)
	}
}

func TestAliasesWorkAndBombsAreRefused(t *testing.T) {
	content := `defaults:
  thresholds: &strict
    sla_warn: 90
    sla_critical: 80
boards:
  - id: a
    thresholds: *strict
`
	f, err := LoadFile(writeFile(t, "w.yaml", content))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := f.Board("a"); *a.Thresholds.SLAWarn != 90 {
		t.Errorf("alias not followed")
	}
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nboards:\n  - id: x\n    sources: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	done := make(chan error, 1)
	go func() { _, err := LoadFile(writeFile(t, "w.yaml", bomb)); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an alias bomb must be refused")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("alias bomb hangs the parser")
	}
}

func TestUnknownSources(t *testing.T) {
	f, err := LoadFile(writeFile(t, "w.yaml", "boards:\n  - id: a\n    sources: [ujet, conect]\n"))
	if err != nil {
		t.Fatal(err)
	}
	ps := f.UnknownSources([]string{"ujet", "connect"})
	if len(ps) != 1 || ps[0].Line != 2 || !strings.Contains(ps[0].Msg, `"conect" (did you mean "connect"?)`) {
		t.Errorf("problems %+v", ps)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}

func FuzzParseFile(f *testing.F) {
	if data, err := os.ReadFile("../wallboard.example.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"", "boards:\n  - id: a\n", "boards: [{id: a, tiles: [x]}]", "defaults: {thresholds: {sla_warn: 1e400}}",
		"a: &a [*a]", "boards:\n  - &x {id: a}\n  - *x\n", "access: {users: [{name: a, password_hash: '$2a$'}]}",
		"statuses: {ujet: {? [a]: away}}", "boards: [{id: a, rotate: 1e99}]", "boards: [{id: a, queue_thresholds: [[]]}]",
		"? !!binary AA==\n: 1\n", "---\n---\n", "boards:\n- id: a\n  embed_origins: ['http://[::1]:99999']\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := parseFile("fuzz-nonexistent-dir/f.yaml", data)
		if err == nil {
			if _, ok := file.Board(AllBoardID); !ok {
				t.Fatal("a valid file always has board all")
			}
			for _, b := range file.Boards {
				if len(b.Tiles) == 0 || b.Theme == "" || b.Names == "" {
					t.Fatalf("board %q not resolved: %+v", b.ID, b)
				}
			}
		} else {
			var fe *Error
			if !errors.As(err, &fe) || len(fe.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
		}
	})
}

func TestTimeZones(t *testing.T) {
	f, err := LoadFile(writeFile(t, "w.yaml", "defaults:\n  time_zone: America/New_York\nboards:\n  - id: paris\n    time_zone: Europe/Paris\n  - id: other\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range f.Boards {
		got[b.ID] = b.TimeZone
	}
	if got["paris"] != "Europe/Paris" || got["other"] != "America/New_York" || got["all"] != "America/New_York" {
		t.Errorf("time zones %v", got)
	}
}

func TestAlerts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hook.secret"), []byte("  from-a-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	content := `boards:
  - id: a
    alerts:
      level: warn
      hold: 45s
      webhooks:
        - url: https://hooks.slack.com/services/T000/B000/XXXX
          secret: sixteen-chars-or-more
        - url: https://example.webhook.office.com/webhookb2/abc
          format: teams
          secret_file: hook.secret
  - id: b
`
	path := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Board("a")
	if a.Alerts.Level != AlertWarn || a.Alerts.Hold != 45*time.Second || len(a.Alerts.Webhooks) != 2 {
		t.Fatalf("alerts %+v", a.Alerts)
	}
	w0, w1 := a.Alerts.Webhooks[0], a.Alerts.Webhooks[1]
	if w0.Format != WebhookSlack || string(w0.Secret) != "sixteen-chars-or-more" || w0.Line != 7 {
		t.Errorf("first webhook %+v", w0)
	}
	if w1.Format != WebhookTeams || string(w1.Secret) != "from-a-file-0123456789" {
		t.Errorf("second webhook %+v", w1)
	}
	if s := w0.String(); strings.Contains(s, "XXXX") || !strings.Contains(s, "https://hooks.slack.com") {
		t.Errorf("String() %q shows the path (a token) or not the host", s)
	}
	b, _ := f.Board("b")
	if b.Alerts.Level != AlertCritical || b.Alerts.Hold != DefaultAlertHold || len(b.Alerts.Webhooks) != 0 {
		t.Errorf("defaults %+v", b.Alerts)
	}

	bad := `boards:
  - id: a
    alerts:
      level: loud
      hold: 0s
      webhooks:
        - url: ftp://token-in-here.example/x
        - format: teams
        - url: https://ok.example/hook
          secret: short
`
	_, err = LoadFile(writeFile(t, "w.yaml", bad))
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"w.yaml:4:", "w.yaml:5:", "w.yaml:7:", "w.yaml:8:", "w.yaml:10:", "not an http(s) URL", "every webhook needs a url", "too short"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "token-in-here") || strings.Contains(msg, "short\"") {
		t.Errorf("error echoes a URL or secret:\n%s", msg)
	}
}
