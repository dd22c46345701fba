package poller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewClientValidates(t *testing.T) {
	const tok = "tok-very-secret"
	cases := []struct {
		cfg     ClientConfig
		wantErr string
		wantURL string
	}{
		{ClientConfig{Subdomain: "acme", Domain: "ujet.co", Token: tok}, "", "https://acme.ujet.co/manager/api/v1"},
		{ClientConfig{Subdomain: "acme", BaseURL: "http://127.0.0.1:9/manager/api/v1/", Token: tok}, "", "http://127.0.0.1:9/manager/api/v1"},
		{ClientConfig{Subdomain: "acme", BaseURL: "https://eu.example.com/x/manager/api/v1?x=1", Domain: "ignored", Token: tok}, "", "https://eu.example.com/x/manager/api/v1"},
		{ClientConfig{Domain: "ujet.co", Token: tok}, "subdomain is required", ""},
		{ClientConfig{Subdomain: "acme", Domain: "ujet.co"}, "token is required", ""},
		{ClientConfig{Subdomain: "acme", Token: tok}, "base URL or a domain", ""},
		{ClientConfig{Subdomain: "a:b", Domain: "ujet.co", Token: tok}, "must not contain", ""},
		{ClientConfig{Subdomain: "acme", Domain: "ujet.co/x", Token: tok}, "host name", ""},
		{ClientConfig{Subdomain: "acme", BaseURL: "ftp://x/y", Token: tok}, "https://", ""},
		{ClientConfig{Subdomain: "acme", BaseURL: "/manager/api/v1", Token: tok}, "https://", ""},
		{ClientConfig{Subdomain: "acme", BaseURL: "https://u:" + tok + "@x/manager/api/v1", Token: tok}, "must not contain credentials", ""},
	}
	for _, tc := range cases {
		c, err := NewClient(tc.cfg)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("NewClient(%+v) = %v", tc.cfg.BaseURL+tc.cfg.Domain, err)
		case tc.wantErr == "" && c.BaseURL() != tc.wantURL:
			t.Errorf("base URL = %q, want %q", c.BaseURL(), tc.wantURL)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("NewClient(%q %q %q) error = %v, want one containing %q", tc.cfg.Subdomain, tc.cfg.Domain, tc.cfg.BaseURL, err, tc.wantErr)
		case err != nil && strings.Contains(err.Error(), tok):
			t.Errorf("error %q contains the token", err)
		}
	}
}

// TestClientRequests checks paths, queries and Basic auth as the docs give
// them.
func TestClientRequests(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "acme" || p != "tok" {
			t.Errorf("auth = %q %q %v", u, p, ok)
		}
		got = append(got, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "[]")
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/manager/api/v1", Subdomain: "acme", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := c.AgentsCurrentStatus(ctx); return err },
		func() error { _, err := c.MenusCurrentStatus(ctx); return err },
		func() error { _, err := c.MenusSLA(ctx, "chat", 15); return err },
		func() error { _, err := c.SLAByQueueGroups(ctx, "call", 30); return err },
		func() error { _, err := c.Agents(ctx, 2, 100); return err },
		func() error { _, err := c.Menus(ctx, 1, 50); return err },
		func() error { _, err := c.Teams(ctx, 3, 10); return err },
		func() error { _, err := c.UserStatuses(ctx); return err },
	}
	for _, call := range calls {
		if err := call(); err != nil {
			t.Error(err)
		}
	}
	want := []string{
		"/manager/api/v1/agents/current_status",
		"/manager/api/v1/menus/current_status",
		"/manager/api/v1/menus/sla?channel=chat&minutes=15",
		"/manager/api/v1/menus/sla_by_queue_groups?channel=call&minutes=30",
		"/manager/api/v1/agents?page=2&per=100",
		"/manager/api/v1/menus?page=1&per=50",
		"/manager/api/v1/teams?page=3&per=10",
		"/manager/api/v1/user_statuses",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestClientErrors(t *testing.T) {
	const tok = "Zz9-token-never-shown"
	type reply struct {
		code       int
		ctype      string
		body       string
		retryAfter string
		delay      time.Duration
	}
	cases := []struct {
		name   string
		reply  reply
		is     error
		msg    string // in err.Error()
		health string
		retry  time.Duration
	}{
		{"401", reply{code: 401, body: `{"error":"token ` + tok + ` is wrong"}`}, ErrUnauthorized, "HTTP 401", "UJET: 401 unauthorized", 0},
		{"403", reply{code: 403, body: `forbidden`}, ErrUnauthorized, "HTTP 403", "UJET: 403 forbidden", 0},
		{"429 seconds", reply{code: 429, retryAfter: "3"}, ErrRateLimited, "retry after 3s", "UJET: rate limited", 3 * time.Second},
		{"429 date", reply{code: 429, retryAfter: time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)}, ErrRateLimited, "HTTP 429", "UJET: rate limited", 5 * time.Second},
		{"500", reply{code: 500, body: "<html><body><h1>Internal\nServer Error</h1></body></html>"}, ErrServer, "HTTP 500 Internal Server Error: Internal Server Error", "UJET: server error 500", 0},
		{"503", reply{code: 503}, ErrServer, "HTTP 503", "UJET: server error 503", 0},
		{"404", reply{code: 404, body: `{"error":"Not Found"}`}, nil, "HTTP 404", "UJET: HTTP 404 from menus/sla", 0},
		{"html 200", reply{code: 200, ctype: "text/html", body: "<!doctype html><p>maintenance"}, ErrMalformed, "decode menus/sla: got an HTML page", "UJET: HTML page instead of JSON from menus/sla", 0},
		{"html as json", reply{code: 200, ctype: "application/json", body: "  <html>"}, ErrMalformed, "decode menus/sla: got an HTML page", "UJET: HTML page instead of JSON from menus/sla", 0},
		{"broken", reply{code: 200, body: `[{"menu_path_id": 1,`}, ErrMalformed, "decode menus/sla: unexpected end of JSON input", "UJET: malformed JSON from menus/sla", 0},
		{"wrong type", reply{code: 200, body: `[{"menu_path_id": {"a":1}}]`}, ErrMalformed, "decode menus/sla:", "UJET: malformed JSON from menus/sla", 0},
		{"empty", reply{code: 200, body: ``}, ErrMalformed, "decode menus/sla: empty body", "UJET: malformed JSON from menus/sla", 0},
		{"timeout", reply{code: 200, body: `[]`, delay: 500 * time.Millisecond}, ErrTimeout, "request menus/sla: timeout", "UJET: timeout", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.reply.delay > 0 {
					select {
					case <-time.After(tc.reply.delay):
					case <-r.Context().Done():
						return
					}
				}
				if tc.reply.retryAfter != "" {
					w.Header().Set("Retry-After", tc.reply.retryAfter)
				}
				ct := tc.reply.ctype
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.reply.code)
				fmt.Fprint(w, tc.reply.body)
			}))
			defer srv.Close()
			c, err := NewClient(ClientConfig{BaseURL: srv.URL, Subdomain: "acme", Token: tok, HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.MenusSLA(context.Background(), "call", 15)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
			for _, other := range []error{ErrUnauthorized, ErrRateLimited, ErrServer, ErrMalformed, ErrTimeout} {
				if other != tc.is && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), tok) {
				t.Errorf("error %q contains the token", err)
			}
			if h := healthMessage(err); h != tc.health {
				t.Errorf("health message %q, want %q", h, tc.health)
			}
			var se *StatusError
			if errors.As(err, &se) {
				if se.Endpoint != "menus/sla" {
					t.Errorf("endpoint %q", se.Endpoint)
				}
				if d := se.RetryAfter - tc.retry; d < -1500*time.Millisecond || d > 1500*time.Millisecond {
					t.Errorf("retry after %v, want about %v", se.RetryAfter, tc.retry)
				}
			}
		})
	}
}

func TestClientUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: url, Subdomain: "acme", Token: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UserStatuses(context.Background())
	if err == nil || !strings.Contains(err.Error(), "request user_statuses") || errors.Is(err, ErrTimeout) {
		t.Errorf("error = %v", err)
	}
	if h := healthMessage(err); h != "UJET: unreachable" {
		t.Errorf("health = %q", h)
	}
}
