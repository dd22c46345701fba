package config

import (
	"strings"
	"testing"
)

// A secret written in the wrong place is never echoed by the error: the
// error names the file, line and field instead.
func TestErrorsNeverEchoMisplacedSecrets(t *testing.T) {
	const secret = "Zq8+s3cr3t/Val+ue0123456789abcdefXYZ=="
	cases := map[string]struct {
		yaml, want string
	}{
		"secret as display_tokens": {"access:\n  display_tokens: " + secret + "\n", ":2: access.display_tokens: want a mapping"},
		"secret as access":         {"access: " + secret + "\n", ":1: access: want a mapping"},
		"secret as a user":         {"access:\n  users:\n    - " + secret + "\n", ":3: access.users[0]: want a mapping"},
		"secret as a key":          {"access:\n  " + secret + ": x\n", ":2: access: unknown key (not shown"},
		"secret as a list":         {"access:\n  display_tokens:\n    secret: [" + secret + "]\n", ":3: access.display_tokens.secret: want a secret string"},
		"secret as boards":         {"boards: " + secret + "\n", ":1: boards: want a list"},
		"hash as a name list":      {"access:\n  users:\n    - name: [" + secret + "]\n", ":3: access.users[0].name: want a value"},
		"unterminated quote":       {"access:\n  display_tokens:\n    secret: \"" + secret + "\n", "not valid YAML"},
		"tab before secret":        {"access:\n  display_tokens:\n\tsecret: " + secret + "\n", "not valid YAML"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseFile("wallboard.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, part := range []string{secret, secret[:12], secret[len(secret)-12:]} {
				if strings.Contains(msg, part) {
					t.Fatalf("error echoes the secret: %s", msg)
				}
			}
			if !strings.Contains(msg, "wallboard.yaml") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
		})
	}
}
