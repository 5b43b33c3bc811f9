// Command seccompgate runs a command under a seccomp filter that hands every seccomp(2) call made in it
// to this process (SECCOMP_RET_USER_NOTIF), which refuses or allows it the way a sandbox with its own
// rules may: -refuse without-nnp refuses a caller without NO_NEW_PRIVS with EACCES (what gVisor does
// since 2025-08 to a caller without CAP_SYS_ADMIN), -refuse always refuses every call. An allowed call
// runs as if the gate were not there. Each call is reported on standard error as
//
//	seccompgate: NoNewPrivs 0: refused
//
// and the gate exits with the command's status. It needs CAP_SYS_ADMIN, since it installs its filter
// without NO_NEW_PRIVS so that the command starts without it; x86_64 only.
//
//	seccompgate -refuse without-nnp|always CMD ARGS...
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

const (
	// <linux/seccomp.h> and <linux/audit.h>
	seccompSetModeFilter  = 1
	filterFlagTsync       = 1
	filterFlagNewListener = 1 << 3
	filterFlagTsyncEsrch  = 1 << 4
	seccompRetUserNotif   = 0x7fc00000
	seccompRetAllow       = 0x7fff0000
	userNotifFlagContinue = 1
	auditArchX86_64       = 0xc000003e
	sysSeccomp            = 317 // x86_64
	seccompDataNr         = 0
	seccompDataArch       = 4
	bpfLdWAbs             = 0x20
	bpfJeqK               = 0x15
	bpfRetK               = 0x06
	// _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp)
	ioctlNotifRecv = 0xc0502100
	ioctlNotifSend = 0xc0182101
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

// seccompNotif is struct seccomp_notif: the id, the calling thread, and its struct seccomp_data.
type seccompNotif struct {
	id    uint64
	pid   uint32
	flags uint32
	nr    int32
	arch  uint32
	ip    uint64
	args  [6]uint64
}

type seccompNotifResp struct {
	id    uint64
	val   int64
	error int32
	flags uint32
}

func main() {
	if len(os.Args) < 4 || os.Args[1] != "-refuse" || (os.Args[2] != "without-nnp" && os.Args[2] != "always") {
		fmt.Fprintln(os.Stderr, "usage: seccompgate -refuse without-nnp|always CMD ARGS...")
		os.Exit(2)
	}
	if runtime.GOARCH != "amd64" {
		fail("x86_64 only, not %s", runtime.GOARCH)
	}
	refuseAlways := os.Args[2] == "always"
	listener := install()
	// The filter covers every thread (TSYNC), so the forked command inherits it.
	pid, err := syscall.ForkExec(os.Args[3], os.Args[3:], &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		fail("exec %s: %v", os.Args[3], err)
	}
	go serve(listener, refuseAlways)
	var status syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &status, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	if status.Signaled() {
		os.Exit(128 + int(status.Signal()))
	}
	os.Exit(status.ExitStatus())
}

// install puts the filter on every thread of this process and returns its notification descriptor.
func install() int {
	program := []sockFilter{
		{code: bpfLdWAbs, k: seccompDataArch},
		{code: bpfJeqK, jt: 0, jf: 3, k: auditArchX86_64},
		{code: bpfLdWAbs, k: seccompDataNr},
		{code: bpfJeqK, jt: 0, jf: 1, k: sysSeccomp},
		{code: bpfRetK, k: seccompRetUserNotif},
		{code: bpfRetK, k: seccompRetAllow},
	}
	prog := sockFprog{len: uint16(len(program)), filter: &program[0]}
	fd, _, errno := syscall.RawSyscall(sysSeccomp, seccompSetModeFilter,
		filterFlagTsync|filterFlagNewListener|filterFlagTsyncEsrch, uintptr(unsafe.Pointer(&prog)))
	if errno != 0 {
		fail("installing the filter: %v (CAP_SYS_ADMIN is needed)", errno)
	}
	syscall.CloseOnExec(int(fd))
	return int(fd)
}

// serve answers each seccomp(2) call until the process ends.
func serve(listener int, refuseAlways bool) {
	for {
		var notif seccompNotif // the kernel wants it zeroed
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(listener), ioctlNotifRecv,
			uintptr(unsafe.Pointer(&notif))); errno != 0 {
			if errno == syscall.EINTR || errno == syscall.ENOENT {
				continue // interrupted, or the caller died before it was received
			}
			fail("receiving a notification: %v", errno)
		}
		noNewPrivs := noNewPrivs(notif.pid)
		resp := seccompNotifResp{id: notif.id}
		verdict := "allowed"
		if refuseAlways || noNewPrivs != "1" {
			resp.error = -int32(syscall.EACCES)
			verdict = "refused"
		} else {
			resp.flags = userNotifFlagContinue
		}
		fmt.Fprintf(os.Stderr, "seccompgate: NoNewPrivs %s: %s\n", noNewPrivs, verdict)
		// ENOENT: the caller died meanwhile; nothing waits for the answer.
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(listener), ioctlNotifSend,
			uintptr(unsafe.Pointer(&resp))); errno != 0 && errno != syscall.ENOENT {
			fail("answering a notification: %v", errno)
		}
	}
}

// noNewPrivs is the NoNewPrivs field of the thread's /proc status, or "?" when it cannot be read.
func noNewPrivs(tid uint32) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "NoNewPrivs:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "NoNewPrivs:"))
		}
	}
	return "?"
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "seccompgate: "+format+"\n", args...)
	os.Exit(1)
}
