// Command execthread calls execve from a thread that is not the thread-group leader while
// other threads are busy in syscalls.
//
// That is the case where the kernel gives the execing thread the leader's tid and the other
// threads vanish. By default it becomes "/bin/busybox echo exec-from-thread-ok":
//
//	execthread
//	execthread -exec /bin/busybox sh -c 'echo $$'
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// spinners is how many threads keep making syscalls while one of them execs.
const spinners = 8

// warmUpSyscalls is how many syscalls each spinner makes before the exec may happen, so
// that every thread is known to be running and inside its loop.
const warmUpSyscalls = 100

func init() {
	// Keep the main goroutine on the leader thread, so no spinner can run there.
	runtime.LockOSThread()
}

func main() {
	program := flag.String("exec", "", "program to exec; the remaining arguments are its arguments")
	flag.Parse()
	argv := append([]string{*program}, flag.Args()...)
	if *program == "" {
		argv = []string{"/bin/busybox", "echo", "exec-from-thread-ok"}
	}

	var warm sync.WaitGroup
	warm.Add(spinners)
	execNow := make(chan struct{})
	for i := 0; i < spinners; i++ {
		execer := i == spinners-1
		go func() {
			runtime.LockOSThread()
			for n := 0; ; n++ {
				syscall.Getpid()
				time.Sleep(50 * time.Microsecond)
				if n == warmUpSyscalls {
					warm.Done()
				}
				if execer && n > warmUpSyscalls {
					select {
					case <-execNow:
						execFromThisThread(argv)
					default:
					}
				}
			}
		}()
	}
	warm.Wait()
	close(execNow)
	select {} // the exec replaces this process; the main goroutine never wakes
}

func execFromThisThread(argv []string) {
	if tid := syscall.Gettid(); tid == os.Getpid() {
		fail("exec would run on the leader thread %d", tid)
	}
	err := syscall.Exec(argv[0], argv, os.Environ())
	fail("exec %s: %v", argv[0], err)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "execthread: "+format+"\n", args...)
	os.Exit(1)
}
