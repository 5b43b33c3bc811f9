// Command roundtrip makes batches of one system call on request: the tracee of the per-syscall
// micro-benchmarks, which time a batch and divide by its size.
//
//	roundtrip -in REQUESTS -out REPLIES -batch 1000 -call getppid
//	roundtrip -in REQUESTS -out REPLIES -batch 1000 -call faccessat -path /some/path
//
// REQUESTS and REPLIES are FIFOs. For every byte read from REQUESTS it makes -batch calls, then
// writes one byte to REPLIES; it exits 0 at the end of REQUESTS. Only raw syscalls run in the
// loop, from one locked OS thread, so a batch makes exactly -batch calls of the chosen syscall.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// atFdcwd is AT_FDCWD from <fcntl.h>; a variable because a negative constant cannot become a uintptr.
var atFdcwd = -100

func main() {
	in := flag.String("in", "", "FIFO to read requests from, one byte per batch")
	out := flag.String("out", "", "FIFO to write one byte to after each batch")
	batch := flag.Int("batch", 1000, "calls per request")
	call := flag.String("call", "getppid", "getppid, or faccessat of -path")
	path := flag.String("path", "/", "the path faccessat checks")
	flag.Parse()
	if *in == "" || *out == "" || *batch < 1 {
		fail("give -in, -out and a positive -batch")
	}
	if *call != "getppid" && *call != "faccessat" {
		fail("unknown -call %q", *call)
	}
	runtime.LockOSThread()

	requests, err := syscall.Open(*in, syscall.O_RDONLY, 0)
	if err != nil {
		fail("open %s: %v", *in, err)
	}
	replies, err := syscall.Open(*out, syscall.O_WRONLY, 0)
	if err != nil {
		fail("open %s: %v", *out, err)
	}
	pathPtr, err := syscall.BytePtrFromString(*path)
	if err != nil {
		fail("-path: %v", err)
	}
	pathArg := uintptr(unsafe.Pointer(pathPtr))
	dirfd := uintptr(atFdcwd)

	var one [1]byte
	for {
		n, err := syscall.Read(requests, one[:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			fail("read request: %v", err)
		}
		if n == 0 {
			os.Exit(0)
		}
		if *call == "getppid" {
			for i := 0; i < *batch; i++ {
				syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
			}
		} else {
			for i := 0; i < *batch; i++ {
				syscall.RawSyscall6(syscall.SYS_FACCESSAT, dirfd, pathArg, 0, 0, 0, 0)
			}
		}
		runtime.KeepAlive(pathPtr)
		if _, err := syscall.Write(replies, one[:]); err != nil {
			fail("write reply: %v", err)
		}
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "roundtrip: "+format+"\n", args...)
	os.Exit(2)
}
