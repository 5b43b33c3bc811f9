// Command w3 is the macro benchmark's workload W3: goroutines locked to OS threads, each mixing
// opens of /proc/sys keys with plain reads and writes, and checking every key it reads.
//
//	w3 -threads 64 -iterations 250 -plain 8 \
//	   -expect '/proc/sys/kernel/ostype=Linux\n' -expect '/proc/sys/kernel/osrelease=6.1.0\n'
//
// In every iteration a thread opens, reads and closes each -expect file, then makes -plain reads
// of 64 bytes from /dev/zero and -plain writes of 64 bytes to /dev/null on descriptors it opened
// once. It prints "opens=<n> plain=<p> failures=<f> wrong=<w>" and exits 1 when f+w > 0, with the
// first problem on stderr.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

type expectedFile struct {
	path    string
	content []byte
}

type expectFlag []expectedFile

func (e *expectFlag) String() string { return fmt.Sprint(len(*e), " files") }

func (e *expectFlag) Set(value string) error {
	path, content, found := strings.Cut(value, "=")
	if !found || path == "" {
		return fmt.Errorf("want PATH=CONTENT, got %q", value)
	}
	content = strings.NewReplacer(`\\`, `\`, `\n`, "\n").Replace(content)
	*e = append(*e, expectedFile{path, []byte(content)})
	return nil
}

type problems struct {
	failures, wrong atomic.Int64
	once            sync.Once
	first           string
}

func (p *problems) note(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	p.once.Do(func() { p.first = fmt.Sprintf(format, args...) })
}

func main() {
	threads := flag.Int("threads", 64, "goroutines, each locked to its own OS thread")
	iterations := flag.Int("iterations", 250, "iterations per thread")
	plain := flag.Int("plain", 8, "reads of /dev/zero and writes to /dev/null per iteration")
	var expected expectFlag
	flag.Var(&expected, "expect", `PATH=CONTENT, repeatable; CONTENT may contain \n`)
	flag.Parse()
	if len(expected) == 0 || *threads < 1 || *iterations < 0 || *plain < 0 {
		fmt.Fprintln(os.Stderr, "w3: give at least one -expect, a positive -threads and non-negative -iterations, -plain")
		os.Exit(2)
	}

	var found problems
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(*threads)
	done.Add(*threads)
	for i := 0; i < *threads; i++ {
		go func() {
			defer done.Done()
			runtime.LockOSThread()
			zero, zeroErr := syscall.Open("/dev/zero", syscall.O_RDONLY, 0)
			null, nullErr := syscall.Open("/dev/null", syscall.O_WRONLY, 0)
			ready.Done()
			<-start
			if zeroErr != nil || nullErr != nil {
				found.note(&found.failures, "open /dev/zero or /dev/null: %v %v", zeroErr, nullErr)
				return
			}
			defer syscall.Close(zero)
			defer syscall.Close(null)
			var key [256]byte
			var block [64]byte
			for n := 0; n < *iterations; n++ {
				for _, file := range expected {
					readKey(file, key[:], &found)
				}
				for p := 0; p < *plain; p++ {
					if _, err := syscall.Read(zero, block[:]); err != nil {
						found.note(&found.failures, "read /dev/zero: %v", err)
					}
					if _, err := syscall.Write(null, block[:]); err != nil {
						found.note(&found.failures, "write /dev/null: %v", err)
					}
				}
			}
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()

	opens := *threads * *iterations * len(expected)
	fmt.Printf("opens=%d plain=%d failures=%d wrong=%d\n", opens, 2**threads**iterations**plain,
		found.failures.Load(), found.wrong.Load())
	if found.failures.Load()+found.wrong.Load() > 0 {
		fmt.Fprintf(os.Stderr, "w3: first problem: %s\n", found.first)
		os.Exit(1)
	}
}

// readKey opens, reads and closes one key with raw syscalls, as a C program would.
func readKey(file expectedFile, buf []byte, found *problems) {
	fd, err := syscall.Open(file.path, syscall.O_RDONLY, 0)
	if err != nil {
		found.note(&found.failures, "open %s: %v", file.path, err)
		return
	}
	defer syscall.Close(fd)
	n, err := syscall.Read(fd, buf)
	switch {
	case err != nil:
		found.note(&found.failures, "read %s: %v", file.path, err)
	case !bytes.Equal(buf[:n], file.content):
		found.note(&found.wrong, "%s: read %q, want %q", file.path, buf[:n], file.content)
	}
}
