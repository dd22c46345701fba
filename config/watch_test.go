package config

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
)

type watchFixture struct {
	path    string
	w       *Watcher
	changes chan *File
	signals chan os.Signal
	log     *testlog.Buffer
}

func startWatch(t *testing.T, content string) *watchFixture {
	t.Helper()
	path := writeFile(t, "wallboard.yaml", content)
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fx := &watchFixture{path: path, changes: make(chan *File, 10), signals: make(chan os.Signal, 1), log: &testlog.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	fx.w, err = Watch(ctx, f, func(f *File) { fx.changes <- f }, WatchOptions{
		Signals: fx.signals, Debounce: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(fx.log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-fx.w.Done():
		case <-time.After(5 * time.Second):
			t.Error("watcher did not stop with its context")
		}
	})
	return fx
}

func (fx *watchFixture) next(t *testing.T) *File {
	t.Helper()
	select {
	case f := <-fx.changes:
		return f
	case <-time.After(5 * time.Second):
		t.Fatalf("no reload; last error %v; log:\n%s", fx.w.LastError(), fx.log.String())
		return nil
	}
}

func (fx *watchFixture) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case f := <-fx.changes:
		t.Fatalf("unexpected reload with boards %v", boardIDs(f))
	case <-time.After(d):
	}
}

func boardIDs(f *File) string {
	var ids []string
	for _, b := range f.Boards {
		ids = append(ids, b.ID)
	}
	return strings.Join(ids, ",")
}

func TestReloadOnWrite(t *testing.T) {
	fx := startWatch(t, "boards:\n  - id: sales\n")
	if err := os.WriteFile(fx.path, []byte("boards:\n  - id: sales\n  - id: support\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := fx.next(t)
	if got := boardIDs(f); got != "all,sales,support" {
		t.Fatalf("boards after reload %s", got)
	}
	if fx.w.Current() != f || fx.w.LastError() != nil {
		t.Errorf("current not updated or stale error %v", fx.w.LastError())
	}
}

func TestReloadOnRenameOverTheFile(t *testing.T) {
	// Editors (vim, many IDEs) save by writing a temporary file and renaming it.
	fx := startWatch(t, "boards:\n  - id: sales\n")
	tmp := filepath.Join(filepath.Dir(fx.path), ".wallboard.yaml.swp")
	if err := os.WriteFile(tmp, []byte("boards:\n  - id: renamed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, fx.path); err != nil {
		t.Fatal(err)
	}
	if got := boardIDs(fx.next(t)); got != "all,renamed" {
		t.Fatalf("boards after rename %s", got)
	}
}

func TestBadReloadKeepsRunningConfig(t *testing.T) {
	fx := startWatch(t, "boards:\n  - id: sales\n")
	before := fx.w.Current()
	if err := os.WriteFile(fx.path, []byte("boards:\n  - id: sales\n    theme: purple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for fx.w.LastError() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	err := fx.w.LastError()
	var fe *Error
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "wallboard.yaml:3: boards[0].theme: unknown theme") {
		t.Fatalf("LastError %v", err)
	}
	fx.none(t, 100*time.Millisecond)
	if fx.w.Current() != before {
		t.Error("the running configuration must stay after a bad reload")
	}
	if !strings.Contains(fx.log.String(), "wallboard.yaml:3") {
		t.Errorf("the log must say why, with the line:\n%s", fx.log.String())
	}
	// Fixing the file clears the error and reloads.
	if err := os.WriteFile(fx.path, []byte("boards:\n  - id: sales\n    theme: light\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := fx.next(t)
	if b, _ := f.Board("sales"); b.Theme != ThemeLight {
		t.Errorf("fixed file not applied: %+v", b)
	}
	if fx.w.LastError() != nil {
		t.Errorf("error kept after a good reload: %v", fx.w.LastError())
	}
}

func TestSignalReloads(t *testing.T) {
	fx := startWatch(t, "boards:\n  - id: a\n")
	fx.signals <- syscall.SIGHUP
	if got := boardIDs(fx.next(t)); got != "all,a" {
		t.Fatalf("boards %s", got)
	}
	// A signal re-reads even unchanged bytes: a secret_file may have changed.
	dir := filepath.Dir(fx.path)
	secret := filepath.Join(dir, "s.secret")
	os.WriteFile(secret, []byte(strings.Repeat("a", 40)), 0o600)
	os.WriteFile(fx.path, []byte("access:\n  users:\n    - {name: ana, password_hash: \""+exampleHash+"\"}\n  display_tokens:\n    secret_file: s.secret\n"), 0o600)
	if f := fx.next(t); string(f.Access.DisplayTokens.Secret) != strings.Repeat("a", 40) {
		t.Fatal("secret not read")
	}
	os.WriteFile(secret, []byte(strings.Repeat("b", 40)), 0o600)
	fx.none(t, 100*time.Millisecond) // the watcher does not watch the secret's bytes
	fx.signals <- syscall.SIGHUP
	if f := fx.next(t); string(f.Access.DisplayTokens.Secret) != strings.Repeat("b", 40) {
		t.Fatal("SIGHUP must re-read the secret file")
	}
}

func TestRealSIGHUP(t *testing.T) {
	path := writeFile(t, "wallboard.yaml", "boards:\n  - id: a\n")
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan *File, 1)
	w, err := Watch(ctx, f, func(f *File) { changes <- f }, WatchOptions{Log: slog.New(slog.NewTextHandler(&testlog.Buffer{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changes:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGHUP did not reload")
	}
	cancel()
	<-w.Done()
}

func TestUnrelatedFilesDoNotReload(t *testing.T) {
	fx := startWatch(t, "boards:\n  - id: a\n")
	os.WriteFile(filepath.Join(filepath.Dir(fx.path), "other.txt"), []byte("x"), 0o600)
	fx.none(t, 150*time.Millisecond)
	// Nor does rewriting the same bytes.
	os.WriteFile(fx.path, []byte("boards:\n  - id: a\n"), 0o600)
	fx.none(t, 150*time.Millisecond)
}

func TestRemovedFileKeepsConfigUntilBack(t *testing.T) {
	fx := startWatch(t, "boards:\n  - id: a\n")
	before := fx.w.Current()
	os.Remove(fx.path)
	deadline := time.Now().Add(5 * time.Second)
	for fx.w.LastError() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(fx.w.LastError(), os.ErrNotExist) || fx.w.Current() != before {
		t.Fatalf("removed file: error %v", fx.w.LastError())
	}
	os.WriteFile(fx.path, []byte("boards:\n  - id: a\n"), 0o600)
	deadline = time.Now().Add(5 * time.Second)
	for fx.w.LastError() != nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if fx.w.LastError() != nil {
		t.Errorf("the same file back must clear the error: %v", fx.w.LastError())
	}
}
