// Package demo builds the wallboard and runs its demo (simulated UJET and
// Connect traffic, in-process store) as a process of its own on loopback,
// for the harnesses in cmd/ that measure it from outside.
package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Demo is a running wallboard demo.
type Demo struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string
	// Pid is the server process's id, for reading its memory and CPU.
	Pid int

	cmd *exec.Cmd
	dir string
}

// Start builds the wallboard from the module in the working directory and
// runs its demo at speed (1: real time) with the extra command-line args,
// on a free loopback port, and waits until it answers. Stop it with Stop.
func Start(ctx context.Context, speed float64, args ...string) (*Demo, error) {
	dir, err := os.MkdirTemp("", "wallboard-demo")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "wallboard")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("go build: %w\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"--addr", addr, "--sim-speed", fmt.Sprint(speed), "--log-level", "warn"}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	d := &Demo{URL: "http://" + addr, Pid: cmd.Process.Pid, cmd: cmd, dir: dir}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(d.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return d, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			d.Stop()
			return nil, errors.New("the demo did not start")
		}
	}
}

// Stop interrupts the demo, waits for it to exit and removes its binary.
func (d *Demo) Stop() {
	_ = d.cmd.Process.Signal(os.Interrupt)
	_ = d.cmd.Wait()
	os.RemoveAll(d.dir)
}
