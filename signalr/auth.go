package signalr

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"
)

// grantType is the only grant the Connect Authentication Service accepts.
const grantType = "urn:connect.auth:windows"

// tokenSource gets, caches and renews bearer tokens. It never puts a token or
// password into an error or log line.
type tokenSource struct {
	root     *url.URL
	hc       *http.Client // plain requests (discovery)
	ntlm     *http.Client // token requests, NTLM/Negotiate
	clientID string
	user     string
	password string
	static   string

	mu       sync.Mutex
	endpoint string // the token endpoint, from a 401's WWW-Authenticate
	token    string
	exp      time.Time // zero: unknown, valid until a 401
	renewAt  time.Time
	rejected string // a token the API answered 401 to
	now      func() time.Time
}

func newTokenSource(root *url.URL, hc *http.Client, cfg Config) *tokenSource {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	ntlm := &http.Client{Transport: ntlmssp.Negotiator{RoundTripper: base}, Timeout: hc.Timeout, Jar: hc.Jar}
	return &tokenSource{root: root, hc: hc, ntlm: ntlm, clientID: cfg.ClientID, user: cfg.User, password: cfg.Password, static: cfg.Token, now: time.Now}
}

func (t *tokenSource) hasCredentials() bool { return t.user != "" || t.password != "" }

// Token returns a valid token, fetching a new one when the cached one is due
// for renewal (a quarter of its lifetime before exp) or was rejected.
func (t *tokenSource) Token(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.token != "" && t.token != t.rejected && (t.renewAt.IsZero() || now.Before(t.renewAt)) {
		return t.token, nil
	}
	if t.static != "" && t.static != t.rejected {
		exp := jwtExpiry(t.static)
		if exp.IsZero() || now.Before(exp) {
			t.set(t.static, exp, now)
			return t.token, nil
		}
	}
	if !t.hasCredentials() {
		if t.static != "" {
			return "", &authError{"401 configured token rejected or expired and no user configured"}
		}
		return "", errors.New("no token and no user configured")
	}
	if t.endpoint == "" {
		if err := t.discover(ctx); err != nil {
			return "", err
		}
	}
	tok, exp, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	t.set(tok, exp, now)
	return t.token, nil
}

// Expiry returns the current token's expiry (zero when unknown).
func (t *tokenSource) Expiry() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exp
}

// RenewAt returns when the current token is due for renewal (zero when never).
func (t *tokenSource) RenewAt() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.renewAt
}

func (t *tokenSource) set(tok string, exp, now time.Time) {
	t.token, t.exp, t.renewAt = tok, exp, time.Time{}
	if !exp.IsZero() {
		t.renewAt = exp.Add(-exp.Sub(now) / 4)
	}
}

// Rejected records that the API answered 401 to tok; authenticate names the
// token endpoint from that 401.
func (t *tokenSource) Rejected(tok, authenticate string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ep := parseAuthenticate(authenticate); ep != "" {
		if u, err := t.root.Parse(ep); err == nil {
			t.endpoint = u.String()
		}
	}
	if tok != "" && tok == t.token {
		t.rejected = tok
	}
}

// discover finds the token endpoint from the WWW-Authenticate header of an
// unauthenticated request's 401.
func (t *tokenSource) discover(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.root.String()+"/v2/profile", nil)
	if err != nil {
		return fmt.Errorf("discover token endpoint: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := t.hc.Do(req)
	if err != nil {
		return fmt.Errorf("discover token endpoint: %w", err)
	}
	drain(resp)
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("discover token endpoint: GET /v2/profile without token: %s, want 401", resp.Status)
	}
	ep := parseAuthenticate(resp.Header.Get("WWW-Authenticate"))
	if ep == "" {
		return errors.New("discover token endpoint: 401 without a token endpoint in WWW-Authenticate")
	}
	u, err := t.root.Parse(ep)
	if err != nil {
		return fmt.Errorf("discover token endpoint: %w", err)
	}
	t.endpoint = u.String()
	return nil
}

// parseAuthenticate returns the token endpoint address of a Connect
// WWW-Authenticate header: `https://host/webauth/token,grant_type="urn:connect.auth:windows"`.
// A scheme prefix ("Bearer ") or a realm="…" form is tolerated.
func parseAuthenticate(h string) string {
	for _, part := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ' ' }) {
		part = strings.TrimSpace(part)
		if i := strings.IndexByte(part, '='); i >= 0 && !strings.HasPrefix(part, "http") {
			part = part[i+1:]
		}
		part = strings.Trim(part, `"`)
		if strings.HasPrefix(part, "http://") || strings.HasPrefix(part, "https://") || strings.HasPrefix(part, "/") {
			return part
		}
	}
	return ""
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// fetch POSTs the grant to the token endpoint, authenticating over
// NTLM/Negotiate with the configured user (DOMAIN\user is split by the
// NTLM client).
func (t *tokenSource) fetch(ctx context.Context) (string, time.Time, error) {
	form := url.Values{"grant_type": {grantType}, "client_id": {t.clientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cache-Control", "no-cache")
	req.SetBasicAuth(t.user, t.password) // turned into NTLM by the Negotiator, never sent as Basic
	resp, err := t.ntlm.Do(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: %w", redactURLError(err))
	}
	defer drain(resp)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var tr tokenResponse
	_ = json.Unmarshal(body, &tr)
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return "", time.Time{}, &authError{fmt.Sprintf("401 token endpoint rejected the credentials of %s", userName(t.user))}
	case resp.StatusCode != http.StatusOK:
		if tr.Error != "" {
			return "", time.Time{}, fmt.Errorf("token: %s: %s (%s)", resp.Status, tr.Error, tr.ErrorDescription)
		}
		return "", time.Time{}, fmt.Errorf("token: %s", resp.Status)
	case tr.AccessToken == "":
		return "", time.Time{}, errors.New("token: response without access_token")
	}
	exp := jwtExpiry(tr.AccessToken)
	if exp.IsZero() && tr.ExpiresIn > 0 {
		exp = t.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return tr.AccessToken, exp, nil
}

// userName is the user without domain, safe to show.
func userName(u string) string {
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		return u[i+1:]
	}
	return u
}

// jwtExpiry reads the exp claim of a JWT without verifying it; zero when the
// token is not a JWT or has no exp.
func jwtExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(f), int64((f-float64(int64(f)))*1e9))
}

// redactURLError drops the URL's user info and query from a *url.Error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.User, u.RawQuery = nil, ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

// authError is an authentication failure; its text is safe to show.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }
