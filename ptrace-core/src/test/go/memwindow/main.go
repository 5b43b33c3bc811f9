// Command memwindow offers the tracer two pages of known bytes that end at an unmapped page.
//
// It maps three pages, unmaps the third, fills the first two with byte i = (7*i + 3) mod 256, then
// calls madvise(addr, 8192, MADV_NORMAL): a harmless syscall whose first argument tells the tracer
// where the pages are. The tracer may read and write them at that stop. Afterwards the program
// prints the two pages in hex on one line, so the test sees what the tracer's writes left there.
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

const page = 4096

func main() {
	mem, err := syscall.Mmap(-1, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mmap:", err)
		os.Exit(1)
	}
	base := uintptr(unsafe.Pointer(&mem[0]))
	if _, _, e := syscall.Syscall(syscall.SYS_MUNMAP, base+2*page, page, 0); e != 0 {
		fmt.Fprintln(os.Stderr, "munmap:", e)
		os.Exit(1)
	}
	window := mem[:2*page]
	for i := range window {
		window[i] = byte(7*i + 3)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, base, 2*page, 0); e != 0 {
		fmt.Fprintln(os.Stderr, "madvise:", e)
		os.Exit(1)
	}
	fmt.Println(hex.EncodeToString(window))
}
