// Command cpus prints how many CPUs the Go runtime found at start-up (from its affinity mask) and the
// GOMAXPROCS it chose, for tests of the engine's CPU placement: "cpus 2 maxprocs 2".
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("cpus %d maxprocs %d\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
}
