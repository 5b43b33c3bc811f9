// Command sysctlrace writes and reads the same /proc/sys keys from many OS threads at once.
//
// It is the tracee for concurrent writes to a virtual /proc/sys: each of -threads goroutines, locked
// to its own OS thread, writes its own values to every key with os.WriteFile (open, one write,
// close) and reads the keys back with os.ReadFile. Values have different lengths (unless
// -same-length), so a reader that catches a file half rewritten sees something no writer wrote. After
// all threads are done, it
// writes -final to every key and reads it back.
//
//	sysctlrace -threads 64 -iterations 50 -final 4242 /proc/sys/kernel/panic /proc/sys/kernel/pid_max
//
// It prints "writes=<n> reads=<n> foreign=<f>" and exits 1 when a read returned a value no writer
// wrote (foreign > 0) or any access failed, with the first problem on stderr.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// sameLength makes every value 7 digits long.
var sameLength = flag.Bool("same-length", false, "write values of one length only (7 digits)")

// valueOf is what thread t writes in iteration n: lengths from 1 to 7 digits, or 7 with -same-length.
func valueOf(t, n int) int {
	if *sameLength {
		return 1000000 + t*1000 + n
	}
	digits := (t+n)%7 + 1
	value := t + 1
	for len(strconv.Itoa(value)) < digits {
		value = value*10 + n%10
	}
	return value
}

func main() {
	threads := flag.Int("threads", 64, "writer-reader goroutines, each on its own OS thread")
	iterations := flag.Int("iterations", 50, "writes and reads of every key per thread")
	final := flag.Int("final", 4242, "the value written last, by one thread")
	initial := flag.String("initial", "", "comma-separated values the keys may hold before any write")
	flag.Parse()
	keys := flag.Args()
	if len(keys) == 0 {
		fmt.Fprintln(os.Stderr, "sysctlrace: give at least one key path")
		os.Exit(2)
	}
	written := map[string]bool{}
	for t := 0; t < *threads; t++ {
		for n := 0; n < *iterations; n++ {
			written[strconv.Itoa(valueOf(t, n))] = true
		}
	}
	for _, value := range strings.Split(*initial, ",") {
		written[value] = true
	}

	var writes, reads, foreign, failures atomic.Int64
	var first sync.Once
	note := func(counter *atomic.Int64, format string, args ...any) {
		counter.Add(1)
		first.Do(func() { fmt.Fprintf(os.Stderr, "sysctlrace: first problem: "+format+"\n", args...) })
	}
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(*threads)
	done.Add(*threads)
	for t := 0; t < *threads; t++ {
		go func(t int) {
			defer done.Done()
			runtime.LockOSThread()
			ready.Done()
			<-start
			for n := 0; n < *iterations; n++ {
				for _, key := range keys {
					if err := os.WriteFile(key, []byte(strconv.Itoa(valueOf(t, n))), 0644); err != nil {
						note(&failures, "%v", err)
						continue
					}
					writes.Add(1)
					data, err := os.ReadFile(key)
					if err != nil {
						note(&failures, "%v", err)
						continue
					}
					reads.Add(1)
					if got := strings.TrimSpace(string(data)); !written[got] {
						note(&foreign, "%s: read %q, which no thread wrote", key, data)
					}
				}
			}
		}(t)
	}
	ready.Wait()
	close(start)
	done.Wait()
	for _, key := range keys {
		if err := os.WriteFile(key, []byte(strconv.Itoa(*final)), 0644); err != nil {
			note(&failures, "%v", err)
			continue
		}
		data, err := os.ReadFile(key)
		if err != nil || string(data) != strconv.Itoa(*final)+"\n" {
			note(&failures, "%s: after the last write read %q, %v", key, data, err)
		}
	}
	fmt.Printf("writes=%d reads=%d foreign=%d\n", writes.Load(), reads.Load(), foreign.Load())
	if foreign.Load()+failures.Load() > 0 {
		os.Exit(1)
	}
}
