// Command fillseccomp stacks seccomp filters that allow everything until the kernel's limit on the
// total length of a thread's filters (MAX_INSNS_PER_PATH) is reached, then execs its arguments. A tracer that tries
// to add its own filter to the program (or its children) then fails with ENOMEM, as it would where a
// container runtime's policy leaves no room: the way to test a tracer's fallback.
//
//	fillseccomp CMD ARGS...
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

const (
	prSetNoNewPrivs      = 38
	seccompSetModeFilter = 1
	bpfLdWAbs            = 0x20
	bpfRetK              = 0x06
	seccompRetAllow      = 0x7fff0000
	maxInstructions      = 4096 // BPF_MAXINSNS, per filter
	sysSeccomp           = 317  // x86_64
)

type sockFilter struct {
	code uint16
	jt   uint8
	jf   uint8
	k    uint32
}

type sockFprog struct {
	len    uint16
	_      [6]byte
	filter *sockFilter
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fillseccomp CMD ARGS...")
		os.Exit(2)
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0); errno != 0 {
		fail("prctl(PR_SET_NO_NEW_PRIVS): %v", errno)
	}
	// Largest filters first, halving on ENOMEM, until not even a one-instruction filter fits: the
	// kernel counts its own translation of each filter, so the room cannot be computed here.
	for n, size := 1, maxInstructions; ; {
		errno := install(size)
		if errno == 0 {
			n++
			continue
		}
		if errno != syscall.ENOMEM {
			fail("seccomp filter %d of %d instructions: %v", n, size, errno)
		}
		if size == 1 {
			break
		}
		size /= 2
	}
	if err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ()); err != nil {
		fail("exec %s: %v", os.Args[1], err)
	}
}

// install stacks a filter of size instructions that allows every syscall.
func install(size int) syscall.Errno {
	program := make([]sockFilter, size)
	for i := range program[:size-1] {
		program[i] = sockFilter{code: bpfLdWAbs, k: 0}
	}
	program[size-1] = sockFilter{code: bpfRetK, k: seccompRetAllow}
	prog := sockFprog{len: uint16(size), filter: &program[0]}
	_, _, errno := syscall.RawSyscall(sysSeccomp, seccompSetModeFilter, 0, uintptr(unsafe.Pointer(&prog)))
	return errno
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fillseccomp: "+format+"\n", args...)
	os.Exit(1)
}
