// Command ticker keeps several OS threads busy with small syscalls for a while.
//
// It is the tracee for attaching to a running multithreaded process: once every thread has
// started it writes its pid to the -ready file (atomically, by rename), so a test that sees the
// file knows all threads exist.
//
//	ticker -threads 8 -seconds 5 -ready /tmp/ticker.pid
//
// It prints "ticks=<n>" and "done" when the time is up, or "terminated" on SIGTERM; both exit 0.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	threads := flag.Int("threads", 8, "number of busy goroutines, each locked to its own OS thread")
	seconds := flag.Float64("seconds", 5, "how long to run")
	ready := flag.String("ready", "", "file to write the pid to once every thread has started")
	flag.Parse()
	if *threads < 1 {
		fail("-threads must be positive")
	}

	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)

	var ticks atomic.Int64
	var started sync.WaitGroup
	started.Add(*threads)
	deadline := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	var finished sync.WaitGroup
	finished.Add(*threads)
	for i := 0; i < *threads; i++ {
		go func() {
			defer finished.Done()
			runtime.LockOSThread()
			started.Done()
			for time.Now().Before(deadline) {
				tick()
				ticks.Add(1)
			}
		}()
	}
	started.Wait()
	if *ready != "" {
		writeAtomically(*ready, fmt.Sprintf("%d\n", os.Getpid()))
	}

	allFinished := make(chan struct{})
	go func() { finished.Wait(); close(allFinished) }()
	select {
	case <-terms:
		fmt.Println("terminated")
	case <-allFinished:
		fmt.Printf("ticks=%d\n", ticks.Load())
		if ticks.Load() == 0 {
			fail("no tick in %v seconds", *seconds)
		}
		fmt.Println("done")
	}
}

// tick is one round of the syscalls a tracer sees from each thread: stat, open/read/close of a
// proc file, and a nanosleep.
func tick() {
	if _, err := os.Stat("/proc/self"); err != nil {
		fail("%v", err)
	}
	if _, err := os.ReadFile("/proc/self/stat"); err != nil {
		fail("%v", err)
	}
	time.Sleep(time.Millisecond)
}

func writeAtomically(path, content string) {
	temp := path + ".tmp"
	if err := os.WriteFile(temp, []byte(content), 0o644); err != nil {
		fail("%v", err)
	}
	if err := os.Rename(temp, path); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ticker: "+format+"\n", args...)
	os.Exit(1)
}
