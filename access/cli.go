package access

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// HashPassword returns the bcrypt hash (default cost) of pw for
// Config.Users.
func HashPassword(pw string) (string, error) {
	if pw == "" {
		return "", errors.New("hash password: empty password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		// bcrypt's errors never contain the password.
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// HashPasswordCommand implements `wallboard hash-password`: it reads the
// password from the first line of stdin (never from the command line, where
// it would land in shell history and the process list) and prints its
// bcrypt hash to stdout. Usage:
//
//	read -rs PW && printf '%s\n' "$PW" | wallboard hash-password
func HashPasswordCommand(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 {
		return errors.New("hash-password takes no arguments; it reads the password from stdin")
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("hash-password: read stdin: %w", err)
	}
	h, err := HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, h)
	return err
}

// DisplayTokenCommand implements `wallboard display-token --board X --id Y
// [--url https://wallboard.example.com]`: it prints a display token for
// board X (or "*" for every board) with token id Y, signed with g's
// DisplaySecret, and with --url the display link
// <url>/boards/X?token=… to open once on the screen. Revoke it by adding Y
// to revoked_tokens.
func DisplayTokenCommand(g *Guard, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("display-token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	board := fs.String("board", "", "board id, or * for every board")
	id := fs.String("id", "", "token id (to revoke it later), e.g. floor2-tv1")
	base := fs.String("url", "", "wallboard base URL, to print the display link")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("display-token: %w (usage: display-token --board X --id Y [--url URL])", err)
	}
	if *board == "" {
		return errors.New("display-token: --board is required")
	}
	if err := ValidTokenID(*id); err != nil {
		return fmt.Errorf("display-token: --id: %w", err)
	}
	if !g.state().haveSecret {
		return errors.New("display-token: no display_secret configured")
	}
	tok := g.IssueDisplayToken(*board, *id)
	if *base == "" {
		_, err := fmt.Fprintln(stdout, tok)
		return err
	}
	u, err := url.Parse(strings.TrimRight(*base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("display-token: --url %q is not an http(s) URL", *base)
	}
	path := "/boards/" + url.PathEscape(*board)
	if *board == AllBoards {
		path = "/boards/{board}"
	}
	_, err = fmt.Fprintf(stdout, "%s\n%s%s?token=%s\n", tok, u.String(), path, tok)
	return err
}
