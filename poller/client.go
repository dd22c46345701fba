package poller

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ClientConfig configures a UJET Manager API client.
type ClientConfig struct {
	// BaseURL is the API base including its path, e.g.
	// https://acme.ujet.co/manager/api/v1. When empty it is built as
	// https://{Subdomain}.{Domain}/manager/api/v1.
	BaseURL string
	// Subdomain is the Basic-auth user name; always required.
	Subdomain string
	// Domain is the rest of the host name after the subdomain, e.g. ujet.co.
	Domain string
	// Token is the API token, the Basic-auth password. It never appears in
	// logs or error strings.
	Token string
	// HTTPClient defaults to a client with a 10 s timeout.
	HTTPClient *http.Client
	// Observer, when set, is told of every request (metrics.UJET).
	Observer RequestObserver
}

// RequestObserver is told of every request the client makes: its endpoint
// ("agents/current_status"), its HTTP status (0 when no response came) and
// how long it took, body included.
type RequestObserver interface {
	ObserveRequest(endpoint string, code int, d time.Duration)
}

// Client makes single requests to the UJET Manager API. It does no rate
// limiting of its own: a Scheduler spaces the calls.
type Client struct {
	base    *url.URL
	user    string
	token   string
	secrets []string // token and Authorization header value, redacted from errors
	http    *http.Client
	now     func() time.Time
	obs     RequestObserver
}

// maxBody bounds how much of a response is read.
const maxBody = 32 << 20

// NewClient validates cfg and returns a client.
func NewClient(cfg ClientConfig) (*Client, error) {
	sub := strings.TrimSpace(cfg.Subdomain)
	if sub == "" {
		return nil, errors.New("ujet client: subdomain is required (it is the Basic-auth user name)")
	}
	if strings.ContainsAny(sub, ":/ ") {
		return nil, fmt.Errorf("ujet client: subdomain %q must not contain ':', '/' or spaces", sub)
	}
	if cfg.Token == "" {
		return nil, errors.New("ujet client: API token is required")
	}
	raw := strings.TrimSpace(cfg.BaseURL)
	if raw == "" {
		dom := strings.Trim(strings.TrimSpace(cfg.Domain), ".")
		if dom == "" {
			return nil, errors.New("ujet client: either a base URL or a domain is required")
		}
		if strings.ContainsAny(dom, ":/ @?#") {
			return nil, fmt.Errorf("ujet client: domain %q must be a host name like ujet.co", dom)
		}
		raw = "https://" + sub + "." + dom + "/manager/api/v1"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("ujet client: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("ujet client: base URL %q must start with https:// or http://", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("ujet client: base URL %q has no host", u.Redacted())
	}
	if u.User != nil {
		return nil, errors.New("ujet client: base URL must not contain credentials; give the subdomain and token instead")
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	auth := base64.StdEncoding.EncodeToString([]byte(sub + ":" + cfg.Token))
	return &Client{
		base:    u,
		user:    sub,
		token:   cfg.Token,
		secrets: []string{cfg.Token, auth, url.QueryEscape(cfg.Token)},
		http:    hc,
		now:     time.Now,
		obs:     cfg.Observer,
	}, nil
}

// BaseURL returns the API base the client calls.
func (c *Client) BaseURL() string { return c.base.String() }

// AgentsCurrentStatus fetches agents/current_status: every logged-in agent.
func (c *Client) AgentsCurrentStatus(ctx context.Context) ([]AgentStatus, error) {
	return getList[AgentStatus](ctx, c, "agents/current_status", nil)
}

// MenusCurrentStatus fetches menus/current_status: the queues with someone
// waiting.
func (c *Client) MenusCurrentStatus(ctx context.Context) ([]MenuStatus, error) {
	return getList[MenuStatus](ctx, c, "menus/current_status", nil)
}

// MenusSLA fetches menus/sla for one channel ("call" or "chat") over the last
// minutes.
func (c *Client) MenusSLA(ctx context.Context, channel string, minutes int) ([]MenuSLA, error) {
	return getList[MenuSLA](ctx, c, "menus/sla", url.Values{"channel": {channel}, "minutes": {strconv.Itoa(minutes)}})
}

// SLAByQueueGroups fetches menus/sla_by_queue_groups for one channel over the
// last minutes.
func (c *Client) SLAByQueueGroups(ctx context.Context, channel string, minutes int) ([]QueueGroupSLA, error) {
	return getList[QueueGroupSLA](ctx, c, "menus/sla_by_queue_groups", url.Values{"channel": {channel}, "minutes": {strconv.Itoa(minutes)}})
}

// Agents fetches one page (from 1) of agents with per agents a page.
func (c *Client) Agents(ctx context.Context, page, per int) ([]AgentInfo, error) {
	return getList[AgentInfo](ctx, c, "agents", pageQuery(page, per))
}

// Menus fetches one page (from 1) of menus.
func (c *Client) Menus(ctx context.Context, page, per int) ([]Menu, error) {
	return getList[Menu](ctx, c, "menus", pageQuery(page, per))
}

// Teams fetches one page (from 1) of teams.
func (c *Client) Teams(ctx context.Context, page, per int) ([]Team, error) {
	return getList[Team](ctx, c, "teams", pageQuery(page, per))
}

// UserStatuses fetches user_statuses: every status's name and colour.
func (c *Client) UserStatuses(ctx context.Context) ([]UserStatus, error) {
	return getList[UserStatus](ctx, c, "user_statuses", nil)
}

// Contacts fetches one page (from 1) of calls (channel "call") or chats
// (channel "chat") updated after from, oldest update first.
func (c *Client) Contacts(ctx context.Context, channel string, from time.Time, page, per int) ([]Contact, error) {
	q := pageQuery(page, per)
	q.Set("updated_at[from]", from.UTC().Format("2006-01-02T15:04:05.000Z"))
	q.Set("sort_column", "updated_at")
	q.Set("sort_direction", "ASC")
	return getList[Contact](ctx, c, dayEndpoint(channel), q)
}

// dayEndpoint is the endpoint of a channel's contacts: calls ("call") or
// chats ("chat").
func dayEndpoint(channel string) string {
	if channel == dayChannelChat {
		return "chats"
	}
	return "calls"
}

// OperationHours fetches menus/operation_hours: the menus' operation hour
// definitions, as objects whose shape the vendor does not document.
func (c *Client) OperationHours(ctx context.Context) ([]map[string]json.RawMessage, error) {
	return getList[map[string]json.RawMessage](ctx, c, epHours, nil)
}

func pageQuery(page, per int) url.Values {
	return url.Values{"page": {strconv.Itoa(max(page, 1))}, "per": {strconv.Itoa(max(per, 1))}}
}

func getList[T any](ctx context.Context, c *Client, endpoint string, q url.Values) ([]T, error) {
	body, ctype, err := c.get(ctx, endpoint, q)
	if err != nil {
		return nil, err
	}
	// A body that decodes is accepted whatever its Content-Type claims; one that
	// does not is reported as HTML when either the type or its first byte says so.
	list, err := decodeList[T](body)
	if err != nil {
		mt, _, _ := mime.ParseMediaType(ctype)
		html := errors.Is(err, errHTML) || mt == "text/html"
		return nil, &DecodeError{Endpoint: endpoint, ContentType: ctype, HTML: html, Err: err}
	}
	return list, nil
}

// get makes one GET request and returns the body of a 2xx response.
func (c *Client) get(ctx context.Context, endpoint string, q url.Values) ([]byte, string, error) {
	u := *c.base
	u.Path = c.base.Path + "/" + endpoint
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("request %s: %w", endpoint, err)
	}
	req.SetBasicAuth(c.user, c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "wallboard")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(endpoint, 0, start)
		return nil, "", c.transportError(endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		c.observe(endpoint, 0, start)
		return nil, "", c.transportError(endpoint, err)
	}
	c.observe(endpoint, resp.StatusCode, start)
	ctype := resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, ctype, &StatusError{
			Endpoint:   endpoint,
			Code:       resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
			Body:       snippet(body, c.secrets...),
		}
	}
	return body, ctype, nil
}

func (c *Client) observe(endpoint string, code int, start time.Time) {
	if c.obs != nil {
		c.obs.ObserveRequest(endpoint, code, time.Since(start))
	}
}

// transportError wraps a failed round trip: timeouts match ErrTimeout; the
// message never carries the token (it travels in a header, not the URL, and
// is redacted anyway).
func (c *Client) transportError(endpoint string, err error) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &transportErr{endpoint: endpoint, msg: redact(err.Error(), c.secrets...), err: err, timeout: true}
	}
	return &transportErr{endpoint: endpoint, msg: redact(err.Error(), c.secrets...), err: err}
}

// transportErr is a request that got no response.
type transportErr struct {
	endpoint string
	msg      string
	err      error
	timeout  bool
}

func (e *transportErr) Error() string {
	if e.timeout {
		return fmt.Sprintf("request %s: timeout: %s", e.endpoint, e.msg)
	}
	return fmt.Sprintf("request %s: %s", e.endpoint, e.msg)
}

func (e *transportErr) Unwrap() error { return e.err }

func (e *transportErr) Is(target error) bool { return target == ErrTimeout && e.timeout }
