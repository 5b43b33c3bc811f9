// Command fdwriter writes to a file and to standard output, for tests of syscalls watched by file
// descriptor: it writes -n one-byte chunks to FILE and -n lines to standard output, then prints the
// file descriptor it wrote FILE through.
//
//	fdwriter -n 1000 FILE
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	n := flag.Int("n", 1000, "writes to each destination")
	flag.Parse()
	f, err := os.Create(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "fdwriter:", err)
		os.Exit(1)
	}
	for i := 0; i < *n; i++ {
		if _, err := f.Write([]byte{'x'}); err != nil {
			fmt.Fprintln(os.Stderr, "fdwriter: write:", err)
			os.Exit(1)
		}
		fmt.Println("line", i)
	}
	fd := f.Fd()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "fdwriter: close:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "fd", fd)
}
