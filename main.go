// Command wallboard serves a real-time contact-center wallboard fed by UJET /
// CCAI Platform (polled) and Clarity Connect (pushed). With no source
// configured it runs the demo: a simulator of both vendor APIs on loopback,
// reached over real HTTP by the same clients a customer's sources use.
//
//	wallboard                serve the wallboard (see --help)
//	wallboard simulate       serve only the simulated vendor APIs
//	wallboard hash-password  bcrypt a supervisor password read from stdin
//	wallboard display-token  print a display link for a TV wall or embed
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr, nil)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "wallboard:", err)
		os.Exit(1)
	}
}

// run is the whole program. ready, when not nil, is called with the address
// the server listens on once it accepts connections (tests use it).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, ready func(addr string)) error {
	if len(args) > 0 {
		switch args[0] {
		case "simulate":
			return runSimulate(ctx, args[1:], getenv, stdout, stderr, ready)
		case "hash-password":
			return access.HashPasswordCommand(args[1:], stdin, stdout)
		case "display-token":
			return runDisplayToken(args[1:], getenv, stdout, stderr)
		}
	}
	return runServer(ctx, args, getenv, stdout, stderr, ready)
}

// runDisplayToken is `wallboard display-token --config FILE --board ID --id
// TOKEN-ID [--url BASE]`: the token is signed with the file's display secret.
func runDisplayToken(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var file string
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case (a == "--config" || a == "-config") && i+1 < len(args):
			file = args[i+1]
			i++
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
			file = a[strings.Index(a, "=")+1:]
		default:
			rest = append(rest, a)
		}
	}
	if file == "" {
		file = getenv("WALLBOARD_CONFIG")
	}
	if file == "" {
		return errors.New("display-token: give --config FILE (or WALLBOARD_CONFIG): tokens are signed with its display secret")
	}
	f, err := config.LoadFile(file)
	if err != nil {
		return err
	}
	g, err := access.New(accessConfig(f, config.Config{}, slog.New(slog.NewTextHandler(stderr, nil))))
	if err != nil {
		return fmt.Errorf("access: %w", err)
	}
	return access.DisplayTokenCommand(g, rest, stdout)
}
