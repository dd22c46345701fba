package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/signalr"
)

// settings are what the board configuration file decides, swapped whole on
// every valid reload.
type settings struct {
	file   atomic.Pointer[config.File]
	boards atomic.Pointer[boards.Set]
	guard  *access.Guard
	watch  *config.Watcher

	// The status mappings the UJET poller and the Connect subscriber hold;
	// a reload replaces their contents.
	ujetStatuses    *model.StatusMap
	connectStatuses *model.StatusMap
}

// loadSettings reads the board configuration file (none: board "all", open
// on loopback) and builds the access guard from it. A bad file fails start-up
// with its file:line errors.
func loadSettings(cfg config.Config, log *slog.Logger) (*settings, error) {
	f := config.Default()
	if cfg.File != "" {
		var err error
		if f, err = config.LoadFile(cfg.File); err != nil {
			return nil, err
		}
	}
	g, err := access.New(accessConfig(f, cfg, log))
	if err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	s := &settings{guard: g}
	s.set(f)
	if g.Open() {
		log.Warn("no users or trusted proxy configured: pages are open, and answered only on loopback", "config", cfg.File)
	}
	return s, nil
}

func (s *settings) set(f *config.File) {
	s.file.Store(f)
	s.boards.Store(boards.New(f))
	ujet := f.Statuses.Map(config.VendorUJET, model.DefaultUJETStatuses())
	connect := f.Statuses.Map(config.VendorConnect, signalr.DefaultStatuses())
	if s.ujetStatuses == nil {
		s.ujetStatuses, s.connectStatuses = ujet, connect
		return
	}
	s.ujetStatuses.Replace(ujet)
	s.connectStatuses.Replace(connect)
}

// Boards is the current board set.
func (s *settings) Boards() *boards.Set { return s.boards.Load() }

// File is the current configuration file.
func (s *settings) File() *config.File { return s.file.Load() }

// LastError is the last failed reload, nil when the running file is the
// newest.
func (s *settings) LastError() error {
	if s.watch == nil {
		return nil
	}
	return s.watch.LastError()
}

// watchFile reloads the file on change and on SIGHUP until ctx ends. A bad
// file keeps the running settings.
func (s *settings) watchFile(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	f := s.File()
	if f.Path == "" {
		return nil
	}
	w, err := config.Watch(ctx, f, func(nf *config.File) {
		if err := s.guard.Reload(accessConfig(nf, cfg, log)); err != nil {
			log.Error("config reload: access settings refused, keeping the running ones", "err", err)
			return
		}
		s.set(nf)
		log.Info("config reloaded", "boards", len(nf.Boards))
	}, config.WatchOptions{Log: log})
	if err != nil {
		return fmt.Errorf("watch %s: %w", f.Path, err)
	}
	s.watch = w
	return nil
}

// accessConfig maps the file's access section onto the access package.
func accessConfig(f *config.File, cfg config.Config, log *slog.Logger) access.Config {
	a := f.Access
	c := access.Config{
		TrustedProxyHeader:  a.TrustedProxyHeader,
		TrustedProxies:      a.TrustedProxies,
		DisplaySecret:       a.DisplayTokens.Secret,
		RevokedTokens:       a.DisplayTokens.Revoked,
		AllowedFrameOrigins: slices.Clone(a.Embed.AllowedOrigins),
		Open:                !a.SignIn(),
		CookieSecure:        cfg.SecureCookies,
		Logger:              log,
	}
	for _, u := range a.Users {
		c.Users = append(c.Users, access.User{Name: u.Name, PasswordHash: u.PasswordHash})
	}
	// Boards may allow more origins to frame their own embeds.
	for _, b := range f.Boards {
		if len(b.EmbedOrigins) > 0 {
			if c.BoardFrameOrigins == nil {
				c.BoardFrameOrigins = map[string][]string{}
			}
			c.BoardFrameOrigins[b.ID] = slices.Clone(b.EmbedOrigins)
		}
	}
	return c
}
