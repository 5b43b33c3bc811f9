// Command vforkchdir runs /bin/pwd many times with its working directory set to /proc/sys/kernel:
// Go's child calls chdir between clone(CLONE_VM|CLONE_VFORK) and execve, so a redirecting tracer
// rewrites a path in a child that shares its parent's memory, hundreds of times.
//
//	vforkchdir -n 600 EXPECTED   prints wrong=0 when every child printed EXPECTED
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
)

func main() {
	runs := flag.Int("n", 600, "number of children")
	flag.Parse()
	expected := flag.Arg(0) + "\n"
	wrong := 0
	for i := 0; i < *runs; i++ {
		cmd := exec.Command("/bin/pwd")
		cmd.Dir = "/proc/sys/kernel"
		out, err := cmd.Output()
		if err != nil || string(out) != expected {
			if wrong == 0 {
				fmt.Fprintf(os.Stderr, "run %d: %q %v\n", i, out, err)
			}
			wrong++
		}
	}
	fmt.Printf("wrong=%d\n", wrong)
	if wrong > 0 {
		os.Exit(1)
	}
}
