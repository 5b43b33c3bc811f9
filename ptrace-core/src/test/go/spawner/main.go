// Command spawner starts the same command many times, a bounded number at once.
//
// It is the tracee for fork/exec storms: a tracer must follow every child and reap none of them
// itself.
//
//	spawner -n 200 -parallel 8 -mode exec /bin/busybox true
//	spawner -n 200 -parallel 8 -mode forkexec /bin/busybox true
//
// Mode exec uses os/exec; mode forkexec calls syscall.ForkExec and syscall.Wait4 directly.
// The children's stdout is discarded and their stderr is passed through. It prints
// "spawned=<n> ok=<k>" (n children started, k of them exited 0) and exits 1 unless all n
// were started and exited 0.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
)

func main() {
	count := flag.Int("n", 200, "number of children to run")
	parallel := flag.Int("parallel", 8, "most children running at once")
	mode := flag.String("mode", "exec", "exec (os/exec) or forkexec (syscall.ForkExec + Wait4)")
	flag.Parse()

	if flag.NArg() == 0 {
		fail(2, "missing CMD")
	}
	if *count < 0 || *parallel < 1 {
		fail(2, "-n must not be negative and -parallel must be positive")
	}
	path, err := exec.LookPath(flag.Arg(0))
	if err != nil {
		fail(2, "%v", err)
	}
	var run func(path string, argv []string) error
	switch *mode {
	case "exec":
		run = runWithOsExec
	case "forkexec":
		run = runWithForkExec
	default:
		fail(2, "unknown -mode %q", *mode)
	}

	var spawned, ok atomic.Int64
	var firstFailure error
	var once sync.Once
	var wg sync.WaitGroup
	slots := make(chan struct{}, *parallel)
	for i := 0; i < *count; i++ {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			err := run(path, flag.Args())
			var notStarted *startError
			if !errors.As(err, &notStarted) {
				spawned.Add(1)
			}
			if err == nil {
				ok.Add(1)
			} else {
				once.Do(func() { firstFailure = err })
			}
		}()
	}
	wg.Wait()

	fmt.Printf("spawned=%d ok=%d\n", spawned.Load(), ok.Load())
	if firstFailure != nil {
		fail(1, "first failure: %v", firstFailure)
	}
}

// startError marks a child that never ran, as opposed to one that ran and failed.
type startError struct{ err error }

func (e *startError) Error() string { return "start: " + e.err.Error() }

func runWithOsExec(path string, argv []string) error {
	cmd := &exec.Cmd{Path: path, Args: argv, Stderr: os.Stderr}
	if err := cmd.Start(); err != nil {
		return &startError{err}
	}
	return cmd.Wait()
}

func runWithForkExec(path string, argv []string) error {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return &startError{err}
	}
	defer devNull.Close()
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{devNull.Fd(), devNull.Fd(), os.Stderr.Fd()},
	})
	if err != nil {
		return &startError{err}
	}
	var status syscall.WaitStatus
	for {
		_, err = syscall.Wait4(pid, &status, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	switch {
	case err != nil:
		return fmt.Errorf("wait4 %d: %w", pid, err)
	case status.Signaled():
		return fmt.Errorf("child %d killed by %v", pid, status.Signal())
	case status.ExitStatus() != 0:
		return fmt.Errorf("child %d exited %d", pid, status.ExitStatus())
	}
	return nil
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "spawner: "+format+"\n", args...)
	os.Exit(code)
}
