package access

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Display token format (all parts base64url without padding):
//
//	wbd1.<id>.<board>.<HMAC-SHA256(displayKey, "wbd1\x00"+id+"\x00"+board)>
//
// board is a board id or "*" for every board. A token has no expiry; it is
// revoked by listing its id in Config.RevokedTokens.
const tokenPrefix = "wbd1"

// AllBoards as the board id of a display token makes it valid on every board.
const AllBoards = "*"

var (
	errTokenMalformed  = errors.New("not a display token")
	errTokenSignature  = errors.New("display token signature does not match")
	errTokenRevoked    = errors.New("display token revoked")
	errTokenOtherBoard = errors.New("display token is for another board")
	errNoSecret        = errors.New("no display secret configured")
)

// DisplayToken describes a verified display token.
type DisplayToken struct {
	ID    string // the token id, used to revoke it
	Board string // the board it opens, or AllBoards
}

// IssueDisplayToken returns a display token for boardID (or AllBoards) with
// the given token id. It returns "" when no display secret is configured or
// id is not a valid token id (see ValidTokenID); the CLI helper
// DisplayTokenCommand reports those cases as errors.
func (g *Guard) IssueDisplayToken(boardID string, id string) string {
	st := g.state()
	if !st.haveSecret || ValidTokenID(id) != nil || boardID == "" {
		return ""
	}
	return tokenPrefix + "." + b64(id) + "." + b64(boardID) + "." + b64b(tokenMAC(st.displayKey, id, boardID))
}

// ValidTokenID reports whether id can name a display token: 1-128 printable
// ASCII characters without spaces.
func ValidTokenID(id string) error {
	if id == "" || len(id) > maxTokenIDLen {
		return fmt.Errorf("token id must be 1-%d characters", maxTokenIDLen)
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return errors.New("token id must be printable ASCII without spaces")
		}
	}
	return nil
}

// verifyToken checks tok's signature, revocation and board.
func (st *state) verifyToken(tok, boardID string) (DisplayToken, error) {
	if !st.haveSecret {
		return DisplayToken{}, errNoSecret
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != tokenPrefix {
		return DisplayToken{}, errTokenMalformed
	}
	id, err1 := unb64(parts[1])
	board, err2 := unb64(parts[2])
	mac, err3 := unb64(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || id == "" || board == "" {
		return DisplayToken{}, errTokenMalformed
	}
	if !hmac.Equal([]byte(mac), tokenMAC(st.displayKey, id, board)) {
		return DisplayToken{}, errTokenSignature
	}
	t := DisplayToken{ID: id, Board: board}
	if st.revoked[id] {
		return t, errTokenRevoked
	}
	if board != AllBoards && subtle.ConstantTimeCompare([]byte(board), []byte(boardID)) != 1 {
		return t, errTokenOtherBoard
	}
	return t, nil
}

func tokenMAC(key []byte, id, board string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tokenPrefix + "\x00" + id + "\x00" + board))
	return m.Sum(nil)
}

// Session cookie format:
//
//	wbs3.<user>.<expiry unix seconds>.<password fingerprint>.<epoch>.<session id>.<HMAC-SHA256>
//
// The fingerprint (first 8 bytes of SHA-256 of the user's bcrypt hash) ends
// every session of a user whose password changes in config. The session id
// (16 random bytes) names the session for revocation: logging out revokes
// it (see SessionRevocations), so a copied cookie stops working at once.
// The epoch is the shared revocations' epoch the session was issued under
// (empty without shared revocations): when the store loses its revocations
// (Redis restarted empty) its epoch changes and the sessions of the old one
// are refused. wbs2 cookies (no epoch) and wbs1 cookies (no id) are no
// longer accepted: their users sign in again.
const sessionPrefix = "wbs3"

// session is a verified session cookie.
type session struct {
	user    string
	id      string // base64url of the random session id
	epoch   string // the shared revocations' epoch it was issued under
	expires time.Time
}

func (st *state) issueSession(user User, expires time.Time, epoch string) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	fp := fingerprint(user.PasswordHash)
	var raw [16]byte
	rand.Read(raw[:])
	id := b64b(raw[:])
	return sessionPrefix + "." + b64(user.Name) + "." + exp + "." + b64b(fp) + "." + b64(epoch) + "." + id + "." +
		b64b(sessionMAC(st.sessionKey, user.Name, exp, fp, epoch, id))
}

// verifySession returns the session of v if it is correctly signed,
// unexpired and of a user still configured with the same password.
// Whether it was revoked is the Guard's question (Guard.sessionOf).
func (st *state) verifySession(v string, now time.Time) (session, bool) {
	if !st.haveSecret {
		return session{}, false
	}
	parts := strings.Split(v, ".")
	if len(parts) != 7 || parts[0] != sessionPrefix {
		return session{}, false
	}
	name, err1 := unb64(parts[1])
	fp, err2 := unb64(parts[3])
	epoch, err5 := unb64(parts[4])
	id := parts[5]
	mac, err3 := unb64(parts[6])
	exp, err4 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil || len(id) != 22 {
		return session{}, false
	}
	if !hmac.Equal([]byte(mac), sessionMAC(st.sessionKey, name, parts[2], []byte(fp), epoch, id)) {
		return session{}, false
	}
	expires := time.Unix(exp, 0)
	if !now.Before(expires) {
		return session{}, false
	}
	u, ok := st.users[name]
	if !ok || subtle.ConstantTimeCompare([]byte(fp), fingerprint(u.PasswordHash)) != 1 {
		return session{}, false
	}
	return session{user: name, id: id, epoch: epoch, expires: expires}, true
}

func sessionMAC(key []byte, name, exp string, fp []byte, epoch, id string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sessionPrefix + "\x00" + name + "\x00" + exp + "\x00"))
	m.Write(fp)
	m.Write([]byte("\x00" + epoch + "\x00" + id))
	return m.Sum(nil)
}

func fingerprint(hash string) []byte {
	s := sha256.Sum256([]byte(hash))
	return s[:8]
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func b64b(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}
