package access

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// SessionRevocations keeps the ids of sessions ended before they expired
// (logged out), shared by every replica: cache.Redis implements it with
// keys session:revoked:<id> that expire with the session.
//
// A store can lose its revocations (Redis restarted without persistence, or
// was flushed), and a logged-out cookie must not come back to life then. So
// the revocations have an epoch, a value the store keeps for as long as it
// keeps them: every session is issued under the current epoch (carried in
// the signed cookie), and a session whose epoch is no longer the store's is
// refused, its user signs in again (fail closed; logged once at WARN).
// Display tokens do not depend on the store: walls stay up.
type SessionRevocations interface {
	RevokeSession(ctx context.Context, id string, ttl time.Duration) error
	// SessionRevoked reports whether session id was revoked and the current
	// epoch ("" when the store has none: it lost its revocations and no
	// session was issued since).
	SessionRevoked(ctx context.Context, id string) (revoked bool, epoch string, err error)
	// SessionEpoch returns the current epoch, starting one when the store
	// has none.
	SessionEpoch(ctx context.Context) (string, error)
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
		if g.sharedRevoked(r.Context(), s) {
			continue
		}
		return s, true
	}
	return session{}, false
}

// sharedRevoked asks the shared revocations whether s was revoked, or was
// issued under an epoch whose revocations the store lost. When they cannot
// answer the session stands (logged): a store outage must not sign every
// supervisor out, and this process's own logouts are still refused.
func (g *Guard) sharedRevoked(ctx context.Context, s session) bool {
	g.mu.Lock()
	sh := g.shared
	g.mu.Unlock()
	if sh == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, revocationTimeout)
	defer cancel()
	yes, epoch, err := sh.SessionRevoked(ctx, s.id)
	if err != nil {
		g.log.Warn("access: cannot check session revocation; accepting the session", "err", err)
		return false
	}
	if yes {
		return true
	}
	if epoch == s.epoch {
		return false
	}
	g.mu.Lock()
	if epoch != "" {
		g.epoch = epoch
	}
	// Logged once per kind and epoch, not once per request.
	key := fmt.Sprintf("%t/%s", s.epoch == "", epoch)
	warn := !g.warned[key]
	if g.warned == nil {
		g.warned = map[string]bool{}
	}
	g.warned[key] = true
	g.mu.Unlock()
	if warn {
		if s.epoch == "" {
			g.log.Warn("access: refusing sessions signed in while the session store could not be reached; their users sign in again")
		} else {
			g.log.Warn("access: the session store lost its revocations (Redis restarted empty or was flushed); refusing every session signed in before, their users sign in again")
		}
	}
	return true
}

// sessionEpoch returns the epoch a new session is issued under: the shared
// revocations' current one, or the last one seen while they cannot answer
// (such a session is refused should the store have lost its revocations
// meanwhile); "" without shared revocations.
func (g *Guard) sessionEpoch(ctx context.Context) string {
	g.mu.Lock()
	sh, last := g.shared, g.epoch
	g.mu.Unlock()
	if sh == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, revocationTimeout)
	defer cancel()
	epoch, err := sh.SessionEpoch(ctx)
	if err != nil {
		g.log.Warn("access: cannot read the session store's epoch; signing in under the last one seen", "err", err)
		return last
	}
	g.mu.Lock()
	g.epoch = epoch
	g.mu.Unlock()
	return epoch
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
