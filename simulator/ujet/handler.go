// Package ujet serves a simulator.Center over the UJET / CCAI Platform
// Manager API v1 (/manager/api/v1), with the vendor doc's paths and JSON
// shapes, its Basic auth and its rate limit, plus injectable faults for
// testing clients.
//
// Endpoints (GET only): agents, agents/current_status, user_statuses, teams,
// menus, menus/current_status, menus/sla, menus/sla_by_queue_groups,
// menus/operation_hours (see hours.go), calls and chats (see contacts.go).
// Anything else under the prefix is a 404 with a JSON error; other methods
// get 405.
//
// Choices where the vendor doc is silent:
//
//   - Pagination (agents, teams, menus, calls, chats): page defaults to 1, per to
//     DefaultPer (25); per is capped at Options.MaxPer (default and at most
//     MaxPer, 100); missing, non-numeric or
//     non-positive values take the defaults; a page past the end is [].
//     Records are in ascending id order (menus in tree order).
//     Filters: agents take id[], status_id[] and online[] (true/false);
//     teams take id[]; menus take id[] and menu_type[]. Other documented
//     filters and sorting are ignored.
//     agents/current_status, user_statuses, menus/current_status and the SLA
//     endpoints are not paginated and ignore page and per.
//   - agents/current_status lists logged-in agents only (Offline agents are
//     absent); on_hold_duration is whole seconds on hold, 0 when not on hold.
//   - menus/current_status lists only queues with contacts waiting;
//     durations are whole seconds at the model's current time.
//   - menus/sla and menus/sla_by_queue_groups need channel=call|chat and
//     minutes=1..MaxSLAMinutes, else 400 with a JSON error. sla is the percent
//     (one decimal) of contacts answered within the center's SLA threshold
//     among those answered or abandoned in the window, null when none were.
//     Queue groups are the menu trees (queue_group_id is the root menu id).
//     minutes are simulated minutes: at Speed 20, minutes=15 covers the
//     last 45 wall seconds.
//   - Times are UTC with milliseconds, e.g. "2021-05-10T17:45:01.000Z".
//   - JSON is written without HTML escaping, so names such as
//     "<b>O'Brien</b> & Co" arrive verbatim.
//   - Order of checks: rate limit (429), then Basic auth (401), then
//     injected faults, then routing. Every arrival counts for the rate
//     limit, rejected ones included (so a client retrying early never gets
//     through: leave a margin over RateLimit), and every request is
//     recorded. Options.Now timestamps arrivals for both.
//   - Ids: agents 101.., teams 31-34, menus 2001-2013, menu paths 501-513
//     (the same menu_path_id for every language of a leaf), user statuses
//     as in the vendor's example plus custom ones 5-7.
//
// The handler reads the Center; something else (Center.Run or Advance) must
// drive it.
package ujet

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wallboard/wallboard/simulator"
)

// Prefix is the path every endpoint lives under.
const Prefix = "/manager/api/v1/"

// Defaults.
const (
	DefaultSubdomain = "demo"
	DefaultToken     = "demo-token"
	DefaultRateLimit = time.Second
	DefaultSlowDelay = 10 * time.Second
	realm            = "UJET Manager API"
)

// Options configure a Handler. Zero values take the documented defaults.
type Options struct {
	Subdomain, Token string        // Basic auth: user = subdomain, password = token; default "demo"/"demo-token"
	RateLimit        time.Duration // minimum spacing between requests, default 1s; 0 means default, negative disables
	Now              func() time.Time
	SlowDelay        time.Duration // how long FaultSlow sleeps; default 10s
	// MaxPer caps the page size of the paginated lists whatever per asks,
	// as some UJET-compatible servers do; default (and at most) MaxPer.
	MaxPer int
}

// Request is one request the handler received.
type Request struct {
	At     time.Time
	Path   string // the endpoint below /manager/api/v1/, e.g. "agents/current_status"; the full path when outside the prefix
	Query  string // the raw query
	Status int    // the status answered; 0 when the client went away first
}

// Handler serves the Manager API. It implements http.Handler and expects the
// full request path (/manager/api/v1/...).
type Handler struct {
	center *simulator.Center
	opt    Options

	mu       sync.Mutex
	token    string
	faults   []Fault
	requests []Request
	last     time.Time
	seen     bool
}

// NewHandler returns a Handler serving c.
func NewHandler(c *simulator.Center, o Options) *Handler {
	if o.Subdomain == "" {
		o.Subdomain = DefaultSubdomain
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = DefaultSlowDelay
	}
	if o.MaxPer <= 0 || o.MaxPer > MaxPer {
		o.MaxPer = MaxPer
	}
	return &Handler{center: c, opt: o, token: o.Token}
}

// SetToken rotates the accepted API token.
func (h *Handler) SetToken(token string) {
	h.mu.Lock()
	h.token = token
	h.mu.Unlock()
}

// Requests returns every request received so far, in arrival order.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.requests...)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint := r.URL.Path
	inPrefix := strings.HasPrefix(endpoint, Prefix)
	if inPrefix {
		endpoint = strings.Trim(strings.TrimPrefix(endpoint, Prefix), "/")
	}

	h.mu.Lock()
	now := h.opt.Now()
	n := len(h.requests)
	h.requests = append(h.requests, Request{At: now, Path: endpoint, Query: r.URL.RawQuery})
	limited := h.opt.RateLimit > 0 && h.seen && now.Sub(h.last) < h.opt.RateLimit
	h.last, h.seen = now, true
	authorized := h.authorized(r)
	var fault *Fault
	if !limited && authorized {
		fault = h.takeFault(endpoint)
	}
	h.mu.Unlock()

	status := h.serve(w, r, endpoint, inPrefix, limited, authorized, fault)

	h.mu.Lock()
	h.requests[n].Status = status
	h.mu.Unlock()
}

// authorized checks Basic credentials. Callers hold h.mu.
func (h *Handler) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(h.opt.Subdomain))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(h.token))
	return u&p == 1
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, endpoint string, inPrefix, limited, authorized bool, fault *Fault) int {
	switch {
	case limited:
		return h.tooMany(w)
	case !authorized:
		return unauthorized(w)
	}
	if fault != nil {
		switch fault.Kind {
		case FaultStatus500:
			return writeJSON(w, http.StatusInternalServerError, errorJSON{Error: "Internal Server Error"})
		case FaultUnauthorized:
			return unauthorized(w)
		case FaultTooMany:
			w.Header().Set("Retry-After", "2")
			return writeJSON(w, http.StatusTooManyRequests, errorJSON{Error: "Too Many Requests"})
		case FaultHTML:
			return writeHTML(w, http.StatusBadGateway)
		case FaultHTMLOK:
			return writeHTML(w, http.StatusOK)
		case FaultSlow:
			if !sleep(r.Context(), h.opt.SlowDelay) {
				return 0
			}
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return writeJSON(w, http.StatusMethodNotAllowed, errorJSON{Error: "Method Not Allowed"})
	}
	if !inPrefix {
		return writeJSON(w, http.StatusNotFound, errorJSON{Error: "Not Found"})
	}
	truth := h.center.Live
	if endpoint == "calls" || endpoint == "chats" {
		truth = h.center.Truth // only they read the day's contacts
	}
	status, v := route(endpoint, r.URL.Query(), truth(), h.opt)
	if fault != nil && status == http.StatusOK {
		switch fault.Kind {
		case FaultMalformedJSON:
			body := encode(v)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(status)
			w.Write(body[:len(body)/2])
			return status
		case FaultNullFields:
			v = transform(v, nullOptional)
		case FaultExtraFields:
			v = transform(v, addExtra)
		}
	}
	return writeJSON(w, status, v)
}

func (h *Handler) tooMany(w http.ResponseWriter) int {
	secs := int(math.Ceil(h.opt.RateLimit.Seconds()))
	w.Header().Set("Retry-After", fmt.Sprint(max(secs, 1)))
	return writeJSON(w, http.StatusTooManyRequests, errorJSON{Error: "Too Many Requests: limit is 1 request per second"})
}

func unauthorized(w http.ResponseWriter) int {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	return writeJSON(w, http.StatusUnauthorized, errorJSON{Error: "Unauthorized"})
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value served is built from plain structs; this cannot
		// happen short of a programming error.
		panic(fmt.Sprintf("ujet: encode response: %v", err))
	}
	return b.Bytes()
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(encode(v))
	return status
}

func writeHTML(w http.ResponseWriter, status int) int {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n<body><h1>%s</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>\n",
		status, http.StatusText(status), http.StatusText(status))
	return status
}
