package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/config"
)

// Headers of every webhook request.
const (
	HeaderSignature = "X-Wallboard-Signature" // sha256=<hex HMAC-SHA256 of timestamp + "." + body>, with a secret
	HeaderTimestamp = "X-Wallboard-Timestamp" // unix seconds when the request was signed
	HeaderEvent     = "X-Wallboard-Event"     // "start" or "end"
	HeaderBreach    = "X-Wallboard-Breach"    // the breach's id: the same on its start and end, and on retries
)

// Events.
const (
	EventStart = "start"
	EventEnd   = "end"
)

// Alert is one thing to tell: a breach starting or ending.
type Alert struct {
	Event      string // EventStart or EventEnd
	Record            // the breach
	BoardTitle string
	At         time.Time // when it started (after the hold) or ended
}

// Text is the alert in one line.
func (a Alert) Text() string {
	board := a.BoardTitle
	if board == "" {
		board = a.Board
	}
	if a.Event == EventEnd {
		return fmt.Sprintf("✅ %s: %s is back within its thresholds after %s", board, a.Queue, a.At.Sub(a.Since).Round(time.Second))
	}
	return fmt.Sprintf("🔴 %s: %s breached: %s (since %s UTC)", board, a.Queue, a.Reason, a.Since.UTC().Format("15:04:05"))
}

// Body is the JSON body of a in the webhook's format: Slack's {"text": …}
// (which Mattermost and Rocket.Chat take too) or a Microsoft Teams
// MessageCard.
func Body(format string, a Alert) ([]byte, error) {
	if format == config.WebhookTeams {
		color := "D70000"
		if a.Event == EventEnd {
			color = "2E7D32"
		}
		return json.Marshal(map[string]any{
			"@type":      "MessageCard",
			"@context":   "https://schema.org/extensions",
			"summary":    a.Text(),
			"themeColor": color,
			"title":      a.Text(),
			"text":       fmt.Sprintf("Board %s, queue %s. Breach %s.", a.Board, a.Queue, a.ID),
		})
	}
	return json.Marshal(map[string]string{"text": a.Text()})
}

// Sign returns the signature header value of body signed at ts with secret.
func Sign(secret []byte, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is body's signature at the unix time ts with
// secret; receivers (and tests) use it.
func Verify(secret []byte, ts string, body []byte, sig string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	want := Sign(secret, time.Unix(sec, 0), body)
	return hmac.Equal([]byte(want), []byte(sig))
}

// errPermanent marks a failure that retrying cannot fix (a 4xx answer).
var errPermanent = errors.New("permanent")

// post sends body to w once.
func post(ctx context.Context, client *http.Client, w config.Webhook, a Alert, body []byte, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: bad request", errPermanent) // never echo the URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wallboard-alerts")
	req.Header.Set(HeaderEvent, a.Event)
	req.Header.Set(HeaderBreach, a.ID)
	if len(w.Secret) > 0 {
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(HeaderSignature, Sign(w.Secret, now, body))
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // it names the URL, which may hold a token: keep only the cause
			return fmt.Errorf("post: %w", ue.Err)
		}
		return errors.New("post failed")
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &retryAfter{status: resp.StatusCode, after: parseRetryAfter(resp.Header.Get("Retry-After"))}
	default:
		return fmt.Errorf("%w: HTTP %d", errPermanent, resp.StatusCode)
	}
}

type retryAfter struct {
	status int
	after  time.Duration
}

func (r *retryAfter) Error() string { return "HTTP " + strconv.Itoa(r.status) }

func parseRetryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// Retry is how sending retries: up to Attempts tries, waiting Min, then
// twice as long each time up to Max, with up to 50 % jitter; a Retry-After
// answer is honoured up to Max.
type Retry struct {
	Attempts int
	Min, Max time.Duration
}

// DefaultRetry is Options.Retry's default: 6 tries over about a minute.
var DefaultRetry = Retry{Attempts: 6, Min: time.Second, Max: 30 * time.Second}

// send posts a to w, retrying by r until it succeeds, fails for good or ctx
// ends.
func send(ctx context.Context, client *http.Client, r Retry, w config.Webhook, a Alert, now func() time.Time) error {
	body, err := Body(w.Format, a)
	if err != nil {
		return err
	}
	wait := r.Min
	var last error
	for try := 1; try <= max(1, r.Attempts); try++ {
		last = post(ctx, client, w, a, body, now())
		if last == nil || errors.Is(last, errPermanent) || try == r.Attempts {
			break
		}
		d := wait + time.Duration(rand.Int64N(int64(wait)/2+1))
		var ra *retryAfter
		if errors.As(last, &ra) && ra.after > d {
			d = min(ra.after, r.Max)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (then %v)", last, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, r.Max)
	}
	return last
}
