// filecalls makes a fixed sequence of file syscalls on its main thread, some failing, so that a syscall
// log can be compared with strace's for the same run: the Go runtime's own threads and timers vary from
// run to run, the main goroutine's calls do not.
//
// Usage: filecalls DIR (an existing, empty directory it may write in)
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

func init() {
	// The main goroutine stays on the main thread, whose tid is the process id.
	runtime.LockOSThread()
}

func main() {
	dir := os.Args[1]
	name := filepath.Join(dir, "data")
	if err := os.WriteFile(name, []byte("line one\nline two\n"), 0o640); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	content, _ := os.ReadFile(name)
	_, missing := os.Stat(filepath.Join(dir, "missing"))
	_, notDir := os.Open(filepath.Join(name, "below-a-file"))
	_ = os.Mkdir(filepath.Join(dir, "sub"), 0o750)
	exists := os.Mkdir(filepath.Join(dir, "sub"), 0o750)
	entries, _ := os.ReadDir(dir)
	_ = os.Remove(filepath.Join(dir, "sub"))
	link, linkErr := os.Readlink(name)
	fmt.Printf("%d bytes, %d entries, %v, %v, %v, %q %v\n", len(content), len(entries), missing != nil,
		notDir != nil, exists != nil, link, linkErr != nil)
	os.Exit(3)
}
