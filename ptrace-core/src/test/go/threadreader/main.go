// Command threadreader reads the same files from many OS threads at once and checks every read.
//
// It is the tracee for path rewriting under load: each read is an openat/read/close sequence
// issued from a different thread, so a tracer that corrupts one thread's syscall shows up as a
// failed or wrong read.
//
//	threadreader -threads 64 -iterations 1000 -expect /proc/sys/a=1\n -expect /proc/sys/b=x
//	threadreader -threads 64 -iterations 1000 -files /etc/hostname,/etc/os-release
//
// It prints "reads=<n> failures=<f> wrong=<w>" and exits 1 when f+w > 0, with the first problem
// on stderr.
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
)

// expectedFile is a path and the exact bytes every read of it must return.
type expectedFile struct {
	path    string
	content []byte
}

// expectFlag collects repeated -expect PATH=CONTENT arguments in the order given.
type expectFlag []expectedFile

func (e *expectFlag) String() string { return fmt.Sprint(len(*e), " files") }

func (e *expectFlag) Set(value string) error {
	path, content, found := strings.Cut(value, "=")
	if !found || path == "" {
		return fmt.Errorf("want PATH=CONTENT, got %q", value)
	}
	*e = append(*e, expectedFile{path, []byte(unescape(content))})
	return nil
}

// unescape turns the two escapes a shell argument cannot easily carry, \n and \\, into bytes.
func unescape(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\n`, "\n").Replace(s)
}

// problems counts failed and wrong reads and keeps the first one described.
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
	threads := flag.Int("threads", 64, "number of reader goroutines, each locked to its own OS thread")
	iterations := flag.Int("iterations", 1000, "reads of every file per thread")
	files := flag.String("files", "", "comma-separated paths; the expected content is what is read once at start")
	var expected expectFlag
	flag.Var(&expected, "expect", `PATH=CONTENT, repeatable; CONTENT may contain \n`)
	flag.Parse()

	if *files != "" {
		for _, path := range strings.Split(*files, ",") {
			content, err := os.ReadFile(path)
			if err != nil {
				fail(2, "initial read: %v", err)
			}
			expected = append(expected, expectedFile{path, content})
		}
	}
	if len(expected) == 0 {
		fail(2, "give -files or at least one -expect")
	}
	if *threads < 1 || *iterations < 0 {
		fail(2, "-threads must be positive and -iterations not negative")
	}

	var found problems
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(*threads)
	done.Add(*threads)
	for i := 0; i < *threads; i++ {
		go func() {
			defer done.Done()
			// A locked goroutine owns its thread and no other goroutine may run there,
			// so the readers really are N distinct OS threads.
			runtime.LockOSThread()
			ready.Done()
			<-start
			for n := 0; n < *iterations; n++ {
				for _, file := range expected {
					got, err := os.ReadFile(file.path)
					switch {
					case err != nil:
						found.note(&found.failures, "%v", err)
					case !bytes.Equal(got, file.content):
						found.note(&found.wrong, "%s: read %q, want %q", file.path, got, file.content)
					}
				}
			}
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()

	reads := *threads * *iterations * len(expected)
	fmt.Printf("reads=%d failures=%d wrong=%d\n", reads, found.failures.Load(), found.wrong.Load())
	if found.failures.Load()+found.wrong.Load() > 0 {
		fail(1, "first problem: %s", found.first)
	}
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "threadreader: "+format+"\n", args...)
	os.Exit(code)
}
