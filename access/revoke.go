package access

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// SessionRevocations keeps the ids of sessions ended before they expired
// (logged out), shared by every replica: cache.Redis implements it with
// keys session:revoked:<id> that expire with the session.
type SessionRevocations interface {
	RevokeSession(ctx context.Context, id string, ttl time.Duration) error
	SessionRevoked(ctx context.Context, id string) (bool, error)
}

// revocationTimeout bounds one question to the shared revocations.
const revocationTimeout = 2 * time.Second

// SetSessionRevocations makes the Guard record logouts in r and ask r
// whether a session was revoked, so a logout on one replica ends the session
// on all. Without it (or while r fails) revocations are kept in this
// process only. Call it before serving.
func (g *Guard) SetSessionRevocations(r SessionRevocations) {
	g.mu.Lock()
	g.shared = r
	g.mu.Unlock()
}

// revoked is the in-process record of revoked sessions: id → expiry.
type revoked struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

func (r *revoked) add(id string, until, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[string]time.Time{}
	}
	if len(r.ids) >= 1024 {
		for k, exp := range r.ids {
			if !now.Before(exp) {
				delete(r.ids, k)
			}
		}
	}
	r.ids[id] = until
}

func (r *revoked) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[id]
	return ok
}

// sessionOf returns the valid, unrevoked session of r's session cookie.
func (g *Guard) sessionOf(st *state, r *http.Request) (session, bool) {
	for _, c := range r.Cookies() {
		if c.Name != SessionCookie {
			continue
		}
		s, ok := st.verifySession(c.Value, g.now())
		if !ok || g.revoked.has(s.id) {
			continue
		}
		if g.sharedRevoked(r.Context(), s.id) {
			continue
		}
		return s, true
	}
	return session{}, false
}

// sharedRevoked asks the shared revocations. When they cannot answer the
// session stands (logged): a store outage must not sign every supervisor
// out, and this process's own logouts are still refused.
func (g *Guard) sharedRevoked(ctx context.Context, id string) bool {
	g.mu.Lock()
	sh := g.shared
	g.mu.Unlock()
	if sh == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, revocationTimeout)
	defer cancel()
	yes, err := sh.SessionRevoked(ctx, id)
	if err != nil {
		g.log.Warn("access: cannot check session revocation; accepting the session", "err", err)
		return false
	}
	return yes
}

// revoke ends session s here and, when shared revocations are set, on every
// replica.
func (g *Guard) revoke(ctx context.Context, s session) {
	now := g.now()
	g.revoked.add(s.id, s.expires, now)
	g.mu.Lock()
	sh := g.shared
	g.mu.Unlock()
	if sh == nil {
		return
	}
	ttl := s.expires.Sub(now)
	if ttl < time.Second {
		ttl = time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revocationTimeout)
	defer cancel()
	if err := sh.RevokeSession(ctx, s.id, ttl); err != nil {
		g.log.Error("access: logout not shared with other replicas", "user", s.user, "err", err)
	}
}
