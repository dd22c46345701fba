package signalr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wallboard/wallboard/model"
)

// StatusError is a non-2xx answer of the Connect API.
type StatusError struct {
	Method, Path string
	Code         int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s %s", e.Code, e.Method, e.Path)
}

// api calls the Connect Web API with a bearer token, re-authenticating and
// retrying once after a 401.
type api struct {
	root   *url.URL // …/webapi/api
	hc     *http.Client
	tokens *tokenSource
}

// Info is the base Info response.
type Info struct {
	ConnectVersion string `json:"connectVersion"`
	APIVersions    []struct {
		Version     string `json:"version"`
		RelativeURL string `json:"relativeUrl"`
	} `json:"apiVersions"`
	SignalRTransports []string `json:"signalRTransports"`
}

// MBU is the Get MBU Structure response.
type MBU struct {
	Agents []struct {
		ID     json.Number `json:"id"`
		Name   string      `json:"name"`
		TeamID json.Number `json:"teamId"`
	} `json:"agents"`
	Queues []struct {
		ID             json.Number   `json:"id"`
		Name           string        `json:"name"`
		BusinessUnitID json.Number   `json:"businessUnitId"`
		TeamIDs        []json.Number `json:"teamIds"`
	} `json:"queues"`
	Teams []struct {
		ID             json.Number   `json:"id"`
		Name           string        `json:"name"`
		BusinessUnitID json.Number   `json:"businessUnitId"`
		GroupIDs       []json.Number `json:"groupIds"`
		AgentIDs       []json.Number `json:"agentIds"`
		QueueIDs       []json.Number `json:"queueIds"`
	} `json:"teams"`
	Groups []struct {
		ID      json.Number   `json:"id"`
		Name    string        `json:"name"`
		TeamIDs []json.Number `json:"teamIds"`
	} `json:"groups"`
	BusinessUnits []struct {
		ID       json.Number   `json:"id"`
		Name     string        `json:"name"`
		TeamIDs  []json.Number `json:"teamIds"`
		QueueIDs []json.Number `json:"queueIds"`
	} `json:"businessUnits"`
}

// Directory returns the names of the structure.
func (m *MBU) Directory() *Directory {
	d := &Directory{Agents: map[string]string{}, AgentTeams: map[string][]string{}, Queues: map[string]string{},
		Teams: map[string]string{}, Groups: map[string]string{}, BusinessUnits: map[string]string{}}
	for _, t := range m.Teams {
		d.Teams[t.ID.String()] = t.Name
	}
	for _, a := range m.Agents {
		d.Agents[a.ID.String()] = a.Name
		if n := d.Teams[a.TeamID.String()]; n != "" {
			d.AgentTeams[a.ID.String()] = []string{n}
		}
	}
	for _, t := range m.Teams {
		for _, id := range t.AgentIDs {
			if !contains(d.AgentTeams[id.String()], t.Name) {
				d.AgentTeams[id.String()] = append(d.AgentTeams[id.String()], t.Name)
			}
		}
	}
	for _, q := range m.Queues {
		d.Queues[q.ID.String()] = q.Name
	}
	for _, g := range m.Groups {
		d.Groups[g.ID.String()] = g.Name
	}
	for _, b := range m.BusinessUnits {
		d.BusinessUnits[b.ID.String()] = b.Name
	}
	return d
}

// Membership returns which agents and queues belong to which team, group
// and business unit, for boards that pick them by those ids.
func (m *MBU) Membership() *model.Membership {
	ms := &model.Membership{TeamAgents: map[string][]string{}, TeamQueues: map[string][]string{},
		GroupTeams: map[string][]string{}, BusinessUnitTeams: map[string][]string{}, BusinessUnitQueues: map[string][]string{}}
	add := func(m map[string][]string, k, v string) {
		if k != "" && v != "" && !contains(m[k], v) {
			m[k] = append(m[k], v)
		}
	}
	for _, a := range m.Agents {
		add(ms.TeamAgents, a.TeamID.String(), a.ID.String())
	}
	for _, t := range m.Teams {
		for _, a := range t.AgentIDs {
			add(ms.TeamAgents, t.ID.String(), a.String())
		}
		for _, q := range t.QueueIDs {
			add(ms.TeamQueues, t.ID.String(), q.String())
		}
		for _, g := range t.GroupIDs {
			add(ms.GroupTeams, g.String(), t.ID.String())
		}
		add(ms.BusinessUnitTeams, t.BusinessUnitID.String(), t.ID.String())
	}
	for _, q := range m.Queues {
		for _, t := range q.TeamIDs {
			add(ms.TeamQueues, t.String(), q.ID.String())
		}
		add(ms.BusinessUnitQueues, q.BusinessUnitID.String(), q.ID.String())
	}
	for _, g := range m.Groups {
		for _, t := range g.TeamIDs {
			add(ms.GroupTeams, g.ID.String(), t.String())
		}
	}
	for _, b := range m.BusinessUnits {
		for _, t := range b.TeamIDs {
			add(ms.BusinessUnitTeams, b.ID.String(), t.String())
		}
		for _, q := range b.QueueIDs {
			add(ms.BusinessUnitQueues, b.ID.String(), q.String())
		}
	}
	return ms
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (a *api) Info(ctx context.Context) (Info, error) {
	var info Info
	err := a.do(ctx, http.MethodGet, "/info", nil, &info)
	return info, err
}

func (a *api) MBU(ctx context.Context) (*MBU, error) {
	var m MBU
	if err := a.do(ctx, http.MethodGet, "/v2/profile/mbu", nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// subscribeRequest is one subscription to create.
type subscribeRequest struct {
	Path  string // relative to the API root, with query: /v2/subscriptions/agents?agentIds=1,2
	Body  any
	Label string
}

// Subscribe creates subscriptions, through the batch endpoint when there are
// several (falling back to one call each when batch is not available), and
// returns their ids in order ("" when the API returned none).
func (a *api) Subscribe(ctx context.Context, reqs []subscribeRequest) ([]string, error) {
	if len(reqs) > 1 {
		ids, err := a.batch(ctx, reqs)
		var se *StatusError
		if err == nil || !errors.As(err, &se) || (se.Code != http.StatusNotFound && se.Code != http.StatusMethodNotAllowed) {
			return ids, err
		}
	}
	ids := make([]string, 0, len(reqs))
	for _, r := range reqs {
		var raw json.RawMessage
		if err := a.do(ctx, http.MethodPost, r.Path, r.Body, &raw); err != nil {
			return ids, fmt.Errorf("subscribe %s: %w", r.Label, err)
		}
		ids = append(ids, subscriptionID(raw))
	}
	return ids, nil
}

type batchItem struct {
	Method      string `json:"method"`
	RelativeURL string `json:"relativeUrl"`
	Body        any    `json:"body,omitempty"`
}

type batchResult struct {
	Code int             `json:"code"`
	Body json.RawMessage `json:"body"`
}

func (a *api) batch(ctx context.Context, reqs []subscribeRequest) ([]string, error) {
	items := make([]batchItem, len(reqs))
	for i, r := range reqs {
		items[i] = batchItem{Method: http.MethodPost, RelativeURL: ".." + r.Path, Body: r.Body}
	}
	for attempt := 0; ; attempt++ {
		var results []batchResult
		if err := a.do(ctx, http.MethodPost, "/v2/", items, &results); err != nil {
			return nil, fmt.Errorf("subscribe batch: %w", err)
		}
		if len(results) != len(reqs) {
			return nil, fmt.Errorf("subscribe batch: %d results for %d requests", len(results), len(reqs))
		}
		ids := make([]string, len(reqs))
		retry := false
		var errs []error
		for i, res := range results {
			switch {
			case res.Code == http.StatusUnauthorized:
				retry = true
				errs = append(errs, fmt.Errorf("subscribe %s: %w", reqs[i].Label, &StatusError{Method: http.MethodPost, Path: reqs[i].Path, Code: res.Code}))
			case res.Code < 200 || res.Code > 299:
				errs = append(errs, fmt.Errorf("subscribe %s: %w", reqs[i].Label, &StatusError{Method: http.MethodPost, Path: reqs[i].Path, Code: res.Code}))
			default:
				ids[i] = subscriptionID(res.Body)
			}
		}
		if retry && attempt == 0 {
			if tok, err := a.tokens.Token(ctx); err == nil {
				a.tokens.Rejected(tok, "")
			}
			// Delete what did get created before retrying the whole batch.
			for _, id := range ids {
				if id != "" {
					_ = a.do(ctx, http.MethodDelete, "/v2/subscriptions/"+url.PathEscape(id), nil, nil)
				}
			}
			continue
		}
		return ids, errors.Join(errs...)
	}
}

// subscriptionID reads a subscription id from a create response: an object
// with subscriptionId or id, or a bare string.
func subscriptionID(raw json.RawMessage) string {
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil {
		for _, k := range []string{"subscriptionId", "id"} {
			switch v := obj[k].(type) {
			case string:
				return v
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// Unsubscribe deletes a subscription.
func (a *api) Unsubscribe(ctx context.Context, id, connectionID string) error {
	return a.do(ctx, http.MethodDelete, "/v2/subscriptions/"+url.PathEscape(id), map[string]string{"connectionId": connectionID}, nil)
}

// do sends one request; path is relative to the API root.
func (a *api) do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	pathOnly := path
	if i := strings.IndexByte(pathOnly, '?'); i >= 0 {
		pathOnly = pathOnly[:i]
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Token(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, a.root.String()+path, bytes.NewReader(payload))
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, pathOnly, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := a.hc.Do(req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, pathOnly, redactURLError(err))
		}
		if resp.StatusCode == http.StatusUnauthorized {
			a.tokens.Rejected(tok, resp.Header.Get("WWW-Authenticate"))
			drain(resp)
			if attempt == 0 {
				continue
			}
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			drain(resp)
			return &StatusError{Method: method, Path: pathOnly, Code: resp.StatusCode}
		}
		defer drain(resp)
		if out == nil {
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		if err != nil {
			return fmt.Errorf("%s %s: read: %w", method, pathOnly, err)
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, pathOnly, err)
		}
		return nil
	}
}
