package access

import (
	"net/http"
	"slices"
	"strings"
)

// HeaderOptions configure Headers.
type HeaderOptions struct {
	// Embed reports whether r is for an embeddable route (e.g. paths under
	// /embed/). Nil: no route is embeddable.
	Embed func(r *http.Request) bool
	// FrameOrigins may frame embed routes (scheme://host[:port]; entries
	// that are not origins are dropped — Config validation catches them).
	// Empty: embeds cannot be framed either.
	FrameOrigins []string
}

// Headers returns middleware that sets the security headers on every
// response (mount it first, for every route):
//
//	Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self';
//	  img-src 'self' data:; font-src 'self'; connect-src 'self' ws://<host> wss://<host>;
//	  object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'
//	X-Frame-Options: DENY
//	X-Content-Type-Options: nosniff
//	Referrer-Policy: strict-origin-when-cross-origin
//	Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=(), usb=()
//
// On embed routes frame-ancestors lists FrameOrigins instead (or 'none'
// when there are none) and X-Frame-Options is omitted (it cannot express an
// allow-list; CSP governs). No 'unsafe-inline' anywhere: pages must use
// external scripts and stylesheets.
func Headers(opts HeaderOptions) func(http.Handler) http.Handler {
	var origins []string
	for _, o := range opts.FrameOrigins {
		if n, err := ParseOrigin(o); err == nil {
			origins = append(origins, n)
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			embed := opts.Embed != nil && opts.Embed(r)
			setHeaders(w.Header(), r, embed, origins)
			next.ServeHTTP(w, r)
		})
	}
}

// Headers is the package function Headers with the Guard's current frame
// origins (so a Reload changes them): on an embed route (board id in the
// path's second segment, /embed/{id}/…) AllowedFrameOrigins and that
// board's BoardFrameOrigins. Besides:
//
//   - when the browser reached the wallboard over https (Config.CookieSecure,
//     TLS, or a trusted proxy's X-Forwarded-Proto), Strict-Transport-Security:
//     max-age=31536000 (a year), so it never comes back over plain http;
//   - on an open Guard, embed routes may also be framed by pages on this
//     computer (LoopbackFrameAncestors), so the demo's embeds work in a
//     local test page.
func (g *Guard) Headers(embed func(r *http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := g.state()
			e := embed != nil && embed(r)
			var origins []string
			if e {
				origins = st.frameOrigins(PathSegment(1)(r))
			}
			if st.cfg.Open {
				origins = append(slices.Clip(origins), LoopbackFrameAncestors...)
			}
			setHeaders(w.Header(), r, e, origins)
			if st.https(r) {
				w.Header().Set("Strict-Transport-Security", "max-age=31536000")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// LoopbackFrameAncestors are the CSP sources of pages on this computer, any
// port: an open Guard lets them frame embeds.
var LoopbackFrameAncestors = []string{"http://localhost:*", "http://127.0.0.1:*", "https://localhost:*", "https://127.0.0.1:*"}

func setHeaders(h http.Header, r *http.Request, embed bool, origins []string) {
	connect := "'self'"
	if r != nil && validHost(r.Host) {
		connect += " ws://" + r.Host + " wss://" + r.Host
	}
	ancestors := "'none'"
	if embed && len(origins) > 0 {
		ancestors = strings.Join(origins, " ")
	}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src "+connect+"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+ancestors)
	if embed {
		h.Del("X-Frame-Options")
	} else {
		h.Set("X-Frame-Options", "DENY")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
}

// validHost accepts host[:port] made of characters that cannot break out
// of a CSP source expression.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}
