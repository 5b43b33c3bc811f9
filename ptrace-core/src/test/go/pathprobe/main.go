// Command pathprobe makes path syscalls directly and prints what each returned, so that a run under a
// path-redirecting tracer can be compared with an untraced one, errno for errno.
//
//	pathprobe read:/proc/sys/kernel/ostype readat:/proc/sys:kernel/ostype badpointer long:/proc/sys/kernel/ostype:5000
//
// Probes, one output line each ("PROBE = ok CONTENT" with CONTENT quoted, or "PROBE = errno NAME"):
//
//	read:PATH          openat(AT_FDCWD, PATH) and read it
//	readat:DIR:REL     open DIR as a directory, then openat(dirfd, REL) and read it
//	badpointer         openat(AT_FDCWD, (char *)1): EFAULT
//	unmapped           openat(AT_FDCWD, the start of a PROT_NONE page): EFAULT
//	crossing:PATH      openat(AT_FDCWD, PATH) with PATH's last byte at the end of a page and no NUL
//	                   before the next, unmapped, page: EFAULT
//	long:PATH:N        PATH padded in front with "/." to N bytes; N >= 4096 gives ENAMETOOLONG
//	renamebad:PATH     renameat(AT_FDCWD, PATH, AT_FDCWD, (char *)1): EFAULT for the second path
//	symlink:TARGET:LINK symlinkat(TARGET, AT_FDCWD, LINK): two path arguments in one syscall
//	empty              openat(AT_FDCWD, ""): ENOENT
//
// It exits 2 on a malformed probe, else 0.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

const atFdcwd = -100

func init() {
	// One thread makes every probe, as a single-threaded program would: the tracer's per-thread state
	// (its scratch strings) sees them all in order.
	runtime.LockOSThread()
}

func main() {
	for _, probe := range os.Args[1:] {
		fmt.Printf("%s = %s\n", probe, run(probe))
	}
}

func run(probe string) string {
	kind, rest, _ := strings.Cut(probe, ":")
	switch kind {
	case "read":
		return readAt(atFdcwd, rest)
	case "readat":
		dir, rel, found := strings.Cut(rest, ":")
		if !found {
			usage(probe)
		}
		fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return "open dir: " + describe(err)
		}
		defer syscall.Close(fd)
		return readAt(fd, rel)
	case "badpointer":
		return openPointer(1)
	case "unmapped":
		page := mapPages(1)
		if err := syscall.Mprotect(page, syscall.PROT_NONE); err != nil {
			fail("mprotect: %v", err)
		}
		return openPointer(uintptr(unsafe.Pointer(&page[0])))
	case "crossing":
		size := os.Getpagesize()
		pages := mapPages(2)
		if err := syscall.Mprotect(pages[size:], syscall.PROT_NONE); err != nil {
			fail("mprotect: %v", err)
		}
		start := size - len(rest)
		copy(pages[start:size], rest)
		return openPointer(uintptr(unsafe.Pointer(&pages[start])))
	case "long":
		split := strings.LastIndex(rest, ":")
		length, err := strconv.Atoi(rest[split+1:])
		if split < 0 || err != nil {
			usage(probe)
		}
		path := rest[:split]
		padding := strings.Repeat("/.", (length-len(path))/2)
		if (length-len(path))%2 == 1 {
			padding = "/" + padding
		}
		return readAt(atFdcwd, padding+path)
	case "renamebad":
		from := cString(rest)
		fdcwd := atFdcwd
		_, _, errno := syscall.Syscall6(syscall.SYS_RENAMEAT, uintptr(fdcwd), uintptr(unsafe.Pointer(&from[0])),
			uintptr(fdcwd), 1, 0, 0)
		return describe(errno)
	case "symlink":
		target, link, found := strings.Cut(rest, ":")
		if !found {
			usage(probe)
		}
		from, to := cString(target), cString(link)
		fdcwd := atFdcwd
		_, _, errno := syscall.Syscall(syscall.SYS_SYMLINKAT, uintptr(unsafe.Pointer(&from[0])), uintptr(fdcwd),
			uintptr(unsafe.Pointer(&to[0])))
		if errno != 0 {
			return describe(errno)
		}
		return "ok"
	case "empty":
		return readAt(atFdcwd, "")
	}
	usage(probe)
	return ""
}

// readAt opens path relative to dirfd with a raw openat, so that nothing in between changes the path.
func readAt(dirfd int, path string) string {
	name := cString(path)
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])),
		syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
	if errno != 0 {
		return describe(errno)
	}
	file := os.NewFile(fd, path)
	defer file.Close()
	buffer := make([]byte, 4096)
	n, err := file.Read(buffer)
	if err != nil && n == 0 {
		return "read: " + describe(err)
	}
	return fmt.Sprintf("ok %q", buffer[:n])
}

func openPointer(address uintptr) string {
	fdcwd := atFdcwd
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(fdcwd), address, syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
	if errno == 0 {
		syscall.Close(int(fd))
		return "ok"
	}
	return describe(errno)
}

func mapPages(count int) []byte {
	pages, err := syscall.Mmap(-1, 0, count*os.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fail("mmap: %v", err)
	}
	return pages
}

func cString(s string) []byte {
	return append([]byte(s), 0)
}

// names are the errnos these probes expect; others print as numbers.
var names = map[syscall.Errno]string{
	syscall.ENOENT: "ENOENT", syscall.EFAULT: "EFAULT", syscall.ENAMETOOLONG: "ENAMETOOLONG",
	syscall.ENOTDIR: "ENOTDIR", syscall.EACCES: "EACCES", syscall.EBADF: "EBADF", syscall.EISDIR: "EISDIR",
	syscall.EXDEV: "EXDEV",
}

func describe(err error) string {
	errno, ok := err.(syscall.Errno)
	if !ok {
		return err.Error()
	}
	if name, known := names[errno]; known {
		return "errno " + name
	}
	return "errno " + strconv.Itoa(int(errno))
}

func usage(probe string) {
	fail("malformed probe %q", probe)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pathprobe: "+format+"\n", args...)
	os.Exit(2)
}
