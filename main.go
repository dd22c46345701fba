// Command wallboard serves a real-time contact-center wallboard fed by UJET /
// CCAI Platform (polled) and Clarity Connect (pushed). With no source
// configured it runs the demo: a simulator of both vendor APIs on loopback,
// reached over real HTTP by the same clients a customer's sources use.
//
//	wallboard            serve the wallboard (see --help)
//	wallboard simulate   serve only the simulated vendor APIs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "wallboard:", err)
		os.Exit(1)
	}
}

// run is the whole program. ready, when not nil, is called with the address
// the server listens on once it accepts connections (tests use it).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready func(addr string)) error {
	if len(args) > 0 && args[0] == "simulate" {
		return runSimulate(ctx, args[1:], getenv, stdout, stderr, ready)
	}
	return runServer(ctx, args, getenv, stdout, stderr, ready)
}
