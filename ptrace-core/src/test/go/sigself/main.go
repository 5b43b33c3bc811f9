// Command sigself signals itself, for tests of job control and of death by signal.
//
//	sigself             stops its thread with SIGSTOP (the whole process stops); prints "continued" after SIGCONT and exits 0
//	sigself -signal 9   kills itself with signal 9, so its parent sees death by that signal
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

func main() {
	number := flag.Int("signal", 0, "signal to kill itself with instead of stopping")
	flag.Parse()

	if *number == 0 {
		// A thread-directed SIGSTOP stops this thread before tgkill returns to it. A process-directed
		// kill may be taken by another thread, and this one could print before the whole group stops.
		runtime.LockOSThread()
		if err := syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGSTOP); err != nil {
			fail("kill SIGSTOP: %v", err)
		}
		fmt.Println("continued")
		return
	}
	if err := syscall.Kill(os.Getpid(), syscall.Signal(*number)); err != nil {
		fail("kill %d: %v", *number, err)
	}
	// Delivery is asynchronous; a signal that does not end the process (one Go handles or
	// ignores) shows up as this timeout.
	time.Sleep(5 * time.Second)
	fail("still alive 5s after signal %d", *number)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sigself: "+format+"\n", args...)
	os.Exit(1)
}
