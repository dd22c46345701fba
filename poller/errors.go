package poller

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors a caller tests with errors.Is. A *StatusError matches
// ErrUnauthorized (401, 403), ErrRateLimited (429) or ErrServer (5xx); a
// *DecodeError matches ErrMalformed; a request that ran out of time matches
// ErrTimeout.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrRateLimited  = errors.New("rate limited")
	ErrServer       = errors.New("server error")
	ErrMalformed    = errors.New("malformed response")
	ErrTimeout      = errors.New("timeout")
)

// StatusError is a response with a status other than 2xx.
type StatusError struct {
	Endpoint   string        // e.g. "menus/sla"
	Code       int           // HTTP status code
	RetryAfter time.Duration // from Retry-After; 0 when absent
	Body       string        // start of the body, single line, secrets removed
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("UJET %s: HTTP %d %s", e.Endpoint, e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is makes errors.Is(err, ErrUnauthorized) and friends work.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden
	case ErrRateLimited:
		return e.Code == http.StatusTooManyRequests
	case ErrServer:
		return e.Code >= 500
	}
	return false
}

// DecodeError is a 2xx response whose body is not the JSON the endpoint
// documents: broken JSON, an HTML page, an object instead of a list.
type DecodeError struct {
	Endpoint    string
	ContentType string
	HTML        bool // the body is an HTML page
	Err         error
}

func (e *DecodeError) Error() string {
	if e.HTML {
		return fmt.Sprintf("decode %s: got an HTML page instead of JSON (Content-Type %q)", e.Endpoint, e.ContentType)
	}
	return fmt.Sprintf("decode %s: %v", e.Endpoint, e.Err)
}

// Unwrap returns the underlying decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrMalformed) true.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > 3600 {
			s = 3600
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			return 0
		}
		return min(d, time.Hour)
	}
	return 0
}

// snippet makes a short single-line excerpt of a response body for an error:
// tags and control characters out, secrets redacted, at most 160 bytes.
func snippet(body []byte, secrets ...string) string {
	var b strings.Builder
	inTag := false
	space := false
	for _, r := range string(body) {
		switch {
		case r == '<':
			inTag = true
			continue
		case r == '>' && inTag:
			inTag = false
			space = true
			continue
		case inTag:
			continue
		case r < ' ' || r == 0x7f || r == '\uFFFD' || r == ' ':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		if b.Len() > 400 {
			break
		}
	}
	s := redact(b.String(), secrets...)
	if len(s) > 160 {
		cut := 160
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(c byte) bool { return c&0xC0 != 0x80 }

// redact replaces every non-empty secret in s.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 3 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// healthMessage is the short, human message a board shows for err.
func healthMessage(err error) string {
	var se *StatusError
	var de *DecodeError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		switch {
		case se.Code == http.StatusUnauthorized:
			return "UJET: 401 unauthorized"
		case se.Code == http.StatusForbidden:
			return "UJET: 403 forbidden"
		case se.Code == http.StatusTooManyRequests:
			return "UJET: rate limited"
		case se.Code >= 500:
			return fmt.Sprintf("UJET: server error %d", se.Code)
		}
		return fmt.Sprintf("UJET: HTTP %d from %s", se.Code, se.Endpoint)
	case errors.As(err, &de):
		if de.HTML {
			return "UJET: HTML page instead of JSON from " + de.Endpoint
		}
		return "UJET: malformed JSON from " + de.Endpoint
	case errors.Is(err, ErrTimeout):
		return "UJET: timeout"
	}
	return "UJET: unreachable"
}

// unavailable reports whether err is a tenant's answer that an optional
// endpoint is not there for us (400, 403 or 404: an older tenant, a token
// without that permission), and its status code.
func unavailable(err error) (code int, ok bool) {
	var se *StatusError
	if errors.As(err, &se) && (se.Code == 400 || se.Code == 403 || se.Code == 404) {
		return se.Code, true
	}
	return 0, false
}
