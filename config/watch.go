package config

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchOptions tune a Watcher. The zero value watches for SIGHUP and
// debounces file events by 200 ms.
type WatchOptions struct {
	// Signals triggers a reload on every receive; nil: SIGHUP, registered by
	// the watcher for its lifetime. Tests pass their own channel.
	Signals <-chan os.Signal
	// Debounce is how long the file must stay quiet after an event before it
	// is read, so that an editor's write-rename-chmod is one reload.
	Debounce time.Duration
	Log      *slog.Logger
}

// Watcher keeps the configuration file current: it reloads the file when it
// changes (the directory is watched, so editors that save by renaming and
// Kubernetes ConfigMap swaps are seen) and on SIGHUP. A valid new file is
// handed to onChange; an invalid one is logged with its lines, kept as
// LastError, and the running configuration stays.
type Watcher struct {
	path     string
	onChange func(*File)
	signals  <-chan os.Signal
	debounce time.Duration
	log      *slog.Logger
	fs       *fsnotify.Watcher
	done     chan struct{}

	// Owned by the run goroutine.
	tried [32]byte // sum of the bytes last parsed, valid or not

	mu      sync.Mutex
	current *File
	lastErr error
}

// Watch starts watching current.Path, a file LoadFile returned. onChange is
// called from the watcher's goroutine, one call at a time, with each valid
// new File. The goroutine exits when ctx ends; Done is closed then.
//
// Typical use in main:
//
//	f, err := config.LoadFile(cfg.File) // start-up fails on a bad file
//	w, err := config.Watch(ctx, f, func(f *config.File) { srv.SetBoards(boards.New(f)) }, config.WatchOptions{Log: log})
//	// a status page shows w.LastError() while it is not nil
func Watch(ctx context.Context, current *File, onChange func(*File), opts WatchOptions) (*Watcher, error) {
	if current == nil || current.Path == "" {
		return nil, fmt.Errorf("watch config: no file to watch")
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 200 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch config %s: %w", current.Path, err)
	}
	dir := filepath.Dir(current.Path)
	if err := fsw.Add(dir); err != nil {
		fsw.Close()
		return nil, fmt.Errorf("watch config directory %s: %w", dir, err)
	}
	w := &Watcher{
		path: current.Path, onChange: onChange, signals: opts.Signals, debounce: opts.Debounce,
		log: opts.Log, fs: fsw, done: make(chan struct{}), tried: current.sum, current: current,
	}
	var stopSignals func()
	if w.signals == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP)
		w.signals = ch
		stopSignals = func() { signal.Stop(ch) }
	}
	go func() {
		defer close(w.done)
		defer fsw.Close()
		if stopSignals != nil {
			defer stopSignals()
		}
		w.run(ctx)
	}()
	return w, nil
}

// Current returns the running configuration: the last valid file.
func (w *Watcher) Current() *File {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.current
}

// LastError returns why the last reload was rejected (an *Error listing file
// lines, or a read error), or nil when the last reload succeeded.
func (w *Watcher) LastError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}

// Done is closed when the watcher has stopped.
func (w *Watcher) Done() <-chan struct{} { return w.done }

func (w *Watcher) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-w.signals:
			w.log.Info("config: reloading on signal", "path", w.path)
			w.reload(true)
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			timer.Reset(w.debounce)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			w.log.Warn("config: file watch error", "path", w.path, "error", err)
		case <-timer.C:
			w.reload(false)
		}
	}
}

// reload reads the file. Unless force, bytes already tried are skipped, so
// that unrelated events in the directory cost one read.
func (w *Watcher) reload(force bool) {
	data, err := readLimited(w.path)
	if err != nil {
		w.tried = [32]byte{} // whatever comes back gets parsed
		w.fail(err)
		return
	}
	sum := sha256.Sum256(data)
	if !force && sum == w.tried {
		return
	}
	w.tried = sum
	if !force && sum == w.Current().sum {
		w.mu.Lock()
		w.lastErr = nil // back to the running file
		w.mu.Unlock()
		return
	}
	f, err := parseFile(w.path, data)
	if err != nil {
		w.fail(err)
		return
	}
	w.mu.Lock()
	w.current, w.lastErr = f, nil
	w.mu.Unlock()
	w.log.Info("config: reloaded", "config", f)
	if w.onChange != nil {
		w.onChange(f)
	}
}

func (w *Watcher) fail(err error) {
	w.mu.Lock()
	w.lastErr = err
	w.mu.Unlock()
	w.log.Warn("config: reload rejected, keeping the running configuration", "path", w.path, "error", err.Error())
}
